//! Several service threads (`count_threads` > 1, lws's SMP): each thread waits on its
//! own epoll set through `lws_service_tsi(ctx, timeout, tsi)`, and new connections are
//! spread over the threads that serve; the turns themselves, and so every callback, run
//! one at a time under the context's turn lock, taken after the wait.
//!
//! Why one at a time: lws's default build, whose header programs compile against (ours
//! and the original), has `LWS_MAX_SMP` 1, which makes a program's
//! `lws_pthread_mutex_*` helpers empty.  Callbacks overlapping on several threads would
//! race on the data those empty locks were written to guard; under the turn lock the
//! program sees callbacks from several threads, never two at once, and each hand-over of
//! the lock orders their memory.  lws itself, built that way, clamps `count_threads` to
//! one; this build serves them all.
use crate::core::service::{ctx_ref, dispatch, turn_end, turn_start, turn_timeout};
use crate::core::*;
use core::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// The most service threads a context may have: a thread is a bit of `Poller::live`.
pub(crate) const MAX_THREADS: usize = 64;

/// The turn lock: a pthread mutex (ThreadSanitizer in a program built with it sees it)
/// and the thread holding it, so a nested entry from a callback does not deadlock.
pub(crate) struct TurnLock {
    m: Box<UnsafeCell<libc::pthread_mutex_t>>,
    owner: AtomicU64,
    /// Threads inside lws_service_tsi (waiting or in a turn).
    in_service: AtomicUsize,
    /// lws_context_destroy came while threads were serving: each returns -1 from now on,
    /// and the program's call after it has joined them destroys.
    stop: AtomicBool,
}

// SAFETY: the mutex is only used through pthread calls, which are thread-safe; it is
// boxed, so it never moves once initialised.
unsafe impl Sync for TurnLock {}
// SAFETY: as above.
unsafe impl Send for TurnLock {}

impl TurnLock {
    pub(crate) fn new() -> TurnLock {
        let m = Box::new(UnsafeCell::new(libc::PTHREAD_MUTEX_INITIALIZER));
        // SAFETY: a fresh mutex at its final (boxed) address, default attributes.
        unsafe { libc::pthread_mutex_init(m.get(), core::ptr::null()) };
        TurnLock {
            m,
            owner: AtomicU64::new(0),
            in_service: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        }
    }
}

impl Drop for TurnLock {
    fn drop(&mut self) {
        // SAFETY: unlocked: the context is being destroyed, no thread serves it.
        unsafe { libc::pthread_mutex_destroy(self.m.get()) };
    }
}

/// Holds the turn lock until dropped (nothing when there is one service thread, or
/// when the calling thread already holds it).
pub(crate) struct Guard<'a>(Option<&'a TurnLock>);

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if let Some(l) = self.0 {
            l.owner.store(0, Ordering::Relaxed);
            // SAFETY: locked by this thread in `lock`.
            unsafe { libc::pthread_mutex_unlock(l.m.get()) };
        }
    }
}

/// Takes the context's turn lock, if it has one.
pub(crate) fn lock<'a>(ctx: *mut lws_context) -> Guard<'a> {
    let Some(l) = &ctx_ref(ctx).smp else {
        return Guard(None);
    };
    let me = crate::core::xthread::this_thread();
    if l.owner.load(Ordering::Relaxed) == me {
        return Guard(None);
    }
    // SAFETY: our initialised mutex.
    unsafe { libc::pthread_mutex_lock(l.m.get()) };
    l.owner.store(me, Ordering::Relaxed);
    Guard(Some(l))
}

/// lws_context_destroy with several service threads: while any thread is inside
/// lws_service_tsi (the caller's own callback included, or a signal handler, as lws's
/// eventlib SMP example calls it from), the context cannot go: every thread is woken and
/// told to stop (lws_service_tsi returns -1), and the program's call after joining them
/// destroys.  Only atomics and the wakers are touched, so it is safe from any thread.
/// True when deferred.
pub(crate) fn defer_destroy(ctx: *mut lws_context) -> bool {
    let c = ctx_ref(ctx);
    let Some(l) = &c.smp else {
        return false;
    };
    if l.in_service.load(Ordering::Acquire) == 0 {
        return false;
    }
    if !l.stop.swap(true, Ordering::AcqRel) {
        for pt in c.pts.iter() {
            let _ = pt.waker.wake();
        }
    }
    true
}

/// Counts a thread inside lws_service_tsi while alive.
struct Serving<'a>(&'a AtomicUsize);

impl Drop for Serving<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// lws_service_tsi with several service threads: the turn's start and its timeout under
/// the lock, the wait on this thread's own set without it, then its events, timers and
/// queued work under the lock again.
pub(crate) fn service_tsi(ctx: *mut lws_context, timeout_ms: c_int, tsi: usize) -> c_int {
    let Some(pt) = ctx_ref(ctx).pts.get(tsi) else {
        lwsl_err!(
            "lws_service_tsi: no service thread {} (count_threads {})",
            tsi,
            ctx_ref(ctx).pts.len()
        );
        return -1;
    };
    let Some(l) = &ctx_ref(ctx).smp else {
        return -1;
    };
    l.in_service.fetch_add(1, Ordering::AcqRel);
    let _serving = Serving(&l.in_service);
    if l.stop.load(Ordering::Acquire) {
        return -1;
    }
    let timeout = {
        let _g = lock(ctx);
        if cx!(ctx).destroy_deferred {
            return -1;
        }
        cx!(ctx).poller.set_live(tsi);
        turn_start(ctx);
        let t = turn_timeout(ctx, timeout_ms);
        // Not inside a turn while waiting: other threads run theirs meanwhile.
        cx!(ctx).turn_depth -= 1;
        t
    };
    // SAFETY: a pt's list is only used by the thread serving it (lws's contract: one
    // thread per tsi), and taken out so no reference to it spans a callback.
    let mut ready = core::mem::take(unsafe { &mut *pt.ready.get() });
    ready.clear();
    // SAFETY: as above, for the pt's wait.
    let r = unsafe { &mut *pt.wait.get() }.wait(Some(timeout), &mut ready);
    let _g = lock(ctx);
    if let Err(e) = r {
        // SAFETY: as above.
        unsafe { *pt.ready.get() = ready };
        if e.kind() == std::io::ErrorKind::Interrupted {
            return 0;
        }
        lwsl_err!("lws_service_tsi: poll failed: {}", e);
        return -1;
    }
    cx!(ctx).turn_depth += 1;
    crate::core::xthread::enter(ctx_ref(ctx));
    dispatch(ctx, tsi, &ready);
    // SAFETY: as above.
    unsafe { *pt.ready.get() = ready };
    turn_end(ctx);
    -((cx!(ctx).destroy_deferred || l.stop.load(Ordering::Acquire)) as c_int)
}
