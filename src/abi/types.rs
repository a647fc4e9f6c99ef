//! The C structs of lws v4.3 with their exact member names, order and widths (default
//! Linux x86_64 build).  Members for features this library does not implement yet are
//! present and ignored, so a program compiled against lws's own headers sees one layout.
//! `capi-tests/abi` asserts every offset against abi/lws-4.3-layout.tsv.
#![allow(non_camel_case_types)]
use super::consts::{lws_callback_reasons, lws_extension_callback_reasons};
use super::vfs::lws_plat_file_ops;
use crate::core::{lws, lws_context, lws_vhost};
use core::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_ushort, c_void};

/// `info.port` value: the vhost has no listening socket (a client-only context or vhost).
pub const CONTEXT_PORT_NO_LISTEN: c_int = -1;
/// `info.port` value: as CONTEXT_PORT_NO_LISTEN; lws uses it for a server vhost that
/// only adopts sockets it is given.
pub const CONTEXT_PORT_NO_LISTEN_SERVER: c_int = -2;

/// A time or a duration in microseconds (the timers' unit).
pub type lws_usec_t = i64;
/// A signed file offset or size.
pub type lws_fileofs_t = core::ffi::c_longlong;
/// An unsigned file position or length (the VFS layer's unit).
pub type lws_filepos_t = core::ffi::c_ulonglong;

/// Enum arguments arrive from C as plain ints: flags may be OR'ed in (LWS_WRITE_NO_FIN)
/// and any value may come (LWS_CALLBACK_USER + n), which a Rust enum cannot hold.  The
/// header still declares lws's enum type: cbindgen.toml renames these aliases to it.
pub type enum_lws_write_protocol = c_int;
/// `lws_adoption_type` as C passes it: a set of LWS_ADOPT_* flags, not one enumerator.
pub type lws_adoption_type_flags = c_uint;
pub type enum_lws_close_status = c_int;
pub type enum_pending_timeout = c_int;
pub type enum_lws_callback_reasons = c_int;
pub type enum_lws_token_indexes = c_int;
pub type cap_value_t = c_int;
/// A bitmap of system-message classes (LWSSMDCL_*): a message has one, a peer's filter any.
pub type lws_smd_class_t = u32;
/// OpenSSL's context type, opaque here (TLS is not built in yet); declared in the header
/// as `typedef struct ssl_ctx_st SSL_CTX`, which is compatible with OpenSSL's own.
pub type SSL_CTX = ssl_ctx_st;
pub struct ssl_ctx_st {
    _opaque: [u8; 0],
}
/// A socket descriptor as lws passes it around (an `int` on POSIX).
pub type lws_sockfd_type = c_int;
/// A file descriptor as lws passes it around (an `int` on POSIX).
pub type lws_filefd_type = c_int;
/// What a scheduled timer calls when it fires: its own `lws_sorted_usec_list_t`, from which
/// the callback finds its state with lws_container_of.
pub type sul_cb_t = Option<unsafe extern "C" fn(sul: *mut lws_sorted_usec_list)>;
/// A log sink for lws_set_log_level: gets the level and the finished, NUL-terminated line.
pub type lws_log_emit_t = Option<unsafe extern "C" fn(level: c_int, line: *const c_char)>;
/// What a system-message peer (lws_smd_register) is called with for each message it wants:
/// its `opaque`, the class, the send time, the payload and its length. Return 0.
pub type lws_smd_notification_cb_t = Option<
    unsafe extern "C" fn(
        opaque: *mut c_void,
        _class: u32,
        timestamp: lws_usec_t,
        buf: *mut c_void,
        len: usize,
    ) -> c_int,
>;
/// A timer the caller owns (usually a member of its own struct), armed with
/// lws_sul_schedule and disarmed with lws_sul_cancel. Zero it before first use.
pub type lws_sorted_usec_list_t = lws_sorted_usec_list;
/// A retry and idle policy: delays between attempts, how many attempts, and when an idle
/// connection is pinged or dropped. See `struct lws_retry_bo`.
pub type lws_retry_bo_t = lws_retry_bo;
/// An element of an `lws_dll2` list, embedded in the caller's struct.
pub type lws_dll2_t = lws_dll2;
/// The head of an `lws_dll2` list: both ends and the element count.
pub type lws_dll2_owner_t = lws_dll2_owner;
/// `lws_dll2_foreach_safe()`'s visitor: nonzero stops the walk.
pub type lws_dll2_foreach_cb_t =
    Option<unsafe extern "C" fn(d: *mut lws_dll2, user: *mut c_void) -> c_int>;
/// See `struct lws_system_ops`.
pub type lws_system_ops_t = lws_system_ops;
/// See `struct lws_state_notify_link`.
pub type lws_state_notify_link_t = lws_state_notify_link;
/// See `struct lws_log_cx`.
pub type lws_log_cx_t = lws_log_cx;

