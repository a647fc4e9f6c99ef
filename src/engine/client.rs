//! The WebSocket client role: connect, the upgrade request and the server's answer.
//! Once established, a client wsi shares the rx/tx paths of wsi.rs (its frames are
//! masked going out and must be unmasked coming in).
use super::wsi::{self, Why};
use super::*;
use crate::ws::handshake;
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};

/// What a client connection remembers until it is established.
pub(crate) struct ClientInfo {
    pub addrs: Vec<SocketAddr>,
    pub next_addr: usize,
    pub key: [u8; 24],
    pub host: String,
    pub origin: Option<String>,
    pub path: String,
    pub protocols: Option<String>,
    pub retry: *const lws_retry_bo_t,
    /// CLIENT_CONNECTION_ERROR was delivered (only once, as lws).
    pub cce_done: bool,
}

/// lws_client_connect_via_info().  NULL when the connection fails before it starts (the
/// CLIENT_CONNECTION_ERROR callback has then been called, as lws does for DNS failures).
///
/// # Safety
/// `i` follows lws's contract: a live context and NUL-terminated strings or NULL.
pub(crate) unsafe fn connect(i: &lws_client_connect_info) -> *mut lws {
    let ctx = i.context;
    if let Some(what) = super::options::refuse_client(i) {
        lwsl_err!(
            "lws_client_connect_via_info: {} is not supported by this build",
            what
        );
        return null_mut();
    }
    let vh = if !i.vhost.is_null() {
        i.vhost
    } else {
        match cx!(ctx).vhosts.first() {
            Some(&v) => v,
            None => {
                lwsl_err!("lws_client_connect_via_info: the context has no vhost");
                return null_mut();
            }
        }
    };
    let Some(address) = c_string_of(i.address) else {
        lwsl_err!("lws_client_connect_via_info: NULL address");
        return null_mut();
    };
    if !(0..=65535).contains(&i.port) {
        lwsl_err!("lws_client_connect_via_info: bad port {}", i.port);
        return null_mut();
    }
    let protocols = c_string_of(i.protocol).filter(|p| !p.is_empty());
    // The local protocol: local_protocol_name, else the first name asked of the server,
    // else the vhost's first.
    let local = c_string_of(i.local_protocol_name).or_else(|| {
        protocols
            .as_deref()
            .and_then(|p| p.split(',').next())
            .map(|s| s.trim().to_string())
    });
    let idx = local
        .and_then(|name| protocol_by_name(vh, name.as_bytes()))
        .unwrap_or(0);
    if vhost_protocols(vh).is_empty() {
        lwsl_err!("lws_client_connect_via_info: the vhost has no protocols");
        return null_mut();
    }

    let mut key_raw = [0u8; 16];
    random_bytes(ctx, &mut key_raw);
    let mut key = [0u8; 24];
    use base64::Engine as _;
    let _ = base64::engine::general_purpose::STANDARD.encode_slice(key_raw, &mut key);

    let (rbuf_len, timeout_secs) = {
        let c = cx!(ctx);
        (c.rbuf.len(), c.timeout_secs)
    };
    let mut b = Box::new(lws::new(
        ctx,
        vh,
        crate::ws::frame::RxConfig {
            expect_masked: false,
            max_chunk: rbuf_len,
            validate_utf8: vh!(vh).options & LWS_SERVER_OPTION_VALIDATE_UTF8 != 0,
            max_message: MAX_MESSAGE,
        },
    ));
    b.state = State::Connecting;
    b.opaque_user_data = i.opaque_user_data;
    if !i.userdata.is_null() {
        b.user_space = i.userdata;
    }
    b.client = Some(Box::new(ClientInfo {
        addrs: Vec::new(),
        next_addr: 0,
        key,
        host: c_string_of(i.host).unwrap_or_else(|| address.clone()),
        origin: c_string_of(i.origin),
        path: c_string_of(i.path)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "/".into()),
        protocols,
        retry: i.retry_and_idle_policy,
        cce_done: false,
    }));
    {
        // lws's tag: "[wsicli|N|method/role/vhost/address]"; the role is "h1" until the
        // upgrade, and a ws client without a method says "WS".
        let c = cx!(ctx);
        let ord = c.tag_ord[1];
        c.tag_ord[1] = ord.wrapping_add(1);
        let method = c_string_of(i.method).unwrap_or_else(|| "WS".into());
        let tag = format!(
            "[wsicli|{ord:x}|{method}/h1/{}/{address}]",
            vh!(vh).name.to_string_lossy()
        );
        b.tag_ord = ord;
        b.tag = std::ffi::CString::new(tag)
            .ok()
            .map(|t| t.into_boxed_c_str());
    }
    let w = Box::into_raw(b);
    let (slot, gen) = cx!(ctx).slot_alloc(Entry::Conn(w));
    {
        let s = wref!(w);
        s.slot = slot;
        s.gen = gen;
    }
    if !i.pwsi.is_null() {
        // SAFETY: lws's contract: pwsi points to caller storage for the wsi pointer.
        unsafe { *i.pwsi = w };
    }
    if !wsi::bind_protocol(w, idx, LWS_CALLBACK_CLIENT_HTTP_BIND_PROTOCOL as c_int) {
        fail(w, "HS: OOM");
        return null_on_fail(i);
    }

    // Name resolution is the one blocking step (as long as the lookup takes); the
    // connect itself is non-blocking.
    let addrs: Vec<SocketAddr> = match (address.as_str(), i.port as u16).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(_) => Vec::new(),
    };
    if addrs.is_empty() {
        fail(w, "DNS NXDOMAIN");
        return null_on_fail(i);
    }
    if let Some(c) = wref!(w).client.as_mut() {
        c.addrs = addrs;
    }
    wsi::set_timeout(
        w,
        PENDING_TIMEOUT_AWAITING_CONNECT_RESPONSE as c_int,
        timeout_secs as i64 * 1_000_000,
    );
    if !start_next(w) {
        fail(w, "Unable to connect");
        return null_on_fail(i);
    }
    w
}

