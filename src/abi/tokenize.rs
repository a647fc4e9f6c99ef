//! The C types of lws-tokenize.h and lws_humanize (lws-misc.h).  C programs allocate
//! these themselves (on the stack, usually), so the layout is lws's to the byte.
#![allow(non_camel_case_types)]
use core::ffi::{c_char, c_int, c_void};

/// What one call of `lws_tokenize()` found: errors are negative, the end is 0, results
/// are positive.  lws's type is a typedef'd anonymous enum, that is an int in C; an int
/// it is here too, so a C++ program may mix it with the constants as lws's allows.
pub type lws_tokenize_elem = c_int;

/// The `lws_tokenize_elem` constants.  A Rust enum needs a tag (lws's has none) and
/// cannot hold `LWS_TOKZE_ERRS`, which shares 5 with `LWS_TOKZE_TOKEN_NAME_EQUALS`: the
/// header takes that one from the facts table.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_tokenize_elem_values {
    LWS_TOKZE_ERR_BROKEN_UTF8 = -5,
    LWS_TOKZE_ERR_UNTERM_STRING = -4,
    LWS_TOKZE_ERR_MALFORMED_FLOAT = -3,
    LWS_TOKZE_ERR_NUM_ON_LHS = -2,
    LWS_TOKZE_ERR_COMMA_LIST = -1,
    LWS_TOKZE_ENDED = 0,
    LWS_TOKZE_DELIMITER = 1,
    LWS_TOKZE_TOKEN = 2,
    LWS_TOKZE_INTEGER = 3,
    LWS_TOKZE_FLOAT = 4,
    LWS_TOKZE_TOKEN_NAME_EQUALS = 5,
    LWS_TOKZE_TOKEN_NAME_COLON = 6,
    LWS_TOKZE_QUOTED_STRING = 7,
}

/// A tokenizer's whole state, kept by the caller between calls.
#[repr(C)]
pub struct lws_tokenize {
    pub start: *const c_char,
    pub token: *const c_char,
    pub len: usize,
    pub token_len: usize,
    pub flags: u16,
    pub delim: u8,
    pub e: i8,
}
/// See `struct lws_tokenize`.
pub type lws_tokenize_t = lws_tokenize;

/// Asked to write the value of `${name}` at `out[*pos..olen]`, resuming at byte `*exp_ofs`
/// of that value; returns LSTRX_DONE, LSTRX_FILLED_OUT or LSTRX_FATAL_NAME_UNKNOWN.
pub type lws_strexp_expand_cb = Option<
    unsafe extern "C" fn(
        r#priv: *mut c_void,
        name: *const c_char,
        out: *mut c_char,
        pos: *mut usize,
        olen: usize,
        exp_ofs: *mut usize,
    ) -> c_int,
>;

/// A `${name}` expander's state, kept by the caller between calls.
#[repr(C)]
pub struct lws_strexp {
    pub name: [c_char; 32],
    pub cb: lws_strexp_expand_cb,
    pub r#priv: *mut c_void,
    pub out: *mut c_char,
    pub olen: usize,
    pub pos: usize,
    pub exp_ofs: usize,
    pub name_pos: u8,
    pub state: c_char,
}
/// See `struct lws_strexp`.
pub type lws_strexp_t = lws_strexp;

/// One unit of a `lws_humanize()` schema; a schema ends with a NULL name.
#[repr(C)]
pub struct lws_humanize_unit {
    pub name: *const c_char,
    pub factor: u64,
}
/// See `struct lws_humanize_unit`.
pub type lws_humanize_unit_t = lws_humanize_unit;

// SAFETY: the exported schemas are immutable and point only at 'static string literals,
// so sharing them between threads is sound.
unsafe impl Sync for lws_humanize_unit {}
