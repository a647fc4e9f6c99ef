//! The stateful POST argument parser behind `lws_spa_*` (lws-spa.h), sans-IO.
//!
//! Follows lws 4.3's lws-spa.c byte for byte in what a caller can observe:
//!
//! * `application/x-www-form-urlencoded` (anything not multipart): `name=value` pairs
//!   split at `&`, `+` is a space, `%xx` is decoded (a bad hex digit makes `process`
//!   return -1), names are compared raw (not decoded) and may be 31 bytes at most
//!   (longer: -1).  A pair still open at `finalize` is stored only if it is in its value
//!   part with no `%` pending; empty values are never stored.
//! * `multipart/form-data` and `multipart/related` with `boundary=` (optionally quoted)
//!   in the content type: each part's `Content-Disposition` gives `name` (31 bytes kept)
//!   and `filename` (255); parts with a filename go to the file callback (OPEN when the
//!   disposition line ends, CONTENT whenever the storage fills, FINAL_CONTENT at the
//!   next boundary), the others are stored like urlencoded values.  `--` after a boundary
//!   completes the body; anything after it is ignored.  No boundary: nothing is stored.
//! * Values share one `max_storage` area (512 when 0), each stored value taking its
//!   length + 1 and one byte of the area never usable.  A second value for a known name
//!   is stored after the first, but the string returned stays the first while the
//!   length counts both (lws's accounting, kept).  A known value that does not fit makes
//!   `process` (or `finalize`) fail with -1; unknown names' values are dropped as they
//!   come, whatever their size.  File content is handed over in pieces of whatever
//!   storage remains, never buffered whole.
//! * `finalize` always ends with CLOSE to the file callback (NULL buffer, length 0).
//!
//! Where lws would read uninitialised memory (a name with no `=` before `&` stores the
//! name's length worth of old storage bytes) the storage here starts zeroed, so the same
//! mechanics give a deterministic result; where lws could write past its storage (a
//! boundary prefix longer than the room left after a stored value), this refuses (-1).

/// lws_spa_fileupload_states, as the file callback receives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ufs {
    Content = 0,
    FinalContent = 1,
    Open = 2,
    Close = 3,
}

/// lws's fixed field sizes (bytes, including the terminating NUL).
const NAME_LEN: usize = 32;
const TEMP_LEN: usize = 32;
const DISP_LEN: usize = 32;
const TYPE_LEN: usize = 32;
const FILENAME_LEN: usize = 256;
const BOUNDARY_LEN: usize = 128;
/// What lws_spa_create_via_info uses when max_storage is 0.
pub const DEFAULT_MAX_STORAGE: usize = 512;
/// The buffer lws copies the Content-Type header into: a longer header counts as absent.
pub const CONTENT_TYPE_BUF: usize = 205;

/// The multipart part headers lws recognises (lower case), and the blank line.
const MP_HDRS: [&[u8]; 3] = [b"content-disposition: ", b"content-type: ", b"\r\n"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    UsName,
    UsIdle,
    UsPc1,
    UsPc2,
    MtLookBoundIn,
    MtHname,
    MtDisp,
    MtType,
    MtIgnore1,
    MtIgnore2,
    MtIgnore3,
    MtCompleted,
}

/// The file callback: (part name, filename, the piece (None for CLOSE), state) -> 0 or
/// negative to fail.  Name and filename are NUL-terminated arrays (C strings for the C
/// callback); use [`cstr_bytes`] to see them as byte strings.
pub type FileSink<'a> =
    dyn FnMut(&[u8; NAME_LEN], &[u8; FILENAME_LEN], Option<&mut [u8]>, Ufs) -> i32 + 'a;

/// The bytes of a NUL-terminated array up to its NUL.
pub fn cstr_bytes(a: &[u8]) -> &[u8] {
    let end = a.iter().position(|&b| b == 0).unwrap_or(a.len());
    &a[..end]
}

