//! lws-misc.h and lws-sha1-base64.h: command line options, strings, hex, base64, SHA-1,
//! time, random and the library version.  The logic is in `crate::misc`.
use crate::abi::{lws_context_creation_info, lws_usec_t};
use crate::core::lws_context;
use crate::misc;
use core::ffi::{c_char, c_int, c_uchar, c_ulong, c_void, CStr};
use core::ptr;

/// What `lws_get_library_version()` returns; LWS_LIBRARY_VERSION in the header.
pub const LIBRARY_VERSION: &CStr = c"4.3.10-rs";

/// Borrows argv[0..argc] (NULL entries stay None).
///
/// # Safety
/// `argv` points to `argc` pointers, each NULL or a NUL-terminated string.
unsafe fn args<'a>(argc: c_int, argv: *mut *const c_char) -> Vec<Option<&'a [u8]>> {
    if argv.is_null() || argc <= 0 {
        return Vec::new();
    }
    // SAFETY: the caller guarantees argc readable pointers at argv.
    let ptrs = unsafe { core::slice::from_raw_parts(argv as *const *const c_char, argc as usize) };
    // SAFETY: each is NULL or a C string, per the caller.
    ptrs.iter().map(|&p| unsafe { super::cstr(p) }).collect()
}

/// Looks for the option `val` (e.g. "-d") among the `argc` arguments in `argv` and returns
/// its value: the next argument for "-d 15", the text after '=' for "-d=15", the text right
/// after the option for "-d15" (an empty string when the option ends the command line).
/// The result points into the program's own argument strings.
/// Returns NULL when the option is absent, its separate value is over 1024 bytes, or `argv`
/// or `val` is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_cmdline_option(
    argc: c_int,
    argv: *mut *const c_char,
    val: *const c_char,
) -> *const c_char {
    entry!({
        need!(argv);
        // SAFETY: NULL (checked next) or a C string, per the caller.
        let Some(v) = (unsafe { super::cstr(val) }) else {
            lwsl_err!("lws_cmdline_option: NULL val");
            return ptr::null();
        };
        // SAFETY: argc strings at argv, per the caller.
        let a = unsafe { args(argc, argv) };
        match misc::cmdline_option(&a, v) {
            // SAFETY: idx < argc and off <= that argument's length, so this points into
            // (or at the NUL of) the program's own argument string.
            Some((idx, off)) => unsafe { (*argv.add(idx)).add(off) },
            None => ptr::null(),
        }
    })
}

extern "C" fn sigterm_ignore(_sig: c_int) {}

/// The options every lws example understands: -d <loglevel> (default: user, err, warn,
/// notice), --ignore-sigterm; --fault-injection and --fault-seed are accepted but, as in
/// an lws built without fault injection, only the former logs an error.  `info` is not
/// touched in this configuration.
#[no_mangle]
pub unsafe extern "C" fn lws_cmdline_option_handle_builtin(
    argc: c_int,
    argv: *mut *const c_char,
    info: *mut lws_context_creation_info,
) {
    let _ = info;
    use crate::abi::consts::{LLL_ERR, LLL_NOTICE, LLL_USER, LLL_WARN};
    entry!({
        // SAFETY: argc strings at argv, per the caller (NULL argv gives no arguments).
        let a = unsafe { args(argc, argv) };
        let mut logs = LLL_USER | LLL_ERR | LLL_WARN | LLL_NOTICE;
        let builtins: [&[u8]; 4] = [
            b"-d",
            b"--fault-injection",
            b"--fault-seed",
            b"--ignore-sigterm",
        ];
        for (n, opt) in builtins.iter().enumerate() {
            let Some((idx, off)) = misc::cmdline_option(&a, opt) else {
                continue;
            };
            let value = a[idx].map(|s| &s[off..]).unwrap_or_default();
            match n {
                0 => logs = misc::atoi(value),
                1 => lwsl_err!("lws_cmdline_option_handle_builtin: FAULT_INJECTION not built"),
                3 => {
                    // SAFETY: installs a handler that does nothing, so SIGTERM no longer
                    // ends the process (what the option is for).
                    unsafe {
                        libc::signal(
                            libc::SIGTERM,
                            sigterm_ignore as extern "C" fn(c_int) as libc::sighandler_t,
                        )
                    };
                }
                _ => {}
            }
        }
        crate::log::set_level(logs, None);
    })
}

