//! Small lws helpers that need no engine: URL decoding, lws's variable-length integers,
//! the xoshiro256** generator, the resumable base64 decoder and the cookie lookup over a
//! Cookie header's value.  Each follows lws v4.3.10's rules, quirks included where a
//! program could see them (each is named where it is kept).

/// lws's hex digit value, -1 for anything else.
fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// `lws_urldecode()`: `%XX` and `+` decoded from `escaped` (up to its NUL) until `len`
/// output bytes are written.  Ok(output), to be followed by a NUL; Err(what was written
/// before a bad escape), which lws leaves unterminated.  A `%` or `%X` cut by the end of
/// the input just ends the output.
pub fn urldecode(escaped: &[u8], len: usize) -> Result<Vec<u8>, Vec<u8>> {
    let mut out = Vec::new();
    let mut left = len;
    let mut state = 0;
    let mut hi = 0u8;
    for &c in escaped {
        if c == 0 || left == 0 {
            break;
        }
        match state {
            0 => match c {
                b'%' => state = 1,
                b'+' => {
                    out.push(b' ');
                    left -= 1;
                }
                _ => {
                    out.push(c);
                    left -= 1;
                }
            },
            1 => {
                let Some(v) = hex_val(c) else {
                    return Err(out);
                };
                hi = v << 4;
                state = 2;
            }
            _ => {
                let Some(v) = hex_val(c) else {
                    return Err(out);
                };
                out.push(hi | v);
                left -= 1;
                state = 0;
            }
        }
    }
    Ok(out)
}

/// `lws_vbi_encode()`: seven bits a byte, least significant first, the top bit set on
/// every byte but the last.  None above 2^28 - 1 (lws's limit, four bytes).
pub fn vbi_encode(mut value: u64) -> Option<Vec<u8>> {
    if value > 0xfff_ffff {
        return None;
    }
    let mut out = Vec::with_capacity(4);
    loop {
        let b = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(b);
            return Some(out);
        }
        out.push(0x80 | b);
    }
}

/// `lws_vbi_decode()` exactly as lws 4.3.10 has it, which does not read what
/// `lws_vbi_encode()` writes: it stops at the first byte whose TOP BIT IS SET, stores the
/// value gathered up to and including that byte, and returns that byte's index (so a
/// value ending at the first byte returns 0, like a failure).  Without such a byte in
/// `buf` (a whole encoding from lws_vbi_encode has its last byte clear), or past 64 bits,
/// it returns 0 and stores nothing.  Kept as lws has it: a program built on lws sees
/// these results.
pub fn vbi_decode(buf: &[u8]) -> (usize, Option<u64>) {
    let mut v = 0u64;
    let mut s = 0u32;
    for (i, &b) in buf.iter().enumerate() {
        v |= u64::from(b & 0x7f) << s;
        if b & 0x80 != 0 {
            return (i, Some(v));
        }
        s += 7;
        if s >= 64 {
            return (0, None);
        }
    }
    (0, None)
}

/// xoshiro256** state, as `struct lws_xos`.
pub fn xos_next(s: &mut [u64; 4]) -> u64 {
    let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
    let t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3].rotate_left(45);
    result
}