/// The decoder's state (lws's `lws_urldecode_stateful`); dropped at finalize.
struct Decoder {
    name: [u8; NAME_LEN],
    temp: [u8; TEMP_LEN],
    content_type: [u8; TYPE_LEN],
    content_disp: [u8; DISP_LEN],
    filename: [u8; FILENAME_LEN],
    boundary: [u8; BOUNDARY_LEN],
    /// Where the value being collected starts in the storage, and the room from there on.
    out: usize,
    out_len: isize,
    pos: isize,
    mp: isize,
    sum: u8,
    matchable: u8,
    inside_quote: bool,
    subname: bool,
    boundary_real_crlf: bool,
    state: St,
}

/// One parser: what `struct lws_spa` is.
pub struct Spa {
    names: Vec<Option<Vec<u8>>>,
    /// max_storage bytes plus one that is never written, so every string handed out
    /// ends inside the allocation even where lws's would run on.
    storage: Vec<u8>,
    /// Where each known parameter's first stored value starts (storage offsets).
    params: Vec<Option<usize>>,
    /// With lws's `ac` option each value is a separate allocation and the last one wins.
    ac_params: Option<Vec<Option<Vec<u8>>>>,
    lengths: Vec<i32>,
    finalized: bool,
    /// The body reached its closing boundary (lws then sets rx_content_remain to 0).
    completed: bool,
    s: Option<Box<Decoder>>,
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

impl Spa {
    /// `names`: the parameters to keep (None: an entry that never matches);
    /// `max_storage`: 0 for lws's default; `content_type`: the request's Content-Type as
    /// lws_hdr_copy gives it (None when absent or too long); `ac`: lws's lwsac mode.
    pub fn new(
        names: Vec<Option<Vec<u8>>>,
        max_storage: usize,
        content_type: Option<&[u8]>,
        ac: bool,
    ) -> Spa {
        let max = if max_storage == 0 {
            DEFAULT_MAX_STORAGE
        } else {
            max_storage
        };
        let n = names.len();
        let mut d = Box::new(Decoder {
            name: [0; NAME_LEN],
            temp: [0; TEMP_LEN],
            content_type: [0; TYPE_LEN],
            content_disp: [0; DISP_LEN],
            filename: [0; FILENAME_LEN],
            boundary: [0; BOUNDARY_LEN],
            out: 0,
            out_len: max as isize,
            pos: 0,
            mp: 0,
            sum: 0,
            matchable: 0,
            inside_quote: false,
            subname: false,
            boundary_real_crlf: false,
            state: St::UsName,
        });
        if let Some(ct) = content_type.filter(|ct| !ct.is_empty()) {
            // lws compares with strncmp on the C string: a NUL inside ends it.
            let ct = cstr_bytes(ct);
            if ct.starts_with(b"multipart/form-data") || ct.starts_with(b"multipart/related") {
                d.state = St::MtLookBoundIn;
                d.mp = 2;
                if let Some(at) = find(ct, b"boundary=") {
                    let mut v = &ct[at + 9..];
                    let mut m = 0;
                    for &b in b"\r\n--" {
                        d.boundary[m] = b;
                        m += 1;
                    }
                    if v.first() == Some(&b'"') {
                        v = &v[1..];
                    }
                    for &b in v {
                        if m >= BOUNDARY_LEN - 1 || b == b' ' || b == b';' || b == b'"' {
                            break;
                        }
                        d.boundary[m] = b;
                        m += 1;
                    }
                }
            }
        }
        Spa {
            names,
            storage: vec![0; max + 1],
            params: vec![None; n],
            ac_params: if ac { Some(vec![None; n]) } else { None },
            lengths: vec![0; n],
            finalized: false,
            completed: false,
            s: Some(d),
        }
    }

    /// lws_spa_get_length: 0 for an ordinal out of range.
    pub fn length(&self, n: usize) -> i32 {
        self.lengths.get(n).copied().unwrap_or(0)
    }

    /// lws_spa_get_string as bytes (to the NUL), None when the parameter was not stored.
    pub fn value(&self, n: usize) -> Option<&[u8]> {
        let p = self.value_ptr(n)?;
        // SAFETY: value_ptr points inside our own storage or ac value, each of which has
        // a NUL before its end (the storage's last byte is never written).
        Some(unsafe { core::ffi::CStr::from_ptr(p.cast()) }.to_bytes())
    }

