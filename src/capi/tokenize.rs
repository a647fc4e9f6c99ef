//! lws-tokenize.h (the tokenizer, `${name}` expansion, wildcard matching) and the pure
//! string and number helpers of lws-misc.h and lws-purify.h: `lws_humanize`, the HTTP
//! date functions, `lws_ser_*`, `lws_nstrstr`, the SQL and JSON escapers.  The logic is in
//! `crate::tokenize`.
use crate::abi::{
    lws_humanize_unit, lws_strexp, lws_strexp_expand_cb, lws_tokenize, lws_tokenize_elem,
};
use crate::tokenize as tz;
use core::ffi::{c_char, c_int, c_void};
use core::ptr;

/// Prepares `ts` to tokenize the NUL-terminated string `start` with LWS_TOKENIZE_F_*
/// `flags`.  (To tokenize a buffer of known length instead, set `ts->len` after this.)
#[no_mangle]
pub unsafe extern "C" fn lws_tokenize_init(
    ts: *mut lws_tokenize,
    start: *const c_char,
    flags: c_int,
) {
    entry!({
        need!(ts);
        // SAFETY: ts points to the caller's lws_tokenize, per the API.
        let ts = unsafe { &mut *ts };
        ts.start = start;
        // lws's "no length": the NUL ends the string
        ts.len = 0x7fff_ffff;
        ts.flags = flags as u16;
        ts.delim = tz::DT_NEED_FIRST_CONTENT;
    })
}

/// Finds the next element from `ts->start` (at most `ts->len` bytes, ending at a NUL),
/// points `ts->token`/`ts->token_len` at it and moves the cursor past it.  A NUL stays
/// under the cursor, so calling again after the end returns LWS_TOKZE_ENDED again
/// (lws steps over it and would read past the string).
#[no_mangle]
pub unsafe extern "C" fn lws_tokenize(ts: *mut lws_tokenize) -> lws_tokenize_elem {
    ffi!("lws_tokenize", tz::ENDED, {
        need!("lws_tokenize", ts, tz::ENDED);
        // SAFETY: ts points to the caller's lws_tokenize, per the API.
        let ts = unsafe { &mut *ts };
        ts.token = ptr::null();
        ts.token_len = 0;
        if ts.start.is_null() {
            return tz::ENDED;
        }
        let (start, len) = (ts.start, ts.len);
        let step = tz::tokenize(ts.flags, &mut ts.delim, |i| {
            if i >= len {
                return None;
            }
            // SAFETY: i < len and no NUL before i (the tokenizer asks in order and stops
            // at the first None), so this byte is inside the caller's string or buffer.
            let c = unsafe { *start.add(i) } as u8;
            (c != 0).then_some(c)
        });
        if let Some(off) = step.token {
            // SAFETY: off is at most the consumed count, inside the input.
            ts.token = unsafe { start.add(off) };
            ts.token_len = step.token_len;
        }
        // SAFETY: consumed <= len bytes were read from start.
        ts.start = unsafe { start.add(step.consumed) };
        ts.len = len - step.consumed;
        step.elem
    })
}

/// Copies the current token into `str` (`max` bytes with the NUL); 1 if it does not fit.
#[no_mangle]
pub unsafe extern "C" fn lws_tokenize_cstr(
    ts: *mut lws_tokenize,
    str: *mut c_char,
    max: usize,
) -> c_int {
    entry!(fail = 1, {
        need!(ts);
        need!(str);
        // SAFETY: ts points to the caller's lws_tokenize, per the API.
        let ts = unsafe { &*ts };
        if ts.token_len + 1 >= max {
            return 1;
        }
        if ts.token_len > 0 {
            need!("lws_tokenize_cstr", ts.token, 1);
            // SAFETY: token_len bytes at token (set by lws_tokenize), and str has room for
            // max > token_len + 1 bytes.
            unsafe { ptr::copy_nonoverlapping(ts.token, str, ts.token_len) };
        }
        // SAFETY: token_len < max, inside str.
        unsafe { *str.add(ts.token_len) = 0 };
        0
    })
}

// ---------------------------------------------------------------------------------------

