//! lws-writeable.h: the "callback when writeable" group, the API this project grew from.
use crate::abi::*;
use crate::core::{cx, lws, lws_context, lws_vhost, wref};
use core::ffi::{c_int, c_void};
use core::ptr::null_mut;

/// Connections bound to `protocol` on `vh` (matched by address, or by name and callback
/// for a protocol struct from another vhost, as lws does).
fn conns(vh: *mut lws_vhost, protocol: *const lws_protocols) -> Vec<*mut lws> {
    match crate::core::protocol_index(vh, protocol) {
        Some(i) => crate::core::context::conns_of(vh, i),
        None => Vec::new(),
    }
}

/// Asks for one `LWS_CALLBACK_SERVER_WRITEABLE` (or `CLIENT_WRITEABLE`, `HTTP_WRITEABLE`) on
/// `wsi` as soon as its socket can take more data; several requests before it comes still
/// give one callback. A client still connecting gets it once established.
/// Returns 1 when the request is taken, 0 when the connection cannot write (closing, or in a
/// state with nothing to write), -1 for NULL.
/// Unlike lws, safe from any thread while `wsi` is alive: a call from a thread other than
/// the one serving the context is queued, the service thread is woken and makes the
/// request at once (returns 1; a connection closed meanwhile is skipped).
#[no_mangle]
pub unsafe extern "C" fn lws_callback_on_writable(wsi: *mut lws) -> c_int {
    entry!({
        need!(wsi);
        if crate::core::xthread::off_thread(wsi) {
            crate::core::xthread::post(wsi, crate::core::xthread::Req::Writeable);
            return 1;
        }
        crate::core::wsi::request_writeable(wsi)
    })
}

/// Asks for a writeable callback (as lws_callback_on_writable) on every connection of `vhost`
/// bound to `protocol`.
/// Returns 0, or -1 when an argument is NULL or `protocol` is not one of the vhost's protocols.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_on_writable_all_protocol_vhost(
    vhost: *const lws_vhost,
    protocol: *const lws_protocols,
) -> c_int {
    entry!({
        need!(vhost);
        need!(protocol);
        let vh = vhost as *mut lws_vhost;
        if crate::core::protocol_index(vh, protocol).is_none() {
            lwsl_err!(
                "lws_callback_on_writable_all_protocol_vhost: protocol is not from this vhost"
            );
            return -1;
        }
        for w in conns(vh, protocol) {
            crate::core::wsi::request_writeable(w);
        }
        0
    })
}

/// Asks for a writeable callback on every connection bound to `protocol` on every vhost of
/// `context` (a protocol of another vhost is matched by its name and callback, as in lws).
/// Returns 0 (also for a NULL context), -1 for a NULL protocol.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_on_writable_all_protocol(
    context: *const lws_context,
    protocol: *const lws_protocols,
) -> c_int {
    entry!({
        if context.is_null() {
            return 0;
        }
        need!(protocol);
        let vhosts = cx!(context as *mut lws_context).vhosts.clone();
        for vh in vhosts {
            for w in conns(vh, protocol) {
                crate::core::wsi::request_writeable(w);
            }
        }
        0
    })
}

/// Calls `reason` now on each connection bound to `protocol` on `vh` (every connection
/// of the vhost when `protocol` is NULL).  Return values are ignored, as in lws.
fn call_each(
    vh: *mut lws_vhost,
    protocol: *const lws_protocols,
    reason: c_int,
    argp: *mut c_void,
    len: usize,
) {
    let targets = if protocol.is_null() {
        let ctx = crate::core::vh!(vh).ctx;
        cx!(ctx)
            .all_conns()
            .into_iter()
            .filter(|&w| wref!(w).vhost == vh && wref!(w).bound)
            .collect()
    } else {
        conns(vh, protocol)
    };
    for w in targets {
        if wref!(w).life == crate::core::Life::Dead {
            continue;
        }
        crate::core::wsi::callback(w, reason, argp, len);
    }
}

