//! The core (lws's lib/core and lib/core-net): the context and its slab, vhosts, the
//! role-independent part of a connection (wsi), the service loop, the output gate,
//! close, adopt (accept), client connect, timers and retry.
//!
//! Ownership: a context is a `Box<lws_context>` handed to C as a raw pointer; it owns its
//! vhosts (`Box<lws_vhost>`) and connections (`Box<lws>`), reachable from the slab by mio
//! token.  C holds raw pointers to all three, and user callbacks may re-enter any API
//! with them, so the core never keeps a `&mut` to a context, vhost or wsi across a call
//! into user code: state is reached through raw pointers with short-lived borrows (the
//! `cx!`/`wref!`/`vh!` macros), and each call into C happens with no borrow alive.  A
//! closed wsi stays allocated until the next safe point of the service loop.
#![allow(non_camel_case_types)]

/// cbindgen:ignore
pub mod adopt;
/// cbindgen:ignore
pub mod close;
/// cbindgen:ignore
pub mod connect;
/// cbindgen:ignore
pub mod context;
/// cbindgen:ignore
pub mod customloop;
/// cbindgen:ignore
pub mod extpoll;
/// cbindgen:ignore
pub mod foreign;
/// cbindgen:ignore
pub mod options;
/// cbindgen:ignore
pub mod output;
/// cbindgen:ignore
pub mod proxy;
/// cbindgen:ignore
pub mod retry;
/// cbindgen:ignore
pub mod service;
/// cbindgen:ignore
pub mod smp;
/// cbindgen:ignore
pub mod sul;
/// cbindgen:ignore
pub mod timer;
/// cbindgen:ignore
pub mod tlscb;
/// cbindgen:ignore
pub mod wsi;
/// cbindgen:ignore
pub mod xthread;

use crate::abi::*;
pub(crate) use crate::roles::{Role, State};
use core::cell::UnsafeCell;
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null_mut;
use std::sync::atomic::AtomicBool;
use timer::{SulOwner, Timers};

/// Short-lived `&mut` to the mutable part of a context.  Never alive across a callback.
macro_rules! cx {
    ($ctx:expr) => {
        // SAFETY: the context pointer is live (checked at the C boundary), only the
        // service thread touches `inner`, and no other borrow of it is alive here.
        unsafe { &mut *(*$ctx).inner.get() }
    };
}

/// Short-lived `&mut` to a wsi.  Never alive across a callback.
macro_rules! wref {
    ($w:expr) => {
        // SAFETY: wsi pointers come from our slab (or a C caller, checked at the
        // boundary) and stay allocated until the loop's safe point; no other borrow of
        // this wsi is alive here.
        unsafe { &mut *$w }
    };
}

/// Short-lived `&mut` to a vhost.
macro_rules! vh {
    ($v:expr) => {
        // SAFETY: vhosts live until lws_vhost_destroy/context destroy; no other borrow
        // of this vhost is alive here.
        unsafe { &mut *$v }
    };
}

pub(crate) use cx;

pub(crate) use vh;

pub(crate) use wref;

/// The largest WebSocket message we accept (limits are on by default): a larger one is
/// refused with close 1009 as soon as its frame headers announce it.  lws has no such
/// knob; messages reach RECEIVE in chunks either way, so this bounds what a peer can make
/// an application gather, not our own buffers.
/// cbindgen:ignore
pub const MAX_MESSAGE: u64 = 256 * 1024 * 1024;

/// The default `pt_serv_buf_size` of lws.
/// cbindgen:ignore
pub const DEFAULT_SERV_BUF: usize = 4096;

/// The context: one event loop, its vhosts and connections.  Opaque to C.
pub struct lws_context {
    /// The service threads' waits (`count_threads`; one without SMP).
    pub(crate) pts: Box<[Pt]>,
    /// With more than one service thread: the lock a thread holds while it runs a turn.
    pub(crate) smp: Option<smp::TurnLock>,
    /// lws_smd's queue: other threads may send (it has its own lock).
    pub(crate) smd: crate::smd::Smd,
    /// The thread serving the context (`xthread`): calls from others are queued.
    pub(crate) service_thread: std::sync::atomic::AtomicU64,
    /// Requests other threads made (`xthread::post`), taken by the service thread.
    pub(crate) xq: xthread::Queue,
    pub(crate) xq_pending: AtomicBool,
    pub(crate) inner: UnsafeCell<Ctx>,
}

