//! `Transfer-Encoding: chunked` decoding (RFC 9112 section 7.1), without I/O: the
//! server's request bodies use it, and the HTTP client's response bodies will.
//!
//! Feed [`Decoder::step`] the bytes as they come; each call consumes bytes up to the end
//! of the next piece of chunk data (returned as a range of the input, so the caller can
//! hand it on without a copy) or to the end of the body.  Chunk extensions and trailer
//! lines are read and dropped.  A chunk size of more than 15 hex digits, a size line
//! without digits, or a CR/LF out of place is [`Malformed`].
use core::ops::Range;

/// Where the decoder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    /// Reading the hex size (and ignoring extensions up to the CRLF).
    Size {
        n: u64,
        digits: u8,
        ext: bool,
    },
    SizeLf {
        n: u64,
    },
    Data(u64),
    DataCr,
    DataLf,
    /// After the last chunk: trailer lines until an empty one.
    Trailer {
        empty: bool,
    },
    TrailerLf {
        empty: bool,
    },
}

/// A malformed chunked stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// What one [`Decoder::step`] did: (bytes used, chunk data within them, body finished).
pub type Step = (usize, Option<Range<usize>>, bool);

/// The decoder of one chunked body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoder {
    st: St,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

fn hexval(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl Decoder {
    pub fn new() -> Self {
        Decoder {
            st: St::Size {
                n: 0,
                digits: 0,
                ext: false,
            },
        }
    }

    /// Decodes from the start of `d`; stops after a piece of data, at the end of the
    /// body, or when `d` is used up.  After an error the decoder must not be used again.
    pub fn step(&mut self, d: &[u8]) -> Result<Step, Malformed> {
        let mut i = 0;
        let mut piece = None;
        let mut finished = false;
        while i < d.len() && piece.is_none() && !finished {
            let b = d[i];
            self.st = match self.st {
                St::Size { n, digits, ext } => {
                    i += 1;
                    if b == b'\r' {
                        if digits == 0 {
                            return Err(Malformed);
                        }
                        St::SizeLf { n }
                    } else if ext {
                        St::Size { n, digits, ext }
                    } else if b == b';' || b == b' ' || b == b'\t' {
                        St::Size {
                            n,
                            digits,
                            ext: true,
                        }
                    } else {
                        let v = hexval(b).ok_or(Malformed)? as u64;
                        if digits >= 15 {
                            return Err(Malformed);
                        }
                        St::Size {
                            n: n << 4 | v,
                            digits: digits + 1,
                            ext,
                        }
                    }
                }
                St::SizeLf { n } => {
                    i += 1;
                    if b != b'\n' {
                        return Err(Malformed);
                    }
                    if n == 0 {
                        St::Trailer { empty: true }
                    } else {
                        St::Data(n)
                    }
                }
                St::Data(n) => {
                    let take = ((d.len() - i) as u64).min(n) as usize;
                    piece = Some(i..i + take);
                    i += take;
                    if take as u64 == n {
                        St::DataCr
                    } else {
                        St::Data(n - take as u64)
                    }
                }
                St::DataCr => {
                    i += 1;
                    if b != b'\r' {
                        return Err(Malformed);
                    }
                    St::DataLf
                }
                St::DataLf => {
                    i += 1;
                    if b != b'\n' {
                        return Err(Malformed);
                    }
                    St::Size {
                        n: 0,
                        digits: 0,
                        ext: false,
                    }
                }
                St::Trailer { empty } => {
                    i += 1;
                    if b == b'\r' {
                        St::TrailerLf { empty }
                    } else {
                        St::Trailer { empty: false }
                    }
                }
                St::TrailerLf { empty } => {
                    i += 1;
                    if b != b'\n' {
                        return Err(Malformed);
                    }
                    if empty {
                        finished = true;
                    }
                    St::Trailer { empty: true }
                }
            };
        }
        Ok((i, piece, finished))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` fed in pieces of `split` bytes: the data, or None if malformed.
    fn decode(input: &[u8], split: usize) -> Option<(Vec<u8>, bool)> {
        let mut dec = Decoder::new();
        let mut out = Vec::new();
        let mut finished = false;
        for part in input.chunks(split) {
            let mut pos = 0;
            while pos < part.len() && !finished {
                let (used, piece, fin) = dec.step(&part[pos..]).ok()?;
                if let Some(r) = piece {
                    out.extend_from_slice(&part[pos + r.start..pos + r.end]);
                }
                pos += used;
                finished = fin;
            }
        }
        Some((out, finished))
    }

    #[test]
    fn whole_and_split() {
        let body =
            b"4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\n";
        for split in [1, 2, 3, 7, body.len()] {
            assert_eq!(
                decode(body, split),
                Some((b"Wikipedia in\r\n\r\nchunks.".to_vec(), true)),
                "split {split}"
            );
        }
    }

    #[test]
    fn unfinished_and_malformed() {
        assert_eq!(decode(b"4\r\nWi", 100), Some((b"Wi".to_vec(), false)));
        assert_eq!(decode(b"\r\n", 100), None);
        assert_eq!(decode(b"g\r\n", 100), None);
        assert_eq!(decode(b"1\r\nab", 100), None);
        assert_eq!(decode(b"1234567890123456\r\n", 100), None);
    }
}
