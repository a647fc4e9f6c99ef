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
    /// Error: the input is not valid UTF-8.
    LWS_TOKZE_ERR_BROKEN_UTF8 = -5,
    /// Error: a quoted string has no closing quote.
    LWS_TOKZE_ERR_UNTERM_STRING = -4,
    /// Error: a number with more than one decimal point.
    LWS_TOKZE_ERR_MALFORMED_FLOAT = -3,
    /// Error: a number where a name was expected (before `=` or `:`).
    LWS_TOKZE_ERR_NUM_ON_LHS = -2,
    /// Error: a comma out of place (LWS_TOKENIZE_F_COMMA_SEP_LIST).
    LWS_TOKZE_ERR_COMMA_LIST = -1,
    /// The input is used up.
    LWS_TOKZE_ENDED = 0,
    /// A delimiter character (the token is that one byte).
    LWS_TOKZE_DELIMITER = 1,
    /// A token (a word).
    LWS_TOKZE_TOKEN = 2,
    /// An integer.
    LWS_TOKZE_INTEGER = 3,
    /// A decimal number with a point.
    LWS_TOKZE_FLOAT = 4,
    /// A token followed by `=` (the `=` is consumed).
    LWS_TOKZE_TOKEN_NAME_EQUALS = 5,
    /// A token followed by `:` (LWS_TOKENIZE_F_AGG_COLON; the `:` is consumed).
    LWS_TOKZE_TOKEN_NAME_COLON = 6,
    /// A quoted string (the token is its inside, quotes removed).
    LWS_TOKZE_QUOTED_STRING = 7,
}

/// A tokenizer's whole state, kept by the caller between calls.
#[repr(C)]
pub struct lws_tokenize {
    /// The next byte to read; set it (and `len`) before the first call.
    pub start: *const c_char,
    /// The token found by the last call (not NUL-terminated).
    pub token: *const c_char,
    /// Bytes left from `start`.
    pub len: usize,
    /// The length of `token`.
    pub token_len: usize,
    /// LWS_TOKENIZE_F_* rules (which characters make tokens, comments, ...).
    pub flags: u16,
    /// The tokenizer's delimiter state (what it expects next).
    pub delim: u8,
    /// The last result (`lws_tokenize_elem`).
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
    /// The `${name}` being read.
    pub name: [c_char; 32],
    /// Writes the value of a name (see lws_strexp_expand_cb).
    pub cb: lws_strexp_expand_cb,
    /// Passed to `cb`.
    pub r#priv: *mut c_void,
    /// Where the expanded text goes.
    pub out: *mut c_char,
    /// The size of `out`.
    pub olen: usize,
    /// Bytes written to `out` so far.
    pub pos: usize,
    /// How much of a value was written when `out` filled up, to resume there.
    pub exp_ofs: usize,
    /// The length of `name` so far.
    pub name_pos: u8,
    /// The expander's state.
    pub state: c_char,
}
/// See `struct lws_strexp`.
pub type lws_strexp_t = lws_strexp;

/// One unit of a `lws_humanize()` schema; a schema ends with a NULL name.
#[repr(C)]
pub struct lws_humanize_unit {
    /// The unit's suffix (such as "KiB"); NULL ends the schema.
    pub name: *const c_char,
    /// How many of the base unit one of this unit is.
    pub factor: u64,
}
/// See `struct lws_humanize_unit`.
pub type lws_humanize_unit_t = lws_humanize_unit;

// SAFETY: the exported schemas are immutable and point only at 'static string literals,
// so sharing them between threads is sound.
unsafe impl Sync for lws_humanize_unit {}
