//! Request header access (lws_hdr_*) and the response header builders
//! (lws_add_http_header_*, lws_return_http_status, redirects).
use crate::abi::*;
use crate::core::output::send_raw;
use crate::core::*;
use crate::roles::http::server::ht;
use crate::roles::http::server::mount_str;
use core::ffi::c_int;

/// lws's header names, indexed by `enum lws_token_indexes` (default build: every
/// optional group on).  Request headers are matched against these.
pub(crate) const TOKEN_NAMES: [&str; 89] = [
    "get ",
    "post ",
    "options ",
    "host:",
    "connection:",
    "upgrade:",
    "origin:",
    "sec-websocket-draft:",
    "\r\n",
    "sec-websocket-extensions:",
    "sec-websocket-key1:",
    "sec-websocket-key2:",
    "sec-websocket-protocol:",
    "sec-websocket-accept:",
    "sec-websocket-nonce:",
    "http/1.1 ",
    "http2-settings:",
    "accept:",
    "access-control-request-headers:",
    "if-modified-since:",
    "if-none-match:",
    "accept-encoding:",
    "accept-language:",
    "pragma:",
    "cache-control:",
    "authorization:",
    "cookie:",
    "content-length:",
    "content-type:",
    "date:",
    "range:",
    "referer:",
    "sec-websocket-key:",
    "sec-websocket-version:",
    "sec-websocket-origin:",
    ":authority",
    ":method",
    ":path",
    ":scheme",
    ":status",
    "accept-charset:",
    "accept-ranges:",
    "access-control-allow-origin:",
    "age:",
    "allow:",
    "content-disposition:",
    "content-encoding:",
    "content-language:",
    "content-location:",
    "content-range:",
    "etag:",
    "expect:",
    "expires:",
    "from:",
    "if-match:",
    "if-range:",
    "if-unmodified-since:",
    "last-modified:",
    "link:",
    "location:",
    "max-forwards:",
    "proxy-authenticate:",
    "proxy-authorization:",
    "refresh:",
    "retry-after:",
    "server:",
    "set-cookie:",
    "strict-transport-security:",
    "transfer-encoding:",
    "user-agent:",
    "vary:",
    "via:",
    "www-authenticate:",
    "patch",
    "put",
    "delete",
    "uri-args",
    "proxy ",
    "x-real-ip:",
    "http/1.0 ",
    "x-forwarded-for:",
    "connect ",
    "head ",
    "te:",
    "replay-nonce:",
    ":protocol",
    "x-auth-token:",
    "x-amzn-dss-signature:",
    // _WSI_TOKEN_CLIENT_SENT_PROTOCOLS: lws's table ends with this unmatchable entry.
    "",
];

/// The request methods lws knows, as (method, token), in lws's `methods[]` order.
pub(crate) const METHODS: [(&[u8], u32); 8] = [
    (b"GET", (WSI_TOKEN_GET_URI as u32)),
    (b"POST", (WSI_TOKEN_POST_URI as u32)),
    (b"OPTIONS", (WSI_TOKEN_OPTIONS_URI as u32)),
    (b"PUT", (WSI_TOKEN_PUT_URI as u32)),
    (b"PATCH", (WSI_TOKEN_PATCH_URI as u32)),
    (b"DELETE", (WSI_TOKEN_DELETE_URI as u32)),
    (b"CONNECT", (WSI_TOKEN_CONNECT as u32)),
    (b"HEAD", (WSI_TOKEN_HEAD_URI as u32)),
];

