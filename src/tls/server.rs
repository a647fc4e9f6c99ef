//! A vhost's server side: its certificate (reloadable), client-certificate policy and
//! ALPN, as lws's creation info sets them; the SNI resolver of a listener shared by
//! several vhosts.

use std::sync::{Arc, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;

use super::certs::{certified_key, parse_certs, parse_key, parse_roots, Source};
use super::{alpn_list, ignored_option, provider, TlsError, DEFAULT_ALPN};

// LWS_SERVER_OPTION_* bits (lws-context-vhost.h); lws tests them with lws_check_opt, so
// every bit of a multi-bit option must be set.
const REQUIRE_VALID_OPENSSL_CLIENT_CERT: u64 = (1 << 1) | (1 << 12);
const PEER_CERT_NOT_REQUIRED: u64 = 1 << 7;

/// The TLS members of a vhost's creation info, copied out of C.
#[derive(Clone, Debug, Default)]
pub struct ServerSpec {
    pub cert: Option<Source>,
    pub key: Option<Source>,
    pub password: Option<Vec<u8>>,
    pub ca: Option<Source>,
    pub options: u64,
    /// The vhost's `alpn`, else the context's, else lws's default.
    pub alpn: Option<String>,
    /// OpenSSL-only settings (member name, value): logged once, otherwise ignored.
    pub openssl_only: Vec<(&'static str, String)>,
}

impl ServerSpec {
    /// Whether lws would make this vhost a TLS server: it names a certificate.
    pub fn is_tls(&self) -> bool {
        self.cert.is_some()
    }

    /// Reads the creation-info members.  `context_alpn` is the context's `alpn`.
    ///
    /// # Safety
    /// Every pointer member must be NULL or valid as lws documents it (C strings, or
    /// memory of the stated `*_len`).
    pub unsafe fn from_info(
        info: &crate::abi::lws_context_creation_info,
        context_alpn: Option<&str>,
    ) -> ServerSpec {
        // SAFETY (all helpers below): forwarded from this function's contract.
        unsafe {
            let mut s = ServerSpec {
                cert: src(
                    info.ssl_cert_filepath,
                    info.server_ssl_cert_mem,
                    info.server_ssl_cert_mem_len,
                ),
                key: src(
                    info.ssl_private_key_filepath,
                    info.server_ssl_private_key_mem,
                    info.server_ssl_private_key_mem_len,
                ),
                password: c_bytes(info.ssl_private_key_password),
                ca: src(
                    info.ssl_ca_filepath,
                    info.server_ssl_ca_mem,
                    info.server_ssl_ca_mem_len,
                ),
                options: info.options,
                alpn: c_str(info.alpn).or(context_alpn.map(str::to_owned)),
                openssl_only: Vec::new(),
            };
            for (name, p) in [
                ("ssl_cipher_list", info.ssl_cipher_list),
                ("tls1_3_plus_cipher_list", info.tls1_3_plus_cipher_list),
                ("ecdh_curve", info.ecdh_curve),
            ] {
                if let Some(v) = c_str(p) {
                    s.openssl_only.push((name, v));
                }
            }
            for (name, v) in [
                ("ssl_options_set", info.ssl_options_set),
                ("ssl_options_clear", info.ssl_options_clear),
            ] {
                if v != 0 {
                    s.openssl_only.push((name, format!("{v:#x}")));
                }
            }
            s
        }
    }

    /// The certificate and key, loaded and checked.
    pub fn certified_key(&self) -> Result<Arc<CertifiedKey>, TlsError> {
        let cert = self
            .cert
            .as_ref()
            .ok_or_else(|| TlsError::new("ssl_cert_filepath / server_ssl_cert_mem not set"))?;
        let (cwhat, kwhat) = match cert {
            Source::File(_) => ("ssl_cert_filepath", "ssl_private_key_filepath"),
            Source::Mem(_) => ("server_ssl_cert_mem", "server_ssl_private_key_mem"),
        };
        let key = self
            .key
            .as_ref()
            .ok_or_else(|| TlsError(format!("{kwhat} not set")))?;
        let certs = parse_certs(&cert.bytes(cwhat)?, cwhat)?;
        let key = parse_key(
            &key.bytes(kwhat)?,
            self.password.as_deref(),
            kwhat,
            "ssl_private_key_password",
        )?;
        certified_key(certs, key, kwhat)
    }

    /// The vhost's ServerConfig, answering with `resolver`'s certificates (the listener's
    /// resolver when vhosts share a port, else one holding this vhost's slot alone).
    pub fn config(
        &self,
        resolver: Arc<dyn ResolvesServerCert>,
    ) -> Result<Arc<ServerConfig>, TlsError> {
        for (name, v) in &self.openssl_only {
            ignored_option(name, v);
        }
        let builder = ServerConfig::builder_with_provider(provider().clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(format!("tls: {e}")))?;
        let require =
            self.options & REQUIRE_VALID_OPENSSL_CLIENT_CERT == REQUIRE_VALID_OPENSSL_CLIENT_CERT;
        let builder = if require {
            let ca = self.ca.as_ref().ok_or_else(|| {
                TlsError::new(
                    "LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT needs ssl_ca_filepath or server_ssl_ca_mem",
                )
            })?;
            let what = match ca {
                Source::File(_) => "ssl_ca_filepath",
                Source::Mem(_) => "server_ssl_ca_mem",
            };
            let roots = parse_roots(&ca.bytes(what)?, what)?;
            let mut vb =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider().clone());
            if self.options & PEER_CERT_NOT_REQUIRED != 0 {
                vb = vb.allow_unauthenticated();
            }
            let v = vb.build().map_err(|e| TlsError(format!("{what}: {e}")))?;
            builder.with_client_cert_verifier(v)
        } else {
            builder.with_no_client_auth()
        };
        let mut cfg = builder.with_cert_resolver(resolver);
        cfg.alpn_protocols = alpn_list(self.alpn.as_deref().unwrap_or(DEFAULT_ALPN));
        Ok(Arc::new(cfg))
    }
}

/// A vhost's current certificate; `lws_tls_cert_updated` swaps it, and handshakes that
/// start afterwards get the new one (those under way keep theirs).
#[derive(Debug)]
pub struct CertSlot(RwLock<Arc<CertifiedKey>>);

impl CertSlot {
    pub fn new(ck: Arc<CertifiedKey>) -> Arc<CertSlot> {
        Arc::new(CertSlot(RwLock::new(ck)))
    }

    pub fn get(&self) -> Arc<CertifiedKey> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn swap(&self, ck: Arc<CertifiedKey>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = ck;
    }

    /// Certificate reload from memory (`lws_tls_cert_updated`'s `mem_cert` and
    /// `mem_privkey`): the slot changes only when both parse and match.
    pub fn reload(&self, cert: &[u8], key: &[u8], password: Option<&[u8]>) -> Result<(), TlsError> {
        let certs = parse_certs(cert, "mem_cert")?;
        let key = parse_key(key, password, "mem_privkey", "ssl_private_key_password")?;
        self.swap(certified_key(certs, key, "mem_privkey")?);
        Ok(())
    }
}

/// One vhost as the SNI resolver sees it: the names it answers to and its certificate.
#[derive(Debug)]
pub struct SniEntry {
    /// The vhost's name and its other host names (lowercase; "*.example.com" allowed).
    pub names: Vec<String>,
    pub slot: Arc<CertSlot>,
}

/// Chooses among the certificates of the vhosts sharing a listener by the client's SNI
/// name, as lws chooses the vhost: an exact name, then a wildcard, else the listener's
/// first (default) vhost.
#[derive(Debug)]
pub struct SniResolver {
    pub entries: Vec<SniEntry>,
}

impl SniResolver {
    /// Index of the entry for `name` (None: no SNI given, or nothing matched: the caller's
    /// default vhost).
    pub fn select(&self, name: Option<&str>) -> Option<usize> {
        let name = name?.trim_end_matches('.').to_ascii_lowercase();
        if let Some(i) = self.entries.iter().position(|e| e.names.contains(&name)) {
            return Some(i);
        }
        let (_, parent) = name.split_once('.')?;
        self.entries.iter().position(|e| {
            e.names
                .iter()
                .any(|n| n.strip_prefix("*.").is_some_and(|p| p == parent))
        })
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let i = self.select(hello.server_name()).unwrap_or(0);
        self.entries.get(i).map(|e| e.slot.get())
    }
}

unsafe fn c_bytes(p: *const core::ffi::c_char) -> Option<Vec<u8>> {
    // SAFETY: the caller passes NULL or a C string.
    unsafe { crate::misc::cstr(p) }.map(<[u8]>::to_vec)
}

unsafe fn c_str(p: *const core::ffi::c_char) -> Option<String> {
    // SAFETY: as c_bytes.
    unsafe { c_bytes(p) }.map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// A file path when `path` is set (lws prefers it), else `len` bytes at `mem`.
pub(crate) unsafe fn src(
    path: *const core::ffi::c_char,
    mem: *const core::ffi::c_void,
    len: core::ffi::c_uint,
) -> Option<Source> {
    // SAFETY: forwarded from the caller.
    // An empty path is "not set", as lws treats it.
    if let Some(p) = unsafe { c_bytes(path) }.filter(|p| !p.is_empty()) {
        use std::os::unix::ffi::OsStringExt;
        return Some(Source::File(std::ffi::OsString::from_vec(p).into()));
    }
    if mem.is_null() || len == 0 {
        return None;
    }
    // SAFETY: the caller guarantees `len` readable bytes at `mem`.
    Some(Source::Mem(
        unsafe { std::slice::from_raw_parts(mem as *const u8, len as usize) }.to_vec(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::testpki::*;

    pub(crate) fn spec_for(leaf: &Leaf) -> ServerSpec {
        ServerSpec {
            cert: Some(Source::Mem(leaf.cert_pem.clone().into_bytes())),
            key: Some(Source::Mem(leaf.key_pem.clone().into_bytes())),
            ..Default::default()
        }
    }

    #[test]
    fn files_and_errors_name_the_option() {
        let ca = Ca::new("Test CA");
        let leaf = ca.leaf("f.test", Algo::Ecdsa);
        let dir = std::env::temp_dir().join(format!("lws-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("c.pem"), &leaf.cert_pem).unwrap();
        std::fs::write(dir.join("k.pem"), &leaf.key_pem).unwrap();
        let mut spec = ServerSpec {
            cert: Some(Source::File(dir.join("c.pem"))),
            key: Some(Source::File(dir.join("k.pem"))),
            ..Default::default()
        };
        spec.certified_key().unwrap();
        spec.key = Some(Source::File(dir.join("missing.pem")));
        let e = spec.certified_key().unwrap_err();
        assert!(
            e.0.starts_with("ssl_private_key_filepath: cannot read"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn client_cert_policy_needs_a_ca_and_openssl_options_are_harmless() {
        let ca = Ca::new("Test CA");
        let leaf = ca.leaf("p.test", Algo::Ecdsa);
        let mut spec = spec_for(&leaf);
        spec.options = REQUIRE_VALID_OPENSSL_CLIENT_CERT;
        spec.openssl_only
            .push(("ssl_cipher_list", "HIGH:!aNULL".into()));
        let slot = CertSlot::new(spec.certified_key().unwrap());
        let r = Arc::new(SniResolver {
            entries: vec![SniEntry {
                names: vec!["p.test".into()],
                slot,
            }],
        });
        let e = spec.config(r.clone()).unwrap_err();
        assert!(e.0.contains("ssl_ca_filepath"), "{e}");
        spec.ca = Some(Source::Mem(ca.cert_pem.clone().into_bytes()));
        let cfg = spec.config(r).unwrap();
        assert_eq!(
            cfg.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
    }

    #[test]
    fn sni_selection() {
        let ca = Ca::new("Test CA");
        let mk =
            |n: &str| CertSlot::new(spec_for(&ca.leaf(n, Algo::Ecdsa)).certified_key().unwrap());
        let r = SniResolver {
            entries: vec![
                SniEntry {
                    names: vec!["default".into()],
                    slot: mk("d.test"),
                },
                SniEntry {
                    names: vec!["a.test".into(), "www.a.test".into()],
                    slot: mk("a.test"),
                },
                SniEntry {
                    names: vec!["*.b.test".into()],
                    slot: mk("x.b.test"),
                },
            ],
        };
        assert_eq!(r.select(Some("A.TEST.")), Some(1));
        assert_eq!(r.select(Some("www.a.test")), Some(1));
        assert_eq!(r.select(Some("x.b.test")), Some(2));
        assert_eq!(r.select(Some("y.x.b.test")), None);
        assert_eq!(r.select(Some("other")), None);
        assert_eq!(r.select(None), None);
    }
}
