//! Helpers from several lws headers that need no engine state: lws_urldecode and
//! lws_http_cookie_get, lws_get_mimetype (lws-http.h); lws_vbi_*, lws_realloc and
//! lws_set_allocator (lws-misc.h); lws_xos* (lws-fault-injection.h); the resumable
//! base64 decoder (lws-sha1-base64.h); lws_plat_* file helpers (lws-purify.h);
//! lws_interface_to_sa (lws-network-helper.h).  The logic is in `crate::misc4`.
use crate::abi::consts::{
    LWS_ITOSA_NOT_EXIST, LWS_ITOSA_NOT_USABLE, LWS_ITOSA_USABLE, WSI_TOKEN_HTTP_COOKIE,
};
use crate::abi::{
    lws_b64state, lws_http_mount, lws_protocol_vhost_options, lws_sockaddr46, lws_xos, sockaddr_in,
};
use crate::core::{lws, lws_vhost};
use crate::misc4;
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Decodes `%XX` and `+` of `escaped` into `string`, at most `len` bytes and a NUL (so
/// `string` needs `len + 1`).  0, or -1 at a bad escape (what came before it is written,
/// unterminated, as lws leaves it).
#[no_mangle]
pub unsafe extern "C" fn lws_urldecode(
    string: *mut c_char,
    escaped: *const c_char,
    len: c_int,
) -> c_int {
    entry!({
        need!(string);
        need!(escaped);
        if len < 0 {
            lwsl_err!("lws_urldecode: negative len {len}");
            return -1;
        }
        // SAFETY: a C string, per the caller.
        let e = unsafe { super::cstr(escaped) }.unwrap_or(b"");
        let (out, ok) = match misc4::urldecode(e, len as usize) {
            Ok(o) => (o, true),
            Err(o) => (o, false),
        };
        // SAFETY: string has room for len + 1 bytes and out.len() <= len.
        unsafe {
            core::ptr::copy_nonoverlapping(out.as_ptr(), string as *mut u8, out.len());
            if ok {
                *string.add(out.len()) = 0;
            }
        }
        if ok {
            0
        } else {
            -1
        }
    })
}

/// Writes `value` as lws's variable-length integer (at most 4 bytes) at `buf`: the
/// length, or -1 for a value above 2^28 - 1.
#[no_mangle]
pub unsafe extern "C" fn lws_vbi_encode(value: u64, buf: *mut c_void) -> c_int {
    entry!({
        need!(buf);
        let Some(b) = misc4::vbi_encode(value) else {
            lwsl_err!("lws_vbi_encode: {value} does not fit 28 bits");
            return -1;
        };
        // SAFETY: lws's contract: buf has room for the encoding (4 bytes at most).
        unsafe { core::ptr::copy_nonoverlapping(b.as_ptr(), buf as *mut u8, b.len()) };
        b.len() as c_int
    })
}

/// lws 4.3.10's decoder, quirks kept (see `misc4::vbi_decode`): the index of the first
/// byte with its top bit set (the value up to it stored in `*value`), else 0.
#[no_mangle]
pub unsafe extern "C" fn lws_vbi_decode(buf: *const c_void, value: *mut u64, len: usize) -> c_int {
    entry!(fail = 0, {
        if len == 0 {
            return 0;
        }
        need!(buf);
        need!(value);
        // SAFETY: len readable bytes, per the caller.
        let b = unsafe { core::slice::from_raw_parts(buf as *const u8, len) };
        let (n, v) = misc4::vbi_decode(b);
        if let Some(v) = v {
            // SAFETY: checked non-NULL.
            unsafe { *value = v };
        }
        n as c_int
    })
}

/// Seeds the xoshiro256** generator from `seed` (splitmix64, as lws).
#[no_mangle]
pub unsafe extern "C" fn lws_xos_init(xos: *mut lws_xos, seed: u64) {
    entry!({
        need!(xos);
        // SAFETY: the caller's state.
        unsafe { (*xos).s = misc4::xos_seed(seed) };
    })
}

/// The next 64 pseudo-random bits.
#[no_mangle]
pub unsafe extern "C" fn lws_xos(xos: *mut lws_xos) -> u64 {
    entry!({
        need!(xos);
        // SAFETY: the caller's state.
        misc4::xos_next(unsafe { &mut (*xos).s })
    })
}

/// 1 with a chance of `percent` in 100 (the next value modulo 100 below it).
#[no_mangle]
pub unsafe extern "C" fn lws_xos_percent(xos: *mut lws_xos, percent: c_int) -> c_int {
    entry!(fail = 0, {
        need!(xos);
        // SAFETY: the caller's state.
        (((misc4::xos_next(unsafe { &mut (*xos).s }) % 100) as c_int) < percent) as c_int
    })
}

/// Zeroes the decoder state.
#[no_mangle]
pub unsafe extern "C" fn lws_b64_decode_state_init(state: *mut lws_b64state) {
    entry!({
        need!(state);
        // SAFETY: the caller's state.
        unsafe {
            *state = lws_b64state {
                quad: [0; 4],
                done: 0,
                len: 0,
                i: 0,
                c: 0,
            }
        };
    })
}

/// Decodes what it can of `in_[..*in_len]` into `out[..*out_size]`, keeping a partial
/// group in `s`; `final_` flushes one.  `*in_len` and `*out_size` become what was used
/// and written; a NUL follows the output when there is room for it (lws writes it
/// even when there is not: not done here).  Returns 0.
#[no_mangle]
pub unsafe extern "C" fn lws_b64_decode_stateful(
    s: *mut lws_b64state,
    in_: *const c_char,
    in_len: *mut usize,
    out: *mut u8,
    out_size: *mut usize,
    final_: c_int,
) -> c_int {
    entry!({
        need!(s);
        need!(in_len);
        need!(out_size);
        // SAFETY: the caller's counters.
        let (il, cap) = unsafe { (*in_len, *out_size) };
        if il > 0 {
            need!(in_);
        }
        if cap > 0 {
            need!(out);
        }
        let input = if il == 0 {
            &[][..]
        } else {
            // SAFETY: il readable bytes, per the caller.
            unsafe { core::slice::from_raw_parts(in_ as *const u8, il) }
        };
        // SAFETY: the caller's state.
        let st = unsafe { &mut *s };
        let mut m = misc4::B64State {
            quad: st.quad,
            done: st.done,
            len: st.len,
            i: st.i,
            c: st.c,
        };
        if !(0..=4).contains(&m.i) {
            lwsl_err!("lws_b64_decode_stateful: corrupt state");
            return -1;
        }
        let (used, bytes) = misc4::b64_stateful(&mut m, input, cap, final_ != 0);
        (st.quad, st.done, st.len, st.i, st.c) = (m.quad, m.done, m.len, m.i, m.c);
        // SAFETY: bytes.len() <= cap writable bytes at out; the NUL only within cap.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), out, bytes.len());
            if bytes.len() < cap {
                *out.add(bytes.len()) = 0;
            }
            *in_len = used;
            *out_size = bytes.len();
        }
        0
    })
}

