//! HTTP/2 under the HTTP client role: the program's client wsis become streams of one
//! network connection, with the same callbacks an HTTP/1.1 client gets.
//!
//! The network connection is a wsi of its own (role [`Role::H2Client`]), created when
//! ALPN picks `h2` (or at once with `LCCSCF_H2_PRIOR_KNOWLEDGE` on plain text); it
//! takes the socket from the client that connected, runs the sans-IO
//! [`ClientConn`], and is never seen by the program (no callbacks).  Unlike lws, whose
//! first client wsi turns into the network connection and hands its transaction to a
//! new stream wsi, the program's wsi stays the one its callbacks name.
//!
//! ```text
//!  client wsi: Connecting --TLS, ALPN h2 / prior knowledge--> stream of Net
//!      (waiting: the server's concurrency limit) --HEADERS sent--> open
//!      --response head--> ESTABLISHED_CLIENT_HTTP --DATA--> RECEIVE_CLIENT_HTTP ...
//!      --END_STREAM--> COMPLETED_CLIENT_HTTP --> CLOSED_CLIENT_HTTP (the stream ends)
//!  LCCSCF_PIPELINE clients to the same place join the Net as further streams (or queue
//!  on a client still negotiating, and join once it chose h2).
//! ```
//!
//! Request bodies go through `lws_write` into DATA frames within the server's windows
//! (what the windows hold back waits in the stream and goes out on its WINDOW_UPDATE);
//! CLIENT_HTTP_WRITEABLE is held back while that, or the socket, is behind.  Received
//! data gives its window back as it is handed to the program, or, with
//! `LCCSCF_H2_MANUAL_RXFLOW`, only when the program grants it (`lws_wsi_tx_credit`).
//!
//! The connection announces its vhost's `info.http2_settings` ([`vhost_config`]); TLS
//! offers the connect info's ALPN list, else the vhost's or context's `alpn`.  Two things
//! lws 4.3 does not do and neither do we: PING an idle connection (lws arms an h2
//! client connection's validity timer only when a PING ack arrives, and sends PINGs only
//! from that timer, so it never starts), and retry a stream the server resets before
//! its answer, REFUSED_STREAM included (lws marks the stream closed; the program gets
//! CLIENT_CONNECTION_ERROR).  Clients still waiting for a stream when a GOAWAY comes do
//! connect on their own.
use crate::abi::*;
use crate::core::close::Why;
use crate::core::connect::fail;
use crate::core::wsi::{request_writeable, set_timeout};
use crate::core::*;
use crate::h2::client::{ClientConn, Config, Event, Request as H2Request};
use crate::h2::ErrorCode;
use crate::roles::http::client::{body_input, completed, hc, head_complete, Phase};
use crate::roles::{Reasons, Role, H1};
use core::ffi::c_int;
use std::collections::{BTreeMap, VecDeque};

/// (slot, generation) of a wsi.
type Id = (usize, u32);

/// The network connection has no protocol and gets no callbacks.
pub(crate) static NET_REASONS: Reasons = Reasons {
    writeable: [0, 0],
    receive: [0, 0],
    receive_pong: [0, 0],
    drop_protocol: [None, None],
    closed: [None, None],
};

/// How long an h2 connection with no stream left stays open for more (lws keeps its
/// idle client connections a few seconds too).
const IDLE_SECS: i64 = 5;

/// Window granted to each automatic stream on top of the initial 65,535, as lws does
/// after sending the head.
const AUTO_STREAM_CREDIT: u32 = 4 * 65536;

/// The network connection's state (inside `Role::H2Client`).
pub(crate) struct Net {
    conn: ClientConn,
    /// Open streams and their client wsis.
    streams: BTreeMap<u32, Id>,
    /// Clients waiting for a stream (the server's concurrency limit), in order.
    waiting: VecDeque<Id>,
    /// Streams whose WRITEABLE waits for the socket to drain.
    want_w: Vec<Id>,
    tls: bool,
    address: String,
    port: u16,
}