// SAFETY: the only members other threads touch are the pts' `waker` (Sync) and
// `cancel_pending`, `service_thread` and `xq_pending` (atomics), `smd` and `xq` (behind
// mutexes), and `smp` (a mutex); a pt's `wait` and `ready` are only reached by the thread
// serving that pt; `inner` only by the thread running a turn (lws's own rule, and with
// several service threads, only with `smp` held).
unsafe impl Sync for lws_context {}

/// One service thread's wait (lws's per-thread `pt`).
pub(crate) struct Pt {
    /// Wakes this thread's wait from any thread (`lws_cancel_service`).
    pub(crate) waker: crate::evloop::Waker,
    pub(crate) cancel_pending: AtomicBool,
    pub(crate) wait: UnsafeCell<crate::evloop::PtPoll>,
    /// The events of one poll, copied out so no borrow of `events` spans a callback.
    pub(crate) ready: UnsafeCell<Vec<(usize, u32, u8)>>,
}

pub(crate) enum Entry {
    Free(usize),
    Waker,
    Listener(*mut lws_vhost),
    Conn(*mut lws),
}

pub(crate) struct Slot {
    pub gen: u32,
    pub entry: Entry,
}

pub(crate) struct Ctx {
    /// lws_system's blobs, ops and state manager.
    pub system: crate::system::System,
    /// Only evloop/ looks inside.
    pub poller: crate::evloop::Poller,
    pub user: *mut c_void,
    pub vhosts: Vec<*mut lws_vhost>,
    pub slots: Vec<Slot>,
    pub free_head: usize,
    /// One read buffer per context, `pt_serv_buf_size` bytes: every connection's input is
    /// read, unmasked and handed to RECEIVE from here.
    pub rbuf: Box<[u8]>,
    /// The buffer of larger reads (`lws::read_max`), grown on first use to the largest
    /// asked for; empty until a protocol asks for chunks larger than `rbuf`.
    pub rbuf_big: Vec<u8>,
    pub timers: Timers,
    pub sul_owner: Box<SulOwner>,
    /// Connections that asked for WRITEABLE while their socket is known writable: served
    /// this loop turn without a round through the poller.
    pub writeable_q: Vec<*mut lws>,
    /// The batch being served (swapped with `writeable_q` each turn, so requests made
    /// while serving go to the next turn; both keep their capacity).
    pub writeable_batch: Vec<*mut lws>,
    /// Connections whose rx flow was re-enabled, to be read again.
    pub rx_q: Vec<*mut lws>,
    /// Closed connections, freed at the next safe point.
    pub dead: Vec<*mut lws>,
    pub timeout_secs: u32,
    /// How much unsent output one connection may hold before we stop reading from it
    /// (core::output): a peer that does not read cannot make us buffer more.
    pub out_limit: usize,
    /// info.fd_limit_per_thread: how many descriptors the poller may watch (the waker,
    /// listeners, connections); past it a new connection is refused, as lws's poll table
    /// does (unlimited without it: the process's own descriptor limit applies).
    pub max_fds: usize,
    /// Slab entries in use: what `max_fds` is checked against.
    pub slots_used: usize,
    /// Accepting stopped at `max_fds`; resumed once a connection is freed.
    pub accept_paused: bool,
    /// Random bytes for client mask keys, refilled from getrandom a block at a time.
    pub rand_pool: [u8; 256],
    pub rand_pos: usize,
    pub max_http_header_data: usize,
    /// max_http_header_pool: how many connections may be reading or answering a request
    /// at once (lws's header tables); more wait, unread, in `ah_wait` (slot, generation).
    pub ah_pool: usize,
    pub ah_in_use: usize,
    pub ah_wait: std::collections::VecDeque<(usize, u32)>,
    /// Session data of connections rebound to another protocol (HTTP keeps it per
    /// transaction): freed at the next safe point, as callbacks may still hold it.
    pub retired_user: Vec<*mut c_void>,
    /// The next lifecycle ordinal of accepted [0] and client [1] connections, for lws's
    /// `[wsisrv|N|...]` / `[wsicli|N|...]` tags (lws_wsi_tag).
    pub tag_ord: [u32; 2],
    /// info.server_string: the `server:` header of HTTP answers.
    pub server_string: Option<String>,
    pub destroying: bool,
    /// Service turns under way (nested when a callback calls lws_service_fd): a
    /// context destroyed from a callback must outlive the turn that called it.
    pub turn_depth: u32,
    /// lws_context_destroy was called from inside a turn: service stops (lws_service
    /// returns -1) and the program's next lws_context_destroy, made after lws_service
    /// returned, destroys it (lws's own two steps for this case).
    pub destroy_deferred: bool,
    /// The first lws_service() initialised the protocols of the vhosts then present.
    pub protocol_init_done: bool,
    /// Set when the context runs on the program's libuv loop (core::foreign).
    pub uv: Option<Box<crate::core::foreign::Uv>>,
    /// The program's own event library (`info.event_lib_custom`).
    pub custom: Option<Box<crate::core::customloop::Custom>>,
    /// info.http_nsc_filepath: the HTTP client's cookie jar (LCCSCF_CACHE_COOKIES).
    pub cookies: Option<Box<crate::roles::http::cookies::Jar>>,
    /// The context's info.alpn: the ALPN list of vhosts that name none.
    pub alpn: Option<String>,
}

