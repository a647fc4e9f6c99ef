//! Roles (lws's lib/roles): what a connection speaks.  The service loop hands each
//! connection's input and writability to its role here, by `match` (no vtable on the
//! message path).
/// cbindgen:ignore
pub mod h1;
/// cbindgen:ignore
pub mod h2;
/// cbindgen:ignore
pub mod http;
/// cbindgen:ignore
pub mod listen;
/// cbindgen:ignore
pub mod raw;
/// cbindgen:ignore
pub mod ws;

use crate::abi::*;
use crate::core::*;
use crate::roles::h1::http_input;
use crate::roles::ws::{ws_input, Ws, WsPhase};

/// What a connection speaks, with that role's own state (allocated when the role is
/// taken: an HTTP connection carries no WebSocket framing state).  The lifecycle
/// ([`Life`]) is kept apart.
///
/// ```text
///  server:  H1(Head) --head parsed, answered--> H1(Txn) --transaction completed--> H1(Head)
///           H1(Head) --"Upgrade: websocket" checked, protocol bound-->
///                Ws(Upgrading) --101 sent--> Ws(Open)
///  client:  H1(Client) (Life::Connecting, then the upgrade request and its answer)
///                --101 checked--> Ws(Open)
///  ws:      Ws(Open) --our close frame sent--> Ws(AwaitingCloseAck) --peer's close--> end
/// ```
pub(crate) enum Role {
    H1(H1),
    /// The phase sits beside the box, so the checks on every message read no pointer.
    Ws(WsPhase, Box<Ws>),
    /// Raw socket or raw file: bytes pass untouched (see roles/raw.rs).
    Raw(raw::Raw),
    /// The network connection under HTTP/2 client streams (roles/http/client_h2.rs):
    /// never seen by the program, whose client wsis are its streams.
    H2Client(Box<http::client_h2::Net>),
    /// The network connection of HTTP/2 (roles/h2): its streams are child connections
    /// with the H1 role's HTTP state, so the HTTP server code serves them unchanged.
    H2(Box<h2::Net>),
}

/// The HTTP/1.1 role's states.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum H1 {
    /// Server: reading a request head.
    Head,
    /// Server: a request is being answered (its body may still be arriving).
    Txn,
    /// Client: connecting, then the upgrade request is out and the answer awaited.
    Client,
    /// HTTP client (a `method` was given): the request is out; its body, the answer's
    /// head and body follow (roles/http/client.rs).
    ClientHttp,
}

/// Where a connection stands, role and lifecycle together: what the dispatch and most
/// checks ask (lws's `lwsi_state()` likewise reads role and state from one word).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum State {
    /// Open, H1(Head); also Ws(Upgrading), which is still an HTTP request until the 101.
    Http,
    /// Open, Ws(Open).
    Ws,
    /// Open, Ws(AwaitingCloseAck).
    WsAwaitingCloseAck,
    /// Life::FlushThenClose.
    FlushThenClose,
    /// Life::Dead.
    Dead,
    /// Life::Connecting.
    Connecting,
    /// Open, H1(Client).
    ClientHandshake,
    /// Open, H1(Txn).
    HttpTxn,
    /// Life::Linger.
    Linger,
    /// Open, Raw(_).
    Raw,
    /// Open, H1(ClientHttp).
    ClientHttp,
    /// Open, H2Client.
    H2ClientNet,
    /// Open, H2(_): the network connection of HTTP/2 (its streams are HttpTxn).
    H2,
}

impl lws {
    #[inline(always)]
    pub(crate) fn state(&self) -> State {
        match self.life {
            Life::Open => match self.role {
                Role::Ws(WsPhase::Open, _) => State::Ws,
                Role::Ws(WsPhase::AwaitingCloseAck, _) => State::WsAwaitingCloseAck,
                Role::Ws(WsPhase::Upgrading, _) | Role::H1(H1::Head) => State::Http,
                Role::H1(H1::Txn) => State::HttpTxn,
                Role::H1(H1::Client) => State::ClientHandshake,
                Role::Raw(_) => State::Raw,
                Role::H1(H1::ClientHttp) => State::ClientHttp,
                Role::H2Client(_) => State::H2ClientNet,
                Role::H2(_) => State::H2,
            },
            Life::Connecting => State::Connecting,
            Life::FlushThenClose => State::FlushThenClose,
            Life::Linger => State::Linger,
            Life::Dead => State::Dead,
        }
    }

