//! The HTTP/1.1 client role (lws's roles/http/client): a connection made by
//! `lws_client_connect_via_info` with a `method`.  The request head goes out when the
//! connect completes (APPEND_HANDSHAKE_HEADER lets the program add headers), an optional
//! body follows from CLIENT_HTTP_WRITEABLE, then the answer's head is parsed (redirects
//! followed), and its body is handed out by `lws_http_client_read` from inside
//! RECEIVE_CLIENT_HTTP, as lws does.
//!
//! ```text
//!  H1(Client) --connected, head sent--> H1(ClientHttp) [Sending body]* --> Head
//!      --answer's head--> ESTABLISHED_CLIENT_HTTP --> Body --end--> COMPLETED --> Done
//!      --3xx + Location (and not LCCSCF_HTTP_NO_FOLLOW_REDIRECT)--> H1(Client) again
//! ```
use crate::abi::*;
use crate::core::close::Why;
use crate::core::connect::fail;
use crate::core::wsi::{callback, set_timeout};
use crate::core::*;
use crate::http::chunked::Decoder;
use crate::http::request::Request;
use crate::roles::H1;
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null_mut;
use std::io::Write;

/// lws follows at most this many redirects (lws_client_reset refuses the fifth).
pub(crate) const MAX_REDIRECTS: u8 = 4;
/// Unread body bytes a program may leave behind across RECEIVE_CLIENT_HTTPs (it did not
/// call `lws_http_client_read`); past this the connection is closed, so a program that
/// stops reading cannot make us buffer the whole body.
pub(crate) const HELD_MAX: usize = 1 << 20;

/// Where the answer stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Phase {
    /// Waiting for (the rest of) the answer's head.
    Head,
    /// The head was accepted: body bytes go out through `lws_http_client_read`.
    Body,
    /// COMPLETED_CLIENT_HTTP was given; anything more is dropped.
    Done,
}

/// How the answer's body ends.
pub(crate) enum BodyEnd {
    /// Content-Length: this many bytes remain.
    Length(u64),
    /// Transfer-Encoding: chunked.
    Chunked(Decoder),
    /// Neither: the body runs until the server closes.
    Close,
    /// An HTTP/2 stream: every byte is body; END_STREAM ends it.
    Stream,
}

/// An HTTP client connection's own state (inside `ClientInfo`).
pub(crate) struct HttpClient {
    pub method: String,
    /// LCCSCF_* flags of the connect info.
    pub flags: u32,
    pub phase: Phase,
    /// lws_client_http_body_pending: the program still has request body to send.
    pub body_pending: bool,
    /// The request head is out and its body is being sent (lws's LRS_ISSUE_HTTP_BODY).
    pub sending_body: bool,
    /// The answer's status code (0 until its head arrived).
    pub status: u32,
    pub redirects: u8,
    pub redirected_to_get: bool,
    /// LCCSCF_HTTP_MULTIPART_MIME: the boundary, and whether a part was already begun.
    pub boundary: Option<String>,
    pub subsequent_part: bool,
    pub body: BodyEnd,
    /// The bytes RECEIVE_CLIENT_HTTP is about (valid only during that callback), and how
    /// far `lws_http_client_read` has consumed them.
    rx: *const u8,
    rx_len: usize,
    rx_pos: usize,
    /// Body bytes a RECEIVE_CLIENT_HTTP left unread, given first next time.
    held: Vec<u8>,
    /// The server closed: `lws_http_client_read` reports the end.
    eof: bool,
    /// LCCSCF_PIPELINE connections to the same place waiting to use this one's socket
    /// in turn, as (slot, generation); and whether this one waits on another's.
    pub queue: std::collections::VecDeque<(usize, u32)>,
    pub queued: bool,
    /// The server keeps the connection open after this answer (HTTP/1.1 with a
    /// length or chunked body); false once it did not.
    pub keepalive: bool,
    pub keepalive_rejected: bool,
    /// ALPN offers h2: the request waits for the TLS handshake's choice.
    pub h2_offer: bool,
    pub alpn_pending: bool,
    /// manual_initial_tx_credit (LCCSCF_H2_MANUAL_RXFLOW).
    pub h2_credit: i32,
    /// This transaction is a stream of an HTTP/2 connection.
    pub h2: Option<Box<super::client_h2::H2Stream>>,
    /// keep_warm_secs of the connect info (lws: 0 means 5): how long a connection whose
    /// transaction completed stays open for another to queue on it.
    pub keep_warm_secs: u16,
    /// lws_client_reset: where the connection goes when it is next closed.
    pub reset_to: Option<Box<super::client_reset::Reset>>,
}

