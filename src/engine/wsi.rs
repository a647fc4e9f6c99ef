//! A connection's life: accept, the HTTP upgrade, WebSocket rx, writes, WRITEABLE
//! dispatch, close.  Every function takes raw `*mut lws` and borrows briefly; see the
//! reentrancy rule in core/mod.rs.
use super::*;
use crate::ws::frame::{self, RxEvent};
use crate::ws::handshake;
use std::io::{ErrorKind, Write};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Why {
    /// A callback returned nonzero, or the user killed it: send the prepared close
    /// reason if there is one (lws semantics), else just close.
    User,
    /// The peer went away or the socket failed: nothing more can be sent.
    Gone,
}

const CLOSE_ACK_SECS: i64 = 5;
/// An rx flow reason of our own (outside lws's bits): input stopped because the
/// connection is failing.
const RXFLOW_FAILING: c_int = 1 << 20;

pub(crate) fn is_client(w: *mut lws) -> bool {
    wref!(w).client.is_some()
}

/// A scratch wsi for callbacks that have no connection (PROTOCOL_INIT, ...): lws hands
/// those callbacks a wsi whose context, vhost and protocol can be queried.
pub(crate) fn with_fake_wsi<R>(
    ctx: *mut lws_context,
    vh: *mut lws_vhost,
    idx: usize,
    f: impl FnOnce(*mut lws) -> R,
) -> R {
    let mut fake = Box::new(lws::new(
        ctx,
        vh,
        frame::RxConfig {
            expect_masked: true,
            max_chunk: 1,
            validate_utf8: false,
            max_message: MAX_MESSAGE,
        },
    ));
    fake.state = State::Dead;
    let protos = vhost_protocols(vh);
    if idx < protos.len() {
        fake.protocol = &protos[idx];
        fake.protocol_idx = idx;
    }
    let p: *mut lws = &mut *fake;
    let r = f(p);
    drop(fake);
    r
}

/// Calls the wsi's bound protocol.
pub(crate) fn callback(w: *mut lws, reason: c_int, inp: *mut c_void, len: usize) -> c_int {
    let (proto, user) = {
        let s = wref!(w);
        (s.protocol, s.user_space)
    };
    // SAFETY: protocol is NULL or an entry of the vhost's live protocol array.
    unsafe { call_protocol(proto, w, reason, user, inp, len) }
}

/// Calls protocols[0] of the wsi's vhost (lws sends connection-level events there).
fn callback_p0(
    w: *mut lws,
    reason: c_int,
    user: *mut c_void,
    inp: *mut c_void,
    len: usize,
) -> c_int {
    let vh = wref!(w).vhost;
    let protos = vhost_protocols(vh);
    let p0 = protos
        .first()
        .map_or(core::ptr::null(), |p| p as *const lws_protocols);
    // SAFETY: p0 is NULL or a live protocol entry.
    unsafe { call_protocol(p0, w, reason, user, inp, len) }
}

pub(crate) fn token_of(slot: usize, gen: u32) -> mio::Token {
    mio::Token(slot | ((gen as usize) << 32))
}

/// A new TCP connection on a vhost's listener.
pub(crate) fn accept(
    ctx: *mut lws_context,
    vh: *mut lws_vhost,
    sock: mio::net::TcpStream,
    peer: std::net::SocketAddr,
) {
    use std::os::fd::AsRawFd;
    let _ = sock.set_nodelay(true);
    let fd = sock.as_raw_fd();
    let (rx_cfg, timeout_secs) = {
        let c = cx!(ctx);
        (
            frame::RxConfig {
                expect_masked: true,
                max_chunk: c.rbuf.len(),
                validate_utf8: vh!(vh).options & LWS_SERVER_OPTION_VALIDATE_UTF8 != 0,
                max_message: MAX_MESSAGE,
            },
            c.timeout_secs,
        )
    };
    let mut b = Box::new(lws::new(ctx, vh, rx_cfg));
    {
        let c = cx!(ctx);
        b.tag_ord = c.tag_ord[0];
        c.tag_ord[0] = c.tag_ord[0].wrapping_add(1);
    }
    b.fd = fd;
    b.peer_addr = Some(peer);
    b.protocol = vhost_protocols(vh)
        .first()
        .map_or(core::ptr::null(), |p| p as *const _);
    let w = Box::into_raw(b);

    // lws's network filter: user = the socket fd, nonzero return drops it.
    if callback_p0(
        w,
        LWS_CALLBACK_FILTER_NETWORK_CONNECTION as c_int,
        fd as isize as *mut c_void,
        null_mut(),
        0,
    ) != 0
    {
        lwsl_info!("connection refused by FILTER_NETWORK_CONNECTION");
        // SAFETY: w came from Box::into_raw above and was never registered.
        drop(unsafe { Box::from_raw(w) });
        return;
    }

    let (slot, gen) = cx!(ctx).slot_alloc(Entry::Conn(w));
    {
        let s = wref!(w);
        s.slot = slot;
        s.gen = gen;
        s.sock = Some(sock);
    }
    let reg = {
        let c = cx!(ctx);
        let s = wref!(w);
        // Readable only: a new socket can take data, and asking for writability too
        // would wake us after nearly every send.  WRITABLE is added while output waits.
        s.writable = true;
        c.poll.registry().register(
            s.sock.as_mut().expect("socket just set"),
            token_of(slot, gen),
            mio::Interest::READABLE,
        )
    };
    if let Err(e) = reg {
        lwsl_err!("accept: cannot register socket: {}", e);
        finish_close(w);
        return;
    }
    set_timeout(
        w,
        PENDING_TIMEOUT_ESTABLISH_WITH_SERVER as c_int,
        timeout_secs as i64 * 1_000_000,
    );
    if callback_p0(
        w,
        LWS_CALLBACK_WSI_CREATE as c_int,
        null_mut(),
        null_mut(),
        0,
    ) != 0
        || callback_p0(
            w,
            LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED as c_int,
            null_mut(),
            null_mut(),
            0,
        ) != 0
    {
        close(w, Why::User);
    }
}

