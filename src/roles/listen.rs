//! The listening socket: accepts connections and adopts each one.
use crate::abi::*;
use crate::core::*;

pub(crate) fn accept_all(ctx: *mut lws_context, vh: *mut lws_vhost) {
    loop {
        // fd_limit_per_thread reached: as lws, stop accepting and leave the rest in the
        // kernel's queue; the service loop comes back when a connection has gone.
        if cx!(ctx).slots_used >= cx!(ctx).max_fds {
            cx!(ctx).accept_paused = true;
            return;
        }
        let r = match vh!(vh).listener.as_ref() {
            Some(l) => l.accept(),
            None => return,
        };
        match r {
            Ok((mut sock, peer)) => {
                let Ok(tls) = server_tls(vh, &mut sock) else {
                    continue;
                };
                let w = crate::core::adopt::accept(ctx, vh, sock, peer);
                if tls && !w.is_null() {
                    // OpenSSL's accept starts the handshake here too.
                    crate::core::tlscb::handshake_start(w);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                lwsl_warn!("accept failed: {}", e);
                return;
            }
        }
    }
}

/// A socket accepted or adopted (LWS_ADOPT_ALLOW_SSL) on `vh` starts TLS when the vhost
/// has a server certificate, so a TLS vhost never serves it plain text unless
/// ALLOW_NON_SSL_ON_SSL_PORT asks.  Ok(true): TLS started; Ok(false): the vhost has no TLS;
/// Err: the session could not be made (logged; the caller drops the socket).
pub(crate) fn server_tls(
    vh: *mut lws_vhost,
    sock: &mut crate::transport::Transport,
) -> Result<bool, ()> {
    let Some(cfg) = vh!(vh).tls.server.clone() else {
        if vh!(vh).tls.is_server() {
            // A certificate without a server config would mean plain text on a TLS vhost.
            lwsl_err!("accept: TLS vhost without a server config: connection dropped");
            return Err(());
        }
        return Ok(false);
    };
    // The handshake runs in the loop like any input; a peer that stops in the middle
    // meets the establish timeout adoption sets.
    match crate::tls::session::TlsSession::server(cfg) {
        Ok(t) => {
            if !sock.start_tls(t) {
                lwsl_err!("accept: TLS cannot run on this descriptor");
                return Err(());
            }
            if allows_plain(vh) {
                sock.sniff_plain();
            }
            if opt(vh, LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT)
                || crate::core::tlscb::wants_done(vh)
            {
                sock.owe_verify();
            }
            Ok(true)
        }
        Err(e) => {
            lwsl_err!("accept: {}", e);
            Err(())
        }
    }
}

/// Accepting was paused at fd_limit_per_thread and there is room again: the listeners'
/// readiness edge has passed, so accept what waits on each now.
#[cold]
pub(crate) fn resume_accepting(ctx: *mut lws_context) {
    cx!(ctx).accept_paused = false;
    let vhosts = cx!(ctx).vhosts.clone();
    for vh in vhosts {
        if vh!(vh).listener.is_some() {
            accept_all(ctx, vh);
        }
    }
}

/// lws_check_opt's test: every bit of the option's mask is set (several options share
/// DO_SSL_GLOBAL_INIT's bit).
fn opt(vh: *mut lws_vhost, o: u64) -> bool {
    vh!(vh).options & o == o
}

/// The TLS listener takes plain text too (LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT).
fn allows_plain(vh: *mut lws_vhost) -> bool {
    opt(vh, LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT)
}

/// A peer on a TLS listener with ALLOW_NON_SSL_ON_SSL_PORT spoke plain text first.  As
/// lws decides it from the listener's vhost: REDIRECT_HTTP_TO_HTTPS serves it plain HTTP
/// whose every answer is a 301 to the same URL over https; ALLOW_HTTP_ON_HTTPS_LISTENER
/// serves it plain HTTP; without either, FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG hands it
/// to the listen accept role and protocol (raw) whatever it says, and otherwise it is
/// closed (false).  On true the transport is a plain socket with the peer's bytes still
/// unread.
#[cold]
pub(crate) fn plain_on_tls(w: *mut lws) -> bool {
    let vh = wref!(w).vhost;
    let redirect = opt(vh, LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS);
    if !redirect
        && !opt(vh, LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER)
        && opt(vh, LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG)
    {
        // As lws: neither redirected nor served as HTTP, plain text goes to the vhost's
        // listen_accept_role/protocol at once (HTTP or not); its bytes follow as RAW_RX.
        lwsl_info!("plain text on the tls port: falling back to the listen accept config");
        wref!(w).transport.drop_tls();
        crate::roles::raw::http_fallback(w, &mut []);
        return wref!(w).life == Life::Open;
    }
    if !redirect && !opt(vh, LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER) {
        lwsl_notice!(
            "client did not send a valid tls hello (vhost {})",
            vh!(vh).name.to_string_lossy()
        );
        return false;
    }
    lwsl_info!(
        "{}",
        if redirect {
            "plain http on the tls port: redirecting to https"
        } else {
            "plain http on the tls port: served unencrypted"
        }
    );
    let s = wref!(w);
    s.transport.drop_tls();
    s.redirect_https = redirect;
    true
}
