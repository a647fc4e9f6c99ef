//! The function types of lws-logs.h's log contexts.  `struct lws_log_cx` itself is lws's
//! definition from the facts table (its anonymous union has no Rust spelling cbindgen
//! would write back); Rust reads it through `crate::logcx::LogCx`.
#![allow(non_camel_case_types)]
use super::lws_log_cx;
use core::ffi::{c_char, c_void};

/// A hook that writes a prefix for `obj` at `*p` (never past `e`) and advances `*p`.
pub type lws_log_prepend_cx_t =
    Option<unsafe extern "C" fn(*mut lws_log_cx, *mut c_void, *mut *mut c_char, *mut c_char)>;
