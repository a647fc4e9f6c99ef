//! Types of the event-loop family (external poll, UDP).

/// The system's `struct pollfd` (poll.h; lws spells it `struct lws_pollfd`), named so
/// prototypes spell it; only ever used behind a pointer, read as `libc::pollfd`.
#[allow(non_camel_case_types)]
pub struct pollfd {
    _opaque: [u8; 0],
}
