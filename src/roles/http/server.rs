//! The HTTP/1.1 server role: what happens after a request head is parsed and is not a
//! WebSocket upgrade.  It follows lws 4.3's `lws_http_action` flow: vhost chosen by
//! Host, FILTER_HTTP_CONNECTION, mounts (file, callback, redirect, basic auth), the
//! protocol's LWS_CALLBACK_HTTP, request bodies (Content-Length or chunked) as HTTP_BODY
//! and HTTP_BODY_COMPLETION, responses through `lws_write`, files sent from the
//! WRITEABLE path, and `lws_http_transaction_completed` for keep-alive and pipelining.
//!
//! Pipelined requests that arrive while a transaction runs are held in `rx_stash` with
//! rx flow stopped (so a client cannot make us buffer without bound); completing the
//! transaction resumes input at the loop's next safe point, never inside the callback
//! that completed it.
use crate::abi::*;
use crate::core::close::close;
use crate::core::close::finish_close;
use crate::core::close::Why;
use crate::core::wsi::callback;
use crate::core::wsi::set_timeout;
use crate::core::*;
use crate::roles::http::file::file_fragment;
use crate::roles::http::file::serve_mount_file;
use crate::roles::http::headers::add_header;
use crate::roles::http::headers::add_status;
use crate::roles::http::headers::finalize;
use crate::roles::http::headers::fragments;
use crate::roles::http::headers::joined;
use crate::roles::http::headers::joined_cow;
use crate::roles::http::headers::redirect;
use crate::roles::http::headers::return_status;
use crate::roles::http::headers::METHODS;
use crate::roles::http::headers::TOKEN_NAMES;
use crate::roles::H1;
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null_mut;

/// rx flow reason of our own: input is held while a transaction is in progress.
pub(crate) const RXFLOW_HTTP_BUSY: c_int = 1 << 21;

/// rx flow reason of our own: waiting for a header table (max_http_header_pool).
pub(crate) const RXFLOW_AH_WAIT: c_int = 1 << 22;

/// Takes a header table for a request head that has begun, or queues the connection
/// (its input kept, reading stopped) when the pool is exhausted.  True if it may parse.
pub(crate) fn ah_acquire(w: *mut lws) -> bool {
    let s = wref!(w);
    if s.holds_ah {
        return true;
    }
    let c = cx!(s.ctx);
    if c.ah_in_use >= c.ah_pool {
        lwsl_info!("header table pool exhausted: connection waits");
        let was_reading = s.rx_flow_reasons == 0;
        s.rx_flow_reasons |= RXFLOW_AH_WAIT;
        c.ah_wait.push_back((s.slot, s.gen));
        crate::core::extpoll::flow_changed(w, was_reading);
        return false;
    }
    c.ah_in_use += 1;
    s.holds_ah = true;
    true
}

/// Gives the header table back (transaction done, upgraded, or closed) and lets the
/// longest-waiting live connection read its request.
pub(crate) fn ah_release(w: *mut lws) {
    let s = wref!(w);
    if !s.holds_ah {
        return;
    }
    s.holds_ah = false;
    let c = cx!(s.ctx);
    c.ah_in_use = c.ah_in_use.saturating_sub(1);
    while let Some((slot, gen)) = c.ah_wait.pop_front() {
        let Some(next) = c.conn(slot, gen) else {
            continue;
        };
        let n = wref!(next);
        let was_reading = n.rx_flow_reasons == 0;
        n.rx_flow_reasons &= !RXFLOW_AH_WAIT;
        if n.rx_flow_reasons == 0 && !n.in_rx_q {
            n.in_rx_q = true;
            c.rx_q.push(next);
        }
        crate::core::extpoll::flow_changed(next, was_reading);
        break;
    }
}

/// How the request body arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Body {
    None,
    Length(u64),
    Chunked(crate::http::chunked::Decoder),
}

/// A file being sent by the WRITEABLE path.
pub(crate) struct FileTx {
    pub file: std::fs::File,
    pub pos: u64,
    pub end: u64,
}

/// The HTTP side of a server connection: the parsed request and the transaction.
pub(crate) struct Http {
    /// Token of the method ((WSI_TOKEN_GET_URI as u32)...).
    pub method: u32,
    /// The path, %-decoded and normalised as lws leaves it, followed by a NUL for
    /// lws_http_get_uri_and_method's pointer (empty before a request): see `uri()`.
    pub uri_c: Vec<u8>,
    /// The path as lws's fragments (one unless it held a literal '&' or ';').
    pub path_frags: Vec<Vec<u8>>,
    /// URI arguments, one fragment each ((WSI_TOKEN_HTTP_URI_ARGS as u32)).
    pub args: Vec<Vec<u8>>,
    /// 0: HTTP/1.0, 1: HTTP/1.1 (lws's request_version).
    pub version: u8,
    /// The version a mount redirect's status line carries (see head_complete).
    pub redirect_version: u8,
    pub keep_alive: bool,
    pub body: Body,
    /// Body bytes are read and dropped, not given to HTTP_BODY: the transaction completed
    /// before its body was read (lws's LRS_DISCARD_BODY), or a file answers the request.
    pub discard: bool,
    /// lws_http_transaction_completed waits for the rest of the body.
    pub complete_after_body: bool,
    /// Body bytes since the body's timeout last restarted (see [`BODY_PROGRESS`]).
    pub body_progress: usize,
    /// Between head and lws_http_transaction_completed.
    pub in_txn: bool,
    /// Completion asked for while output was still buffered: done once it drains.
    pub deferred_completion: bool,
    pub file: Option<FileTx>,
    /// Serving the vhost's error_document_404 (answered with 404, not 200).
    pub handling_404: bool,
    pub cache_secs: u32,
    pub cache_reuse: bool,
    pub cache_revalidate: bool,
    pub cache_intermediaries: bool,
    pub response_code: u32,
    pub tx_content_remain: u64,
    /// After basic auth: the user name the Authorization header now reads as.
    pub auth_user: Option<Vec<u8>>,
    /// Long-lived response (lws_http_mark_sse): no keep-alive handling, no timeout.
    pub sse: bool,
    /// HTTP_BIND_PROTOCOL was answered 0 (so HTTP_DROP_PROTOCOL is owed).
    pub bind_balance: bool,
}