/// A client wsi's stream (inside its `HttpClient`).
pub(crate) struct H2Stream {
    net: Id,
    /// 0 until the request head went out.
    id: u32,
    /// Body bytes `lws_write` accepted that the windows held back, and whether the
    /// stream ends after them.
    tx: Vec<u8>,
    tx_fin: bool,
    /// END_STREAM went out.
    ended: bool,
    /// Body bytes waiting in the wsi's stash while the program turned rx flow off
    /// (their window is given back once they are handed over), and the server's
    /// END_STREAM behind them.
    stashed: usize,
    eos_pending: bool,
}

fn id_of(w: *mut lws) -> Id {
    let s = wref!(w);
    (s.slot, s.gen)
}

fn live(ctx: *mut lws_context, id: Id) -> Option<*mut lws> {
    cx!(ctx)
        .conn(id.0, id.1)
        .filter(|&w| wref!(w).life != Life::Dead)
}

fn net<'a>(n: *mut lws) -> Option<&'a mut Net> {
    match &mut wref!(n).role {
        Role::H2Client(b) => Some(b),
        _ => None,
    }
}

fn stream_of<'a>(w: *mut lws) -> Option<&'a mut H2Stream> {
    hc(w)?.h2.as_deref_mut()
}

/// The network connection and stream id of an h2 client stream (id 0: not opened yet).
fn net_of(w: *mut lws) -> Option<(*mut lws, u32)> {
    let st = stream_of(w)?;
    let (nid, id) = (st.net, st.id);
    let n = live(wref!(w).ctx, nid)?;
    net(n)?;
    Some((n, id))
}

/// What a vhost's HTTP/2 client connections announce: `info.http2_settings[1..]` when
/// `[0]` is nonzero, as lws's client sends its vhost's settings (a zero keeps the
/// default, as on the server side).  Without them the codec's defaults, not lws's stock
/// list, whose 4096-byte header list would refuse larger answers and whose initial
/// window of 0 holds every answer until a WINDOW_UPDATE.  The concurrent-stream and
/// connect-protocol settings are a server's business and are not sent.
pub(crate) fn vhost_config(info: &lws_context_creation_info) -> Config {
    let mut c = Config::default();
    let s = &info.http2_settings;
    if s[0] != 0 {
        let pick = |i: lws_h2_settings, v: &mut u32| {
            if s[i as usize] != 0 {
                *v = s[i as usize];
            }
        };
        pick(H2SET_HEADER_TABLE_SIZE, &mut c.header_table_size);
        pick(H2SET_INITIAL_WINDOW_SIZE, &mut c.initial_window_size);
        pick(H2SET_MAX_FRAME_SIZE, &mut c.max_frame_size);
        pick(H2SET_MAX_HEADER_LIST_SIZE, &mut c.max_header_list_size);
    }
    c
}

/// Whether a comma-separated ALPN list offers h2.
pub(crate) fn offers_h2(alpn: &str) -> bool {
    alpn.split(',').any(|p| p.trim() == "h2")
}

/// A TLS client offering h2 connected: nothing is sent until the handshake says which
/// protocol the server chose.
pub(crate) fn await_alpn(w: *mut lws) {
    {
        let s = wref!(w);
        s.life = Life::Open;
        s.writable = true;
        s.set_h1(H1::ClientHttp);
    }
    if let Some(h) = hc(w) {
        h.alpn_pending = true;
    }
    // The ClientHello goes out now.
    if wref!(w).transport.flush() {
        crate::core::output::write_interest(w, false);
    } else {
        crate::core::output::records_queued(w);
    }
}

/// The socket had no more input: if the handshake finished meanwhile, act on its ALPN.
pub(crate) fn alpn_check(w: *mut lws) {
    if !hc(w).is_some_and(|h| h.alpn_pending) {
        return;
    }
    if wref!(w).transport.tls().is_some_and(|t| t.handshake_done()) {
        settle(w);
    }
}

/// Input arrived while the protocol was undecided (the handshake is done, since TLS
/// hands out plaintext only then).  True when it went to the new h2 connection.
pub(crate) fn alpn_settled(w: *mut lws, ptr: *mut u8, len: usize) -> bool {
    match settle(w) {
        Some(n) => {
            // SAFETY: ptr[..len] is readable (see crate::roles::input).
            net_input(n, unsafe { core::slice::from_raw_parts(ptr, len) });
            true
        }
        None => false,
    }
}