/// Readable socket: input held back by rx flow control first (so bytes are never
/// reordered), then read until a short read (the socket is drained) or EAGAIN.  With
/// `hup` (the peer shut down its side) it reads on to EOF, which a short read hides.
pub(crate) fn on_readable(w: *mut lws, hup: bool) {
    // Remembered: flow control may hold reading back past this event.
    let hup = {
        let s = wref!(w);
        s.peer_hup |= hup;
        if s.state == State::Connecting {
            super::client::connect_ready(w);
            return;
        }
        s.peer_hup
    };
    if !wref!(w).rx_stash.is_empty() {
        if wref!(w).rx_flow_reasons != 0 {
            return;
        }
        let mut stash = core::mem::take(&mut wref!(w).rx_stash);
        let n = stash.len();
        input(w, stash.as_mut_ptr(), n);
        if !wref!(w).rx_stash.is_empty() {
            // Flow was disabled again while parsing it: the rest waits, and so does the
            // socket.
            return;
        }
    }
    loop {
        let (fd, buf_ptr, cap) = {
            let s = wref!(w);
            if s.state == State::Dead
                || s.rx_flow_reasons != 0
                || s.state == State::FlushThenClose
                || s.sock.is_none()
            {
                return;
            }
            let c = cx!(s.ctx);
            (s.fd, c.rbuf.as_mut_ptr(), c.rbuf.len())
        };
        // recv(2) itself rather than through mio's and std's Read wrappers (the same
        // call they end in, without their layers on every message).
        // SAFETY: fd is the socket `sock` owns (checked present above); rbuf[..cap] is
        // writable, lives as long as the context, and nothing else uses it during this
        // read (the service loop is single-threaded and not re-entered).
        let r = unsafe { libc::recv(fd, buf_ptr.cast(), cap, 0) };
        if r > 0 {
            let n = r as usize;
            input(w, buf_ptr, n);
            if n < cap && !hup {
                return;
            }
            continue;
        }
        if r == 0 {
            close(w, Why::Gone);
            return;
        }
        match std::io::Error::last_os_error().kind() {
            ErrorKind::WouldBlock => return,
            ErrorKind::Interrupted => continue,
            _ => {
                close(w, Why::Gone);
                return;
            }
        }
    }
}

/// Bytes from the peer, at `ptr[..len]` (the context read buffer or a stash).
#[inline]
pub(crate) fn input(w: *mut lws, ptr: *mut u8, len: usize) {
    match wref!(w).state {
        State::Http => http_input(w, ptr, len),
        State::Ws | State::WsAwaitingCloseAck => ws_input(w, ptr, len),
        State::ClientHandshake => super::client::handshake_input(w, ptr, len),
        // SAFETY: ptr[..len] is readable (the read buffer or a stash).
        State::HttpTxn => {
            super::http::txn_input(w, unsafe { core::slice::from_raw_parts(ptr, len) })
        }
        State::Connecting | State::FlushThenClose | State::Dead | State::Linger => {}
    }
}

fn http_input(w: *mut lws, ptr: *mut u8, len: usize) {
    if len > 0 && !super::http::ah_acquire(w) {
        // No header table free: keep the bytes, read nothing more until one is.
        // SAFETY: ptr[..len] is readable (see input()).
        stash_front(w, unsafe { core::slice::from_raw_parts(ptr, len) });
        return;
    }
    let parsed = {
        let s = wref!(w);
        if s.hdr.is_empty() && s.timeout_reason != PENDING_TIMEOUT_HOLDING_AH as c_int {
            // A request head has begun: as lws (which attaches a header table here), it
            // must be complete within the vhost's timeout_secs_ah_idle.
            let secs = vh!(s.vhost).timeout_secs_ah_idle as i64;
            set_timeout(w, PENDING_TIMEOUT_HOLDING_AH as c_int, secs * 1_000_000);
        }
        let s = wref!(w);
        // SAFETY: ptr[..len] is readable (see input()).
        s.hdr
            .extend_from_slice(unsafe { core::slice::from_raw_parts(ptr, len) });
        let max = cx!(s.ctx).max_http_header_data;
        handshake::parse_request(&s.hdr, max)
    };
    match parsed {
        Ok(None) => {}
        Err(handshake::ReqError::TooLarge) => http_fail(w, 431, "Request Header Fields Too Large"),
        Err(handshake::ReqError::Malformed) if add_missing_version(w) => {
            // Parsed again with the version lws would have assumed.
            let mut none = [0u8; 0];
            http_input(w, none.as_mut_ptr(), 0);
        }
        Err(handshake::ReqError::Malformed) => http_fail(w, 400, "Bad Request"),
        Ok(Some(req)) => {
            let consumed = req.len;
            wref!(w).req = Some(req);
            // What came behind the head: body, frames or the next request.
            let mut rest = {
                let s = wref!(w);
                let r = s.hdr[consumed.min(s.hdr.len())..].to_vec();
                s.hdr.truncate(consumed.min(s.hdr.len()));
                r
            };
            if !super::http::head_complete(w) {
                return;
            }
            if rest.is_empty() {
                return;
            }
            match wref!(w).state {
                State::Ws => {
                    let n = rest.len();
                    ws_input(w, rest.as_mut_ptr(), n);
                }
                State::HttpTxn => super::http::txn_input(w, &rest),
                // Answered already (kept alive): the next request is parsed at the
                // loop's next safe point, not recursively here.
                State::Http => super::http::hold(w, &rest),
                _ => {}
            }
        }
    }
}

/// Puts input back in front of what is already held (it is older than the stash).
pub(crate) fn stash_front(w: *mut lws, data: &[u8]) {
    let s = wref!(w);
    let mut v = Vec::with_capacity(data.len() + s.rx_stash.len());
    v.extend_from_slice(data);
    v.extend_from_slice(&s.rx_stash);
    s.rx_stash = v;
}

/// A request line without a version ("GET /x"): lws takes it as HTTP/1.0.  Rewrites the
/// head with the version once it is complete; false if that is not the problem.
fn add_missing_version(w: *mut lws) -> bool {
    let s = wref!(w);
    let Some(eol) = s.hdr.windows(2).position(|x| x == b"\r\n") else {
        return false;
    };
    if !s.hdr.windows(4).any(|x| x == b"\r\n\r\n") {
        return false;
    }
    let line = &s.hdr[..eol];
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    if parts.len() != 2
        || parts[0].is_empty()
        || !parts[0].iter().all(|b| b.is_ascii_uppercase())
        || parts[1].first() != Some(&b'/')
    {
        return false;
    }
    s.hdr.splice(eol..eol, b" HTTP/1.0".iter().copied());
    true
}

