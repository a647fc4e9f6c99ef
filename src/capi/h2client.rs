//! The HTTP/2 client's own call of lws-http.h: the long-poll (read-only) stream.
//!
//! lws_wsi_tx_credit, lws_get_network_wsi and the other flow-control calls are in
//! h2srv.rs: they ask the server's streams first, then the client's.
use crate::core::lws;
use core::ffi::c_int;

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