/// An allocator as `lws_set_allocator()` takes it.
type AllocFn = unsafe extern "C" fn(*mut c_void, usize, *const c_char) -> *mut c_void;

/// 0: the built-in one (realloc/free); else an `AllocFn`.
static ALLOCATOR: AtomicUsize = AtomicUsize::new(0);

/// lws's built-in allocator: realloc for a size, free (and NULL) for 0.
unsafe extern "C" fn builtin_realloc(
    ptr: *mut c_void,
    size: usize,
    reason: *const c_char,
) -> *mut c_void {
    if size == 0 {
        if !ptr.is_null() {
            // SAFETY: the caller's block from this allocator.
            unsafe { libc::free(ptr) };
        }
        return core::ptr::null_mut();
    }
    if crate::log::enabled(crate::abi::consts::LLL_DEBUG) {
        // SAFETY: NULL or a C string.
        let r = unsafe { super::cstr(reason) }.unwrap_or(b"");
        lwsl_debug!("_realloc: size {size}: {}", String::from_utf8_lossy(r));
    }
    // SAFETY: ptr is NULL or a block from this allocator.
    unsafe { libc::realloc(ptr, size) }
}

/// lws's allocation entry point: the allocator `lws_set_allocator()` installed (by
/// default realloc, or free when `size` is 0).  This library's own memory is Rust's and
/// never goes through it; it serves programs that allocate with lws's calls.
#[no_mangle]
pub unsafe extern "C" fn lws_realloc(
    ptr: *mut c_void,
    size: usize,
    reason: *const c_char,
) -> *mut c_void {
    entry!({
        let a = ALLOCATOR.load(Ordering::Acquire);
        let f: AllocFn = if a == 0 {
            builtin_realloc
        } else {
            // SAFETY: ALLOCATOR only holds AllocFn values stored by lws_set_allocator.
            unsafe { core::mem::transmute::<usize, AllocFn>(a) }
        };
        // SAFETY: the caller's block and the allocator's contract.
        unsafe { f(ptr, size, reason) }
    })
}