/// Declared here so the prototypes before it can name it; its members follow further
/// down, with the rest of lws-system.h's declarations.
pub struct lws_system_ops {
    _opaque: [u8; 0],
}
pub struct lws_state_notify_link {
    _opaque: [u8; 0],
}
pub struct lws_log_cx {
    _opaque: [u8; 0],
}
pub struct lws_plugin_evlib {
    _opaque: [u8; 0],
}
pub struct lws_sequencer {
    _opaque: [u8; 0],
}

/// A descriptor and its wanted and previous poll events, for programs running their own
/// poll loop (the ADD/DEL/CHANGE_MODE_POLL_FD callback reasons).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_pollargs {
    /// The descriptor.
    pub fd: lws_sockfd_type,
    /// The poll events (POLLIN, POLLOUT) now wanted.
    pub events: c_int,
    /// The poll events wanted before this change.
    pub prev_events: c_int,
}

/// The link of a doubly linked list element, embedded in the caller's struct; the list
/// functions (lws_dll2_add_head, lws_dll2_remove...) only touch these three members. Zero it
/// (or lws_dll2_clear) before first use.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_dll2 {
    /// The element before this one, or NULL at the head.
    pub prev: *mut lws_dll2,
    /// The element after this one, or NULL at the tail.
    pub next: *mut lws_dll2,
    /// The list the element is on, or NULL when it is on none.
    pub owner: *mut lws_dll2_owner,
}

/// A doubly linked list: its first and last elements and how many it holds. Zero it (or
/// lws_dll2_owner_clear) before first use.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_dll2_owner {
    /// The last element, or NULL when the list is empty.
    pub tail: *mut lws_dll2,
    /// The first element, or NULL when the list is empty.
    pub head: *mut lws_dll2,
    /// How many elements the list holds.
    pub count: u32,
}

/// A timer owned by the caller; the library links it into the context's timer list while it
/// is armed, so it must not move or be freed until it fires or is cancelled.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_sorted_usec_list {
    /// Links the timer into the context's list of armed timers, in expiry order.
    pub list: lws_dll2,
    /// When the timer fires (lws_now_usecs time); 0 when not armed.
    pub us: lws_usec_t,
    /// Called when the timer fires, with this struct (find yours with lws_container_of).
    pub cb: sul_cb_t,
    /// How late the last firing was, for latency reports.
    pub latency_us: u32,
}

/// A retry and idle policy, used by clients (the connect info's `retry_and_idle_policy`) and
/// by lws_retry_sul_schedule. Kept by pointer: it must outlive its users.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_retry_bo {
    /// Delays in milliseconds before each retry; the last one repeats once the table runs out.
    pub retry_ms_table: *const u32,
    /// How many delays `retry_ms_table` holds.
    pub retry_ms_table_count: u16,
    /// How many retries happen before giving up.
    pub conceal_count: u16,
    /// Seconds without input after which an idle connection is sent a PING (0: never).
    pub secs_since_valid_ping: u16,
    /// Seconds without input after which an idle connection is closed (0: never).
    pub secs_since_valid_hangup: u16,
    /// Up to this percentage is added at random to each delay, so clients do not retry in step.
    pub jitter_percent: u8,
}

/// A WebSocket extension offered to or accepted from peers; a vhost's `extensions` is an
/// array of them ended by an entry with a NULL name. Only permessage-deflate (RFC 7692) is
/// supported, run by the library itself: a vhost listing any other is refused at creation.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_extension {
    /// The extension's name as negotiated (only "permessage-deflate" is supported; an array
    /// ends with a NULL name).
    pub name: *const c_char,
    /// The extension's implementation. This library runs permessage-deflate itself and never
    /// calls it; programs pass lws_extension_callback_pm_deflate, as for lws.
    pub callback: Option<
        unsafe extern "C" fn(
            context: *mut lws_context,
            ext: *const lws_extension,
            wsi: *mut lws,
            reason: lws_extension_callback_reasons,
            user: *mut c_void,
            r#in: *mut c_void,
            len: usize,
        ) -> c_int,
    >,
    /// What a client offers in Sec-WebSocket-Extensions for it (NULL: lws's default offer),
    /// e.g. "permessage-deflate; client_max_window_bits".
    pub client_offer: *const c_char,
}

/// One protocol a vhost speaks: its name (the WebSocket subprotocol, or just a label for
/// HTTP), its callback, and the sizes the library uses for its connections. A vhost is given
/// an array of them ended by an all-zero element; the array must outlive the vhost.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_protocols {
    /// The protocol's name: the subprotocol matched against a WebSocket client's
    /// Sec-WebSocket-Protocol, and what lws_vhost_name_to_protocol looks for. The first protocol
    /// of the array also gets the HTTP requests no mount claims.
    pub name: *const c_char,
    /// Called for every event on the protocol's connections (see `enum lws_callback_reasons`):
    /// the connection, the reason, its per-session data, and the reason's `in` and `len`.
    /// Returns 0 to carry on, non-zero to close the connection (or to refuse, for filters).
    pub callback: Option<
        unsafe extern "C" fn(
            wsi: *mut lws,
            reason: lws_callback_reasons,
            user: *mut c_void,
            r#in: *mut c_void,
            len: usize,
        ) -> c_int,
    >,
    /// Bytes of zeroed per-connection state the library allocates when a connection binds to
    /// the protocol and frees when it closes; the callback's `user` argument points to it.
    pub per_session_data_size: usize,
    /// The largest piece of a received message given to one RECEIVE callback; bigger frames
    /// come in several calls (lws_remaining_packet_payload). 0: the library's default.
    pub rx_buffer_size: usize,
    /// A number for the application's own use (e.g. a protocol version); never looked at.
    pub id: c_uint,
    /// A pointer for the application's own use; never looked at.
    pub user: *mut c_void,
    /// The largest frame lws_write sends at once (0: no limit beyond the buffers).
    pub tx_packet_size: usize,
}

