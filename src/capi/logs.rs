//! lws-logs.h: log level, emit functions, timestamps and hexdumps.  `_lws_log` and
//! `_lws_logv` are C (varargs.c); they format and hand the text to `lws_rs_log_emit`.
use crate::abi::consts::LLL_DEBUG;
use crate::abi::lws_log_emit_t;
use core::ffi::{c_char, c_int, c_void};

/// Returns 1 when log lines of level `filter` (one LLL_ bit) are currently emitted, else 0.
/// This library's own entry point (not lws's): the lwsl_* macros of the header call it to
/// skip formatting lines nobody will see.
#[no_mangle]
pub extern "C" fn lws_rs_log_enabled(filter: c_int) -> c_int {
    crate::log::enabled(filter) as c_int
}

/// # Safety
/// `line` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn lws_rs_log_emit(filter: c_int, line: *const c_char, len: usize) {
    ffi!("_lws_log", (), {
        if line.is_null() {
            return;
        }
        // SAFETY: varargs.c passes its own buffer and the length it formatted.
        let msg = unsafe { core::slice::from_raw_parts(line as *const u8, len) };
        crate::log::emit_line(filter, msg);
    })
}

/// Sets which log levels are emitted (`level`: LLL_* bits, for the process, not per
/// context) and, when `log_emit_function` is not NULL, the function each line goes to
/// instead of lwsl_emit_stderr (NULL keeps the current one). Lines of levels not set are
/// not even formatted.
///
/// # Safety
/// `log_emit_function` is NULL or a function that stays callable for as long as logging
/// may happen.
#[no_mangle]
pub unsafe extern "C" fn lws_set_log_level(level: c_int, log_emit_function: lws_log_emit_t) {
    entry!({ crate::log::set_level(level, log_emit_function) })
}

/// Returns 1 when the level `level` (one LLL_ bit) is enabled by lws_set_log_level, else 0.
#[no_mangle]
pub extern "C" fn lwsl_visible(level: c_int) -> c_int {
    entry!(fail = 0, { crate::log::enabled(level) as c_int })
}

/// The built-in emitter: writes the line as it is (it already carries lws's timestamp)
/// to stderr, coloured when stderr is a terminal.
///
/// # Safety
/// `line` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn lwsl_emit_stderr(level: c_int, line: *const c_char) {
    entry!({
        // SAFETY: NULL or a C string, per the caller.
        if let Some(line) = unsafe { super::cstr(line) } {
            crate::log::stderr_emit(level, line);
        }
    })
}

/// Same as `lwsl_emit_stderr` in lws 4.3: the timestamp is part of the line itself.
///
/// # Safety
/// `line` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn lwsl_emit_stderr_notimestamp(level: c_int, line: *const c_char) {
    entry!({
        // SAFETY: NULL or a C string, per the caller.
        if let Some(line) = unsafe { super::cstr(line) } {
            crate::log::stderr_emit(level, line);
        }
    })
}

/// An emitter that sends the line to syslog, at the priority matching the level.
///
/// # Safety
/// `line` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn lwsl_emit_syslog(level: c_int, line: *const c_char) {
    use crate::abi::consts::{LLL_ERR, LLL_INFO, LLL_NOTICE, LLL_WARN};
    entry!({
        if line.is_null() {
            return;
        }
        let prio = match level {
            LLL_ERR => libc::LOG_ERR,
            LLL_WARN => libc::LOG_WARNING,
            LLL_NOTICE => libc::LOG_NOTICE,
            LLL_INFO => libc::LOG_INFO,
            _ => libc::LOG_DEBUG,
        };
        // SAFETY: a constant "%s" format and the caller's NUL-terminated line.
        unsafe { libc::syslog(prio, c"%s".as_ptr(), line) };
    })
}

/// Writes lws's log prefix for `level` into `p` (always NUL-terminated when `len` > 0);
/// returns its length, 0 when `level` is not a single LLL_ level.
///
/// # Safety
/// `p` points to `len` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn lwsl_timestamp(level: c_int, p: *mut c_char, len: usize) -> c_int {
    entry!(fail = 0, {
        if len == 0 {
            return 0;
        }
        need!(p);
        let ts = crate::log::timestamp(level);
        let n = ts.len().min(len - 1);
        // SAFETY: p has len writable bytes and n + 1 <= len.
        let out = unsafe { core::slice::from_raw_parts_mut(p as *mut u8, n + 1) };
        out[..n].copy_from_slice(&ts.as_bytes()[..n]);
        out[n] = 0;
        // lws returns lws_snprintf's value: the buffer size when it had to cut.
        if n < ts.len() {
            len as c_int
        } else {
            n as c_int
        }
    })
}

/// Logs `len` bytes at `vbuf` at log level `level` (one LLL_ bit) as lws's hex dump: 16
/// bytes a row, the offset, the bytes in hex and as text ('.' for what does not print).
/// Nothing when the level is not enabled; a NULL `vbuf` with a non-zero `len` is logged
/// as such rather than read.
///
/// # Safety
/// `vbuf` is NULL or points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn lwsl_hexdump_level(level: c_int, vbuf: *const c_void, len: usize) {
    entry!({
        let data = if len == 0 {
            Some(&[][..])
        } else if vbuf.is_null() {
            None
        } else {
            // SAFETY: non-NULL, and the caller guarantees len readable bytes.
            Some(unsafe { core::slice::from_raw_parts(vbuf as *const u8, len) })
        };
        crate::log::hexdump(level, data)
    })
}

/// lws's debug-build behaviour: a hexdump at LLL_DEBUG.
///
/// # Safety
/// `buf` is NULL or points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn lwsl_hexdump(buf: *const c_void, len: usize) {
    // SAFETY: same contract as lwsl_hexdump_level.
    unsafe { lwsl_hexdump_level(LLL_DEBUG, buf, len) }
}

/// lws's lifecycle tag of a connection, for log lines: `[wsisrv|N|adopted]` for accepted
/// connections and `[wsicli|N|method/h1/vhost/address]` for clients, N counting each kind
/// per context in hex from 0, as lws; `[null wsi]` for NULL.  Valid while the wsi lives.
#[no_mangle]
pub unsafe extern "C" fn lws_wsi_tag(wsi: *mut crate::core::lws) -> *const c_char {
    ffi!("lws_wsi_tag", c"".as_ptr(), {
        if wsi.is_null() {
            return c"[null wsi]".as_ptr();
        }
        let w = crate::core::wref!(wsi);
        if w.tag.is_none() {
            if w.tag_ord == u32::MAX {
                // the scratch wsi of a connection-less callback: lws's is untagged too
                return c"".as_ptr();
            }
            let t = format!("[wsisrv|{:x}|adopted]", w.tag_ord);
            w.tag = std::ffi::CString::new(t).ok().map(|t| t.into_boxed_c_str());
        }
        w.tag.as_deref().map_or(c"".as_ptr(), |t| t.as_ptr())
    })
}