/// `lws_xos_init()`: the four words from splitmix64 of `seed`, in lws's variant (each
/// output mixes the value before the increment).
pub fn xos_seed(mut seed: u64) -> [u64; 4] {
    let mut s = [0u64; 4];
    for w in &mut s {
        let mut r = seed;
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        r = (r ^ (r >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        r = (r ^ (r >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        *w = r ^ (r >> 31);
    }
    s
}

/// The resumable decoder's state, as `struct lws_b64state` holds it.
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct B64State {
    pub quad: [u8; 4],
    pub done: usize,
    pub len: usize,
    pub i: i32,
    pub c: i32,
}

/// The sextet of a base64 character (both alphabets), None for anything else ('='
/// included).
fn b64_val(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// `lws_b64_decode_stateful()`: decodes what it can of `input` (stopping at a NUL) into
/// at most `cap` bytes, keeping a partial group in `s` for the next call; `last` decodes
/// a final partial group.  Returns (input used, output).
///
/// lws's rules, kept: characters outside the alphabets are skipped; a group is only
/// started while three more output bytes fit; `last` flushes a partial group only when
/// this call has input left to start the loop with; a group ending on input that ends
/// in '=' is one byte shorter; `done` counts (group length - 1) per group.
pub fn b64_stateful(s: &mut B64State, input: &[u8], cap: usize, last: bool) -> (usize, Vec<u8>) {
    let mut out = Vec::new();
    let mut pos = 0;
    let more = |pos: usize| pos < input.len() && input[pos] != 0;
    while more(pos) && out.len() + 3 <= cap {
        while s.i < 4 && more(pos) {
            let mut v = None;
            s.c = 0;
            while more(pos) && v.is_none() {
                let mut c = input[pos];
                pos += 1;
                // the url alphabet is taken as the standard one
                if c == b'-' {
                    c = b'+';
                }
                if c == b'_' {
                    c = b'/';
                }
                s.c = i32::from(c);
                v = b64_val(c);
            }
            if s.c != 0 {
                s.len += 1;
                if let Some(v) = v {
                    s.quad[s.i as usize] = v;
                }
            } else {
                s.quad[s.i as usize] = 0;
            }
            s.i += 1;
        }
        if s.i != 4 && !last {
            continue;
        }
        s.i = 0;
        if !more(pos) && s.c == i32::from(b'=') {
            s.len = s.len.wrapping_sub(1);
        }
        let q = s.quad;
        if s.len >= 2 {
            out.push(q[0] << 2 | q[1] >> 4);
        }
        if s.len >= 3 {
            out.push(q[1] << 4 | q[2] >> 2);
        }
        if s.len >= 4 {
            out.push(q[2] << 6 | q[3]);
        }
        s.done = s.done.wrapping_add(s.len.wrapping_sub(1));
        s.len = 0;
    }
    (pos, out)
}

/// `lws_http_cookie_get()` over an HTTP/1 Cookie header value `v`: the value of the first
/// `name=` found, copied until ';' or the end, into room for `max` bytes (the NUL
/// included).  Ok(value); Err(1) not found, Err(2) it did not fit.
///
/// lws's matching, kept: `name` is matched as the text just before any '=', so it also
/// matches the end of a longer name ("xa=1" answers "a").
pub fn cookie_get(v: &[u8], name: &[u8], max: usize) -> Result<Vec<u8>, i32> {
    let bl = name.len();
    if v.len() < bl + 1 {
        return Err(1);
    }
    let mut p = bl;
    let mut n = v.len() - bl;
    while n > 0 {
        n -= 1;
        if v[p] == b'=' && &v[p - bl..p] == name {
            p += 1;
            let mut out = Vec::new();
            let mut room = max;
            while p < v.len() && v[p] != b';' && n > 0 && room > 0 {
                n -= 1;
                out.push(v[p]);
                p += 1;
                room -= 1;
            }
            if room == 0 {
                return Err(2);
            }
            return Ok(out);
        }
        p += 1;
    }
    Err(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urldecode_rules() {
        assert_eq!(urldecode(b"a%20b+c", 100), Ok(b"a b c".to_vec()));
        assert_eq!(urldecode(b"%41%4a%6b", 100), Ok(b"AJk".to_vec()));
        assert_eq!(urldecode(b"abcdef", 3), Ok(b"abc".to_vec()));
        assert_eq!(urldecode(b"ab%zz", 100), Err(b"ab".to_vec()));
        assert_eq!(urldecode(b"ab%4", 100), Ok(b"ab".to_vec()));
        assert_eq!(urldecode(b"ab\0cd", 100), Ok(b"ab".to_vec()));
        assert_eq!(urldecode(b"ab", 0), Ok(vec![]));
    }

    #[test]
    fn vbi() {
        assert_eq!(vbi_encode(0), Some(vec![0]));
        assert_eq!(vbi_encode(127), Some(vec![0x7f]));
        assert_eq!(vbi_encode(128), Some(vec![0x80, 0x01]));
        assert_eq!(vbi_encode(300), Some(vec![0xac, 0x02]));
        assert_eq!(vbi_encode(0xfff_ffff), Some(vec![0xff, 0xff, 0xff, 0x7f]));
        assert_eq!(vbi_encode(0x1000_0000), None);
        // lws's decoder stops at a set top bit
        assert_eq!(vbi_decode(&[0xac, 0x02]), (0, Some(0x2c)));
        assert_eq!(vbi_decode(&[0x05]), (0, None));
        assert_eq!(
            vbi_decode(&[0x05, 0x01, 0x83]),
            (2, Some(5 | 1 << 7 | 3 << 14))
        );
        assert_eq!(vbi_decode(&[]), (0, None));
        assert_eq!(vbi_decode(&[0; 12]), (0, None));
    }

    #[test]
    fn xos_matches_reference() {
        // splitmix64 (lws's variant) of 0: the first word mixes 0 itself
        let s = xos_seed(0);
        assert_eq!(s[0], 0);
        assert_eq!(s[1], 0xe220_a839_7b1d_cdaf);
        let mut st = [1u64, 2, 3, 4];
        // xoshiro256** reference from state {1, 2, 3, 4}
        assert_eq!(xos_next(&mut st), 11520);
        assert_eq!(xos_next(&mut st), 0);
        assert_eq!(xos_next(&mut st), 1509978240);
        assert_eq!(xos_next(&mut st), 1215971899390074240);
    }

    #[test]
    fn b64_stateful_pieces() {
        let mut s = B64State::default();
        let (used, out) = b64_stateful(&mut s, b"aGVsbG8gd29y", 64, false);
        assert_eq!((used, out.as_slice()), (12, &b"hello wor"[..]));
        let (used, out) = b64_stateful(&mut s, b"bGQ=", 64, true);
        assert_eq!((used, out.as_slice()), (4, &b"ld"[..]));
        // a group split across calls
        let mut s = B64State::default();
        let (_, a) = b64_stateful(&mut s, b"aGV", 64, false);
        assert!(a.is_empty());
        assert_eq!(s.i, 3);
        let (_, b) = b64_stateful(&mut s, b"sbA==", 64, true);
        assert_eq!(b, b"hell");
        // room for fewer than three bytes: nothing started
        let mut s = B64State::default();
        assert_eq!(b64_stateful(&mut s, b"aGVs", 2, true), (0, vec![]));
        // url alphabet and junk skipped
        let mut s = B64State::default();
        assert_eq!(
            b64_stateful(&mut s, b"-_-_\n", 64, true).1,
            vec![0xfb, 0xff, 0xbf]
        );
    }

    #[test]
    fn cookies() {
        let v = b"a=1; bb=two; c=";
        assert_eq!(cookie_get(v, b"a", 10), Ok(b"1".to_vec()));
        assert_eq!(cookie_get(v, b"bb", 10), Ok(b"two".to_vec()));
        assert_eq!(cookie_get(v, b"b", 10), Ok(b"two".to_vec()));
        assert_eq!(cookie_get(v, b"c", 10), Ok(vec![]));
        assert_eq!(cookie_get(v, b"d", 10), Err(1));
        assert_eq!(cookie_get(v, b"bb", 3), Err(2));
        assert_eq!(cookie_get(v, b"bb", 4), Ok(b"two".to_vec()));
        assert_eq!(cookie_get(b"a", b"a", 4), Err(1));
    }
}
