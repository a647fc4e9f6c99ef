//! The HTTP/2 client calls of lws-writeable.h and lws-http.h: tx credit of a stream and
//! the long-poll (read-only) stream.
use crate::core::lws;
use core::ffi::{c_char, c_int};

/// LWSTXCR_PEER_TO_US: the direction from the server to us.
const PEER_TO_US: c_char = 1;

/// With `add` nonzero, grants the server `add` more bytes on this h2 stream
/// (`peer_to_us` = LWSTXCR_PEER_TO_US: a WINDOW_UPDATE, what a connection made with
/// LCCSCF_H2_MANUAL_RXFLOW uses to pace the server); with 0, returns the window left in
/// that direction (the server's toward us, or ours toward it).  0 for a connection that
/// has no tx credit (anything but an HTTP/2 client stream).
#[no_mangle]
pub unsafe extern "C" fn lws_wsi_tx_credit(wsi: *mut lws, peer_to_us: c_char, add: c_int) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        crate::roles::http::client_h2::tx_credit(wsi, peer_to_us == PEER_TO_US, add)
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