/// Prepares `exp` to expand `${name}` references in text fed to lws_strexp_expand: each name
/// is passed to `cb(priv, name, out, pos, olen, exp_ofs)`, which writes its value, and the
/// expansion goes into `out` (`olen` bytes). Also resets a used `exp` for a new run.
/// A NULL `exp` is logged and ignored.
#[no_mangle]
pub unsafe extern "C" fn lws_strexp_init(
    exp: *mut lws_strexp,
    r#priv: *mut c_void,
    cb: lws_strexp_expand_cb,
    out: *mut c_char,
    olen: usize,
) {
    entry!({
        need!(exp);
        // SAFETY: exp points to the caller's lws_strexp; every member is plain data, so
        // writing a whole new value is fine.
        unsafe {
            exp.write(lws_strexp {
                name: [0; 32],
                cb,
                r#priv,
                out,
                olen,
                pos: 0,
                exp_ofs: 0,
                name_pos: 0,
                state: tz::EXPS_LITERAL as c_char,
            })
        };
    })
}

/// Points the expander at a new (or the emptied) output buffer, after LSTRX_FILLED_OUT.
#[no_mangle]
pub unsafe extern "C" fn lws_strexp_reset_out(exp: *mut lws_strexp, out: *mut c_char, olen: usize) {
    entry!({
        need!(exp);
        // SAFETY: exp points to the caller's lws_strexp.
        let exp = unsafe { &mut *exp };
        exp.out = out;
        exp.olen = olen;
        exp.pos = 0;
    })
}

/// The C side of an expansion: the caller's output buffer and callback.
struct CSink {
    out: *mut c_char,
    cb: lws_strexp_expand_cb,
    r#priv: *mut c_void,
    olen: usize,
}

impl tz::StrexpSink for CSink {
    fn has_out(&self) -> bool {
        !self.out.is_null()
    }
    fn put(&mut self, pos: usize, b: u8) {
        if pos < self.olen {
            // SAFETY: out has olen bytes, per lws_strexp_init / reset_out.
            unsafe { *self.out.add(pos) = b as c_char };
        }
    }
    fn expand(&mut self, name: &[u8; 32], pos: &mut usize, exp_ofs: &mut usize) -> i32 {
        let Some(cb) = self.cb else {
            lwsl_err!("lws_strexp_expand: no callback to expand ${{...}}");
            return tz::LSTRX_FATAL_NAME_UNKNOWN;
        };
        // SAFETY: the callback is the caller's, given the state lws documents: the
        // NUL-terminated name, its buffer and our position variables.
        unsafe {
            cb(
                self.r#priv,
                name.as_ptr() as *const c_char,
                self.out,
                pos,
                self.olen,
                exp_ofs,
            )
        }
    }
}

/// Expands `${name}` in `len` bytes of `in_` into the output buffer through the callback;
/// LSTRX_FILLED_OUT asks the caller to take the output, `lws_strexp_reset_out` and call
/// again from `in_ + *pused_in`.
#[no_mangle]
pub unsafe extern "C" fn lws_strexp_expand(
    exp: *mut lws_strexp,
    in_: *const c_char,
    len: usize,
    pused_in: *mut usize,
    pused_out: *mut usize,
) -> c_int {
    ffi!("lws_strexp_expand", tz::LSTRX_FATAL_NAME_UNKNOWN, {
        need!("lws_strexp_expand", exp, tz::LSTRX_FATAL_NAME_UNKNOWN);
        need!("lws_strexp_expand", pused_in, tz::LSTRX_FATAL_NAME_UNKNOWN);
        need!("lws_strexp_expand", pused_out, tz::LSTRX_FATAL_NAME_UNKNOWN);
        let input: &[u8] = if len == 0 {
            &[]
        } else {
            need!("lws_strexp_expand", in_, tz::LSTRX_FATAL_NAME_UNKNOWN);
            // SAFETY: len readable bytes at in_, per the API.
            unsafe { core::slice::from_raw_parts(in_ as *const u8, len) }
        };
        // SAFETY: exp points to the caller's lws_strexp; the callback only gets copies of
        // its pointers and our own pos/exp_ofs, never the struct.
        let exp = unsafe { &mut *exp };
        let mut sink = CSink {
            out: exp.out,
            cb: exp.cb,
            r#priv: exp.r#priv,
            olen: exp.olen,
        };
        let mut state = exp.state as u8;
        // SAFETY: c_char and u8 have one layout; the name is the struct's own array.
        let name = unsafe { &mut *(exp.name.as_mut_ptr() as *mut [u8; 32]) };
        let mut st = tz::Strexp {
            name,
            name_pos: &mut exp.name_pos,
            state: &mut state,
            pos: &mut exp.pos,
            exp_ofs: &mut exp.exp_ofs,
            olen: exp.olen,
        };
        let (r, used_in, used_out) = tz::strexp_expand(&mut st, input, &mut sink);
        exp.state = state as c_char;
        if let Some(u) = used_in {
            // SAFETY: checked non-NULL above.
            unsafe { *pused_in = u };
        }
        if let Some(u) = used_out {
            // SAFETY: checked non-NULL above.
            unsafe { *pused_out = u };
        }
        r
    })
}

