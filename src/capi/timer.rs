//! lws-timeout-timer.h: sul scheduling, wsi timeouts and timers.
use crate::abi::*;
use crate::core::{lws, lws_context, wref};
use core::ffi::c_int;

/// Arms the caller's timer `sul` to call `cb(sul)` from the service loop `us` microseconds from
/// now (rescheduling it if already armed). `sul` must stay valid until it fires or is
/// cancelled; embed it in the struct the callback needs and find that with lws_container_of.
/// NULL arguments, or `tsi` other than 0 (one service thread here), are logged and ignored.
#[no_mangle]
pub unsafe extern "C" fn lws_sul_schedule(
    ctx: *mut lws_context,
    tsi: c_int,
    sul: *mut lws_sorted_usec_list_t,
    cb: sul_cb_t,
    us: lws_usec_t,
) {
    entry!({
        if ctx.is_null() || sul.is_null() {
            lwsl_err!("lws_sul_schedule: NULL argument");
            return;
        }
        if tsi != 0 {
            lwsl_err!("lws_sul_schedule: only service thread 0 exists");
            return;
        }
        // SAFETY: sul is the caller's live struct; lws requires it to stay live while
        // scheduled.
        unsafe { crate::core::sul::sul_schedule(ctx, sul, cb, us) }
    })
}

/// Disarms the timer `sul` if it is armed; an unarmed timer or NULL is left alone.
#[no_mangle]
pub unsafe extern "C" fn lws_sul_cancel(sul: *mut lws_sorted_usec_list_t) {
    entry!({
        if sul.is_null() {
            return;
        }
        // SAFETY: the caller's live struct.
        unsafe { crate::core::sul::sul_cancel(sul) }
    })
}

/// LWS_CALLBACK_TIMER on this wsi `usecs` from now; LWS_SET_TIMER_USEC_CANCEL cancels.
#[no_mangle]
pub unsafe extern "C" fn lws_set_timer_usecs(wsi: *mut lws, usecs: lws_usec_t) {
    entry!({
        if wsi.is_null() {
            lwsl_err!("lws_set_timer_usecs: NULL wsi");
            return;
        }
        let s = wref!(wsi);
        if s.slot == usize::MAX {
            return;
        }
        let c = crate::core::cx!(s.ctx);
        let key = crate::core::timer::TimerKey::WsiTimer(s.slot, s.gen);
        if usecs == LWS_SET_TIMER_USEC_CANCEL as lws_usec_t {
            c.timers.cancel(key);
        } else {
            c.timers
                .schedule(key, crate::core::timer::now_usecs() + usecs.max(0));
        }
    })
}

/// Closes the wsi `secs` from now unless cancelled (secs 0); LWS_TO_KILL_ASYNC closes it
/// at the next service, LWS_TO_KILL_SYNC right now.
/// Unlike lws, safe from any thread while `wsi` is alive: from a thread other than the
/// one serving the context it is queued and done by the service thread, woken at once
/// (so LWS_TO_KILL_SYNC closes there too, at its next turn).
#[no_mangle]
pub unsafe extern "C" fn lws_set_timeout(wsi: *mut lws, reason: enum_pending_timeout, secs: c_int) {
    entry!({
        if wsi.is_null() {
            lwsl_err!("lws_set_timeout: NULL wsi");
            return;
        }
        if crate::core::xthread::off_thread(wsi) {
            return crate::core::xthread::post(
                wsi,
                crate::core::xthread::Req::Timeout {
                    reason: reason as c_int,
                    secs,
                },
            );
        }
        crate::core::wsi::timeout_request(wsi, reason as c_int, secs)
    })
}
