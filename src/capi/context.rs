//! lws-context-vhost.h, lws-protocols-plugins.h and the wsi accessors of lws-misc.h.
use crate::abi::*;
use crate::capi::cstr;
use crate::core::{cx, lws, lws_context, lws_vhost, vh, wref};
use core::ffi::{c_char, c_int, c_void};
use core::ptr::{null, null_mut};

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

#[no_mangle]
pub unsafe extern "C" fn lws_context_destroy(context: *mut lws_context) {
    entry!({
        if context.is_null() {
            return;
        }
        crate::core::context::destroy_context(context)
    })
}

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

#[no_mangle]
pub unsafe extern "C" fn lws_vhost_destroy(vh: *mut lws_vhost) {
    entry!({
        if vh.is_null() {
            return;
        }
        crate::core::context::destroy_vhost(vh)
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_context_user(context: *mut lws_context) -> *mut c_void {
    entry!({
        need!(context);
        cx!(context).user
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_context_is_being_destroyed(context: *mut lws_context) -> c_int {
    entry!(fail = 0, {
        need!(context);
        cx!(context).destroying as c_int
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_get_context(wsi: *const lws) -> *mut lws_context {
    entry!({
        need!(wsi);
        wref!(wsi as *mut lws).ctx
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost(wsi: *mut lws) -> *mut lws_vhost {
    entry!({
        need!(wsi);
        wref!(wsi).vhost
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_get_protocol(wsi: *mut lws) -> *const lws_protocols {
    entry!({
        need!(wsi);
        wref!(wsi).protocol
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_name(vhost: *mut lws_vhost) -> *const c_char {
    entry!({
        need!(vhost);
        vh!(vhost).name.as_ptr()
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_port(vhost: *mut lws_vhost) -> c_int {
    entry!({
        need!(vhost);
        vh!(vhost).listen_port
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_listen_port(vhost: *mut lws_vhost) -> c_int {
    entry!({
        need!(vhost);
        vh!(vhost).listen_port
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_user(vhost: *mut lws_vhost) -> *mut c_void {
    entry!({
        need!(vhost);
        vh!(vhost).user
    })
}

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

#[no_mangle]
pub unsafe extern "C" fn lws_wsi_user(wsi: *mut lws) -> *mut c_void {
    entry!({
        need!(wsi);
        wref!(wsi).user_space
    })
}

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

#[no_mangle]
pub unsafe extern "C" fn lws_get_opaque_user_data(wsi: *const lws) -> *mut c_void {
    entry!({
        need!(wsi);
        wref!(wsi as *mut lws).opaque_user_data
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_set_opaque_user_data(wsi: *mut lws, data: *mut c_void) {
    entry!({
        if wsi.is_null() {
            return;
        }
        wref!(wsi).opaque_user_data = data;
    })
}

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
