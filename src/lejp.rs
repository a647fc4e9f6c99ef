//! lejp: lws's streaming JSON parser, as a state machine over the C-allocated
//! `struct lejp_ctx` (`crate::abi::lejp`).  Every bit of state lives in that struct, so
//! input may arrive split anywhere and C code may inspect (and, as lws allows, adjust)
//! it from its callback.
//!
//! The code here is safe Rust.  It reaches the struct, the user callback and the path
//! patterns only through [`Host`], which `crate::capi::lejp` implements over the raw C
//! pointer (and the unit tests over an owned struct).  A `&mut lejp_ctx` from
//! [`Host::ctx`] borrows the host, so none can be alive while the callback runs (the
//! callback gets the same struct through its pointer).
//!
//! The behaviour is lws 4.3's, quirks included (a top-level `{}` is refused, START is
//! reported on every call made while at the top level with an empty path, `\` followed
//! by a NUL byte is a valid escape).  Where lws would write outside an array of the
//! struct, the parse is refused instead: a path longer than LEJP_MAX_PATH (-22,
//! LEJP_REJECT_UNKNOWN, like lws's own check on `[`), more than 8 wildcards in one path
//! pattern (the extra ones are not recorded), state that C code left out of range.
use crate::abi::{_lejp_parsing_stack, _lejp_stack, lejp_callback, lejp_ctx};
use core::ffi::{c_char, c_void};

// lejp_states
const IDLE: u8 = 0;
const MEMBERS: u8 = 1;
const M_P: u8 = 2;
const WS_KEEP: u8 = 64;
const COMMENTLINE: u8 = 32;
const MP_STRING: u8 = WS_KEEP | 3;
const MP_STRING_ESC: u8 = WS_KEEP | 4;
const MP_STRING_ESC_U1: u8 = WS_KEEP | 5;
const MP_STRING_ESC_U2: u8 = WS_KEEP | 6;
const MP_STRING_ESC_U3: u8 = WS_KEEP | 7;
const MP_STRING_ESC_U4: u8 = WS_KEEP | 8;
const MP_DELIM: u8 = 9;
const MP_VALUE: u8 = 10;
const MP_VALUE_NUM_INT: u8 = WS_KEEP | 11;
const MP_VALUE_NUM_EXP: u8 = WS_KEEP | 12;
const MP_VALUE_TOK: u8 = WS_KEEP | 13;
const MP_COMMA_OR_END: u8 = 14;
const MP_ARRAY_END: u8 = 15;

// lejp_reasons: what lejp_parse returns
pub(crate) const CONTINUE: i32 = -1;
const REJECT_IDLE_NO_BRACE: i32 = -2;
const REJECT_MEMBERS_NO_CLOSE: i32 = -3;
const REJECT_MP_NO_OPEN_QUOTE: i32 = -4;
const REJECT_MP_STRING_UNDERRUN: i32 = -5;
const REJECT_MP_ILLEGAL_CTRL: i32 = -6;
const REJECT_MP_STRING_ESC_ILLEGAL_ESC: i32 = -7;
const REJECT_ILLEGAL_HEX: i32 = -8;
const REJECT_MP_DELIM_MISSING_COLON: i32 = -9;
const REJECT_MP_DELIM_BAD_VALUE_START: i32 = -10;
const REJECT_MP_VAL_NUM_INT_NO_FRAC: i32 = -11;
const REJECT_MP_VAL_NUM_FORMAT: i32 = -12;
const REJECT_MP_VAL_NUM_EXP_BAD_EXP: i32 = -13;
const REJECT_MP_VAL_TOK_UNKNOWN: i32 = -14;
const REJECT_MP_C_OR_E_UNDERF: i32 = -15;
const REJECT_MP_C_OR_E_NOTARRAY: i32 = -16;
const REJECT_MP_ARRAY_END_MISSING: i32 = -17;
const REJECT_STACK_OVERFLOW: i32 = -18;
const REJECT_MP_DELIM_ISTACK: i32 = -19;
const REJECT_NUM_TOO_LONG: i32 = -20;
const REJECT_MP_C_OR_E_NEITHER: i32 = -21;
pub(crate) const REJECT_UNKNOWN: i32 = -22;
const REJECT_CALLBACK: i32 = -23;

// lejp_callbacks: the reasons the user callback gets
pub(crate) const CB_CONSTRUCTED: u8 = 0;
pub(crate) const CB_DESTRUCTED: u8 = 1;
pub(crate) const CB_START: u8 = 2;
const CB_COMPLETE: u8 = 3;
const CB_FAILED: u8 = 4;
const CB_PAIR_NAME: u8 = 5;
const IS_VALUE: u8 = 64;
const CB_VAL_TRUE: u8 = IS_VALUE | 6;
const CB_VAL_FALSE: u8 = IS_VALUE | 7;
const CB_VAL_NULL: u8 = IS_VALUE | 8;
const CB_VAL_NUM_INT: u8 = IS_VALUE | 9;
const CB_VAL_NUM_FLOAT: u8 = IS_VALUE | 10;
const CB_VAL_STR_START: u8 = 11;
const CB_VAL_STR_CHUNK: u8 = IS_VALUE | 12;
const CB_VAL_STR_END: u8 = IS_VALUE | 13;
const CB_ARRAY_START: u8 = 14;
const CB_ARRAY_END: u8 = 15;
const CB_OBJECT_START: u8 = 16;
const CB_OBJECT_END: u8 = 17;

