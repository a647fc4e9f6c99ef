//! Sending an HTTP client somewhere else on the same wsi: `lws_client_reset` (which a
//! program calls, and which takes effect when the connection is next closed, as lws's
//! "close is redirect"), and the TLS side of a redirect (an `https://` Location turns TLS
//! on with the vhost's client config for the connection's flags, a plain one turns it
//! off, and the name sent as SNI and verified follows the new host).
use crate::abi::*;
use crate::core::*;
use crate::roles::http::client::hc;

/// Where `lws_client_reset` sends the connection once it closes.
pub(crate) struct Reset {
    pub ssl: bool,
    pub address: String,
    pub port: u16,
    pub path: String,
    pub host: String,
}

/// TLS on (with the name `host`) or off for the next connect of `w`.  Err: the vhost's
/// client side cannot make a config (logged by the caller).
pub(crate) fn retarget_tls(w: *mut lws, ssl: bool, host: &str) -> Result<(), String> {
    let flags = hc(w).map_or(0, |h| h.flags) | LCCSCF_USE_SSL as u32;
    let tls = if ssl {
        let vh = wref!(w).vhost;
        let cfg = vh!(vh)
            .tls
            .client()
            .and_then(|c| c.config(flags, Some("http/1.1")))
            .map_err(|e| e.0)?;
        Some((cfg, crate::core::connect::sni_name(host)))
    } else {
        None
    };
    if let Some(h) = hc(w) {
        if ssl {
            h.flags |= LCCSCF_USE_SSL as u32;
        } else {
            h.flags &= !(LCCSCF_USE_SSL as u32);
        }
    }
    if let Some(c) = wref!(w).client.as_mut() {
        c.tls = tls;
    }
    Ok(())
}

/// lws_client_reset(): records where to go; NULL (false) past lws's four redirects or
/// on a connection that is not an HTTP client.
pub(crate) fn reset(w: *mut lws, r: Reset) -> bool {
    let Some(h) = hc(w) else {
        lwsl_err!("lws_client_reset: not an HTTP client connection");
        return false;
    };
    if h.redirects >= crate::roles::http::client::MAX_REDIRECTS {
        lwsl_err!("lws_client_reset: too many redirects");
        return false;
    }
    h.redirects += 1;
    lwsl_notice!(
        "lws_client_reset: {}:{}, path='{}', ssl = {}",
        r.address,
        r.port,
        r.path,
        r.ssl as i32
    );
    h.reset_to = Some(Box::new(r));
    true
}

/// A reset is waiting for this connection's close.
#[inline]
pub(crate) fn pending(w: *mut lws) -> bool {
    wref!(w)
        .client
        .as_ref()
        .and_then(|c| c.http.as_ref())
        .is_some_and(|h| h.reset_to.is_some())
}

/// The close of a reset connection: instead of ending, it connects to the new place
/// and sends its request again (no CLOSED callback, as lws).  Always true: the close
/// was taken care of (a failed reconnect ends in CLIENT_CONNECTION_ERROR).
pub(crate) fn pick_up(w: *mut lws) -> bool {
    let Some(r) = hc(w).and_then(|h| h.reset_to.take()) else {
        return false;
    };
    if let Some(h) = hc(w) {
        h.start_over();
    }
    if let Err(e) = retarget_tls(w, r.ssl, &r.host) {
        lwsl_err!("lws_client_reset: {}", e);
        crate::core::connect::fail(w, "HS: Redirect failed");
        return true;
    }
    if !crate::core::connect::restart(w, &r.address, r.port, r.path) {
        crate::core::connect::fail(w, "HS: Redirect failed");
        return true;
    }
    if let Some(c) = wref!(w).client.as_mut() {
        c.host = r.host;
    }
    true
}