/// What lws_create_context (and lws_create_vhost, for the vhost members) is asked to build.
/// Zero the whole struct first (memset) and set what you need: every member left 0 means
/// the default. Pointers in it must stay valid for the life of the context, except the
/// struct itself, which is read during the call only. Members asking for something this
/// build lacks make creation fail with an error naming them (src/core/options.rs), where
/// lws would sometimes run without; members of features lws's default build lacks are kept
/// for the layout and ignored.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_context_creation_info {
    /// The interface name or address to listen on (NULL: all); for a vhost.
    pub iface: *const c_char,
    /// The vhost's protocols, an array ended by an all-zero element.
    pub protocols: *const lws_protocols,
    /// WebSocket extensions to offer (client) and accept (server), ended by an entry with a
    /// NULL name; NULL for none. Only permessage-deflate is supported: others are refused.
    pub extensions: *const lws_extension,
    /// Per-header size limits for the vhost's requests. Not acted on yet: the limit is on the
    /// whole request head (`max_http_header_data`).
    pub token_limits: *const lws_token_limits,
    /// An HTTP proxy the vhost's client connections go through, as lws_set_proxy() reads it
    /// (`[user:password@]host[:port]`); when NULL, the `http_proxy` environment variable is
    /// read instead, as lws does. An address that cannot be used fails the vhost.
    pub http_proxy_address: *const c_char,
    /// Extra headers (name/value list) added to every HTTP answer of the vhost.
    pub headers: *const lws_protocol_vhost_options,
    /// Name/value pairs: a request whose User-Agent contains a name is answered with the value
    /// as its status. Not acted on yet.
    pub reject_service_keywords: *const lws_protocol_vhost_options,
    /// Per-vhost options handed to the protocols (LWS_CALLBACK_PROTOCOL_INIT's `in`,
    /// lws_pvo_search).
    pub pvo: *const lws_protocol_vhost_options,
    /// A file the process's log goes to (lws opens it at context creation). Not acted on yet:
    /// use lws_set_log_level's emit function.
    pub log_filepath: *const c_char,
    /// The vhost's list of URL mounts (files, callbacks, redirects), chained by `mount_next`.
    pub mounts: *const lws_http_mount,
    /// The Server header value of HTTP answers (NULL: none is sent).
    pub server_string: *const c_char,
    /// A URL of the vhost served (with status 404) for requests that match nothing.
    pub error_document_404: *const c_char,
    /// The TCP port to listen on: 0 lets the kernel choose (see lws_get_vhost_listen_port),
    /// CONTEXT_PORT_NO_LISTEN for no listening socket (a client-only context).
    pub port: c_int,
    /// The port of `http_proxy_address`, used when the address has none.
    pub http_proxy_port: c_uint,
    /// The request head size limit, read when `max_http_header_data` (16-bit) is 0: for
    /// limits above 65535 bytes.
    pub max_http_header_data2: c_uint,
    /// How many connections may hold a request head at once, read when
    /// `max_http_header_pool` (16-bit) is 0: for counts above 65535.
    pub max_http_header_pool2: c_uint,
    /// Seconds an idle HTTP keep-alive connection is kept before it is closed (0: default).
    pub keepalive_timeout: c_int,
    /// The HTTP/2 SETTINGS the vhost's connections announce and enforce, indexed by `enum
    /// lws_h2_settings`, used when `[0]` is nonzero (a zero entry keeps the default): by its
    /// server connections (header table, concurrent streams, initial window, frame size,
    /// header list) and its HTTP/2 client connections (all but the concurrent streams).
    pub http2_settings: [u32; 7],
    /// Bytes kept for one request's headers (0: the default); a request whose head is larger
    /// is answered 431 (lws closes silently).
    pub max_http_header_data: c_ushort,
    /// How many connections may hold a request head at once; the others wait unread. 0:
    /// `max_http_header_pool2`, and when that is 0 too, no limit (lws sizes the pool to the
    /// descriptor limit, which comes to the same).
    pub max_http_header_pool: c_ushort,
    /// The password of an encrypted `ssl_private_key_filepath` (PKCS#8), or NULL.
    pub ssl_private_key_password: *const c_char,
    /// The vhost's TLS certificate (chain), a PEM or DER file. Setting it (or
    /// `server_ssl_cert_mem`) makes the vhost serve TLS only.
    pub ssl_cert_filepath: *const c_char,
    /// The private key of `ssl_cert_filepath`, a PEM or DER file (RSA, ECDSA or Ed25519).
    pub ssl_private_key_filepath: *const c_char,
    /// CA certificates that client certificates are checked against (with
    /// LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT).
    pub ssl_ca_filepath: *const c_char,
    /// OpenSSL's TLS 1.2 cipher list. There is no OpenSSL here: logged once and ignored
    /// (rustls's safe defaults are used).
    pub ssl_cipher_list: *const c_char,
    /// OpenSSL's ECDH curve name. Logged once and ignored (rustls chooses among its safe
    /// groups).
    pub ecdh_curve: *const c_char,
    /// OpenSSL's TLS 1.3 cipher suites. Logged once and ignored (rustls's defaults).
    pub tls1_3_plus_cipher_list: *const c_char,
    /// The vhost's certificate in memory (PEM or DER) instead of `ssl_cert_filepath`;
    /// `server_ssl_cert_mem_len` bytes.
    pub server_ssl_cert_mem: *const c_void,
    /// The certificate's private key in memory instead of `ssl_private_key_filepath`;
    /// `server_ssl_private_key_mem_len` bytes.
    pub server_ssl_private_key_mem: *const c_void,
    /// Client-certificate CAs in memory instead of `ssl_ca_filepath`; `server_ssl_ca_mem_len`
    /// bytes.
    pub server_ssl_ca_mem: *const c_void,
    /// OpenSSL SSL_OP_* bits to set on the server context. Logged once and ignored.
    pub ssl_options_set: c_long,
    /// OpenSSL SSL_OP_* bits to clear on the server context. Logged once and ignored.
    pub ssl_options_clear: c_long,
    /// The most TLS connections open at once (0: no limit). Not acted on yet.
    pub simultaneous_ssl_restriction: c_int,
    /// The most TLS handshakes under way at once (0: no limit). Not acted on yet.
    pub simultaneous_ssl_handshake_restriction: c_int,
    /// OpenSSL info-callback events to report as LWS_CALLBACK_SSL_INFO. Not acted on: no such
    /// callback is made.
    pub ssl_info_event_mask: c_int,
    /// Bytes at `server_ssl_cert_mem`.
    pub server_ssl_cert_mem_len: c_uint,
    /// Bytes at `server_ssl_private_key_mem`.
    pub server_ssl_private_key_mem_len: c_uint,
    /// Bytes at `server_ssl_ca_mem`.
    pub server_ssl_ca_mem_len: c_uint,
    /// The ALPN protocols the vhost offers, comma-separated (NULL: the context's, else lws's
    /// "h2,http/1.1"): its TLS listener's list, and what its TLS clients offer when their
    /// connect info names none (without "h2" for a WebSocket client, which speaks
    /// HTTP/1.1 only).
    pub alpn: *const c_char,
    /// The password of an encrypted `client_ssl_private_key_filepath`.
    pub client_ssl_private_key_password: *const c_char,
    /// A certificate the vhost's TLS client connections present to servers that ask for one.
    pub client_ssl_cert_filepath: *const c_char,
    /// The client certificate in memory instead of `client_ssl_cert_filepath`;
    /// `client_ssl_cert_mem_len` bytes.
    pub client_ssl_cert_mem: *const c_void,
    /// Bytes at `client_ssl_cert_mem`.
    pub client_ssl_cert_mem_len: c_uint,
    /// The private key of the client certificate.
    pub client_ssl_private_key_filepath: *const c_char,
    /// The client certificate's key in memory; `client_ssl_key_mem_len` bytes.
    pub client_ssl_key_mem: *const c_void,
    /// CA certificates the vhost's TLS clients trust (instead of the system's store).
    pub client_ssl_ca_filepath: *const c_char,
    /// Trusted CAs in memory instead of `client_ssl_ca_filepath`; `client_ssl_ca_mem_len`
    /// bytes.
    pub client_ssl_ca_mem: *const c_void,
    /// OpenSSL's TLS 1.2 cipher list for clients. Logged once and ignored.
    pub client_ssl_cipher_list: *const c_char,
    /// OpenSSL's TLS 1.3 cipher suites for clients. Logged once and ignored.
    pub client_tls_1_3_plus_cipher_list: *const c_char,
    /// OpenSSL SSL_OP_* bits to set on the client context. Logged once and ignored.
    pub ssl_client_options_set: c_long,
    /// OpenSSL SSL_OP_* bits to clear on the client context. Logged once and ignored.
    pub ssl_client_options_clear: c_long,
    /// Bytes at `client_ssl_ca_mem`.
    pub client_ssl_ca_mem_len: c_uint,
    /// Bytes at `client_ssl_key_mem`.
    pub client_ssl_key_mem_len: c_uint,
    /// An OpenSSL SSL_CTX for the vhost's clients, made by the program. There is no OpenSSL
    /// here: refused.
    pub provided_client_ssl_ctx: *mut SSL_CTX,
    /// Seconds of idleness before TCP keepalive probes start (0: no TCP keepalive). Not acted
    /// on yet.
    pub ka_time: c_int,
    /// How many TCP keepalive probes are sent before giving up. Not acted on yet.
    pub ka_probes: c_int,
    /// Seconds between TCP keepalive probes. Not acted on yet.
    pub ka_interval: c_int,
    /// Seconds allowed for the steps that have a timeout (handshakes, waiting for a request...).
    pub timeout_secs: c_uint,
    /// Seconds a client's TCP connect may take (0: `timeout_secs`). Not acted on yet:
    /// `timeout_secs` applies.
    pub connect_timeout_secs: c_uint,
    /// Bind listening sockets to the `iface` device (SO_BINDTODEVICE) rather than to its
    /// address. Not acted on yet.
    pub bind_iface: c_int,
    /// Seconds a connection may take to send its request head (0: 10).
    pub timeout_secs_ah_idle: c_uint,
    /// Seconds a cached TLS client session stays usable. Not acted on yet (rustls's own
    /// lifetime).
    pub tls_session_timeout: u32,
    /// How many TLS client sessions are cached per vhost (0: rustls's default).
    pub tls_session_cache_max: u32,
    /// The group id to switch to after the listening sockets are open (0 or -1: stay). Not
    /// acted on yet.
    pub gid: libc::gid_t,
    /// The user id to switch to after the listening sockets are open (0 or -1: stay). Not acted
    /// on yet.
    pub uid: libc::uid_t,
    /// LWS_SERVER_OPTION_* bits for the context and the vhost.
    pub options: u64,
    /// A pointer for the application, returned by lws_context_user (for the context) and
    /// lws_get_vhost_user (for the vhost).
    pub user: *mut c_void,
    /// Service threads (0 or 1 here: this build has one; more is refused at creation).
    pub count_threads: c_uint,
    /// How many descriptors the service loop watches at most (0: the process's RLIMIT_NOFILE);
    /// beyond it, accepting pauses.
    pub fd_limit_per_thread: c_uint,
    /// The vhost's name, matched against the Host header when several vhosts share a port.
    pub vhost_name: *const c_char,
    /// A pointer freed with free() when the context is destroyed. Not acted on yet.
    pub external_baggage_free_on_destroy: *mut c_void,
    /// Size of the buffer connections are read into and files served from (0: the default).
    pub pt_serv_buf_size: c_uint,
    /// A custom file-operations table for the context. Not implemented yet: refused at context
    /// creation.
    pub fops: *const lws_plat_file_ops,
    /// Linux capabilities to keep after dropping privileges. Not acted on yet.
    pub caps: [cap_value_t; 4],
    /// How many entries `caps` has.
    pub count_caps: c_char,
    /// Event loops of an event library to run on: with LWS_SERVER_OPTION_LIBUV, the
    /// program's `uv_loop_t *` (one entry, thread 0), which the program runs. Other event
    /// libraries are refused at context creation.
    pub foreign_loops: *mut *mut c_void,
    /// With LWS_SERVER_OPTION_LIBUV and no `foreign_loops` (a loop of the context's own):
    /// called with the `uv_signal_t *` and the signal number for SIGINT, SIGTERM and
    /// SIGHUP; without it such a signal destroys the context. Not used otherwise.
    pub signal_cb: Option<unsafe extern "C" fn(*mut c_void, c_int)>,
    /// If not NULL, set to the new context before any callback runs, so callbacks during
    /// creation can use it. Not acted on yet.
    pub pcontext: *mut *mut lws_context,
    /// Called when the vhost is destroyed, with `finalize_arg`.
    pub finalize: Option<unsafe extern "C" fn(*mut lws_vhost, *mut c_void)>,
    /// The argument `finalize` is called with.
    pub finalize_arg: *mut c_void,
    /// The role connections accepted by the vhost take with
    /// LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG: only "raw-skt" is supported (others
    /// are refused).
    pub listen_accept_role: *const c_char,
    /// The protocol (by name) those connections are bound to.
    pub listen_accept_protocol: *const c_char,
    /// The vhost's protocols as a NULL-terminated array of pointers, used when `protocols` is
    /// NULL.
    pub pprotocols: *mut *const lws_protocols,
    /// A user name to switch to after opening the listeners (instead of `uid`). Not acted on
    /// yet.
    pub username: *const c_char,
    /// A group name to switch to after opening the listeners (instead of `gid`). Not acted on
    /// yet.
    pub groupname: *const c_char,
    /// "user:group" to own a unix domain listening socket. Unix sockets are not implemented
    /// yet.
    pub unix_socket_perms: *const c_char,
    /// Callbacks the library can use for system services (time, reboot...); see lws_system_get_ops.
    pub system_ops: *const lws_system_ops_t,
    /// The default retry and idle policy of the vhost's connections. Not acted on yet: only a
    /// client connection's own policy (its connect info's) is used, and server connections
    /// are not pinged when idle.
    pub retry_and_idle_policy: *const lws_retry_bo_t,
    /// A NULL-terminated array of state notifiers registered on the system state manager
    /// before the context starts, so they see every state from the first.
    pub register_notifier_list: *const *mut lws_state_notify_link_t,
    /// Raise the process's open-file limit to this at context creation (0: leave it). Not acted
    /// on yet.
    pub rlimit_nofile: c_int,
    /// A system-message peer registered as the context is made, so it also gets the messages
    /// sent during creation; `early_smd_opaque` and `early_smd_class_filter` go with it.
    pub early_smd_cb: lws_smd_notification_cb_t,
    /// The `opaque` the `early_smd_cb` peer is called with.
    pub early_smd_opaque: *mut c_void,
    /// The LWSSMDCL_* classes the `early_smd_cb` peer wants.
    pub early_smd_class_filter: lws_smd_class_t,
    /// How long a queued system message may wait for slow peers before it is dropped (0: default).
    pub smd_ttl_us: lws_usec_t,
    /// How many system messages may be queued at once (0: the default).
    pub smd_queue_depth: u16,
    /// The TCP Fast Open queue length for listeners (0: off). Not acted on yet.
    pub fo_listen_queue: c_int,
    /// The program's own event library (an `lws_plugin_evlib_t` whose `ops` is a
    /// `struct lws_event_loop_ops`): every descriptor to watch, change and close goes
    /// through its ops, its loop object is `foreign_loops[0]`, and the program serves
    /// ready descriptors with lws_service_fd. Refused with LWS_SERVER_OPTION_LIBUV.
    pub event_lib_custom: *const lws_plugin_evlib,
    /// The log context lws sends the context's own lines to. Not kept by this library yet:
    /// every object logs through the process-wide log context (src/capi/logcx.rs).
    pub log_cx: *mut lws_log_cx_t,
    /// A Netscape cookie-jar file for the client cookie cache. Client cookies are not
    /// implemented yet (LCCSCF_CACHE_COOKIES is refused).
    pub http_nsc_filepath: *const c_char,
    /// Byte limit of the in-memory client cookie cache. Not acted on yet.
    pub http_nsc_heap_max_footprint: usize,
    /// Item limit of the in-memory client cookie cache. Not acted on yet.
    pub http_nsc_heap_max_items: usize,
    /// Per-item size limit of the in-memory client cookie cache. Not acted on yet.
    pub http_nsc_heap_max_payload: usize,
    /// Padding lws keeps for future members: leave it zero.
    pub _unused: [*mut c_void; 2],
}