// num_flags
const SEEN_MINUS: u8 = 1;
const SEEN_POINT: u8 = 2;
const SEEN_POST_POINT: u8 = 4;
const SEEN_EXP: u8 = 8;

const MAX_PARSING_STACK_DEPTH: usize = 5;
const MAX_DEPTH: usize = 12;
const MAX_INDEX_DEPTH: usize = 8;
const MAX_PATH: usize = 128;
/// A string value is handed over in pieces of this many bytes.
const STRING_CHUNK: usize = 254;
/// Longest run of digits in one number (lws's limit).
const MAX_DIGITS: u8 = 20;

const ESC_FROM: &[u8; 9] = b"\"\\/bfnrt\0";
const ESC_TO: &[u8; 9] = b"\"\\/\x08\x0c\n\r\t\0";
/// The rest of `true`, `false` and `null` after their first letter; `uni` indexes it.
const TOKENS: &[u8; 13] = b"rue alse ull ";

/// What the parser needs from its environment.
pub trait Host {
    /// The parser's state.
    fn ctx(&mut self) -> &mut lejp_ctx;
    /// Calls the current parsing stack level's callback with `reason`; 0 means go on.
    fn call(&mut self, reason: u8) -> i8;
    /// Runs `f` on path pattern `n` of the current parsing stack level (None when the
    /// pattern is missing).
    fn with_pattern<R>(&mut self, n: usize, f: impl FnOnce(Option<&[u8]>) -> R) -> R;
}

/// A zeroed context, as C code gets from `memset` (for Rust users and tests).
pub fn new_ctx() -> lejp_ctx {
    let pst = _lejp_parsing_stack {
        user: core::ptr::null_mut(),
        callback: None,
        paths: core::ptr::null(),
        count_paths: 0,
        ppos: 0,
        path_match: 0,
    };
    lejp_ctx {
        user: core::ptr::null_mut(),
        pst: [pst; MAX_PARSING_STACK_DEPTH],
        st: [_lejp_stack::default(); MAX_DEPTH],
        i: [0; MAX_INDEX_DEPTH],
        wild: [0; MAX_INDEX_DEPTH],
        path: [0; MAX_PATH],
        buf: [0; STRING_CHUNK + 1],
        path_stride: 0,
        line: 0,
        uni: 0,
        npos: 0,
        dcount: 0,
        f: 0,
        sp: 0,
        ipos: 0,
        count_paths: 0,
        path_match: 0,
        path_match_len: 0,
        wildcount: 0,
        pst_sp: 0,
        outer_array: 0,
    }
}

/// Resets `x` for a new document with the given callback, user pointer and patterns
/// (the caller then reports CONSTRUCTED).
pub fn construct(
    x: &mut lejp_ctx,
    callback: lejp_callback,
    user: *mut c_void,
    paths: *const *const c_char,
    count_paths: u8,
) {
    x.st[0] = _lejp_stack::default();
    x.sp = 0;
    x.ipos = 0;
    x.outer_array = 0;
    x.path_match = 0;
    x.path_stride = 0;
    x.path[0] = 0;
    x.user = user;
    x.line = 1;
    x.pst_sp = 0;
    x.pst[0].callback = callback;
    x.pst[0].paths = paths;
    x.pst[0].count_paths = count_paths;
    x.pst[0].user = core::ptr::null_mut();
    x.pst[0].ppos = 0;
    // lws leaves these to be set before use; zeroing them means no byte of the
    // struct that the parser reads is ever uninitialised memory.
    x.npos = 0;
    x.dcount = 0;
    x.f = 0;
    x.uni = 0;
    x.wildcount = 0;
    x.path_match_len = 0;
}

/// Where one input byte leaves the parse.
enum Flow {
    /// On to the next byte.
    Next,
    /// The same byte again, in the state just entered.
    Redo,
    /// The document ended with this byte; report `reason` then COMPLETE.
    Complete(u8),
    /// Refused with this code.
    Reject(i32),
}
use Flow::*;

impl lejp_ctx {
    fn level(&self) -> usize {
        self.pst_sp as usize
    }
    fn ppos(&self) -> usize {
        self.pst[self.level()].ppos as usize
    }
    fn set_ppos(&mut self, v: usize) {
        let l = self.level();
        self.pst[l].ppos = v as u8;
    }
    fn state(&self, sp: usize) -> u8 {
        self.st[sp].s as u8
    }
    fn set_state(&mut self, v: u8) {
        let sp = self.sp as usize;
        self.st[sp].s = v as c_char;
    }
    /// Ends the path string at the current length.
    fn term(&mut self) {
        let p = self.ppos();
        self.path[p] = 0;
    }
    /// Appends a byte to the path, keeping room for its NUL.
    fn path_put(&mut self, b: u8) -> bool {
        let p = self.ppos();
        if p + 1 >= MAX_PATH {
            return false;
        }
        self.path[p] = b as c_char;
        self.set_ppos(p + 1);
        true
    }
    /// A match no longer holds once the path is back at or above where it matched.
    fn unmatch_if_shrunk(&mut self) {
        if self.path_match != 0 && self.ppos() <= self.path_match_len as usize {
            self.path_match = 0;
        }
    }
    /// Whether indexes taken from the struct are in range (C code may have changed them).
    fn sane(&self) -> bool {
        (self.sp as usize) < MAX_DEPTH
            && self.level() < MAX_PARSING_STACK_DEPTH
            && self.ppos() < MAX_PATH
            && (self.ipos as usize) <= MAX_INDEX_DEPTH
            && (self.npos as usize) < STRING_CHUNK
            && self.st[..self.sp as usize]
                .iter()
                .all(|l| (l.p as u8 as usize) < MAX_PATH && (l.i as u8 as usize) <= MAX_INDEX_DEPTH)
    }
}