/// strncpy() of at most size - 1 bytes that always NUL-terminates (and, like strncpy,
/// zero-fills the rest of the `size` bytes).
#[no_mangle]
pub unsafe extern "C" fn lws_strncpy(
    dest: *mut c_char,
    src: *const c_char,
    size: usize,
) -> *mut c_char {
    ffi!("lws_strncpy", dest, {
        if size == 0 {
            lwsl_err!("lws_strncpy: zero size");
            return dest;
        }
        need!("lws_strncpy", dest, dest);
        let k = if src.is_null() {
            lwsl_err!("lws_strncpy: NULL src");
            0
        } else {
            // SAFETY: src is a C string or has at least size - 1 readable bytes.
            unsafe { libc::strnlen(src, size - 1) }
        };
        // SAFETY: dest has size writable bytes and k <= size - 1; ptr::copy tolerates
        // overlap.
        unsafe {
            if k > 0 {
                ptr::copy(src, dest, k);
            }
            ptr::write_bytes(dest.add(k), 0, size - k);
        }
        dest
    })
}

/// Microseconds of the monotonic clock (lws 4.3 uses CLOCK_MONOTONIC here, despite the
/// "since 1970" in its header).
#[no_mangle]
pub extern "C" fn lws_now_usecs() -> lws_usec_t {
    entry!(fail = 0, {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: ts is a valid local for clock_gettime to fill.
        if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) } != 0 {
            return 0;
        }
        ts.tv_sec as lws_usec_t * 1_000_000 + ts.tv_nsec as lws_usec_t / 1000
    })
}

/// Seconds since 1970 (wall clock).
#[no_mangle]
pub extern "C" fn lws_now_secs() -> c_ulong {
    entry!({
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as c_ulong)
            .unwrap_or(0)
    })
}

/// Fills `buf` from getrandom(2); returns how many bytes were set (less than `len` only
/// on failure).  The context is not needed.
#[no_mangle]
pub unsafe extern "C" fn lws_get_random(
    context: *mut lws_context,
    buf: *mut c_void,
    len: usize,
) -> usize {
    let _ = context;
    entry!({
        if len == 0 {
            return 0;
        }
        need!(buf);
        // SAFETY: buf has len writable bytes, per the caller.
        unsafe { fill_random(buf as *mut u8, len) }
    })
}

/// # Safety
/// `buf` has `len` writable bytes.
unsafe fn fill_random(buf: *mut u8, len: usize) -> usize {
    let mut done = 0;
    while done < len {
        // SAFETY: buf + done has len - done writable bytes.
        let r = unsafe { libc::getrandom(buf.add(done) as *mut c_void, len - done, 0) };
        if r < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            lwsl_err!(
                "lws_get_random: getrandom failed: {}",
                std::io::Error::last_os_error()
            );
            break;
        }
        done += r as usize;
    }
    done
}

/// Returns this library's version string, "4.3.10-rs" (static; lws's has its git hash where
/// ours says "rs"), so a program can tell which implementation it runs on.
#[no_mangle]
pub extern "C" fn lws_get_library_version() -> *const c_char {
    LIBRARY_VERSION.as_ptr()
}

/// Decodes the hex string `h` (pairs of digits, either case) into `dest`, at most `max` bytes.
/// Returns the number of bytes written, or -1 for a non-hex digit, an odd number of digits
/// or too little room. Kept from lws: `max` must be larger than the decoded length (exactly
/// enough room also gives -1), and the bytes decoded before a failure are still written.
#[no_mangle]
pub unsafe extern "C" fn lws_hex_to_byte_array(
    h: *const c_char,
    dest: *mut u8,
    max: c_int,
) -> c_int {
    entry!({
        need!(h);
        need!(dest);
        // SAFETY: a C string, per the caller (non-NULL checked above).
        let hex = unsafe { CStr::from_ptr(h) }.to_bytes();
        let (bytes, r) = misc::hex_to_bytes(hex, max);
        // SAFETY: dest holds max bytes and hex_to_bytes never produces more than max.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), dest, bytes.len()) };
        r
    })
}