/// ALPN decided: h2 makes the network connection, anything else is HTTP/1.1 as usual.
fn settle(w: *mut lws) -> Option<*mut lws> {
    if let Some(h) = hc(w) {
        h.alpn_pending = false;
    }
    let h2 = wref!(w).transport.tls().and_then(|t| t.alpn()) == Some(&b"h2"[..]);
    if h2 {
        start(w)
    } else {
        crate::roles::http::client::send_request(w);
        None
    }
}

/// Makes the network connection for client `w`, which has just connected (and
/// negotiated h2): it takes `w`'s socket, sends the preface, and `w` and whatever was
/// queued on it become its first streams.
pub(crate) fn start(w: *mut lws) -> Option<*mut lws> {
    let (ctx, vh, tls, address, port, peer) = {
        let s = wref!(w);
        let c = s.client.as_ref()?;
        (
            s.ctx,
            s.vhost,
            s.transport.tls().is_some(),
            c.address.clone(),
            c.port,
            s.peer_addr,
        )
    };
    let mut b = Box::new(lws::new(ctx, vh));
    b.life = Life::Open;
    b.writable = true;
    b.role = Role::H2Client(Box::new(Net {
        conn: ClientConn::new(vh!(vh).h2_client.clone()),
        streams: BTreeMap::new(),
        waiting: VecDeque::new(),
        want_w: Vec::new(),
        tls,
        address,
        port,
    }));
    let n = Box::into_raw(b);
    let (slot, gen) = cx!(ctx).slot_alloc(Entry::Conn(n));
    {
        let s = wref!(n);
        s.slot = slot;
        s.gen = gen;
        s.peer_addr = peer;
    }
    let mut t = core::mem::replace(&mut wref!(w).transport, crate::transport::Transport::None);
    wref!(w).write_interest = false;
    let _ = cx!(ctx).poller.deregister(&mut t);
    let tsi = wref!(w).tsi;
    wref!(n).tsi = tsi;
    if cx!(ctx)
        .poller
        .register(&mut t, slot, gen, crate::evloop::Interest::Read, tsi)
        .is_err()
    {
        t.close();
        crate::core::close::finish_close(n);
        fail(w, "Unable to connect");
        return None;
    }
    wref!(n).transport = t;
    lwsl_info!(
        "h2: client connection to {}:{} is HTTP/2",
        net(n)?.address,
        port
    );
    let queued = hc(w)
        .map(|h| core::mem::take(&mut h.queue))
        .unwrap_or_default();
    attach(n, w);
    for (slot, gen) in queued {
        if let Some(q) = live(ctx, (slot, gen)) {
            if wref!(q).life == Life::Connecting && hc(q).is_some_and(|h| h.queued) {
                attach(n, q);
            }
        }
    }
    flush(n);
    // The transport may already hold the server's first frames.
    let s = wref!(n);
    if !s.in_rx_q {
        s.in_rx_q = true;
        cx!(ctx).rx_q.push(n);
    }
    Some(n)
}

/// An existing h2 connection `w` may join as a stream (LCCSCF_PIPELINE; lws's muxed
/// active connection): same vhost, address, port and TLS, still taking streams.
pub(crate) fn find_net(w: *mut lws) -> Option<*mut lws> {
    let (ctx, vh, addr, port, tls) = {
        let s = wref!(w);
        let c = s.client.as_ref()?;
        let m = c.http.as_ref()?.method.as_str();
        if !matches!(m, "GET" | "POST" | "PUT") {
            return None;
        }
        (s.ctx, s.vhost, c.address.clone(), c.port, c.tls.is_some())
    };
    let n = cx!(ctx).slots.len();
    for i in 0..n {
        let Entry::Conn(o) = cx!(ctx).slots[i].entry else {
            continue;
        };
        let s = wref!(o);
        if s.vhost != vh || s.life != Life::Open {
            continue;
        }
        let Role::H2Client(net) = &s.role else {
            continue;
        };
        if net.address == addr && net.port == port && net.tls == tls && net.conn.accepting() {
            return Some(o);
        }
    }
    None
}

