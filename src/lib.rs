//! A memory-safe replacement for libwebsockets v4.3, exported through the C ABI.
//!
//! Layers (see ARCHITECTURE.md): `capi` is the thin `extern "C"` surface, `abi` the C
//! types; `core` the context/vhost/wsi model and its service loop, `transport` a
//! connection's descriptor and byte stream, `evloop` the poller, `roles` what a
//! connection speaks (HTTP/1.1, WebSocket); `ws` and `http` the sans-IO codecs.
#![allow(clippy::missing_safety_doc)]

#[macro_use]
/// cbindgen:ignore
pub mod log;
pub mod abi;
/// cbindgen:ignore
pub mod buflist;
pub mod capi;
/// cbindgen:ignore
pub mod core;
/// cbindgen:ignore
pub mod dir;
/// cbindgen:ignore
pub mod evloop;
/// cbindgen:ignore
pub mod h2;
/// cbindgen:ignore
pub mod http;
/// cbindgen:ignore
pub mod lejp;
/// cbindgen:ignore
pub mod logcx;
/// cbindgen:ignore
pub mod misc;
/// cbindgen:ignore
pub mod misc4;
pub mod ring;
/// cbindgen:ignore
pub mod roles;
pub mod sa46;
/// cbindgen:ignore
pub mod smd;
/// cbindgen:ignore
pub mod system;
/// cbindgen:ignore
pub mod tls;
/// cbindgen:ignore
pub mod tokenize;
/// cbindgen:ignore
pub mod transport;
pub mod ws;
