//! lws-spa.h: the stateful POST argument parser.  The parsing is `crate::http::spa`;
//! here: argument checks, the Content-Type fetched from the wsi, and the file callback.
//!
//! Differences from lws, all where lws would crash or cannot apply: NULL `spa`/`info`
//! and negative ordinals fail with a log line; a NULL `wsi` parses as urlencoded (no
//! Content-Type); `info->ac` (lwsac) keeps lws's one-allocation-per-value semantics but
//! the memory stays the spa's (freed by `lws_spa_destroy`), and `*ac` is not touched
//! (the values are not moved onto the caller's lwsac, `crate::capi::lwsac`, yet).
use crate::abi::*;
use crate::core::lws;
use crate::http::spa::{FileSink, Spa, Ufs, CONTENT_TYPE_BUF};
use core::ffi::{c_char, c_int, c_void};
use core::ptr;

/// `struct lws_spa`: the parser plus the C file callback.
#[allow(non_camel_case_types)]
pub struct lws_spa {
    spa: Spa,
    opt_cb: lws_spa_fileupload_cb,
    opt_data: *mut c_void,
}

impl lws_spa {
    /// Runs `f` with a sink that forwards file parts to the C callback (if any).
    fn with_sink<R>(&mut self, f: impl FnOnce(&mut Spa, &mut FileSink) -> R) -> R {
        let (cb, data) = (self.opt_cb, self.opt_data);
        let mut sink =
            move |name: &[u8; 32], fname: &[u8; 256], buf: Option<&mut [u8]>, st: Ufs| -> i32 {
                let Some(cb) = cb else { return 0 };
                let (p, len) = match buf {
                    Some(b) => (b.as_mut_ptr() as *mut c_char, b.len() as c_int),
                    None => (ptr::null_mut(), 0),
                };
                let st = match st {
                    Ufs::Content => LWS_UFS_CONTENT,
                    Ufs::FinalContent => LWS_UFS_FINAL_CONTENT,
                    Ufs::Open => LWS_UFS_OPEN,
                    Ufs::Close => LWS_UFS_CLOSE,
                };
                // SAFETY: name and filename are NUL-terminated arrays, `p` is NULL or `len`
                // bytes of the spa's storage, all alive for the call; the callback and its
                // data are what the application registered.
                unsafe {
                    cb(
                        data,
                        name.as_ptr().cast(),
                        fname.as_ptr().cast(),
                        p,
                        len,
                        st,
                    )
                }
            };
        f(&mut self.spa, &mut sink)
    }
}

/// The request's Content-Type as lws reads it (into a 205-byte buffer; a longer one, or
/// none, counts as absent).
unsafe fn content_type(wsi: *mut lws) -> Option<Vec<u8>> {
    if wsi.is_null() {
        lwsl_warn!("lws_spa_create: NULL wsi: no Content-Type, parsing as urlencoded");
        return None;
    }
    let mut buf = [0u8; CONTENT_TYPE_BUF];
    // SAFETY: wsi is a connection from the application; buf has the length passed.
    let n = unsafe {
        super::http::lws_hdr_copy(
            wsi,
            buf.as_mut_ptr().cast(),
            buf.len() as c_int,
            WSI_TOKEN_HTTP_CONTENT_TYPE as c_int,
        )
    };
    (n > 0).then(|| buf[..n as usize].to_vec())
}

unsafe fn create(wsi: *mut lws, i: &lws_spa_create_info) -> *mut lws_spa {
    if i.count_params < 0 || i.max_storage < 0 {
        lwsl_err!(
            "lws_spa_create: bad count_params {} or max_storage {}",
            i.count_params,
            i.max_storage
        );
        return ptr::null_mut();
    }
    if i.count_params > 0 && i.param_names.is_null() {
        lwsl_err!("lws_spa_create: NULL param_names");
        return ptr::null_mut();
    }
    let mut names = Vec::with_capacity(i.count_params as usize);
    let stride = if i.param_names_stride == 0 {
        core::mem::size_of::<*const c_char>()
    } else {
        i.param_names_stride
    };
    for n in 0..i.count_params as usize {
        // SAFETY: the application gives count_params name pointers, `stride` bytes
        // apart (lws's param_names_stride: names inside an array of its structs).
        let p = unsafe {
            (i.param_names as *const u8)
                .add(n * stride)
                .cast::<*const c_char>()
                .read_unaligned()
        };
        // SAFETY: each is NULL or a C string, per the API.
        names.push(unsafe { super::cstr(p) }.map(|s| s.to_vec()));
    }
    // SAFETY: wsi is NULL or the application's connection.
    let ct = unsafe { content_type(wsi) };
    let spa = Spa::new(
        names,
        i.max_storage as usize,
        ct.as_deref(),
        !i.ac.is_null(),
    );
    Box::into_raw(Box::new(lws_spa {
        spa,
        opt_cb: i.opt_cb,
        opt_data: i.opt_data,
    }))
}

