//! The HTTP/2 server role (lws's lib/roles/h2), around the sans-IO [`ServerConn`].
//!
//! The network connection takes `Role::H2` when its first bytes are h2's connection
//! preface (h2c with prior knowledge, or TLS after ALPN chose "h2"), or at once on a
//! vhost with `LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE`.  Each stream the peer opens becomes
//! a child wsi, as in lws: it has a slab slot (timers, `lws_set_timeout`), no descriptor,
//! and the HTTP/1 role's request state, filled from the stream's request head, so
//! `roles::http::server` (mounts, files, auth, callbacks) serves it unchanged.  What
//! differs is at the edges:
//!
//! - The header builders write HPACK on a stream (`headers.rs`), `lws_write`'s
//!   HTTP_HEADERS becomes a HEADERS frame and its body writes DATA frames; the stream
//!   ends with `LWS_WRITE_HTTP_FINAL`, when the announced content-length is reached,
//!   or when the child closes.
//! - A child's output passes the connection's flow-control windows: what does not fit,
//!   or what is written while the network connection still holds unsent bytes, waits
//!   in the child's own `out` buffer (so `lws_send_pipe_choked` and
//!   `lws_partial_buffered` tell the truth about the stream) and goes out when the peer
//!   opens its window or the socket drains.  WRITEABLE waits for that, as on a socket.
//! - `lws_http_transaction_completed` on a stream answers 1, as lws does: the stream
//!   is done and the child closes (the connection goes on).
//!
//! Children never outlive their connection: closing the connection closes them first.
//! A child reaches its connection through (slot, generation), never a dangling pointer.
use crate::abi::*;
use crate::core::close::{close, finish_close, flush_then_close, Why};
use crate::core::output::send_raw;
use crate::core::wsi::{callback, set_timeout};
use crate::core::*;
use crate::h2::conn::{Config, Event, Request, ServerConn, StreamState};
use crate::h2::ErrorCode;
use crate::roles::http::server::ht;
use core::ffi::{c_int, c_void};
use core::ptr::null_mut;
use std::collections::BTreeMap;

pub(crate) mod headers;

/// The network connection's h2 state.
pub(crate) struct Net {
    pub conn: ServerConn,
    /// The live child of each stream.
    pub streams: BTreeMap<u32, *mut lws>,
    /// Being closed: children that end now owe the peer nothing.
    closing: bool,
    /// The buffer the codec's output is swapped into for the socket (reused).
    scratch: Vec<u8>,
}

/// A stream's side of a child wsi (`lws::mux`).
pub(crate) struct Stream {
    /// The network connection, by slab slot and generation.
    parent: (usize, u32),
    pub id: u32,
    method: Vec<u8>,
    authority: Option<Vec<u8>>,
    scheme: Option<Vec<u8>>,
    protocol: Option<Vec<u8>>,
    /// The request carries a body (no END_STREAM on its HEADERS).
    body_expected: bool,
    /// Header pieces written with LWS_WRITE_NO_FIN, sent with the last piece.
    head: Vec<u8>,
    headers_sent: bool,
    /// Our END_STREAM went out (or the stream can take no more).
    end_sent: bool,
    /// END_STREAM goes with the last byte waiting in the child's `out`.
    fin_req: bool,
    /// What is left of the content-length the response announced.
    pub tx_left: Option<u64>,
    /// The response's status.
    pub status: u32,
    /// The peer reset the stream: nothing more may be sent on it.
    reset: bool,
    /// Input that arrived while the child's rx flow was stopped (its window not given
    /// back yet), and whether the peer's END_STREAM came behind it.
    held: Vec<u8>,
    end_held: bool,
}

