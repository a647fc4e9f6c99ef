//! `Range: bytes=...` against a file's size, after lws 4.3's ranges.c.
//!
//! Note: lws 4.3's default build leaves LWS_WITH_RANGES off: the reference library
//! ignores Range altogether and always answers 200 with the whole file (and sends no
//! Accept-Ranges).  Where a build has it on, lws parses as here:
//! * the header must start with `bytes=` (case-sensitive) and be under 128 bytes;
//! * specs are separated by `,` with no spaces; any other byte is a syntax error that
//!   ends the list, keeping the specs already read (none read: the header is ignored);
//! * `a-b`, `a-` (to the end), `-n` (the last n bytes, all if n exceeds the size);
//! * a spec whose end is before its start is skipped; there is no limit on the count and
//!   overlapping ranges are not merged;
//! * if specs were read but none is usable: 416.
//!
//! Two lws bugs are not copied: a header not starting with `bytes=` gives lws one
//! phantom range 0-0 (here: ignored), and lws serves ranges past the end of the file
//! as they are (here an end past it is cut to the last byte, as RFC 7233 says, and a
//! start past it makes the spec unusable).

/// What to do with a Range header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ranges {
    /// No (usable) header: answer 200 with the whole file.
    None,
    /// 416 Range Not Satisfiable.
    Unsatisfiable,
    /// 206 with these (start, end inclusive) ranges, in the header's order.
    Ranges(Vec<(u64, u64)>),
}

/// lws copies the header into a buffer of this size; a longer one counts as absent.
const RANGE_BUF: usize = 128;

/// Parses a Range header value against a file of `size` bytes.
pub fn parse_range(header: &[u8], size: u64) -> Ranges {
    if header.is_empty() || header.len() >= RANGE_BUF {
        return Ranges::None;
    }
    let Some(list) = header.strip_prefix(b"bytes=") else {
        return Ranges::None;
    };
    let mut out = Vec::new();
    let mut tried = false;
    'specs: for spec in list.split(|&b| b == b',') {
        let Some(dash) = spec.iter().position(|&b| b == b'-') else {
            break;
        };
        let mut nums = [None, None];
        for (i, part) in [&spec[..dash], &spec[dash + 1..]].into_iter().enumerate() {
            if part.is_empty() {
                continue;
            }
            let mut v: u64 = 0;
            for &b in part {
                if !b.is_ascii_digit() {
                    break 'specs;
                }
                match v
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(b - b'0')))
                {
                    Some(n) => v = n,
                    None => break 'specs,
                }
            }
            nums[i] = Some(v);
        }
        tried = true;
        if let Some(r) = resolve(nums, size) {
            out.push(r);
        }
    }
    if !out.is_empty() {
        Ranges::Ranges(out)
    } else if tried {
        Ranges::Unsatisfiable
    } else {
        Ranges::None
    }
}

/// One spec's (start, end) against the file: `[None, n]` the last n bytes, `[s, None]`
/// from s to the end, `[s, e]` with e cut to the last byte.  None when it selects nothing
/// of the file.
fn resolve(nums: [Option<u64>; 2], size: u64) -> Option<(u64, u64)> {
    let (start, end) = match nums {
        [None, n] => {
            let n = n.unwrap_or(0).min(size);
            if n == 0 {
                return None;
            }
            (size - n, size - 1)
        }
        [Some(s), None] => (s, size.saturating_sub(1)),
        [Some(s), Some(e)] => (s, e.min(size.saturating_sub(1))),
    };
    (start < size && end >= start).then_some((start, end))
}

/// A range that selects nothing of the file (416).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsatisfiable;

