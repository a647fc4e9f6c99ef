//! Logging, shared by C callers (`_lws_log`, `lws_set_log_level`, ...) and our own code
//! (`lwsl_err!` etc.): one level mask, one emit function.
//!
//! Lines are built the way lws v4.3 (built with LWS_LOGS_TIMESTAMP) builds them: a
//! timestamp prefix "[YYYY/MM/DD HH:MM:SS:uuuu] L: " when the filter is a single level,
//! then the message, then "\n" if the message did not end with one, all within lws's
//! 256-byte line (a longer line is cut and ends in "...\n").  The emit function gets that
//! whole line; the built-in one (`lwsl_emit_stderr`) writes it to stderr, coloured by level
//! when stderr is a terminal.
use crate::abi::consts::*;
use core::ffi::{c_char, c_int};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::sync::atomic::{AtomicI32, AtomicU8, AtomicUsize, Ordering};

/// lws's default: errors, warnings and notices.
static LEVEL: AtomicI32 = AtomicI32::new(LLL_ERR | LLL_WARN | LLL_NOTICE);
/// 0 means the built-in stderr emitter; otherwise an `lws_log_emit_t`.
static EMIT: AtomicUsize = AtomicUsize::new(0);

/// The size of lws's line buffer, terminating NUL included.
/// cbindgen:ignore
pub const LINE_MAX: usize = 256;

pub fn level() -> c_int {
    LEVEL.load(Ordering::Relaxed)
}

/// `lws_set_log_level()`: the new mask (lws drops the context-aware flag, which only
/// applies to log contexts), and the emit function unless `emit` is None.
pub fn set_level(level: c_int, emit: crate::abi::lws_log_emit_t) {
    LEVEL.store(level & !LLLF_LOG_CONTEXT_AWARE, Ordering::Relaxed);
    if let Some(f) = emit {
        EMIT.store(f as usize, Ordering::Relaxed);
    }
}

/// The emit function `set_level` installed (None: the built-in stderr one).
pub fn emitter() -> crate::abi::lws_log_emit_t {
    let e = EMIT.load(Ordering::Relaxed);
    if e == 0 {
        return None;
    }
    // SAFETY: EMIT only ever holds a non-null `lws_log_emit_t` stored by set_level.
    Some(unsafe { core::mem::transmute::<usize, unsafe extern "C" fn(c_int, *const c_char)>(e) })
}

#[inline]
pub fn enabled(filter: c_int) -> bool {
    level() & filter != 0
}

/// The index of `filter` if it is exactly one of the LLL_ levels.
fn single_level(filter: c_int) -> Option<usize> {
    (0..LLL_COUNT as usize).find(|&n| filter == 1 << n)
}

/// The log prefix lws puts before each line logged at the single level `filter`
/// ("[2018/11/13 07:41:57:3989] N: "); empty for anything else.
pub fn timestamp(filter: c_int) -> String {
    const NAMES: &[u8; 12] = b"EWNIDPHXCLUT";
    let Some(idx) = single_level(filter) else {
        return String::new();
    };
    let letter = NAMES[idx] as char;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() as i64;
    let frac = now.subsec_micros() / 100;
    let mut out = String::with_capacity(32);
    let _ = match local_time(secs) {
        Some(tm) => write!(
            out,
            "[{:04}/{:02}/{:02} {:02}:{:02}:{:02}:{:04}] {}: ",
            tm.tm_year + 1900,
            tm.tm_mon + 1,
            tm.tm_mday,
            tm.tm_hour,
            tm.tm_min,
            tm.tm_sec,
            frac,
            letter
        ),
        None => write!(out, "[{secs}:{frac:04}] {letter}: "),
    };
    out
}

fn local_time(secs: i64) -> Option<libc::tm> {
    let t = secs as libc::time_t;
    let mut tm = core::mem::MaybeUninit::<libc::tm>::uninit();
    // SAFETY: both pointers are to valid locals; localtime_r is reentrant and fills `tm`
    // when it returns non-NULL.
    unsafe {
        if libc::localtime_r(&t, tm.as_mut_ptr()).is_null() {
            None
        } else {
            Some(tm.assume_init())
        }
    }
}

