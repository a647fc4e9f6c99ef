//! X.509 certificates outside a connection: `lws_x509_*` and the answers to
//! `lws_tls_cert_info` queries, parsed with the `x509-cert` crate, signatures checked with
//! the crypto provider's algorithms.

use pkcs8::der::{Decode, Encode, Header, Reader, SliceReader};
use rustls_pki_types::CertificateDer;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::AuthorityKeyIdentifier;
use x509_cert::name::Name;
use x509_cert::Certificate;

use super::{provider, TlsError};

// enum lws_tls_cert_info (lws-x509.h).
pub const VALIDITY_FROM: i32 = 0;
pub const VALIDITY_TO: i32 = 1;
pub const COMMON_NAME: i32 = 2;
pub const ISSUER_NAME: i32 = 3;
pub const USAGE: i32 = 4;
pub const VERIFIED: i32 = 5;
pub const OPAQUE_PUBLIC_KEY: i32 = 6;
pub const DER_RAW: i32 = 7;
pub const AUTHORITY_KEY_ID: i32 = 8;
pub const AUTHORITY_KEY_ID_ISSUER: i32 = 9;
pub const AUTHORITY_KEY_ID_SERIAL: i32 = 10;
pub const SUBJECT_KEY_ID: i32 = 11;

/// One parsed certificate, with its DER kept for DER_RAW and signature checks.
pub struct Cert {
    pub der: CertificateDer<'static>,
    pub cert: Certificate,
}

impl Cert {
    pub fn from_der(der: &[u8]) -> Result<Cert, TlsError> {
        let cert = Certificate::from_der(der)
            .map_err(|e| TlsError(format!("not an X.509 certificate: {e}")))?;
        Ok(Cert {
            der: CertificateDer::from(der.to_vec()),
            cert,
        })
    }

    /// The subject as OpenSSL's one-line form ("/O=org/CN=name"), which lws reports.
    pub fn subject_oneline(&self) -> String {
        oneline(&self.cert.tbs_certificate.subject)
    }

    pub fn issuer_oneline(&self) -> String {
        oneline(&self.cert.tbs_certificate.issuer)
    }

    /// What lws reports as the common name: the one-line subject from its "/CN=" on (the
    /// whole line when there is no CN).
    pub fn common_name(&self) -> String {
        let s = self.subject_oneline();
        match s.find("/CN=") {
            Some(i) => s[i + 4..].to_owned(),
            None => s,
        }
    }

    pub fn not_before(&self) -> i64 {
        let v = &self.cert.tbs_certificate.validity;
        v.not_before.to_unix_duration().as_secs() as i64
    }

    pub fn not_after(&self) -> i64 {
        let v = &self.cert.tbs_certificate.validity;
        v.not_after.to_unix_duration().as_secs() as i64
    }

    fn extension(&self, oid: &str) -> Option<&[u8]> {
        let oid = pkcs8::ObjectIdentifier::new(oid).ok()?;
        self.cert
            .tbs_certificate
            .extensions
            .as_ref()?
            .iter()
            .find(|e| e.extn_id == oid)
            .map(|e| e.extn_value.as_bytes())
    }

    /// Key usage bits as OpenSSL numbers them (digitalSignature 0x80 ... decipherOnly
    /// 0x8000); every bit when the certificate has no key-usage extension.
    pub fn key_usage(&self) -> u32 {
        let Some(v) = self.extension("2.5.29.15") else {
            return u32::MAX;
        };
        match pkcs8::der::asn1::BitString::from_der(v) {
            Ok(b) => {
                let r = b.raw_bytes();
                r.first().copied().unwrap_or(0) as u32
                    | (r.get(1).copied().unwrap_or(0) as u32) << 8
            }
            Err(_) => 0,
        }
    }

    pub fn subject_key_id(&self) -> Option<Vec<u8>> {
        let v = self.extension("2.5.29.14")?;
        pkcs8::der::asn1::OctetString::from_der(v)
            .ok()
            .map(|o| o.into_bytes())
    }

    fn authority_key_id(&self) -> Option<AuthorityKeyIdentifier> {
        AuthorityKeyIdentifier::from_der(self.extension("2.5.29.35")?).ok()
    }