/// An HTTP error before any upgrade: a minimal response, then close.
pub(crate) fn http_fail(w: *mut lws, code: u16, text: &str) {
    lwsl_info!("http: {} {}", code, text);
    let resp = format!("HTTP/1.1 {code} {text}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}", text.len());
    send_raw(w, resp.as_bytes());
    wref!(w).linger = true;
    flush_then_close(w);
}

/// The answer is out: shut our side and read to the peer's EOF (bounded by a timeout).
fn linger(w: *mut lws) {
    let s = wref!(w);
    s.state = State::Linger;
    if let Some(sock) = s.sock.as_ref() {
        let _ = sock.shutdown(std::net::Shutdown::Write);
    }
    write_interest(w, false);
    set_timeout(w, PENDING_TIMEOUT_CLOSE_SEND as c_int, 2_000_000);
    // Drain what is already there (the readiness edge may have passed).
    on_readable(w, false);
}

/// The request head asks for a WebSocket.  Returns true when the connection lives on
/// (normally as a WebSocket).
pub(crate) fn upgrade(w: *mut lws) -> bool {
    // The subprotocol list is copied out of the header table (callbacks below may act on
    // the connection), NUL-terminated for FILTER_PROTOCOL_CONNECTION: on the stack when
    // it is short, as it nearly always is.
    let mut proto_small = [0u8; 128];
    let mut proto_big = Vec::new();
    let checked = {
        let s = wref!(w);
        let req = s.req.as_ref().expect("request set by caller");
        match handshake::check_upgrade(req, &s.hdr) {
            Ok(u) => {
                let p = u.protocols;
                let buf: &[u8] = if p.len() < proto_small.len() {
                    proto_small[..p.len()].copy_from_slice(p);
                    &proto_small[..=p.len()]
                } else {
                    proto_big.reserve_exact(p.len() + 1);
                    proto_big.extend_from_slice(p);
                    proto_big.push(0);
                    &proto_big[..]
                };
                // The answer's key is a pure function of the request's: worked out now,
                // while the key is at hand.
                Ok((s.vhost, buf, handshake::accept_key(u.key)))
            }
            Err(e) => Err(e),
        }
    };
    let (vh, proto_c, accept) = match checked {
        Ok(v) => v,
        Err(e) => {
            lwsl_info!("bad ws upgrade: {}", e);
            http_fail(w, 400, "Bad Request");
            return false;
        }
    };
    let protocols_hdr = &proto_c[..proto_c.len() - 1];

    // lws asks the current protocol (protocols[0]) whether it may upgrade at all: <0
    // hangs up, >0 means it answered itself (the transaction is over).
    let mut what = *b"websocket\0";
    let n = callback(
        w,
        LWS_CALLBACK_HTTP_CONFIRM_UPGRADE as c_int,
        what.as_mut_ptr() as *mut c_void,
        0,
    );
    if n < 0 {
        finish_close(w);
        return false;
    }
    if n > 0 {
        wref!(w).state = State::HttpTxn;
        super::http::ht(w).in_txn = true;
        if super::http::transaction_completed(w) != 0 {
            flush_then_close(w);
            return false;
        }
        return true;
    }
    if vh!(vh).options & LWS_SERVER_OPTION_VHOST_UPG_STRICT_HOST_CHECK != 0
        && !confirm_host_header(w)
    {
        finish_close(w);
        return false;
    }

    // The first requested subprotocol we have; the vhost's first when none is asked.
    let idx = if protocols_hdr.is_empty() {
        if vhost_protocols(vh).is_empty() {
            None
        } else {
            Some(0)
        }
    } else {
        handshake::protocol_list(protocols_hdr).find_map(|name| protocol_by_name(vh, name))
    };
    let Some(idx) = idx else {
        // As lws: no answer, the connection is just closed.
        lwsl_notice!(
            "No supported protocol \"{}\"",
            String::from_utf8_lossy(protocols_hdr)
        );
        finish_close(w);
        return false;
    };
    if !super::http::bind(w, idx) {
        close(w, Why::User);
        return false;
    }
    // The list as a C string; none when absent (or not representable as one).
    let in_ptr = if protocols_hdr.is_empty() || protocols_hdr.contains(&0) {
        null_mut()
    } else {
        proto_c.as_ptr() as *mut c_void
    };
    // lws has already given the connection the ws role here, so a refusal closes it
    // without an answer and it gets CLOSED.
    wref!(w).established = true;
    if callback(
        w,
        LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION as c_int,
        in_ptr,
        0,
    ) != 0
    {
        lwsl_warn!("User code denied connection");
        finish_close(w);
        return false;
    }

    // ADD_HEADERS lets the user append header lines to the 101 (on the stack: zeroing
    // 1 KiB there costs a few dozen stores, a heap buffer a malloc/calloc and a free).
    let mut extra = [0u8; 1024];
    let Some(used) = add_headers_cb(w, &mut extra) else {
        close(w, Why::User);
        return false;
    };
    let extra = &extra[..used];

    let chosen = if protocols_hdr.is_empty() {
        None
    } else {
        // SAFETY: protocol names are NUL-terminated C strings, owned by the vhost's
        // protocol table, which outlives this call (no user code runs before the send).
        unsafe { crate::capi::cstr(vhost_protocols(vh)[idx].name) }
    };
    let mut resp = Vec::with_capacity(160 + chosen.map_or(0, |c| c.len()) + extra.len());
    handshake::write_101(&mut resp, &accept, chosen, extra);
    {
        let s = wref!(w);
        s.state = State::Ws;
        let c = cx!(s.ctx);
        c.timers.cancel(timer::TimerKey::Timeout(s.slot, s.gen));
        s.timeout_reason = 0;
        // rx chunks are at most rx_buffer_size (pt_serv_buf_size when 0), as in lws.
        // SAFETY: s.protocol was just bound to a live entry.
        let rxs = unsafe { (*s.protocol).rx_buffer_size };
        let chunk = if rxs == 0 { c.rbuf.len() } else { rxs };
        s.rx = frame::Rx::new(frame::RxConfig {
            expect_masked: true,
            max_chunk: chunk,
            validate_utf8: vh!(s.vhost).options & LWS_SERVER_OPTION_VALIDATE_UTF8 != 0,
            max_message: MAX_MESSAGE,
        });
    }
    send_raw(w, &resp);
    // A WebSocket needs no header table any more.
    super::http::ah_release(w);
    if wref!(w).state != State::Ws {
        return false;
    }
    if callback(w, LWS_CALLBACK_ESTABLISHED as c_int, null_mut(), 0) != 0 {
        close(w, Why::User);
        return false;
    }
    wref!(w).state == State::Ws
}

