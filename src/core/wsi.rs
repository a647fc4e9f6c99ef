//! The role-independent part of a connection: protocol binding and callbacks, timeouts,
//! rx flow control, WRITEABLE requests, the idle-validity policy.
use crate::abi::*;
use crate::core::close::close;
use crate::core::close::finish_close;
use crate::core::close::Why;
use crate::core::*;
use crate::roles::ws::close_with;
use crate::roles::ws::send_frame;
use crate::roles::ws::WsPhase;
use crate::roles::H1;
use crate::ws::frame::{self};
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null_mut;

pub(crate) fn is_client(w: *mut lws) -> bool {
    wref!(w).client.is_some()
}

/// A scratch wsi for callbacks that have no connection (PROTOCOL_INIT, ...): lws hands
/// those callbacks a wsi whose context, vhost and protocol can be queried.
pub(crate) fn with_fake_wsi<R>(
    ctx: *mut lws_context,
    vh: *mut lws_vhost,
    idx: usize,
    f: impl FnOnce(*mut lws) -> R,
) -> R {
    let mut fake = Box::new(lws::new(ctx, vh));
    fake.life = Life::Dead;
    let protos = vhost_protocols(vh);
    if idx < protos.len() {
        fake.protocol = &protos[idx];
        fake.protocol_idx = idx;
    }
    let p: *mut lws = &mut *fake;
    let r = f(p);
    drop(fake);
    r
}

/// Calls the wsi's bound protocol.
pub(crate) fn callback(w: *mut lws, reason: c_int, inp: *mut c_void, len: usize) -> c_int {
    let (proto, user) = {
        let s = wref!(w);
        (s.protocol, s.user_space)
    };
    // SAFETY: protocol is NULL or an entry of the vhost's live protocol array.
    unsafe { call_protocol(proto, w, reason, user, inp, len) }
}

/// Calls protocols[0] of the wsi's vhost (lws sends connection-level events there).
pub(crate) fn callback_p0(
    w: *mut lws,
    reason: c_int,
    user: *mut c_void,
    inp: *mut c_void,
    len: usize,
) -> c_int {
    let vh = wref!(w).vhost;
    let protos = vhost_protocols(vh);
    let p0 = protos
        .first()
        .map_or(core::ptr::null(), |p| p as *const lws_protocols);
    // SAFETY: p0 is NULL or a live protocol entry.
    unsafe { call_protocol(p0, w, reason, user, inp, len) }
}

/// Calls the wsi's protocol with a URI as `in` (NUL-terminated) and its length as `len`,
/// as lws does for FILTER_HTTP_CONNECTION and HTTP.
pub(crate) fn callback_uri(w: *mut lws, reason: c_int, uri: &[u8]) -> c_int {
    let mut u = Vec::with_capacity(uri.len() + 1);
    u.extend_from_slice(uri);
    u.push(0);
    callback(w, reason, u.as_mut_ptr() as *mut c_void, uri.len())
}

/// LWS_CALLBACK_ADD_HEADERS: the protocol may append header lines to `buf`.  The bytes
/// it wrote, or None if it refused (nonzero) or moved the pointer out of `buf`.
pub(crate) fn add_headers_cb(w: *mut lws, buf: &mut [u8]) -> Option<usize> {
    let start = buf.as_mut_ptr();
    let mut args = lws_process_html_args {
        p: start as *mut c_char,
        len: 0,
        max_len: buf.len() as c_int,
        r#final: 0,
        chunked: 0,
    };
    if callback(
        w,
        LWS_CALLBACK_ADD_HEADERS as c_int,
        &mut args as *mut _ as *mut c_void,
        0,
    ) != 0
    {
        return None;
    }
    let used = (args.p as usize).wrapping_sub(start as usize);
    if used > buf.len() {
        lwsl_err!("ADD_HEADERS moved the header pointer out of its buffer");
        return None;
    }
    Some(used)
}

/// Binds a wsi to protocol `idx` of its vhost, allocating its zeroed per-session data.
pub(crate) fn bind_protocol(w: *mut lws, idx: usize, reason: c_int) -> bool {
    unbind_protocol(w);
    let vh = wref!(w).vhost;
    let protos = vhost_protocols(vh);
    let Some(p) = protos.get(idx) else {
        return false;
    };
    {
        let s = wref!(w);
        s.protocol = p;
        s.protocol_idx = idx;
        if p.per_session_data_size > 0 && s.user_space.is_null() {
            // SAFETY: plain zeroed allocation, freed in finish_close.
            let u = unsafe { libc::calloc(1, p.per_session_data_size) };
            if u.is_null() {
                lwsl_err!("OOM allocating per-session data");
                return false;
            }
            s.user_space = u;
            s.user_space_owned = true;
        }
        let v = vh!(vh);
        if let Some(list) = v.same_protocol.get_mut(idx) {
            s.same_protocol_pos = list.len();
            list.push(w);
            s.bound = true;
        }
    }
    // A negative reason binds without a callback (the raw-file role has none).
    reason < 0 || callback(w, reason, null_mut(), 0) == 0
}

