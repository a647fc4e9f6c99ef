//! The HTTP/2 client calls of lws-writeable.h, lws-misc.h and lws-http.h: tx credit of
//! a stream, its network connection, and the long-poll (read-only) stream.
//!
//! Merging with the h2 server role, which defines lws_wsi_tx_credit and
//! lws_get_network_wsi for its streams too: one definition each, asking the server's
//! stream first, then `crate::roles::http::client_h2::{tx_credit_op, network_wsi}`.
use crate::core::lws;
use core::ffi::{c_char, c_int};

/// With `add` nonzero, grants the server `add` more bytes on this h2 stream
/// (`peer_to_us` = LWSTXCR_PEER_TO_US: a WINDOW_UPDATE, what a connection made with
/// LCCSCF_H2_MANUAL_RXFLOW uses to pace the server); with 0, returns the window left in
/// that direction (the server's toward us, or ours toward it).  0 for a connection that
/// has no tx credit (anything but an HTTP/2 client stream).
#[no_mangle]
pub unsafe extern "C" fn lws_wsi_tx_credit(wsi: *mut lws, peer_to_us: c_char, add: c_int) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        crate::roles::http::client_h2::tx_credit_op(wsi, peer_to_us != 0, add).unwrap_or(0)
    })
}

/// Ends our side of an HTTP/2 client stream (an empty DATA frame with END_STREAM) and
/// exempts it from timeouts, so it can wait as long as it takes for the server's data.
/// 0 when started, nonzero when `wsi` is not an HTTP/2 client stream.
#[no_mangle]
pub unsafe extern "C" fn lws_h2_client_stream_long_poll_rxonly(wsi: *mut lws) -> c_int {
    entry!(fail = 1, {
        need!(wsi);
        crate::roles::http::client_h2::long_poll_rxonly(wsi)
    })
}

/// The connection that owns the socket `wsi` is carried on: for an HTTP/2 client
/// stream its network connection, else `wsi` itself (NULL for NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_get_network_wsi(wsi: *mut lws) -> *mut lws {
    entry!({
        if wsi.is_null() {
            return core::ptr::null_mut();
        }
        crate::roles::http::client_h2::network_wsi(wsi).unwrap_or(wsi)
    })
}