/// Makes client `w` a stream of `n`: it waits for room under the server's concurrency
/// limit, then its request goes out from the connection's WRITEABLE.
pub(crate) fn attach(n: *mut lws, w: *mut lws) {
    let nid = id_of(n);
    let secs = {
        let s = wref!(w);
        s.life = Life::Open;
        s.writable = true;
        s.set_h1(H1::ClientHttp);
        cx!(s.ctx).timeout_secs
    };
    if let Some(h) = hc(w) {
        h.queued = false;
        h.alpn_pending = false;
        h.h2 = Some(Box::new(H2Stream {
            net: nid,
            id: 0,
            tx: Vec::new(),
            tx_fin: false,
            ended: false,
            stashed: 0,
            eos_pending: false,
        }));
    }
    set_timeout(
        w,
        PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE as c_int,
        secs as i64 * 1_000_000,
    );
    set_timeout(n, 0, 0);
    if let Some(net) = net(n) {
        net.waiting.push_back(id_of(w));
    }
    kick(n);
}

/// Queues the network connection's WRITEABLE (where waiting streams open).
fn kick(n: *mut lws) {
    let s = wref!(n);
    if !s.in_writeable_q && s.life == Life::Open {
        s.in_writeable_q = true;
        cx!(s.ctx).writeable_q.push(n);
    }
}

/// What the connection has to send goes to the socket (or behind what waits there).
fn flush(n: *mut lws) {
    let Some(net) = net(n) else { return };
    let out = net.conn.take_output();
    if !out.is_empty() {
        crate::core::output::send_raw(n, &out);
    }
}

/// The network connection's WRITEABLE: waiting streams open while the server allows,
/// and streams held back for the socket get their turn.
pub(crate) fn net_writeable(n: *mut lws) {
    open_waiting(n);
    let ctx = wref!(n).ctx;
    let want = net(n)
        .map(|x| core::mem::take(&mut x.want_w))
        .unwrap_or_default();
    for id in want {
        if let Some(w) = live(ctx, id) {
            if wref!(w).want_writeable {
                request_writeable(w);
            }
        }
    }
}

fn open_waiting(n: *mut lws) {
    let ctx = wref!(n).ctx;
    loop {
        if wref!(n).life != Life::Open {
            return;
        }
        let Some(net) = net(n) else { return };
        if !net.conn.can_open() {
            return;
        }
        let Some(id) = net.waiting.pop_front() else {
            return;
        };
        if let Some(w) = live(ctx, id) {
            if hc(w).is_some() {
                open(n, w);
            }
        }
    }
}

/// The request head of `w` goes out on a new stream.
fn open(n: *mut lws, w: *mut lws) {
    // The program's headers, as HTTP/1.1 lines (lws_add_http_header_by_name writes
    // those), become the stream's fields.
    let mut text = Vec::new();
    if !crate::roles::http::client::request_extras(w, &mut text, false) {
        return;
    }
    if wref!(w).life != Life::Open {
        return;
    }
    if wref!(n).life != Life::Open {
        return fail(w, "Unable to connect");
    }
    let (method, path, authority, origin) = {
        let s = wref!(w);
        let Some(c) = s.client.as_ref() else { return };
        let Some(h) = c.http.as_ref() else { return };
        (
            h.method.clone(),
            c.path.clone(),
            c.host.clone(),
            c.origin.clone(),
        )
    };
    let Some((flags, pending, credit)) = hc(w).map(|h| (h.flags, h.body_pending, h.h2_credit))
    else {
        return;
    };
    let origin = origin.map(|o| format!("http://{o}"));
    let mut fields: Vec<(Vec<u8>, &[u8])> = Vec::new();
    if let Some(o) = &origin {
        fields.push((b"origin".to_vec(), o.as_bytes()));
    }
    let urlencoded = flags & LCCSCF_HTTP_X_WWW_FORM_URLENCODED as u32 != 0;
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = line[..colon].trim_ascii().to_ascii_lowercase();
        let value = line[colon + 1..].trim_ascii();
        // The "Content-Length: 0" HTTP/1.1 gets for an urlencoded body of unknown size
        // would be wrong here, where DATA frames carry their own lengths.
        if urlencoded && pending && name == b"content-length" && value == b"0" {
            continue;
        }
        if name.is_empty() {
            continue;
        }
        fields.push((name, value));
    }
    let manual = flags & LCCSCF_H2_MANUAL_RXFLOW as u32 != 0;
    let Some(net) = net(n) else { return };
    let req = H2Request {
        method: method.as_bytes(),
        scheme: if net.tls { b"https" } else { b"http" },
        authority: authority.as_bytes(),
        path: path.as_bytes(),
        fields: fields.iter().map(|(k, v)| (&k[..], *v)).collect(),
        end_stream: !pending,
        manual_window: manual,
        extra_window: if manual {
            credit.max(0) as u32
        } else {
            AUTO_STREAM_CREDIT
        },
    };
    let id = match net.conn.open_stream(&req) {
        Ok(id) => id,
        Err(_) => return fail(w, "HS: h2 stream refused"),
    };
    net.streams.insert(id, id_of(w));
    if let Some(st) = stream_of(w) {
        st.id = id;
        st.ended = !pending;
    }
    if let Some(h) = hc(w) {
        h.sending_body = pending;
    }
    // Body the program wrote before the stream could open.
    push_tx(n, w);
    let ctx = wref!(w).ctx;
    let secs = cx!(ctx).timeout_secs;
    set_timeout(
        w,
        if pending {
            PENDING_TIMEOUT_CLIENT_ISSUE_PAYLOAD
        } else {
            PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE
        } as c_int,
        secs as i64 * 1_000_000,
    );
    flush(n);
    let s = wref!(w);
    if pending || s.want_writeable {
        s.want_writeable = false;
        request_writeable(w);
    }
}