/// The line lws hands its emit function for `msg` logged at `filter` (no NUL).
pub fn compose(filter: c_int, msg: &[u8]) -> Vec<u8> {
    let mut line = timestamp(filter).into_bytes();
    // Room for the text: the buffer less its NUL and the newline lws may add.
    if line.len() + msg.len() > LINE_MAX - 3 {
        line.extend_from_slice(msg);
        line.truncate(LINE_MAX - 6);
        line.extend_from_slice(b"...\n");
    } else if !msg.is_empty() {
        line.extend_from_slice(msg);
        if !msg.ends_with(b"\n") {
            line.push(b'\n');
        }
    }
    line
}

/// Logs an already formatted message at `filter`, if that level is enabled.
pub fn emit_line(filter: c_int, msg: &[u8]) {
    if !enabled(filter) {
        return;
    }
    emit_composed(filter, &compose(filter, msg));
}

/// Hands a finished line (no NUL) to the process-wide emit function.
pub fn emit_composed(filter: c_int, line: &[u8]) {
    let emit = EMIT.load(Ordering::Relaxed);
    if emit == 0 {
        stderr_emit(filter, line);
        return;
    }
    let mut buf = line.to_vec();
    buf.push(0);
    // SAFETY: EMIT only ever holds a non-null `lws_log_emit_t` stored by set_level, and
    // fn pointers round-trip through usize.
    let f: unsafe extern "C" fn(c_int, *const c_char) = unsafe { core::mem::transmute(emit) };
    // SAFETY: buf is NUL-terminated and outlives the call.
    unsafe { f(filter, buf.as_ptr() as *const c_char) };
}

/// ANSI colours lws uses per level, lowest bit first.
const COLOURS: [&str; 12] = [
    "[31;1m", "[36;1m", "[35;1m", "[32;1m", "[34;1m", "[33;1m", "[33m", "[33m", "[33m", "[33;1m",
    "[0;1m", "[31m",
];

/// Whether stderr is a terminal, decided once: 1 unknown, 2 no, 3 yes.
static TTY: AtomicU8 = AtomicU8::new(1);

fn stderr_is_tty() -> bool {
    let mut t = TTY.load(Ordering::Relaxed);
    if t == 1 {
        t = if std::io::stderr().is_terminal() {
            3
        } else {
            2
        };
        TTY.store(t, Ordering::Relaxed);
    }
    t == 3
}

/// `lwsl_emit_stderr()`: writes the line (up to any NUL) to stderr, wrapped in the
/// colour of the highest level in `level` when stderr is a terminal.
pub fn stderr_emit(level: c_int, line: &[u8]) {
    let line = match line.iter().position(|&b| b == 0) {
        Some(end) => &line[..end],
        None => line,
    };
    let colour = (0..COLOURS.len()).rev().find(|&n| level & (1 << n) != 0);
    let mut out = Vec::with_capacity(line.len() + 16);
    match colour {
        Some(n) if stderr_is_tty() => {
            out.push(0x1b);
            out.extend_from_slice(COLOURS[n].as_bytes());
            out.extend_from_slice(line);
            out.extend_from_slice(b"\x1b[0m");
        }
        _ => out.extend_from_slice(line),
    }
    let _ = std::io::stderr().lock().write_all(&out);
}

pub fn log_fmt(filter: c_int, args: std::fmt::Arguments) {
    if !enabled(filter) {
        return;
    }
    let mut s = String::new();
    let _ = s.write_fmt(args);
    emit_line(filter, s.as_bytes());
}

/// The rows of lws's hexdump for `data`: offset, 16 bytes in hex, the printable ones.
pub fn hexdump_rows(data: &[u8]) -> Vec<String> {
    data.chunks(16)
        .enumerate()
        .map(|(i, chunk)| {
            let mut row = format!("{:04X}: ", i * 16);
            // lws formats the offset into 10 bytes, NUL included
            row.truncate(9);
            for b in chunk {
                let _ = write!(row, "{b:02X} ");
            }
            for _ in chunk.len()..16 {
                row.push_str("   ");
            }
            row.push_str("   ");
            row.extend(chunk.iter().map(|&b| {
                if (b' '..127).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            }));
            for _ in chunk.len()..16 {
                row.push(' ');
            }
            row.push('\n');
            row
        })
        .collect()
}