/// # Safety
/// `dest` has `len` writable bytes.
unsafe fn put_cstring(dest: *mut c_char, text: &[u8]) {
    // SAFETY: the caller sized text to leave room for the NUL within dest.
    unsafe {
        ptr::copy_nonoverlapping(text.as_ptr(), dest as *mut u8, text.len());
        *dest.add(text.len()) = 0;
    }
}

/// Writes the `slen` bytes at `src` as lower-case hex into `dest`, a buffer of `len` bytes,
/// always NUL-terminated: output that does not fit is cut at a whole byte. `len` 0 or a
/// NULL `dest` is logged and nothing is written.
#[no_mangle]
pub unsafe extern "C" fn lws_hex_from_byte_array(
    src: *const u8,
    slen: usize,
    dest: *mut c_char,
    len: usize,
) {
    entry!({
        if len == 0 {
            lwsl_err!("lws_hex_from_byte_array: zero len");
            return;
        }
        need!(dest);
        let src = if slen == 0 {
            &[][..]
        } else {
            need!(src);
            // SAFETY: src has slen readable bytes; only those that fit are read.
            unsafe { core::slice::from_raw_parts(src, slen.min(len / 2 + 1)) }
        };
        let text = misc::hex_string(src, len - 1);
        // SAFETY: dest has len bytes and text is at most len - 1.
        unsafe { put_cstring(dest, &text) }
    })
}

/// `len - 1` random lower-case hex characters and a NUL; 0, or 1 if random failed.
#[no_mangle]
pub unsafe extern "C" fn lws_hex_random(
    context: *mut lws_context,
    dest: *mut c_char,
    len: usize,
) -> c_int {
    entry!(fail = 1, {
        if len == 0 {
            lwsl_err!("lws_hex_random: zero len");
            return 1;
        }
        need!(dest);
        let mut r = vec![0u8; len / 2 + 1];
        // SAFETY: r is a local buffer of r.len() bytes.
        if unsafe { lws_get_random(context, r.as_mut_ptr() as *mut c_void, r.len()) } != r.len() {
            return 1;
        }
        let text = misc::hex_string(&r, len - 1);
        // SAFETY: dest has len bytes and text is len - 1.
        unsafe { put_cstring(dest, &text) };
        0
    })
}

/// # Safety
/// `in_` has `in_len` readable bytes, `out` has `out_size` writable bytes.
unsafe fn b64_encode(
    name: &str,
    alphabet: &[u8; 64],
    in_: *const c_char,
    in_len: c_int,
    out: *mut c_char,
    out_size: c_int,
) -> c_int {
    if in_len < 0 || out.is_null() || (in_.is_null() && in_len > 0) || out_size <= 0 {
        lwsl_err!("{name}: bad arguments (in_len {in_len}, out_size {out_size})");
        return -1;
    }
    let input = if in_len == 0 {
        &[][..]
    } else {
        // SAFETY: in_ has in_len readable bytes, per the caller.
        unsafe { core::slice::from_raw_parts(in_ as *const u8, in_len as usize) }
    };
    let (bytes, r) = match misc::b64_encode(alphabet, input, out_size) {
        Ok(b) => {
            let n = b.len() as c_int - 1;
            (b, n)
        }
        Err(b) => (b, -1),
    };
    // SAFETY: b64_encode never produces more than out_size - 1 bytes.
    unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), out as *mut u8, bytes.len()) };
    r
}