/// Per-header size limits (indexed by `enum lws_token_indexes`) for a vhost's requests.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_token_limits {
    /// The most bytes kept for each header, indexed by `enum lws_token_indexes`. Not acted on
    /// yet: the whole request head is limited instead (`max_http_header_data`).
    pub token_limit: [c_ushort; 96],
}

/// A name/value pair in a singly linked list (per-vhost options, extra headers, MIME types
/// of a mount...); `options` can hold a nested list.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_protocol_vhost_options {
    /// The next pair of the list, or NULL.
    pub next: *const lws_protocol_vhost_options,
    /// A nested list belonging to this entry (a protocol's own options, in a pvo list), or
    /// NULL.
    pub options: *const lws_protocol_vhost_options,
    /// The entry's name (a protocol name, a header name with its colon, a file suffix...).
    pub name: *const c_char,
    /// The entry's value.
    pub value: *const c_char,
}

/// One URL mount of a vhost: requests whose path starts with `mountpoint` are served from
/// `origin` as `origin_protocol` says (a directory, a callback protocol, a redirect). Mounts
/// are chained by `mount_next`; the longest matching mountpoint wins.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_http_mount {
    /// The next mount of the vhost, or NULL.
    pub mount_next: *const lws_http_mount,
    /// The URL prefix served, e.g. "/" or "/files".
    pub mountpoint: *const c_char,
    /// Where it is served from: a directory for file mounts, a protocol name for callback
    /// mounts, a URL for redirects.
    pub origin: *const c_char,
    /// The file served for the mountpoint itself (e.g. "index.html").
    pub def: *const c_char,
    /// The protocol whose callback gets this mount's dynamic requests (NULL: the vhost's first).
    pub protocol: *const c_char,
    /// Environment variables for a CGI mount. CGI is not implemented yet: unused.
    pub cgienv: *const lws_protocol_vhost_options,
    /// Extra file-suffix to MIME type pairs (e.g. ".zip" -> "application/zip") for this mount.
    pub extra_mimetypes: *const lws_protocol_vhost_options,
    /// File suffixes whose content a protocol rewrites as it is served. Not acted on yet.
    pub interpret: *const lws_protocol_vhost_options,
    /// Seconds a CGI program may run. CGI is not implemented yet: unused.
    pub cgi_timeout: c_int,
    /// Seconds answers may be cached (sent in Cache-Control when `cache_reusable` is set).
    pub cache_max_age: c_int,
    /// Bits the user must have (LWS_CALLBACK_CHECK_ACCESS_RIGHTS), 0 for none.
    pub auth_mask: c_uint,
    /// C: `unsigned int cache_reusable:1, cache_revalidate:1, cache_intermediaries:1` (bits 0..2)
    pub cache_bits: c_uchar,
    /// What `origin` is: LWSMPRO_FILE, LWSMPRO_CALLBACK, LWSMPRO_REDIR_HTTP(S), ...
    pub origin_protocol: c_uchar,
    /// strlen(mountpoint): must be set.
    pub mountpoint_len: c_uchar,
    /// A file of "user:password" lines that protects the mount with HTTP basic auth. A login
    /// must match a whole line (lws accepts a line that ends with it).
    pub basic_auth_login_file: *const c_char,
}