    /// Where the stored string of parameter `n` starts (NUL-terminated inside `self`).
    pub fn value_ptr(&self, n: usize) -> Option<*const u8> {
        if let Some(ac) = &self.ac_params {
            return ac.get(n)?.as_ref().map(|v| v.as_ptr());
        }
        let off = (*self.params.get(n)?)?;
        Some(self.storage[off..].as_ptr())
    }

    /// Whether the multipart body's closing boundary was seen.
    pub fn completed(&self) -> bool {
        self.completed
    }

    pub fn is_finalized(&self) -> bool {
        self.finalized
    }

    /// lws_spa_process: 0, or -1 on a malformed body, a known value overflowing the
    /// storage, or the file callback failing.  Input after finalize is ignored (0).
    pub fn process(&mut self, input: &[u8], cb: &mut FileSink) -> i32 {
        if self.finalized {
            return 0;
        }
        match self.s.take() {
            Some(mut d) => {
                let r = self.run(&mut d, input, cb);
                self.s = Some(d);
                r
            }
            None => 0,
        }
    }

    /// lws_spa_finalize (and what lws_spa_destroy does when not finalized): the pending
    /// value is delivered if complete, then CLOSE.  Returns what lws's internal destroy
    /// does (lws_spa_finalize itself ignores it and returns 0).
    pub fn finalize(&mut self, cb: &mut FileSink) -> i32 {
        let mut ret = 0;
        if let Some(mut d) = self.s.take() {
            if d.state != St::UsIdle {
                ret = -1;
            }
            if ret == 0 && self.output(&mut d, Ufs::FinalContent, cb) != 0 {
                ret = -1;
            }
            if self.output(&mut d, Ufs::Close, cb) != 0 {
                ret = -1;
            }
        }
        self.finalized = true;
        ret
    }

    /// Writes one decoded byte at the collection position; refuses (where lws would
    /// overrun its storage) to touch the final, always-NUL byte.
    fn put(&mut self, d: &mut Decoder, b: u8) -> Result<(), ()> {
        let at = d.out as isize + d.pos;
        if at < 0 || at as usize >= self.storage.len() - 1 {
            lwsl_warn!("lws_spa_process: value past the storage");
            return Err(());
        }
        self.storage[at as usize] = b;
        d.pos += 1;
        Ok(())
    }

    /// lws's output callback into the spa: file parts to `cb`, known values stored.
    fn output(&mut self, d: &mut Decoder, state: Ufs, cb: &mut FileSink) -> i32 {
        let len = d.pos.max(0) as usize;
        if state == Ufs::Close || d.filename[0] != 0 {
            let buf = if state == Ufs::Close {
                None
            } else {
                let end = (d.out + len).min(self.storage.len() - 1);
                let start = d.out.min(end);
                Some(&mut self.storage[start..end])
            };
            return if cb(&d.name, &d.filename, buf, state) < 0 {
                -1
            } else {
                0
            };
        }
        let name = cstr_bytes(&d.name);
        let Some(n) = self.names.iter().position(|p| p.as_deref() == Some(name)) else {
            return 0;
        };
        if len == 0 {
            return 0;
        }
        if let Some(ac) = &mut self.ac_params {
            let mut v = self.storage[d.out..d.out + len].to_vec();
            v.push(0);
            ac[n] = Some(v);
        } else {
            if self.params[n].is_none() {
                self.params[n] = Some(d.out);
            }
            // lws: the value and its NUL must end before the storage's last byte.
            if d.out + len >= self.storage.len() - 2 {
                lwsl_info!("lws_spa: exceeded storage");
                return -1;
            }
            self.storage[d.out + len] = 0;
            d.out += len + 1;
            d.out_len -= len as isize + 1;
        }
        self.lengths[n] += len as i32;
        0
    }

