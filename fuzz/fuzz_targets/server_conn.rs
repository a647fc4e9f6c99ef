//! A whole server connection: arbitrary bytes from a TCP peer into a running context,
//! through the C API as a C program would set it up.
//!
//! One context for the whole run (created on the first input), listening on a port
//! derived from the process id, with an HTTP protocol (answers GETs, takes POST bodies,
//! chunked or not) and a WebSocket echo protocol.  Each input is one connection: the
//! bytes are sent, the sending side is shut, and the context is serviced until the
//! server closes the connection (or a bounded number of turns).  This reaches the
//! request parser, the header store, chunked bodies, the upgrade, the frame receiver
//! and the close handshake as the engine drives them; the sanitiser and the panic hook
//! report any memory error or panic (including one the FFI boundary would have caught).
#![no_main]

use core::ffi::{c_char, c_int, c_void};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use websockets::abi::*;
use websockets::capi::context::lws_create_context;
use websockets::capi::http::{
    lws_hdr_total_length, lws_http_transaction_completed, lws_return_http_status,
};
use websockets::capi::logs::lws_set_log_level;
use websockets::capi::service::lws_service;
use websockets::capi::write::{lws_frame_is_binary, lws_write};
use websockets::core::{lws, lws_context};

unsafe extern "C" fn cb_http(
    wsi: *mut lws,
    reason: lws_callback_reasons,
    _user: *mut c_void,
    _in: *mut c_void,
    _len: usize,
) -> c_int {
    // SAFETY: wsi is the connection the callback is for.
    unsafe {
        match reason {
            LWS_CALLBACK_HTTP => {
                if lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI as _) > 0 {
                    // Wait for the body.
                    return 0;
                }
                if lws_return_http_status(wsi, HTTP_STATUS_OK as _, c"hello".as_ptr()) != 0 {
                    return -1;
                }
                lws_http_transaction_completed(wsi)
            }
            LWS_CALLBACK_HTTP_BODY_COMPLETION => {
                if lws_return_http_status(wsi, HTTP_STATUS_OK as _, c"got it".as_ptr()) != 0 {
                    return -1;
                }
                lws_http_transaction_completed(wsi)
            }
            _ => 0,
        }
    }
}

unsafe extern "C" fn cb_echo(
    wsi: *mut lws,
    reason: lws_callback_reasons,
    _user: *mut c_void,
    input: *mut c_void,
    len: usize,
) -> c_int {
    if reason == LWS_CALLBACK_RECEIVE {
        let mut buf = vec![0u8; LWS_PRE as usize + len];
        if len > 0 {
            // SAFETY: the library passes `len` bytes at `input`.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    input.cast::<u8>(),
                    buf[LWS_PRE as usize..].as_mut_ptr(),
                    len,
                )
            };
        }
        // SAFETY: wsi is the connection; buf has LWS_PRE bytes of room before the data.
        unsafe {
            let wp = if lws_frame_is_binary(wsi) != 0 {
                LWS_WRITE_BINARY
            } else {
                LWS_WRITE_TEXT
            };
            if lws_write(wsi, buf.as_mut_ptr().add(LWS_PRE as usize), len, wp as _) < len as c_int {
                return -1;
            }
        }
    }
    0
}

/// SERVER_CONN_DEBUG=1 in the environment: print what the server answered.
fn debug() -> bool {
    static D: OnceLock<bool> = OnceLock::new();
    *D.get_or_init(|| std::env::var_os("SERVER_CONN_DEBUG").is_some())
}

struct Server {
    ctx: usize,
    port: u16,
}

fn server() -> &'static Server {
    static S: OnceLock<Server> = OnceLock::new();
    S.get_or_init(|| {
        // SAFETY: the info, the protocol array and its names live for the whole run
        // (leaked); the context is never destroyed.
        unsafe {
            lws_set_log_level(0, None);
            let protocols: &'static mut [lws_protocols; 3] =
                Box::leak(Box::new(core::mem::zeroed()));
            protocols[0].name = c"http".as_ptr();
            protocols[0].callback = Some(cb_http);
            protocols[1].name = c"echo".as_ptr();
            protocols[1].callback = Some(cb_echo);
            protocols[1].rx_buffer_size = 4096;
            let base = 20000 + (std::process::id() % 20000) as u16;
            for port in base..base + 50 {
                let mut info: lws_context_creation_info = core::mem::zeroed();
                info.port = c_int::from(port);
                info.protocols = protocols.as_ptr();
                info.iface = c"127.0.0.1".as_ptr() as *const c_char;
                let ctx = lws_create_context(&info);
                if !ctx.is_null() {
                    return Server {
                        ctx: ctx as usize,
                        port,
                    };
                }
            }
            panic!("no free port for the server");
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let s = server();
    let ctx = s.ctx as *mut lws_context;
    let Ok(mut c) = TcpStream::connect(("127.0.0.1", s.port)) else {
        return;
    };
    c.set_nonblocking(true).unwrap();
    let mut sent = 0;
    let mut buf = [0u8; 8192];
    let mut closed = false;
    for turn in 0..400 {
        if sent < data.len() {
            match c.write(&data[sent..]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => sent = data.len(),
            }
            if sent == data.len() {
                let _ = c.shutdown(Shutdown::Write);
            }
        }
        // A negative timeout: one turn without waiting (lws, and this library, ignore a
        // positive one and wait for the next timer).
        // SAFETY: the context is live for the whole run.
        unsafe { lws_service(ctx, -1) };
        if turn > 8 {
            std::thread::sleep(std::time::Duration::from_micros(100));
        }
        loop {
            match c.read(&mut buf) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Ok(n) => {
                    if debug() {
                        eprintln!("turn {turn}: {:?}", String::from_utf8_lossy(&buf[..n]));
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => {
                    closed = true;
                    break;
                }
            }
        }
        if closed {
            break;
        }
    }
    if debug() {
        eprintln!("closed by the server: {closed}");
    }
    drop(c);
    // Let the server see the end of a connection it kept open, and free it.
    for _ in 0..4 {
        // SAFETY: as above.
        unsafe { lws_service(ctx, -1) };
    }
});
