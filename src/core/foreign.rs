//! A context driven by a libuv loop (LWS_SERVER_OPTION_LIBUV): the program's, given in
//! `foreign_loops` (as terminal-over-web servers embed lws; the program runs it), or
//! without `foreign_loops` one of the context's own, which `lws_service` runs until it
//! is stopped, as lws does.  libuv wakes us through evloop::uv and each wake-up is one
//! non-blocking turn of our loop, after which the uv timer is set for whatever is due
//! next.  Work the program creates from its own uv callbacks (a WRITEABLE request, a
//! timer) asks for a turn at once (`kick`), since no descriptor of ours would announce it.
//!
//! A loop of our own also catches SIGINT, SIGTERM and SIGHUP (lws's set, less SIGSEGV and
//! SIGFPE, which a handler run later from the loop cannot recover from): the program's
//! `signal_cb` gets them, or the context is destroyed.  `lws_context_destroy` called
//! while that loop runs (from such a handler, or any callback) only stops the loop: the
//! context is destroyed by the program's next call once `lws_service` has returned,
//! the two-step destruction lws has for event loops.
use crate::abi::*;
use crate::core::*;
use core::ffi::{c_int, c_void};

unsafe extern "C" fn turn(arg: *mut c_void) {
    let ctx = arg as *mut lws_context;
    if let Some(u) = cx!(ctx).uv.as_mut() {
        u.in_turn = true;
    }
    crate::core::service::service(ctx, -1);
    if let Some(u) = cx!(ctx).uv.as_mut() {
        u.in_turn = false;
    }
    reschedule(ctx);
}

/// Sets the uv timer for the next thing due (0: queued work; none: only our descriptor).
fn reschedule(ctx: *mut lws_context) {
    let ms = crate::core::extpoll::adjust_timeout(ctx, -1);
    if let Some(u) = cx!(ctx).uv.as_ref() {
        u.glue.wake_in(if ms < 0 { None } else { Some(ms as u64) });
    }
}

/// Work was queued outside a turn (from the program's own libuv callbacks): run a turn
/// soon.  Nothing to do without a foreign loop, or inside a turn (it ends by
/// rescheduling).
#[inline]
pub(crate) fn kick(ctx: *mut lws_context) {
    if let Some(u) = cx!(ctx).uv.as_ref() {
        if !u.in_turn {
            u.glue.wake_in(Some(0));
        }
    }
}

/// The context's uv glue, if it runs on a libuv loop.
pub(crate) struct Uv {
    pub(crate) glue: crate::evloop::uv::UvLoop,
    pub(crate) in_turn: bool,
    /// `lws_service` is inside uv_run on the context's loop.
    running: bool,
    /// `lws_context_destroy` came while `running`: the loop was stopped (or our handles
    /// closed), the next call destroys.
    destroy_deferred: bool,
    signal_cb: Option<unsafe extern "C" fn(*mut c_void, c_int)>,
}

/// The signals a loop of our own catches.
const SIGNALS: [c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

unsafe extern "C" fn on_signal(arg: *mut c_void, handle: *mut c_void, signum: c_int) {
    let ctx = arg as *mut lws_context;
    let cb = cx!(ctx).uv.as_ref().and_then(|u| u.signal_cb);
    match cb {
        // SAFETY: the program's handler, given in the creation info; lws passes it the
        // uv_signal_t.
        Some(cb) => unsafe { cb(handle, signum) },
        None => {
            lwsl_notice!(
                "signal {} on the context's libuv loop: destroying it",
                signum
            );
            crate::core::context::destroy_context(ctx);
        }
    }
}

/// Puts a new context on the program's libuv loop (`info.foreign_loops[0]`), or on one
/// of its own without `foreign_loops`.
pub(crate) fn start(ctx: *mut lws_context, info: &lws_context_creation_info) -> Result<(), String> {
    let loop_ = if info.foreign_loops.is_null() {
        None
    } else {
        // SAFETY: lws's contract: an array of loop pointers, one per service thread.
        let l = unsafe { *info.foreign_loops };
        if l.is_null() {
            return Err("foreign_loops[0] is NULL".into());
        }
        Some(l)
    };
    // SAFETY: one service thread (refused otherwise with a foreign loop); the wait is
    // only read for its descriptor.
    let fd = unsafe { &*crate::core::service::ctx_ref(ctx).pts[0].wait.get() }.raw_fd();
    let mut glue = crate::evloop::uv::UvLoop::start(loop_, fd, turn, ctx as *mut c_void)?;
    if glue.own {
        glue.signals(&SIGNALS, on_signal, ctx as *mut c_void);
    }
    cx!(ctx).uv = Some(Box::new(Uv {
        glue,
        in_turn: false,
        running: false,
        destroy_deferred: false,
        signal_cb: info.signal_cb,
    }));
    // The first turn (protocol init, listeners) as soon as the loop runs.
    kick(ctx);
    Ok(())
}

/// lws_service on a libuv context runs its loop, as lws's libuv `run_pt` does: a loop of
/// its own until it is stopped (lws_context_destroy, uv_stop, a signal); the program's
/// (`foreign_loops`) until uv_stop or until no handle is left on it (a context destroyed
/// from the program's callback closes ours), then 1; None for other contexts.
pub(crate) fn run_own(ctx: *mut lws_context) -> Option<c_int> {
    let runner = {
        let u = cx!(ctx).uv.as_mut()?;
        if u.destroy_deferred {
            return Some(1);
        }
        if u.running {
            lwsl_err!("lws_service: called from inside the libuv loop it runs");
            return Some(-1);
        }
        u.running = true;
        u.glue.runner()
    };
    // No borrow of the context is held: libuv calls back into it throughout.
    runner.run();
    if let Some(u) = cx!(ctx).uv.as_mut() {
        u.running = false;
    }
    Some(1)
}

/// lws_context_destroy while lws_service runs the loop: the context is left for the next
/// call (it is still being used below us).  Our own loop is stopped; on the program's,
/// our handles are closed, so the loop ends once the program's handles are gone too, as
/// it would with lws (whose destroy closes its handles and lets the loop wind down).
/// True when deferred.
pub(crate) fn defer_destroy(ctx: *mut lws_context) -> bool {
    match cx!(ctx).uv.as_mut() {
        Some(u) if u.running => {
            u.destroy_deferred = true;
            if u.glue.own {
                u.glue.stop_running();
            } else {
                u.glue.close_handles();
            }
            true
        }
        _ => false,
    }
}

/// Takes the context off the loop (lws_context_destroy).
pub(crate) fn stop(ctx: *mut lws_context) {
    if let Some(u) = cx!(ctx).uv.take() {
        u.glue.stop();
    }
}

/// lws_uv_getloop: the loop the context runs on (the program's or its own), NULL when
/// none.
pub(crate) fn uv_loop(ctx: *mut lws_context) -> *mut c_void {
    cx!(ctx)
        .uv
        .as_ref()
        .map_or(core::ptr::null_mut(), |u| u.glue.loop_)
}
