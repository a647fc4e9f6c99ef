//! The C structs of lws v4.3 with their exact member names, order and widths (default
//! Linux x86_64 build).  Members for features this library does not implement yet are
//! present and ignored, so a program compiled against lws's own headers sees one layout.
//! `capi-tests/abi` asserts every offset against abi/lws-4.3-layout.tsv.
#![allow(non_camel_case_types)]
use super::consts::{lws_callback_reasons, lws_extension_callback_reasons};
use super::vfs::lws_plat_file_ops;
use crate::core::{lws, lws_context, lws_vhost};
use core::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_ushort, c_void};

/// `info.port` values: no listening socket at all / none for this vhost.
pub const CONTEXT_PORT_NO_LISTEN: c_int = -1;
pub const CONTEXT_PORT_NO_LISTEN_SERVER: c_int = -2;

pub type lws_usec_t = i64;
pub type lws_fileofs_t = core::ffi::c_longlong;
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
pub type lws_smd_class_t = u32;
/// OpenSSL's context type, opaque here (TLS is not built in yet); declared in the header
/// as `typedef struct ssl_ctx_st SSL_CTX`, which is compatible with OpenSSL's own.
pub type SSL_CTX = ssl_ctx_st;
pub struct ssl_ctx_st {
    _opaque: [u8; 0],
}
pub type lws_sockfd_type = c_int;
pub type lws_filefd_type = c_int;
pub type sul_cb_t = Option<unsafe extern "C" fn(sul: *mut lws_sorted_usec_list)>;
pub type lws_log_emit_t = Option<unsafe extern "C" fn(level: c_int, line: *const c_char)>;
pub type lws_smd_notification_cb_t = Option<
    unsafe extern "C" fn(
        opaque: *mut c_void,
        _class: u32,
        timestamp: lws_usec_t,
        buf: *mut c_void,
        len: usize,
    ) -> c_int,
>;
pub type lws_sorted_usec_list_t = lws_sorted_usec_list;
pub type lws_retry_bo_t = lws_retry_bo;
pub type lws_dll2_t = lws_dll2;
pub type lws_dll2_owner_t = lws_dll2_owner;
/// `lws_dll2_foreach_safe()`'s visitor: nonzero stops the walk.
pub type lws_dll2_foreach_cb_t =
    Option<unsafe extern "C" fn(d: *mut lws_dll2, user: *mut c_void) -> c_int>;
pub type lws_system_ops_t = lws_system_ops;
pub type lws_state_notify_link_t = lws_state_notify_link;
pub type lws_log_cx_t = lws_log_cx;

