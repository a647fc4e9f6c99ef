//! The server side of the WebSocket upgrade: the request's checks, subprotocol choice,
//! FILTER_PROTOCOL_CONNECTION, the 101 answer and ESTABLISHED.
use crate::abi::*;
use crate::core::close::close;
use crate::core::close::finish_close;
use crate::core::close::flush_then_close;
use crate::core::close::Why;
use crate::core::output::send_raw;
use crate::core::wsi::add_headers_cb;
use crate::core::wsi::callback;
use crate::core::*;
use crate::roles::h1::http_fail;
use crate::roles::ws::{rx_config, Ws, WsPhase};
use crate::roles::Role;
use crate::ws::frame::{self};
use crate::ws::handshake;
use core::ffi::{c_int, c_void};
use core::ptr::null_mut;

/// The request head asks for a WebSocket.  Returns true when the connection lives on
/// (normally as a WebSocket).
pub(crate) fn upgrade(w: *mut lws) -> bool {
    // The subprotocol list is copied out of the header table (callbacks below may act on
    // the connection), NUL-terminated for FILTER_PROTOCOL_CONNECTION: on the stack when
    // it is short, as it nearly always is.
    let mut proto_small = [0u8; 128];
    let mut proto_big = Vec::new();
    let checked = {
        let s = wref!(w);
        let req = s.req.as_ref().expect("request set by caller");
        match handshake::check_upgrade(req, &s.hdr) {
            Ok(u) => {
                let p = u.protocols;
                let buf: &[u8] = if p.len() < proto_small.len() {
                    proto_small[..p.len()].copy_from_slice(p);
                    &proto_small[..=p.len()]
                } else {
                    proto_big.reserve_exact(p.len() + 1);
                    proto_big.extend_from_slice(p);
                    proto_big.push(0);
                    &proto_big[..]
                };
                // The answer's key is a pure function of the request's: worked out now,
                // while the key is at hand.
                Ok((s.vhost, buf, handshake::accept_key(u.key)))
            }
            Err(e) => Err(e),
        }
    };
    let (vh, proto_c, accept) = match checked {
        Ok(v) => v,
        Err(e) => {
            lwsl_info!("bad ws upgrade: {}", e);
            http_fail(w, 400, "Bad Request");
            return false;
        }
    };
    let protocols_hdr = &proto_c[..proto_c.len() - 1];

    // lws asks the current protocol (protocols[0]) whether it may upgrade at all: <0
    // hangs up, >0 means it answered itself (the transaction is over).
    let mut what = *b"websocket\0";
    let n = callback(
        w,
        LWS_CALLBACK_HTTP_CONFIRM_UPGRADE as c_int,
        what.as_mut_ptr() as *mut c_void,
        0,
    );
    // The handler may have closed the connection itself (lws_set_timeout with
    // LWS_TO_KILL_SYNC): it is over, whatever it returned (lws going on with it here was
    // CVE-2025-11677's use-after-free).
    if n < 0 || wref!(w).life == Life::Dead {
        finish_close(w);
        return false;
    }
    if n > 0 {
        wref!(w).set_h1(crate::roles::H1::Txn);
        crate::roles::http::server::ht(w).in_txn = true;
        if crate::roles::http::server::transaction_completed(w) != 0 {
            flush_then_close(w);
            return false;
        }
        return true;
    }
    if vh!(vh).options & LWS_SERVER_OPTION_VHOST_UPG_STRICT_HOST_CHECK != 0
        && !confirm_host_header(w)
    {
        finish_close(w);
        return false;
    }

    // The first requested subprotocol we have; the vhost's first when none is asked.
    let idx = if protocols_hdr.is_empty() {
        if vhost_protocols(vh).is_empty() {
            None
        } else {
            Some(0)
        }
    } else {
        handshake::protocol_list(protocols_hdr).find_map(|name| protocol_by_name(vh, name))
    };
    let Some(idx) = idx else {
        // As lws: no answer, the connection is just closed.
        lwsl_notice!(
            "No supported protocol \"{}\"",
            String::from_utf8_lossy(protocols_hdr)
        );
        finish_close(w);
        return false;
    };
    if !crate::roles::http::server::bind(w, idx) {
        close(w, Why::User);
        return false;
    }
    // The list as a C string; none when absent (or not representable as one).
    let in_ptr = if protocols_hdr.is_empty() || protocols_hdr.contains(&0) {
        null_mut()
    } else {
        proto_c.as_ptr() as *mut c_void
    };
    // lws has already given the connection the ws role here, so a refusal closes it
    // without an answer and it gets CLOSED.
    wref!(w).role = Role::Ws(WsPhase::Upgrading, Ws::new(rx_config(w, true)));
    if callback(
        w,
        LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION as c_int,
        in_ptr,
        0,
    ) != 0
    {
        lwsl_warn!("User code denied connection");
        finish_close(w);
        return false;
    }

    // Extensions are settled before ADD_HEADERS, as in lws.
    let ext_answer = crate::roles::ws::pmd::server_negotiate(w);

    // ADD_HEADERS lets the user append header lines to the 101 (on the stack: zeroing
    // 1 KiB there costs a few dozen stores, a heap buffer a malloc/calloc and a free).
    let mut extra = [0u8; 1024];
    let Some(used) = add_headers_cb(w, &mut extra) else {
        close(w, Why::User);
        return false;
    };
    let with_ext;
    let extra = match &ext_answer {
        None => &extra[..used],
        Some(a) => {
            let mut v = Vec::with_capacity(used + a.len() + 32);
            v.extend_from_slice(b"Sec-WebSocket-Extensions: ");
            v.extend_from_slice(a.as_bytes());
            v.extend_from_slice(b"\r\n");
            v.extend_from_slice(&extra[..used]);
            with_ext = v;
            &with_ext[..]
        }
    };

    let chosen = if protocols_hdr.is_empty() {
        None
    } else {
        // SAFETY: protocol names are NUL-terminated C strings, owned by the vhost's
        // protocol table, which outlives this call (no user code runs before the send).
        unsafe { crate::misc::cstr(vhost_protocols(vh)[idx].name) }
    };
    let mut resp = Vec::with_capacity(160 + chosen.map_or(0, |c| c.len()) + extra.len());
    handshake::write_101(&mut resp, &accept, chosen, extra);
    {
        let cfg = rx_config(w, true);
        let s = wref!(w);
        match &mut s.role {
            Role::Ws(phase, ws) => {
                *phase = WsPhase::Open;
                ws.rx = frame::Rx::new(cfg);
                if ws.pmd.is_some() {
                    ws.rx.allow_rsv1();
                }
            }
            // The role was dropped by a callback on the way (a transaction completed):
            // taken again.
            Role::H1(_) | Role::Raw(_) | Role::H2(_) | Role::H2Client(_) => {
                s.role = Role::Ws(WsPhase::Open, Ws::new(cfg))
            }
        }
        let c = cx!(s.ctx);
        c.timers.cancel(timer::TimerKey::Timeout(s.slot, s.gen));
        s.timeout_reason = 0;
    }
    if wref!(w).mux.is_some() {
        // WebSockets over h2 (RFC 8441): a 200 on the stream, no 101.
        if !crate::roles::h2::ws_accepted(w, chosen, extra) {
            close(w, Why::Gone);
            return false;
        }
    } else {
        send_raw(w, &resp);
    }
    // A WebSocket needs no header table any more.
    crate::roles::http::server::ah_release(w);
    if !wref!(w).ws_open() {
        return false;
    }
    if callback(w, LWS_CALLBACK_ESTABLISHED as c_int, null_mut(), 0) != 0 {
        close(w, Why::User);
        return false;
    }
    wref!(w).ws_open()
}

/// lws_confirm_host_header: the Host header names this vhost (and its port).
fn confirm_host_header(w: *mut lws) -> bool {
    let host = crate::roles::http::headers::joined(w, WSI_TOKEN_HOST as c_int);
    if host.is_empty() {
        lwsl_info!("missing host on upgrade");
        return false;
    }
    let (name, port) = {
        let v = vh!(wsi_vhost(w));
        (v.name.as_bytes().to_vec(), v.listen_port)
    };
    let (h, p) = match host.iter().rposition(|&b| b == b':') {
        Some(i) => (
            &host[..i],
            core::str::from_utf8(&host[i + 1..])
                .ok()
                .and_then(|x| x.parse::<c_int>().ok()),
        ),
        None => (&host[..], Some(80)),
    };
    if h != &name[..] {
        lwsl_info!(
            "'{}' in host hdr but vhost name {}",
            String::from_utf8_lossy(h),
            String::from_utf8_lossy(&name)
        );
        return false;
    }
    if p != Some(port) {
        lwsl_info!("host port mismatches vhost port {}", port);
        return false;
    }
    true
}
