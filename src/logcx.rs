//! lws's log contexts (`lws_log_cx_t`, lws-logs.h): a program may give a context, vhost,
//! connection or a single call its own log level mask, emit function and prefix hooks,
//! and chain contexts so that a parent's prefix goes before a child's line.
//!
//! The library's own process-wide settings (`lws_set_log_level`) are the default log
//! context, [`default_cx`]: when a call names it (or NULL), the mask and the emitter are
//! those of `crate::log`, and only its prefix hooks are read from the object.
//!
//! A line is built as lws v4.3.10 (LWS_MAX_SMP 1, timestamps on) builds it, in a 256-byte
//! buffer: the timestamp, each ancestor's `prepend` from the top down, the caller's
//! `prepend` hook for its object, `"function: "`, the message, a newline; a line that does
//! not fit is cut and ends in `"...\n"`.
use crate::abi::consts::LLLF_LOG_CONTEXT_AWARE;
use core::cell::UnsafeCell;
use core::ffi::{c_char, c_int, c_void};

pub type EmitFn = unsafe extern "C" fn(c_int, *const c_char);
pub type EmitCxFn = unsafe extern "C" fn(*mut LogCx, c_int, *const c_char, usize);
pub type PrependFn = unsafe extern "C" fn(*mut LogCx, *mut c_void, *mut *mut c_char, *mut c_char);
pub type UseFn = unsafe extern "C" fn(*mut LogCx, c_int);

/// lws's anonymous union `u`: which member is live depends on LLLF_LOG_CONTEXT_AWARE.
#[repr(C)]
#[derive(Clone, Copy)]
pub union LogCxEmit {
    pub emit: Option<EmitFn>,
    pub emit_cx: Option<EmitCxFn>,
}

/// `struct lws_log_cx`, member for member (the header's definition is lws's own, from
/// abi/lws-4.3-decls.tsv; this is how Rust reads the caller's object).
#[repr(C)]
pub struct LogCx {
    pub u: LogCxEmit,
    pub refcount_cb: Option<UseFn>,
    pub prepend: Option<PrependFn>,
    pub parent: *mut LogCx,
    pub opaque: *mut c_void,
    pub stg: *mut c_void,
    pub lll_flags: u32,
    pub refcount: i32,
}

struct DefaultCx(UnsafeCell<LogCx>);

// SAFETY: the object is only handed to C (which owns the usual lws threading rules for
// it); Rust reads its prepend/parent hooks and writes its mirrored level and emitter.
unsafe impl Sync for DefaultCx {}

static DEFAULT: DefaultCx = DefaultCx(UnsafeCell::new(LogCx {
    u: LogCxEmit { emit: None },
    refcount_cb: None,
    prepend: None,
    parent: core::ptr::null_mut(),
    opaque: core::ptr::null_mut(),
    stg: core::ptr::null_mut(),
    lll_flags: 0,
    refcount: 0,
}));

/// The process-wide log context object (lws's `log_cx`).  Its `lll_flags` and `u.emit`
/// are refreshed from `crate::log` by [`sync_default`] whenever it is handed out.
pub fn default_cx() -> *mut LogCx {
    DEFAULT.0.get()
}

/// Copies the process-wide level and emitter into the default object, so a program
/// reading it sees what `lws_set_log_level` set.
pub fn sync_default(emit: EmitFn) {
    let cx = default_cx();
    // SAFETY: the static lives forever; plain stores of a mask and a function pointer.
    unsafe {
        (*cx).lll_flags = crate::log::level() as u32;
        (*cx).u = LogCxEmit { emit: Some(emit) };
    }
}

fn is_default(cx: *mut LogCx) -> bool {
    cx.is_null() || cx == default_cx()
}

/// Whether a line at `filter` passes `cx`'s level mask (NULL: the process-wide one).
///
/// # Safety
/// `cx` is NULL or a valid log context.
pub unsafe fn enabled(cx: *mut LogCx, filter: c_int) -> bool {
    if is_default(cx) {
        return crate::log::enabled(filter);
    }
    // SAFETY: a valid log context, per the caller.
    unsafe { (*cx).lll_flags & filter as u32 != 0 }
}

/// lws_snprintf of `text` at `*p` bounded by `end`: how far lws advances `*p` (the room
/// when it had to cut, 0 when there was none).
///
/// # Safety
/// `p..end` is writable memory.
pub unsafe fn put(p: *mut c_char, end: *mut c_char, text: &[u8]) -> usize {
    let room = (end as usize).saturating_sub(p as usize);
    if room == 0 {
        return 0;
    }
    let n = text.len().min(room - 1);
    // SAFETY: n + 1 <= room bytes at p are writable, per the caller.
    unsafe {
        core::ptr::copy_nonoverlapping(text.as_ptr(), p as *mut u8, n);
        *p.add(n) = 0;
    }
    if text.len() >= room {
        room
    } else {
        text.len()
    }
}

