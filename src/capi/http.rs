//! lws-http.h: request header access, the response header builders and the HTTP
//! transaction calls.  The logic is in roles/http/; here are the C checks.
use crate::abi::*;
use crate::core::{lws, wref};
use core::ffi::{c_char, c_int, c_uchar, c_uint};

/// Copies `v` and a NUL to `dest[..len]`: the length, or -1 if it does not fit.
///
/// # Safety
/// `dest` has `len` writable bytes.
unsafe fn copy_out(v: &[u8], dest: *mut c_char, len: c_int) -> c_int {
    if len <= 0 || v.len() + 1 > len as usize {
        return -1;
    }
    // SAFETY: dest has len writable bytes and v.len() + 1 <= len.
    unsafe {
        core::ptr::copy_nonoverlapping(v.as_ptr(), dest as *mut u8, v.len());
        *dest.add(v.len()) = 0;
    }
    v.len() as c_int
}

fn token_ok(t: c_int) -> bool {
    t >= 0 && (t as usize) < crate::roles::http::headers::TOKEN_NAMES.len()
}

/// The lower-case header name of a token ("host:"), or NULL past the table.
#[no_mangle]
pub unsafe extern "C" fn lws_token_to_string(token: enum_lws_token_indexes) -> *const c_uchar {
    entry!({
        if !token_ok(token) {
            return core::ptr::null();
        }
        // NUL-terminated copies of TOKEN_NAMES, built once (C wants stable pointers).
        static NAMES: std::sync::OnceLock<Vec<std::ffi::CString>> = std::sync::OnceLock::new();
        let names = NAMES.get_or_init(|| {
            crate::roles::http::headers::TOKEN_NAMES
                .iter()
                .map(|n| std::ffi::CString::new(*n).unwrap_or_default())
                .collect()
        });
        names[token as usize].as_ptr() as *const c_uchar
    })
}

/// Length of the header's value (fragments joined with one separator), 0 if absent.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_total_length(wsi: *mut lws, h: enum_lws_token_indexes) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        crate::roles::http::headers::total_length(wsi, h) as c_int
    })
}

/// Length of one fragment of a header (a repeated header or one URI argument).
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_fragment_length(
    wsi: *mut lws,
    h: enum_lws_token_indexes,
    frag_idx: c_int,
) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        if frag_idx < 0 {
            return 0;
        }
        crate::roles::http::headers::fragments(wsi, h)
            .get(frag_idx as usize)
            .map_or(0, |f| f.len() as c_int)
    })
}

/// Copies the header's value, NUL-terminated; its length, or -1 if `len` is too small.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_copy(
    wsi: *mut lws,
    dest: *mut c_char,
    len: c_int,
    h: enum_lws_token_indexes,
) -> c_int {
    entry!({
        need!(wsi);
        need!(dest);
        if len > 0 {
            // SAFETY: dest has len >= 1 writable bytes.
            unsafe { *dest = 0 };
        }
        let v = crate::roles::http::headers::joined(wsi, h);
        if v.is_empty() {
            return 0;
        }
        // SAFETY: dest has len writable bytes per the caller.
        unsafe { copy_out(&v, dest, len) }
    })
}

/// Copies one fragment, NUL-terminated; its length, or -1 if absent or too long.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_copy_fragment(
    wsi: *mut lws,
    dest: *mut c_char,
    len: c_int,
    h: enum_lws_token_indexes,
    frag_idx: c_int,
) -> c_int {
    entry!({
        need!(wsi);
        need!(dest);
        if frag_idx < 0 {
            return -1;
        }
        match crate::roles::http::headers::fragments(wsi, h).get(frag_idx as usize) {
            // SAFETY: dest has len writable bytes per the caller.
            Some(f) => unsafe { copy_out(f, dest, len) },
            None => -1,
        }
    })
}

fn custom_name<'a>(name: *const c_char, nlen: c_int) -> Option<&'a [u8]> {
    if name.is_null() || nlen <= 0 {
        return None;
    }
    // SAFETY: name has nlen readable bytes per lws's contract.
    Some(unsafe { core::slice::from_raw_parts(name as *const u8, nlen as usize) })
}

