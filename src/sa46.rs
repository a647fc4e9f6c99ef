//! Numeric IPv4 / IPv6 addresses as lws-network-helper.h reads and writes them: the
//! parser and formatter behind `lws_parse_numeric_address`, `lws_write_numeric_address`
//! and the `lws_sa46_*` family.  Pure byte-slice code; the C surface is
//! `crate::capi::sa46`.
//!
//! The accepted forms and the error numbers are lws's (its parser runs lws_tokenize with
//! NO_INTEGERS | MINUS_NONTERM over the string, then counts sections); the written form
//! is lws's too, which is close to, but not exactly, RFC 5952: the *first* run of zero
//! groups is elided (even a single group), later runs are written out, and `::ffff:` +
//! IPv4 is written in dotted form only when the elision starts at the first group.

/// One element of lws_tokenize's output, for the flags the address parser uses.
#[derive(Debug, PartialEq)]
enum Tok<'a> {
    Token(&'a [u8]),
    Delim(u8),
    Ended,
    /// Anything the address parser does not expect (`x=`, quoted strings, broken UTF-8).
    Other,
}

/// lws_tokenize with LWS_TOKENIZE_F_NO_INTEGERS | LWS_TOKENIZE_F_MINUS_NONTERM: tokens
/// are runs of `[0-9A-Za-z_-]` (and bytes inside a UTF-8 sequence), other printable
/// bytes are one-byte delimiters, whitespace separates.
struct Tokenizer<'a> {
    s: &'a [u8],
    pos: usize,
}

/// Advances lws's strict UTF-8 state (0: between characters) by one byte; None: broken.
/// The state packs how many continuation bytes remain and the range the next one must
/// be in (E0, ED, F0 and F4 narrow it, so overlongs and surrogates are refused).
fn utf8_step(state: (u8, u8, u8), c: u8) -> Option<(u8, u8, u8)> {
    let (left, lo, hi) = state;
    if left == 0 {
        return match c {
            0x00..=0x7f => Some((0, 0, 0)),
            0xc2..=0xdf => Some((1, 0x80, 0xbf)),
            0xe0 => Some((2, 0xa0, 0xbf)),
            0xed => Some((2, 0x80, 0x9f)),
            0xe1..=0xef => Some((2, 0x80, 0xbf)),
            0xf0 => Some((3, 0x90, 0xbf)),
            0xf4 => Some((3, 0x80, 0x8f)),
            0xf1..=0xf3 => Some((3, 0x80, 0xbf)),
            _ => None,
        };
    }
    if c < lo || c > hi {
        return None;
    }
    Some((left - 1, 0x80, 0xbf))
}

impl<'a> Tokenizer<'a> {
    fn next_elem(&mut self) -> Tok<'a> {
        #[derive(PartialEq)]
        enum St {
            Leading,
            Token,
            PostTerminal,
        }
        let mut st = St::Leading;
        let mut start = 0;
        let mut tlen = 0;
        let mut utf8 = (0u8, 0u8, 0u8);
        while self.pos < self.s.len() {
            let c = self.s[self.pos];
            self.pos += 1;
            utf8 = match utf8_step(utf8, c) {
                Some(u) => u,
                None => return Tok::Other,
            };
            if c == 0 {
                break;
            }
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c) {
                if st == St::Token {
                    st = St::PostTerminal;
                }
                continue;
            }
            if c == b'"' {
                // A quoted string: whatever it turns into, the parser refuses it.
                return Tok::Other;
            }
            if c == b'=' && st != St::Leading {
                return Tok::Other; // "token=": LWS_TOKZE_TOKEN_NAME_EQUALS
            }
            let payload = c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
            if utf8.0 == 0 && !payload {
                if st == St::Leading {
                    return Tok::Delim(c);
                }
                // The delimiter is reported next time.
                self.pos -= 1;
                return Tok::Token(&self.s[start..start + tlen]);
            }
            match st {
                St::Leading => {
                    st = St::Token;
                    start = self.pos - 1;
                    tlen = 1;
                }
                St::Token => tlen += 1,
                St::PostTerminal => {
                    self.pos -= 1;
                    return Tok::Token(&self.s[start..start + tlen]);
                }
            }
        }
        if utf8.0 != 0 {
            return Tok::Other;
        }
        if st == St::Leading {
            Tok::Ended
        } else {
            Tok::Token(&self.s[start..start + tlen])
        }
    }
}

