//! The string utilities of lws-tokenize.h and lws-misc.h, as safe Rust over byte slices:
//! the tokenizer, `${name}` expansion, humanized numbers, RFC 7231 dates, wildcard
//! matching and the escapers.  `crate::capi::tokenize` is their C surface; the quirks
//! lws's C programs can observe (what counts as a delimiter, where a cursor stops) are
//! kept, since callers depend on them.

// ---------------------------------------------------------------------------------------
// lws_tokenize

pub const F_MINUS_NONTERM: u16 = 1 << 0;
pub const F_AGG_COLON: u16 = 1 << 1;
pub const F_COMMA_SEP_LIST: u16 = 1 << 2;
pub const F_RFC7230_DELIMS: u16 = 1 << 3;
pub const F_DOT_NONTERM: u16 = 1 << 4;
pub const F_NO_FLOATS: u16 = 1 << 5;
pub const F_NO_INTEGERS: u16 = 1 << 6;
pub const F_HASH_COMMENT: u16 = 1 << 7;
pub const F_SLASH_NONTERM: u16 = 1 << 8;
pub const F_ASTERISK_NONTERM: u16 = 1 << 9;
pub const F_EQUALS_NONTERM: u16 = 1 << 10;

/// `lws_tokenize_elem` values.
pub const E_BROKEN_UTF8: i32 = -5;
pub const E_UNTERM_STRING: i32 = -4;
pub const E_MALFORMED_FLOAT: i32 = -3;
pub const E_NUM_ON_LHS: i32 = -2;
pub const E_COMMA_LIST: i32 = -1;
pub const ENDED: i32 = 0;
pub const DELIMITER: i32 = 1;
pub const TOKEN: i32 = 2;
pub const INTEGER: i32 = 3;
pub const FLOAT: i32 = 4;
pub const NAME_EQUALS: i32 = 5;
pub const NAME_COLON: i32 = 6;
pub const QUOTED_STRING: i32 = 7;

/// `enum lws_tokenize_delimiter_tracking`: where a comma-separated list stands.
pub const DT_NEED_FIRST_CONTENT: u8 = 0;
pub const DT_NEED_DELIM: u8 = 1;
pub const DT_NEED_NEXT_CONTENT: u8 = 2;

/// The delimiters of RFC 7230's token grammar (with LWS_TOKENIZE_F_RFC7230_DELIMS).
const RFC7230_DELIMS: &[u8] = b"(),/:;<=>?@[\\]{}";

/// What one step of the tokenizer found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// An `lws_tokenize_elem` value.
    pub elem: i32,
    /// Offset of the token or delimiter from where the step began, if one was found.
    pub token: Option<usize>,
    pub token_len: usize,
    /// Input bytes consumed; the next step starts there.
    pub consumed: usize,
}

/// Strict UTF-8 well-formedness, one byte at a time: how many continuation bytes are
/// still due and the range the next one must fall in.
#[derive(Clone, Copy, Default)]
struct Utf8 {
    need: u8,
    lo: u8,
    hi: u8,
}

impl Utf8 {
    /// False when `c` cannot continue valid UTF-8.
    fn step(&mut self, c: u8) -> bool {
        if self.need > 0 {
            if c < self.lo || c > self.hi {
                return false;
            }
            self.need -= 1;
            self.lo = 0x80;
            self.hi = 0xbf;
            return true;
        }
        let (need, lo, hi) = match c {
            0x00..=0x7f => return true,
            0xc2..=0xdf => (1, 0x80, 0xbf),
            0xe0 => (2, 0xa0, 0xbf),
            0xed => (2, 0x80, 0x9f),
            0xe1..=0xef => (2, 0x80, 0xbf),
            0xf0 => (3, 0x90, 0xbf),
            0xf1..=0xf3 => (3, 0x80, 0xbf),
            0xf4 => (3, 0x80, 0x8f),
            _ => return false,
        };
        *self = Utf8 { need, lo, hi };
        true
    }

