//! The static Huffman code of HPACK (RFC 7541 section 5.2 and Appendix B).
//!
//! The code is canonical: sorted by length and then by symbol, the codes of each length
//! are consecutive numbers.  So the decoder needs no tree: per length, the first code
//! and how many codes there are (built at compile time from [`CODES`]), plus a 256-entry
//! table that resolves every code of at most 8 bits (all of the common header
//! characters) from one byte of lookahead.
//!
//! Decoding is bounded by construction: it reads each input byte once, pushes at most
//! `8 * len / 5` output bytes (the shortest code has 5 bits), and rejects the EOS
//! symbol, padding longer than 7 bits and padding that is not the EOS prefix (all ones),
//! as section 5.2 requires.

/// `(code, bit length)` of each symbol 0..=255, then EOS (256); RFC 7541 Appendix B.
pub const CODES: [(u32, u8); 257] = [
    (0x1ff8, 13),
    (0x7fffd8, 23),
    (0xfffffe2, 28),
    (0xfffffe3, 28),
    (0xfffffe4, 28),
    (0xfffffe5, 28),
    (0xfffffe6, 28),
    (0xfffffe7, 28),
    (0xfffffe8, 28),
    (0xffffea, 24),
    (0x3ffffffc, 30),
    (0xfffffe9, 28),
    (0xfffffea, 28),
    (0x3ffffffd, 30),
    (0xfffffeb, 28),
    (0xfffffec, 28),
    (0xfffffed, 28),
    (0xfffffee, 28),
    (0xfffffef, 28),
    (0xffffff0, 28),
    (0xffffff1, 28),
    (0xffffff2, 28),
    (0x3ffffffe, 30),
    (0xffffff3, 28),
    (0xffffff4, 28),
    (0xffffff5, 28),
    (0xffffff6, 28),
    (0xffffff7, 28),
    (0xffffff8, 28),
    (0xffffff9, 28),
    (0xffffffa, 28),
    (0xffffffb, 28),
    (0x14, 6),
    (0x3f8, 10),
    (0x3f9, 10),
    (0xffa, 12),
    (0x1ff9, 13),
    (0x15, 6),
    (0xf8, 8),
    (0x7fa, 11),
    (0x3fa, 10),
    (0x3fb, 10),
    (0xf9, 8),
    (0x7fb, 11),
    (0xfa, 8),
    (0x16, 6),
    (0x17, 6),
    (0x18, 6),
    (0x0, 5),
    (0x1, 5),
    (0x2, 5),
    (0x19, 6),
    (0x1a, 6),
    (0x1b, 6),
    (0x1c, 6),
    (0x1d, 6),
    (0x1e, 6),
    (0x1f, 6),
    (0x5c, 7),
    (0xfb, 8),
    (0x7ffc, 15),
    (0x20, 6),
    (0xffb, 12),
    (0x3fc, 10),
    (0x1ffa, 13),
    (0x21, 6),
    (0x5d, 7),
    (0x5e, 7),
    (0x5f, 7),
    (0x60, 7),
    (0x61, 7),
    (0x62, 7),
    (0x63, 7),
    (0x64, 7),
    (0x65, 7),
    (0x66, 7),
    (0x67, 7),
    (0x68, 7),
    (0x69, 7),
    (0x6a, 7),
    (0x6b, 7),
    (0x6c, 7),
    (0x6d, 7),
    (0x6e, 7),
    (0x6f, 7),
    (0x70, 7),
    (0x71, 7),
    (0x72, 7),
    (0xfc, 8),
    (0x73, 7),
    (0xfd, 8),
    (0x1ffb, 13),
    (0x7fff0, 19),
    (0x1ffc, 13),
    (0x3ffc, 14),
    (0x22, 6),
    (0x7ffd, 15),
    (0x3, 5),
    (0x23, 6),
    (0x4, 5),
    (0x24, 6),
    (0x5, 5),
    (0x25, 6),
    (0x26, 6),
    (0x27, 6),
    (0x6, 5),
    (0x74, 7),
    (0x75, 7),
    (0x28, 6),
    (0x29, 6),
    (0x2a, 6),
    (0x7, 5),
    (0x2b, 6),
    (0x76, 7),
    (0x2c, 6),
    (0x8, 5),
    (0x9, 5),
    (0x2d, 6),
    (0x77, 7),
    (0x78, 7),
    (0x79, 7),
    (0x7a, 7),
    (0x7b, 7),
    (0x7ffe, 15),
    (0x7fc, 11),
    (0x3ffd, 14),
    (0x1ffd, 13),
    (0xffffffc, 28),
    (0xfffe6, 20),
    (0x3fffd2, 22),
    (0xfffe7, 20),
    (0xfffe8, 20),
    (0x3fffd3, 22),
    (0x3fffd4, 22),
    (0x3fffd5, 22),
    (0x7fffd9, 23),
    (0x3fffd6, 22),
    (0x7fffda, 23),
    (0x7fffdb, 23),
    (0x7fffdc, 23),
    (0x7fffdd, 23),
    (0x7fffde, 23),
    (0xffffeb, 24),
    (0x7fffdf, 23),
    (0xffffec, 24),
    (0xffffed, 24),
    (0x3fffd7, 22),
    (0x7fffe0, 23),
    (0xffffee, 24),
    (0x7fffe1, 23),
    (0x7fffe2, 23),
    (0x7fffe3, 23),
    (0x7fffe4, 23),
    (0x1fffdc, 21),
    (0x3fffd8, 22),
    (0x7fffe5, 23),
    (0x3fffd9, 22),
    (0x7fffe6, 23),
    (0x7fffe7, 23),
    (0xffffef, 24),
    (0x3fffda, 22),
    (0x1fffdd, 21),
    (0xfffe9, 20),
    (0x3fffdb, 22),
    (0x3fffdc, 22),
    (0x7fffe8, 23),
    (0x7fffe9, 23),
    (0x1fffde, 21),
    (0x7fffea, 23),
    (0x3fffdd, 22),
    (0x3fffde, 22),
    (0xfffff0, 24),
    (0x1fffdf, 21),
    (0x3fffdf, 22),
    (0x7fffeb, 23),
    (0x7fffec, 23),
    (0x1fffe0, 21),
    (0x1fffe1, 21),
    (0x3fffe0, 22),
    (0x1fffe2, 21),
    (0x7fffed, 23),
    (0x3fffe1, 22),
    (0x7fffee, 23),
    (0x7fffef, 23),
    (0xfffea, 20),
    (0x3fffe2, 22),
    (0x3fffe3, 22),
    (0x3fffe4, 22),
    (0x7ffff0, 23),
    (0x3fffe5, 22),
    (0x3fffe6, 22),
    (0x7ffff1, 23),
    (0x3ffffe0, 26),
    (0x3ffffe1, 26),
    (0xfffeb, 20),
    (0x7fff1, 19),
    (0x3fffe7, 22),
    (0x7ffff2, 23),
    (0x3fffe8, 22),
    (0x1ffffec, 25),
    (0x3ffffe2, 26),
    (0x3ffffe3, 26),
    (0x3ffffe4, 26),
    (0x7ffffde, 27),
    (0x7ffffdf, 27),
    (0x3ffffe5, 26),
    (0xfffff1, 24),
    (0x1ffffed, 25),
    (0x7fff2, 19),
    (0x1fffe3, 21),
    (0x3ffffe6, 26),
    (0x7ffffe0, 27),
    (0x7ffffe1, 27),
    (0x3ffffe7, 26),
    (0x7ffffe2, 27),
    (0xfffff2, 24),
    (0x1fffe4, 21),
    (0x1fffe5, 21),
    (0x3ffffe8, 26),
    (0x3ffffe9, 26),
    (0xffffffd, 28),
    (0x7ffffe3, 27),
    (0x7ffffe4, 27),
    (0x7ffffe5, 27),
    (0xfffec, 20),
    (0xfffff3, 24),
    (0xfffed, 20),
    (0x1fffe6, 21),
    (0x3fffe9, 22),
    (0x1fffe7, 21),
    (0x1fffe8, 21),
    (0x7ffff3, 23),
    (0x3fffea, 22),
    (0x3fffeb, 22),
    (0x1ffffee, 25),
    (0x1ffffef, 25),
    (0xfffff4, 24),
    (0xfffff5, 24),
    (0x3ffffea, 26),
    (0x7ffff4, 23),
    (0x3ffffeb, 26),
    (0x7ffffe6, 27),
    (0x3ffffec, 26),
    (0x3ffffed, 26),
    (0x7ffffe7, 27),
    (0x7ffffe8, 27),
    (0x7ffffe9, 27),
    (0x7ffffea, 27),
    (0x7ffffeb, 27),
    (0xffffffe, 28),
    (0x7ffffec, 27),
    (0x7ffffed, 27),
    (0x7ffffee, 27),
    (0x7ffffef, 27),
    (0x7fffff0, 27),
    (0x3ffffee, 26),
    (0x3fffffff, 30),
];