fn null_on_fail(i: &lws_client_connect_info) -> *mut lws {
    if !i.pwsi.is_null() {
        // SAFETY: as above.
        unsafe { *i.pwsi = null_mut() };
    }
    null_mut()
}

/// Starts a non-blocking connect to the next address.  False when none is left.
fn start_next(w: *mut lws) -> bool {
    loop {
        let addr = {
            let s = wref!(w);
            let Some(c) = s.client.as_mut() else {
                return false;
            };
            let Some(&a) = c.addrs.get(c.next_addr) else {
                return false;
            };
            c.next_addr += 1;
            a
        };
        let s = wref!(w);
        if let Some(mut old) = s.sock.take() {
            let _ = cx!(s.ctx).poll.registry().deregister(&mut old);
        }
        match mio::net::TcpStream::connect(addr) {
            Ok(mut sock) => {
                use std::os::fd::AsRawFd;
                let _ = sock.set_nodelay(true);
                s.fd = sock.as_raw_fd();
                let reg = cx!(s.ctx).poll.registry().register(
                    &mut sock,
                    wsi::token_of(s.slot, s.gen),
                    mio::Interest::READABLE | mio::Interest::WRITABLE,
                );
                if reg.is_err() {
                    continue;
                }
                s.peer_addr = Some(addr);
                s.sock = Some(sock);
                // WRITABLE tells us the connect finished.
                s.write_interest = true;
                return true;
            }
            Err(e) => lwsl_info!("connect to {} failed: {}", addr, e),
        }
    }
}

/// CLIENT_CONNECTION_ERROR (once) with a human-readable reason, then the end.
pub(crate) fn fail(w: *mut lws, why: &str) {
    connection_error(w, why);
    wsi::finish_close(w);
}

/// Delivers CLIENT_CONNECTION_ERROR unless it already was.
pub(crate) fn connection_error(w: *mut lws, why: &str) {
    let first = match wref!(w).client.as_mut() {
        Some(c) if !c.cce_done => {
            c.cce_done = true;
            true
        }
        _ => false,
    };
    if first {
        lwsl_info!("client connection error: {}", why);
        let mut msg = Vec::with_capacity(why.len() + 1);
        msg.extend_from_slice(why.as_bytes());
        msg.push(0);
        wsi::callback(
            w,
            LWS_CALLBACK_CLIENT_CONNECTION_ERROR as c_int,
            msg.as_mut_ptr() as *mut c_void,
            why.len(),
        );
    }
}