    fn mid(&self) -> bool {
        self.need > 0
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Leading,
    Quoted,
    Token,
    /// Whitespace after a token: looking ahead for `=` or `:`.
    PostToken,
}

/// One step of `lws_tokenize()`.  `byte(i)` is the i-th byte from the cursor, None at the
/// end of the input (its length ran out or a NUL was reached); it is called with
/// increasing `i`, only stepping back by one to leave a byte for the next step.
/// `delim` is the comma-list tracking the caller keeps between steps.
///
/// Unlike lws, a terminating NUL is not consumed, so stepping again after the end keeps
/// returning ENDED instead of reading past the string.
pub fn tokenize(flags: u16, delim: &mut u8, mut byte: impl FnMut(usize) -> Option<u8>) -> Step {
    let has = |f: u16| flags & f != 0;
    // A character that is a delimiter by default stops being one under its NONTERM flag.
    let nonterm = |c: u8| match c {
        b'-' => has(F_MINUS_NONTERM),
        b'.' => has(F_DOT_NONTERM),
        b'*' => has(F_ASTERISK_NONTERM),
        b'=' => has(F_EQUALS_NONTERM),
        _ => false,
    };
    let forced_delim = |c: u8| matches!(c, b'-' | b'.' | b'*' | b'=') && !nonterm(c);

    let mut state = State::Leading;
    let mut float = false;
    // -1: no digit yet, 1: digits only so far, 0: not a number
    let mut num: i8 = if has(F_NO_INTEGERS) { 0 } else { -1 };
    let mut utf8 = Utf8::default();
    let mut skipping = false;
    let mut token: Option<usize> = None;
    let mut token_len = 0usize;
    let mut i = 0usize;

    let done = |elem: i32, token: Option<usize>, token_len: usize, consumed: usize| Step {
        elem,
        token,
        token_len,
        consumed,
    };
    // The pending token's kind, once something ends it.
    let token_kind = |num: i8, float: bool| match (num, float) {
        (1, true) => FLOAT,
        (1, false) => INTEGER,
        _ => TOKEN,
    };

    while let Some(c) = byte(i) {
        i += 1;
        if !utf8.step(c) {
            return done(E_BROKEN_UTF8, token, token_len, i);
        }
        if skipping {
            if c != b'\r' && c != b'\n' {
                continue;
            }
            skipping = false;
        }
        if has(F_HASH_COMMENT) && state != State::Quoted && c == b'#' {
            skipping = true;
            continue;
        }
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c) {
            match state {
                State::Leading | State::PostToken => {}
                State::Quoted => token_len += 1,
                State::Token => state = State::PostToken,
            }
            continue;
        }
        if c == b'"' {
            if state == State::Quoted {
                return done(QUOTED_STRING, token, token_len, i);
            }
            if has(F_COMMA_SEP_LIST) {
                if *delim == DT_NEED_DELIM {
                    return done(E_COMMA_LIST, token, token_len, i);
                }
                *delim = DT_NEED_DELIM;
            }
            state = State::Quoted;
            token = Some(i);
            token_len = 0;
            continue;
        }
        let after_token = matches!(state, State::Token | State::PostToken);
        if !has(F_EQUALS_NONTERM) && c == b'=' && after_token {
            if num == 1 {
                return done(E_NUM_ON_LHS, token, token_len, i);
            }
            return done(NAME_EQUALS, token, token_len, i);
        }
        if has(F_AGG_COLON) && c == b':' && after_token {
            return done(NAME_COLON, token, token_len, i);
        }
        if c == b'.' && !has(F_NO_FLOATS) && state == State::Token && num == 1 {
            if float {
                return done(E_MALFORMED_FLOAT, token, token_len, i);
            }
            float = true;
            token_len += 1;
            continue;
        }

        // lws tests the last byte of a multibyte character too (the UTF-8 state is back
        // to "between characters" by then): by default, with its high bit set, it is not
        // [0-9A-Za-z_] and so is a delimiter.
        let is_delim = !utf8.mid()
            && ((has(F_RFC7230_DELIMS) && c > 32 && RFC7230_DELIMS.contains(&c))
                || !(has(F_RFC7230_DELIMS)
                    || c.is_ascii_alphanumeric()
                    || c == b'_'
                    || nonterm(c))
                || forced_delim(c))
            && !(has(F_SLASH_NONTERM) && c == b'/');
        if is_delim {
            match state {
                State::Leading => {
                    if has(F_COMMA_SEP_LIST) {
                        if c != b',' || *delim != DT_NEED_DELIM {
                            return done(E_COMMA_LIST, token, token_len, i);
                        }
                        *delim = DT_NEED_NEXT_CONTENT;
                    }
                    return done(DELIMITER, Some(i - 1), 1, i);
                }
                State::Quoted => {
                    token_len += 1;
                    continue;
                }
                // the delimiter is reported by the next step
                State::Token | State::PostToken => {
                    return done(token_kind(num, float), token, token_len, i - 1)
                }
            }
        }

        match state {
            State::Leading => {
                if has(F_COMMA_SEP_LIST) {
                    if *delim == DT_NEED_DELIM {
                        return done(E_COMMA_LIST, token, token_len, i);
                    }
                    *delim = DT_NEED_DELIM;
                }
                state = State::Token;
                token = Some(i - 1);
                token_len = 1;
            }
            State::Quoted | State::Token => token_len += 1,
            // a new token begins: reported by the next step
            State::PostToken => return done(token_kind(num, float), token, token_len, i - 1),
        }
        if !has(F_NO_INTEGERS) {
            if !c.is_ascii_digit() {
                num = 0;
            } else if num < 0 {
                num = 1;
            }
        }
    }