impl Http {
    fn new() -> Self {
        Http {
            method: u32::MAX,
            uri_c: Vec::new(),
            path_frags: Vec::new(),
            args: Vec::new(),
            version: 1,
            redirect_version: 0,
            keep_alive: false,
            body: Body::None,
            discard: false,
            complete_after_body: false,
            body_progress: 0,
            in_txn: false,
            deferred_completion: false,
            file: None,
            handling_404: false,
            cache_secs: 0,
            cache_reuse: false,
            cache_revalidate: false,
            cache_intermediaries: false,
            response_code: 0,
            tx_content_remain: 0,
            sse: false,
            auth_user: None,
            bind_balance: false,
        }
    }
}

impl Http {
    /// The path, %-decoded and normalised (without the NUL).
    pub fn uri(&self) -> &[u8] {
        &self.uri_c[..self.uri_c.len().saturating_sub(1)]
    }
}

/// The wsi's Http record, created on first use.
pub(crate) fn ht<'a>(w: *mut lws) -> &'a mut Http {
    let s = wref!(w);
    s.http.get_or_insert_with(|| Box::new(Http::new()))
}

/// lws_select_vhost: the vhost on this port named by Host (exact, then "*.name"
/// suffix), else the first on the port.
fn select_vhost(ctx: *mut lws_context, port: c_int, host: &[u8]) -> Option<*mut lws_vhost> {
    let colon = host.iter().position(|&b| b == b':').unwrap_or(host.len());
    // Borrowed, not copied: nothing here calls user code or changes the list.
    let vhosts = &cx!(ctx).vhosts;
    for &v in vhosts {
        let vv = vh!(v);
        if vv.destroyed || vv.listen_port != port {
            continue;
        }
        let name = vv.name.as_bytes();
        // strncmp(name, host, colon) == 0
        let n = colon;
        let a = &name[..name.len().min(n)];
        let b = &host[..n];
        if a == &b[..a.len()] && (a.len() == n || a.len() == b.len()) {
            return Some(v);
        }
    }
    for &v in vhosts {
        let vv = vh!(v);
        let name = vv.name.as_bytes();
        let m = name.len();
        if port != 0
            && vv.listen_port == port
            && !vv.destroyed
            && m + 2 <= colon
            && host[colon - m - 1] == b'.'
            && &host[colon - m..colon] == name
        {
            return Some(v);
        }
    }
    vhosts
        .iter()
        .copied()
        .find(|&v| port != 0 && vh!(v).listen_port == port && !vh!(v).destroyed)
}

/// Rebinds a server connection's protocol for HTTP, as lws_bind_protocol: the old one
/// gets HTTP_DROP_PROTOCOL and its session data goes, the new one gets fresh zeroed
/// session data and HTTP_BIND_PROTOCOL.  False if the bind callback refused.
pub(crate) fn bind(w: *mut lws, idx: usize) -> bool {
    // The old session data is freed at the loop's safe point: the callback that asked
    // for this rebind may still hold the pointer.
    unbind(w);
    if !crate::core::wsi::bind_protocol(w, idx, LWS_CALLBACK_HTTP_BIND_PROTOCOL as c_int) {
        return false;
    }
    ht(w).bind_balance = true;
    true
}

/// Allocates zeroed session data for the wsi's current protocol if it has none.
fn ensure_user_space(w: *mut lws) -> bool {
    let s = wref!(w);
    if s.protocol.is_null() || !s.user_space.is_null() {
        return true;
    }
    // SAFETY: protocol points into the vhost's live protocol array.
    let size = unsafe { (*s.protocol).per_session_data_size };
    if size == 0 {
        return true;
    }
    // SAFETY: plain zeroed allocation, freed with the wsi or when rebound.
    let u = unsafe { libc::calloc(1, size) };
    if u.is_null() {
        lwsl_err!("OOM allocating per-session data");
        return false;
    }
    s.user_space = u;
    s.user_space_owned = true;
    true
}

/// Lets go of the bound protocol (HTTP_DROP_PROTOCOL if it was bound) and its session
/// data.
fn unbind(w: *mut lws) {
    if ht(w).bind_balance {
        ht(w).bind_balance = false;
        callback(w, LWS_CALLBACK_HTTP_DROP_PROTOCOL as c_int, null_mut(), 0);
    }
    crate::core::wsi::unbind_protocol(w);
    let s = wref!(w);
    if s.user_space_owned && !s.user_space.is_null() {
        cx!(s.ctx).retired_user.push(s.user_space);
        s.user_space = null_mut();
        s.user_space_owned = false;
    }
}

