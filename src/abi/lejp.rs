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
    /// The `user` of the parser this level belongs to (lejp_parser_push).
    pub user: *mut c_void,
    /// The callback of this level.
    pub callback: lejp_callback,
    /// The paths this level matches.
    pub paths: *const *const c_char,
    /// How many `paths` there are.
    pub count_paths: u8,
    /// Where the path of this level starts in `path`.
    pub ppos: u8,
    /// The path match of the level below, restored when this level is popped.
    pub path_match: u8,
}

/// The parser's whole state, owned by the C program.
#[repr(C)]
pub struct lejp_ctx {
    /// The `user` given to lejp_construct, for the callback.
    pub user: *mut c_void,
    /// The stack of parsers pushed with lejp_parser_push (`pst_sp` the top).
    pub pst: [_lejp_parsing_stack; 5],
    /// The nesting stack of objects and arrays (`sp` the top).
    pub st: [_lejp_stack; 12],
    /// The index in each enclosing array (use lejp_get_wildcard and the array indexes for the
    /// path's `[]` parts).
    pub i: [u16; 8],
    /// Where each `*` of the matched path begins in `path`.
    pub wild: [u16; 8],
    /// The dotted path of the current element, such as "a.b[].c" (NUL-terminated).
    pub path: [c_char; 128],
    /// The current string or number chunk given to the callback (`npos` bytes, NUL-terminated).
    pub buf: [c_char; 255],
    /// The distance between entries of `paths` when they are in an array of structs (0: an
    /// array of pointers).
    pub path_stride: usize,
    /// The input line being parsed (for error messages).
    pub line: u32,
    /// The \u escape being decoded.
    pub uni: u16,
    /// How many bytes `buf` holds.
    pub npos: u8,
    /// Digits seen in the current number.
    pub dcount: u8,
    /// Parser flags (the current number's form...).
    pub f: u8,
    /// The top of `st`.
    pub sp: u8,
    /// How many array indexes `i` holds.
    pub ipos: u8,
    /// How many paths the current level matches.
    pub count_paths: u8,
    /// 1 + the index of the path the current element matches, 0 for none.
    pub path_match: u8,
    /// The length of the matched path.
    pub path_match_len: u8,
    /// How many `*` the matched path has (entries of `wild`).
    pub wildcount: u8,
    /// The top of `pst`.
    pub pst_sp: u8,
    /// Whether the document's top level is an array.
    pub outer_array: u8,
}