/// Replaces the allocator `lws_realloc()` uses (NULL puts the built-in one back; lws
/// would crash on the next allocation).
#[no_mangle]
pub unsafe extern "C" fn lws_set_allocator(
    cb: Option<unsafe extern "C" fn(*mut c_void, usize, *const c_char) -> *mut c_void>,
) {
    entry!({
        ALLOCATOR.store(cb.map_or(0, |f| f as usize), Ordering::Release);
    })
}

/// Writes `len` bytes to `filename` (created or truncated, mode 0600): 0 when all went.
#[no_mangle]
pub unsafe extern "C" fn lws_plat_write_file(
    filename: *const c_char,
    buf: *mut c_void,
    len: usize,
) -> c_int {
    entry!(fail = 1, {
        need!(filename);
        if len > 0 {
            need!(buf);
        }
        // SAFETY: a C string; a new descriptor closed below.
        let fd = unsafe {
            libc::open(
                filename,
                libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_CLOEXEC,
                0o600 as libc::c_uint,
            )
        };
        if fd == -1 {
            return 1;
        }
        // SAFETY: len readable bytes at buf.
        let m = unsafe { libc::write(fd, buf, len) };
        // SAFETY: our descriptor.
        unsafe { libc::close(fd) };
        if m < 0 {
            return 1;
        }
        (m as usize != len) as c_int
    })
}

/// Reads up to `len` bytes of `filename` into `buf`: how many (one read), -1 when it
/// cannot be opened.
#[no_mangle]
pub unsafe extern "C" fn lws_plat_read_file(
    filename: *const c_char,
    buf: *mut c_void,
    len: usize,
) -> c_int {
    entry!({
        need!(filename);
        if len > 0 {
            need!(buf);
        }
        // SAFETY: a C string; a new descriptor closed below.
        let fd = unsafe { libc::open(filename, libc::O_RDONLY | libc::O_CLOEXEC) };
        if fd == -1 {
            return -1;
        }
        // SAFETY: len writable bytes at buf.
        let n = unsafe { libc::read(fd, buf, len) };
        // SAFETY: our descriptor.
        unsafe { libc::close(fd) };
        n as c_int
    })
}

/// Writes a certificate or key to the open `fd`, syncs it and rewinds: 0 when all went.
#[no_mangle]
pub unsafe extern "C" fn lws_plat_write_cert(
    vhost: *mut lws_vhost,
    is_key: c_int,
    fd: c_int,
    buf: *mut c_void,
    len: usize,
) -> c_int {
    let _ = (vhost, is_key);
    ffi!("lws_plat_write_cert", 1, {
        if len > 0 {
            need!("lws_plat_write_cert", buf, 1);
        }
        // SAFETY: the caller's descriptor; len readable bytes at buf.
        unsafe {
            let n = libc::write(fd, buf, len);
            if n < 0 || libc::fsync(fd) != 0 {
                return 1;
            }
            if libc::lseek(fd, 0, libc::SEEK_SET) < 0 {
                return 1;
            }
            (n as usize != len) as c_int
        }
    })
}