/// Encodes `in_len` bytes of `in_` as standard base64 (with '=' padding) into `out`, a buffer
/// of `out_size` bytes, NUL-terminated.
/// Returns the length of the encoded text (without the NUL), or -1 when it does not fit or an
/// argument is bad (negative length, NULL buffer).
#[no_mangle]
pub unsafe extern "C" fn lws_b64_encode_string(
    in_: *const c_char,
    in_len: c_int,
    out: *mut c_char,
    out_size: c_int,
) -> c_int {
    entry!({
        // SAFETY: the caller's buffers, per this function's contract.
        unsafe {
            b64_encode(
                "lws_b64_encode_string",
                misc::B64_STD,
                in_,
                in_len,
                out,
                out_size,
            )
        }
    })
}

/// As lws_b64_encode_string with the URL-safe alphabet ('-' and '_' instead of '+' and '/').
#[no_mangle]
pub unsafe extern "C" fn lws_b64_encode_string_url(
    in_: *const c_char,
    in_len: c_int,
    out: *mut c_char,
    out_size: c_int,
) -> c_int {
    entry!({
        // SAFETY: the caller's buffers, per this function's contract.
        unsafe {
            b64_encode(
                "lws_b64_encode_string_url",
                misc::B64_URL,
                in_,
                in_len,
                out,
                out_size,
            )
        }
    })
}

/// Decodes into `out` (NUL-terminated when there is room after the data); returns the
/// decoded length, 0 if nothing could be decoded.
///
/// # Safety
/// `input` is the caller's text; `out` has `out_size` writable bytes.
unsafe fn b64_decode(name: &str, input: &[u8], out: *mut c_char, out_size: c_int) -> c_int {
    if out.is_null() || out_size <= 0 {
        lwsl_err!("{name}: bad output buffer (size {out_size})");
        return 0;
    }
    let cap = out_size as usize;
    let (bytes, used) = misc::b64_decode(input, cap);
    // SAFETY: b64_decode never produces more than cap bytes.
    unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), out as *mut u8, bytes.len()) };
    if bytes.len() < cap {
        // SAFETY: within the cap bytes of out.
        unsafe { *out.add(bytes.len()) = 0 };
    }
    if used == 0 {
        0
    } else {
        bytes.len() as c_int
    }
}

/// Decodes the NUL-terminated base64 text `in_` (standard or URL-safe alphabet, padding
/// optional) into `out`, a buffer of `out_size` bytes, NUL-terminated when there is room
/// after the data; decoding stops at the first character that is not base64.
/// Returns the number of bytes decoded, 0 when nothing could be decoded or an argument is bad.
#[no_mangle]
pub unsafe extern "C" fn lws_b64_decode_string(
    in_: *const c_char,
    out: *mut c_char,
    out_size: c_int,
) -> c_int {
    entry!(fail = 0, {
        need!(in_);
        // SAFETY: a C string, per the caller (non-NULL checked above).
        let input = unsafe { CStr::from_ptr(in_) }.to_bytes();
        // SAFETY: out has out_size bytes, per the caller.
        unsafe { b64_decode("lws_b64_decode_string", input, out, out_size) }
    })
}

/// Like `lws_b64_decode_string` for the first `in_len` chars (decoding also stops at a
/// NUL; a negative `in_len` means up to the NUL, as in lws).
#[no_mangle]
pub unsafe extern "C" fn lws_b64_decode_string_len(
    in_: *const c_char,
    in_len: c_int,
    out: *mut c_char,
    out_size: c_int,
) -> c_int {
    entry!(fail = 0, {
        need!(in_);
        let input = if in_len < 0 {
            // SAFETY: a C string, per the caller (non-NULL checked above).
            unsafe { CStr::from_ptr(in_) }.to_bytes()
        } else {
            // SAFETY: in_ has in_len readable bytes or a NUL before them.
            let n = unsafe { libc::strnlen(in_, in_len as usize) };
            // SAFETY: the first n bytes are readable (strnlen read them).
            unsafe { core::slice::from_raw_parts(in_ as *const u8, n) }
        };
        // SAFETY: out has out_size bytes, per the caller.
        unsafe { b64_decode("lws_b64_decode_string_len", input, out, out_size) }
    })
}

