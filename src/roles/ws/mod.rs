//! The WebSocket role once established: frames in (RECEIVE, pings, the close
//! handshake, protocol errors) and out (lws_write's frame modes, control frames).
/// cbindgen:ignore
pub mod client;
/// cbindgen:ignore
pub mod pmd;
/// cbindgen:ignore
pub mod server;

use crate::abi::*;
use crate::core::close::close;
use crate::core::close::finish_close;
use crate::core::close::flush_then_close;
use crate::core::close::Why;
use crate::core::close::CLOSE_ACK_SECS;
use crate::core::output::send_raw;
use crate::core::wsi::callback;
use crate::core::wsi::is_client;
use crate::core::wsi::set_timeout;
use crate::core::*;
use crate::roles::{Reasons, Role, WS_REASONS};
use crate::ws::frame::{self, RxEvent};
use core::ffi::{c_int, c_void};
use core::ptr::null_mut;

/// The ws role's state, allocated when a connection takes the role.
pub(crate) struct Ws {
    pub rx: frame::Rx,
    /// What the last RECEIVE delivered (lws_is_first_fragment and friends).
    pub rx_first: bool,
    pub rx_final: bool,
    pub rx_binary: bool,
    pub rx_remaining: u64,
    /// The close lws_close_reason prepared, sent when a callback then returns nonzero.
    pub close_status: u16,
    pub close_reason: Vec<u8>,
    /// The payload of the peer's close frame (lws_get_close_payload).
    pub peer_close: Vec<u8>,
    /// A protocol error waiting for the application's owed WRITEABLEs before we fail.
    pub fail_pending: Option<(u16, &'static str)>,
    /// Something arrived since the last validity check (idle policy).
    pub rx_seen: bool,
    /// The idle policy's PING went out and is unanswered.
    pub validity_pinged: bool,
    /// permessage-deflate, when negotiated.
    pub pmd: Option<Box<pmd::Pmd>>,
}

/// The ws role's phases (RFC 6455's states after CONNECTING, as lws keeps them).
///
/// ```text
///  Upgrading --101 sent (server) / 101 checked (client)--> Open
///  Open --our close frame sent--> AwaitingCloseAck --peer's close or 5 s--> closed
///  Open --peer's close: echoed--> closed after the flush (Life::FlushThenClose)
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum WsPhase {
    /// The role is taken (FILTER_PROTOCOL_CONNECTION on, as in lws), the 101 not yet sent.
    Upgrading,
    Open,
    /// We sent a close frame and wait for the peer's (or a timeout).
    AwaitingCloseAck,
}

impl Ws {
    pub(crate) fn new(cfg: frame::RxConfig) -> Box<Ws> {
        Box::new(Ws {
            rx: frame::Rx::new(cfg),
            rx_first: false,
            rx_final: false,
            rx_binary: false,
            rx_remaining: 0,
            close_status: 0,
            close_reason: Vec::new(),
            peer_close: Vec::new(),
            fail_pending: None,
            rx_seen: false,
            validity_pinged: false,
            pmd: None,
        })
    }
}

/// The frame parser's settings for `w` (its protocol bound): rx chunks are at most
/// rx_buffer_size (pt_serv_buf_size when 0), as in lws.
pub(crate) fn rx_config(w: *mut lws, expect_masked: bool) -> frame::RxConfig {
    let s = wref!(w);
    // SAFETY: the bound protocol is a live entry of the vhost.
    let rxs = unsafe { (*s.protocol).rx_buffer_size };
    let c = cx!(s.ctx);
    let max_chunk = if rxs == 0 { c.rbuf.len() } else { rxs };
    // Chunks larger than the context's buffer are asked for: reads of up to that size
    // (bounded) mean fewer reads, RECEIVEs and writes per MiB.
    let big = max_chunk.min(crate::core::service::READ_BIG_MAX);
    s.read_max = if big > c.rbuf.len() { big } else { 0 };
    frame::RxConfig {
        expect_masked,
        max_chunk,
        validate_utf8: vh!(s.vhost).options & LWS_SERVER_OPTION_VALIDATE_UTF8 != 0,
        max_message: MAX_MESSAGE,
    }
}

/// What the last RECEIVE delivered (lws_is_first_fragment, lws_is_final_fragment,
/// lws_frame_is_binary, lws_remaining_packet_payload); all zero without the ws role.
#[derive(Clone, Copy, Default)]
pub(crate) struct LastRx {
    pub first: bool,
    pub last: bool,
    pub binary: bool,
    pub remaining: u64,
}

#[inline(always)]
pub(crate) fn last_rx(w: *mut lws) -> LastRx {
    match wref!(w).ws() {
        Some(ws) => LastRx {
            first: ws.rx_first,
            last: ws.rx_final,
            binary: ws.rx_binary,
            remaining: ws.rx_remaining,
        },
        None => LastRx::default(),
    }
}

/// lws_close_reason: the status and reason our close frame will carry when a callback
/// then returns nonzero.  Without the ws role there is no close frame to prepare (lws
/// requires the role): nothing is kept.
pub(crate) fn set_close_reason(w: *mut lws, status: u16, reason: &[u8]) {
    match wref!(w).ws() {
        Some(ws) => {
            ws.close_status = status;
            ws.close_reason.clear();
            ws.close_reason.extend_from_slice(reason);
        }
        None => lwsl_info!("lws_close_reason: not a websocket"),
    }
}

/// The peer's close payload (lws_get_close_payload, lws_get_close_length).
pub(crate) fn close_payload(w: *mut lws) -> (*mut u8, usize) {
    match wref!(w).ws() {
        Some(ws) => (ws.peer_close.as_mut_ptr(), ws.peer_close.len()),
        None => (core::ptr::NonNull::dangling().as_ptr(), 0),
    }
}

/// The ws role's state of `w`, which has that role (checked by the caller's state).
#[inline(always)]
pub(crate) fn ws<'a>(w: *mut lws) -> &'a mut Ws {
    match &mut wref!(w).role {
        Role::Ws(_, ws) => ws,
        Role::H1(_) | Role::Raw(_) | Role::H2(_) | Role::H2Client(_) => {
            unreachable!("ws state asked of a connection without the ws role")
        }
    }
}

/// An rx flow reason of our own (outside lws's bits): input stopped because the
/// connection is failing.
const RXFLOW_FAILING: c_int = 1 << 20;

pub(crate) fn ws_input(w: *mut lws, ptr: *mut u8, len: usize) {
    let mut pos = 0usize;
    loop {
        // Every event a frame yields comes from the call that parses its last byte, so
        // with nothing left to read there is nothing to ask the parser (saves a call per
        // message).
        if pos >= len {
            return;
        }
        let (ev, phase, wsp) = {
            let s = wref!(w);
            let (Life::Open, Role::Ws(phase @ (WsPhase::Open | WsPhase::AwaitingCloseAck), ws)) =
                (s.life, &mut s.role)
            else {
                return;
            };
            if s.rx_flow_reasons != 0 {
                // Keep what is not parsed yet until rx flow is allowed again: input that
                // is the end of the stash being parsed stays where it is (the stash's
                // parser keeps the count), anything else is copied into the stash.
                if ptr as usize + len == s.rx_stash_end {
                    s.rx_stash_left = len - pos;
                } else {
                    // SAFETY: ptr[pos..len] is readable.
                    let rest = unsafe { core::slice::from_raw_parts(ptr.add(pos), len - pos) };
                    s.rx_stash.extend_from_slice(rest);
                }
                return;
            }
            ws.rx_seen = true;
            // SAFETY: ptr[..len] is ours to mutate for this call (unmasking in place).
            let buf = unsafe { core::slice::from_raw_parts_mut(ptr, len) };
            let wsp: *mut Ws = &mut **ws;
            (ws.rx.next(buf, &mut pos), *phase, wsp)
        };
        match ev {
            RxEvent::NeedMore => return,
            RxEvent::Data {
                start,
                len: n,
                binary,
                message_first,
                frame_fin,
                remaining,
                ..
            } => {
                let has_pmd = {
                    // Only the parser ran since the check above: no callback can have
                    // changed the connection.  Data after our close frame is dropped.
                    if phase != WsPhase::Open {
                        continue;
                    }
                    // SAFETY: the role's state found above, still in place: only the
                    // parser ran since, no callback.
                    let ws = unsafe { &mut *wsp };
                    ws.rx_first = message_first;
                    ws.rx_final = frame_fin && remaining == 0;
                    ws.rx_binary = binary;
                    ws.rx_remaining = remaining;
                    ws.pmd.is_some()
                };
                if has_pmd {
                    let ev = pmd::Event {
                        start,
                        len: n,
                        message_first,
                        last: frame_fin && remaining == 0,
                        binary,
                    };
                    match pmd::receive(w, ptr, len, &mut pos, ev) {
                        pmd::Rx::Done => continue,
                        pmd::Rx::Stop => return,
                        // Not compressed: delivered as it is, below.
                        pmd::Rx::Plain => {}
                    }
                }
                let reason = Reasons::pick(WS_REASONS.receive, is_client(w));
                // SAFETY: start+n <= len (the parser's contract).
                let p = unsafe { ptr.add(start) } as *mut c_void;
                if callback(w, reason as c_int, p, n) != 0 {
                    close(w, Why::User);
                    return;
                }
            }
            RxEvent::Ping => {
                if wref!(w).ws_open() {
                    let payload = ws(w).rx.control_payload().to_vec();
                    send_frame(w, frame::OP_PONG, &payload);
                }
            }
            RxEvent::Pong => {
                let mut payload = ws(w).rx.control_payload().to_vec();
                let reason = Reasons::pick(WS_REASONS.receive_pong, is_client(w));
                let n = payload.len();
                if callback(w, reason as c_int, payload.as_mut_ptr() as *mut c_void, n) != 0 {
                    close(w, Why::User);
                    return;
                }
            }
            RxEvent::Close => {
                peer_close(w);
                return;
            }
            RxEvent::Error { code, reason } => {
                lwsl_info!("ws protocol error {}: {}", code, reason);
                let s = wref!(w);
                if s.want_writeable {
                    // The application still owes replies to the valid messages before the
                    // bad frame: stop taking input, let those WRITEABLEs run, then fail.
                    ws(w).fail_pending = Some((code, reason));
                    let was_reading = s.rx_flow_reasons == 0;
                    s.rx_flow_reasons |= RXFLOW_FAILING;
                    s.rx_stash = Vec::new();
                    s.rx_stash_pos = 0;
                    s.rx_stash_left = 0;
                    crate::core::extpoll::flow_changed(w, was_reading);
                    set_timeout(
                        w,
                        PENDING_TIMEOUT_CLOSE_SEND as c_int,
                        CLOSE_ACK_SECS * 1_000_000,
                    );
                } else {
                    close_with(w, code, reason.as_bytes());
                }
                return;
            }
        }
    }
}

fn peer_close(w: *mut lws) {
    let payload = ws(w).rx.control_payload().to_vec();
    if wref!(w).state() == State::WsAwaitingCloseAck {
        ws(w).peer_close = payload;
        // The answer to our close: done.
        finish_close(w);
        return;
    }
    match frame::parse_close_payload(&payload) {
        Err(code) => close_with(w, code, b""),
        Ok(_) => {
            let mut p = payload.clone();
            let n = p.len();
            let ptr = if n == 0 {
                null_mut()
            } else {
                p.as_mut_ptr() as *mut c_void
            };
            if callback(w, LWS_CALLBACK_WS_PEER_INITIATED_CLOSE as c_int, ptr, n) != 0 {
                finish_close(w);
                return;
            }
            if !wref!(w).ws_open() {
                return;
            }
            // Echo the peer's close (its code and reason), then close once flushed.
            // lws_get_close_payload() is the close we send (so empty during the
            // WS_PEER_INITIATED_CLOSE callback, as in lws).
            send_frame(w, frame::OP_CLOSE, &payload);
            if let Some(ws) = wref!(w).ws() {
                ws.peer_close = payload;
            }
            flush_then_close(w);
        }
    }
}

/// A close the application asked for: the frame lws_close_reason prepared goes out and
/// the peer's answer is awaited (CLOSE_ACK_SECS at most).  False when none was prepared
/// (or the socket failed): the caller closes at once.
pub(crate) fn close_with_reason(w: *mut lws) -> bool {
    let (code, reason) = {
        let s = wref!(w);
        let failed = s.write_failed;
        match s.ws() {
            Some(ws) if ws.close_status != 0 && !failed => {
                (ws.close_status, core::mem::take(&mut ws.close_reason))
            }
            _ => return false,
        }
    };
    let mut p = Vec::with_capacity(2 + reason.len());
    p.extend_from_slice(&code.to_be_bytes());
    p.extend_from_slice(&reason);
    send_frame(w, frame::OP_CLOSE, &p);
    let s = wref!(w);
    if s.ws_open() {
        if let Role::Ws(phase, _) = &mut s.role {
            *phase = WsPhase::AwaitingCloseAck;
        }
        set_timeout(
            w,
            PENDING_TIMEOUT_CLOSE_ACK as c_int,
            CLOSE_ACK_SECS * 1_000_000,
        );
    }
    true
}

/// Sends a close frame with `code` and `reason` and closes once it is out.
pub(crate) fn close_with(w: *mut lws, code: u16, reason: &[u8]) {
    if !wref!(w).ws_open() {
        finish_close(w);
        return;
    }
    let mut p = Vec::with_capacity(2 + reason.len());
    p.extend_from_slice(&code.to_be_bytes());
    p.extend_from_slice(&reason[..reason.len().min(123)]);
    send_frame(w, frame::OP_CLOSE, &p);
    flush_then_close(w);
}

/// A complete frame built here (control frames, close replies); masked for clients.
pub(crate) fn send_frame(w: *mut lws, opcode: u8, payload: &[u8]) -> bool {
    let mask = if is_client(w) {
        let mut m = [0u8; 4];
        crate::core::connect::random_bytes(wref!(w).ctx, &mut m);
        Some(m)
    } else {
        None
    };
    let mut f = [0u8; 14 + 125];
    let mut big = Vec::new();
    let buf: &mut [u8] = if payload.len() <= 125 {
        &mut f
    } else {
        big.resize(14 + payload.len(), 0);
        &mut big
    };
    let h = frame::write_header(buf, true, opcode, payload.len() as u64, mask);
    buf[h..h + payload.len()].copy_from_slice(payload);
    if let Some(m) = mask {
        frame::unmask(&mut buf[h..h + payload.len()], m, 0);
    }
    let n = h + payload.len();
    crate::core::output::send_own(w, &buf[..n])
}

/// lws_write(): the frame header goes into the LWS_PRE bytes before `buf`, and header
/// plus payload leave in one syscall.
///
/// # Safety
/// `buf` points to `len` bytes preceded by at least LWS_PRE writable bytes (lws's
/// contract for ws writes).
pub(crate) unsafe fn write(w: *mut lws, buf: *mut u8, len: usize, wp: c_int) -> c_int {
    const TEXT: c_int = LWS_WRITE_TEXT as c_int;
    const BINARY: c_int = LWS_WRITE_BINARY as c_int;
    const CONT: c_int = LWS_WRITE_CONTINUATION as c_int;
    const PING: c_int = LWS_WRITE_PING as c_int;
    const PONG: c_int = LWS_WRITE_PONG as c_int;
    const HTTP: c_int = LWS_WRITE_HTTP as c_int;
    const HTTP_FINAL: c_int = LWS_WRITE_HTTP_FINAL as c_int;
    const HTTP_HEADERS: c_int = LWS_WRITE_HTTP_HEADERS as c_int;
    const HTTP_HEADERS_CONT: c_int = LWS_WRITE_HTTP_HEADERS_CONTINUATION as c_int;
    // One look at the role: open, and whether data frames go through the extension.
    let (open, has_pmd) = match wref!(w) {
        lws {
            life: Life::Open,
            role: Role::Ws(WsPhase::Open, ws),
            ..
        } => (true, ws.pmd.is_some()),
        _ => (false, false),
    };
    let opcode = match wp & 0x1f {
        TEXT => frame::OP_TEXT,
        BINARY => frame::OP_BINARY,
        CONT => frame::OP_CONT,
        PING => frame::OP_PING,
        PONG => frame::OP_PONG,
        HTTP | HTTP_FINAL | HTTP_HEADERS | HTTP_HEADERS_CONT => {
            if wref!(w).life == Life::Dead {
                return -1;
            }
            // SAFETY: buf[..len] readable per the caller.
            let data = unsafe { core::slice::from_raw_parts(buf, len) };
            if wref!(w).mux.is_some() {
                return crate::roles::h2::write(w, data, wp);
            }
            if let Some(r) = crate::roles::http::client_h2::write(w, data, wp) {
                return r;
            }
            return if send_raw(w, data) { len as c_int } else { -1 };
        }
        _ => {
            if open {
                lwsl_err!("lws_write: unsupported write protocol {}", wp);
            } else {
                lwsl_info!("lws_write: connection is not an open websocket");
            }
            return -1;
        }
    };
    if !open {
        lwsl_info!("lws_write: connection is not an open websocket");
        return -1;
    }
    if opcode >= frame::OP_CLOSE && len > 125 {
        lwsl_err!("lws_write: control frame payload {} > 125", len);
        return -1;
    }
    let fin = wp & LWS_WRITE_NO_FIN as c_int == 0;
    if has_pmd && opcode < frame::OP_CLOSE {
        // SAFETY: buf[..len] readable per the caller.
        let data = unsafe { core::slice::from_raw_parts(buf, len) };
        return write_compressed(w, opcode, data, fin);
    }
    // Clients mask every frame with a fresh key (RFC 6455 5.3), in place in the caller's
    // buffer as lws does.
    let mask = if is_client(w) {
        let mut m = [0u8; 4];
        crate::core::connect::random_bytes(wref!(w).ctx, &mut m);
        // SAFETY: buf[..len] is the caller's writable payload.
        frame::unmask(unsafe { core::slice::from_raw_parts_mut(buf, len) }, m, 0);
        Some(m)
    } else {
        None
    };
    let hlen = frame::header_len(len as u64, mask.is_some());
    // The header goes straight into the caller's headroom, and header and payload form
    // one contiguous frame: one send, no copy.
    // SAFETY: the LWS_PRE bytes before buf are the caller's headroom for this header
    // (hlen <= 14 <= LWS_PRE); buf[..len] is the caller's payload.
    let frame = unsafe {
        let start = buf.sub(hlen);
        frame::write_header(
            core::slice::from_raw_parts_mut(start, hlen),
            fin,
            opcode,
            len as u64,
            mask,
        );
        core::slice::from_raw_parts(start, hlen + len)
    };
    if send_raw(w, frame) {
        len as c_int
    } else {
        -1
    }
}

/// A data frame through permessage-deflate: compressed into the connection's reused tx
/// buffer (header room in front), masked there for clients, sent in one piece.  The
/// caller's buffer is left as it was; the caller's length is returned, as lws does.
/// Kept out of line: `write` stays as small as it was for connections without it.
#[cold]
#[inline(never)]
fn write_compressed(w: *mut lws, opcode: u8, data: &[u8], fin: bool) -> c_int {
    const ROOM: usize = 14;
    let Some(p) = ws(w).pmd.as_mut() else {
        return -1;
    };
    let mut tx = core::mem::take(&mut p.tx);
    tx.clear();
    tx.resize(ROOM, 0);
    let rsv = match p.codec.compress(opcode, data, fin, &mut tx) {
        Ok(Some(r)) => r,
        Ok(None) | Err(_) => {
            lwsl_err!("lws_write: compression failed");
            return -1;
        }
    };
    let plen = tx.len() - ROOM;
    let mask = if is_client(w) {
        let mut m = [0u8; 4];
        crate::core::connect::random_bytes(wref!(w).ctx, &mut m);
        frame::unmask(&mut tx[ROOM..], m, 0);
        Some(m)
    } else {
        None
    };
    let hlen = frame::header_len(plen as u64, mask.is_some());
    frame::write_header(&mut tx[ROOM - hlen..ROOM], fin, opcode, plen as u64, mask);
    tx[ROOM - hlen] |= rsv;
    let ok = send_raw(w, &tx[ROOM - hlen..]);
    if let Some(p) = wref!(w).ws().and_then(|ws| ws.pmd.as_mut()) {
        // Kept for the next write unless one message made it large.
        if tx.capacity() <= 64 * 1024 {
            p.tx = tx;
        }
    }
    if ok {
        data.len() as c_int
    } else {
        -1
    }
}

pub(crate) fn writeable_cb(w: *mut lws) {
    let reason = Reasons::pick(WS_REASONS.writeable, is_client(w));
    if callback(w, reason as c_int, null_mut(), 0) != 0 {
        close(w, Why::User);
        return;
    }
    let s = wref!(w);
    // A pending failure always comes with RXFLOW_FAILING: one test of a common field on
    // every WRITEABLE, the role state only when failing.
    if s.rx_flow_reasons & RXFLOW_FAILING != 0 && s.ws_open() && !s.want_writeable {
        if let Some((code, why)) = ws(w).fail_pending.take() {
            close_with(w, code, why.as_bytes());
        }
    }
}