/// The connection settings a vhost's h2 connections use, replaced by
/// `info.http2_settings[1..]` when `[0]` is nonzero, as lws does.  The defaults are the
/// codec's (100 streams at once, a 16 KiB header list), more than lws's stock 24 and
/// 4096: a client that opens its streams before it has read our SETTINGS (nghttp does)
/// would see everything past the 24th refused.  An initial window of 0 (lws manages its
/// windows by hand then) keeps the protocol's default here, where windows follow
/// consumption.
pub(crate) fn vhost_config(info: &lws_context_creation_info) -> Config {
    let mut c = Config {
        // WebSockets over h2 (RFC 8441), as lws's stock settings announce.
        enable_connect_protocol: true,
        ..Config::default()
    };
    let s = &info.http2_settings;
    if s[0] != 0 {
        if s[H2SET_HEADER_TABLE_SIZE as usize] != 0 {
            c.header_table_size = s[H2SET_HEADER_TABLE_SIZE as usize];
        }
        if s[H2SET_MAX_CONCURRENT_STREAMS as usize] != 0 {
            c.max_concurrent_streams = s[H2SET_MAX_CONCURRENT_STREAMS as usize];
        }
        if s[H2SET_INITIAL_WINDOW_SIZE as usize] != 0 {
            c.initial_window_size = s[H2SET_INITIAL_WINDOW_SIZE as usize];
        }
        if s[H2SET_MAX_FRAME_SIZE as usize] != 0 {
            c.max_frame_size = s[H2SET_MAX_FRAME_SIZE as usize];
        }
        if s[H2SET_MAX_HEADER_LIST_SIZE as usize] != 0 {
            c.max_header_list_size = s[H2SET_MAX_HEADER_LIST_SIZE as usize];
        }
    }
    c
}

fn net<'a>(w: *mut lws) -> Option<&'a mut Net> {
    match &mut wref!(w).role {
        Role::H2(n) => Some(n),
        _ => None,
    }
}

fn stream<'a>(w: *mut lws) -> Option<&'a mut Stream> {
    wref!(w).mux.as_deref_mut()
}

/// The live network connection of a child.
fn parent_of(w: *mut lws) -> Option<*mut lws> {
    let s = wref!(w);
    let (slot, gen) = s.mux.as_ref()?.parent;
    let p = cx!(s.ctx).conn(slot, gen)?;
    (wref!(p).life != Life::Dead && matches!(wref!(p).role, Role::H2(_))).then_some(p)
}

/// The network connection that carries `w` (lws_get_network_wsi): its parent for a
/// stream, else itself.
pub(crate) fn network_wsi(w: *mut lws) -> *mut lws {
    if wref!(w).mux.is_some() {
        return parent_of(w).unwrap_or(w);
    }
    w
}

/// The network connection still holds bytes the socket has not taken.
fn parent_buffered(p: *mut lws) -> bool {
    let s = wref!(p);
    s.out_pos < s.out.len() || s.transport.wants_write()
}

/// The connection becomes h2; `initial` is what was read so far (the preface, at least
/// in part).
pub(crate) fn start(w: *mut lws, initial: &[u8]) {
    crate::roles::http::server::ah_release(w);
    set_timeout(w, 0, 0);
    let vh = wref!(w).vhost;
    let cfg = vh!(vh).h2.clone();
    {
        let s = wref!(w);
        s.hdr = Vec::new();
        s.req = None;
        s.role = Role::H2(Box::new(Net {
            conn: ServerConn::new(cfg),
            streams: BTreeMap::new(),
            closing: false,
            scratch: Vec::new(),
        }));
    }
    lwsl_info!("h2: connection speaks HTTP/2");
    idle(w);
    input(w, initial);
}

/// No stream is open: the connection may stay idle for the vhost's keepalive_timeout,
/// then it is closed (GOAWAY first), as an idle HTTP/1.1 connection is.
fn idle(w: *mut lws) {
    if wref!(w).life != Life::Open {
        return;
    }
    let vh = wref!(w).vhost;
    let ka = vh!(vh).keepalive_timeout;
    if ka > 0 {
        set_timeout(
            w,
            PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE as c_int,
            i64::from(ka) * 1_000_000,
        );
    }
}

/// Bytes from the peer.
pub(crate) fn input(w: *mut lws, data: &[u8]) {
    let Some(n) = net(w) else {
        return;
    };
    n.conn.handle_input(data);
    events(w);
    pump(w);
}

