//! Programs that run their own poll loop (lws's "external poll"): every descriptor we
//! start, stop or change watching is announced to protocols[0] of its vhost
//! (ADD_POLL_FD / DEL_POLL_FD / CHANGE_MODE_POLL_FD with a `struct lws_pollargs`, each
//! bracketed by LOCK_POLL / UNLOCK_POLL as lws brackets them), and such a program hands
//! a ready descriptor back through lws_service_fd.
//!
//! Our own poller keeps watching the same descriptors, so a program that calls
//! lws_service() as well is served either way; an event one of the two paths already
//! handled finds nothing left to read.
use crate::abi::*;
use crate::core::service;
use crate::core::wsi::callback_p0;
use crate::core::*;
use core::ffi::{c_int, c_void};

/// What a change is about: a connection, or a vhost's listening socket (which has no
/// wsi of its own here; its callbacks go through a scratch one of the vhost).
#[derive(Clone, Copy)]
pub(crate) enum Who {
    Conn(*mut lws),
    Listener(*mut lws_vhost),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Change {
    Add,
    Del,
    Mode,
}

/// The poll events of an interest, as the program's poll() spells them.
pub(crate) fn events(write: bool) -> c_int {
    (libc::POLLIN | if write { libc::POLLOUT } else { 0 }) as c_int
}

/// LOCK_POLL, the change, UNLOCK_POLL.  lws passes `len` 1 to the lock pair around an
/// insertion or removal and 0 around a mode change; the lock pair of a mode change
/// gets the same `lws_pollargs` as the change.
fn announce(who: Who, what: Change, fd: c_int, ev: c_int, prev: c_int) {
    let mut pa = lws_pollargs {
        fd,
        events: ev,
        prev_events: prev,
    };
    custom(who, what, fd, ev, prev);
    let reason = match what {
        Change::Add => LWS_CALLBACK_ADD_POLL_FD,
        Change::Del => LWS_CALLBACK_DEL_POLL_FD,
        Change::Mode => LWS_CALLBACK_CHANGE_MODE_POLL_FD,
    } as c_int;
    let lock_len = usize::from(what != Change::Mode);
    let pap = &mut pa as *mut lws_pollargs as *mut c_void;
    let three = |w: *mut lws| {
        let user = wref!(w).user_space;
        callback_p0(w, LWS_CALLBACK_LOCK_POLL as c_int, user, pap, lock_len);
        callback_p0(w, reason, user, pap, 0);
        callback_p0(w, LWS_CALLBACK_UNLOCK_POLL as c_int, user, pap, lock_len);
    };
    match who {
        Who::Conn(w) => {
            if wref!(w).vhost.is_null() {
                return;
            }
            three(w)
        }
        Who::Listener(vh) => {
            let ctx = vh!(vh).ctx;
            crate::core::wsi::with_fake_wsi(ctx, vh, 0, three)
        }
    }
}

/// The same change through a program's own event library (`customloop`), if it has one.
fn custom(who: Who, what: Change, fd: c_int, ev: c_int, prev: c_int) {
    use crate::core::customloop as cl;
    let kind = match what {
        Change::Add => cl::ADD,
        Change::Del => cl::DEL,
        Change::Mode => cl::MODE,
    };
    match who {
        Who::Conn(w) => {
            let ctx = wref!(w).ctx;
            if cl::active(ctx) {
                cl::change(ctx, w, false, kind, ev, prev);
            }
        }
        Who::Listener(vh) => {
            let ctx = vh!(vh).ctx;
            if cl::active(ctx) {
                cl::with_listener_wsi(ctx, vh, fd, |w| cl::change(ctx, w, true, kind, ev, prev));
            }
        }
    }
}

/// A descriptor joined the poller (lws inserts with POLLIN only; a wider interest
/// follows as a mode change, as lws makes it).
pub(crate) fn added(who: Who, fd: c_int, write: bool) {
    if fd < 0 {
        return;
    }
    announce(who, Change::Add, fd, events(false), 0);
    if write {
        announce(who, Change::Mode, fd, events(true), events(false));
    }
}

/// A descriptor left the poller.
pub(crate) fn removed(who: Who, fd: c_int) {
    if fd >= 0 {
        announce(who, Change::Del, fd, 0, 0);
    }
}

/// The events a program should watch a connection for: POLLIN unless rx flow control
/// holds its input back (lws withdraws it then, so a level-triggered poll does not spin),
/// POLLOUT while output waits.
fn conn_events(read: bool, write: bool) -> c_int {
    (if read { libc::POLLIN } else { 0 } | if write { libc::POLLOUT } else { 0 }) as c_int
}

/// A connection's write interest changed.
pub(crate) fn mode(w: *mut lws, fd: c_int, write: bool) {
    if fd >= 0 {
        let read = wref!(w).rx_flow_reasons == 0;
        announce(
            Who::Conn(w),
            Change::Mode,
            fd,
            conn_events(read, write),
            conn_events(read, !write),
        );
    }
}

/// Rx flow control stopped (`read` false) or resumed reading a connection.
pub(crate) fn flow(w: *mut lws, read: bool) {
    let (fd, write) = {
        let s = wref!(w);
        (s.transport.fd(), s.write_interest)
    };
    if fd >= 0 {
        announce(
            Who::Conn(w),
            Change::Mode,
            fd,
            conn_events(read, write),
            conn_events(!read, write),
        );
    }
}

/// One of the library's own rx flow reasons (output over its bound, a header table to
/// wait for, a pipelined request held, a failure pending) was set or cleared: when that
/// stopped or resumed reading, the program's poll set follows, or its level-triggered
/// poll would spin on input we leave unread.
pub(crate) fn flow_changed(w: *mut lws, was_reading: bool) {
    let reading = wref!(w).rx_flow_reasons == 0;
    if reading != was_reading {
        flow(w, reading);
    }
}

/// A connection is closing: its descriptor leaves the program's set, and our lookup,
/// before the close callbacks (as in lws, where the removal precedes them).
pub(crate) fn closing(w: *mut lws) {
    let (ctx, fd) = {
        let s = wref!(w);
        (s.ctx, s.transport.fd())
    };
    if fd < 0 {
        return;
    }
    cx!(ctx).poller.forget(fd);
    removed(Who::Conn(w), fd);
}

/// lws_service_fd: services the descriptor `pfd` reports ready.  Returns 0 with
/// `revents` cleared when it was ours and handled, 0 with `revents` untouched when it is
/// not ours, 1 when the connection closed while being served (lws leaves `revents`
/// alone then too).  The work a turn of lws_service does after its events (timers due,
/// WRITEABLE requests, resumed reading) follows, so a program that only ever calls this
/// is served too.
pub(crate) fn service_pollfd(ctx: *mut lws_context, pfd: &mut libc::pollfd) -> c_int {
    if cx!(ctx).destroy_deferred {
        // A callback destroyed the context (see context::destroy_context).
        return -1;
    }
    let Some((slot, gen)) = cx!(ctx).poller.lookup(pfd.fd) else {
        return 0;
    };
    enum Ours {
        Conn(*mut lws),
        Listener(*mut lws_vhost),
    }
    let ours = match cx!(ctx).slots.get(slot) {
        Some(s) if s.gen == gen => match s.entry {
            Entry::Conn(w) => Ours::Conn(w),
            Entry::Listener(vh) => Ours::Listener(vh),
            Entry::Waker | Entry::Free(_) => return 0,
        },
        _ => return 0,
    };
    service::turn_start(ctx);
    let r = pfd.revents;
    let mut f = 0u8;
    if r & libc::POLLIN != 0 {
        f |= crate::evloop::EV_READ | crate::evloop::EV_IN;
    }
    if r & (libc::POLLHUP | libc::POLLERR | libc::POLLRDHUP) != 0 {
        f |= crate::evloop::EV_READ | crate::evloop::EV_HUP;
    }
    if r & libc::POLLOUT != 0 {
        f |= crate::evloop::EV_WRITE;
    }
    let mut ret = 0;
    match ours {
        Ours::Listener(vh) => {
            if f & crate::evloop::EV_READ != 0 {
                crate::roles::listen::accept_all(ctx, vh);
            }
            pfd.revents = 0;
        }
        Ours::Conn(w) => {
            if f != 0 {
                service::service_fd(w, f);
            }
            // Closed while served: the wsi stays allocated until the next turn's
            // free_dead, so reading its state here is sound.
            if wref!(w).life == Life::Dead {
                ret = 1;
            } else {
                pfd.revents = 0;
            }
        }
    }
    service::turn_end(ctx);
    ret
}

/// lws_service_adjust_timeout: 0 when something waits for service that no descriptor
/// will announce (queued WRITEABLE callbacks, input held back, a cancel), else the
/// caller's timeout, shortened to the next timer due (lws leaves timers to the
/// lws_service call it expects each turn; a shorter wait only makes them punctual).
pub(crate) fn adjust_timeout(ctx: *mut lws_context, timeout_ms: c_int) -> c_int {
    let c = cx!(ctx);
    if !c.writeable_q.is_empty()
        || !c.rx_q.is_empty()
        || service::ctx_ref(ctx).pts[0]
            .cancel_pending
            .load(std::sync::atomic::Ordering::Acquire)
        || crate::core::xthread::pending(service::ctx_ref(ctx))
    {
        return 0;
    }
    let Some(due) = c.timers.next_due() else {
        return timeout_ms;
    };
    let ms = ((due - timer::now_usecs()).max(0) as u64).div_ceil(1000);
    let ms = c_int::try_from(ms).unwrap_or(c_int::MAX);
    if timeout_ms < 0 {
        ms
    } else {
        timeout_ms.min(ms)
    }
}