/// A virtual host: protocols, options and a listening socket.  Opaque to C.
pub struct lws_vhost {
    pub(crate) ctx: *mut lws_context,
    pub(crate) name: std::ffi::CString,
    /// The caller's protocol array (lws keeps the caller's pointer too), or
    /// `owned_protocols` when they came through `pprotocols` or were not given.
    pub(crate) protocols: *const lws_protocols,
    /// Keeps the array `protocols` points into alive (never read directly).
    #[allow(dead_code)]
    pub(crate) owned_protocols: Vec<lws_protocols>,
    pub(crate) finalize: Option<unsafe extern "C" fn(*mut lws_vhost, *mut c_void)>,
    pub(crate) finalize_arg: *mut c_void,
    pub(crate) count_protocols: usize,
    pub(crate) pvo: *const lws_protocol_vhost_options,
    pub(crate) options: u64,
    pub(crate) listen_port: c_int,
    pub(crate) listener: Option<crate::transport::Listener>,
    /// Where it listens (its own socket or one shared with an earlier vhost).
    pub(crate) listen_addr: Option<std::net::SocketAddr>,
    pub(crate) listener_slot: usize,
    /// Per protocol: the connections bound to it (for the all-protocol APIs), and its
    /// `lws_protocol_vh_priv_zalloc` storage.
    pub(crate) same_protocol: Vec<Vec<*mut lws>>,
    pub(crate) privs: Vec<*mut c_void>,
    /// Which protocols got PROTOCOL_INIT (and so are owed PROTOCOL_DESTROY).
    pub(crate) inited: Vec<bool>,
    pub(crate) user: *mut c_void,
    pub(crate) destroyed: bool,
    pub(crate) protocols_inited: bool,
    /// The caller's mount list (lws keeps the pointer too).
    pub(crate) mounts: *const lws_http_mount,
    pub(crate) error_document_404: Option<std::ffi::CString>,
    /// Headers added to every HTTP answer (info.headers).
    pub(crate) headers: *const lws_protocol_vhost_options,
    pub(crate) keepalive_timeout: c_int,
    pub(crate) timeout_secs_ah_idle: c_int,
    /// info.listen_accept_protocol: the protocol raw connections bind (lws keeps the
    /// caller's pointer too).
    pub(crate) listen_accept_protocol: *const c_char,
    /// TLS: the server certificate and listener config, the client side.
    pub(crate) tls: crate::tls::vhost::VhostTls,
    /// permessage-deflate is in `info.extensions` (the only extension there can be): its
    /// `client_offer`, what a client on this vhost offers.
    pub(crate) pmd_offer: Option<String>,
    /// info.http2_settings: what this vhost's HTTP/2 connections announce and enforce.
    pub(crate) h2: crate::h2::conn::Config,
    /// The same settings as this vhost's HTTP/2 client connections announce them.
    pub(crate) h2_client: crate::h2::client::Config,
    /// info.alpn, else the context's: what its TLS clients offer when the connect info
    /// names no list (and its TLS listener, through `tls`).
    pub(crate) alpn: Option<String>,
    /// The HTTP proxy its client connections are tunnelled through (core/proxy.rs).
    pub(crate) proxy: Option<proxy::Proxy>,
}