/// LWS_CALLBACK_ADD_HEADERS: the protocol may append header lines to `buf`.  The bytes
/// it wrote, or None if it refused (nonzero) or moved the pointer out of `buf`.
pub(crate) fn add_headers_cb(w: *mut lws, buf: &mut [u8]) -> Option<usize> {
    let start = buf.as_mut_ptr();
    let mut args = lws_process_html_args {
        p: start as *mut c_char,
        len: 0,
        max_len: buf.len() as c_int,
        r#final: 0,
        chunked: 0,
    };
    if callback(
        w,
        LWS_CALLBACK_ADD_HEADERS as c_int,
        &mut args as *mut _ as *mut c_void,
        0,
    ) != 0
    {
        return None;
    }
    let used = (args.p as usize).wrapping_sub(start as usize);
    if used > buf.len() {
        lwsl_err!("ADD_HEADERS moved the header pointer out of its buffer");
        return None;
    }
    Some(used)
}

/// Calls the wsi's protocol with a URI as `in` (NUL-terminated) and its length as `len`,
/// as lws does for FILTER_HTTP_CONNECTION and HTTP.
pub(crate) fn callback_uri(w: *mut lws, reason: c_int, uri: &[u8]) -> c_int {
    let mut u = Vec::with_capacity(uri.len() + 1);
    u.extend_from_slice(uri);
    u.push(0);
    callback(w, reason, u.as_mut_ptr() as *mut c_void, uri.len())
}

/// lws_confirm_host_header: the Host header names this vhost (and its port).
fn confirm_host_header(w: *mut lws) -> bool {
    let host = super::http::joined(w, WSI_TOKEN_HOST as c_int);
    if host.is_empty() {
        lwsl_info!("missing host on upgrade");
        return false;
    }
    let (name, port) = {
        let v = vh!(wsi_vhost(w));
        (v.name.as_bytes().to_vec(), v.listen_port)
    };
    let (h, p) = match host.iter().rposition(|&b| b == b':') {
        Some(i) => (
            &host[..i],
            core::str::from_utf8(&host[i + 1..])
                .ok()
                .and_then(|x| x.parse::<c_int>().ok()),
        ),
        None => (&host[..], Some(80)),
    };
    if h != &name[..] {
        lwsl_info!(
            "'{}' in host hdr but vhost name {}",
            String::from_utf8_lossy(h),
            String::from_utf8_lossy(&name)
        );
        return false;
    }
    if p != Some(port) {
        lwsl_info!("host port mismatches vhost port {}", port);
        return false;
    }
    true
}

/// Binds a wsi to protocol `idx` of its vhost, allocating its zeroed per-session data.
pub(crate) fn bind_protocol(w: *mut lws, idx: usize, reason: c_int) -> bool {
    unbind_protocol(w);
    let vh = wref!(w).vhost;
    let protos = vhost_protocols(vh);
    let Some(p) = protos.get(idx) else {
        return false;
    };
    {
        let s = wref!(w);
        s.protocol = p;
        s.protocol_idx = idx;
        if p.per_session_data_size > 0 && s.user_space.is_null() {
            // SAFETY: plain zeroed allocation, freed in finish_close.
            let u = unsafe { libc::calloc(1, p.per_session_data_size) };
            if u.is_null() {
                lwsl_err!("OOM allocating per-session data");
                return false;
            }
            s.user_space = u;
            s.user_space_owned = true;
        }
        let v = vh!(vh);
        if let Some(list) = v.same_protocol.get_mut(idx) {
            s.same_protocol_pos = list.len();
            list.push(w);
            s.bound = true;
        }
    }
    callback(w, reason, null_mut(), 0) == 0
}

pub(crate) fn unbind_protocol(w: *mut lws) {
    let s = wref!(w);
    if !s.bound {
        return;
    }
    s.bound = false;
    let v = vh!(s.vhost);
    if let Some(list) = v.same_protocol.get_mut(s.protocol_idx) {
        let pos = s.same_protocol_pos;
        if pos < list.len() && list[pos] == w {
            list.swap_remove(pos);
            if pos < list.len() {
                let moved = list[pos];
                wref!(moved).same_protocol_pos = pos;
            }
        }
    }
}