const EOS: u16 = 256;
const MAX_LEN: usize = 30;

/// Per-length decoding data of the canonical code.
struct Tables {
    /// First code of each length (meaningful where `count` is nonzero).
    first: [u32; MAX_LEN + 1],
    count: [u32; MAX_LEN + 1],
    /// Index in `sorted` of the first symbol of each length.
    start: [u16; MAX_LEN + 1],
    /// Symbols ordered by (length, symbol).
    sorted: [u16; 257],
    /// Top byte of the input -> `symbol | length << 9` for codes of at most 8 bits;
    /// 0 where the byte begins a longer code.
    fast: [u16; 256],
}

const fn build() -> Tables {
    let mut t = Tables {
        first: [0; MAX_LEN + 1],
        count: [0; MAX_LEN + 1],
        start: [0; MAX_LEN + 1],
        sorted: [0; 257],
        fast: [0; 256],
    };
    let mut n = 0usize;
    let mut len = 1usize;
    while len <= MAX_LEN {
        t.start[len] = n as u16;
        let mut s = 0usize;
        while s < 257 {
            if CODES[s].1 as usize == len {
                if t.count[len] == 0 {
                    t.first[len] = CODES[s].0;
                }
                t.count[len] += 1;
                t.sorted[n] = s as u16;
                n += 1;
                if len <= 8 {
                    let shift = 8 - len;
                    let base = (CODES[s].0 << shift) as usize;
                    let mut k = 0usize;
                    while k < (1usize << shift) {
                        t.fast[base + k] = (s as u16) | ((len as u16) << 9);
                        k += 1;
                    }
                }
            }
            s += 1;
        }
        len += 1;
    }
    t
}