/// A request head is complete and parsed into `s.req`.  Returns true when the bytes
/// after it may be processed (the connection lives on).
pub(crate) fn head_complete(w: *mut lws) -> bool {
    // Build the request record.
    let mut x = Http::new();
    // The target as lws's parser leaves it: decoded, dot segments resolved, the path
    // and the arguments as fragments.  (Read in place: parsing calls no user code.)
    let target = {
        let s = wref!(w);
        let req = s.req.as_ref().expect("request set by caller");
        let method = req.method(&s.hdr);
        x.version = req.version;
        x.method = METHODS
            .iter()
            .find(|(n, _)| *n == method)
            .map_or(u32::MAX, |&(_, t)| t);
        crate::http::uri::parse_target(req.path(&s.hdr))
    };
    match target {
        Ok(t) => {
            // The fragments joined by ',' and a NUL, in one allocation.
            let len = t.path.iter().map(|f| f.len() + 1).sum::<usize>();
            let mut c = Vec::with_capacity(len.max(1));
            for (i, f) in t.path.iter().enumerate() {
                if i > 0 {
                    c.push(b',');
                }
                c.extend_from_slice(f);
            }
            c.push(0);
            x.uri_c = c;
            x.path_frags = t.path;
            x.args = t.args.unwrap_or_default();
        }
        Err(crate::http::uri::UriError::Fail) => {
            finish_close(w);
            return false;
        }
        Err(crate::http::uri::UriError::Forbidden) => {
            // lws: 403 before it has read the version, so the answer says HTTP/1.0.
            x.version = 0;
            wref!(w).http = Some(Box::new(x));
            wref!(w).set_h1(H1::Txn);
            wref!(w).linger = true;
            if return_status(w, 403, None) != 0 {
                finish_close(w);
            } else {
                crate::core::close::flush_then_close(w);
            }
            return false;
        }
    }
    // Keep the bind state of an earlier transaction on this connection.
    let prev_balance = wref!(w).http.as_ref().is_some_and(|h| h.bind_balance);
    x.bind_balance = prev_balance;
    // lws answers a mount redirect before it parses this request's version: the status
    // line carries the previous request's version, HTTP/1.0 on a new connection.
    x.redirect_version = wref!(w).http.as_ref().map_or(0, |h| h.version);
    wref!(w).http = Some(Box::new(x));

    // Select the vhost by Host on a shared listener.
    let (ctx, port) = {
        let s = wref!(w);
        (s.ctx, vh!(s.vhost).listen_port)
    };
    if port != 0 {
        let h = joined_cow(w, WSI_TOKEN_HOST as c_int);
        if !h.is_empty() {
            if let Some(v) = select_vhost(ctx, port, &h) {
                // Unlike lws, a clear-text connection never moves by Host onto a TLS vhost
                // (it would serve that vhost in plain text) unless it already sits on one,
                // where an ALLOW_*_ON_*SSL* option of the program let plain text in.
                let cur = wref!(w).vhost;
                let plain_onto_tls = vh!(v).tls.is_server()
                    && !vh!(cur).tls.is_server()
                    && !crate::roles::over_tls(w);
                if v != wref!(w).vhost && !plain_onto_tls {
                    // lws_vhost_bind_wsi: the connection moves; a protocol of the old
                    // vhost (kept from an earlier request) is let go first.
                    unbind(w);
                    let s = wref!(w);
                    s.vhost = v;
                    s.protocol = vhost_protocols(v)
                        .first()
                        .map_or(core::ptr::null(), |p| p as *const _);
                    s.protocol_idx = 0;
                }
            }
        }
    }

    // A redirecting mount answers even an upgrade request (lws checks it first).
    if let Some(m) = find_mount(w) {
        match redirect_hit(w, m) {
            Hit::Done(ok) => return ok && wref!(w).life != Life::Dead,
            Hit::Continue => {}
        }
    }

    let up = {
        let s = wref!(w);
        let req = s.req.as_ref().expect("request set");
        req.header(&s.hdr, "upgrade").map(|v| {
            if v.eq_ignore_ascii_case(b"websocket") {
                Upgrade::Ws
            } else if v.eq_ignore_ascii_case(b"h2c") {
                Upgrade::H2c
            } else {
                Upgrade::Other(v.to_vec())
            }
        })
    };
    if up.is_some() && wref!(w).redirect_https {
        // lws would take the upgrade in clear text here; a TLS vhost's ws service must
        // not be reached without TLS, so the upgrade gets the redirect too.
        ht(w).keep_alive = false;
        return https_redirect(w);
    }
    if let Some(up) = up {
        if let Upgrade::Ws = up {
            return crate::roles::ws::server::upgrade(w);
        }
        if let Upgrade::Other(up) = up {
            lwsl_info!("Unknown upgrade '{}'", String::from_utf8_lossy(&up));
            wref!(w).set_h1(H1::Txn);
            ht(w).in_txn = true;
            if return_status(w, 403, None) != 0 || transaction_completed(w) != 0 {
                close(w, Why::User);
                return false;
            }
            return true;
        }
        // h2c: we have no HTTP/2, serve it as HTTP/1.1 (the client must accept that).
    }
    action(w)
}

/// LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS: a plain-text request on a TLS listener is
/// answered with a 301 to the same place over https (Host, path, arguments), then the
/// transaction completes as any other.  No Host, or one over 128 bytes: closed, as lws.
/// The path and arguments are %-encoded again where lws would copy decoded bytes into
/// the Location header (a decoded CR LF must not become a header).
fn https_redirect(w: *mut lws) -> bool {
    let host = joined(w, WSI_TOKEN_HOST as c_int);
    if host.is_empty() || host.len() > 128 || host.iter().any(|&b| b <= b' ' || b == 0x7f) {
        close(w, Why::User);
        return false;
    }
    let mut loc = b"https://".to_vec();
    loc.extend_from_slice(&host);
    {
        let x = ht(w);
        escape_into(&mut loc, x.uri(), b"?#");
        for (i, a) in x.args.iter().enumerate() {
            loc.push(if i == 0 { b'?' } else { b'&' });
            escape_into(&mut loc, a, b"&#");
        }
    }
    lwsl_info!("redirecting to '{}'", String::from_utf8_lossy(&loc));
    wref!(w).set_h1(H1::Txn);
    ht(w).in_txn = true;
    let mut buf = vec![0u8; 512 + loc.len()];
    let mut p = buf.as_mut_ptr();
    // SAFETY: buf has its length past p.
    let end = unsafe { p.add(buf.len()) };
    if redirect(w, 301, &loc, &mut p, end) < 0 || transaction_completed(w) != 0 {
        close(w, Why::User);
        return false;
    }
    wref!(w).life != Life::Dead
}