/// Length of a header lws has no token for (name in lower case with its ':'), or -1.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_custom_length(
    wsi: *mut lws,
    name: *const c_char,
    nlen: c_int,
) -> c_int {
    entry!({
        need!(wsi);
        let Some(n) = custom_name(name, nlen) else {
            return -1;
        };
        crate::roles::http::headers::custom(wsi, n).map_or(-1, |v| v.len() as c_int)
    })
}

/// Copies a custom header's value, NUL-terminated; its length or -1.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_custom_copy(
    wsi: *mut lws,
    dst: *mut c_char,
    len: c_int,
    name: *const c_char,
    nlen: c_int,
) -> c_int {
    entry!({
        need!(wsi);
        need!(dst);
        let Some(n) = custom_name(name, nlen) else {
            return -1;
        };
        if len > 0 {
            // SAFETY: dst has len >= 1 writable bytes.
            unsafe { *dst = 0 };
        }
        match crate::roles::http::headers::custom(wsi, n) {
            // SAFETY: dst has len writable bytes per the caller.
            Some(v) => unsafe { copy_out(&v, dst, len) },
            None => -1,
        }
    })
}

/// Finds URI argument `name` ("x" or "x="): copies its value to buf; its length or -1.
#[no_mangle]
pub unsafe extern "C" fn lws_get_urlarg_by_name_safe(
    wsi: *mut lws,
    name: *const c_char,
    buf: *mut c_char,
    len: c_int,
) -> c_int {
    entry!({
        need!(wsi);
        need!(buf);
        // SAFETY: NUL-terminated per the caller.
        let Some(name) = (unsafe { crate::capi::cstr(name) }) else {
            lwsl_err!("lws_get_urlarg_by_name_safe: NULL name");
            return -1;
        };
        for f in crate::roles::http::headers::fragments(wsi, WSI_TOKEN_HTTP_URI_ARGS as c_int) {
            if (f.len() as c_int) + 1 < len && f.len() >= name.len() && f.starts_with(name) {
                let mut sl = name.len();
                if name.last() != Some(&b'=') && sl < f.len() && f[sl] == b'=' {
                    sl += 1;
                }
                // SAFETY: buf has len writable bytes, f.len() + 1 < len.
                return unsafe { copy_out(&f[sl..], buf, len) };
            }
        }
        -1
    })
}

/// As lws_get_urlarg_by_name_safe, returning buf or NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_get_urlarg_by_name(
    wsi: *mut lws,
    name: *const c_char,
    buf: *mut c_char,
    len: c_int,
) -> *const c_char {
    // SAFETY: same contract.
    let n = unsafe { lws_get_urlarg_by_name_safe(wsi, name, buf, len) };
    if n < 0 {
        core::ptr::null()
    } else {
        buf
    }
}

/// The request's method index (LWSHUMETH_*) and URI; -1 if there is no request.
#[no_mangle]
pub unsafe extern "C" fn lws_http_get_uri_and_method(
    wsi: *mut lws,
    puri_ptr: *mut *mut c_char,
    puri_len: *mut c_int,
) -> c_int {
    entry!({
        need!(wsi);
        need!(puri_ptr);
        need!(puri_len);
        let Some((idx, ptr, len)) = crate::roles::http::headers::uri_and_method(wsi) else {
            lwsl_warn!("Missing URI in HTTP request");
            return -1;
        };
        // SAFETY: out-pointers checked non-NULL; ptr points into the wsi's request
        // record, valid until the transaction completes (as lws's header table).
        unsafe {
            *puri_ptr = ptr as *mut c_char;
            *puri_len = len as c_int;
        }
        idx as c_int
    })
}

/// Checks a header-builder cursor from C: *p and end non-NULL and in order.
///
/// # Safety
/// `p` is NULL or points to a pointer.
unsafe fn cursor_ok(p: *mut *mut c_uchar, end: *mut c_uchar) -> bool {
    // SAFETY: p checked non-NULL before the read.
    !p.is_null() && !end.is_null() && unsafe { !(*p).is_null() && *p <= end }
}

/// Borrows `len` bytes at `v` (NULL or negative: none).
fn bytes<'a>(v: *const c_uchar, len: c_int) -> &'a [u8] {
    if v.is_null() || len <= 0 {
        return &[];
    }
    // SAFETY: the caller passes len readable bytes at v (lws's contract).
    unsafe { core::slice::from_raw_parts(v, len as usize) }
}