fn ws_input(w: *mut lws, ptr: *mut u8, len: usize) {
    let mut pos = 0usize;
    loop {
        // Every event a frame yields comes from the call that parses its last byte, so
        // with nothing left to read there is nothing to ask the parser (saves a call per
        // message).
        if pos >= len {
            return;
        }
        let ev = {
            let s = wref!(w);
            if !matches!(s.state, State::Ws | State::WsAwaitingCloseAck) {
                return;
            }
            if s.rx_flow_reasons != 0 {
                // Keep what is not parsed yet until rx flow is allowed again.
                // SAFETY: ptr[pos..len] is readable.
                let rest = unsafe { core::slice::from_raw_parts(ptr.add(pos), len - pos) };
                s.rx_stash.extend_from_slice(rest);
                return;
            }
            s.rx_seen = true;
            // SAFETY: ptr[..len] is ours to mutate for this call (unmasking in place).
            let buf = unsafe { core::slice::from_raw_parts_mut(ptr, len) };
            s.rx.next(buf, &mut pos)
        };
        match ev {
            RxEvent::NeedMore => return,
            RxEvent::Data {
                start,
                len: n,
                binary,
                message_first,
                frame_fin,
                remaining,
                ..
            } => {
                {
                    let s = wref!(w);
                    if s.state != State::Ws {
                        continue;
                    }
                    s.rx_first = message_first;
                    s.rx_final = frame_fin && remaining == 0;
                    s.rx_binary = binary;
                    s.rx_remaining = remaining;
                }
                let reason = if is_client(w) {
                    LWS_CALLBACK_CLIENT_RECEIVE
                } else {
                    LWS_CALLBACK_RECEIVE
                };
                // SAFETY: start+n <= len (the parser's contract).
                let p = unsafe { ptr.add(start) } as *mut c_void;
                if callback(w, reason as c_int, p, n) != 0 {
                    close(w, Why::User);
                    return;
                }
            }
            RxEvent::Ping => {
                if wref!(w).state == State::Ws {
                    let payload = wref!(w).rx.control_payload().to_vec();
                    send_frame(w, frame::OP_PONG, &payload);
                }
            }
            RxEvent::Pong => {
                let mut payload = wref!(w).rx.control_payload().to_vec();
                let reason = if is_client(w) {
                    LWS_CALLBACK_CLIENT_RECEIVE_PONG
                } else {
                    LWS_CALLBACK_RECEIVE_PONG
                };
                let n = payload.len();
                if callback(w, reason as c_int, payload.as_mut_ptr() as *mut c_void, n) != 0 {
                    close(w, Why::User);
                    return;
                }
            }
            RxEvent::Close => {
                peer_close(w);
                return;
            }
            RxEvent::Error { code, reason } => {
                lwsl_info!("ws protocol error {}: {}", code, reason);
                let s = wref!(w);
                if s.want_writeable {
                    // The application still owes replies to the valid messages before the
                    // bad frame: stop taking input, let those WRITEABLEs run, then fail.
                    s.fail_pending = Some((code, reason));
                    s.rx_flow_reasons |= RXFLOW_FAILING;
                    s.rx_stash = Vec::new();
                    set_timeout(
                        w,
                        PENDING_TIMEOUT_CLOSE_SEND as c_int,
                        CLOSE_ACK_SECS * 1_000_000,
                    );
                } else {
                    close_with(w, code, reason.as_bytes());
                }
                return;
            }
        }
    }
}

fn peer_close(w: *mut lws) {
    let payload = wref!(w).rx.control_payload().to_vec();
    if wref!(w).state == State::WsAwaitingCloseAck {
        wref!(w).peer_close = payload;
        // The answer to our close: done.
        finish_close(w);
        return;
    }
    match frame::parse_close_payload(&payload) {
        Err(code) => close_with(w, code, b""),
        Ok(_) => {
            let mut p = payload.clone();
            let n = p.len();
            let ptr = if n == 0 {
                null_mut()
            } else {
                p.as_mut_ptr() as *mut c_void
            };
            if callback(w, LWS_CALLBACK_WS_PEER_INITIATED_CLOSE as c_int, ptr, n) != 0 {
                finish_close(w);
                return;
            }
            if wref!(w).state != State::Ws {
                return;
            }
            // Echo the peer's close (its code and reason), then close once flushed.
            // lws_get_close_payload() is the close we send (so empty during the
            // WS_PEER_INITIATED_CLOSE callback, as in lws).
            send_frame(w, frame::OP_CLOSE, &payload);
            wref!(w).peer_close = payload;
            flush_then_close(w);
        }
    }
}

/// Sends a close frame with `code` and `reason` and closes once it is out.
fn close_with(w: *mut lws, code: u16, reason: &[u8]) {
    if wref!(w).state != State::Ws {
        finish_close(w);
        return;
    }
    let mut p = Vec::with_capacity(2 + reason.len());
    p.extend_from_slice(&code.to_be_bytes());
    p.extend_from_slice(&reason[..reason.len().min(123)]);
    send_frame(w, frame::OP_CLOSE, &p);
    flush_then_close(w);
}

pub(crate) fn flush_then_close(w: *mut lws) {
    let empty = {
        let s = wref!(w);
        if s.state == State::Dead {
            return;
        }
        s.state = State::FlushThenClose;
        s.out.len() == s.out_pos
    };
    if empty {
        if wref!(w).linger {
            return linger(w);
        }
        finish_close(w);
    } else {
        // Don't wait forever for a peer that stopped reading.
        set_timeout(
            w,
            PENDING_FLUSH_STORED_SEND_BEFORE_CLOSE as c_int,
            CLOSE_ACK_SECS * 1_000_000,
        );
    }
}

/// Closes a connection as lws does for `why`.
pub(crate) fn close(w: *mut lws, why: Why) {
    let (state, has_reason) = {
        let s = wref!(w);
        (s.state, s.close_status != 0 && !s.write_failed)
    };
    match state {
        State::Dead => {}
        State::Ws if why == Why::User && has_reason => {
            let (code, reason) = {
                let s = wref!(w);
                (s.close_status, core::mem::take(&mut s.close_reason))
            };
            let mut p = Vec::with_capacity(2 + reason.len());
            p.extend_from_slice(&code.to_be_bytes());
            p.extend_from_slice(&reason);
            send_frame(w, frame::OP_CLOSE, &p);
            let s = wref!(w);
            if s.state == State::Ws {
                s.state = State::WsAwaitingCloseAck;
                set_timeout(
                    w,
                    PENDING_TIMEOUT_CLOSE_ACK as c_int,
                    CLOSE_ACK_SECS * 1_000_000,
                );
            }
        }
        // An HTTP answer still going out is flushed first (bounded by a timeout).
        State::HttpTxn | State::Http if why == Why::User => flush_then_close(w),
        _ => finish_close(w),
    }
}

