//! The core: context, vhost, wsi and the service loop.
#![allow(non_camel_case_types)]

/// A connection (lws calls it a wsi).  Opaque to C.
pub struct lws {
    _todo: u8,
}
/// The context: one event loop, its vhosts and connections.  Opaque to C.
pub struct lws_context {
    _todo: u8,
}
/// A virtual host: protocols, options and a listening socket.  Opaque to C.
pub struct lws_vhost {
    _todo: u8,
}