/// `lwsl_hexdump_level()`: a blank line, one line per 16 bytes, a blank line; each is a
/// log line at `level`.  `data` None is a NULL buffer (lws checks the length first).
pub fn hexdump(level: c_int, data: Option<&[u8]>) {
    if !enabled(level) {
        return;
    }
    let data = match data {
        Some([]) => return emit_line(level, b"(hexdump: zero length)\n"),
        None => return emit_line(level, b"(hexdump: NULL ptr)\n"),
        Some(d) => d,
    };
    emit_line(level, b"\n");
    for row in hexdump_rows(data) {
        emit_line(level, row.as_bytes());
    }
    emit_line(level, b"\n");
}

macro_rules! lwsl {
    ($lvl:expr, $($arg:tt)*) => {
        if $crate::log::enabled($lvl) {
            $crate::log::log_fmt($lvl, format_args!($($arg)*))
        }
    };
}
macro_rules! lwsl_err { ($($arg:tt)*) => { lwsl!($crate::abi::consts::LLL_ERR, $($arg)*) }; }
#[allow(unused_macros)]
macro_rules! lwsl_warn { ($($arg:tt)*) => { lwsl!($crate::abi::consts::LLL_WARN, $($arg)*) }; }
macro_rules! lwsl_notice { ($($arg:tt)*) => { lwsl!($crate::abi::consts::LLL_NOTICE, $($arg)*) }; }
#[allow(unused_macros)]
macro_rules! lwsl_info { ($($arg:tt)*) => { lwsl!($crate::abi::consts::LLL_INFO, $($arg)*) }; }
#[allow(unused_macros)]
macro_rules! lwsl_debug { ($($arg:tt)*) => { lwsl!($crate::abi::consts::LLL_DEBUG, $($arg)*) }; }

#[cfg(test)]
mod tests {
    use super::*;

    fn strip_ts(line: &[u8]) -> &[u8] {
        assert_eq!(line[0], b'[');
        let end = line.windows(2).position(|w| w == b"] ").unwrap();
        &line[end + 2..]
    }

    #[test]
    fn timestamp_shape() {
        let t = timestamp(LLL_NOTICE);
        let b = t.as_bytes();
        assert_eq!(b.len(), 30, "{t}");
        assert_eq!(
            (b[0], b[5], b[8], b[11], b[14], b[17], b[20]),
            (b'[', b'/', b'/', b' ', b':', b':', b':')
        );
        assert!(t.ends_with("] N: "));
        assert!(timestamp(LLL_USER).ends_with("] U: "));
        assert!(timestamp(LLL_THREAD).ends_with("] T: "));
        assert_eq!(timestamp(LLL_ERR | LLL_WARN), "");
        assert_eq!(timestamp(0), "");
        assert_eq!(timestamp(1 << 12), "");
    }

    #[test]
    fn compose_adds_newline_and_truncates_like_lws() {
        assert_eq!(strip_ts(&compose(LLL_ERR, b"hello")), b"E: hello\n");
        assert_eq!(strip_ts(&compose(LLL_ERR, b"hello\n")), b"E: hello\n");
        // an empty message gets no newline
        assert_eq!(strip_ts(&compose(LLL_ERR, b"")), b"E: ");
        // no timestamp for a multi-level filter
        assert_eq!(compose(LLL_ERR | LLL_USER, b"x"), b"x\n");
        let long = vec![b'a'; 300];
        let line = compose(LLL_WARN, &long);
        assert_eq!(line.len(), 254);
        assert!(line.ends_with(b"a...\n"));
        // the longest line that fits is kept whole
        let fits = vec![b'b'; 253 - 30];
        let line = compose(LLL_WARN, &fits);
        assert_eq!(line.len(), 254);
        assert!(line.ends_with(b"bb\n"));
        let over = vec![b'b'; 254 - 30];
        assert!(compose(LLL_WARN, &over).ends_with(b"...\n"));
    }

    #[test]
    fn hexdump_layout() {
        let rows = hexdump_rows(b"0123456789abcdef\x00\x7f\xffA");
        assert_eq!(
            rows[0],
            "0000: 30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66    0123456789abcdef\n"
        );
        assert_eq!(
            rows[1],
            "0010: 00 7F FF 41                                        ...A            \n"
        );
        assert_eq!(rows.len(), 2);
        assert!(hexdump_rows(&[]).is_empty());
    }
}
