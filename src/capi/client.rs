//! lws-client.h and lws-retry.h.
use crate::abi::*;
use crate::core::{lws, lws_context, wref};
use core::ffi::{c_char, c_int, c_uint};

/// Starts a client connection.  The wsi is returned at once; CLIENT_ESTABLISHED or
/// CLIENT_CONNECTION_ERROR follows from the service loop.  NULL for what fails at once
/// (bad arguments, TLS asked for, the name does not resolve).
#[no_mangle]
pub unsafe extern "C" fn lws_client_connect_via_info(
    i: *const lws_client_connect_info,
) -> *mut lws {
    entry!({
        need!(i);
        // SAFETY: non-NULL; lws's contract for the info struct.
        let info = unsafe { &*i };
        need!(info.context);
        // SAFETY: a live context and the caller's strings.
        unsafe { crate::core::connect::connect(info) }
    })
}

/// The next delay of a backoff table (lws's semantics: the last entry repeats, the
/// jitter adds up to `jitter_percent`% (30% by default), `*conceal` says whether this try
/// is still within `conceal_count`).
#[no_mangle]
pub unsafe extern "C" fn lws_retry_get_delay_ms(
    context: *mut lws_context,
    retry: *const lws_retry_bo_t,
    ctry: *mut u16,
    conceal: *mut c_char,
) -> c_uint {
    entry!({
        need!(ctry);
        let mut r = [0u8; 2];
        if context.is_null() {
            crate::core::connect::fill_random(&mut r);
        } else {
            crate::core::connect::random_bytes(context, &mut r);
        }
        // SAFETY: caller's pointers (retry may be NULL, conceal may be NULL).
        let (ms, c) =
            unsafe { crate::core::retry::delay(retry.as_ref(), &mut *ctry, u16::from_ne_bytes(r)) };
        if !conceal.is_null() {
            // SAFETY: caller's flag.
            unsafe { *conceal = c as c_char };
        }
        ms
    })
}

/// Schedules `cb` on the timer `sul` after the next delay of the retry policy `retry` (NULL: a
/// default policy) for the attempt count `*ctry`, which is incremented.
/// Returns 0 when scheduled, 1 when the policy says to give up (its retry count is exhausted),
/// `tid` is not 0 (this build has one service thread) or an argument is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_retry_sul_schedule(
    context: *mut lws_context,
    tid: c_int,
    sul: *mut lws_sorted_usec_list_t,
    retry: *const lws_retry_bo_t,
    cb: sul_cb_t,
    ctry: *mut u16,
) -> c_int {
    entry!(fail = 1, {
        need!(context);
        need!(sul);
        need!(ctry);
        let mut conceal: c_char = 0;
        // SAFETY: checked above.
        let ms = unsafe { lws_retry_get_delay_ms(context, retry, ctry, &mut conceal) };
        if conceal == 0 {
            return 1;
        }
        if tid != 0 {
            lwsl_err!("lws_retry_sul_schedule: only service thread 0 exists");
            return 1;
        }
        // SAFETY: the caller's live sul.
        unsafe { crate::core::sul::sul_schedule(context, sul, cb, ms as lws_usec_t * 1000) };
        0
    })
}

/// As lws_retry_sul_schedule for the client connection `wsi`, using its context and the retry
/// policy from its connect info. Returns 0 when scheduled, 1 to give up or on NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_retry_sul_schedule_retry_wsi(
    wsi: *mut lws,
    sul: *mut lws_sorted_usec_list_t,
    cb: sul_cb_t,
    ctry: *mut u16,
) -> c_int {
    entry!(fail = 1, {
        need!(wsi);
        let s = wref!(wsi);
        let retry = s.client.as_ref().map_or(core::ptr::null(), |c| c.retry);
        let ctx = s.ctx;
        // SAFETY: same contract.
        unsafe { lws_retry_sul_schedule(ctx, 0, sul, retry, cb, ctry) }
    })
}