/// The fragments of header token `h` of the current request, in order.
pub(crate) fn fragments(w: *mut lws, h: c_int) -> Vec<Vec<u8>> {
    let s = wref!(w);
    let Some(req) = s.req.as_ref() else {
        return Vec::new();
    };
    if h < 0 || h as usize >= TOKEN_NAMES.len() {
        return Vec::new();
    }
    let h = h as u32;
    if h == (WSI_TOKEN_HTTP_URI_ARGS as u32) {
        return s.http.as_ref().map(|x| x.args.clone()).unwrap_or_default();
    }
    if let Some(m) = s.mux.as_ref() {
        // An h2 stream's pseudo-headers, under lws's tokens for them.
        if let Some(v) = crate::roles::h2::pseudo(m, s.http.as_deref(), h) {
            return v;
        }
    }
    if let Some(&(_, tok)) = METHODS.iter().find(|(_, t)| *t == h) {
        let m = req.method(&s.hdr);
        let hit = METHODS.iter().any(|(name, t)| *t == tok && *name == m);
        if !hit {
            return Vec::new();
        }
        return match s.http.as_ref() {
            Some(x) if !x.path_frags.is_empty() => x.path_frags.clone(),
            _ => Vec::new(),
        };
    }
    if h == WSI_TOKEN_HTTP_AUTHORIZATION as u32 {
        if let Some(u) = s.http.as_ref().and_then(|x| x.auth_user.as_ref()) {
            return vec![u.clone()];
        }
    }
    if s.client.as_ref().is_some_and(|c| c.http.is_some()) {
        // An HTTP client's answer: the status line's code and reason are kept under the
        // token of its version, as lws's parser does.
        let tok = if req.version == 1 {
            WSI_TOKEN_HTTP as u32
        } else {
            WSI_TOKEN_HTTP1_0 as u32
        };
        if h == WSI_TOKEN_HTTP as u32 || h == WSI_TOKEN_HTTP1_0 as u32 {
            return if h == tok {
                vec![s.hdr[req.path.clone()].to_vec()]
            } else {
                Vec::new()
            };
        }
    }
    if h == (WSI_TOKEN_HTTP as u32) {
        let v = if req.version == 1 {
            "HTTP/1.1"
        } else {
            "HTTP/1.0"
        };
        return vec![v.as_bytes().to_vec()];
    }
    let name = TOKEN_NAMES[h as usize];
    let Some(name) = name.strip_suffix(':') else {
        return Vec::new();
    };
    // lws's parser starts each later occurrence of a header with a space of its own and
    // keeps the request's whitespace after the colon (parsers.c, issue_char(wsi, ' ')).
    let mut out = Vec::new();
    for (n, v) in &req.headers {
        if !s.hdr[n.clone()].eq_ignore_ascii_case(name.as_bytes()) {
            continue;
        }
        if out.is_empty() {
            out.push(s.hdr[v.clone()].to_vec());
        } else {
            let mut f = vec![b' '];
            let from = (n.end + 1).min(v.start);
            f.extend_from_slice(&s.hdr[from..v.end.max(from)]);
            out.push(f);
        }
    }
    out
}

/// lws_hdr_total_length: the fragments' lengths plus one separator between each.
pub(crate) fn total_length(w: *mut lws, h: c_int) -> usize {
    let f = fragments(w, h);
    if f.is_empty() {
        return 0;
    }
    f.iter().map(|x| x.len()).sum::<usize>() + f.len() - 1
}

/// lws_hdr_copy's joined value: ',' between fragments (';' for cookies, '&' for args).
pub(crate) fn joined(w: *mut lws, h: c_int) -> Vec<u8> {
    let h32 = h as u32;
    let sep = if h32 == WSI_TOKEN_HTTP_COOKIE as u32 || h32 == WSI_TOKEN_HTTP_SET_COOKIE as u32 {
        b';'
    } else if h32 == WSI_TOKEN_HTTP_URI_ARGS as u32 {
        b'&'
    } else {
        b','
    };
    let mut out = Vec::new();
    for (i, f) in fragments(w, h).iter().enumerate() {
        if i > 0 {
            out.push(sep);
        }
        out.extend_from_slice(f);
    }
    out
}

/// `joined(w, h)`, borrowed from the header table when the header occurs at most once
/// (nearly always; Host is looked up for every request).  For plain headers only: not
/// the method, URI, version or argument tokens, nor Authorization.
pub(crate) fn joined_cow<'a>(w: *mut lws, h: c_int) -> std::borrow::Cow<'a, [u8]> {
    use std::borrow::Cow;
    let s = wref!(w);
    let name = TOKEN_NAMES
        .get(h as usize)
        .and_then(|n| n.strip_suffix(':'));
    let (Some(req), Some(name)) = (s.req.as_ref(), name) else {
        return Cow::Borrowed(&[]);
    };
    let mut hits = req
        .headers
        .iter()
        .filter(|(n, _)| s.hdr[n.clone()].eq_ignore_ascii_case(name.as_bytes()));
    match (hits.next(), hits.next()) {
        (None, _) => Cow::Borrowed(&[]),
        (Some((_, v)), None) => {
            let hdr: &'a [u8] = &s.hdr;
            Cow::Borrowed(&hdr[v.clone()])
        }
        _ => Cow::Owned(joined(w, h)),
    }
}