/// The longest parent chain followed; lws follows any (a loop would hang it).
const MAX_DEPTH: usize = 32;

/// lws's line buffer (LWS_MAX_SMP 1): 255 usable bytes and a NUL.
const BUF: usize = 256;

/// Builds and emits one line of `msg` (what fit of the formatted message; `wanted` is
/// the length vsnprintf wanted) at `filter` through `cx`, as lws's `__lws_logv` does.
///
/// # Safety
/// `cx` is NULL or a valid log context whose chain of parents is valid; `prep` is NULL
/// or a prepend hook accepting `obj`.
pub unsafe fn log(
    cx: *mut LogCx,
    prep: Option<PrependFn>,
    obj: *mut c_void,
    filter: c_int,
    fun: Option<&[u8]>,
    msg: &[u8],
    wanted: usize,
) {
    let cx = if cx.is_null() { default_cx() } else { cx };
    // SAFETY: cx is valid, per the caller.
    if !unsafe { enabled(cx, filter) } {
        return;
    }
    let mut buf = [0u8; BUF];
    let base = buf.as_mut_ptr() as *mut c_char;
    let end_off = BUF - 1;
    // SAFETY: end_off is inside buf.
    let end = unsafe { base.add(end_off) };
    let ts = crate::log::timestamp(filter);
    let mut p = ts.len().min(end_off);
    buf[..p].copy_from_slice(&ts.as_bytes()[..p]);

    // The ancestors, top first.  lws's walk (kept): with no parent the context's own hook
    // runs; with parents only the ancestors' hooks run, and the caller's hook is then
    // given the nearest parent rather than the context itself.
    let mut chain = vec![cx];
    // SAFETY: valid parents, per the caller.
    while let Some(&last) = chain.last() {
        let parent = unsafe { (*last).parent };
        if parent.is_null() || chain.len() > MAX_DEPTH {
            break;
        }
        chain.push(parent);
    }
    let back = chain.len() - 1;
    let hooks: Vec<*mut LogCx> = if back == 0 {
        vec![cx]
    } else {
        chain[1..].iter().rev().copied().collect()
    };
    let mut last = cx;
    for &c in &hooks {
        last = c;
        // SAFETY: a valid context of the chain.
        if let Some(f) = unsafe { (*c).prepend } {
            // SAFETY: the hook writes within [*pp, end), our buffer.
            p = unsafe { call_prepend(f, c, core::ptr::null_mut(), base, p, end) };
        }
    }
    if let Some(f) = prep {
        // SAFETY: as above; obj is the caller's.
        p = unsafe { call_prepend(f, last, obj, base, p, end) };
    }
    if let Some(fun) = fun {
        let mut t = fun.to_vec();
        t.extend_from_slice(b": ");
        // SAFETY: p..end is inside buf.
        p += unsafe { put(base.add(p), end, &t) };
    }

    // The message, as vsnprintf(p, end - p) leaves it.
    let room = end_off - p;
    if room > 0 {
        let n = msg.len().min(room - 1);
        buf[p..p + n].copy_from_slice(&msg[..n]);
        buf[p + n] = 0;
    }
    let len = if p + wanted > end_off - 2 {
        // lws counts the NUL in the length it gives emit_cx here (kept)
        buf[end_off - 5..end_off].copy_from_slice(b"...\n\0");
        end_off
    } else {
        if wanted > 0 {
            p += wanted;
            if buf[p - 1] != b'\n' {
                buf[p] = b'\n';
                p += 1;
            }
            buf[p] = 0;
        }
        p
    };
    let text_len = buf.iter().position(|&b| b == 0).unwrap_or(len);
    if is_default(cx) {
        crate::log::emit_composed(filter, &buf[..text_len]);
        return;
    }
    // SAFETY: a valid context; the union member is the one its flags name.
    unsafe {
        if (*cx).lll_flags & LLLF_LOG_CONTEXT_AWARE as u32 != 0 {
            if let Some(f) = (*cx).u.emit_cx {
                f(cx, filter, base, len);
            }
        } else if let Some(f) = (*cx).u.emit {
            f(filter, base);
        }
    }
}

