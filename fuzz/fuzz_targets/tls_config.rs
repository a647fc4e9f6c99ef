//! TLS configuration input as a program hands it over: certificates, private keys (PEM
//! or DER; PKCS#8, PKCS#1, SEC1, encrypted PKCS#8 with a password), CA bundles, ALPN
//! lists and SNI names, through everything that reads them: `lws_x509_*` (C API), the
//! vhost server side (`ServerSpec`: key/cert match, client-certificate policy, ALPN), the
//! client side (`ClientTls`: trust store, client certificate, per-flags configs), a
//! certificate reload, and an in-memory handshake between the two when both sides build.
//!
//! Input: byte 0 flags (bit 0: a password is given; bit 1: require a client certificate;
//! bit 2: ...but let a client without one in; bit 3: the client presents the certificate
//! and key too; bits 4-7: the client's relaxing LCCSCF_* flags, shifted down by 3), byte 1
//! the room `lws_x509_info` is given (0: lws's default 64), then up to seven parts, each a
//! 2-byte little-endian length and its bytes: certificate, key, CA, password, the server's
//! ALPN list, the client's, and the host name (SNI and the name verified).
//!
//! Properties besides memory safety: an answer of `lws_x509_info` stays within the room
//! given (text NUL-terminated inside it); every certificate parsed out of a PEM bundle
//! parses again, to the same DER, from a PEM we write of it; the server config is refused
//! when the key does not load or match; a finished handshake agrees on ALPN (one both
//! lists hold, or none), the client sees the server's first certificate, and application
//! data crosses both ways intact.
#![no_main]

use core::ffi::c_void;

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use websockets::abi::{lws_tls_cert_info_results, lws_x509_cert};
use websockets::capi::logs::lws_set_log_level;
use websockets::capi::tls::{
    lws_x509_create, lws_x509_destroy, lws_x509_info, lws_x509_parse_from_pem, lws_x509_verify,
};
use websockets::tls::certs::{parse_certs, parse_key, parse_roots, Source};
use websockets::tls::client::{ClientSpec, ClientTls};
use websockets::tls::server::{CertSlot, ServerSpec, SniEntry, SniResolver};
use websockets::tls::session::{Plain, TlsSession};
use websockets::tls::x509::{self, Cert, Chain};

const REQUIRE_CLIENT_CERT: u64 = (1 << 1) | (1 << 12);
const PEER_CERT_NOT_REQUIRED: u64 = 1 << 7;

fn parts(mut d: &[u8]) -> Vec<&[u8]> {
    let mut v = Vec::new();
    while v.len() < 7 && d.len() >= 2 {
        let n = usize::from(u16::from_le_bytes([d[0], d[1]])).min(d.len() - 2);
        v.push(&d[2..2 + n]);
        d = &d[2 + n..];
    }
    v.resize(7, &[][..]);
    v
}

fn mem(b: &[u8]) -> Option<Source> {
    (!b.is_empty()).then(|| Source::Mem(b.to_vec()))
}

/// lws_x509_* over `cert`, verified against `ca`'s first certificate for `host`.
fn x509_capi(cert: &[u8], ca: &[u8], host: &[u8], room: usize) {
    let mut x: *mut lws_x509_cert = core::ptr::null_mut();
    let mut t: *mut lws_x509_cert = core::ptr::null_mut();
    // SAFETY: out-pointers to locals; the texts are `len` readable bytes; the handles
    // are destroyed once below.
    unsafe {
        assert_eq!(lws_x509_create(&mut x), 0);
        assert_eq!(lws_x509_create(&mut t), 0);
        let parsed = lws_x509_parse_from_pem(x, cert.as_ptr() as *const c_void, cert.len()) == 0;
        lws_x509_parse_from_pem(t, ca.as_ptr() as *const c_void, ca.len());
        // The union, then `ns.name` running on for `room` bytes: exactly that much, so
        // the sanitiser sees a write one byte past it.
        let name_at = core::mem::offset_of!(lws_tls_cert_info_results, ns)
            + core::mem::size_of::<core::ffi::c_int>();
        let real = if room == 0 { 64 } else { room };
        let size = (name_at + real).max(core::mem::size_of::<lws_tls_cert_info_results>());
        let mut buf = vec![0u64; size.div_ceil(8)];
        for kind in 0..=12 {
            let p = buf.as_mut_ptr() as *mut lws_tls_cert_info_results;
            let rc = lws_x509_info(x, kind, p, room);
            assert!(matches!(rc, -1..=1), "rc {rc}");
            if !parsed {
                assert_eq!(rc, -1);
            }
            if rc == 0 && !matches!(kind, x509::VALIDITY_FROM | x509::VALIDITY_TO | x509::USAGE) {
                let n = (*p).ns.len;
                assert!(n >= 0 && (n as usize) <= real, "ns.len {n} room {real}");
                if matches!(
                    kind,
                    x509::COMMON_NAME | x509::ISSUER_NAME | x509::AUTHORITY_KEY_ID_ISSUER
                ) {
                    assert!((n as usize) < real);
                    let bytes = core::slice::from_raw_parts(
                        (buf.as_ptr() as *const u8).add(name_at),
                        n as usize + 1,
                    );
                    assert_eq!(bytes[n as usize], 0, "text not NUL-terminated");
                }
            }
        }
        let host =
            std::ffi::CString::new(host.iter().copied().filter(|&b| b != 0).collect::<Vec<_>>())
                .unwrap();
        lws_x509_verify(x, t, host.as_ptr());
        lws_x509_verify(x, t, core::ptr::null());
        lws_x509_destroy(&mut x);
        lws_x509_destroy(&mut t);
        assert!(x.is_null() && t.is_null());
    }
}