/// Parses `ads` into `out` (its length is lws's `max_len`) as lws_parse_numeric_address:
/// Ok(4) for IPv4, Ok(16) for IPv6 (network byte order), else lws's negative code.  Where
/// lws would write past `max_len` (too many sections), this stops with lws's final -14
/// without writing there.
pub fn parse_numeric(ads: &[u8], out: &mut [u8]) -> Result<usize, i32> {
    let max_len = out.len();
    let mut ipv6 = ads.contains(&b':');
    if !ipv6 && ads.len() < 7 {
        return Err(-1);
    }
    if ipv6 && ads.len() < 2 {
        return Err(-2);
    }
    if !ipv6 && max_len < 4 {
        return Err(-3);
    }
    if ipv6 && max_len < 16 {
        return Err(-4);
    }
    if ipv6 {
        out.fill(0);
    }
    let mut ts = Tokenizer { s: ads, pos: 0 };
    let mut r = 0usize; // write position in `out`
    let (mut sects, mut dm) = (0, 0);
    let mut skip_point: Option<usize> = None;
    // Writes one byte, or reports that lws would have written past the end.
    fn put(out: &mut [u8], r: &mut usize, b: u8) -> Result<(), i32> {
        let Some(slot) = out.get_mut(*r) else {
            lwsl_err!("lws_parse_numeric_address: address too long");
            return Err(-14);
        };
        *slot = b;
        *r += 1;
        Ok(())
    }
    loop {
        match ts.next_elem() {
            Tok::Token(t) => {
                dm = 0;
                let v = if ipv6 {
                    if t.len() > 4 || !t.iter().all(|c| c.is_ascii_hexdigit()) {
                        return Err(-1);
                    }
                    let v = t
                        .iter()
                        .fold(0u32, |a, &c| a * 16 + (c as char).to_digit(16).unwrap_or(0));
                    put(out, &mut r, (v >> 8) as u8)?;
                    v
                } else {
                    if t.len() > 3 || !t.iter().all(|c| c.is_ascii_digit()) {
                        return Err(-1);
                    }
                    let v = t.iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
                    if v > 0xff {
                        return Err(-6);
                    }
                    v
                };
                put(out, &mut r, v as u8)?;
                sects += 1;
            }
            Tok::Delim(c) => {
                dm += 1;
                if dm > 1 {
                    if dm > 2 {
                        return Err(-8);
                    }
                    if c != b':' {
                        return Err(-9);
                    }
                    // "::": the elided run goes here, placed at the end.
                    put(out, &mut r, 0)?;
                    put(out, &mut r, 0)?;
                    skip_point = Some(r);
                } else if ipv6 && out[2] == 0xff && out[3] == 0xff && skip_point == Some(2) {
                    // "::ffff:" then an IPv4 address in dotted form.
                    ipv6 = false;
                    out.fill(0);
                    out[10] = 0xff;
                    out[11] = 0xff;
                    skip_point = None;
                    r = 12;
                    sects = 0;
                } else if ipv6 && c != b':' {
                    return Err(-10);
                } else if !ipv6 && c != b'.' {
                    return Err(-11);
                }
            }
            Tok::Ended => {
                if (!ipv6 && sects == 4) || (ipv6 && sects == 8) {
                    return Ok(r);
                }
                let Some(sp) = skip_point else {
                    return Err(-12);
                };
                if r == 16 {
                    return Ok(16);
                }
                if r > 16 {
                    // lws overruns its 16-byte scratch here; refuse instead.
                    lwsl_err!("lws_parse_numeric_address: too many sections");
                    return Err(-14);
                }
                // Move what followed "::" to the end; zeros in between.
                let tail = r - sp;
                out.copy_within(sp..r, 16 - tail);
                out[sp..16 - tail].fill(0);
                return Ok(16);
            }
            Tok::Other => {
                lwsl_err!("lws_parse_numeric_address: malformed ip address");
                return Err(-13);
            }
        }
        if r > max_len {
            lwsl_err!("lws_parse_numeric_address: ended early");
            return Err(-14);
        }
    }
}