/// Runs a prepend hook at offset `p` of the buffer at `base`; the new offset (a hook that
/// moves the pointer outside the buffer is clamped to it).
///
/// # Safety
/// `base..=end` is the line buffer.
unsafe fn call_prepend(
    f: PrependFn,
    cx: *mut LogCx,
    obj: *mut c_void,
    base: *mut c_char,
    p: usize,
    end: *mut c_char,
) -> usize {
    // SAFETY: p is within the buffer.
    let mut pp = unsafe { base.add(p) };
    // SAFETY: the hook gets lws's contract: write at *pp, not past end.
    unsafe { f(cx, obj, &mut pp, end) };
    let max = end as usize - base as usize;
    (pp as usize)
        .saturating_sub(base as usize)
        .clamp(p.min(max), max)
}

/// `lwsl_hexdump_level_cx()`: a blank line, lws's rows, a blank line, each through `cx`.
///
/// # Safety
/// As [`log`].
pub unsafe fn hexdump(
    cx: *mut LogCx,
    prep: Option<PrependFn>,
    obj: *mut c_void,
    level: c_int,
    data: Option<&[u8]>,
) {
    let cx = if cx.is_null() { default_cx() } else { cx };
    // SAFETY: per the caller.
    if !unsafe { enabled(cx, level) } {
        return;
    }
    // SAFETY: per the caller, for every line.
    let line = |m: &[u8]| unsafe { log(cx, prep, obj, level, None, m, m.len()) };
    match data {
        Some([]) => line(b"(hexdump: zero length)\n"),
        None => line(b"(hexdump: NULL ptr)\n"),
        Some(d) => {
            line(b"\n");
            for row in crate::log::hexdump_rows(d) {
                line(row.as_bytes());
            }
            line(b"\n");
        }
    }
}

/// `lwsl_refcount_cx()`: one more (`new` > 0) or one fewer object bound to `cx`, then
/// its `refcount_cb`.  Dropping below zero is refused (lws asserts).
///
/// # Safety
/// `cx` is a valid log context.
pub unsafe fn refcount(cx: *mut LogCx, new: c_int) {
    // SAFETY: valid, per the caller.
    let c = unsafe { &mut *cx };
    if new > 0 {
        c.refcount = c.refcount.wrapping_add(1);
    } else {
        if c.refcount == 0 {
            lwsl_err!("lwsl_refcount_cx: refcount already 0");
            return;
        }
        c.refcount -= 1;
    }
    if let Some(cb) = c.refcount_cb {
        // SAFETY: the program's callback for its own context.
        unsafe { cb(cx, new) };
    }
}

/// The fd a file log context keeps in `stg` (lws's cast: NULL is fd 0).
fn stg_fd(c: &LogCx) -> c_int {
    c.stg as isize as c_int
}

/// `lws_log_use_cx_file()`: opens (create, truncate, 0600) the file named by `opaque`
/// when the first object binds, closes it when the last one goes.
///
/// # Safety
/// `cx` is a valid log context; `opaque` is NULL or a C string.
pub unsafe fn use_file(cx: *mut LogCx, new: c_int) {
    // SAFETY: valid, per the caller.
    let c = unsafe { &mut *cx };
    if new > 0 && c.refcount == 1 {
        let fd = if c.opaque.is_null() {
            lwsl_err!("lws_log_use_cx_file: NULL opaque (no file name)");
            -1
        } else {
            // SAFETY: a C string (the file name), per the caller.
            unsafe {
                libc::open(
                    c.opaque as *const c_char,
                    libc::O_CREAT | libc::O_TRUNC | libc::O_WRONLY,
                    0o600 as libc::c_uint,
                )
            }
        };
        if fd < 0 && !c.opaque.is_null() {
            let e = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            // SAFETY: checked non-NULL C string above.
            let name = unsafe { core::ffi::CStr::from_ptr(c.opaque as *const c_char) };
            eprintln!("Unable to open log {}: errno {e}", name.to_string_lossy());
        }
        c.stg = fd as isize as *mut c_void;
        return;
    }
    let fd = stg_fd(c);
    if new <= 0 && c.refcount == 0 && fd >= 0 {
        // SAFETY: the fd this helper opened.
        unsafe { libc::close(fd) };
        c.stg = -1isize as *mut c_void;
    }
}