/// The end: callbacks, socket closed, slot released; memory freed at the next safe point.
pub(crate) fn finish_close(w: *mut lws) {
    {
        let s = wref!(w);
        if s.state == State::Dead && s.closed_cb {
            return;
        }
        if matches!(s.state, State::Connecting | State::ClientHandshake) {
            super::client::connection_error(w, "closed before established");
        }
    }
    let (ctx, was_ws) = {
        let s = wref!(w);
        if s.state == State::Dead && s.closed_cb {
            return;
        }
        // CLOSED only for what reached ESTABLISHED; a refused upgrade ends as HTTP.
        let was_ws = s.established;
        s.state = State::Dead;
        s.closed_cb = true;
        s.want_writeable = false;
        (s.ctx, was_ws)
    };
    {
        let s = wref!(w);
        let c = cx!(ctx);
        c.timers.cancel_wsi(s.slot, s.gen);
        // No epoll_ctl(DEL): closing the socket below takes it out of the epoll set, and
        // a stale event for this slot is ignored by its generation.  One syscall less per
        // connection.
    }
    super::http::ah_release(w);
    let (drop_reason, closed_reason) = match (is_client(w), was_ws) {
        (false, true) => (
            Some(LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL),
            Some(LWS_CALLBACK_CLOSED),
        ),
        (false, false) => (
            // As lws: owed only with session data to hand over.
            {
                let s = wref!(w);
                (s.http.as_ref().is_some_and(|h| h.bind_balance) && !s.user_space.is_null())
                    .then_some(LWS_CALLBACK_HTTP_DROP_PROTOCOL)
            },
            Some(LWS_CALLBACK_CLOSED_HTTP),
        ),
        (true, true) => (
            Some(LWS_CALLBACK_WS_CLIENT_DROP_PROTOCOL),
            Some(LWS_CALLBACK_CLIENT_CLOSED),
        ),
        // A client that never got established had CLIENT_CONNECTION_ERROR instead.
        (true, false) => (Some(LWS_CALLBACK_CLIENT_HTTP_DROP_PROTOCOL), None),
    };
    if let Some(r) = drop_reason {
        callback(w, r as c_int, null_mut(), 0);
    }
    if let Some(r) = closed_reason {
        callback(w, r as c_int, null_mut(), 0);
    }
    let user = wref!(w).user_space;
    callback_p0(w, LWS_CALLBACK_WSI_DESTROY as c_int, user, null_mut(), 0);
    unbind_protocol(w);
    let s = wref!(w);
    s.sock = None; // closes the fd
    s.fd = -1;
    // The per-session data is freed with the wsi at the loop's next safe point (Drop for
    // lws): a callback further up the stack may still be using it.
    s.out = Vec::new();
    s.rx_stash = Vec::new();
    s.hdr = Vec::new();
    let c = cx!(ctx);
    if s.slot != usize::MAX {
        c.slot_free(s.slot);
        c.dead.push(w);
    }
}

/// Queues or sends raw bytes: straight to the socket when nothing is buffered, else
/// behind what is.  Returns false if the connection failed.
#[inline(always)]
pub(crate) fn send_raw(w: *mut lws, data: &[u8]) -> bool {
    let s = wref!(w);
    if s.state == State::Dead || s.write_failed {
        return false;
    }
    if s.out_pos < s.out.len() {
        s.out.extend_from_slice(data);
        return true;
    }
    if s.sock.is_none() {
        return false;
    }
    s.out.clear();
    s.out_pos = 0;
    if data.is_empty() {
        return true;
    }
    // send(2) itself, as std's TcpStream::write does (MSG_NOSIGNAL: a peer gone is an
    // EPIPE error, not a signal), without the mio and std layers per message.
    // SAFETY: fd is the socket `sock` owns (checked present above); data is readable.
    let r = unsafe { libc::send(s.fd, data.as_ptr().cast(), data.len(), libc::MSG_NOSIGNAL) };
    if r > 0 && r as usize == data.len() {
        return true;
    }
    send_rest(w, data, r)
}

/// The rest of [`send_raw`] after a first send(2) that returned `r` and did not take
/// everything: send on, then buffer what the kernel would not take.
#[cold]
#[inline(never)]
fn send_rest(w: *mut lws, data: &[u8], mut r: isize) -> bool {
    let s = wref!(w);
    let mut off = 0;
    loop {
        if r > 0 {
            off += r as usize;
        } else if r == 0 {
            break;
        } else {
            match std::io::Error::last_os_error().kind() {
                ErrorKind::Interrupted => {}
                ErrorKind::WouldBlock => break,
                _ => {
                    // We may be inside a user callback (lws_write): closing here would
                    // end the connection under the caller's feet.  Stop using the socket
                    // and let the loop close it at its next safe point.
                    s.write_failed = true;
                    set_timeout(w, PENDING_TIMEOUT_KILLED_BY_PARENT as c_int, 0);
                    return false;
                }
            }
        }
        if off >= data.len() {
            break;
        }
        // SAFETY: as in send_raw; data[off..] is readable.
        r = unsafe {
            libc::send(
                s.fd,
                data.as_ptr().add(off).cast(),
                data.len() - off,
                libc::MSG_NOSIGNAL,
            )
        };
    }
    if off < data.len() {
        // Partial: keep the rest; WRITEABLE is held back until it drains.
        s.writable = false;
        s.out.extend_from_slice(&data[off..]);
        write_interest(w, true);
    }
    true
}

/// Adds or drops WRITABLE from the socket's interest (an epoll_ctl, only when output
/// starts or stops waiting on the kernel, never per message).
pub(crate) fn write_interest(w: *mut lws, on: bool) {
    let s = wref!(w);
    if s.write_interest == on {
        return;
    }
    let interest = if on {
        mio::Interest::READABLE | mio::Interest::WRITABLE
    } else {
        mio::Interest::READABLE
    };
    let token = token_of(s.slot, s.gen);
    if let Some(sock) = s.sock.as_mut() {
        match cx!(s.ctx).poll.registry().reregister(sock, token, interest) {
            Ok(()) => s.write_interest = on,
            Err(e) => lwsl_err!("cannot change socket interest: {}", e),
        }
    }
}

/// A complete frame built here (control frames, close replies); masked for clients.
pub(crate) fn send_frame(w: *mut lws, opcode: u8, payload: &[u8]) -> bool {
    let mask = if is_client(w) {
        let mut m = [0u8; 4];
        super::client::random_bytes(wref!(w).ctx, &mut m);
        Some(m)
    } else {
        None
    };
    let mut f = [0u8; 14 + 125];
    let mut big = Vec::new();
    let buf: &mut [u8] = if payload.len() <= 125 {
        &mut f
    } else {
        big.resize(14 + payload.len(), 0);
        &mut big
    };
    let h = frame::write_header(buf, true, opcode, payload.len() as u64, mask);
    buf[h..h + payload.len()].copy_from_slice(payload);
    if let Some(m) = mask {
        frame::unmask(&mut buf[h..h + payload.len()], m, 0);
    }
    let n = h + payload.len();
    send_raw(w, &buf[..n])
}