/// Appends `b` with controls, space, '%', non-ASCII and the bytes of `extra` %-encoded.
fn escape_into(out: &mut Vec<u8>, b: &[u8], extra: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in b {
        if c <= b' ' || c >= 0x7f || c == b'%' || extra.contains(&c) {
            out.extend_from_slice(&[b'%', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
        } else {
            out.push(c);
        }
    }
}

/// What an `Upgrade:` header asks for.
pub(crate) enum Upgrade {
    Ws,
    H2c,
    Other(Vec<u8>),
}

enum Hit {
    Continue,
    Done(bool),
}

/// lws_find_mount: the longest mountpoint that prefixes the URI at a path boundary.
fn find_mount(w: *mut lws) -> Option<*const lws_http_mount> {
    let s = wref!(w);
    let x = s.http.as_ref()?;
    // Borrowed in place: the walk below calls no user code.
    let (vh, uri, method) = (s.vhost, x.uri(), x.method);
    let mut m = vh!(vh).mounts;
    let mut best = 0usize;
    let mut hit = None;
    while !m.is_null() {
        // SAFETY: the mount list is the caller's, required to outlive the vhost.
        let mm = unsafe { &*m };
        // SAFETY: mountpoint is a NUL-terminated string (or NULL).
        let mp = unsafe { crate::misc::cstr(mm.mountpoint) }.unwrap_or(b"");
        let mpl = if mm.mountpoint_len != 0 {
            (mm.mountpoint_len as usize).min(mp.len())
        } else {
            mp.len()
        };
        let mp = &mp[..mpl];
        if uri.len() >= mpl
            && uri.starts_with(mp)
            && (uri.len() == mpl || uri[mpl] == b'/' || mpl == 1)
        {
            let usable = mm.origin_protocol == LWSMPRO_CALLBACK as u8
                || method != u32::MAX
                || !mm.protocol.is_null();
            if usable && mpl > best {
                best = mpl;
                hit = Some(m);
            }
        }
        m = mm.mount_next;
    }
    hit
}

pub(crate) fn mount_str<'a>(p: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: mount strings are NUL-terminated or NULL, owned by the caller.
    unsafe { crate::misc::cstr(p) }
}

fn mountpoint_len(m: &lws_http_mount) -> usize {
    let mp = mount_str(m.mountpoint).unwrap_or(b"");
    if m.mountpoint_len != 0 {
        (m.mountpoint_len as usize).min(mp.len())
    } else {
        mp.len()
    }
}

/// lws_http_redirect_hit: redirect mounts, and a mount entered without its trailing '/'
/// (so relative links in the page resolve inside it).
fn redirect_hit(w: *mut lws, mp: *const lws_http_mount) -> Hit {
    // SAFETY: from find_mount, a live mount.
    let m = unsafe { &*mp };
    let mpl = mountpoint_len(m);
    let uri = ht(w).uri().to_vec();
    let rest = &uri[mpl.min(uri.len())..];
    let redir = m.origin_protocol == LWSMPRO_REDIR_HTTP as u8
        || m.origin_protocol == LWSMPRO_REDIR_HTTPS as u8;
    let cb_or_cgi =
        m.origin_protocol == LWSMPRO_CGI as u8 || m.origin_protocol == LWSMPRO_CALLBACK as u8;
    if cb_or_cgi || !(redir || mpl > 1 && rest.first() != Some(&b'/')) {
        return Hit::Continue;
    }
    let mut loc = Vec::new();
    if redir {
        loc.extend_from_slice(if m.origin_protocol == LWSMPRO_REDIR_HTTPS as u8 {
            b"https://"
        } else {
            b"http://"
        });
        loc.extend_from_slice(mount_str(m.origin).unwrap_or(b""));
    } else {
        let mut host = joined(w, WSI_TOKEN_HOST as c_int);
        if host.is_empty() {
            // HTTP/2 names the host in :authority (lws falls back to it too).
            host = joined(w, WSI_TOKEN_HTTP_COLON_AUTHORITY as c_int);
        }
        if host.is_empty() {
            crate::roles::h1::http_fail(w, 400, "Bad Request");
            return Hit::Done(false);
        }
        // As lws: the scheme the request came in with.
        let nw = crate::roles::h2::network_wsi(w);
        loc.extend_from_slice(if wref!(nw).transport.tls().is_some() {
            b"https://"
        } else {
            b"http://"
        });
        loc.extend_from_slice(&host);
        loc.extend_from_slice(&uri);
        loc.push(b'/');
    }
    // lws_clean_url: collapse "//" after the scheme.
    let scheme = if loc.starts_with(b"https://") {
        8
    } else if loc.starts_with(b"http://") {
        7
    } else {
        0
    };
    let mut cleaned = loc[..scheme].to_vec();
    for &b in &loc[scheme..] {
        if b == b'/' && cleaned.len() > scheme && cleaned.last() == Some(&b'/') {
            continue;
        }
        cleaned.push(b);
    }
    lwsl_info!("Doing 301 '{}'", String::from_utf8_lossy(&cleaned));
    wref!(w).set_h1(H1::Txn);
    ht(w).in_txn = true;
    let mut buf = vec![0u8; 512 + cleaned.len()];
    let mut p = buf.as_mut_ptr();
    // SAFETY: buf has its length past p.
    let end = unsafe { p.add(buf.len()) };
    let version = ht(w).version;
    ht(w).version = ht(w).redirect_version;
    let r = redirect(w, 301, &cleaned, &mut p, end);
    ht(w).version = version;
    if r < 0 {
        close(w, Why::User);
        return Hit::Done(false);
    }
    if transaction_completed(w) != 0 {
        close(w, Why::User);
        return Hit::Done(false);
    }
    Hit::Done(true)
}

/// lws_http_action: everything after the head for a plain HTTP request.
fn action(w: *mut lws) -> bool {
    let (method, uri) = {
        let x = ht(w);
        (x.method, x.uri().to_vec())
    };
    if method == u32::MAX {
        // A method lws does not know: it answers 403 and closes.
        lwsl_warn!("Missing URI in HTTP request");
        wref!(w).set_h1(H1::Txn);
        ht(w).keep_alive = false;
        ht(w).version = 0;
        if return_status(w, 403, None) != 0 {
            close(w, Why::User);
        } else {
            wref!(w).linger = true;
            crate::core::close::flush_then_close(w);
        }
        return false;
    }
    {
        let s = wref!(w);
        s.set_h1(H1::Txn);
        let c = cx!(s.ctx);
        c.timers.cancel(timer::TimerKey::Timeout(s.slot, s.gen));
        s.timeout_reason = 0;
    }
    ht(w).in_txn = true;
    // lws_ensure_user_space: the current protocol (protocols[0] until a mount binds
    // another) gets its session data before FILTER_HTTP_CONNECTION, with no bind
    // callback.
    if !ensure_user_space(w) {
        finish_close(w);
        return false;
    }
    if uri.first() != Some(&b'/') {
        // lws refuses before it has read the version: the answer says HTTP/1.0.
        ht(w).version = 0;
        ht(w).keep_alive = false;
        wref!(w).linger = true;
        if return_status(w, 403, None) != 0 {
            close(w, Why::User);
        } else {
            crate::core::close::flush_then_close(w);
        }
        return false;
    }
    lwsl_info!(
        "Method: {}, request for '{}'",
        method,
        String::from_utf8_lossy(&uri)
    );

    // Body framing.
    let te = joined(w, WSI_TOKEN_HTTP_TRANSFER_ENCODING as c_int);
    let cl = joined(w, WSI_TOKEN_HTTP_CONTENT_LENGTH as c_int);
    let mut explicit_zero = false;
    let body = if crate::http::request::token_list_contains(&te, "chunked") {
        Body::Chunked(crate::http::chunked::Decoder::new())
    } else if !cl.is_empty() {
        let t = core::str::from_utf8(&cl).ok().map(str::trim);
        match t.and_then(|v| v.parse::<u64>().ok()) {
            Some(0) => {
                explicit_zero = true;
                Body::None
            }
            Some(n) => Body::Length(n),
            None => {
                crate::roles::h1::http_fail(w, 400, "Bad Request");
                return false;
            }
        }
    } else {
        Body::None
    };
    {
        let version = ht(w).version;
        let conn = joined(w, WSI_TOKEN_CONNECTION as c_int);
        let mut ka = version == 1;
        if conn.eq_ignore_ascii_case(b"keep-alive") {
            ka = true;
        } else if conn.eq_ignore_ascii_case(b"close") {
            ka = false;
        }
        let x = ht(w);
        x.keep_alive = ka;
        x.body = body;
    }

    if crate::core::wsi::callback_uri(w, LWS_CALLBACK_FILTER_HTTP_CONNECTION as c_int, &uri) != 0 {
        lwsl_info!("LWS_CALLBACK_HTTP closing");
        close(w, Why::User);
        return false;
    }
    let timeout = cx!(wsi_ctx(w)).timeout_secs as i64;
    set_timeout(
        w,
        PENDING_TIMEOUT_HTTP_CONTENT as c_int,
        timeout * 1_000_000,
    );
    ht(w).body_progress = 0;
    if wref!(w).redirect_https {
        return https_redirect(w);
    }

    let r = match find_mount(w) {
        None => {
            lwsl_info!("no hit");
            if !bind(w, 0) {
                close(w, Why::User);
                return false;
            }
            user_http(w, &uri)
        }
        Some(m) => mounted(w, m, &uri),
    };
    match r {
        Step::Close => {
            close(w, Why::User);
            return false;
        }
        Step::Done => return wref!(w).life != Life::Dead,
        Step::Body => {}
    }
    if wref!(w).life == Life::Dead {
        return false;
    }
    if explicit_zero && method == (WSI_TOKEN_POST_URI as u32) {
        // lws gives an empty HTTP_BODY then HTTP_BODY_COMPLETION for "POST, length 0".
        if callback(w, LWS_CALLBACK_HTTP_BODY as c_int, null_mut(), 0) != 0
            || callback(w, LWS_CALLBACK_HTTP_BODY_COMPLETION as c_int, null_mut(), 0) != 0
        {
            close(w, Why::User);
            return false;
        }
    }
    wref!(w).life != Life::Dead
}

enum Step {
    /// Proceed to the body, if any.
    Body,
    /// The request was fully dealt with (file or redirect or status).
    Done,
    Close,
}

fn user_http(w: *mut lws, uri: &[u8]) -> Step {
    if crate::core::wsi::callback_uri(w, LWS_CALLBACK_HTTP as c_int, uri) != 0 {
        lwsl_info!("LWS_CALLBACK_HTTP closing");
        return Step::Close;
    }
    Step::Body
}

fn mounted(w: *mut lws, mp: *const lws_http_mount, uri: &[u8]) -> Step {
    // SAFETY: a live mount from find_mount.
    let m = unsafe { &*mp };
    let mpl = mountpoint_len(m);
    if let Hit::Done(ok) = redirect_hit(w, mp) {
        return if ok { Step::Done } else { Step::Close };
    }
    // Basic auth: a login file, or (LWSAUTHM_BASIC_AUTH_CALLBACK) the protocol's
    // VERIFY_BASIC_AUTHORIZATION callback.
    let mode = m.auth_mask & AUTH_MODE_MASK as u32;
    let file = mount_str(m.basic_auth_login_file);
    if file.is_some() || mode != LWSAUTHM_DEFAULT as u32 {
        match basic_auth(w, file, mode) {
            Auth::Ok => {}
            Auth::Failed => {
                return if unauthorised(w) == 0 {
                    Step::Done
                } else {
                    Step::Close
                };
            }
            // Credentials that do not even decode: lws ends with 403.
            Auth::Bad => {
                if return_status(w, 403, None) != 0 || transaction_completed(w) != 0 {
                    return Step::Close;
                }
                return Step::Done;
            }
        }
    }
    let vh = wref!(w).vhost;
    if m.origin_protocol == LWSMPRO_CALLBACK as u8 || !m.protocol.is_null() {
        let name = if m.protocol.is_null() {
            m.origin
        } else {
            m.protocol
        };
        let Some(idx) = mount_str(name).and_then(|n| protocol_by_name(vh, n)) else {
            lwsl_err!(
                "Unable to find plugin '{}'",
                String::from_utf8_lossy(mount_str(name).unwrap_or(b""))
            );
            return Step::Close;
        };
        if !bind(w, idx) {
            return Step::Close;
        }
        let mut args = lws_process_html_args {
            p: uri.as_ptr() as *mut c_char,
            len: uri.len() as c_int,
            max_len: (m.auth_mask & !(AUTH_MODE_MASK as u32)) as c_int,
            r#final: 0,
            chunked: 0,
        };
        let mut u = uri.to_vec();
        u.push(0);
        args.p = u.as_mut_ptr() as *mut c_char;
        if callback(
            w,
            LWS_CALLBACK_CHECK_ACCESS_RIGHTS as c_int,
            &mut args as *mut _ as *mut c_void,
            0,
        ) != 0
        {
            return_status(w, 401, None);
            return Step::Close;
        }
        if args.r#final != 0 {
            return Step::Done;
        }
        if ht(w).method == (WSI_TOKEN_POST_URI as u32) {
            return user_http(w, &uri[mpl.min(uri.len())..]);
        }
    }
    // File mounts.
    let rest = &uri[mpl.min(uri.len())..];
    let def = mount_str(m.def).unwrap_or(b"index.html");
    let s: Vec<u8> = if rest.is_empty() || rest == b"/" {
        def.to_vec()
    } else {
        rest.to_vec()
    };
    {
        let x = ht(w);
        x.cache_secs = m.cache_max_age.max(0) as u32;
        x.cache_reuse = m.cache_bits & 1 != 0;
        x.cache_revalidate = m.cache_bits & 2 != 0;
        x.cache_intermediaries = m.cache_bits & 4 != 0;
    }
    let mut r = 1;
    if m.origin_protocol == LWSMPRO_FILE as u8 {
        // A body sent with a request a file answers is read and dropped (lws never
        // hands it to a protocol).
        ht(w).discard = true;
        r = serve_mount_file(w, &s, mount_str(m.origin).unwrap_or(b"."), m);
        if r > 0 {
            ht(w).discard = false;
        }
    }
    if r < 0 {
        return Step::Close;
    }
    if r == 0 {
        return Step::Done;
    }
    if !m.protocol.is_null() {
        let Some(idx) = mount_str(m.protocol).and_then(|n| protocol_by_name(vh, n)) else {
            return Step::Close;
        };
        if !bind(w, idx) {
            return Step::Close;
        }
        return user_http(w, &uri[mpl.min(uri.len())..]);
    }
    user_http(w, uri)
}