    /// SubjectPublicKeyInfo, DER: comparable between certificates.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.cert
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap_or_default()
    }

    /// The DNS names of the subjectAltName extension.
    pub fn dns_names(&self) -> Vec<String> {
        let Some(v) = self.extension("2.5.29.17") else {
            return Vec::new();
        };
        let Ok(san) = x509_cert::ext::pkix::SubjectAltName::from_der(v) else {
            return Vec::new();
        };
        san.0
            .iter()
            .filter_map(|g| match g {
                GeneralName::DnsName(s) => Some(s.as_str().to_owned()),
                _ => None,
            })
            .collect()
    }

    /// The subject's commonName values, as text (a value that is not valid UTF-8 is
    /// left out: it can match no host name).
    pub fn subject_cns(&self) -> Vec<String> {
        self.cert
            .tbs_certificate
            .subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .filter(|atv| atv.oid.to_string() == "2.5.4.3")
            .filter_map(|atv| {
                std::str::from_utf8(atv.value.value())
                    .ok()
                    .map(str::to_owned)
            })
            .collect()
    }

    /// OpenSSL's fallback in X509_check_host (lws's host check), which webpki lacks: a
    /// certificate without a DNS subjectAltName names `host` when its subject's
    /// commonName does (ASCII case ignored; a "*" as the whole leftmost label stands for
    /// one label, not in a name of fewer than three labels).  Always false when there is
    /// a DNS subjectAltName: OpenSSL then matches those alone, which webpki has done.
    pub fn cn_names_host(&self, host: &str) -> bool {
        fn matches(pat: &str, host: &str) -> bool {
            let (pat, host) = (pat.trim_end_matches('.'), host.trim_end_matches('.'));
            if pat.eq_ignore_ascii_case(host) {
                return true;
            }
            match (pat.strip_prefix("*."), host.split_once('.')) {
                (Some(rest), Some((first, host_rest))) => {
                    !first.is_empty() && rest.contains('.') && rest.eq_ignore_ascii_case(host_rest)
                }
                _ => false,
            }
        }
        self.dns_names().is_empty() && self.subject_cns().iter().any(|n| matches(n, host))
    }

    /// Whether `issuer` issued this certificate: names match and the signature verifies
    /// with the issuer's key.
    pub fn issued_by(&self, issuer: &Cert) -> bool {
        let (Ok(a), Ok(b)) = (
            self.cert.tbs_certificate.issuer.to_der(),
            issuer.cert.tbs_certificate.subject.to_der(),
        ) else {
            return false;
        };
        a == b && self.signature_verifies_with(issuer)
    }

    pub fn is_self_signed(&self) -> bool {
        self.issued_by(self)
    }

    fn signature_verifies_with(&self, issuer: &Cert) -> bool {
        let Some(tbs) = tbs_bytes(&self.der) else {
            return false;
        };
        let sig_alg = alg_id(&self.cert.signature_algorithm);
        let spki = &issuer.cert.tbs_certificate.subject_public_key_info;
        let key_alg = alg_id(&spki.algorithm);
        let (Some(sig_alg), Some(key_alg)) = (sig_alg, key_alg) else {
            return false;
        };
        let Some(sig) = self.cert.signature.as_bytes() else {
            return false;
        };
        let Some(key) = spki.subject_public_key.as_bytes() else {
            return false;
        };
        provider()
            .signature_verification_algorithms
            .all
            .iter()
            .filter(|a| {
                a.signature_alg_id().as_ref() == sig_alg.as_slice()
                    && a.public_key_alg_id().as_ref() == key_alg.as_slice()
            })
            .any(|a| a.verify_signature(key, tbs, sig).is_ok())
    }
}

/// The TBSCertificate's bytes exactly as signed (not re-encoded).
fn tbs_bytes(der: &[u8]) -> Option<&[u8]> {
    let mut r = SliceReader::new(der).ok()?;
    Header::decode(&mut r).ok()?;
    r.tlv_bytes().ok()
}

/// An AlgorithmIdentifier's contents (OID and parameters, without the SEQUENCE header),
/// the form rustls's algorithm tables compare.
fn alg_id(a: &x509_cert::spki::AlgorithmIdentifierOwned) -> Option<Vec<u8>> {
    let mut v = a.oid.to_der().ok()?;
    if let Some(p) = &a.parameters {
        v.extend(p.to_der().ok()?);
    }
    Some(v)
}

fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "serialNumber",
        "2.5.4.4" => "SN",
        "2.5.4.42" => "GN",
        "2.5.4.12" => "title",
        "2.5.4.9" => "street",
        "2.5.4.17" => "postalCode",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => return None,
    })
}

