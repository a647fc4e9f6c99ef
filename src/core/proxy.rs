//! Client connections through an HTTP proxy (lws's `LWS_CLIENT_HTTP_PROXYING`): a vhost
//! given `http_proxy_address` (or `lws_set_proxy`, or, when the creation info names none,
//! the `http_proxy` environment variable, as lws reads it) dials the proxy instead of the
//! server, asks it for a tunnel with `CONNECT host:port`, and once the proxy answers 200
//! the connection goes on exactly as a direct one would: TLS (when asked) starts inside
//! the tunnel, then the upgrade or the HTTP request.  Every client of the vhost goes this
//! way (ws, HTTP, raw), as in lws, which has no `no_proxy` list either.
//!
//! ```text
//!   Connecting: TCP to the proxy --connected--> CONNECT sent --"HTTP/1.x 200" head-->
//!               tunnel open: TLS, then the request (what a direct connect does next)
//!   a non-200 answer: CLIENT_CONNECTION_ERROR "http_proxy -> NNN"
//!   anything else:    CLIENT_CONNECTION_ERROR "http_proxy fail" / "proxy conn dead"
//! ```
use crate::abi::*;
use crate::core::*;
use core::ffi::c_int;
use std::io::ErrorKind;

/// Where a vhost's clients are tunnelled through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Proxy {
    pub host: String,
    pub port: u16,
    /// base64 of "user:password" (from "user:password@" before the host), sent as
    /// Proxy-Authorization.
    pub auth: Option<String>,
}

/// The longest "user:password" lws takes (its buffer, less the NUL).
const AUTH_MAX: usize = 95;
/// The longest answer head a proxy may send to CONNECT.
const REPLY_MAX: usize = 4096;

/// Reads lws_set_proxy()'s syntax: `[http://][user:pass@]host[:port]`, the host in
/// brackets when it is an IPv6 literal (`[::1]:3128`).  `port` is used when the string
/// has none (lws keeps the vhost's `http_proxy_port` then); a port is read as atoi would,
/// so "proxy:3128/" (how the variable is often written) is port 3128.
pub(crate) fn parse(s: &str, port: u16) -> Result<Proxy, &'static str> {
    let s = s.strip_prefix("http://").unwrap_or(s);
    let (auth, rest) = match s.rfind('@') {
        Some(at) => {
            let cred = &s[..at];
            if cred.len() > AUTH_MAX {
                return Err("proxy auth too long");
            }
            use base64::Engine as _;
            let token = base64::engine::general_purpose::STANDARD.encode(cred.as_bytes());
            (Some(token), &s[at + 1..])
        }
        None => (None, s),
    };
    let (host, after) = if let Some(r) = rest.strip_prefix('[') {
        match r.split_once(']') {
            Some((h, a)) => (h, a),
            None => return Err("malformed proxy (no ']')"),
        }
    } else {
        match rest.find(':') {
            Some(c) => (&rest[..c], &rest[c..]),
            None => (rest, ""),
        }
    };
    if host.is_empty() {
        return Err("http_proxy needs an address");
    }
    let port = match after.strip_prefix(':') {
        Some(p) => {
            let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
            match digits.parse::<u16>() {
                Ok(n) if n != 0 => n,
                _ => return Err("http_proxy has a bad port"),
            }
        }
        None if port != 0 => port,
        None => return Err("http_proxy needs to be ads:port"),
    };
    Ok(Proxy {
        host: host.to_string(),
        port,
        auth,
    })
}

/// A vhost's proxy from its creation info: `http_proxy_address` (with
/// `http_proxy_port` when the address has no port), else the `http_proxy` environment
/// variable.  An address in the info that cannot be used is an error (the vhost is not
/// made: its clients would otherwise go around the proxy); a bad variable is logged and
/// ignored, as lws does.
pub(crate) fn from_info(info: &lws_context_creation_info) -> Result<Option<Proxy>, String> {
    if let Some(a) = c_string_of(info.http_proxy_address).filter(|a| !a.is_empty()) {
        let port = u16::try_from(info.http_proxy_port).unwrap_or(0);
        return parse(&a, port)
            .map(Some)
            .map_err(|e| format!("http_proxy_address \"{a}\": {e}"));
    }
    match std::env::var("http_proxy") {
        Ok(v) if !v.is_empty() => match parse(&v, 0) {
            Ok(p) => {
                lwsl_info!("vhost clients go through the proxy {}:{}", p.host, p.port);
                Ok(Some(p))
            }
            Err(e) => {
                lwsl_err!("http_proxy environment variable \"{}\": {}", v, e);
                Ok(None)
            }
        },
        _ => Ok(None),
    }
}

