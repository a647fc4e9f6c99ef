//! lws_smd: system message distribution, one queue per context.
//!
//! Messages are small (at most `LWS_SMD_MAX_PAYLOAD` bytes) and carry one class bit each;
//! peers register a class filter and a callback. A send only queues the message and wakes
//! the service loop (from any thread); the loop delivers, in send order, to each peer
//! whose filter matches and that was registered when the message was sent. Delivery is
//! round-robin: every peer gets its next message in turn, so one peer never gets a whole
//! backlog before the others see the first message.
//!
//! Contract kept from lws: a message is freed once every peer it was meant for got it (or
//! unregistered, or its TTL ran out before the loop came round); a send that finds the
//! queue full fails and leaves the message with its sender; an allocation for a class
//! nobody listens to fails, so senders skip building it.
//!
//! Callbacks run with no lock held: they may send, register and unregister (even
//! themselves, or the next peer in the round).
use crate::abi::{lws_smd_class_t, lws_smd_notification_cb_t, lws_usec_t};
use core::ffi::c_void;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// lws's limit on a message's payload.
pub(crate) const MAX_PAYLOAD: usize = 384;
/// LWSSMDCL_NETWORK: lws's context always has its own peer for this class, so messages
/// of it can always be allocated (and are dropped at once when no user peer wants them).
const CLASS_NETWORK: lws_smd_class_t = 1 << 2;
const DEFAULT_TTL_US: lws_usec_t = 2_000_000;
const DEFAULT_DEPTH: usize = 40;

/// What C holds between lws_smd_msg_alloc and send/free: this header, then the payload
/// (plus one spare byte, so text payloads stay NUL-terminated).
#[repr(C)]
struct MsgHead {
    magic: u64,
    timestamp: lws_usec_t,
    class: lws_smd_class_t,
    len: u32,
}
const MSG_MAGIC: u64 = 0x6c77_735f_736d_6421;
const HEAD: usize = core::mem::size_of::<MsgHead>();

/// The handle C gets from lws_smd_register (`struct lws_smd_peer *`).
pub(crate) struct PeerHandle {
    smd: *const Smd,
    id: u64,
}

struct Msg {
    seq: u64,
    class: lws_smd_class_t,
    timestamp: lws_usec_t,
    /// Payload plus a trailing NUL; shared so a callback can read it while others may
    /// unregister and drop the message from the queue.
    data: Arc<[u8]>,
    /// Peers that still have to get it.
    refs: u32,
}

struct Peer {
    id: u64,
    handle: *mut PeerHandle,
    cb: lws_smd_notification_cb_t,
    opaque: *mut c_void,
    filter: lws_smd_class_t,
    /// Sequence number of the next message this peer may be given.
    cursor: u64,
}

#[derive(Default)]
struct State {
    msgs: VecDeque<Msg>,
    peers: Vec<Peer>,
    next_seq: u64,
    next_id: u64,
}

// SAFETY: the raw pointers in State are C's opaque values and handles we allocated; they
// are only handed back to C or freed under the lock, never dereferenced concurrently.
unsafe impl Send for State {}

pub(crate) struct Smd {
    st: Mutex<State>,
    /// Queue length, readable without the lock: the loop's fast path.
    queued: AtomicUsize,
    ttl_us: lws_usec_t,
    depth: usize,
}

/// One delivery, taken out of the queue under the lock and made with it released.
struct Job {
    cb: unsafe extern "C" fn(*mut c_void, lws_smd_class_t, lws_usec_t, *mut c_void, usize) -> i32,
    opaque: *mut c_void,
    class: lws_smd_class_t,
    timestamp: lws_usec_t,
    data: Arc<[u8]>,
}

