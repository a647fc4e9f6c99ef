//! The segment list behind `lws_buflist_*`: a FIFO of copied byte segments consumed from
//! the front.  Each segment keeps `LWS_PRE` spare bytes before its data, as lws's do, so a
//! consumer may hand the pointer it gets straight to `lws_write`.
//!
//! lws quirks kept on purpose, since programs see them: `total_len` counts the part of the
//! first segment already used, and `linear_copy` reads each segment from its start, not
//! from what is left of it.
use std::collections::VecDeque;

/// Spare bytes before each segment's data (lws's `LWS_PRE`).
const PRE: usize = 16;

struct Seg {
    /// PRE spare bytes, the data, and one more byte, as lws allocates.
    mem: Box<[u8]>,
    len: usize,
    pos: usize,
}

impl Seg {
    fn rest(&self) -> usize {
        self.len - self.pos
    }
}

/// A non-empty list of non-empty segments (an empty list is no list: the C head is NULL).
pub struct Buflist {
    segs: VecDeque<Seg>,
}

/// Appends a copy of `data` (not empty) at the tail.  Some(true) when it is the first
/// segment, None when memory ran out.
pub fn append(head: &mut Option<Box<Buflist>>, data: &[u8]) -> Option<bool> {
    debug_assert!(!data.is_empty());
    let mut mem = Vec::new();
    mem.try_reserve_exact(PRE + data.len() + 1).ok()?;
    mem.resize(PRE, 0);
    mem.extend_from_slice(data);
    mem.push(0);
    let seg = Seg {
        mem: mem.into_boxed_slice(),
        len: data.len(),
        pos: 0,
    };
    match head {
        Some(b) => {
            b.segs.try_reserve(1).ok()?;
            b.segs.push_back(seg);
            Some(false)
        }
        None => {
            let mut segs = VecDeque::new();
            segs.try_reserve(1).ok()?;
            segs.push_back(seg);
            *head = Some(Box::new(Buflist { segs }));
            Some(true)
        }
    }
}

/// The unused part of the first segment: its address (with `PRE` writable bytes before
/// it) and length; None when the list is empty.
pub fn next_segment(head: &mut Option<Box<Buflist>>) -> Option<(*mut u8, usize)> {
    let s = head.as_mut()?.segs.front_mut()?;
    let at = PRE + s.pos;
    Some((s.mem[at..].as_mut_ptr(), s.rest()))
}

/// Marks `n` bytes of the first segment used (at most what is left of it); a finished
/// segment is dropped, and the list with its last one.  Returns what is left of the
/// (possibly new) first segment.
pub fn use_segment(head: &mut Option<Box<Buflist>>, n: usize) -> usize {
    let Some(b) = head.as_mut() else { return 0 };
    let Some(s) = b.segs.front_mut() else {
        *head = None;
        return 0;
    };
    s.pos += n.min(s.rest());
    if s.rest() > 0 {
        return s.rest();
    }
    b.segs.pop_front();
    match b.segs.front() {
        Some(s) => s.rest(),
        None => {
            *head = None;
            0
        }
    }
}

/// The sum of the segments' lengths, counting what was already used of the first one.
pub fn total_len(head: &Option<Box<Buflist>>) -> usize {
    head.as_ref()
        .map_or(0, |b| b.segs.iter().map(|s| s.len).sum())
}

/// Copies into `out` the list's bytes from offset `ofs`, each segment counted from its
/// start; returns how many were copied.  Nothing is used up.
pub fn linear_copy(head: &Option<Box<Buflist>>, mut ofs: usize, out: &mut [u8]) -> usize {
    let Some(b) = head.as_ref() else { return 0 };
    let mut done = 0;
    for s in &b.segs {
        if done == out.len() {
            break;
        }
        if ofs < s.len {
            let k = (s.len - ofs).min(out.len() - done);
            out[done..done + k].copy_from_slice(&s.mem[PRE + ofs..PRE + ofs + k]);
            done += k;
            ofs = 0;
        } else {
            ofs -= s.len;
        }
    }
    done
}