/// The socket became writable or reported an error while connecting.
pub(crate) fn connect_ready(w: *mut lws) {
    let status = {
        let s = wref!(w);
        match s.sock.as_ref() {
            None => Err(()),
            Some(sock) => match sock.take_error() {
                Ok(Some(_)) | Err(_) => Err(()),
                Ok(None) => match sock.peer_addr() {
                    Ok(_) => Ok(true),
                    Err(e) if e.kind() == std::io::ErrorKind::NotConnected => Ok(false),
                    Err(_) => Err(()),
                },
            },
        }
    };
    match status {
        Ok(false) => {}
        Err(()) => {
            if !start_next(w) {
                fail(w, "Unable to connect");
            }
        }
        Ok(true) => send_request(w),
    }
}

fn send_request(w: *mut lws) {
    let timeout_secs = {
        let s = wref!(w);
        s.state = State::ClientHandshake;
        s.writable = true;
        cx!(s.ctx).timeout_secs
    };
    if wsi::callback(w, LWS_CALLBACK_WSI_CREATE as c_int, null_mut(), 0) != 0 {
        fail(w, "HS: disallowed by client filter");
        return;
    }
    let mut req: Vec<u8> = Vec::with_capacity(4096);
    {
        let s = wref!(w);
        let Some(c) = s.client.as_ref() else { return };
        let _ = write!(
            req,
            "GET {} HTTP/1.1\r\nPragma: no-cache\r\nCache-Control: no-cache\r\nHost: {}\r\n",
            c.path, c.host
        );
        if let Some(o) = &c.origin {
            let _ = write!(req, "Origin: http://{o}\r\n");
        }
        req.extend_from_slice(b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
        req.extend_from_slice(&c.key);
        req.extend_from_slice(b"\r\n");
        if let Some(p) = &c.protocols {
            let _ = write!(req, "Sec-WebSocket-Protocol: {p}\r\n");
        }
        req.extend_from_slice(b"Sec-WebSocket-Version: 13\r\n");
    }
    // APPEND_HANDSHAKE_HEADER: `in` is a char ** the user advances, `len` the room.
    let start = req.len();
    let room = 2048usize;
    req.resize(start + room, 0);
    let base = req.as_mut_ptr();
    // SAFETY: start < req.len(); the pointer stays inside req, which is not touched
    // until the callback returns.
    let mut p = unsafe { base.add(start) } as *mut c_char;
    let pp: *mut *mut c_char = &mut p;
    if wsi::callback(
        w,
        LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER as c_int,
        pp as *mut c_void,
        room - 1,
    ) != 0
    {
        fail(w, "HS: disallowed by client filter");
        return;
    }
    let used = (p as usize)
        .saturating_sub(base as usize)
        .clamp(start, start + room - 1);
    req.truncate(used);
    req.extend_from_slice(b"\r\n");
    wsi::set_timeout(
        w,
        PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE as c_int,
        timeout_secs as i64 * 1_000_000,
    );
    wsi::send_raw(w, &req);
    let s = wref!(w);
    if s.out_pos >= s.out.len() {
        wsi::write_interest(w, false);
    }
}

/// Bytes of the server's answer to our upgrade request.
pub(crate) fn handshake_input(w: *mut lws, ptr: *mut u8, len: usize) {
    let max = {
        let s = wref!(w);
        // SAFETY: ptr[..len] is readable (see wsi::input).
        s.hdr
            .extend_from_slice(unsafe { core::slice::from_raw_parts(ptr, len) });
        cx!(s.ctx).max_http_header_data.max(4096)
    };
    // Parse with a short borrow of the wsi; act (callbacks included) after it ends.
    let parsed = {
        let s = wref!(w);
        let mut headers = [httparse::EMPTY_HEADER; handshake::MAX_HEADERS];
        let mut resp = httparse::Response::new(&mut headers);
        match resp.parse(&s.hdr) {
            Ok(httparse::Status::Partial) if s.hdr.len() > max => {
                Err(Some("HS: headers too large"))
            }
            Ok(httparse::Status::Partial) => Err(None),
            Err(_) => Err(Some("HS: malformed response")),
            Ok(httparse::Status::Complete(n)) => {
                let find = |name: &str| {
                    resp.headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
                };
                Ok((
                    resp.code.unwrap_or(0),
                    n,
                    find("upgrade"),
                    find("sec-websocket-accept"),
                    find("sec-websocket-protocol"),
                ))
            }
        }
    };
    let (code, consumed, upgrade, accept, protocol) = match parsed {
        Ok(p) => p,
        Err(None) => return,
        Err(Some(why)) => return fail(w, why),
    };
    wsi::set_timeout(w, 0, 0);
    if wsi::callback(
        w,
        LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP as c_int,
        null_mut(),
        0,
    ) != 0
    {
        fail(w, "HS: disallowed at ESTABLISHED");
        return;
    }
    if wref!(w).state != State::ClientHandshake {
        return;
    }
    let (key, asked) = match wref!(w).client.as_ref() {
        Some(c) => (c.key, c.protocols.clone()),
        None => return,
    };
    let problem = if code == 401 {
        Some("HS: ws upgrade unauthorized")
    } else if code != 101 {
        Some("HS: ws upgrade response not 101")
    } else if accept.is_none() {
        Some("HS: ACCEPT missing")
    } else if upgrade.is_none() {
        Some("HS: UPGRADE missing")
    } else if !upgrade
        .as_deref()
        .unwrap_or("")
        .eq_ignore_ascii_case("websocket")
    {
        Some("HS: Upgrade to something other than websocket")
    } else if let (Some(p), Some(list)) = (&protocol, &asked) {
        if handshake::protocol_list(list.as_bytes()).any(|n| n == p.as_bytes()) {
            None
        } else {
            Some("HS: PROTOCOL malformed")
        }
    } else if protocol.is_some() && asked.is_none() {
        Some("HS: PROTOCOL malformed")
    } else if accept.as_deref().map(str::as_bytes) != Some(&handshake::accept_key(&key)[..]) {
        Some("HS: Accept hash wrong")
    } else {
        None
    };
    if let Some(p) = problem {
        fail(w, p);
        return;
    }
    // As lws, a client keeps the protocol it was bound to when it was created.
    if wsi::callback(
        w,
        LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH as c_int,
        null_mut(),
        0,
    ) != 0
    {
        fail(w, "HS: Rejected by filter cb");
        return;
    }
    let mut rest = {
        let s = wref!(w);
        s.state = State::Ws;
        s.established = true;
        // SAFETY: the bound protocol is a live entry of the vhost.
        let rxs = unsafe { (*s.protocol).rx_buffer_size };
        let c = cx!(s.ctx);
        let chunk = if rxs == 0 { c.rbuf.len() } else { rxs };
        s.rx = crate::ws::frame::Rx::new(crate::ws::frame::RxConfig {
            expect_masked: false,
            max_chunk: chunk,
            validate_utf8: vh!(s.vhost).options & LWS_SERVER_OPTION_VALIDATE_UTF8 != 0,
            max_message: MAX_MESSAGE,
        });
        let rest = s.hdr.split_off(consumed.min(s.hdr.len()));
        s.hdr = Vec::new();
        if let Some(c) = s.client.as_mut() {
            c.addrs = Vec::new();
        }
        rest
    };
    wsi::validity_start(w);
    if wsi::callback(w, LWS_CALLBACK_CLIENT_ESTABLISHED as c_int, null_mut(), 0) != 0 {
        wsi::close(w, Why::User);
        return;
    }
    if wref!(w).state != State::Ws {
        return;
    }
    // A WRITEABLE asked for before we got here is due now.
    if wref!(w).want_writeable {
        wsi::request_writeable(w);
    }
    if !rest.is_empty() {
        let n = rest.len();
        wsi::input(w, rest.as_mut_ptr(), n);
    }
}

/// Fresh random bytes for masks and keys.  Mask keys must be unpredictable (RFC 6455
/// 5.3): they come from getrandom(2), drawn a block at a time so a frame costs no
/// syscall.
pub(crate) fn random_bytes(ctx: *mut lws_context, out: &mut [u8]) {
    let c = cx!(ctx);
    for b in out.iter_mut() {
        if c.rand_pos >= c.rand_pool.len() {
            fill_random(&mut c.rand_pool);
            c.rand_pos = 0;
        }
        *b = c.rand_pool[c.rand_pos];
        c.rand_pos += 1;
    }
}

pub(crate) fn fill_random(buf: &mut [u8]) {
    let mut off = 0;
    while off < buf.len() {
        // SAFETY: writes at most buf.len() - off bytes into buf[off..].
        let n =
            unsafe { libc::getrandom(buf[off..].as_mut_ptr() as *mut c_void, buf.len() - off, 0) };
        if n <= 0 {
            // getrandom only fails on ancient kernels or EINTR; fall back to the clock
            // rather than ever sending a predictable all-zero key.
            let t = timer::now_usecs() as u64;
            for (i, b) in buf[off..].iter_mut().enumerate() {
                *b = (t.rotate_left((i % 64) as u32) as u8) ^ (i as u8);
            }
            return;
        }
        off += n as usize;
    }
}
