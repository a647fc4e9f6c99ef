//! lws_client_reset (lws-client.h's private neighbour, exported by lws).
use crate::core::lws;
use core::ffi::{c_char, c_int};

/// Sends an HTTP client connection somewhere else: when it is next closed (a callback
/// returning nonzero, as lws's own redirect does), it connects to `address`:`port`
/// (TLS when `ssl`; port 0 means 443 with TLS) and sends its request for `path` with
/// Host `host` again, on the same wsi, without CLOSED callbacks.  Returns `*wsi`, or
/// NULL after lws's four resets / redirects or on a connection that is not an HTTP
/// client.  `weak` (keep lws's ws state) has nothing to keep here.
#[no_mangle]
pub unsafe extern "C" fn lws_client_reset(
    wsi: *mut *mut lws,
    ssl: c_int,
    address: *const c_char,
    port: c_int,
    path: *const c_char,
    host: *const c_char,
    weak: c_char,
) -> *mut lws {
    entry!({
        let _ = weak;
        need!(wsi);
        // SAFETY: checked non-NULL; the caller's wsi pointer.
        let w = unsafe { *wsi };
        need!(w);
        need!(address);
        // SAFETY: NUL-terminated strings from the caller (or NULL for path/host).
        let (a, p, h) = unsafe {
            (
                crate::misc::cstr(address).unwrap_or_default(),
                crate::misc::cstr(path).unwrap_or_default(),
                crate::misc::cstr(host),
            )
        };
        let address = String::from_utf8_lossy(a).into_owned();
        // lws takes the path without its leading '/'; with one it is the same path.
        let p = String::from_utf8_lossy(p);
        let path = format!("/{}", p.trim_start_matches('/'));
        let host = h.map_or_else(
            || address.clone(),
            |h| String::from_utf8_lossy(h).into_owned(),
        );
        let (port, ssl) = if port == 0 {
            (443, true)
        } else {
            (port as u16, ssl != 0)
        };
        let r = crate::roles::http::client_reset::Reset {
            ssl,
            address,
            port,
            path,
            host,
        };
        if crate::roles::http::client_reset::reset(w, r) {
            w
        } else {
            core::ptr::null_mut()
        }
    })
}
