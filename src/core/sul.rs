//! lws_sul: the caller's sorted-usec-list entries on the context's timer index.
use crate::abi::*;
use crate::core::*;

/// lws_sul_schedule().
///
/// # Safety
/// `sul` points to a caller-owned struct that stays live while scheduled.
pub(crate) unsafe fn sul_schedule(
    ctx: *mut lws_context,
    sul: *mut lws_sorted_usec_list,
    cb: sul_cb_t,
    us: lws_usec_t,
) {
    let key = timer::TimerKey::Sul(sul as usize);
    if us == LWS_SET_TIMER_USEC_CANCEL as lws_usec_t {
        // SAFETY: per the caller.
        unsafe { sul_cancel(sul) };
        return;
    }
    let due = timer::now_usecs() + us.max(0);
    // SAFETY: per the caller.
    unsafe {
        (*sul).cb = cb;
        // A sul scheduled on another context first leaves it.
        sul_cancel(sul);
    }
    let c = cx!(ctx);
    let owner: *mut SulOwner = &mut *c.sul_owner;
    c.timers.schedule(key, due);
    // SAFETY: per the caller.
    unsafe { timer::mark_scheduled(sul, owner, due) };
    crate::core::foreign::kick(ctx);
}

/// lws_sul_cancel(): the sul's owner member leads to its context.
///
/// # Safety
/// `sul` points to a live struct.
pub(crate) unsafe fn sul_cancel(sul: *mut lws_sorted_usec_list) {
    // SAFETY: per the caller.
    let owner = unsafe { (*sul).list.owner } as *mut SulOwner;
    if owner.is_null() {
        return;
    }
    // SAFETY: a non-NULL owner is one of our SulOwner objects, set by sul_schedule, and
    // lives as long as its context (lws requires suls to be cancelled before that).
    let ctx = unsafe { (*owner).ctx };
    if !ctx.is_null() {
        cx!(ctx).timers.cancel(timer::TimerKey::Sul(sul as usize));
    }
    // SAFETY: per the caller.
    unsafe { timer::mark_idle(sul) };
}