/// OpenSSL's `X509_NAME_oneline` form: "/KEY=value" per attribute, bytes outside
/// printable ASCII as "\xHH".
pub fn oneline(name: &Name) -> String {
    let mut s = String::new();
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            let oid = atv.oid.to_string();
            s.push('/');
            s.push_str(short_name(&oid).unwrap_or(&oid));
            s.push('=');
            for &b in atv.value.value() {
                if (0x20..0x7f).contains(&b) {
                    s.push(b as char);
                } else {
                    s.push_str(&format!("\\x{b:02X}"));
                }
            }
        }
    }
    s
}

/// The answer to one `lws_tls_cert_info` query, before it is copied into lws's union.
#[derive(Debug, PartialEq, Eq)]
pub enum Info {
    Time(i64),
    Bits(u32),
    /// `ns.name` text (NUL-terminated when copied out) and `ns.len`.
    Text(String),
    /// `ns.name` bytes and `ns.len`.
    Bytes(Vec<u8>),
}

/// What lws answers for `kind` about `c`: Ok(info), or Err(rc) with lws's return value
/// (-1 failure, 1 "the certificate has no such extension").  VERIFIED is the
/// connection's business and is answered by the caller.
pub fn info(c: &Cert, kind: i32) -> Result<Info, i32> {
    Ok(match kind {
        VALIDITY_FROM => Info::Time(c.not_before()),
        VALIDITY_TO => Info::Time(c.not_after()),
        COMMON_NAME => Info::Text(c.common_name()),
        ISSUER_NAME => Info::Text(c.issuer_oneline()),
        USAGE => Info::Bits(c.key_usage()),
        OPAQUE_PUBLIC_KEY => Info::Bytes(c.public_key_der()),
        DER_RAW => Info::Bytes(c.der.to_vec()),
        AUTHORITY_KEY_ID => Info::Bytes(
            c.authority_key_id()
                .and_then(|a| a.key_identifier)
                .ok_or(1)?
                .into_bytes(),
        ),
        AUTHORITY_KEY_ID_ISSUER => {
            let names = c
                .authority_key_id()
                .and_then(|a| a.authority_cert_issuer)
                .ok_or(1)?;
            let mut s = String::new();
            for g in names {
                match g {
                    GeneralName::DirectoryName(n) => {
                        s.push_str("DirName:");
                        s.push_str(&oneline(&n));
                    }
                    GeneralName::DnsName(d) => {
                        s.push_str("DNS:");
                        s.push_str(d.as_str());
                    }
                    GeneralName::UniformResourceIdentifier(u) => {
                        s.push_str("URI:");
                        s.push_str(u.as_str());
                    }
                    GeneralName::Rfc822Name(m) => {
                        s.push_str("email:");
                        s.push_str(m.as_str());
                    }
                    _ => {}
                }
            }
            Info::Text(s)
        }
        AUTHORITY_KEY_ID_SERIAL => {
            let serial = c
                .authority_key_id()
                .and_then(|a| a.authority_cert_serial_number)
                .ok_or(1)?;
            Info::Bytes(serial.as_bytes().to_vec())
        }
        SUBJECT_KEY_ID => Info::Bytes(c.subject_key_id().ok_or(1)?),
        _ => return Err(-1),
    })
}

/// A chain (leaf first) and what `lws_x509_verify` checks against it.
pub struct Chain(pub Vec<Cert>);

impl Chain {
    /// Every certificate of a PEM bundle (or one DER certificate).
    pub fn parse(b: &[u8]) -> Result<Chain, TlsError> {
        let ders = super::certs::parse_certs(b, "x509")?;
        ders.iter()
            .map(|d| Cert::from_der(d))
            .collect::<Result<Vec<_>, _>>()
            .map(Chain)
    }

