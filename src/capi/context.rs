//! lws-context-vhost.h, lws-protocols-plugins.h and the wsi accessors of lws-misc.h.
use crate::abi::*;
use crate::capi::cstr;
use crate::core::{cx, lws, lws_context, lws_vhost, vh, wref};
use core::ffi::{c_char, c_int, c_void};
use core::ptr::{null, null_mut};

/// Creates a context, the root every other object hangs from, from `info`; unless `info`
/// has `LWS_SERVER_OPTION_EXPLICIT_VHOSTS`, a first vhost is made from the same `info`
/// (listening on `info->port` unless it is `CONTEXT_PORT_NO_LISTEN`). `info` is read during
/// the call only, but the protocols array, mounts and strings it points to must outlive the
/// context, as with lws.
/// Returns the new context, or NULL when `info` is NULL, the listen socket cannot be opened,
/// or `info` asks for something this build cannot do yet (TLS, extensions, HTTP/2...): lws
/// silently ignores many such options, we refuse them at creation with an error log naming
/// the option (src/core/options.rs) so a program does not run without what it asked for.
#[no_mangle]
pub unsafe extern "C" fn lws_create_context(
    info: *const lws_context_creation_info,
) -> *mut lws_context {
    entry!({
        need!(info);
        // SAFETY: non-NULL, lws's contract for the creation info.
        match unsafe { crate::core::context::create_context(&*info) } {
            Some(c) => c,
            None => null_mut(),
        }
    })
}

/// Closes every connection (their protocols see the close callbacks), destroys every vhost
/// (`LWS_CALLBACK_PROTOCOL_DESTROY` per protocol) and frees the context. NULL is ignored.
/// Called from inside a callback it completes when the service loop next returns, as with
/// lws; the context must not be used afterwards.
#[no_mangle]
pub unsafe extern "C" fn lws_context_destroy(context: *mut lws_context) {
    entry!({
        if context.is_null() {
            return;
        }
        crate::core::context::destroy_context(context)
    })
}

/// Adds a vhost to `context` from `info` (its name from `info->vhost_name`, its port, its
/// protocols, mounts and options), opening its listen socket unless the port is
/// `CONTEXT_PORT_NO_LISTEN` (or a port already listened on by another vhost, which then
/// shares it, vhosts being told apart by the Host header).
/// Returns the vhost, or NULL on failure (NULL arguments, the port cannot be bound, or an
/// option this build refuses; see lws_create_context).
#[no_mangle]
pub unsafe extern "C" fn lws_create_vhost(
    context: *mut lws_context,
    info: *const lws_context_creation_info,
) -> *mut lws_vhost {
    entry!({
        need!(context);
        need!(info);
        // SAFETY: both non-NULL and live per lws's contract.
        unsafe { crate::core::context::create_vhost(context, &*info) }.unwrap_or(null_mut())
    })
}

/// Makes the vhost's later client connections go through an HTTP proxy, as
/// `http_proxy_address` in its creation info does: `proxy` is
/// `[http://][user:password@]host[:port]` (an IPv6 host in brackets); without a port the
/// vhost's current proxy port is kept. The client asks the proxy for a tunnel with
/// `CONNECT` (with `Proxy-authorization: basic` when credentials are given) and runs TLS,
/// the upgrade or the HTTP request inside it. Returns 0, or -1 (the vhost unchanged, an
/// error logged) for NULL arguments, credentials over 95 bytes, a bad port or none.
#[no_mangle]
pub unsafe extern "C" fn lws_set_proxy(vhost: *mut lws_vhost, proxy: *const c_char) -> c_int {
    entry!({
        need!(vhost);
        need!(proxy);
        // SAFETY: non-NULL and NUL-terminated, per lws's contract.
        let Some(p) = (unsafe { cstr(proxy) }) else {
            return -1;
        };
        crate::core::proxy::set(vhost, &String::from_utf8_lossy(p))
    })
}

/// Closes the vhost's connections and listen socket, tells its protocols with
/// `LWS_CALLBACK_PROTOCOL_DESTROY` and frees it. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn lws_vhost_destroy(vh: *mut lws_vhost) {
    entry!({
        if vh.is_null() {
            return;
        }
        crate::core::context::destroy_vhost(vh)
    })
}

/// Returns the `user` pointer given in the creation info of `context`, or NULL for a NULL
/// context.
#[no_mangle]
pub unsafe extern "C" fn lws_context_user(context: *mut lws_context) -> *mut c_void {
    entry!({
        need!(context);
        cx!(context).user
    })
}

/// Returns 1 while `context` is being destroyed (lws_context_destroy has started), else 0;
/// 0 too for a NULL context.
#[no_mangle]
pub unsafe extern "C" fn lws_context_is_being_destroyed(context: *mut lws_context) -> c_int {
    entry!(fail = 0, {
        need!(context);
        (cx!(context).destroying || cx!(context).destroy_deferred) as c_int
    })
}