/// Acts on what the codec found, one event at a time (callbacks run in between, so no
/// borrow of the codec is kept across one).
fn events(w: *mut lws) {
    loop {
        if wref!(w).life == Life::Dead {
            return;
        }
        let Some(ev) = net(w).and_then(|n| n.conn.poll_event()) else {
            return;
        };
        match ev {
            Event::Request {
                stream,
                request,
                end_stream,
            } => new_stream(w, stream, request, end_stream),
            Event::Data { stream, mut data } => body(w, stream, &mut data),
            Event::Trailers { stream, fields } => {
                if let Some(c) = child(w, stream) {
                    crate::roles::http::headers::append_fields(c, &fields);
                }
            }
            Event::GoAway { .. } => {}
            Event::EndOfStream { stream } => body_end(w, stream),
            Event::Reset { stream, code, .. } => {
                lwsl_info!("h2: stream {} reset ({:?})", stream, code);
                if let Some(c) = child(w, stream) {
                    if let Some(st) = stream_of(c) {
                        st.reset = true;
                    }
                    close(c, Why::Gone);
                }
            }
            Event::Writable { stream } => {
                if let Some(c) = child(w, stream) {
                    drain(c);
                    after_drain(c);
                }
            }
            Event::ConnectionError { code, reason } => {
                lwsl_info!("h2: connection error {:?}: {}", code, reason);
                closing(w);
                pump_now(w);
                wref!(w).linger = true;
                flush_then_close(w);
                return;
            }
        }
        pump(w);
    }
}

fn stream_of<'a>(c: *mut lws) -> Option<&'a mut Stream> {
    stream(c)
}

fn child(w: *mut lws, id: u32) -> Option<*mut lws> {
    net(w)?.streams.get(&id).copied()
}

/// Writes what the codec has for the peer to the socket (through the output gate, so
/// what the kernel does not take is kept in the connection's buffer), and closes the
/// connection once the codec is done with it.  While the socket still holds earlier
/// output, the codec keeps its own: its flood limits count replies that wait, so a peer
/// that sends PINGs or SETTINGS without reading the answers meets them.
fn pump(w: *mut lws) {
    if wref!(w).life == Life::Dead || parent_buffered(w) {
        return;
    }
    pump_now(w);
}

/// [`pump`] even behind unsent output (a GOAWAY before closing must not be lost).
fn pump_now(w: *mut lws) {
    if wref!(w).life == Life::Dead {
        return;
    }
    let Some(n) = net(w) else {
        return;
    };
    if !n.conn.pending_output().is_empty() {
        let mut out = core::mem::take(&mut n.scratch);
        n.conn.swap_output(&mut out);
        send_raw(w, &out);
        if let Some(n) = net(w) {
            // Kept for the next flush unless one burst made it large.
            if out.capacity() <= 256 * 1024 {
                out.clear();
                n.scratch = out;
            }
        }
    }
    if net(w).is_some_and(|n| n.conn.is_closed()) && wref!(w).life == Life::Open {
        wref!(w).linger = true;
        flush_then_close(w);
    }
}

