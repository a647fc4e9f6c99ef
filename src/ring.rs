//! The ring buffer behind lws-ring.h: one head, any number of consumer tails, and the
//! "oldest tail" that bounds how far the head may advance.
//!
//! Semantics follow lws v4.3:
//! - heads and tails are byte offsets into the buffer (a tail value a C program keeps is
//!   directly comparable with `oldest_tail()`), and the buffer is `count * element_len`
//!   bytes;
//! - one element's worth of space is always left free, so at most `count - 1` elements
//!   wait at once (and, as in lws, a byte ring with a single free byte left reports 0 free);
//! - insertion never overwrites: it stops when the space behind the oldest tail is used up;
//! - an element is retired (the destroy callback sees it) when the oldest tail moves past
//!   it, and every element still waiting is retired when the ring is destroyed.
//!
//! Everything takes `&self`: the state lives in `Cell`s and the buffer is made of
//! `Cell<u8>`, so a C callback that re-enters the ring while we are calling it, or C code
//! writing through a pointer we handed out (`next_linear_insert_range`), never aliases a
//! Rust `&mut`.
#![allow(non_camel_case_types)]

use std::cell::Cell;
use std::mem::MaybeUninit;

/// Called on each element as it is retired (it gets the element's bytes in the buffer).
pub type RetireFn = Box<dyn Fn(&[Cell<u8>])>;

/// An lws ring buffer.  Opaque to C (`struct lws_ring`).
pub struct lws_ring {
    buf: Box<[Cell<u8>]>,
    element_len: u32,
    head: Cell<u32>,
    oldest_tail: Cell<u32>,
    retire: Option<RetireFn>,
}

impl lws_ring {
    /// A ring of `count` elements of `element_len` bytes, its buffer allocated (zeroed)
    /// here in one piece.  None if either is zero, the buffer would exceed lws's 32-bit
    /// offsets, or the allocation fails.
    pub fn new(element_len: usize, count: usize, retire: Option<RetireFn>) -> Option<Self> {
        if element_len == 0 || count == 0 {
            lwsl_err!(
                "lws_ring_create: element_len {element_len} and count {count} must be nonzero"
            );
            return None;
        }
        let buflen = match element_len.checked_mul(count) {
            Some(b) if b <= u32::MAX as usize => b,
            _ => {
                lwsl_err!("lws_ring_create: {count} x {element_len} bytes is too big");
                return None;
            }
        };
        let mut v: Vec<Cell<u8>> = Vec::new();
        if v.try_reserve_exact(buflen).is_err() {
            lwsl_err!("lws_ring_create: OOM allocating {buflen} bytes");
            return None;
        }
        v.resize(buflen, Cell::new(0));
        Some(lws_ring {
            buf: v.into_boxed_slice(),
            element_len: element_len as u32,
            head: Cell::new(0),
            oldest_tail: Cell::new(0),
            retire,
        })
    }

    pub fn buflen(&self) -> u32 {
        self.buf.len() as u32
    }

    pub fn element_len(&self) -> usize {
        self.element_len as usize
    }

    pub fn head(&self) -> u32 {
        self.head.get()
    }

    pub fn oldest_tail(&self) -> u32 {
        self.oldest_tail.get()
    }

    /// A tail from outside is usable if it points inside the buffer.
    fn check_tail(&self, what: &str, tail: u32) -> bool {
        if tail < self.buflen() {
            return true;
        }
        lwsl_err!(
            "{what}: tail {tail} is outside the ring (buflen {})",
            self.buflen()
        );
        false
    }

    /// Bytes free for insertion, less the element kept empty (may be negative).
    fn free_bytes_raw(&self) -> i64 {
        let (h, t) = (self.head() as i64, self.oldest_tail() as i64);
        let (b, e) = (self.buflen() as i64, self.element_len as i64);
        if h == t {
            b - e
        } else if h < t {
            t - h - e
        } else {
            b - h + t - e
        }
    }

    /// How many whole elements can be inserted now.
    pub fn free_elements(&self) -> usize {
        let f = self.free_bytes_raw();
        // lws reports nothing free below two bytes, whatever the element size.
        if f < 2 {
            0
        } else {
            f as usize / self.element_len()
        }
    }