pub(crate) enum Auth {
    Ok,
    /// No or wrong credentials: 401 asks for them.
    Failed,
    /// Credentials that cannot be decoded.
    Bad,
}

/// lws_check_basic_auth.  The login file must hold the credentials as a whole line (lws
/// also admits a suffix of a line: `ser:pass` passes for `user:pass`; we do not repeat
/// that).  Accepted, the Authorization header reads as the user name alone, as lws
/// rewrites it.
fn basic_auth(w: *mut lws, file: Option<&[u8]>, mode: u32) -> Auth {
    use crate::http::auth::{parse_basic_auth, username, BasicAuth};
    if fragments(w, WSI_TOKEN_HTTP_AUTHORIZATION as c_int).len() > 1 {
        lwsl_err!("fragmented basic auth header not allowed");
        return Auth::Failed;
    }
    let value = joined(w, WSI_TOKEN_HTTP_AUTHORIZATION as c_int);
    let creds = match parse_basic_auth(&value) {
        BasicAuth::Missing => return Auth::Failed,
        BasicAuth::Malformed => return Auth::Bad,
        BasicAuth::Credentials(c) => c,
    };
    let ok = if mode == LWSAUTHM_DEFAULT as u32 {
        let path =
            <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(file.unwrap_or(b""));
        match std::fs::read(path) {
            Ok(content) => content
                .split(|&b| b == b'\n' || b == b'\r')
                .any(|line| line == &creds[..]),
            Err(_) => {
                lwsl_err!("can't open auth file: {}", path.to_string_lossy());
                false
            }
        }
    } else if mode == LWSAUTHM_BASIC_AUTH_CALLBACK as u32 {
        let mut c = creds.clone();
        let n = c.len();
        c.push(0);
        callback(
            w,
            LWS_CALLBACK_VERIFY_BASIC_AUTHORIZATION as c_int,
            c.as_mut_ptr() as *mut c_void,
            n,
        ) != 0
    } else {
        false
    };
    if !ok {
        lwsl_err!("basic auth lookup failed");
        return Auth::Failed;
    }
    ht(w).auth_user = Some(username(&creds).to_vec());
    Auth::Ok
}