/// Opaque here: the features that fill these in are not implemented yet.
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

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_pollargs {
    pub fd: lws_sockfd_type,
    pub events: c_int,
    pub prev_events: c_int,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_dll2 {
    pub prev: *mut lws_dll2,
    pub next: *mut lws_dll2,
    pub owner: *mut lws_dll2_owner,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_dll2_owner {
    pub tail: *mut lws_dll2,
    pub head: *mut lws_dll2,
    pub count: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_sorted_usec_list {
    pub list: lws_dll2,
    pub us: lws_usec_t,
    pub cb: sul_cb_t,
    pub latency_us: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_retry_bo {
    pub retry_ms_table: *const u32,
    pub retry_ms_table_count: u16,
    pub conceal_count: u16,
    pub secs_since_valid_ping: u16,
    pub secs_since_valid_hangup: u16,
    pub jitter_percent: u8,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_extension {
    pub name: *const c_char,
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
    pub client_offer: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_protocols {
    pub name: *const c_char,
    pub callback: Option<
        unsafe extern "C" fn(
            wsi: *mut lws,
            reason: lws_callback_reasons,
            user: *mut c_void,
            r#in: *mut c_void,
            len: usize,
        ) -> c_int,
    >,
    pub per_session_data_size: usize,
    pub rx_buffer_size: usize,
    pub id: c_uint,
    pub user: *mut c_void,
    pub tx_packet_size: usize,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_context_creation_info {
    pub iface: *const c_char,
    pub protocols: *const lws_protocols,
    pub extensions: *const lws_extension,
    pub token_limits: *const lws_token_limits,
    pub http_proxy_address: *const c_char,
    pub headers: *const lws_protocol_vhost_options,
    pub reject_service_keywords: *const lws_protocol_vhost_options,
    pub pvo: *const lws_protocol_vhost_options,
    pub log_filepath: *const c_char,
    pub mounts: *const lws_http_mount,
    pub server_string: *const c_char,
    pub error_document_404: *const c_char,
    pub port: c_int,
    pub http_proxy_port: c_uint,
    pub max_http_header_data2: c_uint,
    pub max_http_header_pool2: c_uint,
    pub keepalive_timeout: c_int,
    pub http2_settings: [u32; 7],
    pub max_http_header_data: c_ushort,
    pub max_http_header_pool: c_ushort,
    pub ssl_private_key_password: *const c_char,
    pub ssl_cert_filepath: *const c_char,
    pub ssl_private_key_filepath: *const c_char,
    pub ssl_ca_filepath: *const c_char,
    pub ssl_cipher_list: *const c_char,
    pub ecdh_curve: *const c_char,
    pub tls1_3_plus_cipher_list: *const c_char,
    pub server_ssl_cert_mem: *const c_void,
    pub server_ssl_private_key_mem: *const c_void,
    pub server_ssl_ca_mem: *const c_void,
    pub ssl_options_set: c_long,
    pub ssl_options_clear: c_long,
    pub simultaneous_ssl_restriction: c_int,
    pub simultaneous_ssl_handshake_restriction: c_int,
    pub ssl_info_event_mask: c_int,
    pub server_ssl_cert_mem_len: c_uint,
    pub server_ssl_private_key_mem_len: c_uint,
    pub server_ssl_ca_mem_len: c_uint,
    pub alpn: *const c_char,
    pub client_ssl_private_key_password: *const c_char,
    pub client_ssl_cert_filepath: *const c_char,
    pub client_ssl_cert_mem: *const c_void,
    pub client_ssl_cert_mem_len: c_uint,
    pub client_ssl_private_key_filepath: *const c_char,
    pub client_ssl_key_mem: *const c_void,
    pub client_ssl_ca_filepath: *const c_char,
    pub client_ssl_ca_mem: *const c_void,
    pub client_ssl_cipher_list: *const c_char,
    pub client_tls_1_3_plus_cipher_list: *const c_char,
    pub ssl_client_options_set: c_long,
    pub ssl_client_options_clear: c_long,
    pub client_ssl_ca_mem_len: c_uint,
    pub client_ssl_key_mem_len: c_uint,
    pub provided_client_ssl_ctx: *mut SSL_CTX,
    pub ka_time: c_int,
    pub ka_probes: c_int,
    pub ka_interval: c_int,
    pub timeout_secs: c_uint,
    pub connect_timeout_secs: c_uint,
    pub bind_iface: c_int,
    pub timeout_secs_ah_idle: c_uint,
    pub tls_session_timeout: u32,
    pub tls_session_cache_max: u32,
    pub gid: libc::gid_t,
    pub uid: libc::uid_t,
    pub options: u64,
    pub user: *mut c_void,
    pub count_threads: c_uint,
    pub fd_limit_per_thread: c_uint,
    pub vhost_name: *const c_char,
    pub external_baggage_free_on_destroy: *mut c_void,
    pub pt_serv_buf_size: c_uint,
    pub fops: *const lws_plat_file_ops,
    pub caps: [cap_value_t; 4],
    pub count_caps: c_char,
    pub foreign_loops: *mut *mut c_void,
    pub signal_cb: Option<unsafe extern "C" fn(*mut c_void, c_int)>,
    pub pcontext: *mut *mut lws_context,
    pub finalize: Option<unsafe extern "C" fn(*mut lws_vhost, *mut c_void)>,
    pub finalize_arg: *mut c_void,
    pub listen_accept_role: *const c_char,
    pub listen_accept_protocol: *const c_char,
    pub pprotocols: *mut *const lws_protocols,
    pub username: *const c_char,
    pub groupname: *const c_char,
    pub unix_socket_perms: *const c_char,
    pub system_ops: *const lws_system_ops_t,
    pub retry_and_idle_policy: *const lws_retry_bo_t,
    pub register_notifier_list: *const *mut lws_state_notify_link_t,
    pub rlimit_nofile: c_int,
    pub early_smd_cb: lws_smd_notification_cb_t,
    pub early_smd_opaque: *mut c_void,
    pub early_smd_class_filter: lws_smd_class_t,
    pub smd_ttl_us: lws_usec_t,
    pub smd_queue_depth: u16,
    pub fo_listen_queue: c_int,
    pub event_lib_custom: *const lws_plugin_evlib,
    pub log_cx: *mut lws_log_cx_t,
    pub http_nsc_filepath: *const c_char,
    pub http_nsc_heap_max_footprint: usize,
    pub http_nsc_heap_max_items: usize,
    pub http_nsc_heap_max_payload: usize,
    pub _unused: [*mut c_void; 2],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_token_limits {
    pub token_limit: [c_ushort; 96],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_protocol_vhost_options {
    pub next: *const lws_protocol_vhost_options,
    pub options: *const lws_protocol_vhost_options,
    pub name: *const c_char,
    pub value: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_http_mount {
    pub mount_next: *const lws_http_mount,
    pub mountpoint: *const c_char,
    pub origin: *const c_char,
    pub def: *const c_char,
    pub protocol: *const c_char,
    pub cgienv: *const lws_protocol_vhost_options,
    pub extra_mimetypes: *const lws_protocol_vhost_options,
    pub interpret: *const lws_protocol_vhost_options,
    pub cgi_timeout: c_int,
    pub cache_max_age: c_int,
    pub auth_mask: c_uint,
    /// C: `unsigned int cache_reusable:1, cache_revalidate:1, cache_intermediaries:1` (bits 0..2)
    pub cache_bits: c_uchar,
    pub origin_protocol: c_uchar,
    pub mountpoint_len: c_uchar,
    pub basic_auth_login_file: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_client_connect_info {
    pub context: *mut lws_context,
    pub address: *const c_char,
    pub port: c_int,
    pub ssl_connection: c_int,
    pub path: *const c_char,
    pub host: *const c_char,
    pub origin: *const c_char,
    pub protocol: *const c_char,
    pub ietf_version_or_minus_one: c_int,
    pub userdata: *mut c_void,
    pub client_exts: *const c_void,
    pub method: *const c_char,
    pub parent_wsi: *mut lws,
    pub uri_replace_from: *const c_char,
    pub uri_replace_to: *const c_char,
    pub vhost: *mut lws_vhost,
    pub pwsi: *mut *mut lws,
    pub iface: *const c_char,
    pub local_protocol_name: *const c_char,
    pub alpn: *const c_char,
    pub seq: *mut lws_sequencer,
    pub opaque_user_data: *mut c_void,
    pub retry_and_idle_policy: *const lws_retry_bo_t,
    pub manual_initial_tx_credit: c_int,
    pub sys_tls_client_cert: u8,
    pub priority: u8,
    pub mqtt_cp: *mut c_void,
    pub fi_wsi_name: *const c_char,
    pub keep_warm_secs: u16,
    pub log_cx: *mut lws_log_cx_t,
    pub _unused: [*mut c_void; 4],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_tokens {
    pub token: *mut c_uchar,
    pub len: c_int,
}

/// What LWS_CALLBACK_ADD_HEADERS (and lws's HTML processing) hands the callback: where to
/// append header lines and how much room there is.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_process_html_args {
    pub p: *mut c_char,
    pub len: c_int,
    pub max_len: c_int,
    pub r#final: c_int,
    pub chunked: c_int,
}

/// lws's chunk allocator (lws-lwsac.h): opaque to C, a chunk of it in
/// `crate::capi::lwsac`.
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
    pub param_names: *const *const c_char,
    pub count_params: c_int,
    pub max_storage: c_int,
    pub opt_cb: lws_spa_fileupload_cb,
    pub opt_data: *mut c_void,
    pub param_names_stride: usize,
    pub ac: *mut *mut lwsac,
    pub ac_chunk_size: usize,
}
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
    pub vh: *mut crate::core::lws_vhost,
    pub r#type: lws_adoption_type_flags,
    pub fd: lws_sock_file_fd_type,
    pub vh_prot_name: *const c_char,
    pub parent: *mut crate::core::lws,
    pub opaque: *mut c_void,
    pub fi_wsi_name: *const c_char,
}
pub type lws_adopt_desc_t = lws_adopt_desc;
