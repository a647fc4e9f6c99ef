//! The client side of the WebSocket upgrade: the request we send and the checks on the
//! server's answer, up to CLIENT_ESTABLISHED.
use crate::abi::*;
use crate::core::close::Why;
use crate::core::connect::fail;
use crate::core::*;
use crate::roles::ws::{rx_config, Ws, WsPhase};
use crate::roles::Role;
use crate::ws::handshake;
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null_mut;
use std::io::Write;

pub(crate) fn send_request(w: *mut lws) {
    let timeout_secs = {
        let s = wref!(w);
        s.life = Life::Open;
        s.writable = true;
        cx!(s.ctx).timeout_secs
    };
    if crate::core::wsi::callback(w, LWS_CALLBACK_WSI_CREATE as c_int, null_mut(), 0) != 0 {
        fail(w, "HS: disallowed by client filter");
        return;
    }
    let pmd_offer = crate::roles::ws::pmd::client_offer(w);
    let mut req: Vec<u8> = Vec::with_capacity(4096);
    {
        let s = wref!(w);
        let Some(c) = s.client.as_ref() else { return };
        let _ = write!(
            req,
            "GET {} HTTP/1.1\r\nPragma: no-cache\r\nCache-Control: no-cache\r\nHost: {}\r\n",
            c.path, c.host
        );
        if let Some(o) = &c.origin {
            let _ = write!(req, "Origin: http://{o}\r\n");
        }
        req.extend_from_slice(b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
        req.extend_from_slice(&c.key);
        req.extend_from_slice(b"\r\n");
        if let Some(p) = &c.protocols {
            let _ = write!(req, "Sec-WebSocket-Protocol: {p}\r\n");
        }
        if let Some(o) = &pmd_offer {
            let _ = write!(req, "Sec-WebSocket-Extensions: {o}\r\n");
        }
        req.extend_from_slice(b"Sec-WebSocket-Version: 13\r\n");
    }
    if let Some(c) = wref!(w).client.as_mut() {
        c.pmd_offer = pmd_offer;
    }
    // APPEND_HANDSHAKE_HEADER: `in` is a char ** the user advances, `len` the room.
    let start = req.len();
    let room = 2048usize;
    req.resize(start + room, 0);
    let base = req.as_mut_ptr();
    // SAFETY: start < req.len(); the pointer stays inside req, which is not touched
    // until the callback returns.
    let mut p = unsafe { base.add(start) } as *mut c_char;
    let pp: *mut *mut c_char = &mut p;
    if crate::core::wsi::callback(
        w,
        LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER as c_int,
        pp as *mut c_void,
        room - 1,
    ) != 0
    {
        fail(w, "HS: disallowed by client filter");
        return;
    }
    let used = (p as usize)
        .saturating_sub(base as usize)
        .clamp(start, start + room - 1);
    req.truncate(used);
    req.extend_from_slice(b"\r\n");
    crate::core::wsi::set_timeout(
        w,
        PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE as c_int,
        timeout_secs as i64 * 1_000_000,
    );
    crate::core::output::send_raw(w, &req);
    if !crate::core::output::buffered(w) {
        crate::core::output::write_interest(w, false);
    }
}

/// Bytes of the server's answer to our upgrade request.
pub(crate) fn handshake_input(w: *mut lws, ptr: *mut u8, len: usize) {
    let max = {
        let s = wref!(w);
        // SAFETY: ptr[..len] is readable (see crate::roles::input).
        s.hdr
            .extend_from_slice(unsafe { core::slice::from_raw_parts(ptr, len) });
        cx!(s.ctx).max_http_header_data.max(4096)
    };
    // Parse with a short borrow of the wsi; act (callbacks included) after it ends.
    let parsed = {
        let s = wref!(w);
        let mut headers = [httparse::EMPTY_HEADER; crate::http::request::MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&s.hdr) {
            Ok(httparse::Status::Partial) if s.hdr.len() > max => {
                Err(Some("HS: headers too large"))
            }
            Ok(httparse::Status::Partial) => Err(None),
            Err(_) => Err(Some("HS: malformed response")),
            Ok(httparse::Status::Complete(n)) => {
                let find = |name: &str| {
                    resp.headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
                };
                // Several Sec-WebSocket-Extensions lines make one list.
                let ext: Vec<String> = resp
                    .headers
                    .iter()
                    .filter(|h| h.name.eq_ignore_ascii_case("sec-websocket-extensions"))
                    .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
                    .collect();
                let ext = (!ext.is_empty()).then(|| ext.join(","));
                Ok((
                    resp.code.unwrap_or(0),
                    n,
                    find("upgrade"),
                    find("sec-websocket-accept"),
                    find("sec-websocket-protocol"),
                    ext,
                ))
            }
        }
    };
    let (code, consumed, upgrade, accept, protocol, extensions) = match parsed {
        Ok(p) => p,
        Err(None) => return,
        Err(Some(why)) => return fail(w, why),
    };
    crate::core::wsi::set_timeout(w, 0, 0);
    if let Some(c) = wref!(w).client.as_mut() {
        c.ws_status = u32::from(code);
    }
    if crate::core::wsi::callback(
        w,
        LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP as c_int,
        null_mut(),
        0,
    ) != 0
    {
        fail(w, "HS: disallowed at ESTABLISHED");
        return;
    }
    if wref!(w).state() != State::ClientHandshake {
        return;
    }
    let (key, asked) = match wref!(w).client.as_ref() {
        Some(c) => (c.key, c.protocols.clone()),
        None => return,
    };
    let problem = if code == 401 {
        Some("HS: ws upgrade unauthorized")
    } else if code != 101 {
        Some("HS: ws upgrade response not 101")
    } else if accept.is_none() {
        Some("HS: ACCEPT missing")
    } else if upgrade.is_none() {
        Some("HS: UPGRADE missing")
    } else if !upgrade
        .as_deref()
        .unwrap_or("")
        .eq_ignore_ascii_case("websocket")
    {
        Some("HS: Upgrade to something other than websocket")
    } else if let (Some(p), Some(list)) = (&protocol, &asked) {
        if handshake::protocol_list(list.as_bytes()).any(|n| n == p.as_bytes()) {
            None
        } else {
            Some("HS: PROTOCOL malformed")
        }
    } else if protocol.is_some() && asked.is_none() {
        Some("HS: PROTOCOL malformed")
    } else if accept.as_deref().map(str::as_bytes) != Some(&handshake::accept_key(&key)[..]) {
        Some("HS: Accept hash wrong")
    } else {
        None
    };
    if let Some(p) = problem {
        fail(w, p);
        return;
    }
    let pmd = match crate::roles::ws::pmd::client_accept(w, extensions.as_deref()) {
        Ok(p) => p,
        Err(why) => {
            fail(w, why);
            return;
        }
    };
    // As lws, a client keeps the protocol it was bound to when it was created.
    if crate::core::wsi::callback(
        w,
        LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH as c_int,
        null_mut(),
        0,
    ) != 0
    {
        fail(w, "HS: Rejected by filter cb");
        return;
    }
    let mut rest = {
        let s = wref!(w);
        // The ws role is taken here, its state allocated (server frames come unmasked).
        s.role = Role::Ws(WsPhase::Open, Ws::new(rx_config(w, false)));
        let rest = s.hdr.split_off(consumed.min(s.hdr.len()));
        s.hdr = Vec::new();
        if let Some(c) = s.client.as_mut() {
            c.addrs = Vec::new();
            c.ws_status = 0;
        }
        rest
    };
    if let Some(p) = pmd {
        crate::roles::ws::pmd::install(w, p);
    }
    crate::core::wsi::validity_start(w);
    if crate::core::wsi::callback(w, LWS_CALLBACK_CLIENT_ESTABLISHED as c_int, null_mut(), 0) != 0 {
        crate::core::close::close(w, Why::User);
        return;
    }
    if !wref!(w).ws_open() {
        return;
    }
    // A WRITEABLE asked for before we got here is due now.
    if wref!(w).want_writeable {
        crate::core::wsi::request_writeable(w);
    }
    if !rest.is_empty() {
        let n = rest.len();
        crate::roles::input(w, rest.as_mut_ptr(), n);
    }
}