/// lws_unauthorised_basic_auth: 401 with the realm, then the transaction completes.
fn unauthorised(w: *mut lws) -> c_int {
    let mut buf = vec![0u8; 2048];
    let mut p = buf.as_mut_ptr();
    // SAFETY: within buf.
    let end = unsafe { p.add(buf.len()) };
    if add_status(w, 401, &mut p, end) != 0
        || add_header(
            w,
            Some(TOKEN_NAMES[WSI_TOKEN_HTTP_WWW_AUTHENTICATE as usize].as_bytes()),
            b"Basic realm=\"lwsws\"",
            &mut p,
            end,
        ) != 0
        || add_header(w, Some(b"content-length:"), b"0", &mut p, end) != 0
        || finalize(w, &mut p, end) != 0
    {
        return -1;
    }
    let n = p as usize - buf.as_ptr() as usize;
    if !crate::roles::http::headers::send_head(w, &buf[..n]) {
        return -1;
    }
    transaction_completed(w)
}

/// Bytes that arrived during a transaction: the body, then (pipelined) the next request,
/// which waits in rx_stash until this transaction completes.
pub(crate) fn txn_input(w: *mut lws, data: &[u8]) {
    let mut pos = 0;
    while pos < data.len() {
        let st = wref!(w).state();
        if st != State::HttpTxn {
            if st == State::Http {
                // Completed while we were feeding: the rest is the next request.
                let rest = data[pos..].to_vec();
                hold(w, &rest);
            }
            return;
        }
        let body = ht(w).body;
        match body {
            Body::None => {
                hold(w, &data[pos..]);
                return;
            }
            Body::Length(rem) => {
                let n = ((data.len() - pos) as u64).min(rem) as usize;
                let left = rem - n as u64;
                ht(w).body = if left == 0 {
                    Body::None
                } else {
                    Body::Length(left)
                };
                if !deliver(w, &data[pos..pos + n]) {
                    return;
                }
                pos += n;
                if left == 0 && !body_done(w) {
                    return;
                }
            }
            Body::Chunked(mut dec) => {
                let step = dec.step(&data[pos..]);
                let Ok((used, piece, finished)) = step else {
                    crate::roles::h1::http_fail(w, 400, "Bad Request");
                    return;
                };
                ht(w).body = Body::Chunked(dec);
                pos += used;
                if let Some(r) = piece {
                    let off = pos - used;
                    if !deliver(w, &data[off + r.start..off + r.end]) {
                        return;
                    }
                }
                if finished {
                    ht(w).body = Body::None;
                    if !body_done(w) {
                        return;
                    }
                }
            }
        }
        if wref!(w).life == Life::Dead {
            return;
        }
    }
}

