//! A vhost's client side (trust, client certificate, session cache) and, per set of
//! `LCCSCF_*` flags and ALPN list, the ClientConfig a connection uses.  The verifier
//! relaxes exactly the checks the flags name, and nothing when none is set.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{
    verify_server_cert_signed_by_trust_anchor, verify_server_name, ClientSessionMemoryCache,
    ResolvesClientCert, Resumption,
};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::sign::CertifiedKey;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme,
};

use super::certs::{certified_key, parse_certs, parse_key, parse_roots, system_roots, Source};
use super::server::src;
use super::x509::Cert;
use super::{alpn_list, ignored_option, provider, TlsError};

// LCCSCF_* (lws-client.h).
pub const USE_SSL: u32 = 1 << 0;
pub const ALLOW_SELFSIGNED: u32 = 1 << 1;
pub const SKIP_SERVER_CERT_HOSTNAME_CHECK: u32 = 1 << 2;
pub const ALLOW_EXPIRED: u32 = 1 << 3;
pub const ALLOW_INSECURE: u32 = 1 << 4;
const RELAXING: u32 =
    ALLOW_SELFSIGNED | SKIP_SERVER_CERT_HOSTNAME_CHECK | ALLOW_EXPIRED | ALLOW_INSECURE;

/// The client-side TLS members of a vhost's creation info.
#[derive(Clone, Debug, Default)]
pub struct ClientSpec {
    pub ca: Option<Source>,
    pub cert: Option<Source>,
    pub key: Option<Source>,
    pub password: Option<Vec<u8>>,
    pub openssl_only: Vec<(&'static str, String)>,
    /// `tls_session_cache_max` (0: rustls's default size).
    pub session_cache_max: usize,
    /// LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS: without a CA of the program's, trust nothing
    /// rather than the system's store.
    pub no_system_roots: bool,
    /// LWS_SERVER_OPTION_DISABLE_TLS_SESSION_CACHE: no session is kept or resumed.
    pub no_session_cache: bool,
}

impl ClientSpec {
    /// # Safety
    /// As `ServerSpec::from_info`.
    pub unsafe fn from_info(info: &crate::abi::lws_context_creation_info) -> ClientSpec {
        // SAFETY: forwarded from this function's contract.
        unsafe {
            let mut s = ClientSpec {
                ca: src(
                    info.client_ssl_ca_filepath,
                    info.client_ssl_ca_mem,
                    info.client_ssl_ca_mem_len,
                ),
                cert: src(
                    info.client_ssl_cert_filepath,
                    info.client_ssl_cert_mem,
                    info.client_ssl_cert_mem_len,
                ),
                key: src(
                    info.client_ssl_private_key_filepath,
                    info.client_ssl_key_mem,
                    info.client_ssl_key_mem_len,
                ),
                password: crate::misc::cstr(info.client_ssl_private_key_password)
                    .map(<[u8]>::to_vec),
                openssl_only: Vec::new(),
                session_cache_max: info.tls_session_cache_max as usize,
                no_system_roots: info.options & crate::abi::LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS
                    != 0,
                no_session_cache: info.options
                    & crate::abi::LWS_SERVER_OPTION_DISABLE_TLS_SESSION_CACHE
                    != 0,
            };
            for (name, p) in [
                ("client_ssl_cipher_list", info.client_ssl_cipher_list),
                (
                    "client_tls_1_3_plus_cipher_list",
                    info.client_tls_1_3_plus_cipher_list,
                ),
            ] {
                if let Some(v) = crate::misc::cstr(p) {
                    s.openssl_only
                        .push((name, String::from_utf8_lossy(v).into_owned()));
                }
            }
            for (name, v) in [
                ("ssl_client_options_set", info.ssl_client_options_set),
                ("ssl_client_options_clear", info.ssl_client_options_clear),
            ] {
                if v != 0 {
                    s.openssl_only.push((name, format!("{v:#x}")));
                }
            }
            s
        }
    }
}

/// The relaxing flags and the ALPN list a cached ClientConfig was made for.
type ConfigKey = (u32, Vec<Vec<u8>>);

/// A vhost's client TLS state (`lws_init_vhost_client_ssl`): built once, shared by its
/// client connections.
#[derive(Debug)]
pub struct ClientTls {
    roots: Arc<RootCertStore>,
    client_cert: Option<Arc<CertifiedKey>>,
    sessions: Arc<ClientSessionMemoryCache>,
    no_session_cache: bool,
    configs: Mutex<Vec<(ConfigKey, Arc<ClientConfig>)>>,
}

impl ClientTls {
    pub fn new(spec: &ClientSpec) -> Result<ClientTls, TlsError> {
        for (name, v) in &spec.openssl_only {
            ignored_option(name, v);
        }
        let roots = match &spec.ca {
            Some(ca) => {
                let what = match ca {
                    Source::File(_) => "client_ssl_ca_filepath",
                    Source::Mem(_) => "client_ssl_ca_mem",
                };
                Arc::new(parse_roots(&ca.bytes(what)?, what)?)
            }
            None if spec.no_system_roots => {
                lwsl_notice!(
                    "tls: client trusts no CA (DISABLE_OS_CA_CERTS and no client_ssl_ca_*)"
                );
                Arc::new(RootCertStore::empty())
            }
            None => system_roots(),
        };
        let client_cert = match (&spec.cert, &spec.key) {
            (None, _) => None,
            (Some(c), k) => {
                let (cw, kw) = match c {
                    Source::File(_) => (
                        "client_ssl_cert_filepath",
                        "client_ssl_private_key_filepath",
                    ),
                    Source::Mem(_) => ("client_ssl_cert_mem", "client_ssl_key_mem"),
                };
                let k = k
                    .as_ref()
                    .ok_or_else(|| TlsError(format!("{kw} not set")))?;
                let certs = parse_certs(&c.bytes(cw)?, cw)?;
                let key = parse_key(
                    &k.bytes(kw)?,
                    spec.password.as_deref(),
                    kw,
                    "client_ssl_private_key_password",
                )?;
                Some(certified_key(certs, key, kw)?)
            }
        };
        let n = if spec.session_cache_max == 0 {
            256
        } else {
            spec.session_cache_max
        };
        Ok(ClientTls {
            roots,
            client_cert,
            sessions: Arc::new(ClientSessionMemoryCache::new(n)),
            no_session_cache: spec.no_session_cache,
            configs: Mutex::new(Vec::new()),
        })
    }