    fn waiting_bytes(&self, tail: u32) -> usize {
        let h = self.head();
        if h == tail {
            0
        } else if h > tail {
            (h - tail) as usize
        } else {
            (self.buflen() - tail + h) as usize
        }
    }

    /// How many elements `tail` (None: the oldest tail) has left to consume.
    pub fn waiting_elements(&self, tail: Option<u32>) -> usize {
        let tail = tail.unwrap_or_else(|| self.oldest_tail());
        if !self.check_tail("lws_ring_get_count_waiting_elements", tail) {
            return 0;
        }
        self.waiting_bytes(tail) / self.element_len()
    }

    /// The number of bytes an insert of up to `max_count` elements would copy.
    pub fn insertable_bytes(&self, max_count: usize) -> usize {
        let room = self.free_elements() * self.element_len();
        room.min(max_count.saturating_mul(self.element_len()))
    }

    /// Copies as many whole elements from `src` as fit; returns how many it inserted.
    pub fn insert(&self, src: &[u8]) -> usize {
        let n = self.insertable_bytes(src.len() / self.element_len());
        let head = self.head() as usize;
        let first = n.min(self.buf.len() - head);
        copy_in(&self.buf[head..head + first], &src[..first]);
        copy_in(&self.buf[..n - first], &src[first..n]);
        self.head.set(((head + n) % self.buf.len()) as u32);
        n / self.element_len()
    }

    /// The number of bytes a consume of up to `max_count` elements from `tail` would take.
    pub fn consumable_bytes(&self, tail: Option<u32>, max_count: usize) -> usize {
        let tail = tail.unwrap_or_else(|| self.oldest_tail());
        if tail >= self.buflen() {
            return 0;
        }
        let waiting = self.waiting_bytes(tail) / self.element_len() * self.element_len();
        waiting.min(max_count.saturating_mul(self.element_len()))
    }

    /// Consumes up to `max_count` elements from `tail`, copying them to `dest` if given
    /// (never more than fit in it).  With a tail the new tail is returned and the oldest
    /// tail is left alone (the caller tells the ring later); with None the ring's own
    /// oldest tail is the consumer and moves on, retiring what it passed.  Returns the
    /// new tail and the count consumed, or None for a bad tail.
    pub fn consume(
        &self,
        tail: Option<u32>,
        dest: Option<&mut [MaybeUninit<u8>]>,
        max_count: usize,
    ) -> Option<(u32, usize)> {
        let t = tail.unwrap_or_else(|| self.oldest_tail());
        if !self.check_tail("lws_ring_consume", t) {
            return None;
        }
        let mut n = self.consumable_bytes(Some(t), max_count);
        if let Some(dest) = dest {
            n = n.min(dest.len() / self.element_len() * self.element_len());
            let start = t as usize;
            let first = n.min(self.buf.len() - start);
            copy_out(&mut dest[..first], &self.buf[start..start + first]);
            copy_out(&mut dest[first..n], &self.buf[..n - first]);
        }
        let new_tail = ((t as usize + n) % self.buf.len()) as u32;
        if tail.is_none() {
            self.update_oldest_tail(new_tail);
        }
        Some((new_tail, n / self.element_len()))
    }

    /// The element `tail` (None: the oldest tail) would consume next, in place; None if
    /// there is none waiting.
    pub fn element(&self, tail: Option<u32>) -> Option<&[Cell<u8>]> {
        let tail = tail.unwrap_or_else(|| self.oldest_tail());
        if !self.check_tail("lws_ring_get_element", tail) || tail == self.head() {
            return None;
        }
        let start = tail as usize;
        let end = (start + self.element_len()).min(self.buf.len());
        Some(&self.buf[start..end])
    }

