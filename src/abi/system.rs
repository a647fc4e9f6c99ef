#![allow(non_camel_case_types)]
//! lws-smd.h, lws-system.h and lws-state.h types C only ever holds pointers to from our
//! side: cbindgen emits forward declarations, the header's table part has lws's full
//! definitions (`lws_state_manager_t` is read through `crate::system::StateManager`).

/// `struct lws_smd_peer`: opaque in lws too.
pub struct lws_smd_peer {
    _opaque: [u8; 0],
}

/// `lws_system_blob_t`: opaque in lws too.
pub struct lws_system_blob {
    _opaque: [u8; 0],
}

/// Declared here so the prototypes before it can name it; its members follow further
/// down, with the rest of lws-state.h's declarations (programs allocate their own managers).
pub struct lws_state_manager {
    _opaque: [u8; 0],
}