/// Sets `path_match` (1-based) to the first pattern of the current parsing stack level
/// that the path matches, unless a match is already active.  `*` in a pattern matches
/// one path element, or everything left when it ends the pattern; where each matched
/// starts is recorded in `wild` for [`get_wildcard`].
pub fn check_path_match<H: Host>(h: &mut H) {
    let (path, plen, count) = {
        let x = h.ctx();
        if x.level() >= MAX_PARSING_STACK_DEPTH {
            return;
        }
        let plen = x.path.iter().position(|&c| c == 0).unwrap_or(MAX_PATH);
        (x.path.map(|c| c as u8), plen, x.pst[x.level()].count_paths)
    };
    let path = &path[..plen];
    let mut n = 0;
    while n < count as usize && h.ctx().path_match == 0 {
        let (ok, wild, wc) = h.with_pattern(n, |pat| match pat {
            Some(pat) => match_pattern(path, pat),
            None => (false, [0; MAX_INDEX_DEPTH], 0),
        });
        let x = h.ctx();
        x.wild[..wc as usize].copy_from_slice(&wild[..wc as usize]);
        x.wildcount = wc;
        if ok {
            x.path_match = (n + 1) as u8;
            x.path_match_len = x.ppos() as u8;
            return;
        }
        n += 1;
    }
    let x = h.ctx();
    if x.path_match == 0 {
        x.wildcount = 0;
    }
}

/// Matches `path` against `pat`; also returns where each wildcard's text starts.
fn match_pattern(path: &[u8], pat: &[u8]) -> (bool, [u16; MAX_INDEX_DEPTH], u8) {
    let mut wild = [0u16; MAX_INDEX_DEPTH];
    let mut wc = 0usize;
    let (mut p, mut q) = (0, 0);
    while p < path.len() && q < pat.len() {
        if pat[q] != b'*' {
            if path[p] != pat[q] {
                break;
            }
            p += 1;
            q += 1;
            continue;
        }
        if wc < MAX_INDEX_DEPTH {
            wild[wc] = p as u16;
            wc += 1;
        }
        q += 1;
        // a `*` with more after it stops at the next '.'; a final one takes the rest
        while p < path.len() && (path[p] != b'.' || q == pat.len()) {
            p += 1;
        }
    }
    (p == path.len() && q == pat.len(), wild, wc as u8)
}

/// Copies wildcard `w`'s text of the current match into `dest` (NUL-terminated,
/// truncated to fit); returns its length plus one, or 0 if there is no such wildcard.
pub fn get_wildcard(x: &lejp_ctx, w: usize, dest: &mut [u8]) -> i32 {
    if w >= (x.wildcount as usize).min(MAX_INDEX_DEPTH)
        || dest.is_empty()
        || x.level() >= MAX_PARSING_STACK_DEPTH
    {
        return 0;
    }
    let start = x.wild[w] as usize;
    let end = x.ppos().min(MAX_PATH);
    let mut n = start;
    let mut k = 0;
    while k + 1 < dest.len() && n < end && (n == start || x.path[n] != b'.' as c_char) {
        dest[k] = x.path[n] as u8;
        k += 1;
        n += 1;
    }
    dest[k] = 0;
    (n + 1 - start) as i32
}

/// Starts a nested parsing stack level with its own callback, user pointer and
/// patterns, matched against the path from here on.  -1 when the stack is full.
pub fn parser_push<H: Host>(
    h: &mut H,
    user: *mut c_void,
    paths: *const *const c_char,
    count: u8,
    cb: lejp_callback,
) -> i32 {
    if h.ctx().level() + 1 >= MAX_PARSING_STACK_DEPTH {
        return -1;
    }
    check_path_match(h);
    let x = h.ctx();
    let l = x.level();
    x.pst[l].path_match = x.path_match;
    x.pst_sp += 1;
    let p = &mut x.pst[l + 1];
    p.user = user;
    p.callback = cb;
    p.paths = paths;
    p.count_paths = count;
    p.ppos = 0;
    x.path_match = 0;
    check_path_match(h);
    lwsl_debug!("lejp_parser_push: parser stack now at {}", l + 1);
    0
}