/// A request head: a child wsi with the HTTP role's request built from it, then the
/// HTTP server's handling (mounts, protocols, LWS_CALLBACK_HTTP...).
fn new_stream(w: *mut lws, id: u32, req: Request, end_stream: bool) {
    let Some(path) = req.path.clone() else {
        // Plain CONNECT (tunnelling): not something lws serves.
        refuse(w, id, ErrorCode::REFUSED_STREAM);
        return;
    };
    // The request as HTTP/1 text, parsed by the same parser: lws_hdr_* then read the
    // stream's fields exactly as an HTTP/1 request's.
    let mut head = Vec::with_capacity(64 + path.len());
    let ws = req.method == b"CONNECT" && req.protocol.as_deref() == Some(b"websocket");
    if ws {
        // Extended CONNECT (RFC 8441): given to the ws upgrade as the HTTP/1.1 upgrade
        // request it stands for (the key is a placeholder: h2 has none, and no accept
        // key is answered).
        head.extend_from_slice(b"GET ");
        head.extend_from_slice(&path);
        head.extend_from_slice(
            b" HTTP/1.1\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
              sec-websocket-key: AAAAAAAAAAAAAAAAAAAAAA==\r\n",
        );
        if let Some(a) = &req.authority {
            if !req.fields.iter().any(|f| f.name == b"host") {
                head.extend_from_slice(b"host: ");
                head.extend_from_slice(a);
                head.extend_from_slice(b"\r\n");
            }
        }
        if !req
            .fields
            .iter()
            .any(|f| f.name == b"sec-websocket-version")
        {
            head.extend_from_slice(b"sec-websocket-version: 13\r\n");
        }
    } else {
        head.extend_from_slice(&req.method);
        head.push(b' ');
        head.extend_from_slice(&path);
        head.extend_from_slice(b" HTTP/1.1\r\n");
    }
    for f in &req.fields {
        head.extend_from_slice(&f.name);
        head.extend_from_slice(b": ");
        head.extend_from_slice(&f.value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let parsed = match crate::http::request::parse_request(&head, head.len() + 1) {
        Ok(Some(r)) => r,
        _ => {
            lwsl_info!("h2: stream {}: request not expressible", id);
            refuse(w, id, ErrorCode::PROTOCOL_ERROR);
            return;
        }
    };
    let (ctx, vh, peer) = {
        let s = wref!(w);
        (s.ctx, s.vhost, s.peer_addr)
    };
    if cx!(ctx).slots_used >= cx!(ctx).max_fds {
        refuse(w, id, ErrorCode::REFUSED_STREAM);
        return;
    }
    let mut b = Box::new(lws::new(ctx, vh));
    b.tsi = wref!(w).tsi;
    {
        let c = cx!(ctx);
        b.tag_ord = c.tag_ord[0];
        c.tag_ord[0] = c.tag_ord[0].wrapping_add(1);
    }
    b.peer_addr = peer;
    b.protocol = vhost_protocols(vh)
        .first()
        .map_or(core::ptr::null(), |p| p as *const _);
    // Writable until its output has to wait (see child_send).
    b.writable = true;
    b.hdr = head;
    b.req = Some(parsed);
    b.mux = Some(Box::new(Stream {
        parent: (wref!(w).slot, wref!(w).gen),
        id,
        method: req.method,
        authority: req.authority,
        scheme: req.scheme,
        protocol: req.protocol,
        body_expected: !end_stream,
        head: Vec::new(),
        headers_sent: false,
        end_sent: false,
        fin_req: false,
        tx_left: None,
        status: 0,
        reset: false,
        held: Vec::new(),
        end_held: false,
    }));
    let c = Box::into_raw(b);
    let (slot, gen) = cx!(ctx).slot_alloc(Entry::Conn(c));
    {
        let s = wref!(c);
        s.slot = slot;
        s.gen = gen;
    }
    if let Some(n) = net(w) {
        n.streams.insert(id, c);
    }
    // Busy: the idle timeout waits for the last stream to end.
    set_timeout(w, 0, 0);
    lwsl_info!("h2: stream {} opened", id);
    crate::roles::http::server::head_complete(c);
}

fn refuse(w: *mut lws, id: u32, code: ErrorCode) {
    if let Some(n) = net(w) {
        let _ = n.conn.reset_stream(id, code);
    }
}

/// Request body bytes: HTTP_BODY on the child (ws frames on a ws stream), then the
/// window goes back to the peer.
fn body(w: *mut lws, id: u32, data: &mut [u8]) {
    if let Some(c) = child(w, id) {
        if let Some(st) = stream(c) {
            if wref!(c).rx_flow_reasons != 0 || !st.held.is_empty() {
                // The child stopped its rx flow (lws_rx_flow_control): the bytes wait,
                // and so does the window, so the peer stops sending once it is used up.
                st.held.extend_from_slice(data);
                return;
            }
        }
        if matches!(wref!(c).role, Role::Ws(..)) {
            crate::roles::input(c, data.as_mut_ptr(), data.len());
            if wref!(w).life != Life::Dead {
                if let Some(n) = net(w) {
                    n.conn.release_capacity(id, data.len());
                }
            }
            return;
        }
        let deliver = wref!(c).life == Life::Open
            && wref!(c).state() == State::HttpTxn
            && stream(c).is_some_and(|st| st.body_expected)
            && !ht(c).discard
            && !data.is_empty();
        if deliver
            && callback(
                c,
                LWS_CALLBACK_HTTP_BODY as c_int,
                data.as_ptr() as *mut c_void,
                data.len(),
            ) != 0
        {
            close(c, Why::User);
        }
    }
    if wref!(w).life == Life::Dead {
        return;
    }
    if let Some(n) = net(w) {
        n.conn.release_capacity(id, data.len());
    }
}

/// The peer finished sending: HTTP_BODY_COMPLETION if a body was expected.
fn body_end(w: *mut lws, id: u32) {
    let Some(c) = child(w, id) else {
        return;
    };
    if let Some(st) = stream(c) {
        if !st.held.is_empty() {
            st.end_held = true;
            return;
        }
    }
    if matches!(wref!(c).role, Role::Ws(..)) {
        // The peer ended a ws stream: the connection's end for that WebSocket.
        close(c, Why::Gone);
        return;
    }
    if wref!(c).life != Life::Open || wref!(c).state() != State::HttpTxn {
        return;
    }
    let Some(st) = stream(c) else {
        return;
    };
    if !st.body_expected {
        return;
    }
    st.body_expected = false;
    set_timeout(c, 0, 0);
    if ht(c).discard {
        return;
    }
    if callback(c, LWS_CALLBACK_HTTP_BODY_COMPLETION as c_int, null_mut(), 0) != 0 {
        close(c, Why::User);
    }
}

/// The network connection is closing: its children end first (each gets its closing
/// callbacks); the peer is owed nothing more for them.
pub(crate) fn closing(w: *mut lws) {
    let kids: Vec<*mut lws> = match net(w) {
        Some(n) => {
            n.closing = true;
            n.streams.values().copied().collect()
        }
        None => return,
    };
    for c in kids {
        finish_close(c);
    }
}

/// A child closed (its callbacks are done): the stream ends gracefully if its answer
/// began, else it is reset; a request body still coming is refused (RFC 9113 8.1).
pub(crate) fn child_closed(c: *mut lws) {
    let p = parent_of(c);
    let Some(st) = wref!(c).mux.take() else {
        return;
    };
    let Some(p) = p else {
        return;
    };
    let Some(n) = net(p) else {
        return;
    };
    n.streams.remove(&st.id);
    if n.closing || st.reset {
        return;
    }
    let unsent = {
        let s = wref!(c);
        s.out_pos < s.out.len()
    };
    if !st.end_sent {
        if st.headers_sent && !unsent {
            let _ = n.conn.send_data(st.id, &[], true);
        } else {
            let _ = n.conn.reset_stream(st.id, ErrorCode::INTERNAL_ERROR);
        }
    }
    if matches!(
        n.conn.stream_state(st.id),
        StreamState::HalfClosedLocal | StreamState::Open
    ) {
        let _ = n.conn.reset_stream(st.id, ErrorCode::NO_ERROR);
    }
    lwsl_info!("h2: stream {} closed", st.id);
    if n.streams.is_empty() {
        idle(p);
    }
    pump(p);
}

/// Graceful close of the connection: GOAWAY(NO_ERROR) first.
pub(crate) fn go_away(w: *mut lws) {
    if let Some(n) = net(w) {
        n.conn.go_away(ErrorCode::NO_ERROR);
    }
    pump_now(w);
}

/// The socket took everything: waiting stream output goes out (windows permitting),
/// then the streams that can write again get their turn.
pub(crate) fn writeable(w: *mut lws) {
    // What the codec held back while the socket was full goes first, in order.
    pump(w);
    let kids: Vec<*mut lws> = match net(w) {
        Some(n) => n.streams.values().copied().collect(),
        None => return,
    };
    for c in kids {
        if wref!(w).life == Life::Dead || parent_buffered(w) {
            break;
        }
        if wref!(c).life == Life::Dead {
            continue;
        }
        drain(c);
        after_drain(c);
    }
    pump(w);
}

/// Frames what waits in a child's `out` while the windows and the socket allow.
fn drain(c: *mut lws) {
    let Some(p) = parent_of(c) else {
        return;
    };
    loop {
        if parent_buffered(p) {
            break;
        }
        let Some(st) = stream(c) else {
            break;
        };
        let fin_waits = st.fin_req && !st.end_sent;
        let s = wref!(c);
        let pending = s.out.len() - s.out_pos.min(s.out.len());
        if pending == 0 && !fin_waits {
            break;
        }
        let buf = core::mem::take(&mut s.out);
        let pos = s.out_pos;
        let k = frame(c, p, &buf[pos..]);
        let s = wref!(c);
        s.out = buf;
        s.out_pos = pos + k;
        if s.out_pos >= s.out.len() {
            s.out.clear();
            s.out_pos = 0;
        }
        pump(p);
        if k < pending || (pending == 0 && stream(c).is_some_and(|st| !st.end_sent)) {
            // Window exhausted (the codec signals Writable when it opens).
            break;
        }
    }
}

/// After a drain: a child with nothing waiting may write again; one closing finishes.
fn after_drain(c: *mut lws) {
    let s = wref!(c);
    if s.life == Life::Dead {
        return;
    }
    let waiting = s.out_pos < s.out.len() || stream(c).is_some_and(|st| st.fin_req && !st.end_sent);
    if waiting {
        return;
    }
    let s = wref!(c);
    s.writable = true;
    match s.life {
        Life::FlushThenClose | Life::Linger => finish_close(c),
        Life::Open => {
            let file = s.http.as_ref().is_some_and(|x| x.file.is_some());
            if (s.want_writeable || file) && !s.in_writeable_q {
                s.in_writeable_q = true;
                cx!(s.ctx).writeable_q.push(c);
            }
        }
        _ => {}
    }
}

/// Hands `data` to the codec as DATA on the child's stream, as far as the windows let
/// it; END_STREAM goes with the last byte when asked for or when the content-length is
/// reached.  Returns how much went.
fn frame(c: *mut lws, p: *mut lws, data: &[u8]) -> usize {
    let Some(st) = stream(c) else {
        return data.len();
    };
    let fin = st.fin_req || st.tx_left.is_some_and(|l| l <= data.len() as u64);
    let Some(n) = net(p) else {
        return data.len();
    };
    match n.conn.send_data(st.id, data, fin) {
        Ok(k) => {
            if let Some(l) = st.tx_left {
                st.tx_left = Some(l.saturating_sub(k as u64));
            }
            if k == data.len() && fin {
                st.end_sent = true;
                st.fin_req = false;
            }
            k
        }
        Err(e) => {
            // The stream ended or was reset meanwhile: what is left cannot go anywhere.
            lwsl_info!(
                "h2: stream {}: dropping {} bytes ({:?})",
                st.id,
                data.len(),
                e
            );
            st.end_sent = true;
            st.fin_req = false;
            data.len()
        }
    }
}

/// The output gate for a child with nothing waiting (`send_raw` calls it): DATA now, or
/// into the child's `out` when the socket or the windows cannot take it.
#[cold]
#[inline(never)]
pub(crate) fn child_send(c: *mut lws, data: &[u8]) -> bool {
    stream_data(c, data, false)
}

/// Body bytes of a stream's answer; `fin`: they are the last (END_STREAM).
pub(crate) fn stream_data(c: *mut lws, data: &[u8], fin: bool) -> bool {
    let Some(p) = parent_of(c) else {
        return false;
    };
    let Some(st) = stream(c) else {
        return false;
    };
    if st.reset || st.end_sent {
        lwsl_info!("h2: stream {}: write after its end", st.id);
        return false;
    }
    if !st.headers_sent {
        lwsl_err!("h2: stream {}: body before the response headers", st.id);
        return false;
    }
    if fin {
        st.fin_req = true;
    }
    let s = wref!(c);
    if s.out_pos < s.out.len() || parent_buffered(p) {
        s.out.extend_from_slice(data);
        s.writable = false;
        return true;
    }
    let k = frame(c, p, data);
    if k < data.len() {
        let s = wref!(c);
        s.out.extend_from_slice(&data[k..]);
        s.writable = false;
    }
    pump(p);
    true
}

/// A response head the builders wrote (HPACK): HEADERS, ending the stream when no body
/// can follow (content-length 0, 204, 304, a HEAD request) or `flags` says so.
pub(crate) fn send_headers(c: *mut lws, block: &[u8], flags: c_int) -> bool {
    let Some(p) = parent_of(c) else {
        return false;
    };
    let head_req = wref!(c)
        .http
        .as_ref()
        .is_some_and(|x| x.method == WSI_TOKEN_HEAD_URI as u32);
    let Some(st) = stream(c) else {
        return false;
    };
    if st.reset || st.end_sent || st.headers_sent {
        lwsl_info!("h2: stream {}: headers refused in this state", st.id);
        return false;
    }
    st.head.extend_from_slice(block);
    if flags & LWS_WRITE_NO_FIN as c_int != 0 {
        return true;
    }
    let end = flags & LWS_WRITE_H2_STREAM_END as c_int != 0
        || st.tx_left == Some(0)
        || matches!(st.status, 204 | 304)
        || head_req;
    let head = core::mem::take(&mut st.head);
    let Some(n) = net(p) else {
        return false;
    };
    let r = n.conn.send_header_block(st.id, &head, end);
    st.headers_sent = true;
    if end {
        st.end_sent = true;
    }
    pump(p);
    r.is_ok()
}

/// lws_write on a stream: HTTP_HEADERS (and CONTINUATION) are the head, HTTP and
/// HTTP_FINAL the body.
pub(crate) fn write(c: *mut lws, data: &[u8], wp: c_int) -> c_int {
    let base = wp & 0x1f;
    let ok = if base == LWS_WRITE_HTTP_HEADERS as c_int
        || base == LWS_WRITE_HTTP_HEADERS_CONTINUATION as c_int
    {
        send_headers(c, data, wp)
    } else {
        let fin =
            base == LWS_WRITE_HTTP_FINAL as c_int || wp & LWS_WRITE_H2_STREAM_END as c_int != 0;
        stream_data(c, data, fin)
    };
    if ok {
        data.len() as c_int
    } else {
        -1
    }
}

/// lws_http_transaction_completed on a stream: the transaction is the stream, so it is
/// over (1: the caller closes the child, which ends the stream if it has not ended).
pub(crate) fn txn_completed(c: *mut lws) -> c_int {
    if let Some(x) = wref!(c).http.as_mut() {
        x.in_txn = false;
        x.file = None;
    }
    1
}

/// An error answer where HTTP/1 would send a status and close: the status alone,
/// ending the stream, and the child closes.
pub(crate) fn stream_fail(c: *mut lws, code: u16) {
    if let (Some(p), Some(st)) = (parent_of(c), stream(c)) {
        if !st.headers_sent && !st.end_sent && !st.reset {
            if let Some(n) = net(p) {
                let _ = n.conn.send_response(st.id, code, &[], true);
            }
            st.headers_sent = true;
            st.end_sent = true;
            pump(p);
        }
    }
    finish_close(c);
}

/// The pseudo-headers of a stream's request under lws's tokens (None: not one of them).
pub(crate) fn pseudo(
    st: &Stream,
    x: Option<&crate::roles::http::server::Http>,
    h: u32,
) -> Option<Vec<Vec<u8>>> {
    let one = |v: &Option<Vec<u8>>| v.iter().cloned().collect::<Vec<_>>();
    if h == WSI_TOKEN_HTTP_COLON_AUTHORITY as u32 {
        Some(one(&st.authority))
    } else if h == WSI_TOKEN_HTTP_COLON_METHOD as u32 {
        Some(vec![st.method.clone()])
    } else if h == WSI_TOKEN_HTTP_COLON_PATH as u32 {
        // Decoded and split as the method's URI token, as lws's h2 parser stores it.
        Some(x.map(|x| x.path_frags.clone()).unwrap_or_default())
    } else if h == WSI_TOKEN_HTTP_COLON_SCHEME as u32 {
        Some(one(&st.scheme))
    } else if h == WSI_TOKEN_COLON_PROTOCOL as u32 {
        Some(one(&st.protocol))
    } else if h == WSI_TOKEN_HTTP_COLON_STATUS as u32 || h == WSI_TOKEN_HTTP as u32 {
        // Requests have no status, and h2 no version line.
        Some(Vec::new())
    } else {
        None
    }
}

/// Send credit of a stream (its window and the connection's, the smaller), or of the
/// connection for the network wsi; None for a connection that is not h2.
pub(crate) fn tx_credit(w: *mut lws) -> Option<i64> {
    if let Some(id) = wref!(w).mux.as_ref().map(|st| st.id) {
        let p = parent_of(w)?;
        return Some(net(p)?.conn.send_capacity(id).unwrap_or(0) as i64);
    }
    Some(net(w)?.conn.connection_send_window())
}

/// lws_wsi_tx_credit's h2 answers: our send credit (`peer_to_us` 0) or what the peer
/// may still send us (1); with `add`, more credit for the peer (WINDOW_UPDATE).  Our
/// own send credit is the peer's to give, so adding to it is refused.  None: not h2.
pub(crate) fn tx_credit_op(w: *mut lws, peer_to_us: bool, add: c_int) -> Option<c_int> {
    let (p, id) = match wref!(w).mux.as_ref().map(|st| st.id) {
        Some(id) => (parent_of(w)?, id),
        None => (w, 0),
    };
    let n = net(p)?;
    if add != 0 {
        if !peer_to_us || add < 0 {
            lwsl_info!("lws_wsi_tx_credit: only the peer's credit can be added to");
            return Some(0);
        }
        n.conn.grant(id, add as u32);
        pump(p);
        return Some(0);
    }
    let v = if peer_to_us {
        // The stream's own window, as lws's estimate is per wsi.
        if id == 0 {
            n.conn.connection_recv_window()
        } else {
            n.conn.recv_window(id).unwrap_or(0)
        }
    } else if id == 0 {
        n.conn.connection_send_window()
    } else {
        n.conn.send_capacity(id).unwrap_or(0) as i64
    };
    Some(v.clamp(0, i64::from(c_int::MAX)) as c_int)
}

/// lws_h2_update_peer_txcredit: `sid` u32::MAX means the wsi's own stream.
pub(crate) fn update_peer_txcredit(w: *mut lws, sid: u32, bump: c_int) -> Option<c_int> {
    if bump <= 0 {
        return Some(0);
    }
    let own = wref!(w).mux.as_ref().map(|st| st.id);
    let p = if own.is_some() { parent_of(w)? } else { w };
    let id = if sid == u32::MAX {
        own.unwrap_or(0)
    } else {
        sid
    };
    net(p)?.conn.grant(id, bump as u32);
    pump(p);
    Some(0)
}

/// The ws upgrade accepted an extended CONNECT: 200 (RFC 8441 section 5) with the
/// chosen subprotocol and the header lines the upgrade gathered (extensions,
/// ADD_HEADERS), written as HTTP/1.1 lines and sent as HPACK.  The stream stays open.
pub(crate) fn ws_accepted(c: *mut lws, chosen: Option<&[u8]>, extra: &[u8]) -> bool {
    let mut block = Vec::with_capacity(64 + extra.len());
    headers::encode_field(&mut block, b":status", b"200");
    if let Some(p) = chosen {
        headers::encode_field(&mut block, b"sec-websocket-protocol", p);
    }
    for line in extra.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = &line[..colon];
        let value = line[colon + 1..].trim_ascii();
        if name.is_empty() {
            continue;
        }
        headers::encode_field(&mut block, name, value);
    }
    send_headers(c, &block, 0)
}

/// A stream's rx flow was enabled again (lws_rx_flow_control, from the loop's rx queue):
/// what was held back is delivered, its window given back, and a held END_STREAM
/// follows.
pub(crate) fn rx_resume(c: *mut lws) {
    let Some(p) = parent_of(c) else {
        return;
    };
    let Some(st) = stream(c) else {
        return;
    };
    if wref!(c).rx_flow_reasons != 0 || st.held.is_empty() {
        return;
    }
    let mut data = core::mem::take(&mut st.held);
    let (id, end) = (st.id, core::mem::take(&mut st.end_held));
    body(p, id, &mut data);
    if end && wref!(p).life != Life::Dead {
        body_end(p, id);
    }
    pump(p);
}