    /// Moves the oldest tail to `tail`.  With a retire callback, each element passed is
    /// retired first; `tail` must then be reachable from the oldest tail by whole elements
    /// without passing the head (lws would spin or retire stale memory otherwise).
    pub fn update_oldest_tail(&self, tail: u32) {
        if !self.check_tail("lws_ring_update_oldest_tail", tail) {
            return;
        }
        let Some(retire) = &self.retire else {
            self.oldest_tail.set(tail);
            return;
        };
        let (b, e) = (self.buflen() as usize, self.element_len());
        let dist = (tail as usize + b - self.oldest_tail() as usize) % b;
        if !dist.is_multiple_of(e) || dist > self.waiting_bytes(self.oldest_tail()) {
            lwsl_err!(
                "lws_ring_update_oldest_tail: tail {tail} is not a waiting element \
                 (oldest {}, head {})",
                self.oldest_tail(),
                self.head()
            );
            return;
        }
        // Bounded: a callback that re-enters the ring cannot make this spin.
        for _ in 0..=b / e {
            let t = self.oldest_tail();
            if t == tail {
                break;
            }
            retire(&self.buf[t as usize..t as usize + e]);
            self.oldest_tail.set(((t as usize + e) % b) as u32);
        }
    }

    /// Retires every element still waiting for the oldest tail (lws_ring_destroy does this
    /// before freeing).
    pub fn retire_all(&self) {
        let Some(retire) = &self.retire else {
            return;
        };
        let (b, e) = (self.buflen() as usize, self.element_len());
        for _ in 0..=b / e {
            let t = self.oldest_tail() as usize;
            if t == self.head() as usize || t + e > b {
                break;
            }
            retire(&self.buf[t..t + e]);
            self.oldest_tail.set(((t + e) % b) as u32);
        }
    }

    /// The free space from the head up to where it would wrap or meet the oldest tail,
    /// for writing in place; None if the ring is full.
    pub fn linear_insert_range(&self) -> Option<&[Cell<u8>]> {
        let n = self.free_elements() * self.element_len();
        if n == 0 {
            return None;
        }
        let head = self.head() as usize;
        let end = (head + n).min(self.buf.len());
        Some(&self.buf[head..end])
    }

    /// Advances the head over `bytes` written in place.  More than the free space would
    /// overrun the oldest tail: that is refused (clipped) here.
    pub fn bump_head(&self, bytes: usize) {
        let room = self.free_elements() * self.element_len();
        let n = if bytes > room {
            lwsl_err!("lws_ring_bump_head: {bytes} bytes but only {room} free");
            room
        } else {
            bytes
        };
        self.head
            .set(((self.head() as usize + n) % self.buf.len()) as u32);
    }

    /// Logs the ring's state (and `tail`'s, None: the oldest) at notice level.
    pub fn dump(&self, tail: Option<u32>) {
        let t = tail.unwrap_or_else(|| self.oldest_tail());
        lwsl_notice!(
            "ring {:p}: buflen {}, elem_len {}, head {}, oldest_tail {}\n     \
             free_elems: {}; for tail {}, waiting elements: {}",
            self as *const Self,
            self.buflen(),
            self.element_len,
            self.head(),
            self.oldest_tail(),
            self.free_elements(),
            t,
            self.waiting_elements(Some(t))
        );
    }
}

impl Drop for lws_ring {
    fn drop(&mut self) {
        self.retire_all();
    }
}

fn copy_in(dst: &[Cell<u8>], src: &[u8]) {
    for (d, s) in dst.iter().zip(src) {
        d.set(*s);
    }
}