    if utf8.mid() {
        return done(E_BROKEN_UTF8, token, token_len, i);
    }
    match state {
        State::Quoted => done(E_UNTERM_STRING, token, token_len, i),
        State::Token | State::PostToken => done(token_kind(num, float), token, token_len, i),
        State::Leading => {
            if has(F_COMMA_SEP_LIST) && *delim == DT_NEED_NEXT_CONTENT {
                return done(E_COMMA_LIST, token, token_len, i);
            }
            done(ENDED, token, token_len, i)
        }
    }
}

// ---------------------------------------------------------------------------------------
// lws_strexp

/// `lws_strexp_expand()` results (LSTRX_*).
pub const LSTRX_DONE: i32 = 0;
pub const LSTRX_FILLED_OUT: i32 = 1;
pub const LSTRX_FATAL_NAME_TOO_LONG: i32 = -1;
pub const LSTRX_FATAL_NAME_UNKNOWN: i32 = -2;

/// Expander states, as kept in `lws_strexp.state`.
pub const EXPS_LITERAL: u8 = 0;
pub const EXPS_OPEN_OR_LIT: u8 = 1;
pub const EXPS_NAME_OR_CLOSE: u8 = 2;
pub const EXPS_DRAIN: u8 = 3;

/// The longest name, leaving room for its NUL in `lws_strexp.name`.
pub const STREXP_NAME_MAX: usize = 31;

/// The expander's persistent state (mirrors `lws_strexp` minus the output buffer).
pub struct Strexp<'a> {
    pub name: &'a mut [u8; 32],
    pub name_pos: &'a mut u8,
    pub state: &'a mut u8,
    pub pos: &'a mut usize,
    pub exp_ofs: &'a mut usize,
    pub olen: usize,
}

/// Where expanded text goes: the output buffer (if any) and the caller's callback.
pub trait StrexpSink {
    /// Whether there is an output buffer at all (NULL `out` only measures).
    fn has_out(&self) -> bool;
    /// Stores `b` at `pos` (< olen, checked by the caller).
    fn put(&mut self, pos: usize, b: u8);
    /// Asks for the value of the name (NUL-terminated in `name`) from `exp_ofs` on.
    fn expand(&mut self, name: &[u8; 32], pos: &mut usize, exp_ofs: &mut usize) -> i32;
}

