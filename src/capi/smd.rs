//! lws-smd.h: system message distribution. `lws_smd_msg_printf` is variadic, so its C
//! half lives in varargs.c and formats before calling `lws_rs_smd_printf`.
use crate::abi::{lws_smd_class_t, lws_smd_notification_cb_t, lws_smd_peer};
use crate::core::{context as service, lws_context};
use crate::smd::{self, PeerHandle};
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null_mut;

/// Allocates a system message of class `_class` with room for `len` payload bytes, for the
/// caller to fill and hand to lws_smd_msg_send (or give back with lws_smd_msg_free).
/// Returns the payload pointer, or NULL when no registered peer wants that class (nothing to
/// send), `len` is over lws's payload limit, or `ctx` is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_smd_msg_alloc(
    ctx: *mut lws_context,
    _class: lws_smd_class_t,
    len: usize,
) -> *mut c_void {
    entry!({
        need!(ctx);
        // SAFETY: a live context; smd is its thread-safe part.
        unsafe { &*ctx }.smd.msg_alloc(_class, len) as *mut c_void
    })
}

/// Frees a message from lws_smd_msg_alloc that was not sent, and sets `*payload` to NULL.
/// NULL (or a NULL `*payload`) is logged and ignored.
#[no_mangle]
pub unsafe extern "C" fn lws_smd_msg_free(payload: *mut *mut c_void) {
    entry!({
        need!(payload);
        // SAFETY: payload points to the caller's pointer variable.
        let p = unsafe { *payload };
        need!(p);
        // SAFETY: lws's contract: an allocated, unsent message.
        unsafe { smd::msg_free(p as *mut u8) };
        // SAFETY: as above.
        unsafe { *payload = null_mut() };
    })
}

/// Queues the message `payload` (from lws_smd_msg_alloc) for every peer whose class filter
/// matches; they get it from the service loop, which is woken for it. The queue owns the
/// message after a successful send.
/// Returns 0 when queued, 1 when the queue is full (the caller still owns the message) or an
/// argument is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_smd_msg_send(ctx: *mut lws_context, payload: *mut c_void) -> c_int {
    entry!(fail = 1, {
        need!(ctx);
        need!(payload);
        // SAFETY: a live context (any thread: only its Sync members are used); payload
        // is an allocated, unsent message per lws's contract.
        unsafe {
            let c = &*ctx;
            c.smd
                .msg_send(payload as *mut u8, || service::cancel_service(c))
        }
    })
}

/// cbindgen:ignore
/// The Rust half of `lws_smd_msg_printf` (varargs.c): `text` holds what fit of the
/// formatted message, `wanted` the length vsnprintf wanted.
#[no_mangle]
pub unsafe extern "C" fn lws_rs_smd_printf(
    ctx: *mut lws_context,
    _class: lws_smd_class_t,
    text: *const c_char,
    have: usize,
    wanted: usize,
) -> c_int {
    ffi!("lws_smd_msg_printf", 1, {
        need!("lws_smd_msg_printf", ctx, 1);
        need!("lws_smd_msg_printf", text, 1);
        // SAFETY: varargs.c passes its buffer and how much of it holds text.
        let t = unsafe { core::slice::from_raw_parts(text as *const u8, have) };
        // SAFETY: a live context; any thread.
        let c = unsafe { &*ctx };
        smd::send_text(&c.smd, _class, t, wanted, || service::cancel_service(c))
    })
}

/// Registers a peer that wants the message classes in `_class_filter`: `cb(opaque, class,
/// timestamp, buf, len)` is called from the service loop for each such message.
/// Returns the peer handle for lws_smd_unregister, or NULL for a NULL context or non-zero
/// `flags` (the secure-streams proxy flag needs lws's SS proxy, not built here).
#[no_mangle]
pub unsafe extern "C" fn lws_smd_register(
    ctx: *mut lws_context,
    opaque: *mut c_void,
    flags: c_int,
    _class_filter: lws_smd_class_t,
    cb: lws_smd_notification_cb_t,
) -> *mut lws_smd_peer {
    entry!({
        need!(ctx);
        if flags != 0 {
            // LWSSMDREG_FLAG_PROXIED_SS: a secure-streams proxy peer, not built in.
            lwsl_err!("lws_smd_register: flags 0x{:x} not supported", flags);
            return null_mut();
        }
        // SAFETY: a live context; any thread.
        unsafe { &*ctx }.smd.register(opaque, _class_filter, cb) as *mut lws_smd_peer
    })
}

/// Removes the peer `pr`; it gets no more messages and the handle is freed.
#[no_mangle]
pub unsafe extern "C" fn lws_smd_unregister(pr: *mut lws_smd_peer) {
    entry!({
        need!(pr);
        // SAFETY: lws's contract: a registered peer of a live context.
        unsafe { smd::Smd::unregister(pr as *mut PeerHandle) }
    })
}
