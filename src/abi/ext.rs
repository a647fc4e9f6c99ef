#![allow(non_camel_case_types)]
//! lws-ws-ext.h types the extension entry points take by pointer (`struct
//! lws_ext_option_arg` is only ever passed as `void *`, so the table alone declares it).  cbindgen emits forward
//! declarations; the header's table part keeps lws's full definitions (an enum member
//! whose values C may extend, `EXTARG_OPT_DEC`, cannot be a Rust enum), and
//! `capi::ext` reads them through private `#[repr(C)]` mirrors of lws's layout.

/// `struct lws_ext_options`: `{ const char *name; enum lws_ext_options_types type; }`.
pub struct lws_ext_options {
    _opaque: [u8; 0],
}
