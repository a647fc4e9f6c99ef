//! The C types of lws's xorshift generator (lws-fault-injection.h) and resumable base64
//! decoder (lws-sha1-base64.h): programs allocate both, so the layout is lws's.
#![allow(non_camel_case_types)]
use core::ffi::{c_int, c_uchar};

/// The xoshiro256** state `lws_xos_init()` seeds and `lws_xos()` advances.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_xos {
    /// The generator's 256-bit state.
    pub s: [u64; 4],
}

/// The state `lws_b64_decode_stateful()` keeps between calls: the partial group, how
/// many of its characters were seen (`i`, `len`), the last character and a running count.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_b64state {
    /// The characters of the group being decoded.
    pub quad: [c_uchar; 4],
    /// Bytes written so far.
    pub done: usize,
    /// Characters of the group seen.
    pub len: usize,
    /// The position in `quad`.
    pub i: c_int,
    /// The last character read.
    pub c: c_int,
}

/// The system's `struct sockaddr_in` (netinet/in.h), named so prototypes spell it; only
/// ever used behind a pointer.
pub struct sockaddr_in {
    _opaque: [u8; 0],
}
