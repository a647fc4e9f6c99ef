//! Client connections (lws_client_connect_via_info): name resolution, a non-blocking
//! connect trying each address, CLIENT_CONNECTION_ERROR with lws's reasons, mask keys.
use crate::abi::*;
use crate::core::wsi::set_timeout;
use crate::core::*;
use crate::roles::ws::client::send_request;
use core::ffi::{c_int, c_void};
use core::ptr::null_mut;
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
    /// method "RAW": the raw-skt role once connected, no HTTP.
    pub raw: bool,
    /// The HTTP client's state: set when the info has a `method` (else a ws upgrade).
    pub http: Option<Box<crate::roles::http::client::HttpClient>>,
    /// The address and port asked for (a relative redirect goes back to them).
    pub address: String,
    pub port: u16,
    /// LCCSCF_USE_SSL: the config (trust and the relaxations the flags ask for) and the
    /// name sent as SNI and verified.
    pub tls: Option<(std::sync::Arc<rustls::ClientConfig>, String)>,
    /// The permessage-deflate offer we sent, if any.
    pub pmd_offer: Option<String>,
    /// Going through the vhost's HTTP proxy: the tunnel is not open yet (core/proxy.rs).
    pub proxy: Option<crate::core::proxy::Hop>,
    /// A ws client: the status of the answer to the upgrade, from its head until the
    /// upgrade is done (lws_http_client_http_response reads it from lws's header table,
    /// which a ws client drops once upgraded).
    pub ws_status: u32,
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

    let http_method = c_string_of(i.method).is_some_and(|m| !m.is_empty() && m != "RAW");
    // lws offers the connect info's ALPN list, else the vhost's (or the context's), else
    // its default (h2 first) for an HTTP client and http/1.1 for a ws client.  A ws
    // client here speaks HTTP/1.1 only, so an inherited "h2" is left out for it.
    let alpn = c_string_of(i.alpn).unwrap_or_else(|| match &vh!(vh).alpn {
        Some(a) if http_method => a.clone(),
        Some(a) => {
            let l: Vec<&str> = a
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty() && *p != "h2")
                .collect();
            if l.is_empty() {
                "http/1.1".into()
            } else {
                l.join(",")
            }
        }
        None if http_method => "h2,http/1.1".into(),
        None => "http/1.1".into(),
    });
    let tls = if i.ssl_connection & LCCSCF_USE_SSL as i32 != 0 {
        let cfg = vh!(vh)
            .tls
            .client()
            .and_then(|c| c.config(i.ssl_connection as u32, Some(&alpn)));
        match cfg {
            Ok(c) => {
                let host = c_string_of(i.host).unwrap_or_else(|| address.clone());
                Some((c, sni_name(&host)))
            }
            Err(e) => {
                lwsl_err!("lws_client_connect_via_info: {}", e);
                return null_mut();
            }
        }
    } else {
        None
    };

    let mut key_raw = [0u8; 16];
    random_bytes(ctx, &mut key_raw);
    let mut key = [0u8; 24];
    use base64::Engine as _;
    let _ = base64::engine::general_purpose::STANDARD.encode_slice(key_raw, &mut key);

    let raw = c_string_of(i.method).is_some_and(|m| m == "RAW");
    let timeout_secs = cx!(ctx).timeout_secs;
    let mut b = Box::new(lws::new(ctx, vh));
    b.tsi = cx!(ctx).poller.pick();
    b.life = Life::Connecting;
    b.set_h1(crate::roles::H1::Client);
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
        raw,
        // Any method but RAW makes an HTTP client (lws sends whatever token it is given).
        http: c_string_of(i.method)
            .filter(|m| !m.is_empty() && !raw)
            .map(|m| {
                let mut h = crate::roles::http::client::HttpClient::new(m, i.ssl_connection as u32);
                if i.keep_warm_secs != 0 {
                    h.keep_warm_secs = i.keep_warm_secs;
                }
                h
            }),
        address: address.clone(),
        port: i.port as u16,
        tls,
        pmd_offer: None,
        proxy: None,
        ws_status: 0,
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
    if let Some(h) = b.client.as_mut().and_then(|c| c.http.as_mut()) {
        h.h2_offer = crate::roles::http::client_h2::offers_h2(&alpn);
        h.h2_credit = i.manual_initial_tx_credit;
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
    let bind = if raw {
        LWS_CALLBACK_RAW_SKT_BIND_PROTOCOL
    } else {
        LWS_CALLBACK_CLIENT_HTTP_BIND_PROTOCOL
    };
    if !crate::core::wsi::bind_protocol(w, idx, bind as c_int) {
        fail(w, "HS: OOM");
        return null_on_fail(i);
    }

    // LCCSCF_PIPELINE: a connection to the same place already exists: wait for its
    // socket instead of making one.
    let http = wref!(w).client.as_ref().is_some_and(|c| c.http.is_some());
    if http && i.ssl_connection & LCCSCF_PIPELINE as i32 != 0 {
        // An HTTP/2 connection there takes it as one more stream.
        if let Some(net) = crate::roles::http::client_h2::find_net(w) {
            crate::roles::http::client_h2::attach(net, w);
            return w;
        }
        if let Some(active) = crate::roles::http::client::pipeline_target(w) {
            crate::roles::http::client::enqueue(active, w);
            return w;
        }
    }
    // Name resolution is the one blocking step (as long as the lookup takes); the
    // connect itself is non-blocking.
    let addrs = dial(w, &address, i.port as u16);
    if addrs.is_empty() {
        fail(w, "DNS NXDOMAIN");
        return null_on_fail(i);
    }
    if let Some(c) = wref!(w).client.as_mut() {
        c.addrs = addrs;
    }
    set_timeout(
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

/// Points a client that has not been upgraded at a new address, port and path (a
/// redirect): the socket is dropped without callbacks and the connect starts over from
/// name resolution.  False when the name does not resolve or nothing connects.
pub(crate) fn restart(w: *mut lws, address: &str, port: u16, path: String) -> bool {
    let addrs = dial(w, address, port);
    if addrs.is_empty() {
        return false;
    }
    drop_socket(w);
    let timeout_secs = {
        let s = wref!(w);
        s.life = Life::Connecting;
        s.set_h1(crate::roles::H1::Client);
        s.hdr = Vec::new();
        s.req = None;
        s.out = Vec::new();
        s.out_pos = 0;
        s.own_out = Vec::new();
        s.rx_stash = Vec::new();
        s.rx_stash_pos = 0;
        s.peer_hup = false;
        s.writable = false;
        s.want_writeable = false;
        let Some(c) = s.client.as_mut() else {
            return false;
        };
        c.addrs = addrs;
        c.next_addr = 0;
        c.host = address.to_string();
        c.address = address.to_string();
        c.port = port;
        c.path = path;
        cx!(s.ctx).timeout_secs
    };
    set_timeout(
        w,
        PENDING_TIMEOUT_AWAITING_CONNECT_RESPONSE as c_int,
        timeout_secs as i64 * 1_000_000,
    );
    start_next(w)
}

/// Closes the socket of a connect that is starting over (no callbacks but the
/// program's poll set losing it).
fn drop_socket(w: *mut lws) {
    let fd = {
        let s = wref!(w);
        if s.transport.is_none() {
            return;
        }
        let fd = s.transport.fd();
        let _ = cx!(s.ctx).poller.deregister(&mut s.transport);
        fd
    };
    crate::core::extpoll::removed(crate::core::extpoll::Who::Conn(w), fd);
    wref!(w).transport.close();
}

/// The addresses a client to `address:port` dials: the vhost's proxy's when it has one
/// (the proxy resolves the server's name), else the server's own.  Marks the client as
/// owing the proxy a CONNECT.
fn dial(w: *mut lws, address: &str, port: u16) -> Vec<SocketAddr> {
    let vh = wref!(w).vhost;
    let proxy = vh!(vh).proxy.as_ref().map(|p| (p.host.clone(), p.port));
    if let Some(c) = wref!(w).client.as_mut() {
        c.proxy = proxy.as_ref().map(|_| crate::core::proxy::Hop {
            sent: false,
            reply: Vec::new(),
        });
    }
    let (host, port) = proxy.unwrap_or_else(|| (address.to_string(), port));
    match (host.as_str(), port).to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(_) => Vec::new(),
    }
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
        drop_socket(w);
        let s = wref!(w);
        match crate::transport::Transport::connect(addr) {
            Ok(mut t) => {
                let reg = cx!(s.ctx).poller.register(
                    &mut t,
                    s.slot,
                    s.gen,
                    crate::evloop::Interest::ReadWrite,
                    s.tsi,
                );
                if reg.is_err() {
                    continue;
                }
                s.peer_addr = Some(addr);
                s.transport = t;
                // WRITABLE tells us the connect finished.
                s.write_interest = true;
                let fd = s.transport.fd();
                crate::core::extpoll::added(crate::core::extpoll::Who::Conn(w), fd, true);
                return true;
            }
            Err(e) => lwsl_info!("connect to {} failed: {}", addr, e),
        }
    }
}