/// Fields that arrive after the head (an h2 peer's trailers) join the wsi's header
/// table, where lws's decoder puts them too, so `lws_hdr_*` and `lws_hdr_custom_*`
/// read them once they came (at HTTP_BODY_COMPLETION, COMPLETED_CLIENT_HTTP).  A wsi
/// without a table (its head already released) has nowhere to keep them.
pub(crate) fn append_fields(w: *mut lws, fields: &[crate::h2::Header]) {
    let s = wref!(w);
    let Some(req) = s.req.as_mut() else {
        return;
    };
    for f in fields {
        let a = s.hdr.len();
        s.hdr.extend_from_slice(&f.name);
        let b = s.hdr.len();
        s.hdr.extend_from_slice(&f.value);
        req.headers.push((a..b, b..s.hdr.len()));
    }
    // Nothing after the table is input still to be read.
    req.len = s.hdr.len();
}

/// A header lws does not know by token, by its lower-case name with the ':' (as lws
/// stores unknown headers).
pub(crate) fn custom(w: *mut lws, name: &[u8]) -> Option<Vec<u8>> {
    let s = wref!(w);
    let req = s.req.as_ref()?;
    for (n, v) in &req.headers {
        let hn = &s.hdr[n.clone()];
        if hn.len() + 1 != name.len() || name.last() != Some(&b':') {
            continue;
        }
        let lower: Vec<u8> = hn.iter().map(|b| b.to_ascii_lowercase()).collect();
        if lower[..] != name[..hn.len()] {
            continue;
        }
        let mut known = lower.clone();
        known.push(b':');
        if TOKEN_NAMES.iter().any(|t| t.as_bytes() == &known[..]) {
            continue;
        }
        return Some(s.hdr[v.clone()].to_vec());
    }
    None
}

/// lws_http_get_uri_and_method: the method's index (LWSHUMETH_*, lws's `methods[]`
/// order) and the URI, NUL-terminated, inside the request record.
pub(crate) fn uri_and_method(w: *mut lws) -> Option<(usize, *const u8, usize)> {
    let s = wref!(w);
    s.req.as_ref()?;
    let x = s.http.as_ref()?;
    let idx = METHODS.iter().position(|(_, t)| *t == x.method)?;
    Some((idx, x.uri_c.as_ptr(), x.uri().len()))
}

/// Appends "name: value\r\n" (or just "value\r\n" without a name) at *p, lws's rules:
/// 1 if it does not fit.
pub(crate) fn add_header(
    w: *mut lws,
    name: Option<&[u8]>,
    value: &[u8],
    p: &mut *mut u8,
    end: *mut u8,
) -> c_int {
    if let (Some(n), false) = (name, w.is_null()) {
        if wref!(w).mux.is_some() {
            // An h2 stream: the builder writes HPACK, as lws's does.
            return crate::roles::h2::headers::add_header(w, n, value, p, end);
        }
    }
    // Byte for byte as lws_add_http_header_by_name, including what a call that fails
    // has already written (the name, as far as it fits).
    let room = |p: *mut u8| (end as usize).saturating_sub(p as usize);
    if (*p).is_null() {
        return 1;
    }
    if let Some(n) = name {
        let mut has_colon = false;
        for &c in n {
            if room(*p) == 0 {
                break;
            }
            has_colon |= c == b':';
            // SAFETY: *p < end: one byte of the caller's buffer.
            unsafe {
                **p = c;
                *p = (*p).add(1);
            }
        }
        if room(*p) <= if has_colon { 1 } else { 2 } {
            return 1;
        }
        // SAFETY: at least 2 (or 3) bytes remain.
        unsafe {
            if !has_colon {
                **p = b':';
                *p = (*p).add(1);
            }
            **p = b' ';
            *p = (*p).add(1);
        }
    }
    if room(*p) <= value.len() + 3 {
        return 1;
    }
    // SAFETY: value.len() + 2 < room bytes are writable at *p.
    unsafe {
        core::ptr::copy_nonoverlapping(value.as_ptr(), *p, value.len());
        *p = (*p).add(value.len());
        **p = b'\r';
        *(*p).add(1) = b'\n';
        *p = (*p).add(2);
    }
    0
}