impl HttpClient {
    pub(crate) fn new(method: String, flags: u32) -> Box<Self> {
        Box::new(HttpClient {
            method,
            flags,
            phase: Phase::Head,
            body_pending: false,
            sending_body: false,
            status: 0,
            redirects: 0,
            redirected_to_get: false,
            boundary: None,
            subsequent_part: false,
            body: BodyEnd::Close,
            rx: core::ptr::null(),
            rx_len: 0,
            rx_pos: 0,
            held: Vec::new(),
            eof: false,
            queue: std::collections::VecDeque::new(),
            queued: false,
            keepalive: false,
            keepalive_rejected: false,
            h2_offer: false,
            alpn_pending: false,
            h2_credit: 0,
            h2: None,
            keep_warm_secs: 5,
            reset_to: None,
        })
    }

    /// A new transaction on this wsi (lws_client_reset).
    pub(crate) fn start_over(&mut self) {
        self.reset();
    }

    /// Back to the start of a transaction (a redirect), keeping what carries over.
    fn reset(&mut self) {
        self.phase = Phase::Head;
        self.body_pending = false;
        self.sending_body = false;
        self.status = 0;
        self.boundary = None;
        self.subsequent_part = false;
        self.body = BodyEnd::Close;
        self.held = Vec::new();
        self.eof = false;
    }
}