/// What our HTTP server does with a Range header (lws's default build ignores Range;
/// we answer single ranges, as HTTP allows): one `bytes=` spec, spaces around its parts
/// tolerated, gives `Ok(Some(range))`, or `Err(Unsatisfiable)` (416) when it selects nothing of the
/// file; a list, another unit, anything unparsable or an end before its start is
/// ignored (`Ok(None)`: the whole file, 200).
pub fn single_range(header: &[u8], size: u64) -> Result<Option<(u64, u64)>, Unsatisfiable> {
    let Some(spec) = header.strip_prefix(b"bytes=") else {
        return Ok(None);
    };
    let Ok(spec) = core::str::from_utf8(spec).map(str::trim) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let num = |x: &str| x.parse::<u64>().ok();
    let nums = match (a.is_empty(), b.is_empty()) {
        (true, _) => match num(b) {
            Some(n) => [None, Some(n)],
            None => return Ok(None),
        },
        (false, true) => match num(a) {
            Some(s) => [Some(s), None],
            None => return Ok(None),
        },
        (false, false) => match (num(a), num(b)) {
            (Some(s), Some(e)) if e >= s => [Some(s), Some(e)],
            _ => return Ok(None),
        },
    };
    resolve(nums, size).map(Some).ok_or(Unsatisfiable)
}

/// The Content-Range value lws sends for one range: `bytes START-END/SIZE`.
pub fn content_range(start: u64, end: u64, size: u64) -> String {
    format!("bytes {start}-{end}/{size}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(h: &str, size: u64) -> Ranges {
        parse_range(h.as_bytes(), size)
    }

    #[test]
    fn single_and_lists() {
        assert_eq!(r("bytes=0-499", 10000), Ranges::Ranges(vec![(0, 499)]));
        assert_eq!(r("bytes=9500-", 10000), Ranges::Ranges(vec![(9500, 9999)]));
        assert_eq!(r("bytes=-500", 10000), Ranges::Ranges(vec![(9500, 9999)]));
        assert_eq!(r("bytes=-50000", 10000), Ranges::Ranges(vec![(0, 9999)]));
        assert_eq!(
            r("bytes=0-0,-1", 10000),
            Ranges::Ranges(vec![(0, 0), (9999, 9999)])
        );
        assert_eq!(
            r("bytes=500-700,601-999", 10000),
            Ranges::Ranges(vec![(500, 700), (601, 999)])
        );
        assert_eq!(r("bytes=0-99999", 100), Ranges::Ranges(vec![(0, 99)]));
    }

    #[test]
    fn skipped_and_unsatisfiable() {
        assert_eq!(r("bytes=5-1,2-3", 100), Ranges::Ranges(vec![(2, 3)]));
        assert_eq!(r("bytes=5-1", 100), Ranges::Unsatisfiable);
        assert_eq!(r("bytes=200-300", 100), Ranges::Unsatisfiable);
        assert_eq!(r("bytes=-0", 100), Ranges::Unsatisfiable);
        assert_eq!(r("bytes=0-", 0), Ranges::Unsatisfiable);
    }

    #[test]
    fn server_single_range() {
        assert_eq!(single_range(b"bytes=0-9", 100), Ok(Some((0, 9))));
        assert_eq!(single_range(b"bytes=90-", 100), Ok(Some((90, 99))));
        assert_eq!(single_range(b"bytes=-10", 100), Ok(Some((90, 99))));
        assert_eq!(single_range(b"bytes=0-1000", 100), Ok(Some((0, 99))));
        assert_eq!(single_range(b"bytes=100-", 100), Err(Unsatisfiable));
        assert_eq!(single_range(b"bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(single_range(b"items=0-1", 100), Ok(None));
        assert_eq!(single_range(b"bytes=junk", 100), Ok(None));
        assert_eq!(single_range(b"bytes=5-2", 100), Ok(None));
    }

    #[test]
    fn ignored_and_syntax() {
        assert_eq!(r("", 100), Ranges::None);
        assert_eq!(r("bytes=", 100), Ranges::None);
        assert_eq!(r("items=0-1", 100), Ranges::None);
        assert_eq!(r("Bytes=0-1", 100), Ranges::None);
        assert_eq!(r("bytes=x", 100), Ranges::None);
        // A syntax error ends the list; what came before stays.
        assert_eq!(r("bytes=0-1, 5-6", 100), Ranges::Ranges(vec![(0, 1)]));
        assert_eq!(r("bytes=0-1,5-6z,8-9", 100), Ranges::Ranges(vec![(0, 1)]));
        assert_eq!(r("bytes=99999999999999999999-", 100), Ranges::None);
        let long = format!("bytes=0-1{}", ",2-3".repeat(40));
        assert_eq!(r(&long, 100), Ranges::None);
        assert_eq!(content_range(0, 499, 10000), "bytes 0-499/10000");
    }
}
