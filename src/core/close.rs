//! Closing a connection: at once, after a flush, after a lingering read, or with a
//! WebSocket close handshake; the final callbacks and the slot release.
use crate::abi::*;
use crate::core::output::write_interest;
use crate::core::service::on_readable;
use crate::core::wsi::callback;
use crate::core::wsi::callback_p0;
use crate::core::wsi::is_client;
use crate::core::wsi::set_timeout;
use crate::core::wsi::unbind_protocol;
use crate::core::*;
use crate::roles::Reasons;
use core::ffi::c_int;
use core::ptr::null_mut;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Why {
    /// A callback returned nonzero, or the user killed it: send the prepared close
    /// reason if there is one (lws semantics), else just close.
    User,
    /// The peer went away or the socket failed: nothing more can be sent.
    Gone,
}

pub(crate) const CLOSE_ACK_SECS: i64 = 5;

/// Closes a connection as lws does for `why`: the role's own way when it has one (a
/// prepared ws close frame, an HTTP answer to flush), else at once.
pub(crate) fn close(w: *mut lws, why: Why) {
    if wref!(w).life == Life::Dead {
        return;
    }
    if crate::roles::http::client_reset::pending(w) && crate::roles::http::client_reset::pick_up(w)
    {
        return;
    }
    if !crate::roles::close(w, why) {
        finish_close(w);
    }
}

pub(crate) fn flush_then_close(w: *mut lws) {
    let empty = {
        let s = wref!(w);
        if s.life == Life::Dead {
            return;
        }
        s.life = Life::FlushThenClose;
        s.out.len() == s.out_pos
    };
    if empty {
        if wref!(w).linger {
            return linger(w);
        }
        finish_close(w);
    } else {
        // Don't wait forever for a peer that stopped reading.
        set_timeout(
            w,
            PENDING_FLUSH_STORED_SEND_BEFORE_CLOSE as c_int,
            CLOSE_ACK_SECS * 1_000_000,
        );
    }
}

/// The answer is out: shut our side and read to the peer's EOF (bounded by a timeout).
pub(crate) fn linger(w: *mut lws) {
    if wref!(w).mux.is_some() {
        // An h2 stream's answer is complete once it is out; the socket is its parent's.
        return finish_close(w);
    }
    let s = wref!(w);
    s.life = Life::Linger;
    s.transport.shutdown_write();
    write_interest(w, false);
    set_timeout(w, PENDING_TIMEOUT_CLOSE_SEND as c_int, 2_000_000);
    // Drain what is already there (the readiness edge may have passed).
    on_readable(w, false);
}

/// The end: callbacks, socket closed, slot released; memory freed at the next safe point.
pub(crate) fn finish_close(w: *mut lws) {
    {
        let s = wref!(w);
        if s.life == Life::Dead && s.closed_cb {
            return;
        }
        if matches!(s.state(), State::Connecting | State::ClientHandshake) {
            crate::core::connect::connection_error(w, "closed before established");
        }
    }
    if wref!(w).client.is_some() {
        crate::roles::http::client::close_queue(w);
    }
    if let Role::H2(_) = wref!(w).role {
        // Its streams end first, each with its own callbacks, while it still exists.
        crate::roles::h2::closing(w);
    }
    // HTTP/2 client: a network connection takes its streams with it; a stream leaves
    // its connection.
    if let Role::H2Client(_) = wref!(w).role {
        crate::roles::http::client_h2::net_closing(w);
    } else {
        crate::roles::http::client_h2::detach(w);
    }
    let (ctx, reasons, h1, raw) = {
        let s = wref!(w);
        if s.life == Life::Dead && s.closed_cb {
            return;
        }
        // The role's close callbacks: CLOSED only for what took the ws role (a refused
        // upgrade ends as HTTP).
        let reasons = s.role.reasons();
        s.life = Life::Dead;
        s.closed_cb = true;
        s.want_writeable = false;
        (
            s.ctx,
            reasons,
            matches!(s.role, Role::H1(_) | Role::H2(_)),
            matches!(s.role, Role::Raw(_)),
        )
    };
    {
        let s = wref!(w);
        let c = cx!(ctx);
        c.timers.cancel_wsi(s.slot, s.gen);
        // No epoll_ctl(DEL): closing the socket below takes it out of the epoll set, and
        // a stale event for this slot is ignored by its generation.  One syscall less per
        // connection.
    }
    crate::core::extpoll::closing(w);
    crate::roles::http::server::ah_release(w);
    let client = is_client(w);
    let mut drop_reason = Reasons::pick(reasons.drop_protocol, client);
    if !client && h1 {
        // As lws: HTTP_DROP_PROTOCOL is owed only with session data to hand over.
        let s = wref!(w);
        let owed = s.http.as_ref().is_some_and(|h| h.bind_balance) && !s.user_space.is_null();
        if !owed {
            drop_reason = None;
        }
    }
    if raw && wref!(w).user_space.is_null() {
        // As lws: a raw connection's DROP_PROTOCOL comes only with session data.
        drop_reason = None;
    }
    let mut closed_reason = Reasons::pick(reasons.closed, client);
    if client && h1 && crate::roles::http::client::owes_closed(w) {
        closed_reason = Some(LWS_CALLBACK_CLOSED_CLIENT_HTTP as u32);
    }
    if let Some(r) = drop_reason {
        callback(w, r as c_int, null_mut(), 0);
    }
    if let Some(r) = closed_reason {
        callback(w, r as c_int, null_mut(), 0);
    }
    let user = wref!(w).user_space;
    // The h2 client's network connection was never the program's: no WSI_DESTROY.
    if !matches!(wref!(w).role, Role::H2Client(_)) {
        callback_p0(w, LWS_CALLBACK_WSI_DESTROY as c_int, user, null_mut(), 0);
    }
    unbind_protocol(w);
    if wref!(w).mux.is_some() {
        crate::roles::h2::child_closed(w);
    }
    let s = wref!(w);
    s.transport.close();
    // The per-session data is freed with the wsi at the loop's next safe point (Drop for
    // lws): a callback further up the stack may still be using it.
    s.out = Vec::new();
    s.rx_stash = Vec::new();
    s.rx_stash_pos = 0;
    s.hdr = Vec::new();
    let c = cx!(ctx);
    if s.slot != usize::MAX {
        c.slot_free(s.slot);
        c.dead.push(w);
    }
}
