//! The listening socket: accepts connections and adopts each one.
use crate::core::*;

pub(crate) fn accept_all(ctx: *mut lws_context, vh: *mut lws_vhost) {
    loop {
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