/// What lws_client_connect_via_info is asked to connect to, and how. Zero it first; the
/// struct is read during the call only, the strings must stay valid until the connection
/// is established or has failed.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_client_connect_info {
    /// The context the connection belongs to (required).
    pub context: *mut lws_context,
    /// The host name or address to connect to.
    pub address: *const c_char,
    /// The TCP port to connect to.
    pub port: c_int,
    /// LCCSCF_* flags; LCCSCF_USE_SSL asks for TLS. A build that cannot do what a flag asks
    /// refuses the connection rather than, say, connecting in the clear.
    pub ssl_connection: c_int,
    /// The URI path to request, e.g. "/" or "/chat?room=1".
    pub path: *const c_char,
    /// The Host header value (NULL: `address`).
    pub host: *const c_char,
    /// The Origin header value (NULL: none sent).
    pub origin: *const c_char,
    /// The WebSocket subprotocol(s) to ask for (comma-separated); NULL for none.
    pub protocol: *const c_char,
    /// The WebSocket version (-1: the latest, 13).
    pub ietf_version_or_minus_one: c_int,
    /// Per-session data to use instead of an allocated block (NULL: allocate the protocol's
    /// `per_session_data_size`).
    pub userdata: *mut c_void,
    /// WebSocket extensions to offer (lws 4.3 reads the vhost's `extensions` instead, and so
    /// does this library).
    pub client_exts: *const c_void,
    /// An HTTP method (e.g. "GET", "POST") for a plain HTTP client connection; NULL for a
    /// WebSocket.
    pub method: *const c_char,
    /// A connection this one is a child of (closed with it). Not implemented yet: refused.
    pub parent_wsi: *mut lws,
    /// With `uri_replace_to`: a prefix of URLs in HTML answers to rewrite (lws's proxy). Not
    /// acted on.
    pub uri_replace_from: *const c_char,
    /// The replacement of `uri_replace_from`. Not acted on.
    pub uri_replace_to: *const c_char,
    /// The vhost whose protocols the connection uses (NULL: the context's first).
    pub vhost: *mut lws_vhost,
    /// If not NULL, set to the new connection before any callback runs, and back to NULL if the
    /// connection fails, so the program never holds a dangling pointer.
    pub pwsi: *mut *mut lws,
    /// The local interface or address to connect from. Not acted on yet.
    pub iface: *const c_char,
    /// The name of the vhost protocol whose callback gets this connection's events (NULL: the
    /// vhost's first protocol).
    pub local_protocol_name: *const c_char,
    /// The ALPN protocols to offer on a TLS connection, comma-separated (NULL: the vhost's
    /// `alpn`, else the context's, else lws's "h2,http/1.1" for an HTTP client, which then
    /// speaks HTTP/2 when the server picks it, and "http/1.1" for a WebSocket client).
    pub alpn: *const c_char,
    /// A sequencer to notify of the connection's events. Sequencers are not implemented:
    /// refused.
    pub seq: *mut lws_sequencer,
    /// Stored on the connection for lws_get_opaque_user_data.
    pub opaque_user_data: *mut c_void,
    /// Retry and idle policy of this connection: an idle one is pinged and then closed after
    /// its seconds (NULL: none; lws would fall back to the vhost's, which is not used here).
    pub retry_and_idle_policy: *const lws_retry_bo_t,
    /// HTTP/2 client with LCCSCF_H2_MANUAL_RXFLOW: the window granted to the server on
    /// the stream beyond the initial one; the program grants more with lws_wsi_tx_credit.
    pub manual_initial_tx_credit: c_int,
    /// Which of lws_system's stored client certificates to use (0: none). Not acted on.
    pub sys_tls_client_cert: u8,
    /// The socket priority (SO_PRIORITY) of the connection. Not acted on yet.
    pub priority: u8,
    /// MQTT connect parameters. MQTT is not implemented: refused.
    pub mqtt_cp: *mut c_void,
    /// The connection's name for lws's fault injection. Not acted on.
    pub fi_wsi_name: *const c_char,
    /// Seconds an idle client connection is kept for reuse after its transaction (0: lws's
    /// default). Not acted on yet.
    pub keep_warm_secs: u16,
    /// The log context the connection logs through. Not acted on yet: the process-wide one is
    /// used.
    pub log_cx: *mut lws_log_cx_t,
    /// Padding lws keeps for future members: leave it zero.
    pub _unused: [*mut c_void; 4],
}