pub(crate) fn finalize(w: *mut lws, p: &mut *mut u8, end: *mut u8) -> c_int {
    if !w.is_null() && wref!(w).mux.is_some() {
        // A header block has no terminator.
        return 0;
    }
    if (end as usize).saturating_sub(*p as usize) < 3 {
        return 1;
    }
    // SAFETY: at least 3 bytes are writable at *p.
    unsafe {
        **p = b'\r';
        *(*p).add(1) = b'\n';
        *p = (*p).add(2);
    }
    0
}

const ERR400: [&str; 18] = [
    "Bad Request",
    "Unauthorized",
    "Payment Required",
    "Forbidden",
    "Not Found",
    "Method Not Allowed",
    "Not Acceptable",
    "Proxy Auth Required",
    "Request Timeout",
    "Conflict",
    "Gone",
    "Length Required",
    "Precondition Failed",
    "Request Entity Too Large",
    "Request URI too Long",
    "Unsupported Media Type",
    "Requested Range Not Satisfiable",
    "Expectation Failed",
];

const ERR500: [&str; 6] = [
    "Internal Server Error",
    "Not Implemented",
    "Bad Gateway",
    "Service Unavailable",
    "Gateway Timeout",
    "HTTP Version Not Supported",
];

/// Security headers lws adds with HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE, in its
/// order.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "content-security-policy:",
        "default-src 'none'; img-src 'self' data: ; script-src 'self'; font-src 'self'; \
         style-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; \
         base-uri 'none';form-action 'self';",
    ),
    ("x-content-type-options:", "nosniff"),
    ("x-xss-protection:", "1; mode=block"),
    ("x-frame-options:", "deny"),
    ("referrer-policy:", "no-referrer"),
];

/// lws_add_http_header_status: the status line, then the vhost's headers, the security
/// headers if the vhost asks, and the server string.
pub(crate) fn add_status(w: *mut lws, code_flags: u32, p: &mut *mut u8, end: *mut u8) -> c_int {
    let code = code_flags & LWSAHH_CODE_MASK as u32;
    let version = {
        let x = ht(w);
        x.response_code = code;
        x.version
    };
    let mut desc = "";
    if (400..400 + ERR400.len() as u32).contains(&code) {
        desc = ERR400[(code - 400) as usize];
    }
    if (500..500 + ERR500.len() as u32).contains(&code) {
        desc = ERR500[(code - 500) as usize];
    }
    if code == 100 {
        desc = "Continue";
    }
    if code == 200 {
        desc = "OK";
    }
    if code == 304 {
        desc = "Not Modified";
    } else if (300..400).contains(&code) {
        desc = "Redirect";
    }
    if wref!(w).mux.is_some() {
        if crate::roles::h2::headers::add_status(w, code, p, end) != 0 {
            return 1;
        }
    } else {
        let line = format!(
            "{} {} {}",
            if version == 1 { "HTTP/1.1" } else { "HTTP/1.0" },
            code,
            desc
        );
        if add_header(w, None, line.as_bytes(), p, end) != 0 {
            return 1;
        }
    }
    let (vh, ctx) = {
        let s = wref!(w);
        (s.vhost, s.ctx)
    };
    let mut h = vh!(vh).headers;
    while !h.is_null() {
        // SAFETY: the vhost's header list is the caller's, alive as long as the vhost.
        let hh = unsafe { &*h };
        let n = mount_str(hh.name).unwrap_or(b"");
        let v = mount_str(hh.value).unwrap_or(b"");
        if add_header(w, Some(n), v, p, end) != 0 {
            return 1;
        }
        h = hh.next;
    }
    if vh!(vh).options & LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE != 0 {
        for (n, v) in SECURITY_HEADERS {
            if add_header(w, Some(n.as_bytes()), v.as_bytes(), p, end) != 0 {
                return 1;
            }
        }
    }
    let server = cx!(ctx).server_string.clone();
    if let Some(sv) = server {
        if code_flags & LWSAHH_FLAG_NO_SERVER_NAME as u32 == 0
            && add_header(w, Some(b"server:"), sv.as_bytes(), p, end) != 0
        {
            return 1;
        }
    }
    if (end as usize).saturating_sub(*p as usize) <= 2 {
        lwsl_err!("lws_add_http_header_status: reached end of buffer");
        return 1;
    }
    0
}

/// lws_add_http_header_content_length (also records what the body will be).
pub(crate) fn add_content_length(w: *mut lws, n: u64, p: &mut *mut u8, end: *mut u8) -> c_int {
    if add_header(
        w,
        Some(b"content-length:"),
        n.to_string().as_bytes(),
        p,
        end,
    ) != 0
    {
        return 1;
    }
    ht(w).tx_content_remain = n;
    0
}