/// lws's advice for new RSA keys on this platform.
#[no_mangle]
pub extern "C" fn lws_plat_recommended_rsa_bits() -> c_int {
    4096
}

/// The IPv4 address of interface `ifname` (or `ifname` itself as a numeric IPv4
/// address) in `*addr`: LWS_ITOSA_USABLE, LWS_ITOSA_NOT_USABLE (the interface exists
/// without an IPv4 address) or LWS_ITOSA_NOT_EXIST.  As lws 4.3.10's default build
/// (IPv6 off), `ipv6` changes nothing and IPv6 addresses are not taken.
#[no_mangle]
pub unsafe extern "C" fn lws_interface_to_sa(
    ipv6: c_int,
    ifname: *const c_char,
    addr: *mut sockaddr_in,
    addrlen: usize,
) -> c_int {
    let _ = ipv6;
    ffi!("lws_interface_to_sa", LWS_ITOSA_NOT_EXIST, {
        need!("lws_interface_to_sa", ifname, LWS_ITOSA_NOT_EXIST);
        need!("lws_interface_to_sa", addr, LWS_ITOSA_NOT_EXIST);
        let sin_len = core::mem::size_of::<libc::sockaddr_in>();
        if addrlen < sin_len {
            lwsl_err!("lws_interface_to_sa: addrlen {addrlen} < {sin_len}");
            return LWS_ITOSA_NOT_EXIST;
        }
        // SAFETY: a C string, per the caller.
        let name = unsafe { core::ffi::CStr::from_ptr(ifname) };
        let mut rc = LWS_ITOSA_NOT_EXIST;
        let mut ifr: *mut libc::ifaddrs = core::ptr::null_mut();
        // SAFETY: getifaddrs fills ifr, freed below.
        if unsafe { libc::getifaddrs(&mut ifr) } != 0 {
            let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            lwsl_err!("lws_interface_to_sa: unable to getifaddrs: errno {e}");
            return LWS_ITOSA_USABLE;
        }
        let mut ifc = ifr;
        while !ifc.is_null() {
            // SAFETY: a node of getifaddrs' list.
            let i = unsafe { &*ifc };
            ifc = i.ifa_next;
            if i.ifa_addr.is_null() || i.ifa_name.is_null() {
                continue;
            }
            // SAFETY: a C string of the list.
            if unsafe { core::ffi::CStr::from_ptr(i.ifa_name) } != name {
                continue;
            }
            // SAFETY: a sockaddr of the list.
            match c_int::from(unsafe { (*i.ifa_addr).sa_family }) {
                libc::AF_PACKET if rc == LWS_ITOSA_NOT_EXIST => rc = LWS_ITOSA_NOT_USABLE,
                libc::AF_INET => {
                    rc = LWS_ITOSA_USABLE;
                    // SAFETY: an AF_INET sockaddr is a sockaddr_in; addr has room.
                    unsafe {
                        core::ptr::copy_nonoverlapping(
                            i.ifa_addr as *const u8,
                            addr as *mut u8,
                            sin_len,
                        )
                    };
                }
                _ => {}
            }
        }
        // SAFETY: the list getifaddrs gave.
        unsafe { libc::freeifaddrs(ifr) };
        // SAFETY: addr holds a sockaddr_in, which is this build's lws_sockaddr46.
        if rc != LWS_ITOSA_USABLE
            && unsafe {
                super::sa46::lws_sa46_parse_numeric_address(ifname, addr as *mut lws_sockaddr46)
            } == 0
        {
            rc = LWS_ITOSA_USABLE;
        }
        rc
    })
}