pub(crate) fn unbind_protocol(w: *mut lws) {
    let s = wref!(w);
    if !s.bound {
        return;
    }
    s.bound = false;
    let v = vh!(s.vhost);
    if let Some(list) = v.same_protocol.get_mut(s.protocol_idx) {
        let pos = s.same_protocol_pos;
        if pos < list.len() && list[pos] == w {
            list.swap_remove(pos);
            if pos < list.len() {
                let moved = list[pos];
                wref!(moved).same_protocol_pos = pos;
            }
        }
    }
}

/// Puts input back in front of what is already held (it is older than the stash).
pub(crate) fn stash_front(w: *mut lws, data: &[u8]) {
    let s = wref!(w);
    let held = &s.rx_stash[s.rx_stash_pos.min(s.rx_stash.len())..];
    let mut v = Vec::with_capacity(data.len() + held.len());
    v.extend_from_slice(data);
    v.extend_from_slice(held);
    s.rx_stash = v;
    s.rx_stash_pos = 0;
}

/// lws_callback_on_writable(): one WRITEABLE callback once the socket can take data.
#[inline(always)]
pub(crate) fn request_writeable(w: *mut lws) -> c_int {
    let s = wref!(w);
    // The usual caller (an open websocket) inline, the other states out of line.
    if s.life == Life::Open && matches!(s.role, Role::Ws(WsPhase::Open, _)) {
        s.want_writeable = true;
        if s.writable & !s.in_writeable_q && s.out_pos >= s.out.len() {
            s.in_writeable_q = true;
            let ctx = s.ctx;
            cx!(ctx).writeable_q.push(w);
            crate::core::foreign::kick(ctx);
        }
        return 1;
    }
    request_writeable_other(w)
}

#[inline(never)]
fn request_writeable_other(w: *mut lws) -> c_int {
    let s = wref!(w);
    match (s.life, &s.role) {
        (
            Life::Open,
            Role::Ws(WsPhase::Open, _) | Role::H1(H1::Txn | H1::ClientHttp) | Role::Raw(_),
        ) => {}
        (Life::Connecting, _) | (Life::Open, Role::H1(H1::Client)) => {
            // Served once the client is established.
            s.want_writeable = true;
            return 1;
        }
        _ => return 0,
    }
    s.want_writeable = true;
    if s.writable && s.out_pos >= s.out.len() && !s.in_writeable_q {
        s.in_writeable_q = true;
        let ctx = s.ctx;
        cx!(ctx).writeable_q.push(w);
        crate::core::foreign::kick(ctx);
    }
    1
}

/// lws_set_timeout() in microseconds; 0 cancels.
pub(crate) fn set_timeout(w: *mut lws, reason: c_int, us: i64) {
    let s = wref!(w);
    if s.slot == usize::MAX || s.life == Life::Dead {
        return;
    }
    let c = cx!(s.ctx);
    let key = timer::TimerKey::Timeout(s.slot, s.gen);
    if us <= 0 && reason == 0 {
        c.timers.cancel(key);
        s.timeout_reason = 0;
        return;
    }
    s.timeout_reason = reason;
    c.timers.schedule(key, timer::now_usecs() + us.max(0));
}

pub(crate) fn timeout_fired(w: *mut lws) {
    let reason = wref!(w).timeout_reason;
    if wref!(w).write_failed {
        return finish_close(w);
    }
    lwsl_info!("wsi timed out (reason {})", reason);
    match wref!(w).state() {
        State::Connecting => return crate::core::connect::fail(w, "Timed out connecting"),
        State::ClientHandshake => {
            return crate::core::connect::fail(w, "Timed out waiting server reply")
        }
        State::ClientHttp => return crate::roles::http::client::timed_out(w),
        _ => {}
    }
    if let Some((code, why)) = wref!(w).ws().and_then(|ws| ws.fail_pending.take()) {
        return close_with(w, code, why.as_bytes());
    }
    if reason == PENDING_TIMEOUT_CLOSE_ACK as c_int
        || matches!(wref!(w).state(), State::FlushThenClose | State::Linger)
    {
        finish_close(w);
    } else {
        close(w, Why::User);
    }
}

pub(crate) fn timer_fired(w: *mut lws) {
    if wref!(w).life == Life::Dead {
        return;
    }
    if callback(w, LWS_CALLBACK_TIMER as c_int, null_mut(), 0) != 0 {
        close(w, Why::User);
    }
}