/// Goes back to the enclosing parsing stack level.  -1 when at the outermost.
pub fn parser_pop<H: Host>(h: &mut H) -> i32 {
    let x = h.ctx();
    if x.pst_sp == 0 || x.level() >= MAX_PARSING_STACK_DEPTH {
        return -1;
    }
    x.pst_sp -= 1;
    lwsl_debug!("lejp_parser_pop: parser stack now at {}", x.pst_sp);
    x.path_match = 0;
    check_path_match(h);
    0
}

/// Feeds more of the document.  Returns CONTINUE (-1) when more input is wanted, the
/// number of bytes of `json` left over after the document's end, or a LEJP_REJECT_*
/// code (after reporting FAILED).
pub fn parse<H: Host>(h: &mut H, json: &[u8]) -> i32 {
    if !h.ctx().sane() {
        lwsl_err!("lejp_parse: the context's state is out of range");
        h.call(CB_FAILED);
        return REJECT_UNKNOWN;
    }
    let at_top = {
        let x = h.ctx();
        x.sp == 0 && x.ppos() == 0
    };
    if at_top {
        h.call(CB_START);
    }
    let mut idx = 0;
    while idx < json.len() {
        if !h.ctx().sane() {
            lwsl_err!("lejp_parse: the context's state was put out of range");
            h.call(CB_FAILED);
            return REJECT_UNKNOWN;
        }
        match step(h, json[idx]) {
            Next => idx += 1,
            Redo => {}
            Complete(reason) => {
                check_path_match(h);
                if h.call(reason) != 0 || h.call(CB_COMPLETE) != 0 {
                    h.call(CB_FAILED);
                    return REJECT_CALLBACK;
                }
                return (json.len() - idx - 1) as i32;
            }
            Reject(e) => {
                h.call(CB_FAILED);
                return e;
            }
        }
    }
    CONTINUE
}

/// Nonzero from the callback refuses the parse.
fn cb<H: Host>(h: &mut H, reason: u8) -> Result<(), i32> {
    if h.call(reason) != 0 {
        Err(REJECT_CALLBACK)
    } else {
        Ok(())
    }
}

fn step<H: Host>(h: &mut H, c: u8) -> Flow {
    match step_inner(h, c) {
        Ok(f) => f,
        Err(e) => Reject(e),
    }
}

