//! lws-x509.h: the certificate handle C holds and the union `lws_tls_cert_info` answers in.
#![allow(non_camel_case_types)]
use core::ffi::{c_char, c_int, c_uint};

/// What `lws_x509_info` and `lws_tls_peer_cert_info` are asked for.  Declared here so the
/// prototypes below can name it; Rust receives it as [`enum_lws_tls_cert_info`].
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_tls_cert_info {
    /// When the certificate becomes valid (`time`).
    LWS_TLS_CERT_INFO_VALIDITY_FROM = 0,
    /// When the certificate expires (`time`).
    LWS_TLS_CERT_INFO_VALIDITY_TO = 1,
    /// The subject's common name (`ns`).
    LWS_TLS_CERT_INFO_COMMON_NAME = 2,
    /// The issuer's name (`ns`).
    LWS_TLS_CERT_INFO_ISSUER_NAME = 3,
    /// The key usage bits (`usage`).
    LWS_TLS_CERT_INFO_USAGE = 4,
    /// Whether the peer's certificate verified (`verified`).
    LWS_TLS_CERT_INFO_VERIFIED = 5,
    /// The public key, DER-encoded (`ns`).
    LWS_TLS_CERT_INFO_OPAQUE_PUBLIC_KEY = 6,
    /// The whole certificate, DER-encoded (`ns`).
    LWS_TLS_CERT_INFO_DER_RAW = 7,
    /// The authority key identifier (`ns`).
    LWS_TLS_CERT_INFO_AUTHORITY_KEY_ID = 8,
    /// The authority key identifier's issuer (`ns`).
    LWS_TLS_CERT_INFO_AUTHORITY_KEY_ID_ISSUER = 9,
    /// The authority key identifier's serial number (`ns`).
    LWS_TLS_CERT_INFO_AUTHORITY_KEY_ID_SERIAL = 10,
    /// The subject key identifier (`ns`).
    LWS_TLS_CERT_INFO_SUBJECT_KEY_ID = 11,
}

/// `enum lws_tls_cert_info` as C passes it: any int (cbindgen.toml renames it to the enum).
pub type enum_lws_tls_cert_info = c_int;

/// A parsed certificate (chain) made by lws_x509_create and lws_x509_parse_from_pem:
/// opaque, used only through the lws_x509_* functions.
pub struct lws_x509_cert {
    _opaque: [u8; 0],
}

/// lws's anonymous `ns` member: a length and a name buffer that really extends as far as
/// the caller's `len` says (the union is the head of a larger buffer).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_tls_cert_info_results_ns {
    /// How many bytes `name` holds (for binary answers such as DER_RAW).
    pub len: c_int,
    /// The answer's text or bytes; the buffer really runs as far as the caller's length says.
    pub name: [c_char; 64],
}

/// The answer of lws_x509_info: which member holds it depends on the question asked (a
/// verdict, a time, usage bits, or text/binary in `ns` with its length).
#[repr(C)]
#[derive(Clone, Copy)]
pub union lws_tls_cert_info_results {
    /// For LWS_TLS_CERT_INFO_VERIFIED: non-zero when the certificate verified.
    pub verified: c_uint,
    /// For VALIDITY_FROM / VALIDITY_TO: the time.
    pub time: libc::time_t,
    /// For LWS_TLS_CERT_INFO_USAGE: the key usage bits.
    pub usage: c_uint,
    /// For names, keys and raw data: the bytes and their length.
    pub ns: lws_tls_cert_info_results_ns,
}
