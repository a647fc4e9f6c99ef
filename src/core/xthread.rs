//! Calls from threads other than the one serving the context (our extension to lws,
//! whose rule is that only `lws_cancel_service` may be called from another thread):
//! `lws_callback_on_writable` and `lws_set_timeout` made from elsewhere are queued here,
//! by the connection's slot and generation, and carried out by the service thread at
//! its next turn, which the waker brings on at once.  A connection closed meanwhile is
//! no longer in its slot, so a late request finds nothing.
//!
//! The service thread is whichever thread last began a turn (or created the context):
//! a program may hand the loop from one thread to another between turns.
use crate::core::*;
use core::cell::UnsafeCell;
use core::ffi::c_int;
use std::sync::atomic::Ordering;

/// The queue of requests, behind a pthread mutex rather than std's: ThreadSanitizer in a
/// program built with it sees pthread locking (and so the order of the queue's
/// allocations between threads) but not std's futex-based lock, and would report the
/// queue's reallocations as races.
pub(crate) struct Queue {
    lock: Box<UnsafeCell<libc::pthread_mutex_t>>,
    reqs: UnsafeCell<Vec<(usize, u32, Req)>>,
}

// SAFETY: `reqs` is only reached with `lock` held (Queue::with).
unsafe impl Sync for Queue {}
// SAFETY: as above; the mutex is boxed, so it never moves once initialised.
unsafe impl Send for Queue {}

impl Default for Queue {
    fn default() -> Self {
        let lock = Box::new(UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER));
        // SAFETY: a fresh mutex at its final (boxed) address, default attributes.
        unsafe { libc::pthread_mutex_init(lock.get(), core::ptr::null()) };
        Queue {
            lock,
            reqs: UnsafeCell::new(Vec::new()),
        }
    }
}

impl Queue {
    fn with<R>(&self, f: impl FnOnce(&mut Vec<(usize, u32, Req)>) -> R) -> R {
        // SAFETY: our initialised mutex; `reqs` is used only while it is held, and `f`
        // cannot reach this queue again (it only moves requests in or out).
        unsafe {
            libc::pthread_mutex_lock(self.lock.get());
            let r = f(&mut *self.reqs.get());
            libc::pthread_mutex_unlock(self.lock.get());
            r
        }
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        // SAFETY: unlocked (no other thread can use the context while it is destroyed).
        unsafe { libc::pthread_mutex_destroy(self.lock.get()) };
    }
}

/// What another thread asked for.
#[derive(Clone, Copy)]
pub(crate) enum Req {
    Writeable,
    Timeout { reason: c_int, secs: c_int },
}

/// An identity of the calling thread, asked on every `lws_callback_on_writable`, so it is
/// kept to one load on x86-64 Linux: the thread pointer, which the ELF TLS ABI (variant
/// II) keeps at `%fs:0`, pointing to itself; it differs between live threads as
/// `pthread_self` does (glibc returns the same value).  A call into libc elsewhere.
#[inline(always)]
pub(crate) fn this_thread() -> u64 {
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    {
        let tp: u64;
        // SAFETY: reads the word at %fs:0, which the TLS ABI requires to hold the thread
        // pointer in every thread; no memory is written, the stack is not touched.
        unsafe {
            core::arch::asm!("mov {}, qword ptr fs:[0]", out(reg) tp,
                             options(nostack, readonly, preserves_flags))
        };
        tp
    }
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
    {
        // SAFETY: pthread_self has no preconditions.
        unsafe { libc::pthread_self() as u64 }
    }
}

/// The calling thread serves `ctx` from now on (the start of a turn, creation).
#[inline]
pub(crate) fn enter(ctx: &lws_context) {
    ctx.service_thread.store(this_thread(), Ordering::Relaxed);
}

/// Whether the caller is not the thread serving the context of `w`, which must be a
/// live connection (lws's contract for every wsi argument).
#[inline]
pub(crate) fn off_thread(w: *const lws) -> bool {
    // SAFETY: a live wsi; `ctx` is written once, before the program ever sees the wsi,
    // so reading it races with no write.  No reference to the wsi is made (the service
    // thread may hold one).
    let ctx = unsafe { core::ptr::addr_of!((*w).ctx).read() };
    // SAFETY: the context outlives its connections; only its Sync members are touched.
    !ctx.is_null() && unsafe { &*ctx }.service_thread.load(Ordering::Relaxed) != this_thread()
}

/// Queues `req` for connection `w` (see [`off_thread`]) and wakes the service thread.
#[cold]
pub(crate) fn post(w: *const lws, req: Req) {
    // SAFETY: as in off_thread: `ctx`, `slot` and `gen` are written once, before the
    // program has the wsi, and read here without making a reference.
    let (ctx, slot, gen) = unsafe {
        (
            core::ptr::addr_of!((*w).ctx).read(),
            core::ptr::addr_of!((*w).slot).read(),
            core::ptr::addr_of!((*w).gen).read(),
        )
    };
    // SAFETY: the context outlives its connections; `xq`, `xq_pending` and `waker` are
    // its Sync members.
    let c = unsafe { &*ctx };
    c.xq.with(|q| q.push((slot, gen, req)));
    c.xq_pending.store(true, Ordering::Release);
    if let Err(e) = c.pts[0].waker.wake() {
        lwsl_err!("waking the service thread: {}", e);
    }
}

/// Whether requests from other threads wait (lws_service_adjust_timeout).
pub(crate) fn pending(ctx: &lws_context) -> bool {
    ctx.xq_pending.load(Ordering::Acquire)
}

/// Carries out what other threads asked for (service thread, between callbacks).
#[inline(always)]
pub(crate) fn drain(ctx: *mut lws_context) {
    // A plain load, inline: this runs every turn; the swap (a locked instruction) and the
    // work are only needed when something is there.
    if crate::core::service::ctx_ref(ctx)
        .xq_pending
        .load(Ordering::Relaxed)
    {
        drain_now(ctx);
    }
}

#[inline(never)]
fn drain_now(ctx: *mut lws_context) {
    let c = crate::core::service::ctx_ref(ctx);
    if !c.xq_pending.swap(false, Ordering::AcqRel) {
        return;
    }
    let reqs = c.xq.with(core::mem::take);
    for (slot, gen, req) in reqs {
        // Looked up afresh each time: a callback below may close others.
        let Some(w) = cx!(ctx).conn(slot, gen) else {
            continue;
        };
        match req {
            Req::Writeable => {
                crate::core::wsi::request_writeable(w);
            }
            Req::Timeout { reason, secs } => crate::core::wsi::timeout_request(w, reason, secs),
        }
    }
}