    fn run(&mut self, d: &mut Decoder, input: &[u8], cb: &mut FileSink) -> i32 {
        let mut i = 0;
        while i < input.len() {
            if d.pos == d.out_len - d.mp - 1 {
                if self.output(d, Ufs::Content, cb) != 0 {
                    return -1;
                }
                d.pos = 0;
            }
            let c = input[i];
            match d.state {
                St::UsName => {
                    d.inside_quote = false;
                    if c == b'=' {
                        d.name[(d.pos as usize).min(NAME_LEN - 1)] = 0;
                        d.pos = 0;
                        d.state = St::UsIdle;
                    } else if c == b'&' {
                        d.name[(d.pos as usize).min(NAME_LEN - 1)] = 0;
                        if self.output(d, Ufs::FinalContent, cb) != 0 {
                            return -1;
                        }
                        d.pos = 0;
                        d.state = St::UsIdle;
                    } else {
                        if d.pos >= NAME_LEN as isize - 1 {
                            lwsl_notice!("lws_spa: name too long");
                            return -1;
                        }
                        d.name[d.pos as usize] = c;
                        d.pos += 1;
                    }
                    i += 1;
                }
                St::UsIdle => {
                    match c {
                        b'%' => d.state = St::UsPc1,
                        b'&' => {
                            if self.put(d, 0).is_err() {
                                return -1;
                            }
                            d.pos -= 1;
                            if self.output(d, Ufs::FinalContent, cb) != 0 {
                                return -1;
                            }
                            d.pos = 0;
                            d.state = St::UsName;
                        }
                        b'+' => {
                            if self.put(d, b' ').is_err() {
                                return -1;
                            }
                        }
                        _ => {
                            if self.put(d, c).is_err() {
                                return -1;
                            }
                        }
                    }
                    i += 1;
                }
                St::UsPc1 => {
                    let Some(h) = hex(c) else { return -1 };
                    d.sum = h << 4;
                    d.state = St::UsPc2;
                    i += 1;
                }
                St::UsPc2 => {
                    let Some(h) = hex(c) else { return -1 };
                    if self.put(d, d.sum | h).is_err() {
                        return -1;
                    }
                    d.state = St::UsIdle;
                    i += 1;
                }
                St::MtLookBoundIn => {
                    // Loops only to retry this byte as a boundary start after a partial
                    // match turned out to be content.
                    loop {
                        let want = d.boundary[d.mp as usize];
                        if want != 0 && c == want {
                            d.mp += 1;
                            if d.boundary[d.mp as usize] == 0 {
                                d.mp = 0;
                                d.state = St::MtIgnore1;
                                if self.output(d, Ufs::FinalContent, cb) != 0 {
                                    return -1;
                                }
                                d.pos = 0;
                                d.content_disp[0] = 0;
                                d.name[0] = 0;
                                d.filename[0] = 0;
                                d.boundary_real_crlf = true;
                            }
                            break;
                        }
                        if d.mp > 0 {
                            // Before the first boundary its CRLF is not in the data.
                            let n: isize = if d.boundary_real_crlf { 0 } else { 2 };
                            if d.mp >= n {
                                let at = d.out as isize + d.pos;
                                let cnt = d.mp - n;
                                if at < 0 || (at + d.mp) as usize >= self.storage.len() - 1 {
                                    lwsl_warn!("lws_spa_process: value past the storage");
                                    return -1;
                                }
                                let (at, n, cnt) = (at as usize, n as usize, cnt as usize);
                                self.storage[at..at + cnt].copy_from_slice(&d.boundary[n..n + cnt]);
                                d.pos += d.mp;
                                d.mp = 0;
                                continue;
                            }
                        }
                        if self.put(d, c).is_err() {
                            return -1;
                        }
                        d.mp = 0;
                        break;
                    }
                    i += 1;
                }
                St::MtHname => {
                    let c = c.to_ascii_lowercase();
                    if d.mp == 0 {
                        d.matchable = (1 << MP_HDRS.len()) - 1;
                    }
                    let mp = d.mp as usize;
                    let mut hit = None;
                    for (n, h) in MP_HDRS.iter().enumerate() {
                        if d.matchable & (1 << n) == 0 {
                            continue;
                        }
                        if mp >= h.len() || c != h[mp] {
                            d.matchable &= !(1 << n);
                            continue;
                        }
                        if mp + 1 == h.len() {
                            hit = Some(n);
                            break;
                        }
                    }
                    i += 1;
                    match hit {
                        None if d.matchable == 0 => {
                            d.state = St::MtIgnore1;
                            d.mp = 0;
                        }
                        None => d.mp += 1,
                        Some(n) => {
                            d.mp = 0;
                            d.temp[0] = 0;
                            d.subname = false;
                            d.state = match n {
                                0 => St::MtDisp,
                                1 => St::MtType,
                                _ => St::MtLookBoundIn,
                            };
                        }
                    }
                }
                St::MtDisp => {
                    if c == b'\r' {
                        if d.filename[0] != 0 && self.output(d, Ufs::Open, cb) != 0 {
                            return -1;
                        }
                        d.state = St::MtIgnore2;
                    } else if c == b';' {
                        d.subname = true;
                        d.temp[0] = 0;
                        d.mp = 0;
                    } else if c == b'"' {
                        d.inside_quote = !d.inside_quote;
                    } else if d.subname {
                        if c == b'=' {
                            d.temp[d.mp as usize] = 0;
                            d.subname = false;
                            d.mp = 0;
                        } else if (d.mp as usize) < TEMP_LEN - 1 && (c != b' ' || d.inside_quote) {
                            d.temp[d.mp as usize] = c;
                            d.mp += 1;
                        }
                    } else if d.temp[0] == 0 {
                        let mp = d.mp as usize;
                        if mp < DISP_LEN - 1 {
                            d.content_disp[mp] = c;
                            d.mp += 1;
                        }
                        if (d.mp as usize) < DISP_LEN {
                            d.content_disp[d.mp as usize] = 0;
                        }
                    } else if cstr_bytes(&d.temp) == b"name" {
                        if (d.mp as usize) < NAME_LEN - 1 {
                            d.name[d.mp as usize] = c;
                            d.mp += 1;
                        } else {
                            d.mp = NAME_LEN as isize - 1;
                        }
                        d.name[d.mp as usize] = 0;
                    } else if cstr_bytes(&d.temp) == b"filename" {
                        if (d.mp as usize) < FILENAME_LEN - 1 {
                            d.filename[d.mp as usize] = c;
                            d.mp += 1;
                        }
                        d.filename[(d.mp as usize).min(FILENAME_LEN - 1)] = 0;
                    }
                    i += 1;
                }
                St::MtType => {
                    if c == b'\r' {
                        d.state = St::MtIgnore2;
                    } else {
                        let mp = (d.mp.max(0) as usize).min(TYPE_LEN - 1);
                        if mp < TYPE_LEN - 1 {
                            d.content_type[mp] = c;
                            d.mp += 1;
                        }
                        d.content_type[(d.mp.max(0) as usize).min(TYPE_LEN - 1)] = 0;
                    }
                    i += 1;
                }
                St::MtIgnore1 => {
                    if c == b'\r' {
                        d.state = St::MtIgnore2;
                    }
                    if c == b'-' {
                        d.state = St::MtIgnore3;
                    }
                    i += 1;
                }
                St::MtIgnore2 => {
                    d.mp = 0;
                    if c == b'\n' {
                        d.state = St::MtHname;
                    }
                    i += 1;
                }
                St::MtIgnore3 => {
                    if c == b'\r' {
                        d.state = St::MtIgnore2;
                    }
                    if c == b'-' {
                        d.state = St::MtCompleted;
                        self.completed = true;
                    }
                    i += 1;
                }
                St::MtCompleted => return 0,
            }
        }
        0
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 8] = ["a", "b", "c", "text", "name", "file", "x", "a b"];
    const URLENC: &[u8] = b"application/x-www-form-urlencoded";