/// CLIENT_CONNECTION_ERROR (once) with a human-readable reason, then the end.
pub(crate) fn fail(w: *mut lws, why: &str) {
    connection_error(w, why);
    crate::core::close::finish_close(w);
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
        crate::core::wsi::callback(
            w,
            LWS_CALLBACK_CLIENT_CONNECTION_ERROR as c_int,
            msg.as_mut_ptr() as *mut c_void,
            why.len(),
        );
    }
}

/// The socket became writable or reported an error while connecting.
pub(crate) fn connect_ready(w: *mut lws) {
    let status = wref!(w).transport.connect_status();
    match status {
        Ok(false) => {}
        Err(()) => {
            if !start_next(w) {
                fail(w, "Unable to connect");
            }
        }
        Ok(true) => {
            // Through a proxy, the tunnel first; what follows runs inside it.
            if let crate::core::proxy::Step::Wait = crate::core::proxy::step(w) {
                return;
            }
            if let Some((cfg, name)) = wref!(w).client.as_ref().and_then(|c| c.tls.clone()) {
                match crate::tls::session::TlsSession::client(cfg, &name) {
                    Ok(t) => {
                        let tr = &mut wref!(w).transport;
                        tr.start_tls(t);
                        // PERFORM_SERVER_CERT_VERIFICATION before the request leaves.
                        tr.owe_verify();
                        crate::core::tlscb::handshake_start(w);
                        if wref!(w).life == Life::Dead {
                            return;
                        }
                    }
                    Err(e) => return fail(w, &e.0),
                }
            }
            // Over TLS what is written first waits in the session until the handshake
            // is done.
            if wref!(w).client.as_ref().is_some_and(|c| c.raw) {
                crate::roles::raw::client_connected(w)
            } else if wref!(w).client.as_ref().is_some_and(|c| c.http.is_some()) {
                let (tls, offer, flags) = match wref!(w).client.as_ref() {
                    Some(c) => (
                        c.tls.is_some(),
                        c.http.as_ref().is_some_and(|h| h.h2_offer),
                        c.http.as_ref().map_or(0, |h| h.flags),
                    ),
                    None => return,
                };
                if tls && offer {
                    crate::roles::http::client_h2::await_alpn(w)
                } else if !tls && flags & LCCSCF_H2_PRIOR_KNOWLEDGE as u32 != 0 {
                    crate::roles::http::client_h2::start(w);
                } else {
                    crate::roles::http::client::send_request(w)
                }
            } else {
                send_request(w)
            }
        }
    }
}

/// The name a TLS client sends as SNI and verifies: the Host without its port.
pub(crate) fn sni_name(host: &str) -> String {
    if host.starts_with('[') {
        return host
            .trim_start_matches('[')
            .split(']')
            .next()
            .unwrap_or("")
            .to_owned();
    }
    match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h.to_owned(),
        _ => host.to_owned(),
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

#[cfg(test)]
mod tls_name_tests {
    use super::sni_name;

    #[test]
    fn sni_is_the_host_without_its_port() {
        assert_eq!(sni_name("example.test"), "example.test");
        assert_eq!(sni_name("example.test:8443"), "example.test");
        assert_eq!(sni_name("127.0.0.1:443"), "127.0.0.1");
        assert_eq!(sni_name("[::1]:443"), "::1");
        assert_eq!(sni_name("::1"), "::1");
    }
}
