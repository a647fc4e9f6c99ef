//! Test certificates, generated at run time (no key is ever committed): a CA, leaves it
//! signs, self-signed and expired certificates.  RSA keys come from the `openssl` CLI
//! because ring cannot generate them.

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::CertificateDer;

#[derive(Clone, Copy, Debug)]
pub enum Algo {
    Ecdsa,
    Ed25519,
    Rsa,
}

pub struct Leaf {
    pub cert_pem: String,
    pub cert_der: CertificateDer<'static>,
    pub key_pem: String,
    pub key_der: Vec<u8>,
}

pub struct Ca {
    pub cert_pem: String,
    pub cert_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

fn key(algo: Algo) -> KeyPair {
    match algo {
        Algo::Ecdsa => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap(),
        Algo::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap(),
        Algo::Rsa => {
            // ring refuses a small share of the RSA keys openssl generates (seen once in
            // a few hundred test runs: "failed to parse private key as RSA"); the tests
            // are about our handling, so such a key is drawn again.  Recorded as a finding
            // to look into (issue 12 closing note): a user's key could meet the same refusal.
            for _ in 0..5 {
                let out = std::process::Command::new("openssl")
                    .args([
                        "genpkey",
                        "-algorithm",
                        "RSA",
                        "-pkeyopt",
                        "rsa_keygen_bits:2048",
                    ])
                    .output()
                    .expect("RSA test keys need the openssl CLI (Debian package openssl)");
                assert!(out.status.success());
                let kp = KeyPair::from_pem(std::str::from_utf8(&out.stdout).unwrap()).unwrap();
                let der = rustls_pki_types::PrivateKeyDer::Pkcs8(kp.serialize_der().into());
                if super::provider().key_provider.load_private_key(der).is_ok() {
                    return kp;
                }
            }
            panic!("ring refused five RSA keys in a row");
        }
    }
}

fn params(cn: &str, sans: &[&str]) -> CertificateParams {
    let mut p =
        CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    p.distinguished_name
        .push(DnType::OrganizationName, "lws-rs tests");
    p.not_before = date_time_ymd(2020, 1, 1);
    p.not_after = date_time_ymd(2090, 1, 1);
    p
}

fn leaf_of(cert: rcgen::Certificate, kp: &KeyPair) -> Leaf {
    Leaf {
        cert_pem: cert.pem(),
        cert_der: cert.der().clone(),
        key_pem: kp.serialize_pem(),
        key_der: kp.serialize_der(),
    }
}

impl Ca {
    pub fn new(cn: &str) -> Ca {
        let kp = key(Algo::Ecdsa);
        let mut p = params(cn, &[]);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = p.self_signed(&kp).unwrap();
        Ca {
            cert_pem: cert.pem(),
            cert_der: cert.der().clone(),
            issuer: Issuer::new(p, kp),
        }
    }

    /// A server/client leaf for `name` (CN and DNS SAN), valid 2020..2090.
    pub fn leaf(&self, name: &str, algo: Algo) -> Leaf {
        self.leaf_with(name, algo, |_| {})
    }

    pub fn leaf_with(
        &self,
        name: &str,
        algo: Algo,
        f: impl FnOnce(&mut CertificateParams),
    ) -> Leaf {
        let kp = key(algo);
        let mut p = params(name, &[name]);
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.use_authority_key_identifier_extension = true;
        f(&mut p);
        let cert = p.signed_by(&kp, &self.issuer).unwrap();
        leaf_of(cert, &kp)
    }

    /// A leaf that expired in 2021.
    pub fn expired(&self, name: &str) -> Leaf {
        self.leaf_with(name, Algo::Ecdsa, |p| {
            p.not_before = date_time_ymd(2020, 1, 1);
            p.not_after = date_time_ymd(2021, 1, 1);
        })
    }
}

/// A self-signed leaf for `name`.
pub fn self_signed(name: &str) -> Leaf {
    let kp = key(Algo::Ecdsa);
    let cert = params(name, &[name]).self_signed(&kp).unwrap();
    leaf_of(cert, &kp)
}

/// `key_der` (PKCS#8) as an encrypted PKCS#8 PEM (PBES2, PBKDF2-SHA256, AES-256-CBC).
pub fn encrypt_key_pem(key_der: &[u8], pw: &[u8]) -> String {
    use pkcs8::der::EncodePem;
    let info = pkcs8::PrivateKeyInfo::try_from(key_der).unwrap();
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(2048, &[7u8; 16], &[9u8; 16])
            .unwrap();
    let enc = info.encrypt_with_params(params, pw).unwrap();
    let enc = pkcs8::EncryptedPrivateKeyInfo::try_from(enc.as_bytes()).unwrap();
    enc.to_pem(pkcs8::LineEnding::LF).unwrap()
}
