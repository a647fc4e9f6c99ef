//! lws-lejp.h's types.  C programs allocate `struct lejp_ctx` themselves (usually on the
//! stack), so every member sits where lws 4.3 puts it; the parser keeps all its state
//! in these members (`crate::lejp`).  Sizes are lws's defaults of the LEJP_MAX_*
//! constants, which the header also defines.
#![allow(non_camel_case_types)]
use core::ffi::{c_char, c_schar, c_void};

/// The user callback: gets each parse event (`enum lejp_callbacks`) with the context;
/// nonzero from most events aborts the parse.
pub type lejp_callback =
    Option<unsafe extern "C" fn(ctx: *mut lejp_ctx, reason: c_char) -> c_schar>;

/// One nesting level of the JSON document.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct _lejp_stack {
    /// The state to resume when the level is back on top.
    pub s: c_char,
    /// Length of `path` at this level.
    pub p: c_char,
    /// Depth of the array index stack at this level.
    pub i: c_char,
    /// Free for the application's use.
    pub b: c_char,
}

/// One level of the stack of (callback, paths) sets, for `lejp_parser_push`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct _lejp_parsing_stack {
    pub user: *mut c_void,
    pub callback: lejp_callback,
    pub paths: *const *const c_char,
    pub count_paths: u8,
    pub ppos: u8,
    pub path_match: u8,
}

/// The parser's whole state, owned by the C program.
#[repr(C)]
pub struct lejp_ctx {
    pub user: *mut c_void,
    pub pst: [_lejp_parsing_stack; 5],
    pub st: [_lejp_stack; 12],
    pub i: [u16; 8],
    pub wild: [u16; 8],
    pub path: [c_char; 128],
    pub buf: [c_char; 255],
    pub path_stride: usize,
    pub line: u32,
    pub uni: u16,
    pub npos: u8,
    pub dcount: u8,
    pub f: u8,
    pub sp: u8,
    pub ipos: u8,
    pub count_paths: u8,
    pub path_match: u8,
    pub path_match_len: u8,
    pub wildcount: u8,
    pub pst_sp: u8,
    pub outer_array: u8,
}