/// Frames from the server.
pub(crate) fn net_input(n: *mut lws, data: &[u8]) {
    let Some(net) = net(n) else { return };
    net.conn.handle_input(data);
    flush(n);
    dispatch(n);
}

/// The client wsi of an open stream.
fn child(n: *mut lws, stream: u32) -> Option<*mut lws> {
    let id = *net(n)?.streams.get(&stream)?;
    live(wref!(n).ctx, id)
}

fn dispatch(n: *mut lws) {
    let ctx = wref!(n).ctx;
    loop {
        if wref!(n).life == Life::Dead {
            return;
        }
        let Some(ev) = net(n).and_then(|x| x.conn.poll_event()) else {
            break;
        };
        match ev {
            Event::Response {
                stream,
                status,
                fields,
                ..
            } => {
                let Some(w) = child(n, stream) else { continue };
                response_head(w, status, &fields);
                head_complete(w, u32::from(status));
            }
            Event::Data { stream, data } => {
                if let Some(w) = child(n, stream) {
                    let s = wref!(w);
                    if s.rx_flow_reasons != 0 || !s.rx_stash.is_empty() {
                        // lws_rx_flow_control: held, and its window kept, so the
                        // server slows down as it would on a socket nobody reads.
                        s.rx_stash.extend_from_slice(&data);
                        if let Some(st) = stream_of(w) {
                            st.stashed += data.len();
                        }
                        continue;
                    }
                    if hc(w).is_some_and(|h| h.phase == Phase::Body) {
                        body_input(w, &data);
                    }
                }
                if let Some(net) = net(n) {
                    net.conn.release_capacity(stream, data.len());
                }
                flush(n);
            }
            Event::Trailers { stream, fields } => {
                if let Some(w) = child(n, stream) {
                    crate::roles::http::headers::append_fields(w, &fields);
                }
            }
            Event::EndOfStream { stream } => {
                let Some(w) = child(n, stream) else { continue };
                if !wref!(w).rx_stash.is_empty() {
                    if let Some(st) = stream_of(w) {
                        st.eos_pending = true;
                    }
                    continue;
                }
                end_of_stream(w);
            }
            Event::Reset {
                stream,
                code,
                remote,
            } => {
                let Some(w) = child(n, stream) else { continue };
                lwsl_info!(
                    "h2: stream {} reset ({:?}, by {})",
                    stream,
                    code,
                    if remote { "the server" } else { "us" }
                );
                if let Some(net) = net(n) {
                    net.streams.remove(&stream);
                }
                if let Some(st) = stream_of(w) {
                    st.id = 0;
                    st.ended = true;
                }
                if hc(w).is_some_and(|h| h.phase == Phase::Head) {
                    // As lws: the stream's wsi closed before its answer.
                    fail(w, "closed before established");
                } else {
                    crate::core::close::close(w, Why::Gone);
                }
            }
            Event::Writable { stream } => {
                let Some(w) = child(n, stream) else { continue };
                push_tx(n, w);
                let s = wref!(w);
                if s.want_writeable && stream_of(w).is_some_and(|st| st.tx.is_empty()) {
                    request_writeable(w);
                }
            }
            Event::Settings => open_waiting(n),
            Event::GoAway { code, .. } => {
                lwsl_info!("h2: the server sent GOAWAY ({:?})", code);
                // What never got a stream here connects on its own.
                let waiting: Vec<Id> = net(n)
                    .map(|x| x.waiting.drain(..).collect())
                    .unwrap_or_default();
                for id in waiting {
                    if let Some(w) = live(ctx, id) {
                        reconnect(w);
                    }
                }
            }
            Event::ConnectionError { code, reason } => {
                lwsl_info!("h2: connection error {:?}: {}", code, reason);
                flush(n);
                crate::core::close::flush_then_close(n);
                return;
            }
        }
    }
    tidy(n);
}