/// A header value as given to LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: pointer and length.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_tokens {
    /// The value's bytes (not NUL-terminated).
    pub token: *mut c_uchar,
    /// The value's length.
    pub len: c_int,
}

/// What LWS_CALLBACK_ADD_HEADERS (and lws's HTML processing) hands the callback: where to
/// append header lines and how much room there is.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_process_html_args {
    /// Where to write: the callback appends its header lines here and advances it.
    pub p: *mut c_char,
    /// Bytes already in the buffer.
    pub len: c_int,
    /// How many bytes may be written at `p`.
    pub max_len: c_int,
    /// Whether this is the last piece (HTML processing).
    pub r#final: c_int,
    /// Whether the answer is chunked (HTML processing).
    pub chunked: c_int,
}

/// lws's chunk allocator (lws-lwsac.h): a list of chunks that lwsac_use and friends
/// allocate from and lwsac_free frees at once; opaque, used only through the lwsac_*
/// functions.
pub struct lwsac {
    _opaque: [u8; 0],
}

/// lwsac_cached_file's handle: the start of the file's contents in an lwsac.
pub type lwsac_cached_file_t = *mut c_uchar;

/// lws_list_ptr (lws-lwsac.h): a pointer to the next element's own lws_list_ptr member.
pub type lws_list_ptr = *mut c_void;
/// Orders two list members for `lws_list_ptr_insert` (<= 0: `a` goes before `b`).
pub type lws_list_ptr_sort_func_t =
    Option<unsafe extern "C" fn(a: lws_list_ptr, b: lws_list_ptr) -> c_int>;

