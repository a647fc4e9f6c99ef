//! Incremental UTF-8 validation (RFC 3629) for WebSocket TEXT messages.
//!
//! A text message arrives in arbitrary pieces: a code point may be split across reads and
//! across frames.  [`Utf8Validator`] keeps the few bits of state needed to resume in the
//! middle of a code point, and rejects input as early as possible: the first byte that
//! makes the input so far impossible as a prefix of valid UTF-8 (overlong forms,
//! UTF-16 surrogates, code points above U+10FFFF, stray or missing continuation bytes)
//! fails the feed.  Autobahn's section 6 ("fail fast on invalid UTF-8") depends on that.

/// Incremental UTF-8 validator.  Four bytes, `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utf8Validator {
    /// Continuation bytes still expected for the current code point (0..=3).
    need: u8,
    /// Allowed range of the next continuation byte.  Only the first continuation byte of
    /// a sequence has a range narrower than 80..=BF; narrowing it is what rejects
    /// overlongs, surrogates and values above U+10FFFF at the earliest possible byte.
    lo: u8,
    hi: u8,
    /// Sticky: once invalid, always invalid until `reset`.
    failed: bool,
}

impl Default for Utf8Validator {
    fn default() -> Self {
        Self::new()
    }
}

/// High bit of every byte in a word: set iff the byte is not ASCII.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Classifies a lead byte: (continuation bytes needed, range of the first continuation).
/// `None` for bytes that can never start a code point (80..=C1, F5..=FF).
#[inline]
fn lead(b: u8) -> Option<(u8, u8, u8)> {
    Some(match b {
        0xC2..=0xDF => (1, 0x80, 0xBF),
        // E0 80..9F would be an overlong 2-byte value.
        0xE0 => (2, 0xA0, 0xBF),
        0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
        // ED A0..BF would encode a surrogate (U+D800..U+DFFF).
        0xED => (2, 0x80, 0x9F),
        // F0 80..8F would be an overlong 3-byte value.
        0xF0 => (3, 0x90, 0xBF),
        0xF1..=0xF3 => (3, 0x80, 0xBF),
        // F4 90.. would be above U+10FFFF.
        0xF4 => (3, 0x80, 0x8F),
        _ => return None,
    })
}

impl Utf8Validator {
    /// A validator at the start of a text.
    pub const fn new() -> Self {
        Utf8Validator {
            need: 0,
            lo: 0x80,
            hi: 0xBF,
            failed: false,
        }
    }

    /// Back to the start state (for the next message).
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// True when not in the middle of a code point (and nothing invalid was seen).
    pub fn is_complete(&self) -> bool {
        self.need == 0 && !self.failed
    }

    /// True once invalid input has been seen (until `reset`).
    pub fn has_failed(&self) -> bool {
        self.failed
    }

    /// Validates the next piece of the text.  Returns false as soon as the bytes fed so far
    /// cannot be the beginning of valid UTF-8; the validator then stays failed.  An
    /// unfinished code point at the end of `bytes` is fine: it is remembered and the next
    /// call continues it.
    pub fn feed(&mut self, bytes: &[u8]) -> bool {
        if self.failed {
            return false;
        }
        let n = bytes.len();
        let mut i = 0;
        let (mut need, mut lo, mut hi) = (self.need, self.lo, self.hi);
        loop {
            // Continuation bytes of the current code point, possibly begun in an earlier
            // call.
            while need > 0 {
                let Some(&c) = bytes.get(i) else {
                    self.need = need;
                    self.lo = lo;
                    self.hi = hi;
                    return true;
                };
                if c < lo || c > hi {
                    self.failed = true;
                    return false;
                }
                need -= 1;
                lo = 0x80;
                hi = 0xBF;
                i += 1;
            }
            // ASCII fast path: 16 then 8 bytes at a time.
            while i + 16 <= n {
                let a = u64::from_ne_bytes(word(&bytes[i..i + 8]));
                let b = u64::from_ne_bytes(word(&bytes[i + 8..i + 16]));
                if (a | b) & HIGH_BITS != 0 {
                    break;
                }
                i += 16;
            }
            while i + 8 <= n {
                if u64::from_ne_bytes(word(&bytes[i..i + 8])) & HIGH_BITS != 0 {
                    break;
                }
                i += 8;
            }
            // Byte at a time until the next non-ASCII lead byte (at most 7 ASCII bytes
            // after the word loop stopped, or the short tail).
            loop {
                let Some(&b) = bytes.get(i) else {
                    self.need = 0;
                    return true;
                };
                i += 1;
                if b < 0x80 {
                    continue;
                }
                match lead(b) {
                    Some((nd, l, h)) => {
                        need = nd;
                        lo = l;
                        hi = h;
                        break;
                    }
                    None => {
                        self.failed = true;
                        return false;
                    }
                }
            }
        }
    }
}