/// Runs `${name}` expansion over `input`; returns (LSTRX_* or -1, used_in, used_out),
/// where a used value of None means lws leaves the caller's variable untouched.
/// The output stops one byte short of `olen` for the terminating NUL, as lws's does.
pub fn strexp_expand(
    st: &mut Strexp<'_>,
    input: &[u8],
    sink: &mut dyn StrexpSink,
) -> (i32, Option<usize>, Option<usize>) {
    let olen = st.olen;
    let mut used = 0usize;
    while used < input.len() {
        let c = input[used];
        match *st.state {
            EXPS_OPEN_OR_LIT => {
                if c == b'{' {
                    *st.state = EXPS_NAME_OR_CLOSE;
                    *st.name_pos = 0;
                    *st.exp_ofs = 0;
                } else {
                    // not an expansion after all: "$" and this byte are literal
                    if olen.saturating_sub(*st.pos) < 3 {
                        return (-1, None, None);
                    }
                    if sink.has_out() {
                        sink.put(*st.pos, b'$');
                        sink.put(*st.pos + 1, c);
                    }
                    *st.pos += 2;
                    if c != b'$' {
                        *st.state = EXPS_LITERAL;
                    }
                }
            }
            EXPS_NAME_OR_CLOSE if c != b'}' => {
                let np = *st.name_pos as usize;
                if np >= STREXP_NAME_MAX {
                    return (LSTRX_FATAL_NAME_TOO_LONG, None, None);
                }
                st.name[np] = c;
                *st.name_pos += 1;
            }
            EXPS_NAME_OR_CLOSE | EXPS_DRAIN => {
                if *st.state == EXPS_NAME_OR_CLOSE {
                    let np = (*st.name_pos as usize).min(STREXP_NAME_MAX);
                    st.name[np] = 0;
                    *st.state = EXPS_DRAIN;
                }
                let n = sink.expand(st.name, st.pos, st.exp_ofs);
                if n == LSTRX_FILLED_OUT || n == LSTRX_FATAL_NAME_UNKNOWN {
                    return (n, Some(used), Some(*st.pos));
                }
                *st.state = EXPS_LITERAL;
            }
            _ => {
                if c == b'$' {
                    *st.state = EXPS_OPEN_OR_LIT;
                } else {
                    if sink.has_out() && *st.pos < olen {
                        sink.put(*st.pos, c);
                    }
                    *st.pos += 1;
                    if olen.saturating_sub(*st.pos) < 1 {
                        return (LSTRX_FILLED_OUT, Some(used + 1), Some(*st.pos));
                    }
                }
            }
        }
        used += 1;
    }
    if sink.has_out() && *st.pos < olen {
        sink.put(*st.pos, 0);
    }
    (LSTRX_DONE, Some(used), Some(*st.pos))
}

// ---------------------------------------------------------------------------------------
// lws_humanize

/// Decimal digits of `v`: at least one, at most `width` (the low ones: lws keeps a fixed
/// column), exactly `width` when `pad`.
fn decimal(out: &mut Vec<u8>, v: u64, width: u32, pad: bool) {
    let mut n = 1u32;
    let mut q = 1u64;
    while (pad || v > q.saturating_mul(10) - 1) && n < 20 && n < width {
        q *= 10;
        n += 1;
    }
    for _ in 0..n {
        out.push(b'0' + ((v / q) % 10) as u8);
        q /= 10;
    }
}

/// `lws_humanize()`'s text for `v` with the first unit of `schema` (factor, name) that
/// fits: "12.345Mi", or the plain number with the factor-1 unit.  None when no unit
/// applies (lws asserts there).
pub fn humanize(v: u64, schema: &[(u64, &[u8])]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(16);
    for &(factor, name) in schema {
        if factor == 1 {
            decimal(&mut out, v, 4, false);
        } else if factor != 0 && v >= factor {
            decimal(&mut out, v / factor, 4, false);
            out.push(b'.');
            // three decimals; a factor below 1000 has none to give
            let thousandth = (factor / 1000).max(1);
            decimal(&mut out, ((v % factor) / thousandth) % 1000, 3, true);
        } else {
            continue;
        }
        out.extend_from_slice(name);
        return Some(out);
    }
    None
}