/// How much of a request body must arrive for its timeout (`timeout_secs`) to start
/// again.  lws restarts it for every piece, so a body dribbled a byte at a time holds
/// the connection forever; here a body slower than this per `timeout_secs` is cut off.
const BODY_PROGRESS: usize = 1024;

/// One HTTP_BODY callback (skipped while discarding).  False if the connection closed.
fn deliver(w: *mut lws, piece: &[u8]) -> bool {
    let x = ht(w);
    x.body_progress += piece.len();
    if x.body_progress >= BODY_PROGRESS {
        x.body_progress = 0;
        let timeout = cx!(wsi_ctx(w)).timeout_secs as i64;
        set_timeout(
            w,
            PENDING_TIMEOUT_HTTP_CONTENT as c_int,
            timeout * 1_000_000,
        );
    }
    if piece.is_empty() || ht(w).discard {
        return true;
    }
    if callback(
        w,
        LWS_CALLBACK_HTTP_BODY as c_int,
        piece.as_ptr() as *mut c_void,
        piece.len(),
    ) != 0
    {
        close(w, Why::User);
        return false;
    }
    wref!(w).life != Life::Dead
}

/// The whole body arrived.  False if the connection closed.
fn body_done(w: *mut lws) -> bool {
    set_timeout(w, 0, 0);
    if ht(w).discard {
        let x = ht(w);
        x.discard = false;
        if x.complete_after_body {
            x.complete_after_body = false;
            if transaction_completed(w) != 0 {
                close(w, Why::User);
                return false;
            }
        }
        return true;
    }
    if callback(w, LWS_CALLBACK_HTTP_BODY_COMPLETION as c_int, null_mut(), 0) != 0 {
        lwsl_info!("bailing after BODY_COMPLETION");
        close(w, Why::User);
        return false;
    }
    wref!(w).life != Life::Dead
}

