//! The WebSocket protocol, sans-IO: framing, handshake, UTF-8.  Pure functions over byte
//! slices, unit-tested without sockets.

pub mod frame;
pub mod handshake;
pub mod utf8;
