//! The HTTP roles (lws's lib/roles/http): the server (request handling, headers, files)
//! and the client.
/// cbindgen:ignore
pub mod client;
/// cbindgen:ignore
pub mod client_h2;
/// cbindgen:ignore
pub mod client_reset;
/// cbindgen:ignore
pub mod cookies;
/// cbindgen:ignore
pub mod file;
/// cbindgen:ignore
pub mod headers;
/// cbindgen:ignore
pub mod server;
