//! Types of the event-loop family (external poll, UDP).

/// The system's `struct pollfd` (poll.h; lws spells it `struct lws_pollfd`), named so
/// prototypes spell it; only ever used behind a pointer, read as `libc::pollfd`.
#[allow(non_camel_case_types)]
pub struct pollfd {
    _opaque: [u8; 0],
}

/// lws's `struct lws_udp` (lws-adopt.h): the address record of a UDP connection.  Its
/// members (two `lws_sockaddr46` and a `connected:1` bitfield) are declared in the
/// header from lws's text; here it is only seen behind the pointer lws_get_udp returns.
#[allow(non_camel_case_types)]
pub struct lws_udp {
    _opaque: [u8; 0],
}
