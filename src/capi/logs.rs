//! lws-logs.h: log level, emit function, `_lws_log` (its C varargs half is varargs.c).
use core::ffi::{c_char, c_int};

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