fn step_inner<H: Host>(h: &mut H, c: u8) -> Result<Flow, i32> {
    let x = h.ctx();
    let sp = x.sp as usize;
    let s = x.state(sp);

    if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'#') {
        if c == b'\n' {
            x.line = x.line.wrapping_add(1);
            x.set_state(x.state(sp) & !COMMENTLINE);
        }
        if s & WS_KEEP == 0 {
            if c == b'#' {
                x.set_state(x.state(sp) | COMMENTLINE);
            }
            return Ok(Next);
        }
    }
    if x.state(sp) & COMMENTLINE != 0 {
        return Ok(Next);
    }

    match s {
        IDLE => {
            if sp == 0 && c == b'[' {
                x.outer_array = 1;
                x.set_state(MP_ARRAY_END);
                open_array(h)?;
                return push_level(h, MP_VALUE);
            }
            if c != b'{' {
                return Err(REJECT_IDLE_NO_BRACE);
            }
            cb(h, CB_OBJECT_START)?;
            h.ctx().set_state(MEMBERS);
            Ok(Next)
        }
        MEMBERS => {
            if c == b'}' {
                if sp >= 1 {
                    return pop_level(h);
                }
                x.set_state(IDLE);
                return Err(REJECT_MEMBERS_NO_CLOSE);
            }
            x.set_state(M_P);
            Ok(Redo)
        }
        M_P => {
            if c != b'"' {
                return Err(REJECT_MP_NO_OPEN_QUOTE);
            }
            x.set_state(MP_DELIM);
            push_level(h, MP_STRING)
        }
        MP_STRING => {
            if c == b'"' {
                if sp == 0 {
                    return Err(REJECT_MP_STRING_UNDERRUN);
                }
                if x.state(sp - 1) != MP_DELIM {
                    let n = x.npos as usize;
                    x.buf[n] = 0;
                    if h.call(CB_VAL_STR_END) < 0 {
                        return Err(REJECT_CALLBACK);
                    }
                }
                let x = h.ctx();
                x.sp = x.sp.saturating_sub(1);
                return Ok(Next);
            }
            if c == b'\\' {
                x.set_state(MP_STRING_ESC);
                return Ok(Next);
            }
            if c < b' ' {
                return Err(REJECT_MP_ILLEGAL_CTRL);
            }
            emit(h, c)
        }
        MP_STRING_ESC => {
            if c == b'u' {
                x.set_state(MP_STRING_ESC_U1);
                x.uni = 0;
                return Ok(Next);
            }
            match ESC_FROM.iter().position(|&e| e == c) {
                Some(n) => {
                    x.set_state(MP_STRING);
                    emit(h, ESC_TO[n])
                }
                None => Err(REJECT_MP_STRING_ESC_ILLEGAL_ESC),
            }
        }
        MP_STRING_ESC_U1..=MP_STRING_ESC_U4 => {
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(REJECT_ILLEGAL_HEX),
            };
            x.uni = (x.uni << 4) | d as u16;
            x.set_state(s + 1);
            let u = x.uni;
            // The UTF-8 bytes go out as soon as the digits so far decide them.
            match s {
                MP_STRING_ESC_U2 if u >= 0x08 => emit(h, 0xe0 | ((u >> 4) & 0xf) as u8),
                MP_STRING_ESC_U3 if u >= 0x80 => emit(h, 0x80 | ((u >> 2) & 0x3f) as u8),
                MP_STRING_ESC_U3 if u >= 0x08 => emit(h, 0xc0 | (u >> 2) as u8),
                MP_STRING_ESC_U4 => {
                    x.set_state(MP_STRING);
                    let b = if u >= 0x80 {
                        0x80 | (u & 0x3f) as u8
                    } else {
                        u as u8
                    };
                    emit(h, b)
                }
                _ => Ok(Next),
            }
        }
        MP_DELIM => {
            if c != b':' {
                return Err(REJECT_MP_DELIM_MISSING_COLON);
            }
            x.set_state(MP_VALUE);
            x.term();
            check_path_match(h);
            cb(h, CB_PAIR_NAME)?;
            Ok(Next)
        }
        MP_VALUE => match c {
            b'-' | b'0'..=b'9' => {
                x.npos = 0;
                x.dcount = 0;
                x.f = 0;
                x.set_state(MP_VALUE_NUM_INT);
                Ok(Redo)
            }
            b'"' => {
                x.set_state(MP_COMMA_OR_END);
                x.npos = 0;
                x.buf[0] = 0;
                cb(h, CB_VAL_STR_START)?;
                push_level(h, MP_STRING)
            }
            b'{' => {
                x.set_state(MP_COMMA_OR_END);
                check_path_match(h);
                cb(h, CB_OBJECT_START)?;
                h.ctx().path_match = 0;
                push_level(h, MEMBERS)
            }
            b'[' => {
                x.set_state(MP_ARRAY_END);
                if x.ppos() + 3 >= MAX_PATH {
                    return Err(REJECT_UNKNOWN);
                }
                open_array(h)?;
                push_level(h, MP_VALUE)
            }
            b']' => {
                if let Some(f) = close_array(x)? {
                    return Ok(f);
                }
                array_end(h, c)
            }
            b't' | b'f' | b'n' => {
                x.uni = match c {
                    b't' => 0,
                    b'f' => 4,
                    _ => 9,
                };
                x.set_state(MP_VALUE_TOK);
                Ok(Next)
            }
            _ => Err(REJECT_MP_DELIM_BAD_VALUE_START),
        },
        MP_VALUE_NUM_INT => {
            if x.npos == 0 && c == b'-' {
                x.f |= SEEN_MINUS;
                return append(x, c);
            }
            if x.dcount < MAX_DIGITS && c.is_ascii_digit() {
                if x.f & SEEN_POINT != 0 {
                    x.f |= SEEN_POST_POINT;
                }
                x.dcount += 1;
                return append(x, c);
            }
            if c == b'.' {
                if x.dcount == 0 || x.f & SEEN_POINT != 0 {
                    return Err(REJECT_MP_VAL_NUM_FORMAT);
                }
                x.f |= SEEN_POINT;
                return append(x, c);
            }
            if x.f & (SEEN_POINT | SEEN_POST_POINT) == SEEN_POINT {
                return Err(REJECT_MP_VAL_NUM_INT_NO_FRAC);
            }
            if c == b'e' || c == b'E' {
                if x.f & SEEN_EXP != 0 {
                    return Err(REJECT_MP_VAL_NUM_FORMAT);
                }
                x.f |= SEEN_EXP;
                x.set_state(MP_VALUE_NUM_EXP);
                return append(x, c);
            }
            if x.dcount == 0 {
                return Err(REJECT_MP_VAL_NUM_FORMAT);
            }
            let n = x.npos as usize;
            x.buf[n] = 0;
            // a point or an exponent makes it a float, even 1E3
            let reason = if x.f & (SEEN_POINT | SEEN_EXP) != 0 {
                CB_VAL_NUM_FLOAT
            } else {
                CB_VAL_NUM_INT
            };
            cb(h, reason)?;
            // this byte ends the number and is read again as what follows it
            h.ctx().set_state(MP_COMMA_OR_END);
            Ok(Redo)
        }
        MP_VALUE_NUM_EXP => {
            x.set_state(MP_VALUE_NUM_INT);
            if c.is_ascii_digit() {
                return Ok(Redo);
            }
            if c == b'+' || c == b'-' {
                return append(x, c);
            }
            Err(REJECT_MP_VAL_NUM_EXP_BAD_EXP)
        }
        MP_VALUE_TOK => {
            let u = x.uni as usize;
            if TOKENS.get(u) != Some(&c) {
                return Err(REJECT_MP_VAL_TOK_UNKNOWN);
            }
            x.uni += 1;
            if TOKENS.get(u + 1) != Some(&b' ') {
                return Ok(Next);
            }
            let reason = match u + 1 {
                3 => {
                    x.buf[0] = b'1' as c_char;
                    x.buf[1] = 0;
                    Some(CB_VAL_TRUE)
                }
                8 => {
                    x.buf[0] = b'0' as c_char;
                    x.buf[1] = 0;
                    Some(CB_VAL_FALSE)
                }
                12 => {
                    x.buf[0] = 0;
                    Some(CB_VAL_NULL)
                }
                _ => None,
            };
            if let Some(r) = reason {
                cb(h, r)?;
            }
            h.ctx().set_state(MP_COMMA_OR_END);
            Ok(Next)
        }
        MP_COMMA_OR_END => {
            x.term();
            if c == b',' {
                x.set_state(M_P);
                if sp == 0 {
                    // back at the root: no pattern can still match
                    x.set_ppos(0);
                    x.path_match = 0;
                    return Ok(Next);
                }
                x.set_ppos(x.st[sp - 1].p as u8 as usize);
                x.term();
                x.unmatch_if_shrunk();
                if x.state(sp - 1) != MP_ARRAY_END {
                    return Ok(Next);
                }
                if x.ipos > 0 {
                    let k = x.ipos as usize - 1;
                    x.i[k] = x.i[k].wrapping_add(1);
                }
                x.set_state(MP_VALUE);
                return Ok(Next);
            }
            if c == b']' {
                if let Some(f) = close_array(x)? {
                    return Ok(f);
                }
                // the enclosing array level sees the ']' too
                return Ok(Redo);
            }
            if c != b'}' {
                return Err(REJECT_MP_C_OR_E_NEITHER);
            }
            if sp == 0 {
                return Ok(Complete(CB_OBJECT_END));
            }
            pop_level(h)
        }
        MP_ARRAY_END => array_end(h, c),
        // states C code may have put there: lws ignores the byte
        _ => Ok(Next),
    }
}