/// A client that never got a stream goes its own way after a GOAWAY.
fn reconnect(w: *mut lws) {
    detach(w);
    let target = match wref!(w).client.as_ref() {
        Some(c) => (c.address.clone(), c.port, c.path.clone()),
        None => return,
    };
    if let Some(h) = hc(w) {
        h.flags &= !(LCCSCF_PIPELINE as u32);
    }
    if !crate::core::connect::restart(w, &target.0, target.1, target.2) {
        fail(w, "Unable to connect");
    }
}

/// The response head goes where lws_hdr_copy and friends read an HTTP/1.1 answer's:
/// the status under the status line's token, the fields as header lines.
fn response_head(w: *mut lws, status: u16, fields: &[crate::h2::Header]) {
    let st = status.to_string();
    let mut hdr = Vec::with_capacity(64);
    hdr.extend_from_slice(st.as_bytes());
    let mut headers = Vec::with_capacity(fields.len());
    for f in fields {
        let a = hdr.len();
        hdr.extend_from_slice(&f.name);
        let b = hdr.len();
        hdr.extend_from_slice(&f.value);
        headers.push((a..b, b..hdr.len()));
    }
    let s = wref!(w);
    s.req = Some(crate::http::request::Request {
        method: 0..0,
        path: 0..st.len(),
        version: 1,
        headers,
        len: hdr.len(),
    });
    s.hdr = hdr;
    if let Some(h) = hc(w) {
        h.status = u32::from(status);
    }
}

/// Body bytes held back while the program had rx flow off, handed over now (the loop
/// resumes reading through the wsi's stash); their window goes back to the server.
/// False when `w` is not an h2 client stream.
pub(crate) fn stream_input(w: *mut lws, data: &[u8]) -> bool {
    let Some(st) = stream_of(w) else { return false };
    let stashed = core::mem::take(&mut st.stashed);
    let eos = core::mem::take(&mut st.eos_pending);
    if hc(w).is_some_and(|h| h.phase == Phase::Body) {
        body_input(w, data);
    }
    if let Some((n, id)) = net_of(w) {
        if let Some(net) = net(n) {
            net.conn.release_capacity(id, stashed);
        }
        flush(n);
    }
    if eos && wref!(w).life == Life::Open {
        end_of_stream(w);
    }
    true
}

/// Whether a write on an h2 client stream would not go straight out
/// (lws_send_pipe_choked): its connection's socket is behind, or its body waits for
/// window.  None when `w` is not one.
pub(crate) fn choked(w: *mut lws) -> Option<bool> {
    let st = stream_of(w)?;
    let behind = !st.tx.is_empty();
    let Some((n, id)) = net_of(w) else {
        return Some(true);
    };
    let no_window = id == 0 || net(n)?.conn.send_capacity(id) == Some(0);
    Some(behind || no_window || crate::core::output::choked(n))
}