/// SHA-1 of `n` bytes at `d` into the 20 bytes at `md`; returns `md`.
#[no_mangle]
pub unsafe extern "C" fn lws_SHA1(d: *const c_uchar, n: usize, md: *mut c_uchar) -> *mut c_uchar {
    use sha1::Digest;
    entry!({
        need!(md);
        let data = if n == 0 {
            &[][..]
        } else {
            need!(d);
            // SAFETY: d has n readable bytes, per the caller.
            unsafe { core::slice::from_raw_parts(d, n) }
        };
        let digest = sha1::Sha1::digest(data);
        // SAFETY: md has room for the 20-byte digest, per lws's contract.
        unsafe { ptr::copy_nonoverlapping(digest.as_ptr(), md, digest.len()) };
        md
    })
}

/// 0 if the `len` bytes at `a` and `b` are equal, nonzero otherwise, in time that does
/// not depend on where they differ.
#[no_mangle]
pub unsafe extern "C" fn lws_timingsafe_bcmp(
    a: *const c_void,
    b: *const c_void,
    len: u32,
) -> c_int {
    entry!(fail = 1, {
        if len == 0 {
            return 0;
        }
        need!(a);
        need!(b);
        // SAFETY: both have len readable bytes, per the caller.
        let (a, b) = unsafe {
            (
                core::slice::from_raw_parts(a as *const u8, len as usize),
                core::slice::from_raw_parts(b as *const u8, len as usize),
            )
        };
        misc::timingsafe_bcmp(a, b) as c_int
    })
}

/// Replaces the characters that could take a file name somewhere else ("..", ':', '\\',
/// '$', '%') with '_', in place.
#[no_mangle]
pub unsafe extern "C" fn lws_filename_purify_inplace(filename: *mut c_char) {
    entry!({
        need!(filename);
        // SAFETY: a NUL-terminated string the caller owns and lets us modify.
        let len = unsafe { libc::strlen(filename) };
        // SAFETY: len bytes before the NUL are the caller's writable string.
        let s = unsafe { core::slice::from_raw_parts_mut(filename as *mut u8, len) };
        let mut i = 0;
        while i < len {
            if s[i] == b'.' && i + 1 < len && s[i + 1] == b'.' {
                s[i] = b'_';
                s[i + 1] = b'_';
            }
            if matches!(s[i], b':' | b'\\' | b'$' | b'%') {
                s[i] = b'_';
            }
            i += 1;
        }
    })
}

/// Cuts `prot://ads:port/path` up in place (see `misc::parse_uri` for lws's rules).
#[no_mangle]
pub unsafe extern "C" fn lws_parse_uri(
    p: *mut c_char,
    prot: *mut *const c_char,
    ads: *mut *const c_char,
    port: *mut c_int,
    path: *mut *const c_char,
) -> c_int {
    entry!({
        need!(p);
        need!(prot);
        need!(ads);
        need!(port);
        need!(path);
        // SAFETY: p is the caller's writable NUL-terminated string; the slice covers it
        // and its NUL, and parse_uri only writes NULs inside it.
        let b = unsafe {
            let n = CStr::from_ptr(p).to_bytes().len();
            core::slice::from_raw_parts_mut(p as *mut u8, n + 1)
        };
        let end = b.len() - 1;
        let r = misc::parse_uri(b);
        // SAFETY: every offset is within the string (end is its NUL); the out pointers
        // were checked non-NULL and are the caller's.
        unsafe {
            *prot = p.add(r.prot.unwrap_or(end));
            *ads = p.add(r.ads);
            if let Some(n) = r.port {
                *port = n;
            }
            *path = match r.path {
                Some(i) => p.add(i),
                None => c"/".as_ptr(),
            };
        }
        0
    })
}

/// Borrows `len` bytes of a C buffer (empty for len 0, whatever the pointer).
///
/// # Safety
/// `buf` has `len` readable bytes (non-NULL when len > 0).
unsafe fn bytes<'a>(buf: *const c_char, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { core::slice::from_raw_parts(buf as *const u8, len) }
    }
}