/// Adds `[]` to the path and an index level, for an array that starts.
fn open_array<H: Host>(h: &mut H) -> Result<(), i32> {
    let x = h.ctx();
    if !(x.path_put(b'[') && x.path_put(b']')) {
        return Err(REJECT_UNKNOWN);
    }
    x.term();
    cb(h, CB_ARRAY_START)?;
    let x = h.ctx();
    let k = x.ipos as usize;
    if k >= MAX_INDEX_DEPTH {
        return Err(REJECT_MP_DELIM_ISTACK);
    }
    x.i[k] = 0;
    x.ipos += 1;
    Ok(())
}

/// A `]` leaves the level above; Some when that ended the document (or failed).
fn close_array(x: &mut lejp_ctx) -> Result<Option<Flow>, i32> {
    if x.sp == 0 {
        return Err(REJECT_MP_C_OR_E_UNDERF);
    }
    x.sp -= 1;
    let sp = x.sp as usize;
    if x.state(sp) != MP_ARRAY_END {
        return Err(REJECT_MP_C_OR_E_NOTARRAY);
    }
    if sp > 0 {
        x.set_ppos(x.st[sp - 1].p as u8 as usize);
        x.ipos = x.st[sp - 1].i as u8;
    }
    x.term();
    x.unmatch_if_shrunk();
    if x.outer_array != 0 && sp == 0 {
        return Ok(Some(Complete(CB_ARRAY_END)));
    }
    Ok(None)
}

fn array_end<H: Host>(h: &mut H, c: u8) -> Result<Flow, i32> {
    let x = h.ctx();
    let sp = x.sp as usize;
    x.term();
    if c == b',' {
        if x.ipos > 0 {
            let k = x.ipos as usize - 1;
            x.i[k] = x.i[k].wrapping_add(1);
        }
        x.set_state(MP_VALUE);
        if sp > 0 {
            x.set_ppos(x.st[sp - 1].p as u8 as usize);
        }
        x.term();
        return Ok(Next);
    }
    if c != b']' {
        return Err(REJECT_MP_ARRAY_END_MISSING);
    }
    x.set_state(MP_COMMA_OR_END);
    // lws does not let the callback refuse this one
    h.call(CB_ARRAY_END);
    Ok(Next)
}

/// Leaves a finished nested object.
fn pop_level<H: Host>(h: &mut H) -> Result<Flow, i32> {
    let x = h.ctx();
    x.sp -= 1;
    let sp = x.sp as usize;
    if sp > 0 {
        x.set_ppos(x.st[sp].p as u8 as usize);
        x.ipos = x.st[sp].i as u8;
    }
    x.term();
    x.unmatch_if_shrunk();
    check_path_match(h);
    cb(h, CB_OBJECT_END)?;
    Ok(Next)
}

/// Enters a nested level in state `next`, remembering where the path and the index
/// stack stood.
fn push_level<H: Host>(h: &mut H, next: u8) -> Result<Flow, i32> {
    let x = h.ctx();
    let sp = x.sp as usize;
    if x.ppos() > 0
        && x.state(sp) != MP_COMMA_OR_END
        && x.state(sp) != MP_ARRAY_END
        && !x.path_put(b'.')
    {
        return Err(REJECT_UNKNOWN);
    }
    x.st[sp].p = x.ppos() as c_char;
    x.st[sp].i = x.ipos as c_char;
    x.sp += 1;
    if x.sp as usize == MAX_DEPTH {
        return Err(REJECT_STACK_OVERFLOW);
    }
    x.term();
    x.set_state(next);
    let sp = x.sp as usize;
    x.st[sp].b = 0;
    Ok(Next)
}