/// Creates a parser for the body of the form request on `wsi` (urlencoded or
/// multipart/form-data, chosen from its Content-Type), collecting the fields named in
/// `info->param_names` (`count_params` of them, `param_names_stride` bytes apart when they
/// sit inside an array of structs) in up to `max_storage` bytes. File parts go to
/// `info->opt_cb` in pieces instead of being stored.
/// Returns the parser, or NULL for a NULL `info`, negative counts or NULL names. Unlike lws
/// (which would crash): a NULL `wsi` parses as urlencoded, and with `info->ac` the values
/// are still owned by the parser (freed by lws_spa_destroy), not moved to the caller's lwsac.
#[no_mangle]
pub unsafe extern "C" fn lws_spa_create_via_info(
    wsi: *mut lws,
    info: *const lws_spa_create_info_t,
) -> *mut lws_spa {
    entry!({
        need!(info);
        // SAFETY: info is non-NULL and points to the application's struct.
        unsafe { create(wsi, &*info) }
    })
}

/// As lws_spa_create_via_info with those arguments and no lwsac.
#[no_mangle]
pub unsafe extern "C" fn lws_spa_create(
    wsi: *mut lws,
    param_names: *const *const c_char,
    count_params: c_int,
    max_storage: c_int,
    opt_cb: lws_spa_fileupload_cb,
    opt_data: *mut c_void,
) -> *mut lws_spa {
    entry!({
        let i = lws_spa_create_info {
            param_names,
            count_params,
            max_storage,
            opt_cb,
            opt_data,
            param_names_stride: 0,
            ac: ptr::null_mut(),
            ac_chunk_size: 0,
        };
        // SAFETY: the arguments are the application's, as for lws_spa_create_via_info.
        unsafe { create(wsi, &i) }
    })
}

/// Feeds `len` bytes of the request body (from `LWS_CALLBACK_HTTP_BODY`) to the parser;
/// complete values are stored, file parts passed to the upload callback as they arrive.
/// Returns 0, or -1 when the body is malformed, a value does not fit the storage, the upload
/// callback failed or the parser is NULL. Input after lws_spa_finalize is ignored.
#[no_mangle]
pub unsafe extern "C" fn lws_spa_process(
    spa: *mut lws_spa,
    r#in: *const c_char,
    len: c_int,
) -> c_int {
    entry!({
        need!(spa);
        if len <= 0 {
            return 0;
        }
        need!(r#in);
        // SAFETY: in has len readable bytes, per the API.
        let input = unsafe { core::slice::from_raw_parts(r#in as *const u8, len as usize) };
        // SAFETY: spa came from lws_spa_create and is not destroyed.
        let s = unsafe { &mut *spa };
        s.with_sink(|p, sink| p.process(input, sink))
    })
}

/// Ends the body (call at `LWS_CALLBACK_HTTP_BODY_COMPLETION`): the last value is completed
/// and an open file upload gets its final piece. Returns 0 (also for NULL, as lws).
#[no_mangle]
pub unsafe extern "C" fn lws_spa_finalize(spa: *mut lws_spa) -> c_int {
    entry!(fail = 0, {
        // lws returns 0 for NULL too.
        need!(spa);
        // SAFETY: spa came from lws_spa_create and is not destroyed.
        let s = unsafe { &mut *spa };
        s.with_sink(|p, sink| p.finalize(sink));
        0
    })
}

/// Returns the length of the value of the `n`th name given at creation, 0 when that field
/// was not in the form or `n` is out of range; -1 for a NULL parser or a negative `n`
/// (lws would read out of bounds).
#[no_mangle]
pub unsafe extern "C" fn lws_spa_get_length(spa: *mut lws_spa, n: c_int) -> c_int {
    entry!({
        need!(spa);
        if n < 0 {
            lwsl_err!("lws_spa_get_length: bad ordinal {}", n);
            return -1;
        }
        // SAFETY: spa came from lws_spa_create and is not destroyed.
        unsafe { &*spa }.spa.length(n as usize)
    })
}

/// Returns the NUL-terminated value of the `n`th name given at creation, owned by the parser
/// until lws_spa_destroy; NULL when the field was not sent, `n` is out of range or negative,
/// or the parser is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_spa_get_string(spa: *mut lws_spa, n: c_int) -> *const c_char {
    entry!({
        need!(spa);
        if n < 0 {
            lwsl_err!("lws_spa_get_string: bad ordinal {}", n);
            return ptr::null();
        }
        // SAFETY: spa came from lws_spa_create and is not destroyed; the string lives
        // in it until lws_spa_destroy.
        unsafe { &*spa }
            .spa
            .value_ptr(n as usize)
            .map_or(ptr::null(), |p| p.cast())
    })
}

/// Frees the parser and every value it holds; a parser never finalized first completes its
/// last value and closes an open upload, as lws does. Returns 0, -1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_spa_destroy(spa: *mut lws_spa) -> c_int {
    entry!({
        need!(spa);
        // SAFETY: spa came from Box::into_raw in create and is destroyed once.
        let mut s = unsafe { Box::from_raw(spa) };
        // As lws: an spa never finalized delivers its pending value and CLOSE now.
        s.with_sink(|p, sink| {
            if !p.is_finalized() {
                p.finalize(sink);
            }
        });
        0
    })
}