/// Calls `protocol`'s callback now, with `reason` and no data, on each open connection
/// bound to it on every vhost of `context`; what the callbacks return is ignored.
/// Returns 0, or -1 for a NULL argument.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_all_protocol(
    context: *mut lws_context,
    protocol: *const lws_protocols,
    reason: c_int,
) -> c_int {
    entry!({
        need!(context);
        need!(protocol);
        let vhosts = cx!(context).vhosts.clone();
        for vh in vhosts {
            call_each(vh, protocol, reason, null_mut(), 0);
        }
        0
    })
}

/// Calls `reason` now (no data) on each connection bound to `protocol` on `vh`, or on every
/// bound connection of `vh` when `protocol` is NULL; return values are ignored.
/// Returns 0, or -1 for a NULL vhost.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_all_protocol_vhost(
    vh: *mut lws_vhost,
    protocol: *const lws_protocols,
    reason: c_int,
) -> c_int {
    entry!({
        need!(vh);
        call_each(vh, protocol, reason, null_mut(), 0);
        0
    })
}

/// As lws_callback_all_protocol_vhost, passing `argp` and `len` as the callback's `in` and
/// `len`. Returns 0, or -1 for a NULL vhost.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_all_protocol_vhost_args(
    vh: *mut lws_vhost,
    protocol: *const lws_protocols,
    reason: c_int,
    argp: *mut c_void,
    len: usize,
) -> c_int {
    entry!({
        need!(vh);
        call_each(vh, protocol, reason, argp, len);
        0
    })
}

/// Every protocol of the wsi's vhost gets `reason`, with this wsi.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_vhost_protocols(
    wsi: *mut lws,
    reason: c_int,
    in_: *mut c_void,
    len: usize,
) -> c_int {
    entry!({
        need!(wsi);
        let vh = wref!(wsi).vhost;
        let n = crate::core::vhost_protocols(vh).len();
        for i in 0..n {
            let p: *const lws_protocols = &crate::core::vhost_protocols(vh)[i];
            // SAFETY: a live protocol entry; lws passes a NULL user here.
            if unsafe { crate::core::call_protocol(p, wsi, reason, null_mut(), in_, len) } != 0 {
                return 1;
            }
        }
        0
    })
}

/// Every protocol of the vhost gets `reason`, with a scratch wsi bound to it.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_vhost_protocols_vhost(
    vh: *mut lws_vhost,
    reason: c_int,
    in_: *mut c_void,
    len: usize,
) -> c_int {
    entry!({
        need!(vh);
        let ctx = crate::core::vh!(vh).ctx;
        let n = crate::core::vhost_protocols(vh).len();
        for i in 0..n {
            if crate::core::wsi::with_fake_wsi(ctx, vh, i, |w| {
                crate::core::wsi::callback(w, reason, in_, len)
            }) != 0
            {
                return 1;
            }
        }
        0
    })
}

/// lws's default HTTP handling for a protocol that has none of its own: 404 for a
/// request no mount answered, 200 after a body, completion after a file.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_http_dummy(
    wsi: *mut lws,
    reason: enum_lws_callback_reasons,
    user: *mut c_void,
    in_: *mut c_void,
    len: usize,
) -> c_int {
    entry!({
        let _ = (user, in_, len);
        if wsi.is_null() {
            return 0;
        }
        crate::roles::http::server::http_dummy(wsi, reason as c_int)
    })
}

/// Returns the connection's socket descriptor (for logging or socket options; reading or
/// writing it directly bypasses the library), or -1 when it has none or `wsi` is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_get_socket_fd(wsi: *mut lws) -> c_int {
    entry!({
        need!(wsi);
        wref!(wsi).transport.fd()
    })
}

/// How much an HTTP/2 stream may send now: the smaller of its flow-control window and
/// its connection's.  h1/ws connections have no peer-advertised window: -1.
#[no_mangle]
pub unsafe extern "C" fn lws_get_peer_write_allowance(wsi: *mut lws) -> lws_fileofs_t {
    entry!({
        need!(wsi);
        crate::roles::h2::tx_credit(wsi)
            .or_else(|| crate::roles::http::client_h2::peer_write_allowance(wsi))
            .unwrap_or(-1) as lws_fileofs_t
    })
}