    /// Adds a trusted CA (`lws_tls_client_vhost_extra_cert_mem`); configs made before
    /// keep the old store.
    pub fn add_ca_der(&mut self, der: &[u8]) -> Result<(), TlsError> {
        let mut roots = (*self.roots).clone();
        roots
            .add(CertificateDer::from(der.to_vec()))
            .map_err(|e| TlsError(format!("extra CA: {e}")))?;
        self.roots = Arc::new(roots);
        self.configs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        Ok(())
    }

    /// The config for a connection with these `ssl_connection` flags and its `alpn`
    /// (comma-separated; None: no ALPN offered), cached per combination.
    pub fn config(&self, flags: u32, alpn: Option<&str>) -> Result<Arc<ClientConfig>, TlsError> {
        let key = (flags & RELAXING, alpn.map(alpn_list).unwrap_or_default());
        let mut cache = self.configs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, c)) = cache.iter().find(|(k, _)| *k == key) {
            return Ok(c.clone());
        }
        let verifier = Arc::new(LwsVerifier {
            roots: self.roots.clone(),
            flags: key.0,
        });
        let b = ClientConfig::builder_with_provider(provider().clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(format!("tls: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut cfg = match &self.client_cert {
            Some(ck) => b.with_client_cert_resolver(Arc::new(FixedClientCert(ck.clone()))),
            None => b.with_no_client_auth(),
        };
        cfg.alpn_protocols = key.1.clone();
        cfg.resumption = if self.no_session_cache {
            Resumption::disabled()
        } else {
            Resumption::store(self.sessions.clone())
        };
        let cfg = Arc::new(cfg);
        cache.push((key, cfg.clone()));
        Ok(cfg)
    }
}

#[derive(Debug)]
struct FixedClientCert(Arc<CertifiedKey>);

impl ResolvesClientCert for FixedClientCert {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
    fn has_certs(&self) -> bool {
        true
    }
}

/// WebPKI verification split in its steps, so each `LCCSCF_*` flag can waive its own.
#[derive(Debug)]
struct LwsVerifier {
    roots: Arc<RootCertStore>,
    flags: u32,
}

fn is_time_error(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidCertificate(
            CertificateError::Expired
                | CertificateError::ExpiredContext { .. }
                | CertificateError::NotValidYet
                | CertificateError::NotValidYetContext { .. }
        )
    )
}