/// lws_add_http_common_headers.
pub(crate) fn add_common(
    w: *mut lws,
    code: u32,
    content_type: Option<&[u8]>,
    content_len: u64,
    p: &mut *mut u8,
    end: *mut u8,
) -> c_int {
    if add_status(w, code, p, end) != 0 {
        return 1;
    }
    if let Some(ct) = content_type {
        if add_header(w, Some(b"content-type:"), ct, p, end) != 0 {
            return 1;
        }
    }
    if content_len != LWS_ILLEGAL_HTTP_CONTENT_LEN as u64 {
        return add_content_length(w, content_len, p, end);
    }
    if wref!(w).mux.is_some() {
        // h2: the end of the body is END_STREAM, the connection goes on.
        return 0;
    }
    // No length: the end of the body is the end of the connection.
    if add_header(w, Some(b"connection:"), b"close", p, end) != 0 {
        return 1;
    }
    ht(w).keep_alive = false;
    0
}

/// lws_return_http_status: a status with a small HTML body (404 redirects to the
/// vhost's error document when it has one).
pub(crate) fn return_status(w: *mut lws, code: u32, html: Option<&[u8]>) -> c_int {
    let (vh, handling_404) = (wref!(w).vhost, ht(w).handling_404);
    let mut buf = vec![0u8; 4096];
    let mut p = buf.as_mut_ptr();
    // SAFETY: within buf.
    let end = unsafe { p.add(buf.len()) };
    if !handling_404 && code == 404 {
        if let Some(doc) = vh!(vh).error_document_404.clone() {
            if redirect(w, 302, doc.as_bytes(), &mut p, end) > 0 {
                return 0;
            }
            p = buf.as_mut_ptr();
        }
    }
    let body = format!(
        "<html><head><meta charset=utf-8 http-equiv=\"Content-Language\" content=\"en\"/>\
         <link rel=\"stylesheet\" type=\"text/css\" href=\"/error.css\"/></head>\
         <body><h1>{}</h1>{}</body></html>",
        code,
        String::from_utf8_lossy(html.unwrap_or(b""))
    );
    let body = body.as_bytes();
    let body = &body[..body.len().min(509)];
    if add_status(w, code, &mut p, end) != 0
        || add_header(w, Some(b"content-type:"), b"text/html", &mut p, end) != 0
        || add_header(
            w,
            Some(b"content-length:"),
            body.len().to_string().as_bytes(),
            &mut p,
            end,
        ) != 0
        || finalize(w, &mut p, end) != 0
    {
        return 1;
    }
    let n = p as usize - buf.as_ptr() as usize;
    if wref!(w).mux.is_some() {
        // h2: the head is a HEADERS frame, the page its DATA (ending the stream).
        let ok = crate::roles::h2::send_headers(w, &buf[..n], 0)
            && crate::roles::h2::stream_data(w, body, true);
        return !ok as c_int;
    }
    let mut out = buf[..n].to_vec();
    out.extend_from_slice(body);
    if send_raw(w, &out) {
        0
    } else {
        1
    }
}

/// lws_http_redirect: status, Location, empty body; the byte count written or -1.
pub(crate) fn redirect(w: *mut lws, code: u32, loc: &[u8], p: &mut *mut u8, end: *mut u8) -> c_int {
    let start = *p;
    if add_status(w, code, p, end) != 0
        || add_header(w, Some(b"location:"), loc, p, end) != 0
        || add_header(w, Some(b"content-type:"), b"text/html", p, end) != 0
        || add_header(w, Some(b"content-length:"), b"0", p, end) != 0
        || finalize(w, p, end) != 0
    {
        return -1;
    }
    let n = *p as usize - start as usize;
    // SAFETY: start..*p was just written inside the caller's buffer.
    let data = unsafe { core::slice::from_raw_parts(start, n) };
    if send_head(w, data) {
        n as c_int
    } else {
        -1
    }
}

/// Sends a response head the builders above wrote: as it is on HTTP/1, as a HEADERS
/// frame on an h2 stream (where the builders wrote HPACK).
pub(crate) fn send_head(w: *mut lws, head: &[u8]) -> bool {
    if wref!(w).mux.is_some() {
        return crate::roles::h2::send_headers(w, head, 0);
    }
    send_raw(w, head)
}
