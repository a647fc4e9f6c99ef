//! The HTTP/2 parts of lws-misc.h and lws-writeable.h the server side answers: the
//! network connection of a stream, and flow-control credit (roles/h2).
use crate::core::{lws, wref};
use core::ffi::{c_char, c_int, c_uint};

/// Returns the connection that owns the socket `wsi` is carried on: the network
/// connection for an HTTP/2 stream, else `wsi` itself (NULL for NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_get_network_wsi(wsi: *mut lws) -> *mut lws {
    entry!({
        if wsi.is_null() {
            return core::ptr::null_mut();
        }
        match crate::roles::http::client_h2::network_wsi(wsi) {
            Some(n) => n,
            None => crate::roles::h2::network_wsi(wsi),
        }
    })
}

/// Flow-control credit of an HTTP/2 stream or connection: with `add` 0, how much we may
/// send (`peer_to_us` LWSTXCR_US_TO_PEER) or the peer may send us (LWSTXCR_PEER_TO_US);
/// with `add` > 0 and LWSTXCR_PEER_TO_US, grants the peer that much more (WINDOW_UPDATE).
/// 0 for connections without flow control.
#[no_mangle]
pub unsafe extern "C" fn lws_wsi_tx_credit(wsi: *mut lws, peer_to_us: c_char, add: c_int) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        let _ = wref!(wsi);
        crate::roles::h2::tx_credit_op(wsi, peer_to_us != 0, add)
            .or_else(|| crate::roles::http::client_h2::tx_credit_op(wsi, peer_to_us != 0, add))
            .unwrap_or(0)
    })
}

/// Grants the peer `bump` more bytes on stream `sid` (`(unsigned)-1`: the wsi's own
/// stream) and on the connection: WINDOW_UPDATE frames.  0, or 1 if `wsi` is not h2.
#[no_mangle]
pub unsafe extern "C" fn lws_h2_update_peer_txcredit(
    wsi: *mut lws,
    sid: c_uint,
    bump: c_int,
) -> c_int {
    entry!(fail = 1, {
        need!(wsi);
        crate::roles::h2::update_peer_txcredit(wsi, sid, bump).unwrap_or(1)
    })
}

/// How much the peer may still send on this stream (or connection) before we grant it
/// more; 0 if `wsi` is not h2.
#[no_mangle]
pub unsafe extern "C" fn lws_h2_get_peer_txcredit_estimate(wsi: *mut lws) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        crate::roles::h2::tx_credit_op(wsi, true, 0)
            .or_else(|| crate::roles::http::client_h2::tx_credit_op(wsi, true, 0))
            .unwrap_or(0)
    })
}