/// A connection's lifecycle, whatever its role (what it speaks is [`Role`]'s business).
///
/// ```text
///   (client) Connecting --connected--> Open
///   (server, adopted) -----------------> Open
///   Open --close after a flush---------> FlushThenClose --flushed--> Dead
///   FlushThenClose --error answer out--> Linger --peer's EOF or 2 s--> Dead
///   any --close now--------------------> Dead (callbacks done, slot free; memory freed
///                                              at the loop's next safe point)
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Life {
    /// Client: non-blocking connect in progress.
    Connecting,
    /// Up: input and writability go to the role.
    Open,
    /// Flushing what is buffered, then closing (after echoing a peer's close, or an
    /// HTTP answer that closes the connection).
    FlushThenClose,
    /// An error answer has gone out and our side is shut: input is read and dropped until
    /// the peer closes (or a timeout), so unread request bytes cannot turn our close into
    /// a reset that destroys the answer before the client reads it.
    Linger,
    /// Closed: callbacks done, socket gone, waiting to be freed.
    Dead,
}

/// A connection (lws calls it a wsi).  Opaque to C.
pub struct lws {
    pub(crate) ctx: *mut lws_context,
    pub(crate) vhost: *mut lws_vhost,
    pub(crate) protocol: *const lws_protocols,
    pub(crate) protocol_idx: usize,
    /// Index of this wsi in `vhost.same_protocol[protocol_idx]` while bound.
    pub(crate) same_protocol_pos: usize,
    pub(crate) bound: bool,
    pub(crate) user_space: *mut c_void,
    pub(crate) user_space_owned: bool,
    pub(crate) opaque_user_data: *mut c_void,
    /// The descriptor and its byte stream (only transport/ issues its syscalls).
    pub(crate) transport: crate::transport::Transport,
    pub(crate) slot: usize,
    pub(crate) gen: u32,
    /// Lifecycle, apart from the role.
    pub(crate) life: Life,
    /// What the connection speaks, with that role's own state.
    pub(crate) role: crate::roles::Role,
    /// The request head, kept while parsing and for header queries afterwards.
    pub(crate) hdr: Vec<u8>,
    pub(crate) req: Option<crate::http::request::Request>,
    /// Input read from the socket but not yet parsed (rx flow control held it back):
    /// `rx_stash[rx_stash_pos..]`.  The stash is parsed where it lies, each stop only
    /// moving `rx_stash_pos`, so a read holding many messages is copied once, not once per
    /// message (see `service::on_readable`).
    pub(crate) rx_stash: Vec<u8>,
    pub(crate) rx_stash_pos: usize,
    /// While the stash is being parsed: the address just past its end, so a role stopping
    /// inside it records how much is left (`rx_stash_left`) instead of copying it again.
    pub(crate) rx_stash_end: usize,
    pub(crate) rx_stash_left: usize,
    /// The largest read for this connection when more than the context's buffer
    /// (`Ctx::rbuf`): a ws protocol whose `rx_buffer_size` is larger takes reads of up to
    /// that (bounded by `READ_BIG_MAX`) into `Ctx::rbuf_big`; 0 otherwise.
    pub(crate) read_max: usize,
    pub(crate) rx_flow_reasons: c_int,
    pub(crate) in_rx_q: bool,
    /// Bytes accepted by lws_write() that the socket has not taken yet.
    pub(crate) out: Vec<u8>,
    pub(crate) out_pos: usize,
    /// Where in `out` the library's own replies (pongs, close echoes, error pages) sit,
    /// as merged `(start, end)` ranges: they have a bound of their own
    /// (`output::OWN_OUT_LIMIT`).  Empty (no allocation) unless such a reply had to wait.
    pub(crate) own_out: Vec<(usize, usize)>,
    /// Set while `output::send_own` passes a reply of the library's own to the gate.
    pub(crate) own_tx: bool,
    /// The kernel's send queue when the output stall timer was last armed
    /// (`output::stalled` counts a shrunk queue as the peer's progress).
    pub(crate) stall_q: usize,
    /// Whether the socket is known writable (edge-triggered: until a write would block).
    pub(crate) writable: bool,
    pub(crate) want_writeable: bool,
    pub(crate) in_writeable_q: bool,
    pub(crate) timeout_reason: c_int,
    pub(crate) closed_cb: bool,
    /// WRITABLE is in the socket's epoll interest (only while output waits).
    pub(crate) write_interest: bool,
    /// A write failed (peer gone): nothing more is sent, the loop closes it.
    pub(crate) write_failed: bool,
    /// The peer shut down its side: read on to EOF.
    pub(crate) peer_hup: bool,
    /// The socket may hold input we have not read: a readiness event came, or the last
    /// read filled its buffer.  Cleared by a short read or EAGAIN, after which the
    /// (edge-triggered) poller reports new input.  Resuming rx flow reads the socket only
    /// when set, so a flow-controlled echo does not pay a recv that finds nothing after
    /// every message.
    pub(crate) rx_more: bool,
    pub(crate) peer_addr: Option<std::net::SocketAddr>,
    /// Client connections only.
    pub(crate) client: Option<Box<crate::core::connect::ClientInfo>>,
    /// Holds one of the context's header tables (max_http_header_pool).
    pub(crate) holds_ah: bool,
    /// After the flush, linger (see Life::Linger) instead of closing at once.
    pub(crate) linger: bool,
    /// Plain HTTP accepted on a TLS listener only to answer it with a redirect to https
    /// (LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS).
    pub(crate) redirect_https: bool,
    /// The HTTP server role's request and transaction (absent on ws-only paths).
    pub(crate) http: Option<Box<crate::roles::http::server::Http>>,
    /// lws's lifecycle tag (lws_wsi_tag): set when a client is created, built on first use
    /// from `tag_ord` for an accepted connection (most never need it); empty for the
    /// scratch wsi of connection-less callbacks (`tag_ord` u32::MAX).
    pub(crate) tag: Option<Box<core::ffi::CStr>>,
    pub(crate) tag_ord: u32,
    /// An HTTP/2 stream (a child of the network connection that carries it): its parent,
    /// id and pseudo-headers.  None for every other connection.
    pub(crate) mux: Option<Box<crate::roles::h2::Stream>>,
    /// The service thread whose epoll set watches this connection (lws_get_tsi): chosen
    /// when it gets its descriptor, never changed after the program has seen it.
    pub(crate) tsi: u8,
}