impl HttpClient {
    /// No body bytes wait from an earlier RECEIVE_CLIENT_HTTP.
    pub(crate) fn held_is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

/// The HTTP client state of `w`, if it is one.
pub(crate) fn hc<'a>(w: *mut lws) -> Option<&'a mut HttpClient> {
    wref!(w).client.as_mut().and_then(|c| c.http.as_deref_mut())
}

/// The connect completed: the request head goes out (lws_generate_client_handshake's
/// order), then the body, if any, from CLIENT_HTTP_WRITEABLE.
pub(crate) fn send_request(w: *mut lws) {
    let timeout_secs = {
        let s = wref!(w);
        s.life = Life::Open;
        s.writable = true;
        s.set_h1(H1::ClientHttp);
        cx!(s.ctx).timeout_secs
    };
    let mut req: Vec<u8> = Vec::with_capacity(4096);
    {
        let s = wref!(w);
        let Some(c) = s.client.as_ref() else { return };
        let Some(h) = c.http.as_ref() else { return };
        let _ = write!(
            req,
            "{} {} HTTP/1.1\r\nPragma: no-cache\r\nCache-Control: no-cache\r\nHost: {}\r\n",
            h.method, c.path, c.host
        );
        if let Some(o) = &c.origin {
            let _ = write!(req, "Origin: http://{o}\r\n");
        }
    }
    if !request_extras(w, &mut req, true) {
        return;
    }
    req.extend_from_slice(b"\r\n");
    let pending = hc(w).is_some_and(|h| h.body_pending);
    if let Some(h) = hc(w) {
        h.sending_body = pending;
    }
    set_timeout(
        w,
        if pending {
            PENDING_TIMEOUT_CLIENT_ISSUE_PAYLOAD
        } else {
            PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE
        } as c_int,
        timeout_secs as i64 * 1_000_000,
    );
    crate::core::output::send_raw(w, &req);
    let s = wref!(w);
    if s.out_pos >= s.out.len() {
        crate::core::output::write_interest(w, false);
    }
    // A WRITEABLE asked for while connecting is due now; a body always wants one.
    if pending || s.want_writeable {
        s.want_writeable = false;
        crate::core::wsi::request_writeable(w);
    }
}

/// The part of the request head both HTTP versions share, in lws's order, appended to
/// `req` as HTTP/1.1 header lines: WSI_CREATE, the multipart content type, `connection:
/// close` (h1, when not pipelined), what the program adds in APPEND_HANDSHAKE_HEADER,
/// the urlencoded content type.  Sets `body_pending` where these imply a body.  False
/// when the connection failed (a callback refused it).
pub(crate) fn request_extras(w: *mut lws, req: &mut Vec<u8>, h1: bool) -> bool {
    let ctx = wref!(w).ctx;
    if callback(w, LWS_CALLBACK_WSI_CREATE as c_int, null_mut(), 0) != 0 {
        fail(w, "HS: disallowed by client filter");
        return false;
    }
    let Some(flags) = hc(w).map(|h| h.flags) else {
        return false;
    };
    if flags & LCCSCF_HTTP_MULTIPART_MIME as u32 != 0 {
        // lws's boundary: random bytes in base64, as much as its 16-byte field holds
        // with the NUL (whole groups of 4: 12 characters).
        let mut raw = [0u8; 9];
        crate::core::connect::random_bytes(ctx, &mut raw);
        use base64::Engine as _;
        let b = base64::engine::general_purpose::STANDARD.encode(raw);
        let _ = write!(
            req,
            "content-type: multipart/form-data; boundary=\"{b}\"\r\n"
        );
        if let Some(h) = hc(w) {
            h.boundary = Some(b);
            h.body_pending = true;
        }
    }
    // Not pipelined: the server may close after its answer.
    if h1 && flags & LCCSCF_PIPELINE as u32 == 0 {
        req.extend_from_slice(b"connection: close\r\n");
    }
    if let Some(c) = super::cookies::header(w) {
        req.extend_from_slice(&c);
    }
    let start = req.len();
    let room = 4096usize;
    req.resize(start + room, 0);
    let base = req.as_mut_ptr();
    // SAFETY: start < req.len(); the pointer stays inside req, which is not touched
    // until the callback returns.
    let mut p = unsafe { base.add(start) } as *mut c_char;
    let pp: *mut *mut c_char = &mut p;
    if callback(
        w,
        LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER as c_int,
        pp as *mut c_void,
        room - 12,
    ) != 0
    {
        fail(w, "HS: disallowed by client filter");
        return false;
    }
    if wref!(w).life != Life::Open {
        return false;
    }
    let used = (p as usize)
        .saturating_sub(base as usize)
        .clamp(start, start + room - 12);
    req.truncate(used);
    if flags & LCCSCF_HTTP_X_WWW_FORM_URLENCODED as u32 != 0 {
        req.extend_from_slice(b"Content-Type: application/x-www-form-urlencoded\r\n");
        // lws writes a Content-Length from a length only secure streams can set (so 0
        // here); one the program appended itself is kept instead of a second, wrong one.
        let appended = String::from_utf8_lossy(&req[start..used]).to_ascii_lowercase();
        if !appended.contains("content-length:") {
            req.extend_from_slice(b"Content-Length: 0\r\n");
        }
        if let Some(h) = hc(w) {
            h.body_pending = true;
        }
    }
    true
}

/// CLIENT_HTTP_WRITEABLE; once the program says the body is done, the answer is awaited.
pub(crate) fn writeable(w: *mut lws) {
    if hc(w).is_some_and(|h| h.phase == Phase::Done && !h.queue.is_empty()) {
        // An idle kept-alive connection: a transaction queued on it takes the socket.
        hand_over(w);
        return;
    }
    if super::client_h2::defer_writeable(w) {
        return;
    }
    if callback(
        w,
        LWS_CALLBACK_CLIENT_HTTP_WRITEABLE as c_int,
        null_mut(),
        0,
    ) != 0
    {
        crate::core::close::close(w, Why::User);
        return;
    }
    if wref!(w).state() != State::ClientHttp {
        return;
    }
    let done_sending = match hc(w) {
        Some(h) if h.sending_body && !h.body_pending => {
            h.sending_body = false;
            true
        }
        _ => false,
    };
    if done_sending {
        super::client_h2::body_done(w);
    }
    if done_sending && hc(w).is_some_and(|h| h.phase == Phase::Head) {
        let ctx = wref!(w).ctx;
        let secs = cx!(ctx).timeout_secs;
        set_timeout(
            w,
            PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE as c_int,
            secs as i64 * 1_000_000,
        );
    }
}

/// Bytes from the server: the answer's head, then its body.
pub(crate) fn input(w: *mut lws, ptr: *mut u8, len: usize) {
    if hc(w).is_some_and(|h| h.alpn_pending) && super::client_h2::alpn_settled(w, ptr, len) {
        return;
    }
    let Some(phase) = hc(w).map(|h| h.phase) else {
        return;
    };
    // SAFETY: ptr[..len] is readable (see crate::roles::input).
    let data = unsafe { core::slice::from_raw_parts(ptr as *const u8, len) };
    if super::client_h2::stream_input(w, data) {
        return;
    }
    match phase {
        Phase::Head => head_input(w, data),
        Phase::Body => body_input(w, data),
        Phase::Done => {}
    }
}

fn head_input(w: *mut lws, data: &[u8]) {
    let max = {
        let s = wref!(w);
        s.hdr.extend_from_slice(data);
        cx!(s.ctx).max_http_header_data.max(4096)
    };
    let parsed = {
        let s = wref!(w);
        let mut headers = [httparse::EMPTY_HEADER; crate::http::request::MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&s.hdr) {
            Ok(httparse::Status::Partial) if s.hdr.len() > max => Err(true),
            Ok(httparse::Status::Partial) => Err(false),
            Err(_) => Err(true),
            Ok(httparse::Status::Complete(n)) => {
                let base = s.hdr.as_ptr() as usize;
                let range = |b: &[u8]| {
                    let o = b.as_ptr() as usize - base;
                    o..o + b.len()
                };
                let hdrs: Vec<_> = resp
                    .headers
                    .iter()
                    .map(|h| (range(h.name.as_bytes()), range(h.value)))
                    .collect();
                // The status as lws keeps it: what follows "HTTP/1.x " on its line.
                let line_end = s.hdr.iter().position(|&b| b == b'\r' || b == b'\n');
                let status_text = 9.min(n)..line_end.unwrap_or(9).max(9.min(n));
                Ok((
                    Request {
                        method: 0..0,
                        path: status_text,
                        version: resp.version.unwrap_or(1),
                        headers: hdrs,
                        len: n,
                    },
                    resp.code.unwrap_or(0) as u32,
                ))
            }
        }
    };
    let (req, code) = match parsed {
        Ok(p) => p,
        Err(false) => return,
        Err(true) => return fail(w, "problems parsing header"),
    };
    let consumed = req.len;
    let rest = {
        let s = wref!(w);
        let rest = s.hdr.split_off(consumed.min(s.hdr.len()));
        s.req = Some(req);
        rest
    };
    if let Some(h) = hc(w) {
        h.status = code;
    }
    if !head_complete(w, code) {
        return;
    }
    if !rest.is_empty() && hc(w).is_some_and(|h| h.phase == Phase::Body) {
        body_input(w, &rest);
    }
}

/// The value of response header `name` (lower case, no colon).
fn header(w: *mut lws, name: &str) -> Option<Vec<u8>> {
    let s = wref!(w);
    let req = s.req.as_ref()?;
    req.headers
        .iter()
        .find(|(n, _)| s.hdr[n.clone()].eq_ignore_ascii_case(name.as_bytes()))
        .map(|(_, v)| s.hdr[v.clone()].to_vec())
}

/// Acts on a complete head, in lws's order.  True when the connection goes on to the
/// body (or is done with it), false when it ended or was redirected.
pub(crate) fn head_complete(w: *mut lws, code: u32) -> bool {
    super::cookies::store(w);
    let (flags, head_req) = match hc(w) {
        Some(h) => (h.flags, h.method.eq_ignore_ascii_case("HEAD")),
        None => return false,
    };
    if flags & LCCSCF_HTTP_NO_FOLLOW_REDIRECT as u32 == 0
        && matches!(code, 301 | 302 | 303 | 307 | 308)
    {
        redirect(w, code);
        return false;
    }
    let chunked = header(w, "transfer-encoding").is_some_and(|v| v == b"chunked");
    let length = header(w, "content-length").map(|v| atoll(&v));
    // No body follows a HEAD, a 1xx, 204 or 304, whatever their headers say (RFC 9112
    // 6.3; lws would wait for one).
    let bodiless = head_req || code < 200 || code == 204 || code == 304;
    // As lws: HTTP/1.1 with a length or chunked body keeps the connection for what is
    // queued on it; otherwise the queued connections go their own way.
    let h2 = hc(w).is_some_and(|h| h.h2.is_some());
    let keepalive = h2
        || (wref!(w).req.as_ref().is_some_and(|r| r.version == 1) && (chunked || length.is_some()));
    if let Some(h) = hc(w) {
        h.keepalive = keepalive;
        h.keepalive_rejected = !keepalive;
    }
    if !keepalive {
        release_queue(w);
    }
    if let Some(h) = hc(w) {
        h.body = match (chunked, length) {
            _ if h2 => BodyEnd::Stream,
            (true, _) => BodyEnd::Chunked(Decoder::new()),
            (false, Some(n)) => BodyEnd::Length(n),
            (false, None) => BodyEnd::Close,
        };
    }
    if callback(
        w,
        LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH as c_int,
        null_mut(),
        0,
    ) != 0
    {
        fail(w, "HS: disallowed by client filter");
        return false;
    }
    if wref!(w).state() != State::ClientHttp {
        return false;
    }
    set_timeout(w, 0, 0);
    if let Some(h) = hc(w) {
        h.phase = Phase::Body;
    }
    if callback(
        w,
        LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP as c_int,
        null_mut(),
        0,
    ) != 0
    {
        fail(w, "HS: disallowed at ESTABLISHED");
        return false;
    }
    if wref!(w).state() != State::ClientHttp {
        return false;
    }
    if bodiless || (!h2 && !chunked && length == Some(0)) {
        if completed(w) != 0 {
            crate::core::close::close(w, Why::User);
        }
        return false;
    }
    true
}

/// C's atoll: leading digits, 0 for none.
fn atoll(v: &[u8]) -> u64 {
    let t = v.trim_ascii();
    t.iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0u64, |a, &b| {
            a.saturating_mul(10).saturating_add((b - b'0') as u64)
        })
}