/// The CONNECT request for `host:port` (lws's lines and header names).
pub(crate) fn request(host: &str, port: u16, auth: Option<&str>) -> Vec<u8> {
    // An IPv6 literal needs its brackets in an authority (lws leaves them out).
    let target = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut r = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-agent: lws\r\n");
    if let Some(a) = auth {
        r.push_str("Proxy-authorization: basic ");
        r.push_str(a);
        r.push_str("\r\n");
    }
    r.push_str("\r\n");
    r.into_bytes()
}

/// What the proxy's answer so far says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reply {
    /// The head is not complete yet.
    More,
    /// 200: the tunnel is open; the head was this many bytes (what follows is the
    /// server's).
    Open(usize),
    /// Refused or not HTTP: the CLIENT_CONNECTION_ERROR text.
    Failed(String),
}

/// Judges the proxy's answer as lws does: an HTTP/1.0 or 1.1 status line, 200 or it
/// failed with the status in the text.
pub(crate) fn reply(buf: &[u8]) -> Reply {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        if buf.len() > REPLY_MAX || (buf.len() >= 9 && !status_line_ok(buf)) {
            return Reply::Failed("http_proxy fail".into());
        }
        return Reply::More;
    };
    if !status_line_ok(buf) || buf.len() < 12 {
        return Reply::Failed("http_proxy fail".into());
    }
    let code: String = buf[9..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    match code.parse::<u32>() {
        Ok(200) => Reply::Open(end + 4),
        Ok(n) => Reply::Failed(format!("http_proxy -> {n}")),
        Err(_) => Reply::Failed("http_proxy fail".into()),
    }
}

fn status_line_ok(b: &[u8]) -> bool {
    b.len() >= 9 && b.starts_with(b"HTTP/1.") && matches!(b[7], b'0' | b'1') && b[8] == b' '
}

/// Where a client going through a proxy stands (`ClientInfo::proxy`).
pub(crate) struct Hop {
    /// CONNECT is out.
    pub sent: bool,
    /// The answer so far.
    pub reply: Vec<u8>,
}

/// What the connect goes on with after [`step`].
pub(crate) enum Step {
    /// No proxy in the way (any more): carry on as a direct connection.
    Through,
    /// Waiting for the proxy (or the connection failed and is gone).
    Wait,
}

/// The TCP connection to the proxy is up, or it has news: sends CONNECT once, then
/// reads the answer.  The reads stop at EAGAIN or at the end of the answer's head.
pub(crate) fn step(w: *mut lws) -> Step {
    let (target, auth, sent) = {
        let s = wref!(w);
        let Some(c) = s.client.as_ref() else {
            return Step::Through;
        };
        let Some(hop) = c.proxy.as_ref() else {
            return Step::Through;
        };
        let auth = vh!(s.vhost).proxy.as_ref().and_then(|p| p.auth.clone());
        ((c.address.clone(), c.port), auth, hop.sent)
    };
    if !sent {
        lwsl_info!(
            "client: going through the proxy to {}:{}",
            target.0,
            target.1
        );
        let req = request(&target.0, target.1, auth.as_deref());
        if let Some(h) = wref!(w).client.as_mut().and_then(|c| c.proxy.as_mut()) {
            h.sent = true;
        }
        let ctx = wref!(w).ctx;
        let secs = cx!(ctx).timeout_secs;
        crate::core::wsi::set_timeout(
            w,
            PENDING_TIMEOUT_AWAITING_PROXY_RESPONSE as c_int,
            secs as i64 * 1_000_000,
        );
        if !crate::core::output::send_raw(w, &req) {
            crate::core::connect::fail(w, "proxy write failed");
            return Step::Wait;
        }
    }
    if crate::core::output::buffered(w) && !crate::core::output::flush(w) {
        // The rest of CONNECT goes out on the next WRITABLE (or the flush closed it).
        return Step::Wait;
    }
    let mut buf = [0u8; 1024];
    loop {
        let t = &mut wref!(w).transport;
        // SAFETY: buf is a local array of buf.len() writable bytes.
        match unsafe { t.read(buf.as_mut_ptr(), buf.len()) } {
            Ok(0) => {
                crate::core::connect::fail(w, "proxy conn dead");
                return Step::Wait;
            }
            Ok(n) => {
                let verdict = {
                    let Some(h) = wref!(w).client.as_mut().and_then(|c| c.proxy.as_mut()) else {
                        return Step::Through;
                    };
                    h.reply.extend_from_slice(&buf[..n]);
                    reply(&h.reply)
                };
                match verdict {
                    Reply::More => continue,
                    Reply::Failed(why) => {
                        crate::core::connect::fail(w, &why);
                        return Step::Wait;
                    }
                    Reply::Open(head) => return opened(w, head),
                }
            }
            Err(ErrorKind::WouldBlock) => return Step::Wait,
            Err(ErrorKind::Interrupted) => continue,
            Err(_) => {
                crate::core::connect::fail(w, "proxy read err");
                return Step::Wait;
            }
        }
    }
}

