//! The HTTP server role (lws's lib/roles/http): request handling, headers, files.
/// cbindgen:ignore
pub mod file;
/// cbindgen:ignore
pub mod headers;
/// cbindgen:ignore
pub mod server;
