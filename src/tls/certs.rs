//! Certificates, private keys and trust stores from the places lws takes them: a file
//! path or a memory blob, PEM or DER.  PEM is decoded by rustls-pki-types (encrypted
//! PKCS#8 by the `pkcs8` crate); errors name the creation-info member at fault.

use std::sync::{Arc, OnceLock};

use rustls::sign::CertifiedKey;
use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::{provider, TlsError};

/// Where a certificate, key or CA list comes from; `what` names the lws member for errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(std::path::PathBuf),
    Mem(Vec<u8>),
}

impl Source {
    pub fn bytes(&self, what: &str) -> Result<Vec<u8>, TlsError> {
        match self {
            Source::Mem(b) => Ok(b.clone()),
            Source::File(p) => std::fs::read(p)
                .map_err(|e| TlsError(format!("{what}: cannot read {}: {e}", p.display()))),
        }
    }
}

fn looks_pem(b: &[u8]) -> bool {
    b.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Every certificate in `b` (a PEM bundle, in order: the leaf then its chain), or `b` as
/// one DER certificate.
pub fn parse_certs(b: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    // Blobs from C often carry the terminating NUL in their length.
    let b = b.strip_suffix(&[0]).unwrap_or(b);
    if !looks_pem(b) {
        if b.first() == Some(&0x30) {
            return Ok(vec![CertificateDer::from(b.to_vec())]);
        }
        return Err(TlsError(format!(
            "{what}: neither PEM nor a DER certificate"
        )));
    }
    let certs = CertificateDer::pem_slice_iter(b)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError(format!("{what}: bad PEM: {e:?}")))?;
    if certs.is_empty() {
        return Err(TlsError(format!("{what}: no CERTIFICATE in the PEM")));
    }
    Ok(certs)
}

/// The private key in `b` (PEM: PKCS#8, PKCS#1 RSA, SEC1 EC, or encrypted PKCS#8; or DER
/// of one of those).  `password` decrypts an encrypted PKCS#8 key; `pw_what` names the
/// member that holds it.
pub fn parse_key(
    b: &[u8],
    password: Option<&[u8]>,
    what: &str,
    pw_what: &str,
) -> Result<PrivateKeyDer<'static>, TlsError> {
    let b = b.strip_suffix(&[0]).unwrap_or(b);
    if looks_pem(b) {
        const BEGIN: &[u8] = b"-----BEGIN ENCRYPTED PRIVATE KEY-----";
        const END: &[u8] = b"-----END ENCRYPTED PRIVATE KEY-----";
        if let Some(start) = find(b, BEGIN) {
            let end = find(&b[start..], END)
                .map(|e| start + e + END.len())
                .ok_or_else(|| TlsError(format!("{what}: truncated encrypted key")))?;
            let pem = std::str::from_utf8(&b[start..end])
                .map_err(|_| TlsError(format!("{what}: bad PEM")))?;
            let (_, doc) = pkcs8::der::Document::from_pem(pem)
                .map_err(|e| TlsError(format!("{what}: bad PEM: {e}")))?;
            return decrypt(doc.as_bytes(), password, what, pw_what);
        }
        if find(b, b"Proc-Type: 4,ENCRYPTED").is_some() {
            return Err(TlsError(format!(
                "{what}: the key is encrypted in OpenSSL's legacy PEM format, which is not \
                 supported; convert it to encrypted PKCS#8 (openssl pkcs8 -topk8) for {pw_what}"
            )));
        }
        return PrivateKeyDer::from_pem_slice(b)
            .map_err(|e| TlsError(format!("{what}: no usable private key in the PEM: {e:?}")));
    }
    if let Ok(k) = decrypt(b, password, what, pw_what) {
        return Ok(k);
    }
    PrivateKeyDer::try_from(b.to_vec())
        .map_err(|e| TlsError(format!("{what}: not a private key: {e}")))
}

fn decrypt(
    der: &[u8],
    password: Option<&[u8]>,
    what: &str,
    pw_what: &str,
) -> Result<PrivateKeyDer<'static>, TlsError> {
    let enc = pkcs8::EncryptedPrivateKeyInfo::try_from(der)
        .map_err(|e| TlsError(format!("{what}: bad encrypted PKCS#8 key: {e}")))?;
    let Some(pw) = password else {
        return Err(TlsError(format!(
            "{what}: the private key is encrypted and {pw_what} is not set"
        )));
    };
    let plain = enc.decrypt(pw).map_err(|e| {
        TlsError(format!(
            "{what}: cannot decrypt the private key with {pw_what}: {e}"
        ))
    })?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        plain.as_bytes().to_vec(),
    )))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A certificate chain and its key, checked to belong together, ready for rustls.