/// 3xx with a Location: CLIENT_HTTP_REDIRECT, then the same request (GET after a 303)
/// to the new place on a new connection, as lws_client_reset does.
fn redirect(w: *mut lws, code: u32) {
    let Some(mut loc) = header(w, "location") else {
        return fail(w, "HS: Redirect code but no Location");
    };
    loc.push(0);
    if callback(
        w,
        LWS_CALLBACK_CLIENT_HTTP_REDIRECT as c_int,
        loc.as_mut_ptr() as *mut c_void,
        code as usize,
    ) != 0
    {
        return fail(w, "HS: user code rejected redirect");
    }
    if wref!(w).state() != State::ClientHttp {
        return;
    }
    loc.pop();
    let loc = String::from_utf8_lossy(&loc).into_owned();
    let (address, port, ssl) = match wref!(w).client.as_ref() {
        Some(c) => (c.address.clone(), c.port, c.tls.is_some()),
        None => return,
    };
    let was_ssl = ssl;
    let target = if loc.starts_with('/') || !loc.contains(':') {
        // Same server; lws takes a relative reference as a path from the root.
        Some((
            address,
            port,
            loc.strip_prefix('/').unwrap_or(&loc).to_string(),
            ssl,
        ))
    } else {
        parse_uri(&loc)
    };
    let Some((address, port, path, ssl)) = target else {
        return fail(w, "HS: URI did not parse");
    };
    // As lws: a TLS connection is not redirected to clear text unless the program asked.
    let flags = hc(w).map_or(0, |h| h.flags);
    if was_ssl && !ssl && flags & LCCSCF_ACCEPT_TLS_DOWNGRADE_REDIRECTS as u32 == 0 {
        return fail(w, "HS: Redirect attempted SSL downgrade");
    }
    if let Err(e) = super::client_reset::retarget_tls(w, ssl, &address) {
        lwsl_err!("redirect: {}", e);
        return fail(w, "HS: Redirect failed");
    }
    let Some(h) = hc(w) else { return };
    if h.redirects >= MAX_REDIRECTS {
        lwsl_err!("lws_client_reset: too many redirects");
        return fail(w, "HS: Redirect failed");
    }
    h.redirects += 1;
    if code == 303 && h.method.len() >= 3 {
        h.method = "GET".into();
        h.redirected_to_get = true;
    }
    h.reset();
    super::client_h2::detach(w);
    if !crate::core::connect::restart(w, &address, port, format!("/{path}")) {
        fail(w, "HS: Redirect failed");
    }
}

