//! The option gate: a creation, vhost or connect info that asks for something this build
//! cannot do is refused when it is made, with a line naming what was asked, instead of
//! running without it.  Above all, a vhost configured for TLS must never serve plain text
//! and a client asked to use TLS must never connect in the clear.
//!
//! Each check is one row: what lws would read, and the name the error gives.  A feature
//! that lands removes its rows here.
use crate::abi::*;
use core::ffi::c_char;

fn set_str(p: *const c_char) -> bool {
    // SAFETY: lws's contract: NULL or a NUL-terminated string.
    !p.is_null() && unsafe { *p } != 0
}

/// The options of a creation info that a context (not a vhost) acts on.
pub(crate) fn refuse_context(info: &lws_context_creation_info) -> Option<&'static str> {
    let o = info.options;
    let rows: &[(bool, &'static str)] = &[
        (
            o & LWS_SERVER_OPTION_LIBUV != 0,
            "LWS_SERVER_OPTION_LIBUV (event library)",
        ),
        (
            o & LWS_SERVER_OPTION_LIBEV != 0,
            "LWS_SERVER_OPTION_LIBEV (event library)",
        ),
        (
            o & LWS_SERVER_OPTION_LIBEVENT != 0,
            "LWS_SERVER_OPTION_LIBEVENT (event library)",
        ),
        (
            o & LWS_SERVER_OPTION_GLIB != 0,
            "LWS_SERVER_OPTION_GLIB (event library)",
        ),
        (
            o & LWS_SERVER_OPTION_SDEVENT != 0,
            "LWS_SERVER_OPTION_SDEVENT (event library)",
        ),
        (
            o & LWS_SERVER_OPTION_ULOOP != 0,
            "LWS_SERVER_OPTION_ULOOP (event library)",
        ),
        (!info.foreign_loops.is_null(), "foreign_loops"),
        (!info.event_lib_custom.is_null(), "event_lib_custom"),
        (info.count_threads > 1, "count_threads > 1"),
        (
            o & LWS_SERVER_OPTION_SS_PROXY != 0,
            "LWS_SERVER_OPTION_SS_PROXY (secure streams)",
        ),
        (!info.fops.is_null(), "fops (custom file operations)"),
    ];
    rows.iter().find(|r| r.0).map(|r| r.1)
}

/// The options of a creation info that a vhost acts on.
pub(crate) fn refuse_vhost(info: &lws_context_creation_info) -> Option<&'static str> {
    let o = info.options;
    let rows: &[(bool, &'static str)] = &[
        (
            o & LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS
                == LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS,
            "LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS (TLS: a plain listener redirecting to https)",
        ),
        (
            o & LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT
                == LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT,
            "LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT (TLS: plain text on a TLS port)",
        ),
        (
            o & LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER != 0,
            "LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER (TLS: plain text on a TLS port)",
        ),
        (
            !info.provided_client_ssl_ctx.is_null(),
            "provided_client_ssl_ctx (TLS)",
        ),
        (
            has_extensions(info.extensions),
            "extensions (permessage-deflate and other ws extensions)",
        ),
        (
            o & LWS_SERVER_OPTION_FALLBACK_TO_RAW != 0,
            "LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG (raw role)",
        ),
        (
            set_str(info.listen_accept_role) && !role_is_raw(info.listen_accept_role),
            "listen_accept_role other than raw-skt",
        ),
        (
            o & LWS_SERVER_OPTION_UNIX_SOCK != 0,
            "LWS_SERVER_OPTION_UNIX_SOCK (unix domain sockets)",
        ),
        (
            o & LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE != 0,
            "LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE (HTTP/2)",
        ),
        (
            set_str(info.http_proxy_address),
            "http_proxy_address (client proxy)",
        ),
    ];
    rows.iter().find(|r| r.0).map(|r| r.1)
}

fn role_is_raw(p: *const c_char) -> bool {
    // SAFETY: NULL or NUL-terminated, per lws's contract.
    (unsafe { crate::misc::cstr(p) }) == Some(b"raw-skt")
}

fn has_extensions(e: *const lws_extension) -> bool {
    // SAFETY: lws's contract: NULL or an array ending with an entry whose name is NULL.
    !e.is_null() && !unsafe { (*e).name }.is_null()
}

/// The flags and members of a client connect info.
pub(crate) fn refuse_client(i: &lws_client_connect_info) -> Option<&'static str> {
    let f = i.ssl_connection;
    let rows: &[(bool, &'static str)] = &[
        (
            f & LCCSCF_H2_PRIOR_KNOWLEDGE as i32 != 0,
            "LCCSCF_H2_PRIOR_KNOWLEDGE (HTTP/2)",
        ),
        (
            f & LCCSCF_CACHE_COOKIES as i32 != 0,
            "LCCSCF_CACHE_COOKIES (HTTP client)",
        ),
        (!i.parent_wsi.is_null(), "parent_wsi"),
        (!i.seq.is_null(), "seq (sequencers)"),
        (!i.mqtt_cp.is_null(), "mqtt_cp (MQTT)"),
    ];
    rows.iter().find(|r| r.0).map(|r| r.1)
}