/// lws's `lws_sockaddr46` (lws-adopt.h) as lws 4.3.10's default build has it: IPv6 is
/// off there, so the union holds only an IPv4 address (16 bytes).  Programs built against
/// that header allocate 16 bytes; writing an IPv6 address into them would overrun, so this
/// library keeps the same layout and treats IPv6 as lws's default build does (refused).
/// Declared by hand in the header (lws's is an untagged union typedef), so cbindgen.toml
/// excludes it.
#[repr(C)]
#[derive(Clone, Copy)]
pub union lws_sockaddr46 {
    pub sa4: libc::sockaddr_in,
}

/// Receives file parts from `lws_spa_process` (lws-spa.h).
pub type lws_spa_fileupload_cb = Option<
    unsafe extern "C" fn(
        data: *mut c_void,
        name: *const c_char,
        filename: *const c_char,
        buf: *mut c_char,
        len: c_int,
        state: super::consts::lws_spa_fileupload_states,
    ) -> c_int,
>;

/// `lws_spa_create_via_info`'s arguments.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_spa_create_info {
    /// The names of the form fields to keep (an array of `count_params` strings).
    pub param_names: *const *const c_char,
    /// How many `param_names` there are.
    pub count_params: c_int,
    /// Bytes kept for all the fields' values together; values beyond it are cut.
    pub max_storage: c_int,
    /// Called with the content of file parts (`enum lws_spa_fileupload_states`), or NULL to
    /// drop them.
    pub opt_cb: lws_spa_fileupload_cb,
    /// Passed to `opt_cb`.
    pub opt_data: *mut c_void,
    /// The distance between names when `param_names` points into an array of structs (0: an
    /// array of pointers).
    pub param_names_stride: usize,
    /// An lwsac to allocate the spa from (NULL: the heap).
    pub ac: *mut *mut lwsac,
    /// The chunk size of allocations from `ac` (0: its default).
    pub ac_chunk_size: usize,
}
/// See `struct lws_spa_create_info`.
pub type lws_spa_create_info_t = lws_spa_create_info;