/// An absolute "http[s]://host[:port]/path" (ws and wss too): host, port, path without
/// its leading '/', and whether it is TLS.
fn parse_uri(u: &str) -> Option<(String, u16, String, bool)> {
    let (proto, rest) = u.split_once("://")?;
    let ssl = proto.eq_ignore_ascii_case("https") || proto.eq_ignore_ascii_case("wss");
    if !ssl && !proto.eq_ignore_ascii_case("http") && !proto.eq_ignore_ascii_case("ws") {
        return None;
    }
    let default_port = if ssl { 443 } else { 80 };
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let (host, port) = if let Some(h6) = hostport.strip_prefix('[') {
        let (h, after) = h6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => default_port,
        };
        (h, port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().ok()?),
            None => (hostport, default_port),
        }
    };
    if host.is_empty() {
        return None;
    }
    Some((host.to_string(), port, path.to_string(), ssl))
}

/// Body bytes: RECEIVE_CLIENT_HTTP until the program has read them all with
/// `lws_http_client_read` (or stops reading; the rest waits for the next input).
pub(crate) fn body_input(w: *mut lws, data: &[u8]) {
    let mut joined;
    let data = match hc(w) {
        Some(h) if !h.held.is_empty() => {
            joined = core::mem::take(&mut h.held);
            joined.extend_from_slice(data);
            &joined[..]
        }
        Some(_) => data,
        None => return,
    };
    if let Some(h) = hc(w) {
        h.rx = data.as_ptr();
        h.rx_len = data.len();
        h.rx_pos = 0;
    }
    loop {
        let before = hc(w).map_or(0, |h| h.rx_pos);
        let r = callback(w, LWS_CALLBACK_RECEIVE_CLIENT_HTTP as c_int, null_mut(), 0);
        if wref!(w).state() != State::ClientHttp {
            return;
        }
        if r != 0 {
            clear_rx(w);
            crate::core::close::close(w, Why::User);
            return;
        }
        let Some(h) = hc(w) else { return };
        if h.rx.is_null() || h.rx_pos >= h.rx_len || h.rx_pos == before {
            break;
        }
    }
    let Some(h) = hc(w) else { return };
    if !h.rx.is_null() && h.rx_pos < h.rx_len && h.phase == Phase::Body {
        h.held = data[h.rx_pos..].to_vec();
    }
    clear_rx(w);
    if hc(w).is_some_and(|h| h.held.len() > HELD_MAX) {
        lwsl_err!(
            "http client: more than {} body bytes left unread by RECEIVE_CLIENT_HTTP: closing",
            HELD_MAX
        );
        crate::core::close::close(w, Why::User);
    }
}

fn clear_rx(w: *mut lws) {
    if let Some(h) = hc(w) {
        h.rx = core::ptr::null();
        h.rx_len = 0;
        h.rx_pos = 0;
    }
}