macro_rules! builder_guard {
    ($name:literal, $wsi:expr, $p:expr, $end:expr) => {
        need!($name, $wsi, 1);
        // SAFETY: p is NULL or the caller's cursor.
        if !unsafe { cursor_ok($p, $end) } {
            lwsl_err!("{}: bad buffer cursor", $name);
            return 1;
        }
    };
}

/// The status line (plus the vhost's headers and the server name).
#[no_mangle]
pub unsafe extern "C" fn lws_add_http_header_status(
    wsi: *mut lws,
    code: c_uint,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    entry!(fail = 1, {
        builder_guard!("lws_add_http_header_status", wsi, p, end);
        // SAFETY: cursor checked.
        crate::roles::http::headers::add_status(wsi, code, unsafe { &mut *p }, end)
    })
}

/// "name: value\r\n" (name as given, a ':' added if it has none).
#[no_mangle]
pub unsafe extern "C" fn lws_add_http_header_by_name(
    wsi: *mut lws,
    name: *const c_uchar,
    value: *const c_uchar,
    length: c_int,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    entry!(fail = 1, {
        builder_guard!("lws_add_http_header_by_name", wsi, p, end);
        // SAFETY: NUL-terminated or NULL.
        let n = unsafe { crate::capi::cstr(name as *const c_char) };
        // SAFETY: cursor checked.
        crate::roles::http::headers::add_header(
            wsi,
            n,
            bytes(value, length),
            unsafe { &mut *p },
            end,
        )
    })
}

/// A header named by token.
#[no_mangle]
pub unsafe extern "C" fn lws_add_http_header_by_token(
    wsi: *mut lws,
    token: enum_lws_token_indexes,
    value: *const c_uchar,
    length: c_int,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    entry!(fail = 1, {
        builder_guard!("lws_add_http_header_by_token", wsi, p, end);
        if !token_ok(token) {
            return 1;
        }
        let n = crate::roles::http::headers::TOKEN_NAMES[token as usize].as_bytes();
        // SAFETY: cursor checked.
        crate::roles::http::headers::add_header(
            wsi,
            Some(n),
            bytes(value, length),
            unsafe { &mut *p },
            end,
        )
    })
}

/// content-length, remembered as what the body will be.
#[no_mangle]
pub unsafe extern "C" fn lws_add_http_header_content_length(
    wsi: *mut lws,
    content_length: lws_filepos_t,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    entry!(fail = 1, {
        builder_guard!("lws_add_http_header_content_length", wsi, p, end);
        // SAFETY: cursor checked.
        crate::roles::http::headers::add_content_length(
            wsi,
            content_length,
            unsafe { &mut *p },
            end,
        )
    })
}

/// Status, content-type and content-length (or connection: close without a length).
#[no_mangle]
pub unsafe extern "C" fn lws_add_http_common_headers(
    wsi: *mut lws,
    code: c_uint,
    content_type: *const c_char,
    content_len: lws_filepos_t,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    entry!(fail = 1, {
        builder_guard!("lws_add_http_common_headers", wsi, p, end);
        // SAFETY: NUL-terminated or NULL.
        let ct = unsafe { crate::capi::cstr(content_type) };
        // SAFETY: cursor checked.
        crate::roles::http::headers::add_common(wsi, code, ct, content_len, unsafe { &mut *p }, end)
    })
}

/// The blank line that ends the headers.
#[no_mangle]
pub unsafe extern "C" fn lws_finalize_http_header(
    wsi: *mut lws,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    entry!(fail = 1, {
        builder_guard!("lws_finalize_http_header", wsi, p, end);
        // SAFETY: cursor checked.
        crate::roles::http::headers::finalize(wsi, unsafe { &mut *p }, end)
    })
}