/// lws_set_timeout(): 0 cancels, LWS_TO_KILL_SYNC closes now, LWS_TO_KILL_ASYNC at the
/// next timer pass, else in `secs` seconds.
pub(crate) fn timeout_request(w: *mut lws, reason: c_int, secs: c_int) {
    match secs {
        0 => set_timeout(w, 0, 0),
        s if s == LWS_TO_KILL_SYNC => close(w, Why::User),
        s if s == LWS_TO_KILL_ASYNC => set_timeout(w, reason.max(1), 0),
        s if s < 0 => lwsl_err!("lws_set_timeout: bad secs {}", s),
        s => set_timeout(w, reason.max(1), s as i64 * 1_000_000),
    }
}

/// lws_rx_flow_control().
pub(crate) fn rx_flow_control(w: *mut lws, enable: c_int) -> c_int {
    let s = wref!(w);
    if s.life == Life::Dead {
        return -1;
    }
    let before = s.rx_flow_reasons;
    let applies = LWS_RXFLOW_REASON_APPLIES;
    if enable & applies != 0 {
        let mask = enable
            & !(applies
                | LWS_RXFLOW_REASON_APPLIES_ENABLE_BIT
                | LWS_RXFLOW_REASON_FLAG_PROCESS_NOW);
        if enable & LWS_RXFLOW_REASON_APPLIES_ENABLE_BIT != 0 {
            s.rx_flow_reasons &= !mask;
        } else {
            s.rx_flow_reasons |= mask;
        }
    } else if enable != 0 {
        s.rx_flow_reasons &= !LWS_RXFLOW_REASON_USER_BOOL;
    } else {
        s.rx_flow_reasons |= LWS_RXFLOW_REASON_USER_BOOL;
    }
    let after = s.rx_flow_reasons;
    if before != 0 && after == 0 && !s.in_rx_q {
        s.in_rx_q = true;
        cx!(s.ctx).rx_q.push(w);
    }
    if (before == 0) != (after == 0) {
        crate::core::extpoll::flow(w, after == 0);
    }
    0
}

/// The connection's idle policy (`lws_retry_bo_t` secs_since_valid_ping/_hangup), as lws
/// applies it to client connections: after `ping` seconds without input a PING goes out;
/// with nothing back by `hangup` seconds the connection is closed.  Checked by a timer,
/// so the per-message cost is one flag.
pub(crate) fn validity_start(w: *mut lws) {
    let Some((ping, _)) = validity_policy(w) else {
        return;
    };
    let s = wref!(w);
    if let Some(ws) = s.ws() {
        ws.rx_seen = false;
        ws.validity_pinged = false;
    }
    cx!(s.ctx).timers.schedule(
        timer::TimerKey::Validity(s.slot, s.gen),
        timer::now_usecs() + ping,
    );
}

/// (ping, hangup) in microseconds, if the connection has such a policy.
fn validity_policy(w: *mut lws) -> Option<(i64, i64)> {
    let s = wref!(w);
    let r = s.client.as_ref()?.retry;
    if r.is_null() {
        return None;
    }
    // SAFETY: lws's contract: the policy outlives the connections that use it.
    let (ping, hangup) = unsafe { ((*r).secs_since_valid_ping, (*r).secs_since_valid_hangup) };
    if ping == 0 && hangup == 0 {
        return None;
    }
    let ping = if ping > 0 { ping } else { hangup } as i64 * 1_000_000;
    let hangup = if hangup > 0 {
        hangup as i64 * 1_000_000
    } else {
        i64::MAX / 4
    };
    Some((ping, hangup.max(ping)))
}

pub(crate) fn validity_check(w: *mut lws) {
    let Some((ping, hangup)) = validity_policy(w) else {
        return;
    };
    let (seen, pinged) = {
        let s = wref!(w);
        if !s.ws_open() {
            return;
        }
        let ws = crate::roles::ws::ws(w);
        let r = (ws.rx_seen, ws.validity_pinged);
        ws.rx_seen = false;
        r
    };
    let next = if seen {
        crate::roles::ws::ws(w).validity_pinged = false;
        ping
    } else if !pinged {
        crate::roles::ws::ws(w).validity_pinged = true;
        send_frame(w, frame::OP_PING, b"");
        hangup - ping
    } else {
        lwsl_info!("connection idle past its hangup time: closing");
        return close(w, Why::Gone);
    };
    let s = wref!(w);
    if s.ws_open() {
        cx!(s.ctx).timers.schedule(
            timer::TimerKey::Validity(s.slot, s.gen),
            timer::now_usecs() + next.max(1),
        );
    }
}
