//! Small lookups and string helpers from several lws headers that need nothing of the
//! engine beyond reading a vhost or wsi member: lws_vhost_user and lws_protocol_get
//! (lws-context-vhost.h / lws-protocols-plugins.h), lws_get_peer_simple_fd
//! (lws-network-helper.h), lws_urlencode (lws-misc.h).
use crate::abi::{lws_protocols, lws_sockaddr46, lws_sockfd_type};
use crate::core::{lws, lws_vhost, vh, wref};
use core::ffi::{c_char, c_int, c_void};

/// The `user` pointer the vhost was created with (same as lws_get_vhost_user).
#[no_mangle]
pub unsafe extern "C" fn lws_vhost_user(vhost: *mut lws_vhost) -> *mut c_void {
    entry!({
        need!(vhost);
        vh!(vhost).user
    })
}

/// The protocol the connection is bound to (same as lws_get_protocol).
#[no_mangle]
pub unsafe extern "C" fn lws_protocol_get(wsi: *mut lws) -> *const lws_protocols {
    entry!({
        need!(wsi);
        wref!(wsi).protocol
    })
}

/// Writes the numeric address of the socket's peer into `name` (as
/// lws_sa46_write_numeric_address does), or "getpeername: <reason>" when it has none.
/// Returns `name`.
#[no_mangle]
pub unsafe extern "C" fn lws_get_peer_simple_fd(
    fd: lws_sockfd_type,
    name: *mut c_char,
    namelen: usize,
) -> *const c_char {
    entry!({
        need!(name);
        if namelen == 0 {
            return name;
        }
        // SAFETY: an all-zero sockaddr is a valid value for getpeername to fill.
        let mut sa: lws_sockaddr46 = unsafe { core::mem::zeroed() };
        let mut len = core::mem::size_of::<lws_sockaddr46>() as libc::socklen_t;
        // SAFETY: sa has len writable bytes.
        let r = unsafe { libc::getpeername(fd, (&mut sa as *mut lws_sockaddr46).cast(), &mut len) };
        if r < 0 {
            let msg = format!("getpeername: {}", std::io::Error::last_os_error())
                .split(" (os error")
                .next()
                .unwrap_or_default()
                .to_owned();
            let n = msg.len().min(namelen - 1);
            // SAFETY: name has namelen writable bytes; we write n + 1 <= namelen.
            unsafe {
                core::ptr::copy_nonoverlapping(msg.as_ptr(), name.cast::<u8>(), n);
                *name.add(n) = 0;
            }
            return name;
        }
        // SAFETY: sa is filled; name has namelen writable bytes.
        unsafe { super::sa46::lws_sa46_write_numeric_address(&mut sa, name, namelen) };
        name
    })
}

/// lws's form escaping: letters and digits kept, ' ' as '+', any other byte as %XX
/// (upper-case hex).  `len` counts the output buffer: encoding stops while 3 bytes or
/// fewer remain, and the output is always NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn lws_urlencode(
    escaped: *mut c_char,
    string: *const c_char,
    len: c_int,
) -> *const c_char {
    ffi!("lws_urlencode", escaped, {
        need!("lws_urlencode", escaped, escaped);
        // SAFETY: NULL or a C string, per the caller.
        let s = unsafe { super::cstr(string) }.unwrap_or_default();
        let out = crate::misc::urlencode(s, len);
        // SAFETY: escaped has room for what lws would write for this len: encoding stops
        // with at least one byte left for the NUL.
        unsafe {
            core::ptr::copy_nonoverlapping(out.as_ptr(), escaped.cast::<u8>(), out.len());
            *escaped.add(out.len()) = 0;
        }
        escaped
    })
}