impl Ctx {
    pub fn slot_alloc(&mut self, entry: Entry) -> (usize, u32) {
        self.slots_used += 1;
        if self.free_head != usize::MAX {
            let i = self.free_head;
            let s = &mut self.slots[i];
            self.free_head = match s.entry {
                Entry::Free(next) => next,
                _ => usize::MAX,
            };
            s.entry = entry;
            s.gen = s.gen.wrapping_add(1);
            (i, s.gen)
        } else {
            self.slots.push(Slot { gen: 0, entry });
            (self.slots.len() - 1, 0)
        }
    }

    pub fn slot_free(&mut self, i: usize) {
        if let Some(s) = self.slots.get_mut(i) {
            if !matches!(s.entry, Entry::Free(_)) {
                self.slots_used -= 1;
            }
            s.entry = Entry::Free(self.free_head);
            self.free_head = i;
        }
    }

    /// The live wsi in slot `i` of generation `gen`, if any.
    pub fn conn(&self, i: usize, gen: u32) -> Option<*mut lws> {
        match self.slots.get(i) {
            Some(Slot {
                gen: g,
                entry: Entry::Conn(w),
            }) if *g == gen => Some(*w),
            _ => None,
        }
    }

    pub fn all_conns(&self) -> Vec<*mut lws> {
        self.slots
            .iter()
            .filter_map(|s| match s.entry {
                Entry::Conn(w) => Some(w),
                _ => None,
            })
            .collect()
    }
}

impl lws {
    pub(crate) fn new(ctx: *mut lws_context, vhost: *mut lws_vhost) -> Self {
        lws {
            ctx,
            vhost,
            protocol: core::ptr::null(),
            protocol_idx: 0,
            same_protocol_pos: 0,
            bound: false,
            user_space: null_mut(),
            user_space_owned: false,
            opaque_user_data: null_mut(),
            transport: crate::transport::Transport::None,
            slot: usize::MAX,
            gen: 0,
            life: Life::Open,
            role: crate::roles::Role::H1(crate::roles::H1::Head),
            hdr: Vec::new(),
            req: None,
            rx_stash: Vec::new(),
            rx_stash_pos: 0,
            rx_stash_end: 0,
            rx_stash_left: 0,
            read_max: 0,
            rx_flow_reasons: 0,
            in_rx_q: false,
            out: Vec::new(),
            out_pos: 0,
            own_out: Vec::new(),
            own_tx: false,
            stall_q: usize::MAX,
            writable: false,
            want_writeable: false,
            in_writeable_q: false,
            timeout_reason: 0,
            closed_cb: false,
            peer_hup: false,
            rx_more: true,
            write_failed: false,
            write_interest: false,
            peer_addr: None,
            client: None,
            linger: false,
            redirect_https: false,
            holds_ah: false,
            http: None,
            tag: None,
            tag_ord: u32::MAX,
            mux: None,
            tsi: 0,
        }
    }
}