/// Returns the context the connection `wsi` belongs to, or NULL for a NULL `wsi`.
#[no_mangle]
pub unsafe extern "C" fn lws_get_context(wsi: *const lws) -> *mut lws_context {
    entry!({
        need!(wsi);
        wref!(wsi as *mut lws).ctx
    })
}

/// Returns the vhost the connection `wsi` belongs to, or NULL for a NULL `wsi`.
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost(wsi: *mut lws) -> *mut lws_vhost {
    entry!({
        need!(wsi);
        wref!(wsi).vhost
    })
}

/// Returns the protocol (an element of the vhost's protocols array) bound to `wsi`, or NULL
/// when none is bound yet or `wsi` is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_get_protocol(wsi: *mut lws) -> *const lws_protocols {
    entry!({
        need!(wsi);
        wref!(wsi).protocol
    })
}

/// Returns the vhost's name (NUL-terminated, owned by the vhost), or NULL for a NULL vhost.
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_name(vhost: *mut lws_vhost) -> *const c_char {
    entry!({
        need!(vhost);
        vh!(vhost).name.as_ptr()
    })
}

/// Returns the port the vhost listens on (the bound port when it was created with port 0),
/// or -1 for a NULL vhost. Same as lws_get_vhost_listen_port.
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_port(vhost: *mut lws_vhost) -> c_int {
    entry!({
        need!(vhost);
        vh!(vhost).listen_port
    })
}

/// Returns the port the vhost actually listens on (the kernel's choice when created with
/// port 0), or -1 for a NULL vhost.
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_listen_port(vhost: *mut lws_vhost) -> c_int {
    entry!({
        need!(vhost);
        vh!(vhost).listen_port
    })
}

/// Returns the `user` pointer from the vhost's creation info, or NULL for a NULL vhost.
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_user(vhost: *mut lws_vhost) -> *mut c_void {
    entry!({
        need!(vhost);
        vh!(vhost).user
    })
}

/// Looks a vhost of `context` up by its name (exact, case-sensitive match).
/// Returns it, or NULL when none has that name or an argument is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_by_name(
    context: *mut lws_context,
    name: *const c_char,
) -> *mut lws_vhost {
    entry!({
        need!(context);
        // SAFETY: NUL-terminated or NULL from C.
        let Some(name) = (unsafe { cstr(name) }) else {
            return null_mut();
        };
        cx!(context)
            .vhosts
            .iter()
            .copied()
            .find(|&v| vh!(v).name.as_bytes() == name)
            .unwrap_or(null_mut())
    })
}

/// Finds the protocol called `name` among the vhost's protocols.
/// Returns a pointer to that element of the protocols array, or NULL when there is none or
/// an argument is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_vhost_name_to_protocol(
    vh: *mut lws_vhost,
    name: *const c_char,
) -> *const lws_protocols {
    entry!({
        need!(vh);
        // SAFETY: NUL-terminated or NULL from C.
        let Some(name) = (unsafe { cstr(name) }) else {
            return null();
        };
        match crate::core::protocol_by_name(vh, name) {
            Some(i) => &crate::core::vhost_protocols(vh)[i],
            None => null(),
        }
    })
}

/// Gives the protocol `prot` of `vhost` a zeroed block of `size` bytes for its per-vhost
/// state (usually from `LWS_CALLBACK_PROTOCOL_INIT`); the block is freed with the vhost.
/// Asked again, it returns the block already allocated (its size unchanged).
/// Returns the block, or NULL when `prot` is not one of the vhost's protocols, `size` is
/// negative or an argument is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_protocol_vh_priv_zalloc(
    vhost: *mut lws_vhost,
    prot: *const lws_protocols,
    size: c_int,
) -> *mut c_void {
    entry!({
        need!(vhost);
        let Some(i) = crate::core::protocol_index(vhost, prot) else {
            lwsl_err!("lws_protocol_vh_priv_zalloc: protocol not on this vhost");
            return null_mut();
        };
        if size < 0 {
            return null_mut();
        }
        let v = vh!(vhost);
        if v.privs[i].is_null() {
            // SAFETY: zeroed allocation, freed when the vhost goes.
            v.privs[i] = unsafe { libc::calloc(1, (size as usize).max(1)) };
        }
        v.privs[i]
    })
}

/// Returns the per-vhost block lws_protocol_vh_priv_zalloc gave `prot` on `vhost`, or NULL
/// when there is none yet, `prot` is not one of the vhost's protocols, or an argument is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_protocol_vh_priv_get(
    vhost: *mut lws_vhost,
    prot: *const lws_protocols,
) -> *mut c_void {
    entry!({
        if vhost.is_null() || prot.is_null() {
            return null_mut();
        }
        match crate::core::protocol_index(vhost, prot) {
            Some(i) => vh!(vhost).privs[i],
            None => null_mut(),
        }
    })
}