/// 0 when `check` (`clen` bytes) matches `wildcard` (`wlen` bytes, `*` for any run).
#[no_mangle]
pub unsafe extern "C" fn lws_strcmp_wildcard(
    wildcard: *const c_char,
    wlen: usize,
    check: *const c_char,
    clen: usize,
) -> c_int {
    entry!(fail = 1, {
        // SAFETY: wlen / clen readable bytes, per the API (NULL only with length 0).
        let (w, c) = unsafe { (bytes(wildcard, wlen), bytes(check, clen)) };
        match (w, c) {
            (Some(w), Some(c)) => tz::strcmp_wildcard(w, c),
            _ => {
                lwsl_err!("lws_strcmp_wildcard: NULL string");
                1
            }
        }
    })
}

/// `len` bytes at `p` (None for NULL with a nonzero length).
///
/// # Safety
/// `p` must be NULL or point to `len` readable bytes that outlive the borrow.
unsafe fn bytes<'a>(p: *const c_char, len: usize) -> Option<&'a [u8]> {
    if len == 0 {
        Some(&[])
    } else if p.is_null() {
        None
    } else {
        // SAFETY: len readable bytes, per the caller.
        Some(unsafe { core::slice::from_raw_parts(p as *const u8, len) })
    }
}

// ---------------------------------------------------------------------------------------
// lws_humanize and its schemas

macro_rules! units {
    ($($name:literal => $factor:expr),* $(,)?) => {
        [$(lws_humanize_unit { name: $name.as_ptr(), factor: $factor },)*
         lws_humanize_unit { name: ptr::null(), factor: 0 }]
    };
}

const KI: u64 = 1024;
const US_PER_SEC: u64 = 1_000_000;

#[no_mangle]
pub static humanize_schema_si: [lws_humanize_unit; 7] = units![
    c"Pi" => KI * KI * KI * KI * KI, c"Ti" => KI * KI * KI * KI, c"Gi" => KI * KI * KI,
    c"Mi" => KI * KI, c"Ki" => KI, c"" => 1,
];
#[no_mangle]
pub static humanize_schema_si_bytes: [lws_humanize_unit; 7] = units![
    c"PiB" => KI * KI * KI * KI * KI, c"TiB" => KI * KI * KI * KI, c"GiB" => KI * KI * KI,
    c"MiB" => KI * KI, c"KiB" => KI, c"B" => 1,
];
#[no_mangle]
pub static humanize_schema_us: [lws_humanize_unit; 8] = units![
    c"y" => 365 * 24 * 3600 * US_PER_SEC, c"d" => 24 * 3600 * US_PER_SEC,
    c"hr" => 3600 * US_PER_SEC, c"min" => 60 * US_PER_SEC, c"s" => US_PER_SEC,
    c"ms" => 1000, c"\u{3bc}s" => 1,
];

/// Writes `value` in the first unit of `schema` it reaches (e.g. "22.130Gi", "128")
/// into `buf` (`len` bytes, NUL-terminated, truncated to fit); returns the length
/// written, 0 when no unit of the schema applies.
#[no_mangle]
pub unsafe extern "C" fn lws_humanize(
    buf: *mut c_char,
    len: usize,
    value: u64,
    schema: *const lws_humanize_unit,
) -> c_int {
    entry!(fail = 0, {
        need!(buf);
        need!(schema);
        if len == 0 {
            return 0;
        }
        let mut units: Vec<(u64, &[u8])> = Vec::new();
        let mut i = 0;
        loop {
            // SAFETY: the schema is an array ending with a NULL name, per the API; lws
            // always looks at the first entry, so do we.
            let u = unsafe { &*schema.add(i) };
            if u.name.is_null() && i > 0 {
                break;
            }
            // SAFETY: NULL or a unit name string (checked by cstr).
            units.push((
                u.factor,
                unsafe { super::cstr(u.name) }.unwrap_or(b"(null)"),
            ));
            if u.name.is_null() {
                break;
            }
            i += 1;
        }
        let (text, fits) = match tz::humanize(value, &units) {
            Some(t) => (t, true),
            None => {
                lwsl_err!("lws_humanize: no unit of the schema fits {}", value);
                (b"unknown value".to_vec(), false)
            }
        };
        let n = text.len().min(len - 1);
        // SAFETY: buf has len bytes, n < len.
        unsafe {
            ptr::copy_nonoverlapping(text.as_ptr() as *const c_char, buf, n);
            *buf.add(n) = 0;
        }
        if !fits {
            return 0;
        }
        n as c_int
    })
}