/// Writes `Basic base64(user:pw)` into `buf` for an Authorization header.  lws's results:
/// 1 when `buf` is too small by lws's estimate, 2 when `user:pw` is 126 bytes or more
/// (lws formats it in a 128-byte buffer), else 0.
#[no_mangle]
pub unsafe extern "C" fn lws_http_basic_auth_gen(
    user: *const c_char,
    pw: *const c_char,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    entry!(fail = 1, {
        // SAFETY: NULL or the caller's C strings.
        let (Some(user), Some(pw)) = (unsafe { super::cstr(user) }, unsafe { super::cstr(pw) })
        else {
            lwsl_err!("lws_http_basic_auth_gen: NULL user or pw");
            return 1;
        };
        need!(buf);
        let creds = user.len() + pw.len() + 1;
        if len < 6 + (4 * creds) / 3 + 1 {
            return 1;
        }
        // SAFETY: buf has len (> 6) writable bytes, per lws's contract.
        let out = unsafe { core::slice::from_raw_parts_mut(buf as *mut u8, len) };
        out[..6].copy_from_slice(b"Basic ");
        if creds >= 126 {
            return 2;
        }
        let mut plain = Vec::with_capacity(creds);
        plain.extend_from_slice(user);
        plain.push(b':');
        plain.extend_from_slice(pw);
        // lws's size estimate leaves out base64 padding, so a short buffer can still get
        // a truncated encoding (lws returns 0 then too): copy what the encoder produced.
        let size = c_int::try_from(len - 6).unwrap_or(c_int::MAX);
        let text = match crate::misc::b64_encode(crate::misc::B64_STD, &plain, size) {
            Ok(t) | Err(t) => t,
        };
        let n = text.len().min(len - 6);
        out[6..6 + n].copy_from_slice(&text[..n]);
        // lws leaves the bytes after a truncated encoding unset; end the string there.
        if 6 + n < len {
            out[6 + n] = 0;
        }
        out[len - 1] = 0;
        0
    })
}

/// Inside RECEIVE_CLIENT_HTTP: hands the waiting body bytes (chunked framing removed)
/// to RECEIVE_CLIENT_HTTP_READ, at most `*len` raw bytes when `*buf` is given.  0, or
/// -1 when the body ended with the connection or is malformed.
#[no_mangle]
pub unsafe extern "C" fn lws_http_client_read(
    wsi: *mut lws,
    buf: *mut *mut c_char,
    len: *mut c_int,
) -> c_int {
    entry!(fail = -1, {
        need!(wsi);
        need!(buf);
        need!(len);
        // SAFETY: checked above; the caller's cursor and room.
        let (b, l) = unsafe { (*buf, *len) };
        let limit = if b.is_null() || l <= 0 {
            usize::MAX
        } else {
            l as usize
        };
        let r = crate::roles::http::client::read(wsi, limit);
        // SAFETY: as above.
        unsafe { *len = 0 };
        r
    })
}

/// The status code of the answer's head, 0 before it arrived. A ws client has its
/// upgrade answer's (101) during ESTABLISHED_CLIENT_HTTP, and 0 again once upgraded, as
/// lws, which drops the answer's headers then.
#[no_mangle]
pub unsafe extern "C" fn lws_http_client_http_response(wsi: *mut lws) -> c_uint {
    entry!({
        need!(wsi);
        match crate::roles::http::client::hc(wsi) {
            Some(h) => h.status,
            None => wref!(wsi).client.as_ref().map_or(0, |c| c.ws_status),
        }
    })
}

/// Whether the program still has request body to send (CLIENT_HTTP_WRITEABLE goes on
/// until it says 0).
#[no_mangle]
pub unsafe extern "C" fn lws_client_http_body_pending(
    wsi: *mut lws,
    something_left_to_send: c_int,
) {
    entry!({
        if wsi.is_null() {
            lwsl_err!("lws_client_http_body_pending: NULL wsi");
            return;
        }
        match crate::roles::http::client::hc(wsi) {
            Some(h) => h.body_pending = something_left_to_send != 0,
            None => lwsl_err!("lws_client_http_body_pending: not an HTTP client"),
        }
    })
}

/// 1 once a 303 turned the request into a GET.
#[no_mangle]
pub unsafe extern "C" fn lws_http_is_redirected_to_get(wsi: *mut lws) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        crate::roles::http::client::hc(wsi).is_some_and(|h| h.redirected_to_get) as c_int
    })
}

/// A multipart/form-data part header at *p (or, with NULL name, the closing boundary),
/// for a connection made with LCCSCF_HTTP_MULTIPART_MIME.
#[no_mangle]
pub unsafe extern "C" fn lws_client_http_multipart(
    wsi: *mut lws,
    name: *const c_char,
    filename: *const c_char,
    content_type: *const c_char,
    p: *mut *mut c_char,
    end: *mut c_char,
) -> c_int {
    entry!(fail = 1, {
        need!(wsi);
        need!(p);
        need!(end);
        // SAFETY: the caller's cursor.
        if unsafe { *p }.is_null() {
            lwsl_err!("lws_client_http_multipart: NULL cursor");
            return 1;
        }
        // SAFETY: NULL or NUL-terminated strings, per lws's contract.
        let (n, f, t) = unsafe {
            (
                super::cstr(name),
                super::cstr(filename),
                super::cstr(content_type),
            )
        };
        // SAFETY: p is the caller's cursor into a buffer ending at end.
        let cur = unsafe { &mut *(p as *mut *mut u8) };
        crate::roles::http::client::multipart(wsi, n, f, t, cur, end as *mut u8)
    })
}