/// A string byte: into `buf` for a value (handed over each time it fills), onto the
/// path for a member name.
fn emit<H: Host>(h: &mut H, c: u8) -> Result<Flow, i32> {
    let x = h.ctx();
    let sp = x.sp as usize;
    if sp == 0 || x.state(sp - 1) != MP_DELIM {
        let n = x.npos as usize;
        x.buf[n] = c as c_char;
        x.npos += 1;
        if x.npos as usize == STRING_CHUNK {
            cb(h, CB_VAL_STR_CHUNK)?;
            h.ctx().npos = 0;
        }
        return Ok(Next);
    }
    if !x.path_put(c) {
        return Err(REJECT_UNKNOWN);
    }
    Ok(Next)
}

fn append(x: &mut lejp_ctx, c: u8) -> Result<Flow, i32> {
    let n = x.npos as usize;
    if n + 1 >= x.buf.len() {
        return Err(REJECT_NUM_TOO_LONG);
    }
    x.buf[n] = c as c_char;
    x.npos += 1;
    Ok(Next)
}

/// lws's text for a lejp_parse result (NUL-terminated for C).
pub fn error_to_string(e: i32) -> &'static core::ffi::CStr {
    const TABLE: [&core::ffi::CStr; 24] = [
        c"",
        c"",
        c"No opening '{'",
        c"Expected closing '}'",
        c"Expected '\"'",
        c"String underrun",
        c"Illegal unescaped control char",
        c"Illegal escape format",
        c"Illegal hex number",
        c"Expected ':'",
        c"Illegal value start",
        c"Digit required after decimal point",
        c"Bad number format",
        c"Bad exponent format",
        c"Unknown token",
        c"Too many ']'",
        c"Mismatched ']'",
        c"Expected ']'",
        c"JSON nesting limit exceeded",
        c"Nesting tracking used up",
        c"Number too long",
        c"Comma or block end expected",
        c"Unknown",
        c"Parser callback errored (see earlier error)",
    ];
    let k = if e > 0 { 0 } else { e.unsigned_abs() as usize };
    TABLE.get(k).copied().unwrap_or(c"Unknown error")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records each event as "REASON path=... match=N val=..." (START left out where
    /// asked: how often it comes depends on how the input is split).
    struct T {
        x: Box<lejp_ctx>,
        pats: Vec<&'static [u8]>,
        log: Vec<String>,
        refuse_on: Option<u8>,
    }

    impl Host for T {
        fn ctx(&mut self) -> &mut lejp_ctx {
            &mut self.x
        }
        fn call(&mut self, reason: u8) -> i8 {
            let x = &self.x;
            let plen = x.path.iter().position(|&c| c == 0).unwrap_or(MAX_PATH);
            let path: Vec<u8> = x.path[..plen].iter().map(|&c| c as u8).collect();
            let mut e = format!(
                "{reason} {} m={}",
                String::from_utf8_lossy(&path),
                x.path_match
            );
            if reason & IS_VALUE != 0 {
                let n = if reason == CB_VAL_STR_CHUNK || reason == CB_VAL_STR_END {
                    x.npos as usize
                } else {
                    x.buf.iter().position(|&c| c == 0).unwrap_or(0)
                };
                let v: Vec<u8> = x.buf[..n].iter().map(|&c| c as u8).collect();
                e += &format!(" v={v:?}");
            }
            self.log.push(e);
            if self.refuse_on == Some(reason) {
                1
            } else {
                0
            }
        }
        fn with_pattern<R>(&mut self, n: usize, f: impl FnOnce(Option<&[u8]>) -> R) -> R {
            f(self.pats.get(n).copied())
        }
    }

    fn host(pats: &[&'static [u8]]) -> T {
        let mut x = Box::new(new_ctx());
        construct(
            &mut x,
            None,
            core::ptr::null_mut(),
            core::ptr::null(),
            pats.len() as u8,
        );
        T {
            x,
            pats: pats.to_vec(),
            log: vec![],
            refuse_on: None,
        }
    }

    fn events(t: &T) -> Vec<String> {
        let start = format!("{CB_START} ");
        t.log
            .iter()
            .filter(|e| !e.starts_with(&start))
            .cloned()
            .collect()
    }

    const DOC: &[u8] = b"# cfg\n{\"a\": [1, -2.5e3, {\"b\": \"x\\u00e9\\n\"}], \"c\": {\"d\": [true, false, null]}, \"e\": \"long\"}  tail";
    const PATS: &[&[u8]] = &[b"a[].b", b"c.*", b"e"];

    #[test]
    fn any_split_gives_the_same_events() {
        let mut whole = host(PATS);
        let r = parse(&mut whole, DOC);
        assert_eq!(r, 6, "the bytes after the document");
        let want = events(&whole);
        assert!(want
            .iter()
            .any(|e| e.starts_with("77 a[].b m=1 v=[120, 195, 169, 10]")));
        // every cut before the closing '}'
        for cut in 0..DOC.len() - 6 {
            let mut t = host(PATS);
            assert_eq!(parse(&mut t, &DOC[..cut]), CONTINUE, "cut at {cut}");
            assert_eq!(parse(&mut t, &DOC[cut..]), 6);
            assert_eq!(events(&t), want, "cut at {cut}");
        }
        let mut t = host(PATS);
        let mut r = CONTINUE;
        for k in 0..DOC.len() {
            if r == CONTINUE {
                r = parse(&mut t, &DOC[k..k + 1]);
            }
        }
        assert_eq!(events(&t), want);
        assert_eq!(t.x.line, 2);
    }

    #[test]
    fn numbers_tokens_and_wildcards() {
        let mut t = host(PATS);
        parse(&mut t, DOC);
        let l = events(&t);
        assert!(l.contains(&format!("{CB_VAL_NUM_INT} a[] m=0 v=[49]")));
        assert!(l.contains(&format!(
            "{CB_VAL_NUM_FLOAT} a[] m=0 v={:?}",
            b"-2.5e3".to_vec()
        )));
        assert!(l.contains(&format!("{CB_PAIR_NAME} c.d m=2")));
        assert!(l.contains(&format!("{CB_VAL_TRUE} c.d[] m=2 v=[49]")));
        assert!(l.contains(&format!("{CB_VAL_NULL} c.d[] m=2 v=[]")));

        let mut t = host(&[b"x.*.z.*"]);
        assert_eq!(parse(&mut t, b"{\"x\":{\"yy\":{\"z\":{\"q\":"), CONTINUE);
        assert_eq!(t.x.path_match, 1);
        let mut d = [0u8; 8];
        assert_eq!(get_wildcard(&t.x, 0, &mut d), 3);
        assert_eq!(&d[..3], b"yy\0");
        assert_eq!(get_wildcard(&t.x, 1, &mut d), 2);
        assert_eq!(&d[..2], b"q\0");
        assert_eq!(get_wildcard(&t.x, 2, &mut d), 0);
        let mut small = [0u8; 2];
        assert_eq!(get_wildcard(&t.x, 0, &mut small), 2);
        assert_eq!(&small, b"y\0");
    }

    #[test]
    fn long_strings_come_in_chunks() {
        let mut doc = b"{\"s\":\"".to_vec();
        doc.extend((0..600).map(|k| b'a' + (k % 26) as u8));
        doc.extend(b"\"}");
        let mut t = host(&[]);
        assert_eq!(parse(&mut t, &doc), 0);
        let chunks: Vec<&String> = t
            .log
            .iter()
            .filter(|e| e.starts_with(&format!("{CB_VAL_STR_CHUNK} ")))
            .collect();
        assert_eq!(chunks.len(), 2);
        assert_eq!(t.x.npos as usize, 600 - 2 * STRING_CHUNK);
    }

    const DEEP: &str = "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{";

    #[test]
    fn refusals() {
        for (doc, code) in [
            (&b"x"[..], REJECT_IDLE_NO_BRACE),
            (b"{}", REJECT_MEMBERS_NO_CLOSE),
            (b"{\"a\" 1}", REJECT_MP_DELIM_MISSING_COLON),
            (b"{\"a\":1.}", REJECT_MP_VAL_NUM_INT_NO_FRAC),
            (b"{\"a\":1e}", REJECT_MP_VAL_NUM_EXP_BAD_EXP),
            (b"{\"a\":nul}", REJECT_MP_VAL_TOK_UNKNOWN),
            (b"{\"a\":\"\\x\"}", REJECT_MP_STRING_ESC_ILLEGAL_ESC),
            (b"{\"a\":\"\\uZ\"}", REJECT_ILLEGAL_HEX),
            (b"{\"a\":{\"b\":1]}", REJECT_MP_C_OR_E_NOTARRAY),
            (b"{\"a\":[1 2]}", REJECT_MP_C_OR_E_NEITHER),
            (b"[[[[[[[[[", REJECT_MP_DELIM_ISTACK),
            (DEEP.as_bytes(), REJECT_STACK_OVERFLOW),
        ] {
            let mut t = host(&[]);
            assert_eq!(parse(&mut t, doc), code, "{}", String::from_utf8_lossy(doc));
            assert!(t.log.last().unwrap().starts_with(&format!("{CB_FAILED} ")));
        }
        let mut t = host(&[]);
        t.refuse_on = Some(CB_VAL_NUM_INT);
        assert_eq!(parse(&mut t, b"{\"a\":1}"), REJECT_CALLBACK);
    }

    #[test]
    fn a_path_longer_than_the_struct_holds_is_refused() {
        let mut doc = b"{\"".to_vec();
        doc.extend([b'k'; 200]);
        doc.extend(b"\":1}");
        let mut t = host(&[]);
        assert_eq!(parse(&mut t, &doc), REJECT_UNKNOWN);
        let mut t = host(&[]);
        t.x.sp = 200;
        assert_eq!(parse(&mut t, b"{"), REJECT_UNKNOWN);
    }

    #[test]
    fn error_texts() {
        assert_eq!(error_to_string(-2).to_bytes(), b"No opening '{'");
        assert_eq!(error_to_string(5).to_bytes(), b"");
        assert_eq!(
            error_to_string(-23).to_bytes(),
            b"Parser callback errored (see earlier error)"
        );
        assert_eq!(error_to_string(-24).to_bytes(), b"Unknown error");
        assert_eq!(error_to_string(i32::MIN).to_bytes(), b"Unknown error");
    }
}