#[inline(always)]
fn word(s: &[u8]) -> [u8; 8] {
    let mut w = [0u8; 8];
    w.copy_from_slice(s);
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(bytes: &[u8]) -> bool {
        let mut v = Utf8Validator::new();
        v.feed(bytes) && v.is_complete()
    }

    /// Index of the first byte at which the input stops being a valid UTF-8 prefix.
    fn fail_at_bytewise(bytes: &[u8]) -> Option<usize> {
        let mut v = Utf8Validator::new();
        for (i, b) in bytes.iter().enumerate() {
            if !v.feed(std::slice::from_ref(b)) {
                return Some(i);
            }
        }
        None
    }

    /// Reference: where std says validity breaks, as the index of the offending byte.
    /// `error_len() == None` means a valid but unfinished prefix.
    fn reference_fail_at(bytes: &[u8]) -> Option<usize> {
        match std::str::from_utf8(bytes) {
            Ok(_) => None,
            Err(e) => e.error_len().map(|l| {
                // std reports the maximal invalid subpart.  For a byte that can never
                // start a code point that is the byte itself; after a valid lead it is
                // the bytes accepted so far, and the offending byte is the next one.
                let at = e.valid_up_to();
                if matches!(bytes[at], 0xc2..=0xf4) {
                    at + l
                } else {
                    at
                }
            }),
        }
    }

    #[test]
    fn ascii_and_empty() {
        assert!(ok(b""));
        assert!(ok(
            b"Hello-\xc2\xb5@\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1-UTF-8!!"
        ));
        assert!(ok(&[b'a'; 1000]));
        assert!(ok(&[0u8; 37]));
        assert!(ok(&[0x7f; 17]));
    }

    #[test]
    fn valid_boundaries() {
        for s in [
            "\u{0}",
            "\u{7f}",
            "\u{80}",
            "\u{7ff}",
            "\u{800}",
            "\u{d7ff}",
            "\u{e000}",
            "\u{fffd}",
            "\u{ffff}",
            "\u{10000}",
            "\u{10ffff}",
            "κόσμε",
            "\u{fdd0}\u{fffe}", // non-characters are valid UTF-8
        ] {
            assert!(ok(s.as_bytes()), "{s:?}");
        }
    }

    #[test]
    fn invalid_rejected() {
        let cases: &[&[u8]] = &[
            b"\x80",
            b"\xbf",
            b"\xc0\x80",         // overlong NUL
            b"\xc1\xbf",         // overlong
            b"\xe0\x80\x80",     // overlong
            b"\xe0\x9f\xbf",     // overlong
            b"\xf0\x80\x80\x80", // overlong
            b"\xf0\x8f\xbf\xbf", // overlong
            b"\xed\xa0\x80",     // U+D800
            b"\xed\xbf\xbf",     // U+DFFF
            b"\xed\xa0\x80\xed\xb0\x80",
            b"\xf4\x90\x80\x80", // U+110000
            b"\xf5\x80\x80\x80",
            b"\xf8\x88\x80\x80\x80",
            b"\xfc\x84\x80\x80\x80\x80",
            b"\xfe",
            b"\xff",
            b"\xc2\x41",
            b"\xe1\x80\x41",
            b"\xf1\x80\x80\x41",
            b"abc\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",
        ];
        for c in cases {
            assert!(!ok(c), "{c:x?}");
            let mut v = Utf8Validator::new();
            assert!(!v.feed(c));
            assert!(!v.is_complete());
            assert!(v.has_failed());
            // Sticky.
            assert!(!v.feed(b"a"));
        }
    }

    #[test]
    fn incomplete_is_not_complete() {
        for c in [&b"\xc2"[..], b"\xe2\x82", b"\xf0\x9f\x98", b"abc\xe2"] {
            let mut v = Utf8Validator::new();
            assert!(v.feed(c));
            assert!(!v.is_complete());
        }
    }

    #[test]
    fn split_code_points() {
        // Every split of a text full of multi-byte code points, including 3-way splits.
        let s = "a\u{80}b\u{7ff}\u{800}€\u{ffff}\u{10000}😀\u{10ffff}xyz0123456789abcdef";
        let b = s.as_bytes();
        for i in 0..=b.len() {
            for j in i..=b.len() {
                let mut v = Utf8Validator::new();
                assert!(v.feed(&b[..i]));
                assert!(v.feed(&b[i..j]));
                assert!(v.feed(&b[j..]));
                assert!(v.is_complete(), "{i} {j}");
            }
        }
    }

    #[test]
    fn fail_fast_position() {
        // Autobahn 6.x style: the failure is detected at the first impossible byte, not
        // at the end of the code point or message.
        let cases: &[(&[u8], usize)] = &[
            (
                b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",
                12,
            ),
            (b"\xf4\x90\x80\x80", 1),
            (b"\xf0\x8f", 1),
            (b"\xe0\x80", 1),
            (b"\xc0", 0),
            (b"\xf5", 0),
            (b"abc\xffdef", 3),
            (b"\xe2\x82\x41", 2),
            (b"\xed\xa0", 1),
        ];
        for &(bytes, at) in cases {
            assert_eq!(fail_at_bytewise(bytes), Some(at), "{bytes:x?}");
            // Also: the prefix before the bad byte is accepted in one feed.
            let mut v = Utf8Validator::new();
            assert!(v.feed(&bytes[..at]), "{bytes:x?}");
            assert!(!v.feed(&bytes[at..at + 1]), "{bytes:x?}");
        }
    }

    #[test]
    fn matches_std_on_random_input() {
        // xorshift; inputs biased towards interesting bytes.
        let mut s = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let pool: &[u8] = &[
            0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0,
            0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff,
        ];
        for _ in 0..20000 {
            let len = (rnd() % 40) as usize;
            let mut v: Vec<u8> = (0..len)
                .map(|_| {
                    let r = rnd();
                    if r % 3 == 0 {
                        b'a'
                    } else {
                        pool[(r >> 8) as usize % pool.len()]
                    }
                })
                .collect();
            if rnd() % 4 == 0 {
                // A valid string with ascii runs long enough for the fast path.
                v = format!("{}é{}😀", "x".repeat((rnd() % 20) as usize), "y".repeat(9))
                    .into_bytes();
            }
            let expect_fail = reference_fail_at(&v);
            assert_eq!(fail_at_bytewise(&v), expect_fail, "{v:x?}");
            let mut one = Utf8Validator::new();
            let whole_ok = one.feed(&v);
            assert_eq!(whole_ok, expect_fail.is_none(), "{v:x?}");
            if whole_ok {
                assert_eq!(one.is_complete(), std::str::from_utf8(&v).is_ok());
            }
            // Random two-piece split agrees.
            let cut = if v.is_empty() {
                0
            } else {
                (rnd() as usize) % (v.len() + 1)
            };
            let mut two = Utf8Validator::new();
            let r = two.feed(&v[..cut]) && two.feed(&v[cut..]);
            assert_eq!(r, whole_ok);
        }
    }

    #[test]
    fn reset_and_size() {
        let mut v = Utf8Validator::new();
        assert!(!v.feed(b"\xff"));
        v.reset();
        assert!(v.feed(b"ok"));
        assert!(v.is_complete());
        assert_eq!(std::mem::size_of::<Utf8Validator>(), 4);
        assert_eq!(Utf8Validator::default(), Utf8Validator::new());
    }
}