/// `lws_log_emit_cx_file()`: writes the line to the fd kept in `stg`.
///
/// # Safety
/// `cx` is a valid log context; `line` has `len` readable bytes.
pub unsafe fn emit_file(cx: *mut LogCx, line: *const c_char, len: usize) {
    // SAFETY: valid, per the caller.
    let fd = stg_fd(unsafe { &*cx });
    if fd < 0 {
        return;
    }
    // SAFETY: len readable bytes at line, per the caller.
    let n = unsafe { libc::write(fd, line as *const c_void, len) };
    if n != len as isize {
        eprintln!("Unable to write log to file");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::consts::{LLL_ERR, LLL_NOTICE, LLL_WARN};
    use std::sync::Mutex;

    static LINES: Mutex<Vec<(c_int, Vec<u8>, usize)>> = Mutex::new(Vec::new());

    unsafe extern "C" fn grab(_cx: *mut LogCx, level: c_int, line: *const c_char, len: usize) {
        // SAFETY: len bytes at line.
        let b = unsafe { core::slice::from_raw_parts(line as *const u8, len) }.to_vec();
        LINES.lock().unwrap().push((level, b, len));
    }

    unsafe extern "C" fn pre_a(
        _cx: *mut LogCx,
        _o: *mut c_void,
        p: *mut *mut c_char,
        e: *mut c_char,
    ) {
        // SAFETY: the buffer lws hands the hook.
        unsafe { *p = (*p).add(put(*p, e, b"A|")) };
    }

    unsafe extern "C" fn pre_b(
        _cx: *mut LogCx,
        _o: *mut c_void,
        p: *mut *mut c_char,
        e: *mut c_char,
    ) {
        // SAFETY: the buffer lws hands the hook.
        unsafe { *p = (*p).add(put(*p, e, b"B|")) };
    }

    fn cx(flags: c_int) -> LogCx {
        LogCx {
            u: LogCxEmit {
                emit_cx: Some(grab),
            },
            refcount_cb: None,
            prepend: None,
            parent: core::ptr::null_mut(),
            opaque: core::ptr::null_mut(),
            stg: core::ptr::null_mut(),
            lll_flags: (flags | LLLF_LOG_CONTEXT_AWARE) as u32,
            refcount: 0,
        }
    }

    fn body(l: &[u8]) -> Vec<u8> {
        let at = l.windows(2).position(|w| w == b"] ").unwrap();
        l[at + 5..].to_vec()
    }

    #[test]
    fn prefixes_levels_and_truncation() {
        LINES.lock().unwrap().clear();
        let mut parent = cx(LLL_ERR);
        parent.prepend = Some(pre_a);
        let mut child = cx(LLL_ERR | LLL_WARN);
        child.prepend = Some(pre_b);
        // SAFETY: local contexts.
        unsafe {
            log(
                &mut child,
                None,
                core::ptr::null_mut(),
                LLL_NOTICE,
                None,
                b"no",
                2,
            );
            log(
                &mut child,
                None,
                core::ptr::null_mut(),
                LLL_WARN,
                Some(b"f"),
                b"x",
                1,
            );
            child.parent = &mut parent;
            log(
                &mut child,
                Some(pre_b),
                core::ptr::null_mut(),
                LLL_ERR,
                None,
                b"y\n",
                2,
            );
            let long = [b'z'; 300];
            log(
                &mut parent,
                None,
                core::ptr::null_mut(),
                LLL_ERR,
                None,
                &long[..255],
                300,
            );
        }
        let l = LINES.lock().unwrap();
        assert_eq!(l.len(), 3);
        assert_eq!(body(&l[0].1), b"B|f: x\n");
        assert_eq!(l[0].2, l[0].1.len());
        // the child's own hook is skipped once it has a parent (lws's walk)
        assert_eq!(body(&l[1].1), b"A|B|y\n");
        assert_eq!(l[2].2, 255);
        assert!(l[2].1.ends_with(b"z...\n\0"));
    }

    #[test]
    fn put_is_lws_snprintf() {
        let mut b = [0x55u8; 8];
        let p = b.as_mut_ptr() as *mut c_char;
        // SAFETY: inside b.
        unsafe {
            assert_eq!(put(p, p.add(8), b"abc"), 3);
            assert_eq!(put(p, p.add(3), b"abc"), 3);
            assert_eq!(&b[..3], b"ab\0");
            assert_eq!(put(p, p, b"abc"), 0);
        }
    }

    #[test]
    fn refcount_calls_back_and_refuses_underflow() {
        static SEEN: Mutex<Vec<(i32, c_int)>> = Mutex::new(Vec::new());
        unsafe extern "C" fn cb(cx: *mut LogCx, new: c_int) {
            // SAFETY: the test's context.
            SEEN.lock().unwrap().push((unsafe { (*cx).refcount }, new));
        }
        let mut c = cx(LLL_ERR);
        c.refcount_cb = Some(cb);
        // SAFETY: a local context.
        unsafe {
            refcount(&mut c, 1);
            refcount(&mut c, 1);
            refcount(&mut c, 0);
            refcount(&mut c, -1);
            refcount(&mut c, -1);
        }
        assert_eq!(*SEEN.lock().unwrap(), [(1, 1), (2, 1), (1, 0), (0, -1)]);
    }
}