    /// Feeds `body` in `chunk`-byte pieces (0: whole) and returns a transcript in the
    /// format of the lws 4.3.10 program these expectations were read from.
    fn run(ct: &[u8], body: &[u8], max: usize, chunk: usize) -> Vec<String> {
        let names = NAMES.iter().map(|n| Some(n.as_bytes().to_vec())).collect();
        let mut spa = Spa::new(names, max, Some(ct), false);
        let t = std::cell::RefCell::new(Vec::<String>::new());
        let mut cb =
            |name: &[u8; NAME_LEN], fname: &[u8; FILENAME_LEN], buf: Option<&mut [u8]>, st: Ufs| {
                let b = match buf {
                    Some(b) => String::from_utf8_lossy(b).into_owned(),
                    None => "NULL".into(),
                };
                let len = if b == "NULL" { 0 } else { b.len() };
                t.borrow_mut().push(format!(
                    "cb st={} name='{}' fn='{}' len={} buf={}|",
                    st as i32,
                    String::from_utf8_lossy(cstr_bytes(name)),
                    String::from_utf8_lossy(cstr_bytes(fname)),
                    len,
                    b
                ));
                0
            };
        let mut off = 0;
        while off < body.len() {
            let n = if chunk == 0 {
                body.len() - off
            } else {
                chunk.min(body.len() - off)
            };
            let r = spa.process(&body[off..off + n], &mut cb);
            if r != 0 {
                t.borrow_mut().push(format!("process@{off}={r}"));
            }
            off += n;
        }
        spa.finalize(&mut cb);
        for (i, n) in NAMES.iter().enumerate() {
            let v = spa.value(i);
            let l = spa.length(i);
            if v.is_some() || l != 0 {
                let s = v
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .unwrap_or("NULL".into());
                t.borrow_mut().push(format!("p[{n}] len={l} str='{s}'"));
            }
        }
        t.into_inner()
    }