    /// Open with the ws role past its upgrade: frames flow both ways (State::Ws).
    #[inline(always)]
    pub(crate) fn ws_open(&self) -> bool {
        self.life == Life::Open && matches!(self.role, Role::Ws(WsPhase::Open, _))
    }

    /// The ws role's state, if the connection has taken that role.
    #[inline(always)]
    pub(crate) fn ws(&mut self) -> Option<&mut Ws> {
        match &mut self.role {
            Role::Ws(_, ws) => Some(ws),
            Role::H1(_) | Role::Raw(_) | Role::H2(_) | Role::H2Client(_) => None,
        }
    }

    /// The HTTP/1.1 role in `h` (the ws state, if any, is dropped).
    pub(crate) fn set_h1(&mut self, h: H1) {
        self.role = Role::H1(h);
    }
}

/// A role's callback reasons, [client, server] (as each lws `ops-*.c` lists them).
pub(crate) struct Reasons {
    pub writeable: [u32; 2],
    pub receive: [u32; 2],
    pub receive_pong: [u32; 2],
    /// Owed at close; None where lws calls nothing.
    pub drop_protocol: [Option<u32>; 2],
    pub closed: [Option<u32>; 2],
}

impl Reasons {
    /// The entry of `pair` for a client (`true`) or server connection.
    #[inline(always)]
    pub(crate) fn pick<T: Copy>(pair: [T; 2], client: bool) -> T {
        pair[!client as usize]
    }
}

/// The ws role's reasons.
pub(crate) static WS_REASONS: Reasons = Reasons {
    writeable: [
        LWS_CALLBACK_CLIENT_WRITEABLE as u32,
        LWS_CALLBACK_SERVER_WRITEABLE as u32,
    ],
    receive: [
        LWS_CALLBACK_CLIENT_RECEIVE as u32,
        LWS_CALLBACK_RECEIVE as u32,
    ],
    receive_pong: [
        LWS_CALLBACK_CLIENT_RECEIVE_PONG as u32,
        LWS_CALLBACK_RECEIVE_PONG as u32,
    ],
    drop_protocol: [
        Some(LWS_CALLBACK_WS_CLIENT_DROP_PROTOCOL as u32),
        Some(LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL as u32),
    ],
    closed: [
        Some(LWS_CALLBACK_CLIENT_CLOSED as u32),
        Some(LWS_CALLBACK_CLOSED as u32),
    ],
};

/// The HTTP/1.1 role's reasons (a client that never reached the ws role had
/// CLIENT_CONNECTION_ERROR instead of a CLOSED).
pub(crate) static H1_REASONS: Reasons = Reasons {
    writeable: [
        LWS_CALLBACK_CLIENT_HTTP_WRITEABLE as u32,
        LWS_CALLBACK_HTTP_WRITEABLE as u32,
    ],
    receive: [
        LWS_CALLBACK_RECEIVE_CLIENT_HTTP as u32,
        LWS_CALLBACK_HTTP_BODY as u32,
    ],
    receive_pong: [0, 0],
    drop_protocol: [
        Some(LWS_CALLBACK_CLIENT_HTTP_DROP_PROTOCOL as u32),
        Some(LWS_CALLBACK_HTTP_DROP_PROTOCOL as u32),
    ],
    closed: [None, Some(LWS_CALLBACK_CLOSED_HTTP as u32)],
};