static TABLES: Tables = build();

/// Why a Huffman string was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HuffmanError {
    /// The string contains the EOS symbol.
    Eos,
    /// More than 7 bits of padding, or padding that is not all ones.
    BadPadding,
}

/// Appends the decoding of `src` to `out`.
pub fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<(), HuffmanError> {
    let t = &TABLES;
    out.reserve(src.len() + src.len() / 2);
    // The unread bits are the low `nbits` bits of `acc`, oldest first.
    let mut acc: u64 = 0;
    let mut nbits: u32 = 0;
    let mut i = 0;
    loop {
        while nbits <= 56 && i < src.len() {
            acc = (acc << 8) | u64::from(src[i]);
            nbits += 8;
            i += 1;
        }
        if nbits >= 8 {
            let e = t.fast[((acc >> (nbits - 8)) & 0xff) as usize];
            if e != 0 {
                out.push((e & 0x1ff) as u8);
                nbits -= u32::from(e >> 9);
                continue;
            }
        }
        // A code longer than 8 bits, or the last few bits of the input.
        let mut matched = false;
        let mut len = 5;
        while len <= MAX_LEN as u32 && len <= nbits {
            let code = ((acc >> (nbits - len)) & ((1u64 << len) - 1)) as u32;
            let l = len as usize;
            if t.count[l] != 0 && code >= t.first[l] && code - t.first[l] < t.count[l] {
                let sym = t.sorted[t.start[l] as usize + (code - t.first[l]) as usize];
                if sym == EOS {
                    return Err(HuffmanError::Eos);
                }
                out.push(sym as u8);
                nbits -= len;
                matched = true;
                break;
            }
            len += 1;
        }
        if !matched {
            // With more than 30 bits in hand some code always matches, so only the
            // tail of the input gets here.
            break;
        }
    }
    if nbits > 7 {
        return Err(HuffmanError::BadPadding);
    }
    let mask = (1u64 << nbits) - 1;
    if acc & mask != mask {
        return Err(HuffmanError::BadPadding);
    }
    Ok(())
}