/// lws_write(): the frame header goes into the LWS_PRE bytes before `buf`, and header
/// plus payload leave in one syscall.
///
/// # Safety
/// `buf` points to `len` bytes preceded by at least LWS_PRE writable bytes (lws's
/// contract for ws writes).
pub(crate) unsafe fn write(w: *mut lws, buf: *mut u8, len: usize, wp: c_int) -> c_int {
    const TEXT: c_int = LWS_WRITE_TEXT as c_int;
    const BINARY: c_int = LWS_WRITE_BINARY as c_int;
    const CONT: c_int = LWS_WRITE_CONTINUATION as c_int;
    const PING: c_int = LWS_WRITE_PING as c_int;
    const PONG: c_int = LWS_WRITE_PONG as c_int;
    const HTTP: c_int = LWS_WRITE_HTTP as c_int;
    const HTTP_FINAL: c_int = LWS_WRITE_HTTP_FINAL as c_int;
    const HTTP_HEADERS: c_int = LWS_WRITE_HTTP_HEADERS as c_int;
    const HTTP_HEADERS_CONT: c_int = LWS_WRITE_HTTP_HEADERS_CONTINUATION as c_int;
    let state = wref!(w).state;
    let opcode = match wp & 0x1f {
        TEXT => frame::OP_TEXT,
        BINARY => frame::OP_BINARY,
        CONT => frame::OP_CONT,
        PING => frame::OP_PING,
        PONG => frame::OP_PONG,
        HTTP | HTTP_FINAL | HTTP_HEADERS | HTTP_HEADERS_CONT => {
            if state == State::Dead {
                return -1;
            }
            // SAFETY: buf[..len] readable per the caller.
            let data = unsafe { core::slice::from_raw_parts(buf, len) };
            return if send_raw(w, data) { len as c_int } else { -1 };
        }
        _ => {
            if state == State::Ws {
                lwsl_err!("lws_write: unsupported write protocol {}", wp);
            } else {
                lwsl_info!("lws_write: connection is not an open websocket");
            }
            return -1;
        }
    };
    if state != State::Ws {
        lwsl_info!("lws_write: connection is not an open websocket");
        return -1;
    }
    if opcode >= frame::OP_CLOSE && len > 125 {
        lwsl_err!("lws_write: control frame payload {} > 125", len);
        return -1;
    }
    let fin = wp & LWS_WRITE_NO_FIN as c_int == 0;
    // Clients mask every frame with a fresh key (RFC 6455 5.3), in place in the caller's
    // buffer as lws does.
    let mask = if is_client(w) {
        let mut m = [0u8; 4];
        super::client::random_bytes(wref!(w).ctx, &mut m);
        // SAFETY: buf[..len] is the caller's writable payload.
        frame::unmask(unsafe { core::slice::from_raw_parts_mut(buf, len) }, m, 0);
        Some(m)
    } else {
        None
    };
    let hlen = frame::header_len(len as u64, mask.is_some());
    // The header goes straight into the caller's headroom, and header and payload form
    // one contiguous frame: one send, no copy.
    // SAFETY: the LWS_PRE bytes before buf are the caller's headroom for this header
    // (hlen <= 14 <= LWS_PRE); buf[..len] is the caller's payload.
    let frame = unsafe {
        let start = buf.sub(hlen);
        frame::write_header(
            core::slice::from_raw_parts_mut(start, hlen),
            fin,
            opcode,
            len as u64,
            mask,
        );
        core::slice::from_raw_parts(start, hlen + len)
    };
    if send_raw(w, frame) {
        len as c_int
    } else {
        -1
    }
}

/// Writable socket: drain what is buffered, then the WRITEABLE callback if asked for.
pub(crate) fn on_writable(w: *mut lws) {
    {
        let s = wref!(w);
        if s.state == State::Dead {
            return;
        }
        if s.state == State::Connecting {
            super::client::connect_ready(w);
            return;
        }
        s.writable = true;
    }
    if !flush(w) {
        return;
    }
    write_interest(w, false);
    let s = wref!(w);
    match s.state {
        State::FlushThenClose if s.linger => linger(w),
        State::FlushThenClose => finish_close(w),
        State::HttpTxn => super::http::writeable(w),
        State::Ws if s.want_writeable => {
            s.want_writeable = false;
            writeable_cb(w);
        }
        _ => {}
    }
}

/// Writes out what is buffered.  True when nothing is left.
fn flush(w: *mut lws) -> bool {
    let s = wref!(w);
    while s.out_pos < s.out.len() {
        let r = match s.sock.as_mut() {
            Some(sock) => sock.write(&s.out[s.out_pos..]),
            None => return false,
        };
        match r {
            Ok(0) => return false,
            Ok(n) => s.out_pos += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                s.writable = false;
                return false;
            }
            Err(_) => {
                close(w, Why::Gone);
                return false;
            }
        }
    }
    s.out = Vec::new();
    s.out_pos = 0;
    true
}

pub(crate) fn writeable_cb(w: *mut lws) {
    let reason = if is_client(w) {
        LWS_CALLBACK_CLIENT_WRITEABLE
    } else {
        LWS_CALLBACK_SERVER_WRITEABLE
    };
    if callback(w, reason as c_int, null_mut(), 0) != 0 {
        close(w, Why::User);
        return;
    }
    let s = wref!(w);
    if s.state == State::Ws && !s.want_writeable {
        if let Some((code, why)) = s.fail_pending.take() {
            close_with(w, code, why.as_bytes());
        }
    }
}

/// lws_callback_on_writable(): one WRITEABLE callback once the socket can take data.
pub(crate) fn request_writeable(w: *mut lws) -> c_int {
    let s = wref!(w);
    match s.state {
        State::Dead | State::FlushThenClose | State::Linger => return 0,
        State::Http | State::WsAwaitingCloseAck => return 0,
        State::Connecting | State::ClientHandshake => {
            // Served once the client is established.
            s.want_writeable = true;
            return 1;
        }
        State::Ws | State::HttpTxn => {}
    }
    s.want_writeable = true;
    if s.writable && s.out_pos >= s.out.len() && !s.in_writeable_q {
        s.in_writeable_q = true;
        cx!(s.ctx).writeable_q.push(w);
    }
    1
}