impl Role {
    pub(crate) fn reasons(&self) -> &'static Reasons {
        match self {
            // The network connection of h2 ends as an HTTP one, as in lws's ops-h2.c.
            Role::H1(_) | Role::H2(_) => &H1_REASONS,
            Role::Ws(..) => &WS_REASONS,
            Role::Raw(k) => Role::raw_reasons(*k),
            Role::H2Client(_) => &http::client_h2::NET_REASONS,
        }
    }
}

/// The socket can take data and nothing is buffered: the role's WRITEABLE, if asked
/// for (the HTTP role also sends file pieces from here).
#[inline(always)]
pub(crate) fn writeable(w: *mut lws) {
    let s = wref!(w);
    match s.role {
        Role::H1(H1::Txn) => crate::roles::http::server::writeable(w),
        Role::H1(H1::ClientHttp) if s.want_writeable => {
            s.want_writeable = false;
            crate::roles::http::client::writeable(w);
        }
        Role::Ws(WsPhase::Open, _) if s.want_writeable => {
            s.want_writeable = false;
            crate::roles::ws::writeable_cb(w);
        }
        Role::Raw(k) => raw::writeable(w, k),
        Role::H2Client(_) => http::client_h2::net_writeable(w),
        Role::H2(_) => h2::writeable(w),
        _ => {}
    }
}

/// The role's part of closing (the close dispatch): true when the role took it over (a
/// close frame `lws_close_reason` prepared is sent and answered; an HTTP answer still
/// going out is flushed first, bounded by a timeout); false to close at once.
pub(crate) fn close(w: *mut lws, why: crate::core::close::Why) -> bool {
    if wref!(w).state() == State::H2ClientNet {
        return http::client_h2::close_net(w, why);
    }
    if why != crate::core::close::Why::User {
        if wref!(w).state() == State::ClientHttp {
            crate::roles::http::client::peer_gone(w);
        }
        return false;
    }
    match wref!(w).state() {
        State::Ws => crate::roles::ws::close_with_reason(w),
        State::HttpTxn | State::Http => {
            crate::core::close::flush_then_close(w);
            true
        }
        State::H2 => {
            h2::go_away(w);
            crate::core::close::flush_then_close(w);
            true
        }
        _ => false,
    }
}

/// Bytes from the peer, at `ptr[..len]` (the context read buffer or a stash).
#[inline(always)]
pub(crate) fn input(w: *mut lws, ptr: *mut u8, len: usize) {
    let s = wref!(w);
    if s.life != Life::Open {
        return;
    }
    match s.role {
        Role::Ws(WsPhase::Open | WsPhase::AwaitingCloseAck, _) => ws_input(w, ptr, len),
        Role::H1(H1::Head) | Role::Ws(WsPhase::Upgrading, _) => http_input(w, ptr, len),
        Role::H1(H1::Client) => crate::roles::ws::client::handshake_input(w, ptr, len),
        Role::H1(H1::ClientHttp) => crate::roles::http::client::input(w, ptr, len),
        // SAFETY: ptr[..len] is readable (the read buffer or a stash).
        Role::H1(H1::Txn) => crate::roles::http::server::txn_input(w, unsafe {
            core::slice::from_raw_parts(ptr, len)
        }),
        Role::Raw(_) => raw::skt_input(w, ptr, len),
        // SAFETY: ptr[..len] is readable (the read buffer or a stash).
        Role::H2Client(_) => {
            http::client_h2::net_input(w, unsafe { core::slice::from_raw_parts(ptr, len) })
        }
        // SAFETY: as above.
        Role::H2(_) => h2::input(w, unsafe { core::slice::from_raw_parts(ptr, len) }),
    }
}

/// The connection's bytes travel over TLS: its own transport, or for an HTTP/2 stream
/// (which has none) its network connection's.
pub(crate) fn over_tls(w: *mut crate::core::lws) -> bool {
    let n = match crate::roles::http::client_h2::network_wsi(w) {
        Some(n) => n,
        None => crate::roles::h2::network_wsi(w),
    };
    crate::core::wref!(n).transport.tls().is_some()
}