    /// lws_x509_verify: the leaf's CN is `cn` (when given), and the chain leads, link by
    /// link, to a certificate `trusted` issued.
    pub fn verify(&self, trusted: &Cert, cn: Option<&str>) -> Result<(), TlsError> {
        let leaf = self
            .0
            .first()
            .ok_or_else(|| TlsError::new("no certificate"))?;
        if let Some(cn) = cn {
            if leaf.common_name() != cn {
                return Err(TlsError::new("common name mismatch"));
            }
        }
        for (i, c) in self.0.iter().enumerate() {
            if c.issued_by(trusted) {
                return Ok(());
            }
            match self.0.get(i + 1) {
                Some(next) if c.issued_by(next) => {}
                _ => break,
            }
        }
        Err(TlsError::new("unable to verify cert relationship"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::testpki::*;

    #[test]
    fn fields() {
        let ca = Ca::new("Test CA");
        let leaf = ca.leaf("x.test", Algo::Ecdsa);
        let c = Cert::from_der(&leaf.cert_der).unwrap();
        assert_eq!(c.subject_oneline(), "/CN=x.test/O=lws-rs tests");
        assert_eq!(c.common_name(), "x.test/O=lws-rs tests");
        assert_eq!(c.issuer_oneline(), "/CN=Test CA/O=lws-rs tests");
        assert_eq!(info(&c, VALIDITY_FROM), Ok(Info::Time(1577836800)));
        assert_eq!(info(&c, VALIDITY_TO), Ok(Info::Time(3786912000)));
        assert_eq!(info(&c, USAGE), Ok(Info::Bits(0x80)));
        assert_eq!(info(&c, DER_RAW), Ok(Info::Bytes(leaf.cert_der.to_vec())));
        assert!(matches!(info(&c, AUTHORITY_KEY_ID), Ok(Info::Bytes(b)) if b.len() == 20));
        assert_eq!(info(&c, AUTHORITY_KEY_ID_SERIAL), Err(1));
        assert_eq!(info(&c, VERIFIED), Err(-1));
        assert_eq!(c.dns_names(), vec!["x.test".to_string()]);
        let cac = Cert::from_der(&ca.cert_der).unwrap();
        assert_eq!(cac.key_usage(), 0x06);
        assert!(matches!(info(&cac, SUBJECT_KEY_ID), Ok(Info::Bytes(b)) if b.len() == 20));
    }

    #[test]
    fn cn_fallback() {
        let ca = Ca::new("Test CA");
        // A DNS subjectAltName: the CN is never looked at (webpki judged the SANs).
        let with_san = ca.leaf("x.test", Algo::Ecdsa);
        assert!(!Cert::from_der(&with_san.cert_der)
            .unwrap()
            .cn_names_host("x.test"));
        let cn_only = |cn: &str| {
            let l = ca.leaf_with(cn, Algo::Ecdsa, |p| p.subject_alt_names.clear());
            Cert::from_der(&l.cert_der).unwrap()
        };
        let c = cn_only("y.test");
        assert!(c.dns_names().is_empty());
        assert!(c.cn_names_host("y.test"));
        assert!(c.cn_names_host("Y.Test."));
        assert!(!c.cn_names_host("z.test"));
        let w = cn_only("*.w.test");
        assert!(w.cn_names_host("a.w.test"));
        assert!(!w.cn_names_host("w.test"));
        assert!(!w.cn_names_host("a.b.w.test"));
        assert!(!w.cn_names_host(".w.test"));
        assert!(!cn_only("*.test").cn_names_host("a.test"));
    }

    #[test]
    fn verify_links() {
        let ca = Ca::new("Test CA");
        let other = Ca::new("Other CA");
        for algo in [Algo::Ecdsa, Algo::Ed25519, Algo::Rsa] {
            let leaf = ca.leaf("v.test", algo);
            let chain = Chain::parse(leaf.cert_pem.as_bytes()).unwrap();
            let root = Cert::from_der(&ca.cert_der).unwrap();
            let wrong = Cert::from_der(&other.cert_der).unwrap();
            chain.verify(&root, None).unwrap();
            chain.verify(&root, Some("v.test/O=lws-rs tests")).unwrap();
            assert!(chain.verify(&root, Some("w.test")).is_err());
            assert!(chain.verify(&wrong, None).is_err());
        }
        // Same issuer name, another key: the signature decides.
        let impostor = Ca::new("Test CA");
        let leaf = impostor.leaf("v.test", Algo::Ecdsa);
        let root = Cert::from_der(&ca.cert_der).unwrap();
        assert!(Chain::parse(leaf.cert_pem.as_bytes())
            .unwrap()
            .verify(&root, None)
            .is_err());
        assert!(Cert::from_der(&ca.cert_der).unwrap().is_self_signed());
        let ss = self_signed("s.test");
        assert!(Cert::from_der(&ss.cert_der).unwrap().is_self_signed());
    }
}
