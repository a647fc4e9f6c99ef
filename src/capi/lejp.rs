//! lws-lejp.h: the streaming JSON parser's C entry points.  The parser is `crate::lejp`;
//! here it gets the C program's `struct lejp_ctx`, its callback and its path patterns.
//!
//! Differences from lws, all where lws would crash: a NULL `ctx` (or NULL `json` with a
//! positive length) fails with a log line; a NULL callback is not called; a NULL
//! pattern array or entry matches nothing; a negative `len` is no input; a negative
//! wildcard index or `len` gets 0 from `lejp_get_wildcard`.
use crate::abi::*;
use crate::lejp::{self, Host};
use core::ffi::{c_char, c_int, c_uchar, c_void};

/// The parser's view of a C-owned context.
struct CHost(*mut lejp_ctx);

impl Host for CHost {
    fn ctx(&mut self) -> &mut lejp_ctx {
        // SAFETY: the pointer is the non-NULL context C handed to the entry point, valid
        // and not otherwise accessed for the duration of the call except through this
        // pointer by the callback; the reference borrows `self`, so it is gone before
        // `call` lets the callback touch the struct.
        unsafe { &mut *self.0 }
    }

    fn call(&mut self, reason: u8) -> i8 {
        let cb = {
            let x = self.ctx();
            x.pst.get(x.pst_sp as usize).and_then(|p| p.callback)
        };
        match cb {
            // SAFETY: the callback is the one C registered for this level, given the
            // context it registered it with; no Rust reference to it is alive.
            Some(f) => unsafe { f(self.0, reason as c_char) },
            None => 0,
        }
    }

    fn with_pattern<R>(&mut self, n: usize, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
        let (paths, stride) = {
            let x = self.ctx();
            let Some(level) = x.pst.get(x.pst_sp as usize) else {
                return f(None);
            };
            let stride = if x.path_stride != 0 {
                x.path_stride
            } else {
                core::mem::size_of::<*const c_char>()
            };
            (level.paths, stride)
        };
        if paths.is_null() {
            return f(None);
        }
        // SAFETY: C promised `count_paths` patterns, each a string pointer `stride`
        // bytes after the previous one (lws's path_stride, for patterns that are a
        // member of an array of structs), and n < count_paths; read unaligned since a
        // stride need not keep pointer alignment.
        let p = unsafe {
            paths
                .cast::<u8>()
                .add(n * stride)
                .cast::<*const c_char>()
                .read_unaligned()
        };
        // SAFETY: each pattern is NULL or a NUL-terminated string alive while parsing.
        f(unsafe { super::cstr(p) })
    }
}

/// Prepares `ctx` for a new document and reports LEJPCB_CONSTRUCTED.
#[no_mangle]
pub unsafe extern "C" fn lejp_construct(
    ctx: *mut lejp_ctx,
    callback: lejp_callback,
    user: *mut c_void,
    paths: *const *const c_char,
    paths_count: c_uchar,
) {
    entry!({
        need!(ctx);
        if callback.is_none() {
            lwsl_err!("lejp_construct: NULL callback");
        }
        let mut h = CHost(ctx);
        lejp::construct(h.ctx(), callback, user, paths, paths_count);
        h.call(lejp::CB_CONSTRUCTED);
    })
}

/// Reports LEJPCB_DESTRUCTED; the parser itself owns nothing.
#[no_mangle]
pub unsafe extern "C" fn lejp_destruct(ctx: *mut lejp_ctx) {
    entry!({
        if ctx.is_null() {
            return;
        }
        let mut h = CHost(ctx);
        // lws tells the outermost callback, whatever level is current
        let cb = h.ctx().pst[0].callback;
        if let Some(f) = cb {
            // SAFETY: the callback C registered at construction, with its context.
            unsafe { f(ctx, lejp::CB_DESTRUCTED as c_char) };
        }
    })
}