/// COMPLETED_CLIENT_HTTP; then the connection waits a while for the server's close.
pub(crate) fn completed(w: *mut lws) -> c_int {
    if let Some(h) = hc(w) {
        h.phase = Phase::Done;
    }
    let r = callback(
        w,
        LWS_CALLBACK_COMPLETED_CLIENT_HTTP as c_int,
        null_mut(),
        0,
    );
    if r == 0 && wref!(w).state() == State::ClientHttp && hc(w).is_some_and(|h| h.h2.is_some()) {
        // An HTTP/2 stream ends with its transaction; the connection goes on.
        crate::core::close::close(w, Why::User);
        return 0;
    }
    if r == 0 && wref!(w).state() == State::ClientHttp && hand_over(w) {
        return 0;
    }
    if r == 0 && wref!(w).state() == State::ClientHttp {
        // Idle: the server's close, or (kept alive) another pipelined transaction to
        // the same place, within keep_warm_secs.
        let secs = hc(w).map_or(5, |h| h.keep_warm_secs) as i64;
        set_timeout(
            w,
            PENDING_TIMEOUT_CLIENT_CONN_IDLE as c_int,
            secs * 1_000_000,
        );
    }
    r
}

/// LCCSCF_PIPELINE: a live HTTP client connection that `w` may queue on (lws's active
/// client connection).  lws's rules: only GET, POST and PUT queue; `w`'s address must
/// equal the name the other one connected to (its Host), on the same port and vhost.
pub(crate) fn pipeline_target(w: *mut lws) -> Option<*mut lws> {
    let (ctx, vh, addr, port) = {
        let s = wref!(w);
        let c = s.client.as_ref()?;
        let m = c.http.as_ref()?.method.as_str();
        if !matches!(m, "GET" | "POST" | "PUT") {
            return None;
        }
        (s.ctx, s.vhost, c.address.clone(), c.port)
    };
    let n = cx!(ctx).slots.len();
    for i in 0..n {
        let Entry::Conn(o) = cx!(ctx).slots[i].entry else {
            continue;
        };
        if o == w {
            continue;
        }
        let s = wref!(o);
        if s.vhost != vh || !matches!(s.life, Life::Connecting | Life::Open) {
            continue;
        }
        let Some(c) = s.client.as_ref() else { continue };
        let Some(h) = c.http.as_ref() else { continue };
        if h.flags & LCCSCF_PIPELINE as u32 != 0
            && !h.queued
            && h.h2.is_none()
            && !h.keepalive_rejected
            && c.host == addr
            && c.port == port
        {
            return Some(o);
        }
    }
    None
}

/// Queues `w` on `active`: it connects nowhere until `active` hands it the socket.
pub(crate) fn enqueue(active: *mut lws, w: *mut lws) {
    let (slot, gen) = {
        let s = wref!(w);
        (s.slot, s.gen)
    };
    if let Some(h) = hc(w) {
        h.queued = true;
    }
    if let Some(h) = hc(active) {
        h.queue.push_back((slot, gen));
        // Idling after its transaction (keep_warm_secs): hand the socket over at the
        // next safe point, not inside the connect call.
        if h.phase == Phase::Done {
            crate::core::wsi::request_writeable(active);
        }
    }
}

/// `w` closes with LCCSCF_PIPELINE transactions still queued on it (it failed to connect,
/// or went away before handing its socket on): they close too, each with its
/// CLIENT_CONNECTION_ERROR, as lws closes its queue with its leader.  They waited
/// forever before.
pub(crate) fn close_queue(w: *mut lws) {
    let Some(q) = hc(w).map(|h| core::mem::take(&mut h.queue)) else {
        return;
    };
    let ctx = wref!(w).ctx;
    for (slot, gen) in q {
        if let Some(n) = cx!(ctx).conn(slot, gen) {
            crate::core::close::close(n, Why::Gone);
        }
    }
}

/// The server will not keep the connection: what waited on it connects on its own.
fn release_queue(w: *mut lws) {
    let Some(q) = hc(w).map(|h| core::mem::take(&mut h.queue)) else {
        return;
    };
    let ctx = wref!(w).ctx;
    for (slot, gen) in q {
        let Some(n) = cx!(ctx).conn(slot, gen) else {
            continue;
        };
        let target = match wref!(n).client.as_ref() {
            Some(c) => (c.address.clone(), c.port, c.path.clone()),
            None => continue,
        };
        if let Some(h) = hc(n) {
            h.queued = false;
            // This server does not keep connections: no more queueing on it.
            h.flags &= !(LCCSCF_PIPELINE as u32);
        }
        if !crate::core::connect::restart(n, &target.0, target.1, target.2) {
            fail(n, "Unable to connect");
        }
    }
}