/// END_STREAM from the server: what the program left unread is offered once more, then
/// COMPLETED_CLIENT_HTTP (and the stream's wsi closes).
fn end_of_stream(w: *mut lws) {
    if !hc(w).is_some_and(|h| h.phase == Phase::Body) {
        return;
    }
    if hc(w).is_some_and(|h| !h.held_is_empty()) {
        body_input(w, &[]);
    }
    if wref!(w).state() == State::ClientHttp
        && hc(w).is_some_and(|h| h.phase == Phase::Body)
        && completed(w) != 0
    {
        crate::core::close::close(w, Why::User);
    }
}

/// Sends what the windows held back of the stream's body.
fn push_tx(n: *mut lws, w: *mut lws) {
    let Some(st) = stream_of(w) else { return };
    if st.id == 0 || st.ended || (st.tx.is_empty() && !st.tx_fin) {
        return;
    }
    let Some(net) = net(n) else { return };
    let tx = core::mem::take(&mut st.tx);
    match net.conn.send_data(st.id, &tx, st.tx_fin) {
        Ok(k) => {
            st.tx = tx[k..].to_vec();
            if k == tx.len() && st.tx_fin {
                st.ended = true;
                st.tx_fin = false;
            }
        }
        Err(_) => {
            st.tx_fin = false;
            st.ended = true;
        }
    }
    flush(n);
}

/// lws_write's LWS_WRITE_HTTP / LWS_WRITE_HTTP_FINAL on an h2 client stream: the bytes
/// become DATA (what the windows do not allow yet waits in the stream).  None when `w`
/// is not one.
pub(crate) fn write(w: *mut lws, data: &[u8], wp: c_int) -> Option<c_int> {
    let st = stream_of(w)?;
    if st.ended {
        lwsl_info!("lws_write: the h2 stream already ended");
        return Some(-1);
    }
    st.tx.extend_from_slice(data);
    st.tx_fin |= wp & 0x1f == LWS_WRITE_HTTP_FINAL as c_int;
    if let Some((n, _)) = net_of(w) {
        push_tx(n, w);
    }
    Some(data.len() as c_int)
}

/// CLIENT_HTTP_WRITEABLE waits: until ALPN chose, until the stream is open, while its
/// body waits for window, or while the connection's socket is behind.  True when it
/// was put off (it comes later).
pub(crate) fn defer_writeable(w: *mut lws) -> bool {
    let Some(h) = hc(w) else { return false };
    if h.alpn_pending {
        wref!(w).want_writeable = true;
        return true;
    }
    let sending = h.sending_body;
    let Some(st) = h.h2.as_deref() else {
        return false;
    };
    if st.id == 0 {
        wref!(w).want_writeable = true;
        return true;
    }
    let behind = !st.tx.is_empty();
    let id = st.id;
    let Some((n, _)) = net_of(w) else {
        return false;
    };
    let Some(net) = net(n) else { return false };
    let no_window = sending && net.conn.send_capacity(id) == Some(0);
    if behind || no_window || crate::core::output::buffered(n) {
        wref!(w).want_writeable = true;
        let me = id_of(w);
        if !net.want_w.contains(&me) {
            net.want_w.push(me);
        }
        return true;
    }
    false
}

/// The program said its body is complete: the stream's sending side ends (after what
/// still waits for window).
pub(crate) fn body_done(w: *mut lws) {
    let Some(st) = stream_of(w) else { return };
    if st.ended {
        return;
    }
    st.tx_fin = true;
    if let Some((n, _)) = net_of(w) {
        push_tx(n, w);
    }
}

/// The stream of `w` is given up (it closes, or a redirect sends it elsewhere): the
/// server is told with RST_STREAM if it was still open.
pub(crate) fn detach(w: *mut lws) {
    let Some(st) = hc(w).and_then(|h| h.h2.take()) else {
        return;
    };
    let ctx = wref!(w).ctx;
    let Some(n) = live(ctx, st.net) else { return };
    let me = id_of(w);
    let Some(net) = net(n) else { return };
    net.waiting.retain(|&x| x != me);
    net.want_w.retain(|&x| x != me);
    if st.id != 0 && net.streams.remove(&st.id).is_some() {
        let _ = net.conn.reset_stream(st.id, ErrorCode::CANCEL);
        flush(n);
    }
    tidy(n);
}