/// Finalizes and writes the headers from `start` to *pp.
#[no_mangle]
pub unsafe extern "C" fn lws_finalize_write_http_header(
    wsi: *mut lws,
    start: *mut c_uchar,
    pp: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    entry!(fail = 1, {
        builder_guard!("lws_finalize_write_http_header", wsi, pp, end);
        need!(start);
        // SAFETY: cursor checked.
        let p = unsafe { &mut *pp };
        if crate::roles::http::headers::finalize(wsi, p, end) != 0 || (*p as usize) < start as usize
        {
            return 1;
        }
        let len = *p as usize - start as usize;
        // SAFETY: start..*p is the caller's buffer, just filled.
        let n =
            unsafe { crate::roles::ws::write(wsi, start, len, LWS_WRITE_HTTP_HEADERS as c_int) };
        (n != len as c_int) as c_int
    })
}

/// A status answer with a small HTML body; nonzero on failure.
#[no_mangle]
pub unsafe extern "C" fn lws_return_http_status(
    wsi: *mut lws,
    code: c_uint,
    html_body: *const c_char,
) -> c_int {
    entry!(fail = 1, {
        need!(wsi);
        // SAFETY: NUL-terminated or NULL.
        let body = unsafe { crate::capi::cstr(html_body) };
        crate::roles::http::headers::return_status(wsi, code, body)
    })
}

/// A redirect with Location `loc`; bytes written or -1.
#[no_mangle]
pub unsafe extern "C" fn lws_http_redirect(
    wsi: *mut lws,
    code: c_int,
    loc: *const c_uchar,
    len: c_int,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    entry!({
        need!(wsi);
        // SAFETY: p is NULL or the caller's cursor.
        if !unsafe { cursor_ok(p, end) } || loc.is_null() || len < 0 {
            lwsl_err!("lws_http_redirect: bad arguments");
            return -1;
        }
        // SAFETY: cursor checked.
        crate::roles::http::headers::redirect(
            wsi,
            code as c_uint,
            bytes(loc, len),
            unsafe { &mut *p },
            end,
        )
    })
}

/// Ends the transaction: 0 keeps the connection for the next request, nonzero means the
/// caller should return -1 to close it.
#[no_mangle]
pub unsafe extern "C" fn lws_http_transaction_completed(wsi: *mut lws) -> c_int {
    entry!(fail = 1, {
        need!(wsi);
        crate::roles::http::server::transaction_completed(wsi)
    })
}

/// Sends a file as the answer: headers now, the body as the socket takes it.
#[no_mangle]
pub unsafe extern "C" fn lws_serve_http_file(
    wsi: *mut lws,
    file: *const c_char,
    content_type: *const c_char,
    other_headers: *const c_char,
    other_headers_len: c_int,
) -> c_int {
    entry!({
        need!(wsi);
        // SAFETY: NUL-terminated or NULL.
        let Some(path) = (unsafe { crate::capi::cstr(file) }) else {
            lwsl_err!("lws_serve_http_file: NULL file");
            return -1;
        };
        // SAFETY: NUL-terminated or NULL.
        let ct = unsafe { crate::capi::cstr(content_type) };
        let other = bytes(other_headers as *const c_uchar, other_headers_len);
        crate::roles::http::file::serve_file_path(wsi, path, ct, other)
    })
}

/// Marks the answer as a server-sent event stream: no timeout, no keep-alive.
#[no_mangle]
pub unsafe extern "C" fn lws_http_mark_sse(wsi: *mut lws) -> c_int {
    entry!(fail = 0, {
        if wsi.is_null() {
            return 0;
        }
        crate::roles::http::server::mark_sse(wsi)
    })
}

/// Drops the request's headers early (lws frees its header table).
#[no_mangle]
pub unsafe extern "C" fn lws_http_headers_detach(wsi: *mut lws) -> c_int {
    entry!({
        need!(wsi);
        // As lws: the request's headers are gone; lws_hdr_* answer 0 from now on.
        wref!(wsi).req = None;
        0
    })
}

/// Lengthens `*us_interval_in_out` to what the answer's Retry-After asks: 0 when it
/// changed it, 1 when the header is absent, unreadable or shorter.
#[no_mangle]
pub unsafe extern "C" fn lws_http_check_retry_after(
    wsi: *mut lws,
    us_interval_in_out: *mut lws_usec_t,
) -> c_int {
    entry!(fail = 1, {
        need!(wsi);
        need!(us_interval_in_out);
        // SAFETY: checked above; the caller's interval.
        crate::roles::http::client::retry_after(wsi, unsafe { &mut *us_interval_in_out })
    })
}
