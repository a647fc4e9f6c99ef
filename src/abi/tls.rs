//! lws-x509.h: the certificate handle C holds and the union `lws_tls_cert_info` answers in.
#![allow(non_camel_case_types)]
use core::ffi::{c_char, c_int, c_uint};

/// What `lws_x509_info` and `lws_tls_peer_cert_info` are asked for.  Declared here so the
/// prototypes below can name it; Rust receives it as [`enum_lws_tls_cert_info`].
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_tls_cert_info {
    LWS_TLS_CERT_INFO_VALIDITY_FROM = 0,
    LWS_TLS_CERT_INFO_VALIDITY_TO = 1,
    LWS_TLS_CERT_INFO_COMMON_NAME = 2,
    LWS_TLS_CERT_INFO_ISSUER_NAME = 3,
    LWS_TLS_CERT_INFO_USAGE = 4,
    LWS_TLS_CERT_INFO_VERIFIED = 5,
    LWS_TLS_CERT_INFO_OPAQUE_PUBLIC_KEY = 6,
    LWS_TLS_CERT_INFO_DER_RAW = 7,
    LWS_TLS_CERT_INFO_AUTHORITY_KEY_ID = 8,
    LWS_TLS_CERT_INFO_AUTHORITY_KEY_ID_ISSUER = 9,
    LWS_TLS_CERT_INFO_AUTHORITY_KEY_ID_SERIAL = 10,
    LWS_TLS_CERT_INFO_SUBJECT_KEY_ID = 11,
}

/// `enum lws_tls_cert_info` as C passes it: any int (cbindgen.toml renames it to the enum).
pub type enum_lws_tls_cert_info = c_int;

/// A parsed certificate (chain): opaque to C, `crate::capi::tls::X509` behind it.
pub struct lws_x509_cert {
    _opaque: [u8; 0],
}

/// lws's anonymous `ns` member: a length and a name buffer that really extends as far as
/// the caller's `len` says (the union is the head of a larger buffer).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_tls_cert_info_results_ns {
    pub len: c_int,
    pub name: [c_char; 64],
}

/// The answer of lws_x509_info: which member holds it depends on the question asked (a
/// verdict, a time, usage bits, or text/binary in `ns` with its length).
#[repr(C)]
#[derive(Clone, Copy)]
pub union lws_tls_cert_info_results {
    pub verified: c_uint,
    pub time: libc::time_t,
    pub usage: c_uint,
    pub ns: lws_tls_cert_info_results_ns,
}
