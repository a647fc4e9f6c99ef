//! Timers: lws's sorted-usec-list (`lws_sul`) API over a BTreeMap, plus the per-wsi
//! timeouts and `lws_set_timer_usecs` timers, all in one ordered set.
//!
//! lws keeps scheduled `lws_sorted_usec_list_t` structs in a linked list threaded through
//! the caller's memory.  We keep our own index instead (O(log n) insert and cancel) and
//! only mark the caller's struct: `list.owner` points at the context's owner object
//! while scheduled (so `lws_sul_cancel`, which has no context argument, finds it) and
//! `us` holds the absolute due time, as in lws.
use crate::abi::{lws_dll2_owner, lws_sorted_usec_list, lws_usec_t};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-rotate hasher (the FxHash scheme) for the key index.  Keys are slab
/// slots, generations and our own addresses, never chosen by a peer, so SipHash's
/// flood resistance buys nothing here and costs ~1,500 instructions per connection
/// (a handshake schedules, reschedules and cancels several timers).
#[derive(Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl KeyHasher {
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::K);
    }
}

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(n as u64);
    }
    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(n as u64);
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    #[inline]
    fn write_isize(&mut self, n: isize) {
        self.add(n as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // The table picks buckets with the low bits, which a multiply mixes worst: move
        // the well-mixed high bits down (as rustc-hash 2 does).
        self.0.rotate_left(26)
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum TimerKey {
    /// A caller-owned `lws_sorted_usec_list_t`, by address.
    Sul(usize),
    /// `lws_set_timeout()` on a wsi (by slab slot and generation).
    Timeout(usize, u32),
    /// `lws_set_timer_usecs()` on a wsi.
    WsiTimer(usize, u32),
    /// The idle policy of a connection (`retry_and_idle_policy`'s ping/hangup seconds).
    Validity(usize, u32),
    /// A connection's unsent output has stayed over its limit without the peer taking
    /// any of it (core::output's backlog bound).
    OutStall(usize, u32),
}

/// The object `list.owner` of a scheduled sul points at: a real `lws_dll2_owner` (so a
/// caller reading it sees something sane) followed by the context it belongs to.
#[repr(C)]
pub struct SulOwner {
    pub owner: lws_dll2_owner,
    pub ctx: *mut crate::core::lws_context,
}

#[derive(Default)]
pub struct Timers {
    by_due: BTreeMap<(lws_usec_t, u64), TimerKey>,
    by_key: HashMap<TimerKey, (lws_usec_t, u64), BuildHasherDefault<KeyHasher>>,
    seq: u64,
}

impl Timers {
    pub fn schedule(&mut self, key: TimerKey, due: lws_usec_t) {
        self.cancel(key);
        self.seq += 1;
        self.by_due.insert((due, self.seq), key);
        self.by_key.insert(key, (due, self.seq));
    }

    pub fn cancel(&mut self, key: TimerKey) -> bool {
        match self.by_key.remove(&key) {
            Some(k) => {
                self.by_due.remove(&k);
                true
            }
            None => false,
        }
    }

    pub fn next_due(&self) -> Option<lws_usec_t> {
        self.by_due.keys().next().map(|k| k.0)
    }

    /// Removes and returns the earliest timer if it is due at `now`.
    pub fn pop_ripe(&mut self, now: lws_usec_t) -> Option<TimerKey> {
        let (&k, _) = self.by_due.iter().next()?;
        if k.0 > now {
            return None;
        }
        let key = self.by_due.remove(&k)?;
        self.by_key.remove(&key);
        Some(key)
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Forgets every timer of a wsi (it is going away).
    pub fn cancel_wsi(&mut self, slot: usize, gen: u32) {
        self.cancel(TimerKey::Timeout(slot, gen));
        self.cancel(TimerKey::WsiTimer(slot, gen));
        self.cancel(TimerKey::Validity(slot, gen));
        self.cancel(TimerKey::OutStall(slot, gen));
    }
}

/// Monotonic microseconds, the clock lws uses for its scheduler (`lws_now_usecs`).
pub fn now_usecs() -> lws_usec_t {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec * 1_000_000 + ts.tv_nsec / 1000
}

/// Marks a caller's sul as scheduled (lws semantics of its members).
///
/// # Safety
/// `sul` must point to a live `lws_sorted_usec_list`.
pub unsafe fn mark_scheduled(
    sul: *mut lws_sorted_usec_list,
    owner: *mut SulOwner,
    due: lws_usec_t,
) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        (*sul).us = due;
        (*sul).list.owner = owner as *mut lws_dll2_owner;
    }
}

/// # Safety
/// `sul` must point to a live `lws_sorted_usec_list`.
pub unsafe fn mark_idle(sul: *mut lws_sorted_usec_list) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        (*sul).list.owner = core::ptr::null_mut();
        (*sul).list.prev = core::ptr::null_mut();
        (*sul).list.next = core::ptr::null_mut();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_cancel_reschedule() {
        let mut t = Timers::default();
        t.schedule(TimerKey::Sul(1), 30);
        t.schedule(TimerKey::Sul(2), 10);
        t.schedule(TimerKey::Timeout(3, 0), 20);
        assert_eq!(t.next_due(), Some(10));
        t.schedule(TimerKey::Sul(2), 40); // reschedule replaces
        assert_eq!(t.len(), 3);
        assert!(t.cancel(TimerKey::Timeout(3, 0)));
        assert!(!t.cancel(TimerKey::Timeout(3, 0)));
        assert_eq!(t.pop_ripe(29), None);
        assert_eq!(t.pop_ripe(35), Some(TimerKey::Sul(1)));
        assert_eq!(t.pop_ripe(35), None);
        assert_eq!(t.pop_ripe(40), Some(TimerKey::Sul(2)));
        assert!(t.is_empty());
    }

    #[test]
    fn same_due_time_keeps_insertion_order() {
        let mut t = Timers::default();
        for i in 0..5 {
            t.schedule(TimerKey::Sul(i), 7);
        }
        for i in 0..5 {
            assert_eq!(t.pop_ripe(7), Some(TimerKey::Sul(i)));
        }
    }
}