/// After a stream went: close a connection that is done (GOAWAY either way, nothing
/// left), make room for waiting clients, or start the idle timer.
fn tidy(n: *mut lws) {
    if wref!(n).life != Life::Open {
        return;
    }
    let Some(net) = net(n) else { return };
    if net.conn.is_closed() {
        crate::core::close::flush_then_close(n);
    } else if net.streams.is_empty() && net.waiting.is_empty() {
        set_timeout(
            n,
            PENDING_TIMEOUT_CLIENT_CONN_IDLE as c_int,
            IDLE_SECS * 1_000_000,
        );
    } else if !net.waiting.is_empty() && net.conn.can_open() {
        kick(n);
    }
}

/// The role's close: asked (idle timeout, context going away) it says GOAWAY and
/// flushes first; a failed socket just ends.  The streams end with it (see
/// [`net_closing`]).
pub(crate) fn close_net(n: *mut lws, why: Why) -> bool {
    if why != Why::User {
        return false;
    }
    if let Some(net) = net(n) {
        net.conn.go_away(ErrorCode::NO_ERROR);
    }
    flush(n);
    crate::core::close::flush_then_close(n);
    true
}

/// The network connection is closing: its streams, and the clients still waiting for
/// one, end as an HTTP/1.1 client does when its server goes away.
pub(crate) fn net_closing(n: *mut lws) {
    let ctx = wref!(n).ctx;
    let Some(net) = net(n) else { return };
    let kids: Vec<Id> = net
        .streams
        .values()
        .copied()
        .chain(net.waiting.iter().copied())
        .collect();
    net.streams.clear();
    net.waiting.clear();
    net.want_w.clear();
    for id in kids {
        if let Some(w) = live(ctx, id) {
            if let Some(h) = hc(w) {
                h.h2 = None;
            }
            crate::core::close::close(w, Why::Gone);
        }
    }
}

/// lws_wsi_tx_credit() on an h2 client stream: `add` to the server's window on it
/// (peer_to_us, a WINDOW_UPDATE; returns 0), or with 0 the window the server still has
/// on it (peer_to_us) or ours (the smaller of the stream's and the connection's).  None
/// when `w` is not an h2 client stream.
pub(crate) fn tx_credit_op(w: *mut lws, peer_to_us: bool, add: c_int) -> Option<c_int> {
    let (n, id) = net_of(w)?;
    if id == 0 {
        return Some(0);
    }
    let net = net(n)?;
    if add != 0 {
        if peer_to_us && add > 0 {
            net.conn.grant(id, add as u32);
            flush(n);
        }
        // Our window toward the server is only what its WINDOW_UPDATEs say.
        return Some(0);
    }
    let v = if peer_to_us {
        net.conn.recv_capacity(id).unwrap_or(0)
    } else {
        net.conn.send_capacity(id).map_or(0, |c| c as i64)
    };
    Some(v.clamp(0, i64::from(i32::MAX)) as c_int)
}

/// The network connection carrying an h2 client stream (lws_get_network_wsi's answer
/// for one); None when `w` is not one.
pub(crate) fn network_wsi(w: *mut lws) -> Option<*mut lws> {
    net_of(w).map(|(n, _)| n)
}

/// What lws_get_peer_write_allowance reports for an h2 client stream.
pub(crate) fn peer_write_allowance(w: *mut lws) -> Option<i64> {
    let (n, id) = net_of(w)?;
    net(n)?.conn.send_capacity(id).map(|c| c as i64)
}

/// lws_h2_client_stream_long_poll_rxonly(): our side of the stream ends (an empty DATA
/// with END_STREAM) and the stream is no longer timed out.  0, or 1 when `w` is not an
/// h2 client stream.
pub(crate) fn long_poll_rxonly(w: *mut lws) -> c_int {
    if net_of(w).is_none() {
        return 1;
    }
    if let Some(h) = hc(w) {
        h.body_pending = false;
        h.sending_body = false;
    }
    body_done(w);
    set_timeout(w, 0, 0);
    0
}