    fn all_chunkings(ct: &[u8], body: &[u8], max: usize, want: &[&str]) {
        for chunk in [0, 1, 2, 3, 5, 7, 64] {
            assert_eq!(run(ct, body, max, chunk), want, "chunk {chunk}");
        }
    }

    #[test]
    fn urlencoded_decoding() {
        all_chunkings(
            URLENC,
            b"a=1%41+2&b=x+y%2b&c=&a%20b=z",
            0,
            &[
                "cb st=3 name='a%20b' fn='' len=0 buf=NULL|",
                "p[a] len=4 str='1A 2'",
                "p[b] len=4 str='x y+'",
            ],
        );
    }

    #[test]
    fn urlencoded_bad_hex_and_unfinished() {
        // From lws 4.3.10: the bad digit fails process (again for each byte fed after
        // it); the unfinished pair is dropped at finalize.
        assert_eq!(
            run(URLENC, b"a=1%41+2&b=x+y&c=&text=%zz", 0, 0),
            [
                "process@0=-1",
                "cb st=3 name='text' fn='' len=0 buf=NULL|",
                "p[a] len=4 str='1A 2'",
                "p[b] len=3 str='x y'"
            ]
        );
        assert_eq!(
            run(URLENC, b"a=1%41+2&b=x+y&c=&text=%zz", 0, 1),
            [
                "process@24=-1",
                "process@25=-1",
                "cb st=3 name='text' fn='' len=0 buf=NULL|",
                "p[a] len=4 str='1A 2'",
                "p[b] len=3 str='x y'"
            ]
        );
        all_chunkings(
            URLENC,
            b"a=hello&x=1&a=again&b=two%2",
            0,
            &[
                "cb st=3 name='b' fn='' len=0 buf=NULL|",
                "p[a] len=10 str='hello'",
                "p[x] len=1 str='1'",
            ],
        );
    }

    #[test]
    fn urlencoded_long_names() {
        let mut body = b"a=1&".to_vec();
        body.extend_from_slice(&[b'n'; 31]);
        body.extend_from_slice(b"=2&b=3");
        all_chunkings(
            URLENC,
            &body,
            0,
            &[
                "cb st=3 name='b' fn='' len=0 buf=NULL|",
                "p[a] len=1 str='1'",
                "p[b] len=1 str='3'",
            ],
        );
        let mut body = b"a=1&".to_vec();
        body.extend_from_slice(&[b'n'; 32]);
        body.extend_from_slice(b"=2&b=3");
        let t = run(URLENC, &body, 0, 0);
        assert_eq!(t[0], "process@0=-1");
    }