/// lws's built-in MIME types as C strings (C keeps the pointers).
fn builtin_mime(i: usize) -> *const c_char {
    static TYPES: std::sync::OnceLock<Vec<std::ffi::CString>> = std::sync::OnceLock::new();
    TYPES.get_or_init(|| {
        crate::http::mime::LWS_MIMETYPES
            .iter()
            .map(|(_, t)| std::ffi::CString::new(*t).unwrap_or_default())
            .collect()
    })[i]
        .as_ptr()
}

/// The MIME type lws serves `file` with under mount `m` (NULL: no mount): a match in the
/// mount's `extra_mimetypes` (the value pointer given there), else in lws's table, else
/// the mount's `*` entry, else NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_get_mimetype(
    file: *const c_char,
    m: *const lws_http_mount,
) -> *const c_char {
    entry!({
        // SAFETY: a C string, per the caller.
        let Some(f) = (unsafe { super::cstr(file) }) else {
            lwsl_err!("lws_get_mimetype: NULL file");
            return null();
        };
        let mut pairs: Vec<(&[u8], &[u8])> = Vec::new();
        let mut values: Vec<*const c_char> = Vec::new();
        // SAFETY: NULL or the caller's mount.
        let mut e: *const lws_protocol_vhost_options = if m.is_null() {
            null()
        } else {
            unsafe { (*m).extra_mimetypes }
        };
        while !e.is_null() {
            // SAFETY: a node of the mount's list, NULL-terminated.
            let ee = unsafe { &*e };
            // SAFETY: the list's strings (NULL skipped: lws would crash on one).
            if let (Some(n), Some(v)) = unsafe { (super::cstr(ee.name), super::cstr(ee.value)) } {
                pairs.push((n, v));
                values.push(ee.value);
            }
            e = ee.next;
        }
        match crate::http::mime::lookup(f, &pairs) {
            Some(crate::http::mime::MimeHit::Extra(i)) => values[i],
            Some(crate::http::mime::MimeHit::Builtin(i)) => builtin_mime(i),
            None => null(),
        }
    })
}

/// Copies the value of cookie `name` from the request's Cookie header into `buf` (room
/// for `*max_len` bytes, NUL included) and sets `*max_len` to its length: 0, or 1 when
/// it is absent, 2 when it does not fit (lws's matching: see `misc4::cookie_get`).
#[no_mangle]
pub unsafe extern "C" fn lws_http_cookie_get(
    wsi: *mut lws,
    name: *const c_char,
    buf: *mut c_char,
    max_len: *mut usize,
) -> c_int {
    entry!(fail = 1, {
        need!(wsi);
        need!(buf);
        need!(max_len);
        // SAFETY: a C string, per the caller.
        let Some(n) = (unsafe { super::cstr(name) }) else {
            lwsl_err!("lws_http_cookie_get: NULL name");
            return 1;
        };
        let v = crate::roles::http::headers::joined(wsi, WSI_TOKEN_HTTP_COOKIE as c_int);
        // SAFETY: the caller's length.
        let max = unsafe { *max_len };
        match misc4::cookie_get(&v, n, max) {
            Ok(val) => {
                // SAFETY: val.len() < max bytes fit buf, and its NUL.
                unsafe {
                    core::ptr::copy_nonoverlapping(val.as_ptr(), buf as *mut u8, val.len());
                    *buf.add(val.len()) = 0;
                    *max_len = val.len();
                }
                0
            }
            Err(2) => {
                // lws has written the first max bytes already
                let part = misc4::cookie_get(&v, n, usize::MAX).unwrap_or_default();
                let k = part.len().min(max);
                // SAFETY: k <= max writable bytes.
                unsafe { core::ptr::copy_nonoverlapping(part.as_ptr(), buf as *mut u8, k) };
                2
            }
            Err(e) => e,
        }
    })
}