// ---------------------------------------------------------------------------------------
// RFC 7231 dates

/// Writes `*t` as an IMF-fixdate ("Tue, 15 Nov 1994 08:12:31 GMT") into `buf`, which
/// needs 30 bytes (lws asks for at least 29 and then truncates the last letter).
#[no_mangle]
pub unsafe extern "C" fn lws_http_date_render_from_unix(
    buf: *mut c_char,
    len: usize,
    t: *const libc::time_t,
) -> c_int {
    entry!({
        need!(buf);
        need!(t);
        if len < 29 {
            return -1;
        }
        // SAFETY: t points to the caller's time_t.
        let Some(s) = tz::http_date_render(unsafe { *t }) else {
            return -1;
        };
        let n = s.len().min(len - 1);
        // SAFETY: buf has len bytes, n < len.
        unsafe {
            ptr::copy_nonoverlapping(s.as_ptr() as *const c_char, buf, n);
            *buf.add(n) = 0;
        }
        0
    })
}

/// Parses an IMF-fixdate of `len` bytes at `b` into `*t`; -1 if it is not one.
#[no_mangle]
pub unsafe extern "C" fn lws_http_date_parse_unix(
    b: *const c_char,
    len: usize,
    t: *mut libc::time_t,
) -> c_int {
    entry!({
        need!(t);
        // SAFETY: len readable bytes at b, per the API.
        let Some(s) = (unsafe { bytes(b, len) }) else {
            lwsl_err!("lws_http_date_parse_unix: NULL b");
            return -1;
        };
        let Some(v) = tz::http_date_parse(s) else {
            return -1;
        };
        // SAFETY: t points to the caller's time_t.
        unsafe { *t = v };
        // lws reports failure when the low 32 bits of the time read as -1 (its error value)
        if v as c_int == -1 {
            -1
        } else {
            0
        }
    })
}

// ---------------------------------------------------------------------------------------
// Big-endian integers

/// Stores `u` big-endian at `b`.
#[no_mangle]
pub unsafe extern "C" fn lws_ser_wu16be(b: *mut u8, u: u16) {
    entry!({
        need!(b);
        let v = u.to_be_bytes();
        // SAFETY: b has room for the value's bytes, per the API.
        unsafe { ptr::copy_nonoverlapping(v.as_ptr(), b, v.len()) };
    })
}

/// Reads a big-endian value at `b`.
#[no_mangle]
pub unsafe extern "C" fn lws_ser_ru16be(b: *const u8) -> u16 {
    entry!({
        need!(b);
        let mut v = [0u8; 2];
        // SAFETY: b has the value's bytes, per the API.
        unsafe { ptr::copy_nonoverlapping(b, v.as_mut_ptr(), v.len()) };
        u16::from_be_bytes(v)
    })
}

/// Stores `u` big-endian at `b`.
#[no_mangle]
pub unsafe extern "C" fn lws_ser_wu32be(b: *mut u8, u: u32) {
    entry!({
        need!(b);
        let v = u.to_be_bytes();
        // SAFETY: b has room for the value's bytes, per the API.
        unsafe { ptr::copy_nonoverlapping(v.as_ptr(), b, v.len()) };
    })
}

/// Reads a big-endian value at `b`.
#[no_mangle]
pub unsafe extern "C" fn lws_ser_ru32be(b: *const u8) -> u32 {
    entry!({
        need!(b);
        let mut v = [0u8; 4];
        // SAFETY: b has the value's bytes, per the API.
        unsafe { ptr::copy_nonoverlapping(b, v.as_mut_ptr(), v.len()) };
        u32::from_be_bytes(v)
    })
}

/// Stores `u` big-endian at `b`.
#[no_mangle]
pub unsafe extern "C" fn lws_ser_wu64be(b: *mut u8, u: u64) {
    entry!({
        need!(b);
        let v = u.to_be_bytes();
        // SAFETY: b has room for the value's bytes, per the API.
        unsafe { ptr::copy_nonoverlapping(v.as_ptr(), b, v.len()) };
    })
}

