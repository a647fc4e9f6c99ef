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
        (
            !info.foreign_loops.is_null()
                && o & LWS_SERVER_OPTION_LIBUV == 0
                && info.event_lib_custom.is_null(),
            "foreign_loops of an event library other than libuv",
        ),
        (
            !info.event_lib_custom.is_null() && o & LWS_SERVER_OPTION_LIBUV != 0,
            "event_lib_custom together with LWS_SERVER_OPTION_LIBUV",
        ),
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
            !info.provided_client_ssl_ctx.is_null(),
            "provided_client_ssl_ctx (TLS)",
        ),
        (
            unknown_extension(info.extensions),
            "an extension other than permessage-deflate",
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
            vhost_ssl_ctx_without_cert(info),
            "LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX on a listening vhost without a \
             certificate (lws has the program put one into OpenSSL's SSL_CTX at \
             LOAD_EXTRA_SERVER_VERIFY_CERTS; there is no SSL_CTX here: give \
             ssl_cert_filepath or server_ssl_cert_mem)",
        ),
    ];
    rows.iter().find(|r| r.0).map(|r| r.1)
}

/// LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX makes lws give a listening vhost an OpenSSL
/// context with no certificate, for the program to fill in at
/// LOAD_EXTRA_SERVER_VERIFY_CERTS (its `user` is that SSL_CTX).  Here that callback's
/// `user` is NULL, so such a listener could never finish a handshake, and without TLS
/// it would serve in clear text what the program meant to encrypt: refused.  With a
/// certificate the option is what lws implies anyway (the vhost is TLS), and on a
/// vhost that does not listen lws makes no TLS context from it either: both accepted.
fn vhost_ssl_ctx_without_cert(info: &lws_context_creation_info) -> bool {
    info.options & LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX != 0
        && info.port >= 0
        && !set_str(info.ssl_cert_filepath)
        && (info.server_ssl_cert_mem.is_null() || info.server_ssl_cert_mem_len == 0)
}

fn role_is_raw(p: *const c_char) -> bool {
    // SAFETY: NULL or NUL-terminated, per lws's contract.
    (unsafe { crate::misc::cstr(p) }) == Some(b"raw-skt")
}

/// The entries of an `extensions` array (lws's contract: NULL, or entries up to one
/// whose name is NULL).
fn extension_entries(mut e: *const lws_extension) -> Vec<(Vec<u8>, *const c_char)> {
    let mut out = Vec::new();
    while !e.is_null() {
        // SAFETY: lws's contract for the array, above.
        let x = unsafe { &*e };
        if x.name.is_null() {
            break;
        }
        // SAFETY: a NUL-terminated name from the caller.
        let name = unsafe { core::ffi::CStr::from_ptr(x.name) }
            .to_bytes()
            .to_vec();
        out.push((name, x.client_offer));
        // SAFETY: not the terminator, so the next entry exists.
        e = unsafe { e.add(1) };
    }
    out
}

/// An extension this build cannot run (named in the log); permessage-deflate is run by
/// the ws role itself.
fn unknown_extension(e: *const lws_extension) -> bool {
    match extension_entries(e)
        .into_iter()
        .find(|(n, _)| n != crate::ws::deflate::NAME.as_bytes())
    {
        Some((n, _)) => {
            lwsl_err!(
                "extension \"{}\" is not supported",
                String::from_utf8_lossy(&n)
            );
            true
        }
        None => false,
    }
}

/// The `client_offer` of permessage-deflate when `e` lists it (lws's default offer when
/// the entry has none).
pub(crate) fn pmd_offer(e: *const lws_extension) -> Option<String> {
    let (_, offer) = extension_entries(e)
        .into_iter()
        .find(|(n, _)| n == crate::ws::deflate::NAME.as_bytes())?;
    if offer.is_null() {
        return Some(crate::ws::deflate::DEFAULT_CLIENT_OFFER.to_string());
    }
    // SAFETY: a NUL-terminated string from the caller.
    let o = unsafe { core::ffi::CStr::from_ptr(offer) };
    Some(String::from_utf8_lossy(o.to_bytes()).into_owned())
}

/// The flags and members of a client connect info.
pub(crate) fn refuse_client(i: &lws_client_connect_info) -> Option<&'static str> {
    let rows: &[(bool, &'static str)] = &[
        (!i.parent_wsi.is_null(), "parent_wsi"),
        (!i.seq.is_null(), "seq (sequencers)"),
        (!i.mqtt_cp.is_null(), "mqtt_cp (MQTT)"),
    ];
    rows.iter().find(|r| r.0).map(|r| r.1)
}

/// How many service threads a context gets: `count_threads` (0 means 1), at most
/// `smp::MAX_THREADS`, and one on an event library's loop (libuv, `event_lib_custom`),
/// which this build drives from one thread.  lws built as its default (LWS_MAX_SMP 1)
/// cuts every context to one thread; programs written for that ask
/// `lws_get_count_threads` how many to start (lws's foreign-libuv SMP example does).
pub(crate) fn count_threads(info: &lws_context_creation_info) -> usize {
    let n = (info.count_threads as usize).max(1);
    if n > 1 && (info.options & LWS_SERVER_OPTION_LIBUV != 0 || !info.event_lib_custom.is_null()) {
        lwsl_warn!(
            "lws_create_context: count_threads {} cut to 1: an event library's loop is \
             served by one thread",
            n
        );
        return 1;
    }
    if n > crate::core::smp::MAX_THREADS {
        lwsl_warn!(
            "lws_create_context: count_threads {} cut to {}",
            n,
            crate::core::smp::MAX_THREADS
        );
        return crate::core::smp::MAX_THREADS;
    }
    n
}
