//! lws-service.h's entry points for programs that run their own event loop.
use crate::abi::pollfd;
use crate::core::lws_context;
use core::ffi::c_int;

/// Services one descriptor the program's own poll() found ready: `pollfd->fd` with what
/// happened in `pollfd->revents`.  A descriptor that is not ours is left alone (0,
/// `revents` untouched, so the program knows to serve it itself); one of ours is served
/// and its `revents` zeroed (0), or 1 if its connection closed meanwhile.  Descriptors
/// come and go through the ADD_POLL_FD / DEL_POLL_FD / CHANGE_MODE_POLL_FD callbacks to
/// protocols[0].  NULL (lws before v3.2 allowed it for housekeeping) is refused with -1,
/// as in lws v4.3; housekeeping is `lws_service(context, -1)`.
#[no_mangle]
pub unsafe extern "C" fn lws_service_fd(context: *mut lws_context, pollfd: *mut pollfd) -> c_int {
    entry!({
        need!(context);
        need!(pollfd);
        // SAFETY: the caller's struct pollfd (lws_pollfd is that type), checked non-NULL.
        let p = unsafe { &mut *(pollfd as *mut libc::pollfd) };
        crate::core::extpoll::service_pollfd(context, p)
    })
}

/// lws_service_fd for service thread `tsi`; this build has one service thread, so only
/// `tsi` 0 is accepted (another is logged and returns -1).
#[no_mangle]
pub unsafe extern "C" fn lws_service_fd_tsi(
    context: *mut lws_context,
    pollfd: *mut pollfd,
    tsi: c_int,
) -> c_int {
    entry!({
        need!(context);
        need!(pollfd);
        if tsi != 0 {
            lwsl_err!("lws_service_fd_tsi: only service thread 0 exists");
            return -1;
        }
        // SAFETY: as in lws_service_fd.
        let p = unsafe { &mut *(pollfd as *mut libc::pollfd) };
        crate::core::extpoll::service_pollfd(context, p)
    })
}

/// The timeout a program's own poll() should use: 0 when work is waiting that no
/// descriptor will announce (then `lws_service(context, -1)` does it without blocking),
/// else `timeout_ms` shortened to the next timer due (a negative `timeout_ms`, wait
/// forever, becomes that delay when a timer is pending).  Only `tsi` 0 exists (another:
/// -1).
#[no_mangle]
pub unsafe extern "C" fn lws_service_adjust_timeout(
    context: *mut lws_context,
    timeout_ms: c_int,
    tsi: c_int,
) -> c_int {
    entry!({
        need!(context);
        if tsi != 0 {
            lwsl_err!("lws_service_adjust_timeout: only service thread 0 exists");
            return -1;
        }
        crate::core::extpoll::adjust_timeout(context, timeout_ms)
    })
}