impl Drop for lws {
    fn drop(&mut self) {
        if self.user_space_owned && !self.user_space.is_null() {
            // SAFETY: allocated with calloc in bind_protocol and owned by this wsi; it is
            // dropped only at the loop's safe point, when no callback can hold it.
            unsafe { libc::free(self.user_space) };
        }
    }
}

/// Calls a protocol's callback.  No Rust borrow may be alive across this call.
///
/// # Safety
/// `proto` is NULL or points to a live `lws_protocols`; the other pointers are what the
/// callback contract for `reason` says.
pub(crate) unsafe fn call_protocol(
    proto: *const lws_protocols,
    wsi: *mut lws,
    reason: c_int,
    user: *mut c_void,
    inp: *mut c_void,
    len: usize,
) -> c_int {
    if proto.is_null() {
        return 0;
    }
    // SAFETY: proto is live per the caller.
    let cb = unsafe { (*proto).callback };
    match cb {
        None => 0,
        Some(f) => {
            // The C callback takes `enum lws_callback_reasons`, which has the ABI of int;
            // callers may pass any int (LWS_CALLBACK_USER + n), so we call through an
            // int-typed pointer rather than materialise an out-of-range Rust enum.
            type RawCb =
                unsafe extern "C" fn(*mut lws, c_int, *mut c_void, *mut c_void, usize) -> c_int;
            // SAFETY: same ABI: a repr(C) enum argument is passed as a C int.
            let raw: RawCb = unsafe { core::mem::transmute(f) };
            // SAFETY: the callback contract; no borrow of our state is alive.
            unsafe { raw(wsi, reason, user, inp, len) }
        }
    }
}

/// The protocol array of a vhost as a slice.
pub(crate) fn vhost_protocols<'a>(vh: *mut lws_vhost) -> &'a [lws_protocols] {
    let v = vh!(vh);
    if v.protocols.is_null() || v.count_protocols == 0 {
        return &[];
    }
    // SAFETY: protocols/count were taken from the caller's array (terminated by a NULL
    // callback) at vhost creation; lws requires it to outlive the vhost.
    unsafe { core::slice::from_raw_parts(v.protocols, v.count_protocols) }
}

/// Finds a protocol of a vhost by name.
pub(crate) fn protocol_by_name(vh: *mut lws_vhost, name: &[u8]) -> Option<usize> {
    vhost_protocols(vh).iter().position(|p| {
        // SAFETY: protocol names are NUL-terminated C strings (or NULL).
        (unsafe { crate::misc::cstr(p.name) }) == Some(name)
    })
}

/// Maps a protocol pointer from C to its index in the vhost: by address when it is one
/// of the vhost's own entries, else by name and callback (as lws does across vhosts).
pub(crate) fn protocol_index(vh: *mut lws_vhost, p: *const lws_protocols) -> Option<usize> {
    let v = vh!(vh);
    let base = v.protocols as usize;
    let size = core::mem::size_of::<lws_protocols>();
    let addr = p as usize;
    if addr >= base && addr < base + v.count_protocols * size && (addr - base).is_multiple_of(size)
    {
        return Some((addr - base) / size);
    }
    if p.is_null() {
        return None;
    }
    // SAFETY: p is a live protocol struct from the caller.
    let (name, cb) = unsafe { ((*p).name, (*p).callback.map(|f| f as usize)) };
    // SAFETY: NUL-terminated or NULL.
    let name = unsafe { crate::misc::cstr(name) }?;
    vhost_protocols(vh).iter().position(|q| {
        // SAFETY: as above.
        (unsafe { crate::misc::cstr(q.name) }) == Some(name) && q.callback.map(|f| f as usize) == cb
    })
}

/// The context of a wsi (a copy of the pointer, so no borrow is kept).
pub(crate) fn wsi_ctx(w: *mut lws) -> *mut lws_context {
    wref!(w).ctx
}

/// The vhost of a wsi.
pub(crate) fn wsi_vhost(w: *mut lws) -> *mut lws_vhost {
    wref!(w).vhost
}

pub(crate) fn c_string_of(p: *const c_char) -> Option<String> {
    // SAFETY: NULL or NUL-terminated from C.
    unsafe { crate::misc::cstr(p) }.map(|b| String::from_utf8_lossy(b).into_owned())
}