/// The proxy said 200.  Bytes past its head came from the server before we said
/// anything: kept for the raw role, which may meet a server that speaks first; for the
/// others (TLS, HTTP, ws: the client speaks first) they are a broken peer.
fn opened(w: *mut lws, head: usize) -> Step {
    let (rest, raw, tls) = {
        let s = wref!(w);
        let Some(c) = s.client.as_mut() else {
            return Step::Through;
        };
        let hop = c.proxy.take();
        let rest = hop.map(|h| h.reply[head..].to_vec()).unwrap_or_default();
        (rest, c.raw, c.tls.is_some())
    };
    lwsl_info!("client: the proxy opened the tunnel");
    if !rest.is_empty() {
        if tls || !raw {
            crate::core::connect::fail(w, "http_proxy fail");
            return Step::Wait;
        }
        let s = wref!(w);
        s.rx_stash = rest;
        s.rx_stash_pos = 0;
        if !s.in_rx_q {
            s.in_rx_q = true;
            cx!(s.ctx).rx_q.push(w);
        }
    }
    Step::Through
}

/// lws_set_proxy(): the vhost's later client connections go through `proxy` (see
/// [`parse`]; the vhost's current port is kept when the string has none).  -1, with the
/// vhost unchanged, when it cannot be used.
pub(crate) fn set(vh: *mut lws_vhost, proxy: &str) -> c_int {
    let port = vh!(vh).proxy.as_ref().map_or(0, |p| p.port);
    match parse(proxy, port) {
        Ok(p) => {
            lwsl_info!("vhost clients go through the proxy {}:{}", p.host, p.port);
            vh!(vh).proxy = Some(p);
            0
        }
        Err(e) => {
            lwsl_err!("lws_set_proxy: \"{}\": {}", proxy, e);
            -1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lws_proxy_strings() {
        assert_eq!(
            parse("proxy.test:3128", 0),
            Ok(Proxy {
                host: "proxy.test".into(),
                port: 3128,
                auth: None
            })
        );
        assert_eq!(parse("http://10.0.0.1:8080/", 0).unwrap().port, 8080);
        let p = parse("http://user:pa:ss@[::1]:3128", 0).unwrap();
        assert_eq!(p.host, "::1");
        assert_eq!(p.port, 3128);
        // base64("user:pa:ss")
        assert_eq!(p.auth.as_deref(), Some("dXNlcjpwYTpzcw=="));
        // No port: the vhost's own, else an error.
        assert_eq!(parse("proxy.test", 8000).unwrap().port, 8000);
        assert!(parse("proxy.test", 0).is_err());
        assert!(parse("proxy.test:x", 0).is_err());
        assert!(parse("proxy.test:0", 0).is_err());
        assert!(parse("[::1:3128", 0).is_err());
        assert!(parse(":3128", 0).is_err());
        let long = format!("{}@p:1", "u".repeat(96));
        assert!(parse(&long, 0).is_err());
    }

    #[test]
    fn connect_request_is_lws_s() {
        assert_eq!(
            request("example.test", 443, Some("dTpw")),
            b"CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\
              User-agent: lws\r\nProxy-authorization: basic dTpw\r\n\r\n"
                .to_vec()
        );
        assert!(request("::1", 80, None).starts_with(b"CONNECT [::1]:80 HTTP/1.1\r\n"));
    }

    #[test]
    fn judges_replies() {
        assert_eq!(reply(b"HTTP/1.1 200 Connection established"), Reply::More);
        assert_eq!(reply(b"HTTP/1.0 200 OK\r\n\r\nxy"), Reply::Open(19));
        assert_eq!(
            reply(b"HTTP/1.1 407 Proxy Authentication Required\r\nA: b\r\n\r\n"),
            Reply::Failed("http_proxy -> 407".into())
        );
        assert_eq!(
            reply(b"SSH-2.0-OpenSSH\r\n"),
            Reply::Failed("http_proxy fail".into())
        );
        assert_eq!(reply(b"HTTP/1."), Reply::More);
        assert_eq!(
            reply(b"HTTP/1.1 abc\r\n\r\n"),
            Reply::Failed("http_proxy fail".into())
        );
        assert_eq!(
            reply(&[b'H'; REPLY_MAX + 1]),
            Reply::Failed("http_proxy fail".into())
        );
    }
}
