//! Internal logging, routed through the same level mask and emit function as
//! `lws_set_log_level()` configures for C callers.
use crate::abi::consts::*;
use core::ffi::{c_char, c_int};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

/// lws's default: errors, warnings and notices.
static LEVEL: AtomicI32 = AtomicI32::new(LLL_ERR | LLL_WARN | LLL_NOTICE);
/// 0 means the built-in stderr emitter; otherwise an `lws_log_emit_t`.
static EMIT: AtomicUsize = AtomicUsize::new(0);

pub fn level() -> c_int {
    LEVEL.load(Ordering::Relaxed)
}

pub fn set_level(level: c_int, emit: crate::abi::lws_log_emit_t) {
    LEVEL.store(level, Ordering::Relaxed);
    if let Some(f) = emit {
        EMIT.store(f as usize, Ordering::Relaxed);
    }
}

#[inline]
pub fn enabled(filter: c_int) -> bool {
    level() & filter != 0
}

fn level_letter(filter: c_int) -> char {
    const NAMES: [char; 12] = ['E', 'W', 'N', 'I', 'D', 'P', 'H', 'X', 'C', 'L', 'U', 'T'];
    let idx = filter.trailing_zeros() as usize;
    NAMES.get(idx).copied().unwrap_or('?')
}

/// The line lws's stderr emitter prints: "[YYYY/MM/DD HH:MM:SS:uuuu] L: message".
pub fn timestamp_prefix(filter: c_int, out: &mut String) {
    let mut tv = libc::timeval { tv_sec: 0, tv_usec: 0 };
    let mut tm: libc::tm = unsafe { core::mem::zeroed() };
    // SAFETY: both pointers are to valid locals; localtime_r is reentrant.
    unsafe {
        libc::gettimeofday(&mut tv, core::ptr::null_mut());
        libc::localtime_r(&tv.tv_sec, &mut tm);
    }
    let _ = write!(
        out,
        "[{:04}/{:02}/{:02} {:02}:{:02}:{:02}:{:04}] {}: ",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        tv.tv_usec / 100,
        level_letter(filter)
    );
}

/// Emits an already formatted line (no trailing newline needed) at `filter`.
pub fn emit_line(filter: c_int, msg: &[u8]) {
    if !enabled(filter) {
        return;
    }
    let emit = EMIT.load(Ordering::Relaxed);
    if emit == 0 {
        let mut line = String::with_capacity(msg.len() + 32);
        timestamp_prefix(filter, &mut line);
        line.push_str(&String::from_utf8_lossy(msg));
        if !line.ends_with('\n') {
            line.push('\n');
        }
        use std::io::Write;
        let _ = std::io::stderr().write_all(line.as_bytes());
        return;
    }
    // lws hands the emitter a NUL-terminated line that ends in '\n'.
    let mut buf = Vec::with_capacity(msg.len() + 2);
    buf.extend_from_slice(msg);
    if buf.last() != Some(&b'\n') {
        buf.push(b'\n');
    }
    buf.retain(|&b| b != 0);
    buf.push(0);
    // SAFETY: EMIT only ever holds a non-null `lws_log_emit_t` stored by set_level.
    let f: unsafe extern "C" fn(c_int, *const c_char) = unsafe { core::mem::transmute(emit) };
    // SAFETY: buf is NUL-terminated and outlives the call.
    unsafe { f(filter, buf.as_ptr() as *const c_char) };
}

pub fn log_fmt(filter: c_int, args: std::fmt::Arguments) {
    if !enabled(filter) {
        return;
    }
    let mut s = String::new();
    let _ = s.write_fmt(args);
    emit_line(filter, s.as_bytes());
}

macro_rules! lwsl {
    ($lvl:expr, $($arg:tt)*) => {
        if $crate::log::enabled($lvl) {
            $crate::log::log_fmt($lvl, format_args!($($arg)*))
        }
    };
}
macro_rules! lwsl_err { ($($arg:tt)*) => { lwsl!($crate::abi::consts::LLL_ERR, $($arg)*) }; }
macro_rules! lwsl_warn { ($($arg:tt)*) => { lwsl!($crate::abi::consts::LLL_WARN, $($arg)*) }; }
macro_rules! lwsl_notice { ($($arg:tt)*) => { lwsl!($crate::abi::consts::LLL_NOTICE, $($arg)*) }; }
macro_rules! lwsl_info { ($($arg:tt)*) => { lwsl!($crate::abi::consts::LLL_INFO, $($arg)*) }; }
#[allow(unused_macros)]
macro_rules! lwsl_debug { ($($arg:tt)*) => { lwsl!($crate::abi::consts::LLL_DEBUG, $($arg)*) }; }