/// Reads a big-endian value at `b`.
#[no_mangle]
pub unsafe extern "C" fn lws_ser_ru64be(b: *const u8) -> u64 {
    entry!({
        need!(b);
        let mut v = [0u8; 8];
        // SAFETY: b has the value's bytes, per the API.
        unsafe { ptr::copy_nonoverlapping(b, v.as_mut_ptr(), v.len()) };
        u64::from_be_bytes(v)
    })
}

// ---------------------------------------------------------------------------------------
// Searching and escaping

/// The first `name` (`nl` bytes) in the `len` bytes at `buf`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_nstrstr(
    buf: *const c_char,
    len: usize,
    name: *const c_char,
    nl: usize,
) -> *const c_char {
    entry!({
        // SAFETY: len / nl readable bytes, per the API.
        let (Some(h), Some(n)) = (unsafe { bytes(buf, len) }, unsafe { bytes(name, nl) }) else {
            lwsl_err!("lws_nstrstr: NULL string");
            return ptr::null();
        };
        match tz::nstrstr(h, n) {
            // SAFETY: off < len, inside buf.
            Some(off) => unsafe { buf.add(off) },
            None => ptr::null(),
        }
    })
}

/// Copies `from` into `to` (`room` bytes) with its NUL; nothing when `room` is 0.
///
/// # Safety
/// `to` must have `room` writable bytes and `from.len() < room` when `room > 0`.
unsafe fn put_cstr(to: *mut c_char, room: usize, from: &[u8]) {
    if room == 0 {
        return;
    }
    let n = from.len().min(room - 1);
    // SAFETY: n + 1 <= room bytes at to, per the caller.
    unsafe {
        ptr::copy_nonoverlapping(from.as_ptr() as *const c_char, to, n);
        *to.add(n) = 0;
    }
}

/// Copies `string` into `escaped` (`len` bytes with the NUL) with each `'` doubled.
#[no_mangle]
pub unsafe extern "C" fn lws_sql_purify(
    escaped: *mut c_char,
    string: *const c_char,
    len: usize,
) -> *const c_char {
    entry!({
        need!(escaped);
        // SAFETY: NULL or a C string, per the caller.
        let s = unsafe { super::cstr(string) }.unwrap_or(b"");
        let out = tz::sql_purify(s, len);
        // SAFETY: escaped has len bytes; sql_purify keeps to len - 1.
        unsafe { put_cstr(escaped, len, &out) };
        escaped
    })
}

/// Copies `string` into `escaped` (`len` bytes with the NUL) escaped for a JSON string;
/// `*in_used` says how much of `string` fitted.
#[no_mangle]
pub unsafe extern "C" fn lws_json_purify(
    escaped: *mut c_char,
    string: *const c_char,
    len: c_int,
    in_used: *mut c_int,
) -> *const c_char {
    entry!({
        need!(escaped);
        let room = usize::try_from(len).unwrap_or(0);
        // SAFETY: NULL or a C string, per the caller.
        let Some(s) = (unsafe { super::cstr(string) }) else {
            // SAFETY: escaped has len bytes.
            unsafe { put_cstr(escaped, room, b"") };
            return escaped;
        };
        let (out, used) = tz::json_purify(s, len);
        // SAFETY: escaped has len bytes; json_purify keeps to len - 1.
        unsafe { put_cstr(escaped, room, &out) };
        if !in_used.is_null() {
            // SAFETY: the caller's int.
            unsafe { *in_used = used as c_int };
        }
        escaped
    })
}

/// The length `lws_json_purify` needs for all of `string` (not counting the NUL).
#[no_mangle]
pub unsafe extern "C" fn lws_json_purify_len(string: *const c_char) -> c_int {
    entry!(fail = 0, {
        need!(string);
        // SAFETY: a C string, per the caller.
        let s = unsafe { super::cstr(string) }.unwrap_or(b"");
        tz::json_purify_len(s) as c_int
    })
}

/// Zeroes `len` bytes at `p` in a way the compiler may not drop as a dead store.
#[no_mangle]
pub unsafe extern "C" fn lws_explicit_bzero(p: *mut c_void, len: usize) {
    entry!({
        if len == 0 {
            return;
        }
        need!(p);
        let p = p as *mut u8;
        for i in 0..len {
            // SAFETY: len writable bytes at p, per the API.
            unsafe { ptr::write_volatile(p.add(i), 0) };
        }
    })
}