/// lws-adopt.h's descriptor: a socket or a file descriptor (both ints on this
/// platform).  Its C definition is hand-written in cbindgen.toml, as cbindgen's tag
/// style cannot write lws's anonymous typedef'd union.
#[repr(C)]
#[derive(Clone, Copy)]
pub union lws_sock_file_fd_type {
    pub sockfd: c_int,
    pub filefd: c_int,
}

/// `lws_adopt_descriptor_vhost_via_info`'s arguments.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_adopt_desc {
    /// The vhost the descriptor is adopted into.
    pub vh: *mut crate::core::lws_vhost,
    /// What the descriptor is (LWS_ADOPT_* of `enum lws_adoption_type`).
    pub r#type: lws_adoption_type_flags,
    /// The descriptor: `fd.sockfd` for a socket, `fd.filefd` for a file.
    pub fd: lws_sock_file_fd_type,
    /// The vhost protocol (by name) to bind the connection to, or NULL for the vhost's default.
    pub vh_prot_name: *const c_char,
    /// A connection the new one is a child of, or NULL.
    pub parent: *mut crate::core::lws,
    /// Stored on the connection for lws_get_opaque_user_data.
    pub opaque: *mut c_void,
    /// The connection's name for lws's fault injection. Not acted on.
    pub fi_wsi_name: *const c_char,
}
pub type lws_adopt_desc_t = lws_adopt_desc;