/// Formats a 4- or 16-byte address as lws_write_numeric_address does, into at most
/// `len` bytes including the NUL: Ok(text) when it fits, Err(partial text) when lws gives
/// up (-1) with that much written (lws checks for 8 free bytes before each group and 3
/// at the end).  Sizes other than 4 and 16 are the caller's -1.
pub fn write_numeric(ads: &[u8], len: usize) -> Result<Vec<u8>, Vec<u8>> {
    if ads.len() == 4 {
        return Ok(format!("{}.{}.{}.{}", ads[0], ads[1], ads[2], ads[3]).into_bytes());
    }
    let mut o: Vec<u8> = Vec::with_capacity(40);
    let (mut elided, mut in_run, mut run_at_start, mut ipv4) = (false, false, false, false);
    for c in 0..8 {
        let v = u16::from_be_bytes([ads[2 * c], ads[2 * c + 1]]);
        if o.len() + 8 > len {
            return Err(o);
        }
        if in_run {
            if v != 0 {
                o.push(b':');
            }
        } else if !elided && v == 0 {
            elided = true;
            in_run = true;
            run_at_start = c == 0;
            continue;
        }
        if ipv4 {
            o.extend_from_slice(format!("{}.{}", ads[2 * c], ads[2 * c + 1]).as_bytes());
            if c == 6 {
                o.push(b'.');
            }
            continue;
        }
        if in_run && v == 0 {
            continue;
        }
        if c != 0 {
            o.push(b':');
        }
        o.extend_from_slice(format!("{v:x}").as_bytes());
        if in_run {
            in_run = false;
            if c == 5 && v == 0xffff && run_at_start {
                ipv4 = true;
                o.push(b':');
            }
        }
    }
    if o.len() + 3 > len {
        return Err(o);
    }
    if in_run {
        // Still in the elided run at the end (all zeros, or trailing zeros).
        o.extend_from_slice(b"::");
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Vec<u8>, i32> {
        let mut b = [0u8; 16];
        parse_numeric(s.as_bytes(), &mut b).map(|n| b[..n].to_vec())
    }

    fn w(a: &[u8]) -> String {
        String::from_utf8(write_numeric(a, 64).unwrap()).unwrap()
    }

    #[test]
    fn parse_v4() {
        assert_eq!(p("192.168.1.2"), Ok(vec![192, 168, 1, 2]));
        assert_eq!(p("1.2.3"), Err(-1));
        assert_eq!(p("1.2.3.256"), Err(-6));
        assert_eq!(p("1.2.3.4.5"), Err(-12));
        assert_eq!(p("1..2.3.4"), Err(-9));
        assert_eq!(p("1,2.3.4.5"), Err(-11));
    }

    #[test]
    fn parse_v6() {
        let mut one = vec![0u8; 16];
        one[15] = 1;
        assert_eq!(p("::1"), Ok(one));
        assert_eq!(p("::"), Ok(vec![0u8; 16]));
        let mut m = vec![0u8; 16];
        m[10] = 0xff;
        m[11] = 0xff;
        m[12..].copy_from_slice(&[1, 2, 3, 4]);
        assert_eq!(p("::ffff:1.2.3.4"), Ok(m));
        assert_eq!(p("1:2:3:4:5:6:7:8:9"), Err(-14));
        assert_eq!(p(":::"), Err(-8));
        assert_eq!(p("12345::"), Err(-1));
    }

    #[test]
    fn write() {
        let mut a = [0u8; 16];
        assert_eq!(w(&a), "::");
        a[15] = 1;
        assert_eq!(w(&a), "::1");
        a[0] = 0x20;
        a[1] = 0x01;
        assert_eq!(w(&a), "2001::1");
        let mut m = [0u8; 16];
        m[10] = 0xff;
        m[11] = 0xff;
        m[12..].copy_from_slice(&[1, 2, 3, 4]);
        assert_eq!(w(&m), "::ffff:1.2.3.4");
        assert_eq!(w(&[10, 0, 0, 1]), "10.0.0.1");
    }
}