/// The transaction on `w` completed and the server keeps the connection: the next
/// queued connection takes its socket and sends its request, and `w` closes (lws moves
/// the descriptor to the next in the queue the same way).  False when nothing waits.
fn hand_over(w: *mut lws) -> bool {
    if !hc(w).is_some_and(|h| h.keepalive) {
        return false;
    }
    let ctx = wref!(w).ctx;
    let next = loop {
        let Some((slot, gen)) = hc(w).and_then(|h| h.queue.pop_front()) else {
            return false;
        };
        if let Some(n) = cx!(ctx).conn(slot, gen) {
            if wref!(n).life == Life::Connecting && hc(n).is_some_and(|h| h.queued) {
                break n;
            }
        }
    };
    let rest = hc(w)
        .map(|h| core::mem::take(&mut h.queue))
        .unwrap_or_default();
    let mut t = core::mem::replace(&mut wref!(w).transport, crate::transport::Transport::None);
    let peer = wref!(w).peer_addr;
    let _ = cx!(ctx).poller.deregister(&mut t);
    // Registered afresh: on the service thread `next` was given when it was made.
    let (slot, gen, tsi) = {
        let n = wref!(next);
        (n.slot, n.gen, n.tsi)
    };
    if cx!(ctx)
        .poller
        .register(&mut t, slot, gen, crate::evloop::Interest::Read, tsi)
        .is_err()
    {
        t.close();
        crate::core::close::close(w, Why::User);
        fail(next, "Unable to connect");
        return true;
    }
    {
        let n = wref!(next);
        n.transport = t;
        n.peer_addr = peer;
        n.write_interest = false;
    }
    if let Some(h) = hc(next) {
        h.queued = false;
        h.queue = rest;
    }
    set_timeout(next, 0, 0);
    crate::core::close::close(w, Why::User);
    send_request(next);
    true
}

/// lws_http_client_read(): hands the body bytes of the current RECEIVE_CLIENT_HTTP to
/// RECEIVE_CLIENT_HTTP_READ, without the chunked framing, at most `limit` raw bytes (the
/// caller's buffer size) per call.  0, or -1 at the end of the connection or a
/// malformed body, or what a callback returned.
pub(crate) fn read(w: *mut lws, limit: usize) -> c_int {
    let Some(h) = hc(w) else { return -1 };
    if h.phase != Phase::Body {
        return if h.phase == Phase::Done { 0 } else { -1 };
    }
    if h.rx.is_null() || h.rx_pos >= h.rx_len {
        if h.eof {
            // A body that runs to the close is complete now; any other is cut short.
            if matches!(h.body, BodyEnd::Close) {
                completed(w);
            }
            return -1;
        }
        return 0;
    }
    let end = h.rx_len.min(h.rx_pos.saturating_add(limit.max(1)));
    // SAFETY: rx[..rx_len] is the input of the RECEIVE_CLIENT_HTTP we are inside.
    let avail = unsafe { core::slice::from_raw_parts(h.rx.add(h.rx_pos), end - h.rx_pos) };
    let mut used = 0;
    while used < avail.len() {
        let Some(h) = hc(w) else { return -1 };
        let (n, data, done) = match &mut h.body {
            BodyEnd::Length(rem) => {
                let n = (*rem).min((avail.len() - used) as u64) as usize;
                *rem -= n as u64;
                (n, Some(used..used + n), *rem == 0)
            }
            BodyEnd::Close | BodyEnd::Stream => {
                let n = avail.len() - used;
                (n, Some(used..used + n), false)
            }
            BodyEnd::Chunked(d) => match d.step(&avail[used..]) {
                Ok((n, data, done)) => (n, data.map(|r| used + r.start..used + r.end), done),
                Err(_) => {
                    lwsl_err!("lws_http_client_read: chunking failure");
                    h.rx_pos = h.rx_len;
                    return -1;
                }
            },
        };
        used += n;
        h.rx_pos += n;
        if let Some(r) = data.filter(|r| !r.is_empty()) {
            let q = callback(
                w,
                LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ as c_int,
                avail[r.clone()].as_ptr() as *mut c_void,
                r.len(),
            );
            if q != 0 {
                return q;
            }
            if wref!(w).state() != State::ClientHttp {
                return -1;
            }
        }
        if done {
            if let Some(h) = hc(w) {
                // Whatever follows the body is not ours to give (no pipelining).
                h.rx_pos = h.rx_len;
            }
            return if completed(w) != 0 { -1 } else { 0 };
        }
        if n == 0 {
            break;
        }
    }
    0
}

/// The server closed (or the socket failed) on an HTTP client: before the head that is
/// a connection error; in the body, the program hears it through `lws_http_client_read`
/// in one more RECEIVE_CLIENT_HTTP.
pub(crate) fn peer_gone(w: *mut lws) {
    let Some(phase) = hc(w).map(|h| h.phase) else {
        return;
    };
    match phase {
        Phase::Head => crate::core::connect::connection_error(w, "read failed"),
        Phase::Body => {
            if let Some(h) = hc(w) {
                h.eof = true;
            }
            let held = hc(w)
                .map(|h| core::mem::take(&mut h.held))
                .unwrap_or_default();
            body_input(w, &held);
        }
        Phase::Done => {}
    }
}

/// A timeout on an HTTP client: waiting for the answer's head is a connection error.
pub(crate) fn timed_out(w: *mut lws) {
    if hc(w).is_some_and(|h| h.phase == Phase::Head) {
        return fail(w, "Timed out waiting server reply");
    }
    crate::core::close::close(w, Why::User);
}

