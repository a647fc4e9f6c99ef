//! Roles (lws's lib/roles): what a connection speaks.  The service loop hands each
//! connection's input and writability to its role here, by `match` (no vtable on the
//! message path).
/// cbindgen:ignore
pub mod h1;
/// cbindgen:ignore
pub mod http;
/// cbindgen:ignore
pub mod listen;
/// cbindgen:ignore
pub mod ws;

use crate::core::*;
use crate::roles::h1::http_input;
use crate::roles::ws::ws_input;

/// Bytes from the peer, at `ptr[..len]` (the context read buffer or a stash).
#[inline]
pub(crate) fn input(w: *mut lws, ptr: *mut u8, len: usize) {
    match wref!(w).state {
        State::Http => http_input(w, ptr, len),
        State::Ws | State::WsAwaitingCloseAck => ws_input(w, ptr, len),
        State::ClientHandshake => crate::roles::ws::client::handshake_input(w, ptr, len),
        // SAFETY: ptr[..len] is readable (the read buffer or a stash).
        State::HttpTxn => crate::roles::http::server::txn_input(w, unsafe {
            core::slice::from_raw_parts(ptr, len)
        }),
        State::Connecting | State::FlushThenClose | State::Dead | State::Linger => {}
    }
}
