//! lws-network-helper.h: numeric addresses and `lws_sockaddr46`.  The parsing and
//! formatting are `crate::sa46`; here: argument checks and the union's families.
//!
//! Differences from lws, all where lws would read or write out of bounds: NULL
//! arguments fail with a log line; a too-long address stops with -14 before lws's
//! overrun; `lws_sa46_on_net` compares at most the address's bytes (lws reads past them
//! for a `net_len` above 32 / 128); a failed IPv6 write leaves a NUL-terminated partial
//! string (lws may leave it unterminated).
use crate::abi::lws_sockaddr46;
use crate::sa46::{parse_numeric, write_numeric};
use core::ffi::{c_char, c_int};

/// Copies `text` into C's `buf` of `len` bytes as lws_snprintf does: cut to fit with a
/// NUL, returning the length written, or `len` when it was cut (0 for `len` 0).
///
/// # Safety
/// `buf` must be valid for `len` bytes.
unsafe fn snprintf_like(buf: *mut c_char, len: usize, text: &[u8]) -> c_int {
    if len == 0 {
        return 0;
    }
    let n = text.len().min(len - 1);
    // SAFETY: n + 1 <= len bytes of `buf`, which the caller guarantees.
    unsafe {
        core::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
        *buf.add(n) = 0;
    }
    if text.len() >= len {
        len as c_int
    } else {
        n as c_int
    }
}

/// lws_write_numeric_address's body, for checked arguments.
///
/// # Safety
/// `ads` must hold `size` bytes and `buf` be valid for `len` bytes.
unsafe fn write_ads(ads: *const u8, size: c_int, buf: *mut c_char, len: usize) -> c_int {
    if size != 4 && size != 16 {
        return -1;
    }
    // SAFETY: the caller guarantees `size` readable bytes.
    let a = unsafe { core::slice::from_raw_parts(ads, size as usize) };
    match write_numeric(a, len) {
        // SAFETY: `buf` has `len` bytes (caller).
        Ok(t) if size == 4 => unsafe { snprintf_like(buf, len, &t) },
        Ok(t) => {
            // write_numeric checked that the text and its NUL fit.
            // SAFETY: t.len() + 1 <= len bytes of `buf`.
            unsafe {
                core::ptr::copy_nonoverlapping(t.as_ptr(), buf.cast::<u8>(), t.len());
                *buf.add(t.len()) = 0;
            }
            t.len() as c_int
        }
        Err(partial) => {
            // SAFETY: `buf` has `len` bytes (caller); the copy is cut to fit.
            unsafe { snprintf_like(buf, len, &partial) };
            -1
        }
    }
}

/// Writes a 4-byte (IPv4) or 16-byte (IPv6, lws's compressed form) address as text:
/// the length written, or -1 (bad size, or `len` too small).
#[no_mangle]
pub unsafe extern "C" fn lws_write_numeric_address(
    ads: *const u8,
    size: c_int,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    entry!({
        need!(ads);
        need!(buf);
        // SAFETY: non-NULL; C promises `size` bytes at `ads` and `len` at `buf`.
        unsafe { write_ads(ads, size, buf, len) }
    })
}

/// Writes the address in `sa46` as text (or "(unset)", "(unix skt)", "(AFn unsupp)").
#[no_mangle]
pub unsafe extern "C" fn lws_sa46_write_numeric_address(
    sa46: *mut lws_sockaddr46,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    entry!({
        need!(sa46);
        need!(buf);
        if len > 0 {
            // SAFETY: `buf` has at least one byte.
            unsafe { *buf = 0 };
        }
        // SAFETY: C passes a valid sockaddr46; every member starts with the family.
        let sa = unsafe { &*sa46 };
        // SAFETY: the family is at the same offset in both members.
        let family = c_int::from(unsafe { sa.sa4.sin_family });
        match family {
            // lws's default build (IPv6 off) says so, with the text's length
            // SAFETY: `buf` has `len` bytes.
            libc::AF_INET6 => unsafe { snprintf_like(buf, len, b"(ipv6 unsupp)") },
            libc::AF_INET => {
                // SAFETY: the AF_INET member; s_addr is 4 bytes in network order.
                let a = unsafe { sa.sa4.sin_addr.s_addr }.to_ne_bytes();
                // SAFETY: `a` is 4 bytes; `buf` has `len` bytes.
                unsafe { write_ads(a.as_ptr(), 4, buf, len) }
            }
            // SAFETY (all three): `buf` has `len` bytes.
            libc::AF_UNIX => unsafe { snprintf_like(buf, len, b"(unix skt)") },
            0 => unsafe { snprintf_like(buf, len, b"(unset)") },
            f => {
                unsafe { snprintf_like(buf, len, format!("(AF{f} unsupp)").as_bytes()) };
                -1
            }
        }
    })
}