/// Parses `len` more bytes of the document.
#[no_mangle]
pub unsafe extern "C" fn lejp_parse(ctx: *mut lejp_ctx, json: *const c_uchar, len: c_int) -> c_int {
    ffi!("lejp_parse", lejp::REJECT_UNKNOWN, {
        need!("lejp_parse", ctx, lejp::REJECT_UNKNOWN);
        let input: &[u8] = if len <= 0 {
            &[]
        } else {
            need!("lejp_parse", json, lejp::REJECT_UNKNOWN);
            // SAFETY: C passes `len` readable bytes at `json`; the parser only reads
            // them, and nothing in the struct points into them.
            unsafe { core::slice::from_raw_parts(json, len as usize) }
        };
        lejp::parse(&mut CHost(ctx), input)
    })
}

/// Hands the outermost level over to another callback: the old one hears DESTRUCTED,
/// the new one CONSTRUCTED then START.
#[no_mangle]
pub unsafe extern "C" fn lejp_change_callback(ctx: *mut lejp_ctx, callback: lejp_callback) {
    entry!({
        need!(ctx);
        let mut h = CHost(ctx);
        let call0 = |h: &mut CHost, reason: u8| {
            if let Some(f) = h.ctx().pst[0].callback {
                // SAFETY: the outermost level's callback, with its context.
                unsafe { f(ctx, reason as c_char) };
            }
        };
        call0(&mut h, lejp::CB_DESTRUCTED);
        h.ctx().pst[0].callback = callback;
        call0(&mut h, lejp::CB_CONSTRUCTED);
        call0(&mut h, lejp::CB_START);
    })
}

/// Starts a nested set of callback and patterns (0), or -1 when 5 are in use.
#[no_mangle]
pub unsafe extern "C" fn lejp_parser_push(
    ctx: *mut lejp_ctx,
    user: *mut c_void,
    paths: *const *const c_char,
    paths_count: c_uchar,
    lejp_cb: lejp_callback,
) -> c_int {
    entry!({
        need!(ctx);
        lejp::parser_push(&mut CHost(ctx), user, paths, paths_count, lejp_cb)
    })
}

/// Goes back to the enclosing set of callback and patterns (0), or -1 at the outermost.
#[no_mangle]
pub unsafe extern "C" fn lejp_parser_pop(ctx: *mut lejp_ctx) -> c_int {
    entry!({
        need!(ctx);
        lejp::parser_pop(&mut CHost(ctx))
    })
}

/// Looks for a pattern matching the current path, unless one already matches.
#[no_mangle]
pub unsafe extern "C" fn lejp_check_path_match(ctx: *mut lejp_ctx) {
    entry!({
        need!(ctx);
        lejp::check_path_match(&mut CHost(ctx));
    })
}

/// Copies what wildcard `wildcard` of the matched pattern stands for into `dest` (`len`
/// bytes, NUL-terminated); returns its length plus one, or 0.
#[no_mangle]
pub unsafe extern "C" fn lejp_get_wildcard(
    ctx: *mut lejp_ctx,
    wildcard: c_int,
    dest: *mut c_char,
    len: c_int,
) -> c_int {
    entry!(fail = 0, {
        need!(ctx);
        if wildcard < 0 || len <= 0 {
            return 0;
        }
        need!(dest);
        // SAFETY: C passes `len` writable bytes at `dest`, apart from the context.
        let out = unsafe { core::slice::from_raw_parts_mut(dest.cast::<u8>(), len as usize) };
        // SAFETY: a valid context, only read here.
        lejp::get_wildcard(unsafe { &*ctx }, wildcard as usize, out)
    })
}

/// lws's text for a `lejp_parse` result.
#[no_mangle]
pub extern "C" fn lejp_error_to_string(e: c_int) -> *const c_char {
    ffi!("lejp_error_to_string", c"Unknown error".as_ptr(), {
        lejp::error_to_string(e).as_ptr()
    })
}
