//! TLS with rustls: everything that does not touch a socket.
//!
//! - [`certs`]: certificates, keys (PEM or DER, encrypted PKCS#8) and trust stores, from
//!   files or memory, as lws's creation-info members name them.
//! - [`server`]: a vhost's `rustls::ServerConfig`, the SNI certificate resolver shared by
//!   the vhosts of one listener, certificate reload.
//! - [`client`]: a vhost's client side (trust, client certificate, session cache) and the
//!   per-connection `ClientConfig` for a set of `LCCSCF_*` flags, with a verifier that
//!   relaxes exactly the checks those flags name; verification errors as lws-like texts.
//! - [`session`]: the sans-IO connection the transport drives (ciphertext in and out,
//!   plaintext in and out).
//! - [`x509`]: certificate parsing and the `lws_tls_cert_info` queries.
//!
//! One crypto provider, *ring*: it builds with a C compiler alone (aws-lc-rs does too with
//! its current `cc` builder, but takes twice as long to build and is larger).

pub mod certs;
pub mod client;
pub mod server;
pub mod session;
pub mod vhost;
pub mod x509;

use std::sync::{Arc, OnceLock};

use rustls::crypto::CryptoProvider;

/// What went wrong while setting TLS up or during a handshake, as a text for the log or
/// for CLIENT_CONNECTION_ERROR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError(pub String);

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsError {}

impl TlsError {
    pub(crate) fn new(s: impl Into<String>) -> Self {
        TlsError(s.into())
    }
}

/// The process-wide crypto provider: one instance, so that configs built for different
/// vhosts share its tables.
pub fn provider() -> &'static Arc<CryptoProvider> {
    static P: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    // ring's provider is "deprecated" only for lacking post-quantum key exchange
    // (X25519MLKEM768, which aws-lc-rs has); the module doc says why ring all the same.
    #[allow(deprecated)]
    P.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
}

/// Logs, once per process and option name, that an OpenSSL-only setting has no meaning
/// with rustls; such settings are never fatal.
pub(crate) fn ignored_option(name: &str, value: &str) {
    use std::collections::HashSet;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if seen
        .get_or_insert_with(HashSet::new)
        .insert(name.to_owned())
    {
        lwsl_notice!(
            "tls: {} (\"{}\") is an OpenSSL setting rustls has no equivalent for: ignored",
            name,
            value
        );
    }
}

/// Splits lws's comma-separated ALPN list, in the caller's order.  Names rustls could not
/// put on the wire (empty, over 255 bytes) and repeats are dropped rather than failing
/// the handshake; every protocol lws lists (h2, http/1.1, a program's own) is spoken here.
pub fn alpn_list(comma: &str) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = Vec::new();
    for p in comma.split(',').map(str::trim) {
        if !p.is_empty() && p.len() < 256 && !v.iter().any(|x| x == p.as_bytes()) {
            v.push(p.as_bytes().to_vec());
        }
    }
    v
}

/// lws's ALPN list when neither the vhost nor the context names one.
pub const DEFAULT_ALPN: &str = "h2,http/1.1";

#[cfg(test)]
pub(crate) mod testpki;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpn_list_keeps_order_drops_unsendable() {
        assert_eq!(
            alpn_list(DEFAULT_ALPN),
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        assert_eq!(
            alpn_list(" x-proto , http/1.1,,h2,x-proto"),
            vec![b"x-proto".to_vec(), b"http/1.1".to_vec(), b"h2".to_vec()]
        );
        assert!(alpn_list(&"x".repeat(256)).is_empty());
        assert!(alpn_list(" , ").is_empty());
    }
}