// ---------------------------------------------------------------------------------------
// RFC 7231 dates

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];
const WEEKDAYS: [&[u8; 3]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1..=12; day may be out of
/// its month's range and then counts on, as timegm normalizes it).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// (year, month 1..=12, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// "Tue, 15 Nov 1994 08:12:31 GMT" for a Unix time (29 bytes).  None for years gmtime
/// cannot give (beyond its int year).
pub fn http_date_render(t: i64) -> Option<Vec<u8>> {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    if y - 1900 > i64::from(i32::MAX) || y - 1900 < i64::from(i32::MIN) {
        return None;
    }
    let wd = (days + 4).rem_euclid(7) as usize;
    let mut s = Vec::with_capacity(32);
    s.extend_from_slice(WEEKDAYS[wd]);
    s.extend_from_slice(format!(", {:02} ", d).as_bytes());
    s.extend_from_slice(MONTHS[(m - 1) as usize]);
    s.extend_from_slice(
        format!(
            " {} {:02}:{:02}:{:02} GMT",
            y,
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
        .as_bytes(),
    );
    Some(s)
}

/// C's atoi over a byte slice: leading whitespace, a sign, then digits.
fn atoi(b: &[u8]) -> i64 {
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let neg = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    while let Some(&c) = b.get(i).filter(|c| c.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add(i64::from(c - b'0'));
        i += 1;
    }
    if neg {
        -v
    } else {
        v
    }
}

/// Parses lws's one accepted form, RFC 7231's IMF-fixdate ("Tue, 15 Nov 1994 08:12:31
/// GMT"), into a Unix time.  As lws does, the weekday must be a weekday name but is not
/// checked against the date, and the day of the month is not range checked (it counts
/// on into the next month, as timegm does); hours 0-23, minutes 0-60, seconds 0-61
/// (leap seconds) and years from 1900 are accepted.
pub fn http_date_parse(b: &[u8]) -> Option<i64> {
    if b.len() < 29 {
        return None;
    }
    let fixed: [(usize, u8); 11] = [
        (3, b','),
        (4, b' '),
        (7, b' '),
        (11, b' '),
        (16, b' '),
        (19, b':'),
        (22, b':'),
        (25, b' '),
        (26, b'G'),
        (27, b'M'),
        (28, b'T'),
    ];
    if fixed.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    WEEKDAYS.iter().position(|w| &b[0..3] == *w)?;
    let mon = MONTHS.iter().position(|m| &b[8..11] == *m)? as i64;
    // each field ends at a fixed separator, so atoi never reads past byte 28
    let mday = atoi(&b[5..29]);
    let year = atoi(&b[12..29]);
    if year < 1900 {
        return None;
    }
    let hour = atoi(&b[17..29]);
    let min = atoi(&b[20..29]);
    let sec = atoi(&b[23..29]);
    if !(0..=23).contains(&hour) || !(0..=60).contains(&min) || !(0..=61).contains(&sec) {
        return None;
    }
    let days = days_from_civil(year, mon + 1, 1) + mday - 1;
    Some(days * 86400 + hour * 3600 + min * 60 + sec)
}

// ---------------------------------------------------------------------------------------
// Matching and escaping

/// `lws_strcmp_wildcard()`: 0 when `check` matches `wildcard`, where `*` stands for any
/// run of bytes; 1 otherwise.  Like lws, at most three `*` can be pending a retry, and
/// after a `*` the rest of the pattern is looked for byte by byte from where the last
/// partial match began (lws's backtracking, not a full glob).
pub fn strcmp_wildcard(wildcard: &[u8], check: &[u8]) -> i32 {
    let (mut w, mut c) = (0usize, 0usize);
    let mut stack: [(usize, usize); 3] = [(0, 0); 3];
    let mut sp = 0usize;
    loop {
        if w == wildcard.len() {
            if sp == 0 {
                return 1;
            }
            sp -= 1;
            (w, c) = stack[sp];
        } else if wildcard[w] == b'*' {
            w += 1;
            if w == wildcard.len() {
                return 0;
            }
            if sp == stack.len() {
                lwsl_err!("lws_strcmp_wildcard: more than 3 * pending");
                return 1;
            }
            stack[sp] = (w, c + 1);
            sp += 1;
        } else {
            let hit = check.get(c) == Some(&wildcard[w]);
            c += 1;
            if hit {
                w += 1;
            } else if sp == 0 {
                return 1;
            }
        }
        if c >= check.len() {
            break;
        }
    }
    i32::from(w != wildcard.len())
}

/// `lws_nstrstr()`: the offset of the first `name` in `buf`.  An empty name is never
/// found (lws reads before its buffer there).
pub fn nstrstr(buf: &[u8], name: &[u8]) -> Option<usize> {
    if name.is_empty() || name.len() > buf.len() {
        return None;
    }
    buf.windows(name.len()).position(|w| w == name)
}

/// `lws_sql_purify()`: `s` with each `'` doubled, at most `len - 1` bytes of it (an
/// escape is never split).
pub fn sql_purify(s: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut room = len;
    for &c in s {
        if room <= 2 {
            break;
        }
        room -= 1;
        if c == b'\'' {
            out.extend_from_slice(b"''");
            room -= 1;
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `lws_json_purify` writes `c` as \u00XX: a quote, a control character, or (as
/// lws, whose char is signed, does) any byte with the high bit set.
fn json_hex_escaped(c: u8) -> bool {
    c == b'"' || !(0x20..0x80).contains(&c)
}

/// `lws_json_purify()`: the escaped text of `s` that fits in `len` bytes with its NUL
/// (escapes are never split), and how many input bytes it covers.
pub fn json_purify(s: &[u8], len: i32) -> (Vec<u8>, usize) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::new();
    let mut room = i64::from(len);
    let mut used = 0;
    for &c in s {
        if room <= 6 {
            break;
        }
        room -= 1;
        used += 1;
        match c {
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\\' => out.extend_from_slice(b"\\\\"),
            c if json_hex_escaped(c) => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(c >> 4)]);
                out.push(HEX[usize::from(c & 15)]);
                room -= 5;
            }
            c => out.push(c),
        }
    }
    (out, used)
}

/// `lws_json_purify_len()`: the length `lws_json_purify` needs for all of `s`.
pub fn json_purify_len(s: &[u8]) -> usize {
    s.iter()
        .map(|&c| match c {
            b'\t' | b'\n' | b'\r' => 2,
            b'\\' => 6,
            c if json_hex_escaped(c) => 6,
            _ => 1,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str, flags: u16) -> Vec<(i32, String)> {
        let b = s.as_bytes();
        let mut at = 0;
        let mut delim = DT_NEED_FIRST_CONTENT;
        let mut out = Vec::new();
        loop {
            let st = tokenize(flags, &mut delim, |i| {
                b.get(at + i).copied().filter(|&c| c != 0)
            });
            let tok = st
                .token
                .map(|o| String::from_utf8_lossy(&b[at + o..at + o + st.token_len]).into_owned())
                .unwrap_or_default();
            at += st.consumed;
            out.push((st.elem, tok));
            if st.elem <= 0 {
                return out;
            }
        }
    }

    fn kinds(v: &[(i32, String)]) -> Vec<i32> {
        v.iter().map(|e| e.0).collect()
    }

    #[test]
    fn header_list() {
        let r = run(
            "Accept-Language: fr-CH, fr;q=0.9",
            F_MINUS_NONTERM | F_AGG_COLON,
        );
        let want: Vec<(i32, String)> = [
            (NAME_COLON, "Accept-Language"),
            (TOKEN, "fr-CH"),
            (DELIMITER, ","),
            (TOKEN, "fr"),
            (DELIMITER, ";"),
            (NAME_EQUALS, "q"),
            (FLOAT, "0.9"),
            (ENDED, ""),
        ]
        .iter()
        .map(|&(e, s)| (e, s.to_string()))
        .collect();
        assert_eq!(r, want);
    }

    #[test]
    fn comma_list_errors() {
        assert_eq!(kinds(&run(", x", F_COMMA_SEP_LIST)), [E_COMMA_LIST]);
        assert_eq!(
            kinds(&run("a,,", F_COMMA_SEP_LIST)),
            [TOKEN, DELIMITER, E_COMMA_LIST]
        );
        assert_eq!(
            kinds(&run("a,", F_COMMA_SEP_LIST)),
            [TOKEN, DELIMITER, E_COMMA_LIST]
        );
        assert_eq!(kinds(&run("a b", F_COMMA_SEP_LIST)), [TOKEN, E_COMMA_LIST]);
        assert_eq!(
            kinds(&run("a, b", F_COMMA_SEP_LIST)),
            [TOKEN, DELIMITER, TOKEN, ENDED]
        );
    }

    #[test]
    fn numbers_and_strings() {
        assert_eq!(kinds(&run("1.2.3", 0)), [E_MALFORMED_FLOAT]);
        assert_eq!(kinds(&run("12=3", 0)), [E_NUM_ON_LHS]);
        assert_eq!(kinds(&run("\"abc", 0)), [E_UNTERM_STRING]);
        assert_eq!(run("x = \"a b\"", 0)[1], (QUOTED_STRING, "a b".to_string()));
        assert_eq!(
            kinds(&run("1.myserver", F_NO_FLOATS)),
            [INTEGER, DELIMITER, TOKEN, ENDED]
        );
        assert_eq!(
            kinds(&run("a=5", F_NO_INTEGERS)),
            [NAME_EQUALS, TOKEN, ENDED]
        );
        assert_eq!(run("x=y", F_EQUALS_NONTERM)[0], (TOKEN, "x=y".to_string()));
        assert_eq!(run("a/b", F_SLASH_NONTERM)[0], (TOKEN, "a/b".to_string()));
        assert_eq!(
            run("#c\nhi #d", F_HASH_COMMENT)[0],
            (TOKEN, "hi".to_string())
        );
    }

    #[test]
    fn utf8() {
        assert_eq!(
            kinds(&run("ok \u{80}x", F_RFC7230_DELIMS)),
            [TOKEN, TOKEN, ENDED]
        );
        // by default the last byte of a multibyte character is a delimiter (as in lws),
        // which ends the token before it; the next step then starts on a continuation
        // byte and finds broken UTF-8
        assert_eq!(
            run("\u{e9}", 0),
            [
                (TOKEN, "\u{fffd}".to_string()),
                (E_BROKEN_UTF8, String::new())
            ]
        );
        assert_eq!(
            kinds(&run("a \x7f", F_RFC7230_DELIMS)),
            [TOKEN, TOKEN, ENDED]
        );
        let bad = b"ab \x80";
        let mut d = 0;
        let st = tokenize(F_RFC7230_DELIMS, &mut d, |i| bad.get(i).copied());
        assert_eq!(st.elem, E_BROKEN_UTF8);
        let cut = b"ab\xe2\x82";
        let st = tokenize(F_RFC7230_DELIMS, &mut d, |i| cut.get(i).copied());
        assert_eq!(st.elem, E_BROKEN_UTF8);
    }

    struct Buf {
        out: Vec<u8>,
    }
    impl StrexpSink for Buf {
        fn has_out(&self) -> bool {
            true
        }
        fn put(&mut self, pos: usize, b: u8) {
            self.out[pos] = b;
        }
        fn expand(&mut self, name: &[u8; 32], pos: &mut usize, ofs: &mut usize) -> i32 {
            let n = name.iter().position(|&c| c == 0).unwrap();
            if &name[..n] != b"who" {
                return LSTRX_FATAL_NAME_UNKNOWN;
            }
            let v = b"world";
            let room = self.out.len() - *pos;
            let take = (v.len() - *ofs).min(room);
            self.out[*pos..*pos + take].copy_from_slice(&v[*ofs..*ofs + take]);
            *pos += take;
            *ofs += take;
            if *ofs == v.len() {
                LSTRX_DONE
            } else {
                LSTRX_FILLED_OUT
            }
        }
    }

    fn expand_all(input: &[u8], olen: usize) -> (Vec<u8>, i32) {
        let (mut name, mut np, mut state, mut ofs) = ([0u8; 32], 0u8, EXPS_LITERAL, 0usize);
        let mut text = Vec::new();
        let mut rest = input;
        loop {
            let mut pos = 0usize;
            let mut sink = Buf { out: vec![0; olen] };
            let mut st = Strexp {
                name: &mut name,
                name_pos: &mut np,
                state: &mut state,
                pos: &mut pos,
                exp_ofs: &mut ofs,
                olen,
            };
            let (r, ui, uo) = strexp_expand(&mut st, rest, &mut sink);
            if r < 0 {
                return (text, r);
            }
            let uo = uo.unwrap();
            text.extend_from_slice(&sink.out[..uo]);
            rest = &rest[ui.unwrap()..];
            if r == LSTRX_DONE {
                return (text, r);
            }
        }
    }

    #[test]
    fn strexp() {
        assert_eq!(
            expand_all(b"hello ${who}!", 64),
            (b"hello world!".to_vec(), 0)
        );
        assert_eq!(
            expand_all(b"hello ${who}!", 4),
            (b"hello world!".to_vec(), 0)
        );
        assert_eq!(expand_all(b"a $b $$", 64).0, b"a $b $$".to_vec());
        assert_eq!(expand_all(b"${nobody}", 64).1, LSTRX_FATAL_NAME_UNKNOWN);
        let long = format!("${{{}}}", "n".repeat(40));
        assert_eq!(expand_all(long.as_bytes(), 64).1, LSTRX_FATAL_NAME_TOO_LONG);
    }

    #[test]
    fn humanize_units() {
        let si: &[(u64, &[u8])] = &[
            (1 << 30, b"Gi"),
            (1 << 20, b"Mi"),
            (1 << 10, b"Ki"),
            (1, b""),
        ];
        assert_eq!(humanize(0, si).unwrap(), b"0");
        assert_eq!(humanize(1023, si).unwrap(), b"1023");
        // 1024 / 1000 is 1: lws shows the raw remainder as the "decimals" of Ki
        assert_eq!(humanize(1536, si).unwrap(), b"1.512Ki");
        assert_eq!(humanize(1025, si).unwrap(), b"1.001Ki");
        assert_eq!(humanize(3 << 19, si).unwrap(), b"1.500Mi");
        assert_eq!(humanize(3 << 30, si).unwrap(), b"3.000Gi");
        assert_eq!(humanize(5, &[(10, b"x")]), None);
    }

    #[test]
    fn dates() {
        assert_eq!(
            http_date_render(784887151).unwrap(),
            b"Tue, 15 Nov 1994 08:12:31 GMT"
        );
        assert_eq!(
            http_date_render(0).unwrap(),
            b"Thu, 01 Jan 1970 00:00:00 GMT"
        );
        assert_eq!(
            http_date_parse(b"Tue, 15 Nov 1994 08:12:31 GMT"),
            Some(784887151)
        );
        assert_eq!(
            http_date_parse(b"Sun, 29 Feb 2032 23:59:60 GMT"),
            Some(1961712000)
        );
        assert_eq!(
            http_date_parse(b"Mon, 32 Jan 2000 00:00:00 GMT"),
            Some(949363200)
        );
        assert_eq!(http_date_parse(b"Tue, 15 Nov 1994 08:12:31 UTC"), None);
        assert_eq!(http_date_parse(b"Tue, 15 Nov 1899 08:12:31 GMT"), None);
        assert_eq!(http_date_parse(b"Tue, 15 Nov 1994 24:12:31 GMT"), None);
        assert_eq!(http_date_parse(b"Tuesday, 15-Nov-94 08:12:31 GMT"), None);
        for t in [0i64, 1, 86399, 951782400, 4102444800, 1_700_000_000] {
            assert_eq!(http_date_parse(&http_date_render(t).unwrap()), Some(t));
        }
    }

    #[test]
    fn wildcard() {
        assert_eq!(strcmp_wildcard(b"a*b", b"axxb"), 0);
        assert_eq!(strcmp_wildcard(b"*", b"anything"), 0);
        assert_eq!(strcmp_wildcard(b"abc", b"abc"), 0);
        assert_eq!(strcmp_wildcard(b"abc", b"abd"), 1);
        assert_eq!(strcmp_wildcard(b"a*c", b"ab"), 1);
        assert_eq!(strcmp_wildcard(b"ab", b"abc"), 1);
    }

    #[test]
    fn escapers() {
        assert_eq!(nstrstr(b"hello world", b"wor"), Some(6));
        assert_eq!(nstrstr(b"hi", b"high"), None);
        assert_eq!(sql_purify(b"it's", 64), b"it''s");
        assert_eq!(sql_purify(b"abcdef", 4), b"ab");
        assert_eq!(json_purify(b"a\"b\n", 64), (b"a\\u0022b\\n".to_vec(), 4));
        assert_eq!(json_purify_len(b"a\"b\n"), 10);
        assert_eq!(json_purify(b"abcdef", 8).0, b"ab");
    }
}
