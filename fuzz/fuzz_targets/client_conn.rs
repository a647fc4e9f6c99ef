//! A whole client connection: the HTTP client's answer parser (status line, headers,
//! redirects, Content-Length and chunked bodies through lws_http_client_read) and the
//! WebSocket client's upgrade checks (Accept, protocol, permessage-deflate answer) and
//! frame receiver, fed arbitrary bytes by a server, through the C API as a C program
//! would use it.
//!
//! One context for the whole run (no listener; permessage-deflate in its extension
//! list) and one loopback listener in the harness.  Input: 1 control byte (bit 0: a ws
//! upgrade instead of an HTTP GET), then the server's answer.  The first 0xfe byte in
//! the answer is replaced with the right Sec-WebSocket-Accept for the request's key, so
//! the fuzzer can get past the upgrade into frames.  The answer is sent, the server's
//! side shut, and the context serviced until the client ends (or a bounded number of
//! turns).  The sanitiser and the panic hook report any memory error or panic.
#![no_main]

use core::ffi::{c_char, c_int, c_void};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use websockets::abi::*;
use websockets::capi::client::{lws_client_connect_via_info, lws_http_client_read};
use websockets::capi::context::lws_create_context;
use websockets::capi::ext::lws_extension_callback_pm_deflate;
use websockets::capi::logs::lws_set_log_level;
use websockets::capi::service::lws_service;
use websockets::core::{lws, lws_context};
use websockets::ws::handshake::accept_key;

static DONE: AtomicBool = AtomicBool::new(false);

unsafe extern "C" fn cb(
    wsi: *mut lws,
    reason: lws_callback_reasons,
    _user: *mut c_void,
    _in: *mut c_void,
    _len: usize,
) -> c_int {
    match reason {
        LWS_CALLBACK_RECEIVE_CLIENT_HTTP => {
            let mut buf = [0u8; 1024 + LWS_PRE as usize];
            let mut p = buf[LWS_PRE as usize..].as_mut_ptr() as *mut c_char;
            let mut n: c_int = 1024;
            // SAFETY: wsi is the connection in its RECEIVE_CLIENT_HTTP; p has n bytes.
            if unsafe { lws_http_client_read(wsi, &mut p, &mut n) } < 0 {
                return -1;
            }
        }
        LWS_CALLBACK_CLIENT_CONNECTION_ERROR
        | LWS_CALLBACK_CLOSED_CLIENT_HTTP
        | LWS_CALLBACK_COMPLETED_CLIENT_HTTP
        | LWS_CALLBACK_CLIENT_CLOSED => DONE.store(true, Ordering::SeqCst),
        _ => {}
    }
    0
}

struct Client {
    ctx: usize,
    listener: TcpListener,
    /// The extension list, kept reachable: the library copies it, the run keeps it.
    _exts: usize,
}

fn client() -> &'static Client {
    static C: OnceLock<Client> = OnceLock::new();
    C.get_or_init(|| {
        // SAFETY: the info, protocols and extensions live for the whole run (leaked);
        // the context is never destroyed.
        unsafe {
            lws_set_log_level(0, None);
            let protocols: &'static mut [lws_protocols; 2] =
                Box::leak(Box::new(core::mem::zeroed()));
            protocols[0].name = c"c".as_ptr();
            protocols[0].callback = Some(cb);
            protocols[0].rx_buffer_size = 4096;
            let exts: &'static mut [lws_extension; 2] = Box::leak(Box::new(core::mem::zeroed()));
            exts[0].name = c"permessage-deflate".as_ptr();
            exts[0].callback = Some(lws_extension_callback_pm_deflate);
            exts[0].client_offer =
                c"permessage-deflate; client_no_context_takeover; client_max_window_bits".as_ptr();
            let mut info: lws_context_creation_info = core::mem::zeroed();
            info.port = CONTEXT_PORT_NO_LISTEN;
            info.protocols = protocols.as_ptr();
            info.extensions = exts.as_ptr();
            info.timeout_secs = 2;
            let ctx = lws_create_context(&info);
            assert!(!ctx.is_null(), "context");
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.set_nonblocking(true).unwrap();
            Client {
                ctx: ctx as usize,
                listener,
                _exts: exts.as_ptr() as usize,
            }
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, answer)) = data.split_first() else {
        return;
    };
    let c = client();
    let ctx = c.ctx as *mut lws_context;
    let port = c.listener.local_addr().unwrap().port();
    DONE.store(false, Ordering::SeqCst);
    // SAFETY: a zeroed connect info is valid; the strings are static.
    let wsi = unsafe {
        let mut i: lws_client_connect_info = core::mem::zeroed();
        i.context = ctx;
        i.address = c"127.0.0.1".as_ptr();
        i.port = c_int::from(port);
        i.path = c"/".as_ptr();
        i.host = c"localhost".as_ptr();
        i.origin = c"localhost".as_ptr();
        if ctl & 1 != 0 {
            i.protocol = c"c".as_ptr();
        } else {
            i.method = c"GET".as_ptr();
            i.local_protocol_name = c"c".as_ptr();
        }
        lws_client_connect_via_info(&i)
    };
    if wsi.is_null() {
        return;
    }
    let mut peer = None;
    let mut req = Vec::new();
    let mut sent = false;
    let mut buf = [0u8; 8192];
    for turn in 0..400 {
        // SAFETY: the context is live for the whole run.
        unsafe { lws_service(ctx, -1) };
        if DONE.load(Ordering::SeqCst) {
            break;
        }
        if peer.is_none() {
            if let Ok((s, _)) = c.listener.accept() {
                s.set_nonblocking(true).unwrap();
                peer = Some(s);
            }
        }
        if let Some(s) = peer.as_mut() {
            loop {
                match s.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => break,
                }
            }
            if !sent && req.windows(4).any(|w| w == b"\r\n\r\n") {
                let text = String::from_utf8_lossy(&req).to_string();
                let key = text
                    .lines()
                    .find_map(|l| {
                        let (n, v) = l.split_once(':')?;
                        n.eq_ignore_ascii_case("sec-websocket-key").then(|| v.trim().to_string())
                    })
                    .unwrap_or_default();
                let mut out = Vec::with_capacity(answer.len() + 28);
                match answer.iter().position(|&b| b == 0xfe) {
                    Some(k) => {
                        out.extend_from_slice(&answer[..k]);
                        out.extend_from_slice(&accept_key(key.as_bytes()));
                        out.extend_from_slice(&answer[k + 1..]);
                    }
                    None => out.extend_from_slice(answer),
                }
                s.set_nonblocking(false).unwrap();
                let _ = s.write_all(&out);
                let _ = s.shutdown(Shutdown::Write);
                s.set_nonblocking(true).unwrap();
                sent = true;
            }
        }
        if turn > 8 {
            std::thread::sleep(std::time::Duration::from_micros(100));
        }
    }
    drop(peer);
    for _ in 0..4 {
        // SAFETY: as above.
        unsafe { lws_service(ctx, -1) };
    }
});