    #[test]
    fn storage_overflow() {
        // lws 4.3.10 with max_storage 20: the known value that does not fit fails
        // process; its pointer is kept, its length is not counted.
        assert_eq!(
            run(URLENC, b"a=1234567890123456789012345&b=2", 20, 0),
            [
                "process@0=-1",
                "cb st=3 name='a' fn='' len=0 buf=NULL|",
                "p[a] len=0 str='1234567890123456789'"
            ]
        );
        // Unknown names' long values are dropped as they come.
        all_chunkings(
            URLENC,
            b"zz=1234567890123456789012345678901234567890&b=2",
            20,
            &[
                "cb st=3 name='b' fn='' len=0 buf=NULL|",
                "p[b] len=1 str='2'",
            ],
        );
        // A value and its NUL must leave the last byte: 18 chars fit in 20, 19 do not.
        assert_eq!(
            run(URLENC, b"a=123456789012345678", 20, 0),
            [
                "cb st=3 name='a' fn='' len=0 buf=NULL|",
                "p[a] len=18 str='123456789012345678'"
            ]
        );
        let mut body = b"a=one&a=second&b=".to_vec();
        body.extend_from_slice(&[b'q'; 40]);
        body.extend_from_slice(b"&c=3");
        assert_eq!(
            run(URLENC, &body, 20, 0),
            [
                "process@0=-1",
                "cb st=3 name='b' fn='' len=0 buf=NULL|",
                "p[a] len=9 str='one'",
                "p[b] len=0 str='qqqqqqqq'"
            ]
        );
        // 19 are caught by finalize (whose failure lws_spa_finalize does not report).
        assert_eq!(
            run(URLENC, b"a=1234567890123456789", 20, 0),
            [
                "cb st=3 name='a' fn='' len=0 buf=NULL|",
                "p[a] len=0 str='1234567890123456789'"
            ]
        );
    }

    #[test]
    fn name_without_value() {
        // lws stores the name's length of (here zeroed) storage, then collects the rest
        // as that name's value.
        all_chunkings(
            URLENC,
            b"a&b=1",
            0,
            &[
                "cb st=3 name='a' fn='' len=0 buf=NULL|",
                "p[a] len=4 str=''",
            ],
        );
    }

    const MP: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue A\r\n\
--XyZ\r\ncontent-disposition: form-data; name=\"text\"\r\n\r\nline1\r\nline2 --X\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.txt\"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n--Xy not\r\n\
--XyZ--\r\n";

    const MP_WANT: [&str; 6] = [
        "cb st=2 name='file' fn='t.txt' len=0 buf=|",
        "cb st=1 name='file' fn='t.txt' len=19 buf=file body\r\n--Xy not|",
        "cb st=3 name='' fn='' len=0 buf=NULL|",
        "p[a] len=7 str='value A'",
        "p[text] len=16 str='line1\r\nline2 --X'",
        "",
    ];

    #[test]
    fn multipart_every_split() {
        let ct = b"multipart/form-data; boundary=XyZ";
        let want = &MP_WANT[..5];
        for cut in 0..=MP.len() {
            let names = NAMES.iter().map(|n| Some(n.as_bytes().to_vec())).collect();
            let mut spa = Spa::new(names, 0, Some(ct), false);
            let mut t: Vec<String> = Vec::new();
            let mut cb = |name: &[u8; NAME_LEN],
                          fname: &[u8; FILENAME_LEN],
                          buf: Option<&mut [u8]>,
                          st: Ufs| {
                let b = buf.map(|b| String::from_utf8_lossy(b).into_owned());
                let len = b.as_ref().map_or(0, |b| b.len());
                t.push(format!(
                    "cb st={} name='{}' fn='{}' len={} buf={}|",
                    st as i32,
                    String::from_utf8_lossy(cstr_bytes(name)),
                    String::from_utf8_lossy(cstr_bytes(fname)),
                    len,
                    b.unwrap_or("NULL".into())
                ));
                0
            };
            assert_eq!(spa.process(&MP[..cut], &mut cb), 0);
            assert_eq!(spa.process(&MP[cut..], &mut cb), 0);
            spa.finalize(&mut cb);
            assert!(spa.completed());
            t.push(format!(
                "p[a] len={} str='{}'",
                spa.length(0),
                String::from_utf8_lossy(spa.value(0).unwrap())
            ));
            t.push(format!(
                "p[text] len={} str='{}'",
                spa.length(3),
                String::from_utf8_lossy(spa.value(3).unwrap())
            ));
            assert_eq!(t, want, "cut at {cut}");
        }
        all_chunkings(ct, MP, 0, want);
    }

