//! The TLS callbacks lws programs handle (lws's lib/tls calls them from OpenSSL's hooks),
//! placed where they mean something with rustls:
//!
//! - `OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS` / `_CLIENT_VERIFY_CERTS` when a vhost's
//!   server / client TLS side is set up, to protocols[0], as lws.  `user` is lws's
//!   `SSL_CTX *`: there is none, so it is NULL; the program adds trust with
//!   `lws_tls_client_vhost_extra_cert_mem` instead.  A nonzero answer to the server one
//!   fails the vhost, as in lws.
//! - `OPENSSL_PERFORM_SERVER_CERT_VERIFICATION` (client) and
//!   `_CLIENT_CERT_VERIFICATION` (server with REQUIRE_VALID_OPENSSL_CLIENT_CERT, when the
//!   peer sent a certificate) once rustls has verified the peer: `len` is lws's
//!   `preverify_ok` (1), `user` and `in` (OpenSSL's `X509_STORE_CTX *` and `SSL *`) are
//!   NULL, `lws_tls_peer_cert_info` on the wsi reads the peer's certificate.  Nonzero
//!   refuses the peer: the client gets CLIENT_CONNECTION_ERROR, the server closes.  lws
//!   calls it inside OpenSSL's check, once per certificate of the chain; we call it once,
//!   after the handshake and outside rustls (a callback may call any API), and hold back
//!   what the connection writes until it has answered, so nothing reaches a peer the
//!   program refuses.  A certificate rustls refused gets the client's call with `len` 0
//!   before CLIENT_CONNECTION_ERROR; it cannot be overruled (lws wants
//!   `X509_STORE_CTX_set_error` on OpenSSL's object for that, which does not exist here).
//! - `SSL_INFO` for the events of the vhost's `ssl_info_event_mask` that exist without
//!   OpenSSL: `SSL_CB_HANDSHAKE_START` (accept, or the client's connect) and
//!   `SSL_CB_HANDSHAKE_DONE` (after the certificate checks above), `in` a
//!   `struct lws_ssl_info` with `ret` 1, to the connection's protocol with its session
//!   data, as lws; nonzero closes the connection.  OpenSSL's state-machine events
//!   (loops, reads, writes, alerts) have no counterpart and are never reported.
use crate::abi::*;
use crate::core::*;
use core::ffi::{c_int, c_void};
use core::ptr::null_mut;

/// Calls protocols[0] of `vh` on a scratch wsi with lws's arguments.
fn vhost_p0(ctx: *mut lws_context, vh: *mut lws_vhost, reason: c_int, inp: *mut c_void) -> c_int {
    crate::core::wsi::with_fake_wsi(ctx, vh, 0, |w| {
        crate::core::wsi::callback_p0(w, reason, null_mut(), inp, 0)
    })
}

/// After a vhost's TLS sides are made: LOAD_EXTRA_SERVER_VERIFY_CERTS for a TLS server
/// vhost (false: it refused, the vhost fails), LOAD_EXTRA_CLIENT_VERIFY_CERTS when the
/// creation info enables TLS (DO_SSL_GLOBAL_INIT) and the vhost may make clients.
pub(crate) fn vhost_loaded(ctx: *mut lws_context, vh: *mut lws_vhost) -> bool {
    let o = vh!(vh).options;
    if vh!(vh).tls.is_server()
        && vhost_p0(
            ctx,
            vh,
            LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS as c_int,
            vh as *mut c_void,
        ) != 0
    {
        lwsl_err!(
            "vhost {}: LOAD_EXTRA_SERVER_VERIFY_CERTS refused",
            vh!(vh).name.to_string_lossy()
        );
        return false;
    }
    if o & LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT != 0
        && o & LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG == 0
    {
        client_loaded(ctx, vh);
    }
    true
}

/// LOAD_EXTRA_CLIENT_VERIFY_CERTS (its answer is not looked at, as in lws).
pub(crate) fn client_loaded(ctx: *mut lws_context, vh: *mut lws_vhost) {
    vhost_p0(
        ctx,
        vh,
        LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS as c_int,
        null_mut(),
    );
}