/// Whether the close owes CLOSED_CLIENT_HTTP: an HTTP client that got as far as sending
/// its request and had no CLIENT_CONNECTION_ERROR (the two exclude each other in lws).
pub(crate) fn owes_closed(w: *mut lws) -> bool {
    let s = wref!(w);
    matches!(s.role, crate::roles::Role::H1(H1::ClientHttp))
        && s.client
            .as_ref()
            .is_some_and(|c| c.http.is_some() && !c.cce_done)
}

/// lws_client_http_multipart(): a part's header, or with no name the closing boundary,
/// written at *p (truncated at `end` as lws_snprintf would).  1 when it filled the
/// buffer to `end`.
pub(crate) fn multipart(
    w: *mut lws,
    name: Option<&[u8]>,
    filename: Option<&[u8]>,
    content_type: Option<&[u8]>,
    p: &mut *mut u8,
    end: *mut u8,
) -> c_int {
    let Some(h) = hc(w) else {
        lwsl_err!("lws_client_http_multipart: not an HTTP client");
        return 1;
    };
    let Some(b) = h.boundary.clone() else {
        lwsl_err!("lws_client_http_multipart: the connection lacks LCCSCF_HTTP_MULTIPART_MIME");
        return 1;
    };
    let mut out = Vec::new();
    match name {
        None => {
            let _ = write!(out, "\r\n--{b}--\r\n");
        }
        Some(n) => {
            if h.subsequent_part {
                out.extend_from_slice(b"\r\n");
            }
            h.subsequent_part = true;
            let _ = write!(out, "--{b}\r\nContent-Disposition: form-data; name=\"");
            out.extend_from_slice(n);
            out.push(b'"');
            if let Some(f) = filename {
                out.extend_from_slice(b"; filename=\"");
                out.extend_from_slice(f);
                out.push(b'"');
            }
            if let Some(t) = content_type {
                out.extend_from_slice(b"\r\nContent-Type: ");
                out.extend_from_slice(t);
            }
            out.extend_from_slice(b"\r\n\r\n");
        }
    }
    let room = (end as usize).saturating_sub(*p as usize);
    // lws_snprintf keeps a byte for its NUL.
    let n = out.len().min(room.saturating_sub(1));
    // SAFETY: *p..end is the caller's writable buffer; n < room bytes are written, plus
    // the NUL inside it.
    unsafe {
        core::ptr::copy_nonoverlapping(out.as_ptr(), *p, n);
        if room > 0 {
            *(*p).add(n) = 0;
        }
        *p = (*p).add(n);
    }
    (*p == end) as c_int
}

/// lws_http_check_retry_after(): the answer's Retry-After (seconds, or a date measured
/// against the answer's own Date to avoid clock skew) may only lengthen `interval_us`.
/// 0 when it did, 1 when it is kept.
pub(crate) fn retry_after(w: *mut lws, interval_us: &mut i64) -> c_int {
    use crate::roles::http::headers::joined;
    let v = joined(w, WSI_TOKEN_HTTP_RETRY_AFTER as c_int);
    if v.is_empty() {
        return 1;
    }
    let u = if v.len() < 9 {
        // C's atoi: an optional sign, then digits.
        let t = v.trim_ascii_start();
        let (neg, digits) = match t.first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let n = atoll(digits) as i64;
        (if neg { -n } else { n }) * 1_000_000
    } else {
        let Some(t) = crate::tokenize::http_date_parse(&v) else {
            return 1;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let d = joined(w, WSI_TOKEN_HTTP_DATE as c_int);
        let td = if d.is_empty() {
            now
        } else {
            crate::tokenize::http_date_parse(&d).unwrap_or(now)
        };
        if td >= t {
            return 1;
        }
        (t - td) * 1_000_000
    };
    if u < *interval_us {
        return 1;
    }
    *interval_us = u;
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_locations() {
        assert_eq!(
            parse_uri("http://example.com:8080/a/b?c"),
            Some(("example.com".into(), 8080, "a/b?c".into(), false))
        );
        assert_eq!(
            parse_uri("http://h"),
            Some(("h".into(), 80, "".into(), false))
        );
        assert_eq!(
            parse_uri("http://[::1]:81/x"),
            Some(("::1".into(), 81, "x".into(), false))
        );
        assert_eq!(
            parse_uri("https://h/x"),
            Some(("h".into(), 443, "x".into(), true))
        );
        assert_eq!(
            parse_uri("wss://h:8443/"),
            Some(("h".into(), 8443, "".into(), true))
        );
        assert_eq!(parse_uri("ftp://h/x"), None);
        assert_eq!(parse_uri("http://:80/x"), None);
        assert_eq!(parse_uri("http://h:port/x"), None);
    }

    #[test]
    fn content_length_as_atoll() {
        assert_eq!(atoll(b" 123 "), 123);
        assert_eq!(atoll(b"12abc"), 12);
        assert_eq!(atoll(b"abc"), 0);
        assert_eq!(atoll(b"99999999999999999999999"), u64::MAX);
    }
}