/// A light search in `len` bytes of JSON at `buf` for `name`, which carries its own quotes and
/// colon (e.g. "\"key\":"); no parsing, the first occurrence wins.
/// Returns a pointer to the value that follows inside `buf` (a string without its quotes,
/// escapes left as they are, or a bare token up to ',', ']' or '}') and stores its length in
/// `*alen`; NULL when `name` is absent or an argument is NULL. Unlike lws, a value ending in a
/// backslash at the end of the buffer cannot make the length run past it.
#[no_mangle]
pub unsafe extern "C" fn lws_json_simple_find(
    buf: *const c_char,
    len: usize,
    name: *const c_char,
    alen: *mut usize,
) -> *const c_char {
    entry!({
        need!(buf);
        need!(alen);
        // SAFETY: NULL or the caller's C string.
        let Some(name) = (unsafe { super::cstr(name) }) else {
            lwsl_err!("lws_json_simple_find: NULL name");
            return ptr::null();
        };
        // SAFETY: buf has len bytes, per lws's contract.
        match misc::json_simple_find(unsafe { bytes(buf, len) }, name) {
            Some((at, n)) => {
                // SAFETY: alen checked non-NULL; at is within buf.
                unsafe {
                    *alen = n;
                    buf.add(at)
                }
            }
            None => ptr::null(),
        }
    })
}

/// -1 if `name` is absent or its value's length differs from `comp`'s, else `strncmp()`
/// of the value and `comp` (0 when equal), as lws.
#[no_mangle]
pub unsafe extern "C" fn lws_json_simple_strcmp(
    buf: *const c_char,
    len: usize,
    name: *const c_char,
    comp: *const c_char,
) -> c_int {
    entry!({
        need!(buf);
        // SAFETY: NULL or the caller's C strings.
        let (Some(name), Some(comp)) = (unsafe { super::cstr(name) }, unsafe { super::cstr(comp) })
        else {
            lwsl_err!("lws_json_simple_strcmp: NULL name or comp");
            return -1;
        };
        // SAFETY: buf has len bytes, per lws's contract.
        let b = unsafe { bytes(buf, len) };
        match misc::json_simple_find(b, name) {
            Some((at, n)) if n == comp.len() => {
                // strncmp over n bytes: the first difference as unsigned chars (glibc's
                // value), stopping early at a NUL both share.
                for (&x, &y) in b[at..at + n].iter().zip(comp) {
                    if x != y {
                        return c_int::from(x) - c_int::from(y);
                    }
                    if x == 0 {
                        break;
                    }
                }
                0
            }
            _ => -1,
        }
    })
}

/// The number of service threads: `count_threads` (0 means 1), each served by the
/// program through `lws_service_tsi(context, timeout, tsi)` for tsi 0 .. count - 1.
#[no_mangle]
pub unsafe extern "C" fn lws_get_count_threads(context: *mut lws_context) -> c_int {
    entry!(fail = 0, {
        need!(context);
        // SAFETY: a live context (lws's contract); `pts` never changes after creation.
        unsafe { (&*context).pts.len() as c_int }
    })
}

/// The service thread (`tsi`) whose loop serves `wsi`: 0 with one service thread.
#[no_mangle]
pub unsafe extern "C" fn lws_get_tsi(wsi: *mut crate::core::lws) -> c_int {
    entry!({
        need!(wsi);
        // SAFETY: a live wsi (lws's contract); read without making a reference.
        unsafe { core::ptr::addr_of!((*wsi).tsi).read() as c_int }
    })
}

/// Same as lws_get_tsi (lws has both names).
#[no_mangle]
pub unsafe extern "C" fn lws_wsi_tsi(wsi: *mut crate::core::lws) -> c_int {
    entry!({
        need!(wsi);
        // SAFETY: as in lws_get_tsi.
        unsafe { core::ptr::addr_of!((*wsi).tsi).read() as c_int }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_matches_header() {
        let toml = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/cbindgen.toml"));
        let want = format!(
            "#define LWS_LIBRARY_VERSION \"{}\"",
            super::LIBRARY_VERSION.to_str().unwrap()
        );
        assert!(toml.contains(&want), "cbindgen.toml lacks {want}");
    }
}