/// Serves one entry of the writeable queue.
pub(crate) fn serve_writeable_q(w: *mut lws) {
    let s = wref!(w);
    s.in_writeable_q = false;
    if s.out_pos < s.out.len() {
        return;
    }
    if s.state == State::HttpTxn {
        super::http::writeable(w);
        return;
    }
    if s.state != State::Ws || !s.want_writeable {
        return;
    }
    s.want_writeable = false;
    writeable_cb(w);
}

/// lws_set_timeout() in microseconds; 0 cancels.
pub(crate) fn set_timeout(w: *mut lws, reason: c_int, us: i64) {
    let s = wref!(w);
    if s.slot == usize::MAX || s.state == State::Dead {
        return;
    }
    let c = cx!(s.ctx);
    let key = timer::TimerKey::Timeout(s.slot, s.gen);
    if us <= 0 && reason == 0 {
        c.timers.cancel(key);
        s.timeout_reason = 0;
        return;
    }
    s.timeout_reason = reason;
    c.timers.schedule(key, timer::now_usecs() + us.max(0));
}

pub(crate) fn timeout_fired(w: *mut lws) {
    let reason = wref!(w).timeout_reason;
    if wref!(w).write_failed {
        return finish_close(w);
    }
    lwsl_info!("wsi timed out (reason {})", reason);
    match wref!(w).state {
        State::Connecting => return super::client::fail(w, "Timed out connecting"),
        State::ClientHandshake => return super::client::fail(w, "Timed out waiting server reply"),
        _ => {}
    }
    if let Some((code, why)) = wref!(w).fail_pending.take() {
        return close_with(w, code, why.as_bytes());
    }
    if reason == PENDING_TIMEOUT_CLOSE_ACK as c_int
        || matches!(wref!(w).state, State::FlushThenClose | State::Linger)
    {
        finish_close(w);
    } else {
        close(w, Why::User);
    }
}

pub(crate) fn timer_fired(w: *mut lws) {
    if wref!(w).state == State::Dead {
        return;
    }
    if callback(w, LWS_CALLBACK_TIMER as c_int, null_mut(), 0) != 0 {
        close(w, Why::User);
    }
}

/// lws_rx_flow_control().
pub(crate) fn rx_flow_control(w: *mut lws, enable: c_int) -> c_int {
    let s = wref!(w);
    if s.state == State::Dead {
        return -1;
    }
    let before = s.rx_flow_reasons;
    let applies = LWS_RXFLOW_REASON_APPLIES;
    if enable & applies != 0 {
        let mask = enable
            & !(applies
                | LWS_RXFLOW_REASON_APPLIES_ENABLE_BIT
                | LWS_RXFLOW_REASON_FLAG_PROCESS_NOW);
        if enable & LWS_RXFLOW_REASON_APPLIES_ENABLE_BIT != 0 {
            s.rx_flow_reasons &= !mask;
        } else {
            s.rx_flow_reasons |= mask;
        }
    } else if enable != 0 {
        s.rx_flow_reasons &= !LWS_RXFLOW_REASON_USER_BOOL;
    } else {
        s.rx_flow_reasons |= LWS_RXFLOW_REASON_USER_BOOL;
    }
    if before != 0 && s.rx_flow_reasons == 0 && !s.in_rx_q {
        s.in_rx_q = true;
        cx!(s.ctx).rx_q.push(w);
    }
    0
}

/// Rx flow was re-enabled: parse what was held back, then read the socket again (its
/// readiness edge may have passed while we were not reading).
pub(crate) fn rx_resume(w: *mut lws) {
    {
        let s = wref!(w);
        s.in_rx_q = false;
        if s.state == State::Dead || s.rx_flow_reasons != 0 {
            return;
        }
    }
    on_readable(w, false);
}

/// The connection's idle policy (`lws_retry_bo_t` secs_since_valid_ping/_hangup), as lws
/// applies it to client connections: after `ping` seconds without input a PING goes out;
/// with nothing back by `hangup` seconds the connection is closed.  Checked by a timer,
/// so the per-message cost is one flag.
pub(crate) fn validity_start(w: *mut lws) {
    let Some((ping, _)) = validity_policy(w) else {
        return;
    };
    let s = wref!(w);
    s.rx_seen = false;
    s.validity_pinged = false;
    cx!(s.ctx).timers.schedule(
        timer::TimerKey::Validity(s.slot, s.gen),
        timer::now_usecs() + ping,
    );
}

/// (ping, hangup) in microseconds, if the connection has such a policy.
fn validity_policy(w: *mut lws) -> Option<(i64, i64)> {
    let s = wref!(w);
    let r = s.client.as_ref()?.retry;
    if r.is_null() {
        return None;
    }
    // SAFETY: lws's contract: the policy outlives the connections that use it.
    let (ping, hangup) = unsafe { ((*r).secs_since_valid_ping, (*r).secs_since_valid_hangup) };
    if ping == 0 && hangup == 0 {
        return None;
    }
    let ping = if ping > 0 { ping } else { hangup } as i64 * 1_000_000;
    let hangup = if hangup > 0 {
        hangup as i64 * 1_000_000
    } else {
        i64::MAX / 4
    };
    Some((ping, hangup.max(ping)))
}

pub(crate) fn validity_check(w: *mut lws) {
    let Some((ping, hangup)) = validity_policy(w) else {
        return;
    };
    let (seen, pinged) = {
        let s = wref!(w);
        if s.state != State::Ws {
            return;
        }
        let r = (s.rx_seen, s.validity_pinged);
        s.rx_seen = false;
        r
    };
    let next = if seen {
        wref!(w).validity_pinged = false;
        ping
    } else if !pinged {
        wref!(w).validity_pinged = true;
        send_frame(w, frame::OP_PING, b"");
        hangup - ping
    } else {
        lwsl_info!("connection idle past its hangup time: closing");
        return close(w, Why::Gone);
    };
    let s = wref!(w);
    if s.state == State::Ws {
        cx!(s.ctx).timers.schedule(
            timer::TimerKey::Validity(s.slot, s.gen),
            timer::now_usecs() + next.max(1),
        );
    }
}
