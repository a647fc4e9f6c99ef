//! lws-logs.h's log contexts: the per-object log calls (`_lws_log_cx`, whose variadic
//! half is in varargs.c), the file log context helpers, the prefix hooks and the
//! object-to-context lookups.  The logic is in `crate::logcx`.
//!
//! This library does not keep the `log_cx` of a context's, vhost's or client's creation
//! info (the engine has no member for it yet): `lwsl_*_get_cx` answer the process-wide
//! log context for any object.
use crate::abi::{lws_log_cx, lws_log_prepend_cx_t};
use crate::core::{lws, lws_context, lws_vhost};
use crate::logcx::{self, LogCx};
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null_mut;

fn as_cx(p: *mut lws_log_cx) -> *mut LogCx {
    p as *mut LogCx
}

/// The prepend hook as `crate::logcx` types it (the same C function pointer).
fn hook(p: lws_log_prepend_cx_t) -> Option<logcx::PrependFn> {
    // SAFETY: both are nullable pointers to a C function of the same signature; only
    // the pointee's Rust spelling of the struct differs (same layout, see LogCx).
    p.map(|f| unsafe { core::mem::transmute::<_, logcx::PrependFn>(f) })
}

/// cbindgen:ignore
/// For varargs.c: whether `_lws_log_cx` should format at all.
#[no_mangle]
pub unsafe extern "C" fn lws_rs_log_cx_enabled(cx: *mut lws_log_cx, filter: c_int) -> c_int {
    // SAFETY: NULL or the program's log context.
    ffi!("_lws_log_cx", 0, {
        unsafe { logcx::enabled(as_cx(cx), filter) as c_int }
    })
}

/// cbindgen:ignore
/// The Rust half of `_lws_log_cx` (varargs.c): `text` holds what fit of the formatted
/// message (`have` bytes), `wanted` the length vsnprintf wanted.
#[no_mangle]
pub unsafe extern "C" fn lws_rs_log_cx_emit(
    cx: *mut lws_log_cx,
    prep: lws_log_prepend_cx_t,
    obj: *mut c_void,
    filter: c_int,
    fun: *const c_char,
    text: *const c_char,
    have: usize,
    wanted: usize,
) {
    ffi!("_lws_log_cx", (), {
        need!("_lws_log_cx", text);
        // SAFETY: varargs.c's buffer and the length it formatted; fun is NULL or the
        // caller's __func__.
        let (msg, fun) = unsafe {
            (
                core::slice::from_raw_parts(text as *const u8, have),
                super::cstr(fun),
            )
        };
        // SAFETY: the program's context (or NULL) and hook, per lws's contract.
        unsafe { logcx::log(as_cx(cx), hook(prep), obj, filter, fun, msg, wanted) }
    })
}

/// A log context's `u.emit_cx` that appends each line to the file its `refcount_cb`
/// (`lws_log_use_cx_file`) opened; the descriptor lives in `stg`.
#[no_mangle]
pub unsafe extern "C" fn lws_log_emit_cx_file(
    cx: *mut lws_log_cx,
    level: c_int,
    line: *const c_char,
    len: usize,
) {
    let _ = level;
    entry!({
        need!(cx);
        need!(line);
        // SAFETY: the program's context; len bytes at line, per the emit contract.
        unsafe { logcx::emit_file(as_cx(cx), line, len) }
    })
}

/// A log context's `refcount_cb` that opens the file named by `opaque` (created or
/// truncated, mode 0600) when the first object binds and closes it when the last one
/// is gone; the descriptor is kept in `stg`.
#[no_mangle]
pub unsafe extern "C" fn lws_log_use_cx_file(cx: *mut lws_log_cx, _new: c_int) {
    entry!({
        need!(cx);
        // SAFETY: the program's context, opaque a file name.
        unsafe { logcx::use_file(as_cx(cx), _new) }
    })
}

/// The prefix hook of `lwsl_wsi_*()`: the connection's tag and ": " ("[null wsi]: " for
/// NULL, as lws).
#[no_mangle]
pub unsafe extern "C" fn lws_log_prepend_wsi(
    cx: *mut lws_log_cx,
    obj: *mut c_void,
    p: *mut *mut c_char,
    e: *mut c_char,
) {
    let _ = cx;
    entry!({
        need!(p);
        // SAFETY: *p is NULL-checked next; p..e is the caller's line buffer.
        unsafe {
            if (*p).is_null() || e.is_null() {
                return;
            }
            let tag = super::cstr(super::logs::lws_wsi_tag(obj as *mut lws)).unwrap_or(b"");
            let mut t = tag.to_vec();
            t.extend_from_slice(b": ");
            *p = (*p).add(logcx::put(*p, e, &t));
        }
    })
}

/// The process-wide log context, with its level and emitter brought up to date.
fn default_cx() -> *mut lws_log_cx {
    logcx::sync_default(crate::log::emitter().unwrap_or(super::logs::lwsl_emit_stderr));
    logcx::default_cx() as *mut lws_log_cx
}

/// The log context of a context: lws answers the `log_cx` of its creation info, else the
/// process-wide one; this library always answers the process-wide one.  NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn lwsl_context_get_cx(context: *mut lws_context) -> *mut lws_log_cx {
    entry!({
        if context.is_null() {
            return null_mut();
        }
        default_cx()
    })
}

/// The log context of a vhost (the process-wide one here, see lwsl_context_get_cx).
#[no_mangle]
pub unsafe extern "C" fn lwsl_vhost_get_cx(vh: *mut lws_vhost) -> *mut lws_log_cx {
    entry!({
        if vh.is_null() {
            return null_mut();
        }
        default_cx()
    })
}

/// The log context of a connection (the process-wide one here, see lwsl_context_get_cx).
#[no_mangle]
pub unsafe extern "C" fn lwsl_wsi_get_cx(wsi: *mut lws) -> *mut lws_log_cx {
    entry!({
        if wsi.is_null() {
            return null_mut();
        }
        default_cx()
    })
}

/// One more (`_new` > 0) or one fewer object bound to the log context, then its
/// `refcount_cb`.
#[no_mangle]
pub unsafe extern "C" fn lwsl_refcount_cx(cx: *mut lws_log_cx, _new: c_int) {
    entry!({
        if cx.is_null() {
            return;
        }
        // SAFETY: the program's context.
        unsafe { logcx::refcount(as_cx(cx), _new) }
    })
}

/// `lwsl_hexdump_level()` through a log context, each line prefixed by `prep` for `obj`
/// (NULL `cx`: the process-wide context, as `_lws_log_cx` takes it).
#[no_mangle]
pub unsafe extern "C" fn lwsl_hexdump_level_cx(
    cx: *mut lws_log_cx,
    prep: lws_log_prepend_cx_t,
    obj: *mut c_void,
    hexdump_level: c_int,
    vbuf: *const c_void,
    len: usize,
) {
    entry!({
        let data = if len == 0 {
            Some(&[][..])
        } else if vbuf.is_null() {
            None
        } else {
            // SAFETY: len readable bytes, per the caller.
            Some(unsafe { core::slice::from_raw_parts(vbuf as *const u8, len) })
        };
        // SAFETY: the program's context and hook.
        unsafe { logcx::hexdump(as_cx(cx), hook(prep), obj, hexdump_level, data) }
    })
}