fn copy_out(dst: &mut [MaybeUninit<u8>], src: &[Cell<u8>]) {
    for (d, s) in dst.iter_mut().zip(src) {
        d.write(s.get());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    fn bytes(c: &[Cell<u8>]) -> Vec<u8> {
        c.iter().map(Cell::get).collect()
    }

    fn take(r: &lws_ring, tail: Option<u32>, max: usize) -> (u32, Vec<u8>) {
        let mut out = vec![MaybeUninit::new(0xee); max * r.element_len()];
        let (t, n) = r.consume(tail, Some(&mut out), max).unwrap();
        let got = out[..n * r.element_len()]
            .iter()
            .map(|b| {
                // SAFETY: consume() initialised the first n elements.
                unsafe { b.assume_init() }
            })
            .collect();
        (t, got)
    }

    /// A ring whose retire callback records the first byte of each retired element.
    fn recording(element_len: usize, count: usize) -> (lws_ring, Rc<std::cell::RefCell<Vec<u8>>>) {
        let log = Rc::new(std::cell::RefCell::new(Vec::new()));
        let l = log.clone();
        let f: RetireFn = Box::new(move |e: &[Cell<u8>]| l.borrow_mut().push(e[0].get()));
        (lws_ring::new(element_len, count, Some(f)).unwrap(), log)
    }

    #[test]
    fn create_rejects_degenerate_sizes() {
        assert!(lws_ring::new(0, 4, None).is_none());
        assert!(lws_ring::new(4, 0, None).is_none());
        assert!(lws_ring::new(1 << 20, 1 << 13, None).is_none());
        let r = lws_ring::new(3, 5, None).unwrap();
        assert_eq!(r.buflen(), 15);
        assert_eq!(r.free_elements(), 4);
        assert_eq!(r.waiting_elements(None), 0);
    }

    #[test]
    fn full_and_empty() {
        let r = lws_ring::new(2, 4, None).unwrap();
        assert_eq!(r.insert(&[1, 1, 2, 2, 3, 3, 4, 4, 5, 5]), 3);
        assert_eq!(r.free_elements(), 0);
        assert_eq!(r.insert(&[9, 9]), 0);
        assert_eq!(r.waiting_elements(None), 3);
        let (_, got) = take(&r, None, 10);
        assert_eq!(got, [1, 1, 2, 2, 3, 3]);
        assert_eq!(r.waiting_elements(None), 0);
        assert_eq!(r.free_elements(), 3);
        assert!(r.element(None).is_none());
        // a partial trailing element is not inserted
        assert_eq!(r.insert(&[7, 7, 8]), 1);
    }

    #[test]
    fn byte_ring_keeps_lws_two_byte_floor() {
        // lws reports no room when a single byte would still fit in a byte ring.
        let r = lws_ring::new(1, 4, None).unwrap();
        assert_eq!(r.free_elements(), 3);
        assert_eq!(r.insert(&[1, 2]), 2);
        assert_eq!(r.free_elements(), 0);
        assert_eq!(r.insert(&[3]), 0);
    }

    #[test]
    fn wraparound_copies_in_two_pieces() {
        let r = lws_ring::new(4, 4, None).unwrap();
        for round in 0u8..9 {
            let a = [round; 4];
            let b = [round + 100; 4];
            assert_eq!(r.insert(&[a, b].concat()), 2);
            let (_, got) = take(&r, None, 1);
            assert_eq!(got, a);
            let (_, got) = take(&r, None, 1);
            assert_eq!(got, b);
        }
        // head and tail now sit mid-buffer: a 3-element insert and consume must wrap
        assert_ne!(r.head(), 0);
        let src: Vec<u8> = (0..12).collect();
        assert_eq!(r.insert(&src), 3);
        let (_, got) = take(&r, None, 3);
        assert_eq!(got, src);
    }

    #[test]
    fn multiple_tails_and_oldest_tail() {
        let (r, retired) = recording(1, 8);
        let mut t1 = r.oldest_tail();
        let mut t2 = r.oldest_tail();
        assert_eq!(r.insert(b"abcde"), 5);
        assert_eq!(r.waiting_elements(Some(t1)), 5);
        let (nt, got) = take(&r, Some(t1), 3);
        t1 = nt;
        assert_eq!(got, b"abc");
        // a tail's own consume does not free anything
        assert_eq!(r.free_elements(), 2);
        assert!(retired.borrow().is_empty());
        assert_eq!(r.waiting_elements(Some(t2)), 5);
        // the slowest consumer (t2) decides how far the oldest tail may go
        r.update_oldest_tail(t2);
        assert!(retired.borrow().is_empty());
        let (nt, got) = take(&r, Some(t2), 1);
        t2 = nt;
        assert_eq!(got, b"a");
        r.update_oldest_tail(t2);
        assert_eq!(*retired.borrow(), b"a");
        assert_eq!(r.free_elements(), 3);
        // element() peeks without consuming
        assert_eq!(bytes(r.element(Some(t1)).unwrap()), b"d");
        assert_eq!(bytes(r.element(Some(t2)).unwrap()), b"b");
        assert_eq!(r.consume(Some(t2), None, 10), Some((5, 4)));
        t2 = 5;
        r.update_oldest_tail(t1.min(t2));
        assert_eq!(*retired.borrow(), b"abc");
        assert_eq!(r.oldest_tail(), 3);
    }

    #[test]
    fn update_oldest_tail_refuses_unreachable_tails_when_retiring() {
        let (r, retired) = recording(2, 4);
        assert_eq!(r.insert(&[1, 1, 2, 2]), 2);
        r.update_oldest_tail(6); // past the head
        r.update_oldest_tail(1); // not on an element boundary
        r.update_oldest_tail(8); // outside the buffer
        assert_eq!(r.oldest_tail(), 0);
        assert!(retired.borrow().is_empty());
        r.update_oldest_tail(4);
        assert_eq!(*retired.borrow(), [1, 2]);
        // without a callback lws just stores it
        let r = lws_ring::new(2, 4, None).unwrap();
        r.update_oldest_tail(6);
        assert_eq!(r.oldest_tail(), 6);
    }

    #[test]
    fn single_tail_consume_retires() {
        let (r, retired) = recording(1, 6);
        assert_eq!(r.insert(b"xyz"), 3);
        assert_eq!(r.consume(None, None, 2), Some((2, 2)));
        assert_eq!(*retired.borrow(), b"xy");
        assert_eq!(r.oldest_tail(), 2);
        let (_, got) = take(&r, None, 5);
        assert_eq!(got, b"z");
        assert_eq!(*retired.borrow(), b"xyz");
    }

    #[test]
    fn destroy_retires_what_is_left() {
        let (r, retired) = recording(1, 6);
        assert_eq!(r.insert(b"pqrs"), 4);
        assert_eq!(r.consume(None, None, 1), Some((1, 1)));
        r.retire_all();
        assert_eq!(*retired.borrow(), b"pqrs");
        drop(r);
        assert_eq!(retired.borrow().len(), 4);
        let (r, retired) = recording(1, 6);
        assert_eq!(r.insert(b"ab"), 2);
        drop(r);
        assert_eq!(*retired.borrow(), b"ab");
    }

    #[test]
    fn linear_insert_range_and_bump_head() {
        let r = lws_ring::new(1, 8, None).unwrap();
        assert_eq!(r.linear_insert_range().unwrap().len(), 7);
        r.bump_head(5);
        assert_eq!(r.consume(None, None, 5), Some((5, 5)));
        // from 5 the linear range stops at the end of the buffer...
        let range = r.linear_insert_range().unwrap();
        assert_eq!(range.len(), 3);
        copy_in(range, b"ABC");
        r.bump_head(3);
        assert_eq!(r.head(), 0);
        // ...and then continues from the start, up to the element kept empty
        let range = r.linear_insert_range().unwrap();
        assert_eq!(range.len(), 4);
        copy_in(range, b"DEFG");
        r.bump_head(4);
        assert!(r.linear_insert_range().is_none());
        let (_, got) = take(&r, None, 10);
        assert_eq!(got, b"ABCDEFG");
        // bumping past the free space is clipped
        r.bump_head(100);
        assert_eq!(r.waiting_elements(None), 7);
    }

    #[test]
    fn consume_respects_dest_room_and_bad_tails() {
        let r = lws_ring::new(2, 8, None).unwrap();
        assert_eq!(r.insert(&[1, 1, 2, 2, 3, 3]), 3);
        let mut small = [MaybeUninit::new(0u8); 3];
        assert_eq!(r.consume(Some(0), Some(&mut small), 3), Some((2, 1)));
        assert_eq!(r.consume(Some(16), None, 1), None);
        assert_eq!(r.waiting_elements(Some(99)), 0);
        assert!(r.element(Some(16)).is_none());
    }

    #[test]
    fn reentrant_retire_is_sound() {
        // The callback looks at the ring it is being called from.
        let cell: Rc<std::cell::RefCell<Option<Rc<lws_ring>>>> = Rc::default();
        let seen = Rc::new(Cell::new(0usize));
        let (c2, s2) = (cell.clone(), seen.clone());
        let f: RetireFn = Box::new(move |_e| {
            if let Some(r) = c2.borrow().as_ref() {
                s2.set(s2.get() + r.waiting_elements(None));
            }
        });
        let r = Rc::new(lws_ring::new(1, 4, Some(f)).unwrap());
        *cell.borrow_mut() = Some(r.clone());
        assert_eq!(r.insert(b"ab"), 2);
        r.update_oldest_tail(2);
        assert_eq!(seen.get(), 2 + 1);
        *cell.borrow_mut() = None;
    }
}