    #[test]
    fn multipart_quoted_boundary_preamble_epilogue() {
        let mut body = b"preamble\r\n".to_vec();
        body.extend_from_slice(MP);
        body.extend_from_slice(b"epilogue");
        all_chunkings(
            b"multipart/form-data; boundary=\"XyZ\"; charset=x",
            &body,
            0,
            &MP_WANT[..5],
        );
        all_chunkings(b"multipart/related;boundary=XyZ", &body, 0, &MP_WANT[..5]);
    }

    #[test]
    fn multipart_small_storage_streams_the_file() {
        // From lws 4.3.10, max_storage 20: the text part does not fit and fails.
        assert_eq!(
            run(b"multipart/form-data; boundary=XyZ", MP, 20, 0),
            [
                "process@0=-1",
                "cb st=3 name='text' fn='' len=0 buf=NULL|",
                "p[a] len=7 str='value A'",
                "p[text] len=0 str='line1\r\nline'"
            ]
        );
        // A big file in 64 bytes of storage arrives in pieces, never whole.
        let mut body =
            b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n"
                .to_vec();
        let content: Vec<u8> = (0..1000u32).map(|i| b'a' + (i % 26) as u8).collect();
        body.extend_from_slice(&content);
        body.extend_from_slice(b"\r\n--B--\r\n");
        for chunk in [0, 1, 13] {
            let mut spa = Spa::new(
                vec![Some(b"file".to_vec())],
                64,
                Some(b"multipart/form-data; boundary=B"),
                false,
            );
            let mut got = Vec::new();
            let mut events = Vec::new();
            let mut cb =
                |_: &[u8; NAME_LEN], _: &[u8; FILENAME_LEN], buf: Option<&mut [u8]>, st: Ufs| {
                    if let Some(b) = &buf {
                        assert!(b.len() < 64);
                        got.extend_from_slice(b);
                    }
                    events.push(st);
                    0
                };
            for piece in body.chunks(if chunk == 0 { body.len() } else { chunk }) {
                assert_eq!(spa.process(piece, &mut cb), 0);
            }
            spa.finalize(&mut cb);
            assert_eq!(got, content);
            assert_eq!(events[0], Ufs::Open);
            assert!(events[1..events.len() - 2]
                .iter()
                .all(|&e| e == Ufs::Content));
            assert_eq!(&events[events.len() - 2..], [Ufs::FinalContent, Ufs::Close]);
            assert_eq!(spa.value(0), None);
        }
    }

    #[test]
    fn multipart_without_boundary_stores_nothing() {
        all_chunkings(
            b"multipart/form-data",
            MP,
            0,
            &["cb st=3 name='' fn='' len=0 buf=NULL|"],
        );
        // A boundary that never comes: nothing stored, no failure.
        all_chunkings(
            b"multipart/form-data; boundary=Other",
            MP,
            0,
            &["cb st=3 name='' fn='' len=0 buf=NULL|"],
        );
    }

    #[test]
    fn callback_failure_and_after_finalize() {
        let mut spa = Spa::new(vec![], 0, Some(b"multipart/form-data; boundary=XyZ"), false);
        let mut cb = |_: &[u8; NAME_LEN], _: &[u8; FILENAME_LEN], _: Option<&mut [u8]>, st: Ufs| {
            if st == Ufs::Open {
                -1
            } else {
                0
            }
        };
        assert_eq!(spa.process(MP, &mut cb), -1);
        spa.finalize(&mut cb);
        assert_eq!(spa.process(b"anything", &mut cb), 0);
        assert_eq!(spa.value(7), None);
        assert_eq!(spa.length(7), 0);
    }

    #[test]
    fn ac_mode_keeps_the_last_value() {
        let mut spa = Spa::new(vec![Some(b"a".to_vec())], 0, None, true);
        let mut cb = |_: &[u8; NAME_LEN], _: &[u8; FILENAME_LEN], _: Option<&mut [u8]>, _: Ufs| 0;
        assert_eq!(spa.process(b"a=one&a=second", &mut cb), 0);
        spa.finalize(&mut cb);
        assert_eq!(spa.value(0), Some(&b"second"[..]));
        assert_eq!(spa.length(0), 9);
    }
}
