//! lws-service.h.
use crate::core::lws_context;
use core::ffi::c_int;

/// Runs one turn of the event loop: waits for socket activity or the next due timer, then
/// makes every callback that follows (accepts, reads, writeable callbacks, timers, closes).
/// Called in a loop by the program. As in lws 4, `timeout_ms` >= 0 does not bound the wait
/// (timers do); a negative value polls without waiting. Unlike lws, an idle wait never lasts
/// more than a second, so a program whose signal handler only sets a flag stops promptly.
/// Returns 0, 1 for a NULL context (as lws), or -1 when polling fails.
/// On a libuv context (LWS_SERVER_OPTION_LIBUV) it runs the context's loop and then
/// returns 1, as lws does: a loop of its own until it is stopped (lws_context_destroy, a
/// signal, uv_stop on lws_uv_getloop's loop); the program's (`foreign_loops`) until
/// uv_stop or until no handle is left on it (lws_context_destroy from one of the program's
/// callbacks closes the library's; the program's next lws_context_destroy finishes).
#[no_mangle]
pub unsafe extern "C" fn lws_service(context: *mut lws_context, timeout_ms: c_int) -> c_int {
    entry!({
        // lws returns 1 for a NULL context.
        need!(context, 1);
        if let Some(r) = crate::core::foreign::run_own(context) {
            return r;
        }
        if let Some(r) = crate::core::customloop::run(context) {
            return r;
        }
        crate::core::service::service(context, timeout_ms)
    })
}

/// As lws_service for service thread `tsi` (0 to count_threads - 1): with `count_threads` > 1
/// each thread calls this with its own `tsi`, waits on its own descriptors, and connections
/// are spread over the threads that do. Callbacks come from all of them, one at a time (the
/// header's LWS_MAX_SMP is 1, as in lws's default build, so a program's
/// `lws_pthread_mutex_*` are empty: this build never runs two callbacks at once). Another
/// `tsi` is logged and returns -1.
#[no_mangle]
pub unsafe extern "C" fn lws_service_tsi(
    context: *mut lws_context,
    timeout_ms: c_int,
    tsi: c_int,
) -> c_int {
    entry!({
        need!(context);
        match usize::try_from(tsi) {
            // Thread 0 is lws_service's (which hands it to the SMP loop when there are more).
            // SAFETY: the caller's live context, checked non-NULL.
            Ok(0) => unsafe { lws_service(context, timeout_ms) },
            // smp::service_tsi refuses a tsi past count_threads, with a log line.
            Ok(t) => crate::core::smp::service_tsi(context, timeout_ms, t),
            Err(_) => {
                lwsl_err!("lws_service_tsi: no service thread {}", tsi);
                -1
            }
        }
    })
}

/// Safe from any thread (as in lws): wakes the service loop, which then sends
/// LWS_CALLBACK_EVENT_WAIT_CANCELLED to every protocol. (This build also takes
/// lws_callback_on_writable and lws_set_timeout from any thread.)
#[no_mangle]
pub unsafe extern "C" fn lws_cancel_service(context: *mut lws_context) {
    entry!({
        if context.is_null() {
            return;
        }
        // SAFETY: only the Sync members are touched (see lws_context).
        crate::core::context::cancel_service(unsafe { &*context })
    })
}

/// lws_cancel_service for the service thread `wsi` belongs to: safe from any thread while
/// `wsi` is alive, as in lws.
#[no_mangle]
pub unsafe extern "C" fn lws_cancel_service_pt(wsi: *mut crate::core::lws) {
    entry!({
        if wsi.is_null() {
            return;
        }
        // SAFETY: a live wsi (lws's contract); its context pointer never changes, and
        // only the context's Sync members are touched.
        let ctx = unsafe { (*wsi).ctx };
        if ctx.is_null() {
            return;
        }
        // SAFETY: as above; `tsi` is written before the program has the wsi, and read
        // without making a reference (the service thread may hold one).
        let tsi = unsafe { core::ptr::addr_of!((*wsi).tsi).read() } as usize;
        // SAFETY: as above.
        let c = unsafe { &*ctx };
        if let Some(pt) = c.pts.get(tsi) {
            crate::core::context::cancel_pt(pt);
        }
    })
}