/// The handshake is done and the program's check is owed (the transport stopped with
/// `transport::tls::VERIFY`).  True: accepted, held output released, reading goes on.
/// False: refused (a client has had CLIENT_CONNECTION_ERROR) or closed meanwhile; the
/// caller closes it.
#[cold]
pub(crate) fn peer_check(w: *mut lws) -> bool {
    let client = crate::core::wsi::is_client(w);
    let has_cert = wref!(w)
        .transport
        .tls()
        .and_then(|t| t.peer_certificates())
        .is_some_and(|c| !c.is_empty());
    let r = if client {
        verify_cb(w, 1)
    } else if has_cert {
        crate::core::wsi::callback_p0(
            w,
            LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION as c_int,
            null_mut(),
            null_mut(),
            1,
        )
    } else {
        0
    };
    if wref!(w).life == Life::Dead {
        return false;
    }
    if r != 0 {
        if client {
            crate::core::connect::connection_error(
                w,
                "server's cert didn't look good, tls=rejected: refused by the program's certificate check",
            );
        } else {
            lwsl_info!("tls: client certificate refused by the program's check");
        }
        return false;
    }
    ssl_info(w, SSL_CB_HANDSHAKE_DONE);
    if wref!(w).life == Life::Dead {
        return false;
    }
    let ok = match &mut wref!(w).transport {
        crate::transport::Transport::Tls(t) => {
            !matches!(t.verified(), Err(e) if e != std::io::ErrorKind::WouldBlock)
        }
        _ => true,
    };
    if !ok {
        return false;
    }
    // What was held may be out now, and a WRITEABLE held back behind it is due.
    crate::core::service::on_writable(w);
    wref!(w).life != Life::Dead
}

/// OpenSSL's SSL_CB_HANDSHAKE_START and SSL_CB_HANDSHAKE_DONE.
const SSL_CB_HANDSHAKE_START: c_int = 0x10;
const SSL_CB_HANDSHAKE_DONE: c_int = 0x20;

/// lws's `struct lws_ssl_info` (what SSL_INFO's `in` points at).
#[repr(C)]
struct SslInfo {
    where_: c_int,
    ret: c_int,
}

/// The vhost's SSL_INFO mask asks for the end of handshakes.
pub(crate) fn wants_done(vh: *mut lws_vhost) -> bool {
    vh!(vh).tls.info_mask & SSL_CB_HANDSHAKE_DONE != 0
}

/// SSL_INFO with `where_` if the vhost's mask asks for it; a nonzero answer closes.
fn ssl_info(w: *mut lws, where_: c_int) {
    let vh = wref!(w).vhost;
    if vh!(vh).tls.info_mask & where_ == 0 || wref!(w).life == Life::Dead {
        return;
    }
    let mut si = SslInfo { where_, ret: 1 };
    if crate::core::wsi::callback(
        w,
        LWS_CALLBACK_SSL_INFO as c_int,
        &mut si as *mut SslInfo as *mut c_void,
        0,
    ) != 0
    {
        crate::core::close::close(w, crate::core::close::Why::User);
    }
}

/// A TLS handshake starts on `w` (accepted, or a client connected).
pub(crate) fn handshake_start(w: *mut lws) {
    ssl_info(w, SSL_CB_HANDSHAKE_START);
}

/// The client's PERFORM_SERVER_CERT_VERIFICATION: to the connection's protocol, as lws.
fn verify_cb(w: *mut lws, preverify_ok: usize) -> c_int {
    let proto = wref!(w).protocol;
    // SAFETY: protocol is NULL or an entry of the vhost's live protocol array; no
    // borrow of our state is alive across the call.
    unsafe {
        call_protocol(
            proto,
            w,
            LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION as c_int,
            null_mut(),
            null_mut(),
            preverify_ok,
        )
    }
}

/// rustls refused the server's certificate: the program is told (`len` 0), and cannot
/// overrule it.
#[cold]
pub(crate) fn cert_refused(w: *mut lws) {
    if crate::core::wsi::is_client(w) {
        verify_cb(w, 0);
    }
}
