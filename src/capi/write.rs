//! lws-write.h, lws-ws-close.h and the rx-side queries of lws-misc.h.
use crate::abi::*;
use crate::core::{cx, lws, lws_context};
use core::ffi::c_int;

/// Writes `len` bytes at `buf`; for ws frames the header goes into the LWS_PRE bytes
/// before `buf`.  Returns `len` (also when the kernel took only part: the rest is
/// buffered and sent before any further WRITEABLE), or -1.
#[no_mangle]
pub unsafe extern "C" fn lws_write(
    wsi: *mut lws,
    buf: *mut u8,
    len: usize,
    wp: enum_lws_write_protocol,
) -> c_int {
    entry!({
        need!(wsi);
        if buf.is_null() || len > i32::MAX as usize {
            return write_unusual(wsi, buf, len, wp);
        }
        // SAFETY: lws's contract: LWS_PRE writable bytes precede buf[..len].
        unsafe { crate::roles::ws::write(wsi, buf, len, wp) }
    })
}

/// lws_write with no buffer or an impossible length, out of line: the usual call keeps
/// no stack array and no formatting state on its path.
#[cold]
#[inline(never)]
fn write_unusual(wsi: *mut lws, buf: *mut u8, len: usize, wp: enum_lws_write_protocol) -> c_int {
    if buf.is_null() && len != 0 {
        lwsl_err!("lws_write: NULL buffer");
        return -1;
    }
    if len > i32::MAX as usize {
        lwsl_err!("lws_write: length {} too large", len);
        return -1;
    }
    // A zero-length write with no buffer: LWS_PRE bytes of headroom of our own.
    let mut empty = [0u8; LWS_PRE as usize];
    // SAFETY: in bounds: the headroom before a zero-length payload; wsi is checked.
    unsafe { crate::roles::ws::write(wsi, empty.as_mut_ptr().add(LWS_PRE as usize), 0, wp) }
}

/// 1 if a write now would not go straight out: something is still buffered, or the
/// socket cannot take more.
#[no_mangle]
pub unsafe extern "C" fn lws_send_pipe_choked(wsi: *mut lws) -> c_int {
    entry!(fail = 1, {
        need!(wsi);
        crate::core::output::choked(wsi) as c_int
    })
}

/// Returns 1 while output lws_write accepted is still waiting in our buffer for the socket,
/// else 0 (0 too for NULL). lws_write never refuses data, so a writer checks this (or
/// lws_send_pipe_choked) before writing more.
#[no_mangle]
pub unsafe extern "C" fn lws_partial_buffered(wsi: *mut lws) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        crate::core::output::buffered(wsi) as c_int
    })
}

/// Sets the status and reason our close frame will carry when the user then returns
/// nonzero from a callback.
#[no_mangle]
pub unsafe extern "C" fn lws_close_reason(
    wsi: *mut lws,
    status: enum_lws_close_status,
    buf: *mut u8,
    len: usize,
) {
    entry!({
        if wsi.is_null() {
            lwsl_err!("lws_close_reason: NULL wsi");
            return;
        }
        let r: &[u8] = if !buf.is_null() && len > 0 {
            // SAFETY: buf[..len] readable per the caller; at most 123 bytes fit a close.
            unsafe { core::slice::from_raw_parts(buf, len.min(123)) }
        } else {
            &[]
        };
        crate::roles::ws::set_close_reason(wsi, status as u16, r);
    })
}

/// Returns the length of the payload of the close frame the peer sent (its 2-byte status code
/// and reason text), 0 when no close frame has arrived, the connection is not a WebSocket or
/// `wsi` is NULL. Meant for `LWS_CALLBACK_WS_PEER_INITIATED_CLOSE`.
#[no_mangle]
pub unsafe extern "C" fn lws_get_close_length(wsi: *mut lws) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        crate::roles::ws::close_payload(wsi).1 as c_int
    })
}

/// Returns the payload of the peer's close frame (see lws_get_close_length), owned by the
/// connection; NULL when there is none or `wsi` is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_get_close_payload(wsi: *mut lws) -> *mut u8 {
    entry!({
        need!(wsi);
        crate::roles::ws::close_payload(wsi).0
    })
}

/// Returns how many bytes of the WebSocket frame being delivered have not yet been passed to
/// the RECEIVE callback (frames larger than `rx_buffer_size` come in several pieces); 0 at
/// the end of a frame or for NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_remaining_packet_payload(wsi: *mut lws) -> usize {
    entry!({
        need!(wsi);
        crate::roles::ws::last_rx(wsi).remaining as usize
    })
}

/// Returns 1 when the data given to the current RECEIVE callback starts a message, else 0
/// (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_is_first_fragment(wsi: *mut lws) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        crate::roles::ws::last_rx(wsi).first as c_int
    })
}

/// Returns 1 when the data given to the current RECEIVE callback ends a message (the last
/// piece of its final frame), else 0 (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_is_final_fragment(wsi: *mut lws) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        crate::roles::ws::last_rx(wsi).last as c_int
    })
}

/// Returns 1 when the message being received is binary, 0 when it is text (or for NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_frame_is_binary(wsi: *mut lws) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        crate::roles::ws::last_rx(wsi).binary as c_int
    })
}

/// Stops (`enable` 0) or restarts (non-zero) reading from the connection. With
/// `LWS_RXFLOW_REASON_APPLIES` set in `enable`, only the reason bits given are set or, with
/// `LWS_RXFLOW_REASON_APPLIES_ENABLE_BIT`, cleared; reading resumes once no reason is left.
/// Data already read before the stop is delivered after the restart, not lost.
/// Returns 0, or -1 for a NULL or closed connection.
#[no_mangle]
pub unsafe extern "C" fn lws_rx_flow_control(wsi: *mut lws, enable: c_int) -> c_int {
    entry!({
        need!(wsi);
        crate::core::wsi::rx_flow_control(wsi, enable)
    })
}

/// Restarts reading (as lws_rx_flow_control(wsi, 1)) on every connection of every vhost of
/// `context` bound to `protocol`. NULL arguments are logged and ignored.
#[no_mangle]
pub unsafe extern "C" fn lws_rx_flow_allow_all_protocol(
    context: *const lws_context,
    protocol: *const lws_protocols,
) {
    entry!({
        if context.is_null() || protocol.is_null() {
            lwsl_err!("lws_rx_flow_allow_all_protocol: NULL argument");
            return;
        }
        let vhosts = cx!(context as *mut lws_context).vhosts.clone();
        for vh in vhosts {
            if let Some(i) = crate::core::protocol_index(vh, protocol) {
                for w in crate::core::context::conns_of(vh, i) {
                    crate::core::wsi::rx_flow_control(w, 1);
                }
            }
        }
    })
}