/// Length in bytes of the Huffman encoding of `src`.
pub fn encoded_len(src: &[u8]) -> usize {
    let bits: usize = src.iter().map(|&b| CODES[b as usize].1 as usize).sum();
    bits.div_ceil(8)
}

/// Appends the Huffman encoding of `src` to `out`, padded with ones.
pub fn encode(src: &[u8], out: &mut Vec<u8>) {
    out.reserve(encoded_len(src));
    let mut acc: u64 = 0;
    let mut nbits: u32 = 0;
    for &b in src {
        let (code, len) = CODES[b as usize];
        acc = (acc << len) | u64::from(code);
        nbits += u32::from(len);
        while nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
        }
    }
    if nbits > 0 {
        let pad = 8 - nbits;
        out.push(((acc << pad) | ((1u64 << pad) - 1)) as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn table_is_canonical_and_prefix_free() {
        let mut syms: Vec<usize> = (0..257).collect();
        syms.sort_by_key(|&s| (CODES[s].1, s));
        let mut code = 0u32;
        for (i, &s) in syms.iter().enumerate() {
            if i > 0 {
                code = (code + 1) << (CODES[s].1 - CODES[syms[i - 1]].1);
            }
            assert_eq!(CODES[s].0, code, "symbol {s}");
        }
        assert_eq!(CODES[256], (0x3fff_ffff, 30));
    }

    #[test]
    fn rfc7541_appendix_c4_and_c6_strings() {
        let cases = [
            ("f1e3 c2e5 f23a 6ba0 ab90 f4ff", "www.example.com"),
            ("a8eb 1064 9cbf", "no-cache"),
            ("25a8 49e9 5ba9 7d7f", "custom-key"),
            ("25a8 49e9 5bb8 e8b4 bf", "custom-value"),
            ("6402", "302"),
            ("aec3 771a 4b", "private"),
            ("d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff", "Mon, 21 Oct 2013 20:13:21 GMT"),
            ("9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3", "https://www.example.com"),
            ("9bd9 ab", "gzip"),
            (
                "94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
                "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
            ),
        ];
        for (enc, plain) in cases {
            let enc = hex(enc);
            let mut out = Vec::new();
            decode(&enc, &mut out).unwrap();
            assert_eq!(out, plain.as_bytes());
            let mut back = Vec::new();
            encode(plain.as_bytes(), &mut back);
            assert_eq!(back, enc, "{plain}");
            assert_eq!(encoded_len(plain.as_bytes()), enc.len());
        }
    }

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for n in [0, 1, 2, 3, 7, 100, all.len()] {
            let mut enc = Vec::new();
            encode(&all[..n], &mut enc);
            let mut out = Vec::new();
            decode(&enc, &mut out).unwrap();
            assert_eq!(out, &all[..n]);
        }
    }

    #[test]
    fn rejects_eos_and_bad_padding() {
        // EOS spelled out in full (30 ones), padded with two more ones.
        assert_eq!(
            decode(&[0xff, 0xff, 0xff, 0xff], &mut Vec::new()),
            Err(HuffmanError::Eos)
        );
        // A whole byte of padding.
        let mut enc = Vec::new();
        encode(b"a", &mut enc); // 5 bits + 3 bits padding
        enc.push(0xff);
        assert_eq!(decode(&enc, &mut Vec::new()), Err(HuffmanError::BadPadding));
        // Padding with a zero bit: 'a' is 00011, then 3 padding bits 110.
        assert_eq!(
            decode(&[0b0001_1110], &mut Vec::new()),
            Err(HuffmanError::BadPadding)
        );
        // A whole byte of ones is padding longer than 7 bits, even for an empty string.
        assert_eq!(
            decode(&[0xfe | 1], &mut Vec::new()),
            Err(HuffmanError::BadPadding)
        );
        let mut out = Vec::new();
        decode(&[], &mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn random_input_never_panics_and_output_is_bounded() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = (x % 40) as usize;
            let bytes: Vec<u8> = (0..n)
                .map(|i| (x >> ((i % 8) * 8)) as u8 ^ i as u8)
                .collect();
            let mut out = Vec::new();
            let _ = decode(&bytes, &mut out);
            assert!(out.len() <= n * 8 / 5);
        }
    }
}