/// Walks the per-vhost option list `pvo` (linked by `next`) for the entry called `name`.
/// Returns that entry, or NULL when there is none or `name` is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_pvo_search(
    pvo: *const lws_protocol_vhost_options,
    name: *const c_char,
) -> *const lws_protocol_vhost_options {
    entry!({
        // SAFETY: NUL-terminated or NULL from C.
        let Some(name) = (unsafe { cstr(name) }) else {
            return null();
        };
        let mut p = pvo;
        while !p.is_null() {
            // SAFETY: the caller's linked list.
            let e = unsafe { &*p };
            // SAFETY: NUL-terminated or NULL.
            if unsafe { cstr(e.name) } == Some(name) {
                return p;
            }
            p = e.next;
        }
        null()
    })
}

/// Looks `name` up in the option list `in_` (as lws_pvo_search) and stores its value string
/// in `*result`.
/// Returns 0 when found, 1 when not found or `result` is NULL (`*result` is then untouched).
#[no_mangle]
pub unsafe extern "C" fn lws_pvo_get_str(
    in_: *mut c_void,
    name: *const c_char,
    result: *mut *const c_char,
) -> c_int {
    entry!(fail = 1, {
        need!(result);
        // SAFETY: same contract as lws_pvo_search.
        let p = unsafe { lws_pvo_search(in_ as *const lws_protocol_vhost_options, name) };
        if p.is_null() {
            return 1;
        }
        // SAFETY: p is an entry of the list; result is writable.
        unsafe { *result = (*p).value };
        0
    })
}

/// Returns the connection's per-session data: the block of the protocol's
/// `per_session_data_size` bytes we allocated, or what lws_set_wsi_user put there. NULL for a
/// NULL `wsi` or when there is none.
#[no_mangle]
pub unsafe extern "C" fn lws_wsi_user(wsi: *mut lws) -> *mut c_void {
    entry!({
        need!(wsi);
        wref!(wsi).user_space
    })
}

/// Replaces the connection's per-session data pointer with `user`. A block we allocated is
/// freed first; `user` stays the caller's and is never freed by us. NULL `wsi` is ignored.
#[no_mangle]
pub unsafe extern "C" fn lws_set_wsi_user(wsi: *mut lws, user: *mut c_void) {
    entry!({
        if wsi.is_null() {
            return;
        }
        let s = wref!(wsi);
        // As lws: per-session data lws allocated is freed, the caller's pointer replaces
        // it and is never freed by us.
        if s.user_space_owned && !s.user_space.is_null() {
            // SAFETY: allocated with calloc in bind_protocol and owned by this wsi.
            unsafe { libc::free(s.user_space) };
        }
        s.user_space_owned = false;
        s.user_space = user;
    })
}

/// Returns the pointer last stored with lws_set_opaque_user_data (or the connect info's
/// `opaque_user_data` for a client), NULL if none or `wsi` is NULL. We never look at it.
#[no_mangle]
pub unsafe extern "C" fn lws_get_opaque_user_data(wsi: *const lws) -> *mut c_void {
    entry!({
        need!(wsi);
        wref!(wsi as *mut lws).opaque_user_data
    })
}

/// Stores an application pointer on `wsi` that we keep but never use or free; read it back
/// with lws_get_opaque_user_data. NULL `wsi` is ignored.
#[no_mangle]
pub unsafe extern "C" fn lws_set_opaque_user_data(wsi: *mut lws, data: *mut c_void) {
    entry!({
        if wsi.is_null() {
            return;
        }
        wref!(wsi).opaque_user_data = data;
    })
}

/// Writes the peer's IP address as text into `name` (at most `namelen` bytes, always
/// NUL-terminated, truncated if short). An IPv4 peer reached over an IPv6 socket is written
/// in dotted IPv4 form, as lws does.
/// Returns `name`, or NULL when the connection has no peer address (not connected), `namelen`
/// is 0 or an argument is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_get_peer_simple(
    wsi: *mut lws,
    name: *mut c_char,
    namelen: usize,
) -> *const c_char {
    entry!({
        need!(wsi);
        need!(name);
        if namelen == 0 {
            return null();
        }
        let Some(addr) = wref!(wsi).peer_addr else {
            return null();
        };
        let s = match addr.ip() {
            std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => v6.to_string(),
            },
            std::net::IpAddr::V4(v4) => v4.to_string(),
        };
        let n = s.len().min(namelen - 1);
        // SAFETY: name has namelen writable bytes; we write n + 1 <= namelen.
        unsafe {
            core::ptr::copy_nonoverlapping(s.as_ptr(), name as *mut u8, n);
            *name.add(n) = 0;
        }
        name
    })
}