impl ServerCertVerifier for LwsVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        let algs = provider().signature_verification_algorithms;
        let chain = |at: UnixTime| {
            verify_server_cert_signed_by_trust_anchor(
                &cert,
                &self.roots,
                intermediates,
                at,
                algs.all,
            )
        };
        let mut r = chain(now);
        if let Err(e) = &r {
            if is_time_error(e) && self.flags & ALLOW_EXPIRED != 0 {
                // Check everything else at a moment the leaf was valid.
                if let Ok(c) = Cert::from_der(end_entity) {
                    let t = (c.not_before() + c.not_after()) / 2;
                    lwsl_notice!(
                        "tls: accepting a certificate outside its validity (LCCSCF_ALLOW_EXPIRED)"
                    );
                    r = chain(UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                        t.max(0) as u64,
                    )));
                }
            }
        }
        if r.is_err() && !r.as_ref().is_err_and(is_time_error) {
            // A self-signed leaf marked as a CA (lws's own test certificates are such):
            // webpki refuses any CA as an end entity, OpenSSL does not.  Trusted when the
            // program trusts that very certificate, else it is a self-signed one.
            if let Some(leaf) = Cert::from_der(end_entity)
                .ok()
                .filter(|c| c.is_self_signed())
            {
                let mut own = RootCertStore::empty();
                let anchored = own.add(end_entity.clone().into_owned()).is_ok()
                    && self.roots.roots.iter().any(|ta| own.roots.contains(ta));
                let secs = now.as_secs() as i64;
                let in_time = (leaf.not_before()..=leaf.not_after()).contains(&secs)
                    || self.flags & ALLOW_EXPIRED != 0;
                if anchored && in_time {
                    r = Ok(());
                } else if anchored {
                    r = Err(Error::InvalidCertificate(CertificateError::Expired));
                } else {
                    r = Err(Error::InvalidCertificate(CertificateError::UnknownIssuer));
                }
            }
        }
        if let Err(Error::InvalidCertificate(CertificateError::UnknownIssuer)) = &r {
            let selfsigned = std::iter::once(end_entity)
                .chain(intermediates.iter())
                .filter_map(|d| Cert::from_der(d).ok())
                .any(|c| c.is_self_signed());
            let waiver = if selfsigned {
                ALLOW_SELFSIGNED
            } else {
                ALLOW_INSECURE
            };
            if self.flags & waiver != 0 {
                lwsl_notice!(
                    "tls: accepting an untrusted certificate ({})",
                    if selfsigned {
                        "LCCSCF_ALLOW_SELFSIGNED"
                    } else {
                        "LCCSCF_ALLOW_INSECURE"
                    }
                );
                r = Ok(());
            } else if selfsigned {
                r = Err(Error::InvalidCertificate(CertificateError::Other(
                    rustls::OtherError(Arc::new(SelfSigned)),
                )));
            }
        }
        r?;
        if self.flags & SKIP_SERVER_CERT_HOSTNAME_CHECK == 0 {
            if let Err(e) = verify_server_name(&cert, server_name) {
                // webpki looks at subjectAltName only; OpenSSL (and so lws) falls back to
                // the subject's commonName when there is no DNS name in it, as in lws's
                // own test certificates.
                let by_cn = match server_name {
                    ServerName::DnsName(d) => {
                        Cert::from_der(end_entity).is_ok_and(|c| c.cn_names_host(d.as_ref()))
                    }
                    _ => false,
                };
                if !by_cn {
                    return Err(e);
                }
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &provider().signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Marks an unknown issuer that is a self-signed certificate (lws tells them apart).
#[derive(Debug)]
struct SelfSigned;

impl std::fmt::Display for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("self-signed certificate")
    }
}

impl std::error::Error for SelfSigned {}

/// A handshake error as the text lws puts in CLIENT_CONNECTION_ERROR, with lws's
/// `tls=` tags for certificate problems.
pub fn describe(e: &Error) -> String {
    let (tag, what) = match e {
        Error::InvalidCertificate(c) => match c {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                ("tls=expired", "certificate has expired".to_owned())
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                ("tls=notyetvalid", "certificate is not yet valid".to_owned())
            }
            CertificateError::UnknownIssuer => (
                "tls=unknownca",
                "unable to get local issuer certificate (unknown issuer/ca)".to_owned(),
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                ("tls=hostname", "hostname mismatch".to_owned())
            }
            CertificateError::Other(o) if o.to_string() == "self-signed certificate" => {
                ("tls=invalidca", "self-signed certificate".to_owned())
            }
            CertificateError::BadSignature => {
                ("tls=badsig", "certificate signature failure".to_owned())
            }
            CertificateError::Revoked => ("tls=revoked", "certificate revoked".to_owned()),
            other => ("tls=invalid", format!("{other:?}")),
        },
        other => return format!("tls: {other}"),
    };
    format!("server's cert didn't look good, {tag}: {what}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disable_os_ca_certs_trusts_nothing_without_a_ca() {
        let sys = ClientTls::new(&ClientSpec::default()).unwrap();
        assert!(
            !sys.roots.is_empty(),
            "the system store (or the Mozilla list) by default"
        );
        let none = ClientTls::new(&ClientSpec {
            no_system_roots: true,
            ..Default::default()
        })
        .unwrap();
        assert!(none.roots.is_empty());
    }

    #[test]
    fn descriptions() {
        let d = describe(&Error::InvalidCertificate(CertificateError::Expired));
        assert_eq!(
            d,
            "server's cert didn't look good, tls=expired: certificate has expired"
        );
        assert!(describe(&Error::InvalidCertificate(
            CertificateError::NotValidForName
        ))
        .contains("hostname mismatch"));
        assert!(
            describe(&Error::InvalidCertificate(CertificateError::UnknownIssuer))
                .contains("unknown issuer/ca")
        );
    }
}