pub fn certified_key(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    what: &str,
) -> Result<Arc<CertifiedKey>, TlsError> {
    let signer = provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| TlsError(format!("{what}: unsupported private key: {e}")))?;
    let ck = CertifiedKey::new(certs, signer);
    match ck.keys_match() {
        Ok(()) => {}
        // A key whose public half rustls cannot derive (rare) is taken on trust.
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
        Err(e) => {
            return Err(TlsError(format!(
                "{what}: the private key does not match the certificate: {e}"
            )))
        }
    }
    Ok(Arc::new(ck))
}

/// A trust store holding the CA certificates of `b`.
pub fn parse_roots(b: &[u8], what: &str) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    let (ok, _bad) = roots.add_parsable_certificates(parse_certs(b, what)?);
    if ok == 0 {
        return Err(TlsError(format!("{what}: no usable CA certificate")));
    }
    Ok(roots)
}

/// The system's trust store (rustls-native-certs: the distribution's CA bundle, as
/// OpenSSL would find it), read once per process.  A machine without one (a minimal
/// container) gets Mozilla's list from webpki-roots instead, so a client can still reach
/// public servers where lws with OpenSSL would fail every verification.
pub fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            let mut roots = RootCertStore::empty();
            let (ok, _) = roots.add_parsable_certificates(found.certs);
            if ok == 0 {
                lwsl_notice!("tls: no system CA store found; using the built-in Mozilla list");
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
            Arc::new(roots)
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::testpki::*;

    #[test]
    fn certs_pem_chain_and_der() {
        let ca = Ca::new("Test CA");
        let leaf = ca.leaf("a.test", Algo::Ecdsa);
        let bundle = format!("{}{}", leaf.cert_pem, ca.cert_pem);
        let v = parse_certs(bundle.as_bytes(), "ssl_cert_filepath").unwrap();
        assert_eq!(v.len(), 2);
        let mut nul = bundle.clone().into_bytes();
        nul.push(0);
        assert_eq!(parse_certs(&nul, "m").unwrap().len(), 2);
        let der = parse_certs(leaf.cert_der.as_ref(), "m").unwrap();
        assert_eq!(der[0].as_ref(), leaf.cert_der.as_ref());
        assert!(parse_certs(b"hello", "server_ssl_cert_mem")
            .unwrap_err()
            .0
            .starts_with("server_ssl_cert_mem"));
    }

    #[test]
    fn keys_of_each_algorithm_pem_and_der() {
        let ca = Ca::new("Test CA");
        for algo in [Algo::Ecdsa, Algo::Ed25519, Algo::Rsa] {
            let leaf = ca.leaf("k.test", algo);
            let k = parse_key(leaf.key_pem.as_bytes(), None, "k", "pw").unwrap();
            certified_key(vec![leaf.cert_der.clone()], k, "k").unwrap();
            let k = parse_key(&leaf.key_der, None, "k", "pw").unwrap();
            certified_key(vec![leaf.cert_der.clone()], k, "k").unwrap();
        }
    }

    #[test]
    fn mismatched_key_is_refused() {
        let ca = Ca::new("Test CA");
        let a = ca.leaf("a.test", Algo::Ecdsa);
        let b = ca.leaf("b.test", Algo::Ecdsa);
        let k = parse_key(b.key_pem.as_bytes(), None, "k", "pw").unwrap();
        let e = certified_key(vec![a.cert_der.clone()], k, "ssl_private_key_filepath");
        assert!(e.unwrap_err().0.contains("does not match"));
    }

    #[test]
    fn encrypted_pkcs8() {
        let ca = Ca::new("Test CA");
        let leaf = ca.leaf("e.test", Algo::Ecdsa);
        let enc_pem = encrypt_key_pem(&leaf.key_der, b"sesame");
        let k = parse_key(enc_pem.as_bytes(), Some(b"sesame"), "k", "pw").unwrap();
        certified_key(vec![leaf.cert_der.clone()], k, "k").unwrap();
        let e = parse_key(
            enc_pem.as_bytes(),
            None,
            "ssl_private_key_filepath",
            "ssl_private_key_password",
        )
        .unwrap_err();
        assert!(e.0.contains("ssl_private_key_password is not set"), "{e}");
        let e = parse_key(
            enc_pem.as_bytes(),
            Some(b"wrong"),
            "k",
            "ssl_private_key_password",
        )
        .unwrap_err();
        assert!(e.0.contains("cannot decrypt"), "{e}");
        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\
                      DEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let e = parse_key(
            legacy.as_bytes(),
            Some(b"x"),
            "k",
            "ssl_private_key_password",
        )
        .unwrap_err();
        assert!(e.0.contains("legacy"), "{e}");
    }

    #[test]
    fn roots_from_pem() {
        let ca = Ca::new("Test CA");
        assert_eq!(
            parse_roots(ca.cert_pem.as_bytes(), "ssl_ca_filepath")
                .unwrap()
                .len(),
            1
        );
        assert!(parse_roots(b"", "ssl_ca_filepath").is_err());
        assert!(!system_roots().is_empty());
    }
}
