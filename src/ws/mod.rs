//! The WebSocket protocol, sans-IO: framing, handshake, UTF-8, permessage-deflate.  Pure
//! functions over byte slices, unit-tested without sockets.
//!
//! Nothing here is C ABI: the `cbindgen:ignore` annotations keep these modules' public
//! constants out of the generated libwebsockets.h.

/// cbindgen:ignore
pub mod deflate;
/// cbindgen:ignore
pub mod ext_options;
/// cbindgen:ignore
pub mod frame;
/// cbindgen:ignore
pub mod handshake;
/// cbindgen:ignore
pub mod utf8;