/// Moves up to `out.len()` unused bytes into `out` across segments; returns the count.
pub fn linear_use(head: &mut Option<Box<Buflist>>, out: &mut [u8]) -> usize {
    let mut done = 0;
    while done < out.len() {
        let Some((p, rest)) = next_segment(head) else {
            break;
        };
        let k = rest.min(out.len() - done);
        // SAFETY: p points at `rest` initialised bytes of the first segment, which stays
        // alive until use_segment below.
        out[done..done + k].copy_from_slice(unsafe { core::slice::from_raw_parts(p, k) });
        done += k;
        use_segment(head, k);
    }
    done
}

/// Moves up to `out.len()` bytes of the first segment only into `out`; returns the count
/// and whether they started and ended that segment.
pub fn fragment_use(head: &mut Option<Box<Buflist>>, out: &mut [u8]) -> (usize, bool, bool) {
    let Some(s) = head.as_ref().and_then(|b| b.segs.front()) else {
        return (0, false, false);
    };
    let k = s.rest().min(out.len());
    let first = s.pos == 0;
    let fin = s.pos + k == s.len;
    out[..k].copy_from_slice(&s.mem[PRE + s.pos..PRE + s.pos + k]);
    use_segment(head, k);
    (k, first, fin)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rest(h: &mut Option<Box<Buflist>>) -> Vec<u8> {
        match next_segment(h) {
            // SAFETY: the pointer covers `n` bytes of the live first segment.
            Some((p, n)) => unsafe { core::slice::from_raw_parts(p, n) }.to_vec(),
            None => Vec::new(),
        }
    }

    #[test]
    fn fifo_and_first_flag() {
        let mut h = None;
        assert_eq!(append(&mut h, b"hello"), Some(true));
        assert_eq!(append(&mut h, b"world!"), Some(false));
        assert_eq!(total_len(&h), 11);
        assert_eq!(rest(&mut h), b"hello");
        assert_eq!(use_segment(&mut h, 2), 3);
        assert_eq!(rest(&mut h), b"llo");
        // the used part of the first segment still counts
        assert_eq!(total_len(&h), 11);
        assert_eq!(use_segment(&mut h, 3), 6);
        assert_eq!(rest(&mut h), b"world!");
        assert_eq!(use_segment(&mut h, 99), 0);
        assert!(h.is_none());
        assert_eq!(append(&mut h, b"x"), Some(true));
    }

    #[test]
    fn spare_bytes_before_data() {
        let mut h = None;
        append(&mut h, b"abc").unwrap();
        let (p, _) = next_segment(&mut h).unwrap();
        // SAFETY: PRE bytes before the data belong to the segment.
        unsafe { p.sub(PRE).write_bytes(0xaa, PRE) };
        assert_eq!(rest(&mut h), b"abc");
    }

    #[test]
    fn copies() {
        let mut h = None;
        append(&mut h, b"abc").unwrap();
        append(&mut h, b"defg").unwrap();
        append(&mut h, b"hi").unwrap();
        let mut out = [0u8; 5];
        assert_eq!(linear_copy(&h, 2, &mut out), 5);
        assert_eq!(&out, b"cdefg");
        assert_eq!(linear_copy(&h, 8, &mut out), 1);
        assert_eq!(linear_copy(&h, 9, &mut out), 0);
        use_segment(&mut h, 1);
        // counted from each segment's start, used or not
        assert_eq!(linear_copy(&h, 0, &mut out[..2]), 2);
        assert_eq!(&out[..2], b"ab");
        assert_eq!(linear_use(&mut h, &mut out[..4]), 4);
        assert_eq!(&out[..4], b"bcde");
        assert_eq!(fragment_use(&mut h, &mut out[..1]), (1, false, false));
        assert_eq!(out[0], b'f');
        assert_eq!(fragment_use(&mut h, &mut out), (1, false, true));
        assert_eq!(out[0], b'g');
        assert_eq!(fragment_use(&mut h, &mut out), (2, true, true));
        assert_eq!(&out[..2], b"hi");
        assert!(h.is_none());
        assert_eq!(fragment_use(&mut h, &mut out), (0, false, false));
        assert_eq!(linear_use(&mut h, &mut out), 0);
    }
}
