//! A context driven by a libuv loop the program runs (LWS_SERVER_OPTION_LIBUV with
//! `foreign_loops`, as terminal-over-web servers embed lws): libuv wakes us through
//! evloop::uv and each wake-up is one non-blocking turn of our loop, after which the uv
//! timer is set for whatever is due next.  Work the program creates from its own uv
//! callbacks (a WRITEABLE request, a timer) asks for a turn at once (`kick`), since no
//! descriptor of ours would announce it.
use crate::abi::*;
use crate::core::*;
use core::ffi::c_void;

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
}

/// Puts a new context on the program's libuv loop (`info.foreign_loops[0]`).
pub(crate) fn start(ctx: *mut lws_context, info: &lws_context_creation_info) -> Result<(), String> {
    // SAFETY: foreign_loops was checked non-NULL (options.rs); lws's contract: an array
    // of loop pointers, one per service thread.
    let loop_ = unsafe { *info.foreign_loops };
    if loop_.is_null() {
        return Err("foreign_loops[0] is NULL".into());
    }
    let fd = cx!(ctx).poller.raw_fd();
    let glue = crate::evloop::uv::UvLoop::start(loop_, fd, turn, ctx as *mut c_void)?;
    cx!(ctx).uv = Some(Box::new(Uv {
        glue,
        in_turn: false,
    }));
    // The first turn (protocol init, listeners) as soon as the program runs its loop.
    kick(ctx);
    Ok(())
}

/// Takes the context off the loop (lws_context_destroy).
pub(crate) fn stop(ctx: *mut lws_context) {
    if let Some(u) = cx!(ctx).uv.take() {
        u.glue.stop();
    }
}

/// lws_uv_getloop: the loop the context runs on, NULL when none.
pub(crate) fn uv_loop(ctx: *mut lws_context) -> *mut c_void {
    cx!(ctx)
        .uv
        .as_ref()
        .map_or(core::ptr::null_mut(), |u| u.glue.loop_)
}
