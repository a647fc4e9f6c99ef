//! The listening socket: accepts connections and adopts each one.
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
                if let Some(cfg) = vh!(vh).tls.server.clone() {
                    // The handshake runs in the loop like any input; a peer that stops
                    // in the middle meets the establish timeout accept sets.
                    match crate::tls::session::TlsSession::server(cfg) {
                        Ok(t) => {
                            sock.start_tls(t);
                        }
                        Err(e) => {
                            lwsl_err!("accept: {}", e);
                            continue;
                        }
                    }
                }
                crate::core::adopt::accept(ctx, vh, sock, peer)
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