/// Every certificate of a bundle parses, alone, from a PEM we write of it, to the same DER.
fn pem_round_trip(b: &[u8]) {
    let Ok(certs) = parse_certs(b, "cert") else {
        return;
    };
    for der in certs {
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).unwrap());
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        let again = parse_certs(pem.as_bytes(), "again").expect("our PEM parses");
        assert_eq!(again.len(), 1);
        assert_eq!(&again[0][..], &der[..]);
        if let Ok(c) = Cert::from_der(&der) {
            let _ = (
                c.dns_names(),
                c.subject_cns(),
                c.is_self_signed(),
                c.cn_names_host("a.b.c"),
            );
        }
    }
}

fn pump(from: &mut TlsSession, to: &mut TlsSession) -> bool {
    let mut wire = Vec::new();
    let _ = from.write_tls(|b| {
        wire.extend_from_slice(b);
        Ok(b.len())
    });
    if wire.is_empty() {
        return false;
    }
    let _ = to.feed(&wire);
    true
}

fn read_all(s: &mut TlsSession) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 256];
    while let Plain::Data(n) = s.read_plain(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    got
}

fuzz_target!(|data: &[u8]| {
    static QUIET: std::sync::Once = std::sync::Once::new();
    // SAFETY: no log callback; the level is a plain store.
    QUIET.call_once(|| unsafe { lws_set_log_level(0, None) });
    if data.len() < 2 {
        return;
    }
    let (flags, room) = (data[0], usize::from(data[1]));
    let p = parts(&data[2..]);
    let (cert, key, ca, password, alpn_s, alpn_c, host) =
        (p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
    let password = (flags & 1 != 0).then(|| password.to_vec());
    let host = String::from_utf8_lossy(host).into_owned();

    x509_capi(cert, ca, host.as_bytes(), room);
    pem_round_trip(cert);
    pem_round_trip(ca);
    if let Ok(chain) = Chain::parse(cert) {
        if let Ok(trust) = Chain::parse(ca) {
            let _ = chain.verify(&trust.0[0], Some(&host));
        }
        for c in &chain.0 {
            for kind in 0..=12 {
                let _ = x509::info(c, kind);
            }
        }
    }
    let _ = parse_roots(ca, "ca");
    let _ = parse_key(key, password.as_deref(), "key", "password");

    let mut options = 0;
    if flags & 2 != 0 {
        options |= REQUIRE_CLIENT_CERT;
    }
    if flags & 4 != 0 {
        options |= PEER_CERT_NOT_REQUIRED;
    }
    let sspec = ServerSpec {
        cert: mem(cert),
        key: mem(key),
        password: password.clone(),
        ca: mem(ca),
        options,
        alpn: Some(String::from_utf8_lossy(alpn_s).into_owned()),
        openssl_only: vec![("ssl_cipher_list", "HIGH".into())],
    };
    let server = sspec.certified_key().ok().and_then(|ck| {
        let parsed_key = parse_key(key, password.as_deref(), "key", "password");
        assert!(parsed_key.is_ok() && parse_certs(cert, "cert").is_ok());
        let slot = CertSlot::new(ck);
        // A reload with the same material succeeds; with the roles swapped it must not
        // leave the slot changed unless it parsed and matched.
        slot.reload(cert, key, password.as_deref())
            .expect("the same material reloads");
        let before = slot.get();
        if slot.reload(key, cert, password.as_deref()).is_err() {
            assert!(std::sync::Arc::ptr_eq(&before, &slot.get()));
        }
        let resolver = SniResolver {
            entries: vec![SniEntry {
                names: vec![host.to_ascii_lowercase()],
                slot: slot.clone(),
            }],
        };
        let _ = resolver.select(Some(&host));
        sspec
            .config(std::sync::Arc::new(resolver))
            .ok()
            .map(|c| (c, slot))
    });

    let cspec = ClientSpec {
        ca: mem(ca),
        cert: if flags & 8 != 0 { mem(cert) } else { None },
        key: if flags & 8 != 0 { mem(key) } else { None },
        password,
        openssl_only: Vec::new(),
        session_cache_max: 4,
        no_system_roots: true,
        no_session_cache: false,
    };
    let client_flags = u32::from(flags >> 4) << 1;
    let alpn_c = String::from_utf8_lossy(alpn_c).into_owned();
    let client = ClientTls::new(&cspec)
        .ok()
        .and_then(|t| t.config(client_flags, Some(&alpn_c)).ok());

    let (Some((scfg, slot)), Some(ccfg)) = (server, client) else {
        return;
    };
    let (Ok(mut s), Ok(mut c)) = (TlsSession::server(scfg), TlsSession::client(ccfg, &host)) else {
        return;
    };
    for _ in 0..16 {
        let a = pump(&mut c, &mut s);
        let b = pump(&mut s, &mut c);
        if !a && !b {
            break;
        }
    }
    if !(c.handshake_done() && s.handshake_done()) {
        return;
    }
    assert_eq!(c.alpn(), s.alpn(), "both ends agree on ALPN");
    if let Some(a) = s.alpn() {
        let has = |list: &str| list.split(',').any(|p| p.trim().as_bytes() == a);
        assert!(
            has(&String::from_utf8_lossy(alpn_s)) && has(&alpn_c),
            "ALPN from both lists"
        );
    }
    let leaf = &slot.get().cert[0];
    assert_eq!(
        &c.peer_certificates().expect("server sent a certificate")[0][..],
        &leaf[..]
    );
    assert_eq!(c.write_plain(b"ping"), 4);
    assert_eq!(s.write_plain(b"pong"), 4);
    for _ in 0..4 {
        pump(&mut c, &mut s);
        pump(&mut s, &mut c);
    }
    assert_eq!(read_all(&mut s), b"ping");
    assert_eq!(read_all(&mut c), b"pong");
});