/// Parses a numeric IPv4 or IPv6 address into `result` (`max_len` bytes): 4 or 16 (the
/// bytes used), or lws's negative error code.
#[no_mangle]
pub unsafe extern "C" fn lws_parse_numeric_address(
    ads: *const c_char,
    result: *mut u8,
    max_len: usize,
) -> c_int {
    entry!({
        need!(result);
        // SAFETY: NULL or a C string.
        let Some(s) = (unsafe { super::cstr(ads) }) else {
            lwsl_err!("lws_parse_numeric_address: NULL ads");
            return -1;
        };
        // SAFETY: C promises `max_len` writable bytes at `result`.
        let out = unsafe { core::slice::from_raw_parts_mut(result, max_len) };
        match parse_numeric(s, out) {
            Ok(n) => n as c_int,
            Err(e) => e,
        }
    })
}

/// Parses a numeric address into `sa46`'s family and address (port and the rest are
/// left alone): 0, or -1 if it is not one.
#[no_mangle]
pub unsafe extern "C" fn lws_sa46_parse_numeric_address(
    ads: *const c_char,
    sa46: *mut lws_sockaddr46,
) -> c_int {
    entry!({
        need!(sa46);
        // SAFETY: NULL or a C string.
        let Some(s) = (unsafe { super::cstr(ads) }) else {
            lwsl_err!("lws_sa46_parse_numeric_address: NULL ads");
            return -1;
        };
        let mut a = [0u8; 16];
        // SAFETY: C passes a writable sockaddr46.
        let sa = unsafe { &mut *sa46 };
        // An IPv6 address does not fit lws 4.3.10's default (IPv4-only) union: refused,
        // as that build refuses it.
        match parse_numeric(s, &mut a) {
            Ok(4) => {
                sa.sa4.sin_family = libc::AF_INET as libc::sa_family_t;
                sa.sa4.sin_addr.s_addr = u32::from_ne_bytes([a[0], a[1], a[2], a[3]]);
                0
            }
            _ => -1,
        }
    })
}

/// The address bytes of an AF_INET / AF_INET6 sockaddr46 (None for other families).
fn address(sa: &lws_sockaddr46) -> Option<Vec<u8>> {
    // SAFETY: the family is at the same offset in both members.
    match c_int::from(unsafe { sa.sa4.sin_family }) {
        // SAFETY: the member the family names.
        libc::AF_INET => Some(unsafe { sa.sa4.sin_addr.s_addr }.to_ne_bytes().to_vec()),
        _ => None,
    }
}

/// 0 if both have the same family and address (ports are not compared), nonzero if not;
/// other families than IPv4/IPv6 compare equal when the families are.
#[no_mangle]
pub unsafe extern "C" fn lws_sa46_compare_ads(
    sa46a: *const lws_sockaddr46,
    sa46b: *const lws_sockaddr46,
) -> c_int {
    entry!(fail = 1, {
        need!(sa46a);
        need!(sa46b);
        // SAFETY: non-NULL sockaddr46s from C.
        let (a, b) = unsafe { (&*sa46a, &*sa46b) };
        // SAFETY: the family is at the same offset in both members.
        let (fa, fb) = unsafe { (a.sa4.sin_family, b.sa4.sin_family) };
        if fa != fb {
            return 1;
        }
        match (address(a), address(b)) {
            (Some(x), Some(y)) => c_int::from(x != y),
            _ => 0,
        }
    })
}

/// 0 if the first `net_len` bits of `sa46a`'s address match `sa46_net`'s, else 1 (both
/// must be IPv4, as in lws 4.3.10's default build).
#[no_mangle]
pub unsafe extern "C" fn lws_sa46_on_net(
    sa46a: *const lws_sockaddr46,
    sa46_net: *const lws_sockaddr46,
    net_len: c_int,
) -> c_int {
    entry!(fail = 1, {
        need!(sa46a);
        need!(sa46_net);
        // SAFETY: non-NULL sockaddr46s from C.
        let (a, n) = unsafe { (&*sa46a, &*sa46_net) };
        // SAFETY: the family is at the same offset in both members.
        let (fa, fnet) = unsafe { (c_int::from(a.sa4.sin_family), c_int::from(n.sa4.sin_family)) };
        // IPv4 only, as lws 4.3.10's default build (IPv6 off): any other family is "not on".
        if fa != libc::AF_INET || fnet != libc::AF_INET {
            return 1;
        }
        let mut net_len = net_len;
        let p1 = address(a).unwrap_or_default();
        let p2 = address(n).unwrap_or_default();
        let mut i = 0;
        while net_len > 0 && i < p1.len().min(p2.len()) {
            let mask: u8 = if net_len < 8 {
                0xff << (8 - net_len)
            } else {
                0xff
            };
            if p1[i] & mask != p2[i] & mask {
                return 1;
            }
            i += 1;
            net_len -= 8;
        }
        0
    })
}
