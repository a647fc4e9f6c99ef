//! The WebSocket role once established: frames in (RECEIVE, pings, the close
//! handshake, protocol errors) and out (lws_write's frame modes, control frames).
/// cbindgen:ignore
pub mod client;
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
use crate::ws::frame::{self, RxEvent};
use core::ffi::{c_int, c_void};
use core::ptr::null_mut;

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
        let ev = {
            let s = wref!(w);
            if !matches!(s.state, State::Ws | State::WsAwaitingCloseAck) {
                return;
            }
            if s.rx_flow_reasons != 0 {
                // Keep what is not parsed yet until rx flow is allowed again.
                // SAFETY: ptr[pos..len] is readable.
                let rest = unsafe { core::slice::from_raw_parts(ptr.add(pos), len - pos) };
                s.rx_stash.extend_from_slice(rest);
                return;
            }
            s.rx_seen = true;
            // SAFETY: ptr[..len] is ours to mutate for this call (unmasking in place).
            let buf = unsafe { core::slice::from_raw_parts_mut(ptr, len) };
            s.rx.next(buf, &mut pos)
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
                {
                    let s = wref!(w);
                    if s.state != State::Ws {
                        continue;
                    }
                    s.rx_first = message_first;
                    s.rx_final = frame_fin && remaining == 0;
                    s.rx_binary = binary;
                    s.rx_remaining = remaining;
                }
                let reason = if is_client(w) {
                    LWS_CALLBACK_CLIENT_RECEIVE
                } else {
                    LWS_CALLBACK_RECEIVE
                };
                // SAFETY: start+n <= len (the parser's contract).
                let p = unsafe { ptr.add(start) } as *mut c_void;
                if callback(w, reason as c_int, p, n) != 0 {
                    close(w, Why::User);
                    return;
                }
            }
            RxEvent::Ping => {
                if wref!(w).state == State::Ws {
                    let payload = wref!(w).rx.control_payload().to_vec();
                    send_frame(w, frame::OP_PONG, &payload);
                }
            }
            RxEvent::Pong => {
                let mut payload = wref!(w).rx.control_payload().to_vec();
                let reason = if is_client(w) {
                    LWS_CALLBACK_CLIENT_RECEIVE_PONG
                } else {
                    LWS_CALLBACK_RECEIVE_PONG
                };
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
                    s.fail_pending = Some((code, reason));
                    s.rx_flow_reasons |= RXFLOW_FAILING;
                    s.rx_stash = Vec::new();
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
    let payload = wref!(w).rx.control_payload().to_vec();
    if wref!(w).state == State::WsAwaitingCloseAck {
        wref!(w).peer_close = payload;
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
            if wref!(w).state != State::Ws {
                return;
            }
            // Echo the peer's close (its code and reason), then close once flushed.
            // lws_get_close_payload() is the close we send (so empty during the
            // WS_PEER_INITIATED_CLOSE callback, as in lws).
            send_frame(w, frame::OP_CLOSE, &payload);
            wref!(w).peer_close = payload;
            flush_then_close(w);
        }
    }
}

/// Sends a close frame with `code` and `reason` and closes once it is out.
pub(crate) fn close_with(w: *mut lws, code: u16, reason: &[u8]) {
    if wref!(w).state != State::Ws {
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
    send_raw(w, &buf[..n])
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
    let state = wref!(w).state;
    let opcode = match wp & 0x1f {
        TEXT => frame::OP_TEXT,
        BINARY => frame::OP_BINARY,
        CONT => frame::OP_CONT,
        PING => frame::OP_PING,
        PONG => frame::OP_PONG,
        HTTP | HTTP_FINAL | HTTP_HEADERS | HTTP_HEADERS_CONT => {
            if state == State::Dead {
                return -1;
            }
            // SAFETY: buf[..len] readable per the caller.
            let data = unsafe { core::slice::from_raw_parts(buf, len) };
            return if send_raw(w, data) { len as c_int } else { -1 };
        }
        _ => {
            if state == State::Ws {
                lwsl_err!("lws_write: unsupported write protocol {}", wp);
            } else {
                lwsl_info!("lws_write: connection is not an open websocket");
            }
            return -1;
        }
    };
    if state != State::Ws {
        lwsl_info!("lws_write: connection is not an open websocket");
        return -1;
    }
    if opcode >= frame::OP_CLOSE && len > 125 {
        lwsl_err!("lws_write: control frame payload {} > 125", len);
        return -1;
    }
    let fin = wp & LWS_WRITE_NO_FIN as c_int == 0;
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

pub(crate) fn writeable_cb(w: *mut lws) {
    let reason = if is_client(w) {
        LWS_CALLBACK_CLIENT_WRITEABLE
    } else {
        LWS_CALLBACK_SERVER_WRITEABLE
    };
    if callback(w, reason as c_int, null_mut(), 0) != 0 {
        close(w, Why::User);
        return;
    }
    let s = wref!(w);
    if s.state == State::Ws && !s.want_writeable {
        if let Some((code, why)) = s.fail_pending.take() {
            close_with(w, code, why.as_bytes());
        }
    }
}