impl Smd {
    /// `ttl_us`/`depth` of 0 take lws's defaults (2 s, 40 messages).
    pub(crate) fn new(ttl_us: lws_usec_t, depth: u16) -> Smd {
        Smd {
            st: Mutex::new(State::default()),
            queued: AtomicUsize::new(0),
            ttl_us: if ttl_us > 0 { ttl_us } else { DEFAULT_TTL_US },
            depth: if depth != 0 {
                depth as usize
            } else {
                DEFAULT_DEPTH
            },
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a panic while holding it; the state is still consistent
        // enough to deliver or drop messages, which beats wedging the context.
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The union of the peers' filters (and lws's own NETWORK peer).
    pub(crate) fn wanted(&self, class: lws_smd_class_t) -> bool {
        let st = self.lock();
        let union = st.peers.iter().fold(CLASS_NETWORK, |m, p| m | p.filter);
        union & class != 0
    }

    /// lws_smd_msg_alloc(): the payload pointer, or NULL when nobody wants the class or
    /// the length is over lws's limit.
    pub(crate) fn msg_alloc(&self, class: lws_smd_class_t, len: usize) -> *mut u8 {
        if !self.wanted(class) {
            lwsl_info!("lws_smd_msg_alloc: no peer wants class 0x{:x}", class);
            return core::ptr::null_mut();
        }
        if len > MAX_PAYLOAD {
            lwsl_err!(
                "lws_smd_msg_alloc: {} bytes is over the {} byte limit",
                len,
                MAX_PAYLOAD
            );
            return core::ptr::null_mut();
        }
        let Some(layout) = layout_for(len) else {
            return core::ptr::null_mut();
        };
        // SAFETY: the layout has a nonzero size (the header).
        let base = unsafe { std::alloc::alloc_zeroed(layout) };
        if base.is_null() {
            return base;
        }
        // SAFETY: base is a fresh allocation, aligned for MsgHead and large enough.
        unsafe {
            base.cast::<MsgHead>().write(MsgHead {
                magic: MSG_MAGIC,
                timestamp: crate::core::timer::now_usecs(),
                class,
                len: len as u32,
            });
            base.add(HEAD)
        }
    }

    /// lws_smd_msg_send(): 0 when queued (or nobody wanted it: dropped), 1 when the queue
    /// is full (the caller keeps the message). Wakes the loop with `wake`.
    ///
    /// # Safety
    /// `pay` came from `msg_alloc` and was neither sent nor freed.
    pub(crate) unsafe fn msg_send(&self, pay: *mut u8, wake: impl FnOnce()) -> i32 {
        // SAFETY: per the caller, pay follows a live MsgHead.
        let Some(head) = (unsafe { head_of(pay) }) else {
            lwsl_err!("lws_smd_msg_send: not a message from lws_smd_msg_alloc");
            return 1;
        };
        let (class, timestamp, len) = (head.class, head.timestamp, head.len as usize);
        {
            let mut st = self.lock();
            if st.msgs.len() >= self.depth {
                lwsl_warn!("lws_smd_msg_send: queue full ({} messages)", st.msgs.len());
                return 1;
            }
            let refs = st.peers.iter().filter(|p| p.filter & class != 0).count() as u32;
            if refs != 0 {
                let mut data = Vec::with_capacity(len + 1);
                // SAFETY: the allocation holds len payload bytes after the header.
                data.extend_from_slice(unsafe { core::slice::from_raw_parts(pay, len) });
                data.push(0);
                let seq = st.next_seq;
                st.next_seq += 1;
                st.msgs.push_back(Msg {
                    seq,
                    class,
                    timestamp,
                    data: data.into(),
                    refs,
                });
                self.queued.store(st.msgs.len(), Ordering::Release);
            }
        }
        // SAFETY: the message was copied (or is unwanted); its allocation goes now.
        unsafe { msg_free(pay) };
        wake();
        0
    }

    /// lws_smd_register(): the handle C keeps, owned by this queue.
    pub(crate) fn register(
        &self,
        opaque: *mut c_void,
        filter: lws_smd_class_t,
        cb: lws_smd_notification_cb_t,
    ) -> *mut PeerHandle {
        let mut st = self.lock();
        let id = st.next_id;
        st.next_id += 1;
        let handle = Box::into_raw(Box::new(PeerHandle {
            smd: self as *const Smd,
            id,
        }));
        // Messages already queued were meant for the peers there when they were sent.
        let cursor = st.next_seq;
        st.peers.push(Peer {
            id,
            handle,
            cb,
            opaque,
            filter,
            cursor,
        });
        lwsl_info!(
            "lws_smd_register: peer {} (filter 0x{:x}), {} peers",
            id,
            filter,
            st.peers.len()
        );
        handle
    }

    /// Drops a peer: the messages it was still owed no longer wait for it.
    fn remove_peer(&self, st: &mut State, idx: usize) {
        let p = st.peers.remove(idx);
        for m in st.msgs.iter_mut() {
            if m.seq >= p.cursor && m.class & p.filter != 0 {
                m.refs = m.refs.saturating_sub(1);
            }
        }
        st.msgs.retain(|m| m.refs != 0);
        self.queued.store(st.msgs.len(), Ordering::Release);
        // SAFETY: the handle was made by register and is freed only here or at destroy.
        drop(unsafe { Box::from_raw(p.handle) });
    }

    /// lws_smd_unregister().
    ///
    /// # Safety
    /// `h` is a handle from `register` on a context that still exists, not unregistered.
    pub(crate) unsafe fn unregister(h: *mut PeerHandle) {
        // SAFETY: per the caller, h and the Smd it names are live.
        let (smd, id) = unsafe { (&*(*h).smd, (*h).id) };
        let mut st = smd.lock();
        match st.peers.iter().position(|p| p.id == id) {
            Some(i) => smd.remove_peer(&mut st, i),
            None => lwsl_err!("lws_smd_unregister: unknown peer"),
        }
    }

    /// Drops messages older than the TTL (the loop did not come round in time).
    fn expire(&self, st: &mut State) {
        let now = crate::core::timer::now_usecs();
        let before = st.msgs.len();
        st.msgs.retain(|m| now - m.timestamp <= self.ttl_us);
        if st.msgs.len() != before {
            lwsl_warn!(
                "lws_smd: {} queued messages timed out",
                before - st.msgs.len()
            );
            self.queued.store(st.msgs.len(), Ordering::Release);
        }
    }

    /// Takes peer `id`'s next message out of the queue, if it has one.
    fn next_job(&self, id: u64) -> Option<Job> {
        let mut st = self.lock();
        let st = &mut *st;
        let peer = st.peers.iter_mut().find(|p| p.id == id)?;
        let i = st
            .msgs
            .iter()
            .position(|m| m.seq >= peer.cursor && m.class & peer.filter != 0)?;
        let m = &mut st.msgs[i];
        peer.cursor = m.seq + 1;
        m.refs -= 1;
        let job = peer.cb.map(|cb| Job {
            cb,
            opaque: peer.opaque,
            class: m.class,
            timestamp: m.timestamp,
            data: m.data.clone(),
        });
        if m.refs == 0 {
            st.msgs.remove(i);
            self.queued.store(st.msgs.len(), Ordering::Release);
        }
        // A peer without a callback still consumes its messages.
        job.or_else(|| {
            Some(Job {
                cb: noop_cb,
                opaque: core::ptr::null_mut(),
                class: 0,
                timestamp: 0,
                data: Arc::from(&[0u8][..]),
            })
        })
    }

    /// Delivers everything queued; called by the service loop each turn.
    #[inline(always)]
    pub(crate) fn deliver(&self) {
        // Every turn asks; the check is inline and the work out of line.
        if self.queued.load(Ordering::Acquire) != 0 {
            self.deliver_now();
        }
    }

    #[inline(never)]
    fn deliver_now(&self) {
        let mut ids = Vec::new();
        loop {
            {
                let mut st = self.lock();
                self.expire(&mut st);
                if st.msgs.is_empty() {
                    return;
                }
                ids.clear();
                ids.extend(st.peers.iter().map(|p| p.id));
            }
            let mut any = false;
            for &id in &ids {
                let Some(job) = self.next_job(id) else {
                    continue;
                };
                any = true;
                let len = job.data.len() - 1;
                // SAFETY: a C callback the peer registered; the payload stays alive (job
                // holds it) until the call returns. C may not write through it, as lws.
                unsafe {
                    (job.cb)(
                        job.opaque,
                        job.class,
                        job.timestamp,
                        job.data.as_ptr() as *mut c_void,
                        len,
                    )
                };
            }
            if !any {
                return;
            }
        }
    }

    /// Context destroy: queued messages and remaining peers go.
    pub(crate) fn destroy(&self) {
        let mut st = self.lock();
        st.msgs.clear();
        self.queued.store(0, Ordering::Release);
        for p in st.peers.drain(..) {
            // SAFETY: handles are owned here until unregister or destroy.
            drop(unsafe { Box::from_raw(p.handle) });
        }
    }
}

impl Drop for Smd {
    fn drop(&mut self) {
        self.destroy();
    }
}

unsafe extern "C" fn noop_cb(
    _: *mut c_void,
    _: lws_smd_class_t,
    _: lws_usec_t,
    _: *mut c_void,
    _: usize,
) -> i32 {
    0
}

fn layout_for(len: usize) -> Option<std::alloc::Layout> {
    std::alloc::Layout::from_size_align(HEAD + len + 1, core::mem::align_of::<MsgHead>()).ok()
}

/// The header before a payload, if it looks like one of ours.
///
/// # Safety
/// `pay` is NULL or points just past a MsgHead (a payload from `msg_alloc`).
unsafe fn head_of<'a>(pay: *mut u8) -> Option<&'a MsgHead> {
    if pay.is_null() || (pay as usize) < HEAD {
        return None;
    }
    // SAFETY: per the caller, a MsgHead sits right before the payload.
    let head = unsafe { &*pay.sub(HEAD).cast::<MsgHead>() };
    (head.magic == MSG_MAGIC).then_some(head)
}

/// lws_smd_msg_free() of an unsent message.
///
/// # Safety
/// `pay` came from `msg_alloc` and was neither sent nor freed.
pub(crate) unsafe fn msg_free(pay: *mut u8) {
    // SAFETY: per the caller.
    let Some(head) = (unsafe { head_of(pay) }) else {
        lwsl_err!("lws_smd_msg_free: not a message from lws_smd_msg_alloc");
        return;
    };
    let Some(layout) = layout_for(head.len as usize) else {
        return;
    };
    // SAFETY: base is the allocation msg_alloc made with this layout; clearing the magic
    // first makes a second free of the same pointer fail the check instead.
    unsafe {
        let base = pay.sub(HEAD);
        (*base.cast::<MsgHead>()).magic = 0;
        std::alloc::dealloc(base, layout);
    }
}

/// The text form of lws_smd_msg_printf(): `text` is the formatted payload, `wanted` the
/// length vsnprintf wanted (it may be longer than what fit in the caller's buffer).
pub(crate) fn send_text(
    smd: &Smd,
    class: lws_smd_class_t,
    text: &[u8],
    wanted: usize,
    wake: impl FnOnce(),
) -> i32 {
    if !smd.wanted(class) {
        // Nobody listens: not an error, the message is simply not made.
        return 0;
    }
    if wanted > MAX_PAYLOAD || text.len() < wanted {
        lwsl_err!("lws_smd_msg_printf: {} bytes is too long", wanted);
        return 1;
    }
    let p = smd.msg_alloc(class, wanted);
    if p.is_null() {
        return 1;
    }
    // SAFETY: p has room for `wanted` bytes (plus the zeroed spare one).
    unsafe { core::ptr::copy_nonoverlapping(text.as_ptr(), p, wanted) };
    // SAFETY: p is a fresh message from msg_alloc.
    if unsafe { smd.msg_send(p, wake) } != 0 {
        // SAFETY: the send refused it, so it is still ours.
        unsafe { msg_free(p) };
        return 1;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex as M;

    fn tag(n: usize) -> *mut c_void {
        n as *mut c_void
    }

    static SEEN: M<Vec<(usize, u32, Vec<u8>)>> = M::new(Vec::new());

    unsafe extern "C" fn rec(
        opaque: *mut c_void,
        class: lws_smd_class_t,
        _ts: lws_usec_t,
        buf: *mut c_void,
        len: usize,
    ) -> i32 {
        // SAFETY: buf holds len bytes for the call.
        let b = unsafe { core::slice::from_raw_parts(buf as *const u8, len) }.to_vec();
        SEEN.lock().unwrap().push((opaque as usize, class, b));
        0
    }

    #[test]
    fn filters_order_and_late_peers() {
        let smd = Smd::new(0, 3);
        let a = smd.register(tag(1), 1, Some(rec));
        let _b = smd.register(tag(2), 3, Some(rec));
        assert!(smd.msg_alloc(8, 1).is_null());
        assert_eq!(send_text(&smd, 1, b"one", 3, || ()), 0);
        assert_eq!(send_text(&smd, 2, b"two", 3, || ()), 0);
        let _c = smd.register(tag(3), 3, Some(rec));
        assert_eq!(send_text(&smd, 1, b"three", 5, || ()), 0);
        assert_eq!(send_text(&smd, 1, b"four", 4, || ()), 1, "depth 3");
        assert_eq!(smd.queued.load(Ordering::Relaxed), 3);
        // SAFETY: a is live.
        unsafe { Smd::unregister(a) };
        smd.deliver();
        assert_eq!(smd.queued.load(Ordering::Relaxed), 0);
        let seen = SEEN.lock().unwrap().clone();
        let want: Vec<(usize, u32, Vec<u8>)> = vec![
            (2, 1, b"one".to_vec()),
            (3, 1, b"three".to_vec()),
            (2, 2, b"two".to_vec()),
            (2, 1, b"three".to_vec()),
        ];
        assert_eq!(seen, want);
    }
}