/// Holds input for later (the next pipelined request) and stops reading until then.
pub(crate) fn hold(w: *mut lws, rest: &[u8]) {
    if rest.is_empty() {
        return;
    }
    crate::core::wsi::stash_front(w, rest);
    let s = wref!(w);
    if s.state() == State::HttpTxn {
        let was_reading = s.rx_flow_reasons == 0;
        s.rx_flow_reasons |= RXFLOW_HTTP_BUSY;
        crate::core::extpoll::flow_changed(w, was_reading);
    } else {
        // Already back to reading heads: parse it at the next safe point.
        if !s.in_rx_q {
            s.in_rx_q = true;
            cx!(s.ctx).rx_q.push(w);
        }
    }
}

/// lws_http_transaction_completed: 0 to keep the connection for the next request, 1 when
/// it must close (the caller returns -1 from its callback).
pub(crate) fn transaction_completed(w: *mut lws) -> c_int {
    if wref!(w).mux.is_some() {
        return crate::roles::h2::txn_completed(w);
    }
    {
        let s = wref!(w);
        if s.life == Life::Dead {
            return 1;
        }
        if s.http.as_ref().is_none_or(|x| !x.in_txn) {
            lwsl_info!("lws_http_transaction_completed: ignoring, no transaction");
            return 0;
        }
        if s.out_pos < s.out.len() {
            // The answer is still going out: finish when it has.
            s.http.as_mut().expect("checked").deferred_completion = true;
            return 0;
        }
    }
    {
        let x = ht(w);
        x.deferred_completion = false;
        if matches!(x.body, Body::Length(_) | Body::Chunked(_)) {
            if x.complete_after_body {
                return 1;
            }
            // Read and drop the rest of the body first, then complete again.
            x.discard = true;
            x.complete_after_body = true;
            return 0;
        }
        x.in_txn = false;
        x.file = None;
        if !x.keep_alive || x.sse {
            lwsl_info!("lws_http_transaction_completed: close connection");
            return 1;
        }
    }
    if wref!(w).peer_hup {
        return 1;
    }
    // Back to protocols[0] for the next request, as lws.
    if !bind(w, 0) {
        return 1;
    }
    let ka = vh!(wsi_vhost(w)).keepalive_timeout;
    let (resume, was_reading) = {
        let s = wref!(w);
        s.set_h1(H1::Head);
        s.req = None;
        s.hdr.clear();
        s.want_writeable = false;
        let was_reading = s.rx_flow_reasons == 0;
        s.rx_flow_reasons &= !RXFLOW_HTTP_BUSY;
        (
            !s.rx_stash.is_empty() && s.rx_flow_reasons == 0 && !s.in_rx_q,
            was_reading,
        )
    };
    crate::core::extpoll::flow_changed(w, was_reading);
    ah_release(w);
    {
        let s = wref!(w);
        if resume {
            s.in_rx_q = true;
            cx!(s.ctx).rx_q.push(w);
        }
    }
    if ka > 0 {
        set_timeout(
            w,
            PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE as c_int,
            ka as i64 * 1_000_000,
        );
    }
    0
}

/// The socket can take data during a transaction: buffered output first (done by the
/// caller), then a deferred completion, then a file, then the user's HTTP_WRITEABLE.
pub(crate) fn writeable(w: *mut lws) {
    if ht(w).deferred_completion {
        if transaction_completed(w) != 0 {
            close(w, Why::User);
        }
        return;
    }
    if ht(w).file.is_some() {
        wref!(w).want_writeable = false;
        file_fragment(w);
        return;
    }
    let s = wref!(w);
    if !s.want_writeable {
        return;
    }
    s.want_writeable = false;
    if callback(w, LWS_CALLBACK_HTTP_WRITEABLE as c_int, null_mut(), 0) != 0 {
        close(w, Why::User);
    }
}

/// lws_http_mark_sse: the response stays open indefinitely.
pub(crate) fn mark_sse(w: *mut lws) -> c_int {
    ht(w).sse = true;
    set_timeout(w, 0, 0);
    0
}

/// lws's default HTTP handling for a protocol that has none of its own
/// (lws_callback_http_dummy): 404 for a request no mount answered, 200 after a body,
/// completion after a file.
pub(crate) fn http_dummy(w: *mut lws, reason: c_int) -> c_int {
    match reason {
        x if x == LWS_CALLBACK_HTTP as c_int => {
            if crate::roles::http::headers::return_status(w, 404, None) != 0
                || transaction_completed(w) != 0
            {
                return -1;
            }
            0
        }
        x if x == LWS_CALLBACK_HTTP_BODY_COMPLETION as c_int => {
            if crate::roles::http::headers::return_status(w, 200, None) != 0 {
                return -1;
            }
            0
        }
        x if x == LWS_CALLBACK_HTTP_FILE_COMPLETION as c_int => {
            if transaction_completed(w) != 0 {
                return -1;
            }
            0
        }
        _ => 0,
    }
}

/// The callback of the "http-only" protocol a vhost gets when it is given none: the
/// same answers as lws_callback_http_dummy, without the core reaching up into the C
/// surface for it.
pub(crate) unsafe extern "C" fn default_http_callback(
    w: *mut lws,
    reason: c_int,
    _user: *mut c_void,
    _in: *mut c_void,
    _len: usize,
) -> c_int {
    if w.is_null() {
        return 0;
    }
    // Called through the C calling convention from our own loop: a panic must not
    // unwind through that frame.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| http_dummy(w, reason))) {
        Ok(v) => v,
        Err(_) => {
            lwsl_err!("lws_callback_http_dummy: internal error (panic caught)");
            -1
        }
    }
}
