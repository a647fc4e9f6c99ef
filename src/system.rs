//! lws_system: the context's blobs (named byte strings such as a device serial or auth
//! token), the system ops the creation info gave, and the lws_state managers, including
//! the context's own "system" one whose transitions are also sent as
//! LWSSMDCL_SYSTEM_STATE messages.
use crate::abi::{lws_context_creation_info, lws_dll2, lws_dll2_owner, lws_system_ops_t};
use crate::capi::dll2::{lws_dll2_add_head, lws_dll2_remove};
use crate::core::lws_context;
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null_mut;

/// LWS_SYSBLOB_TYPE_COUNT.
pub(crate) const BLOB_COUNT: usize = 11;
const SYSTATE_CONTEXT_CREATED: c_int = 1;
const SYSTATE_OPERATIONAL: c_int = 12;
const SMDCL_SYSTEM_STATE: u32 = 1 << 1;

/// `lws_state_manager_t`, as lws lays it out (C allocates its own managers).
#[repr(C)]
pub(crate) struct StateManager {
    pub notify_list: lws_dll2_owner,
    pub context: *mut lws_context,
    pub parent: *mut c_void,
    pub smd_class: u32,
    pub state_names: *const *const c_char,
    pub name: *const c_char,
    pub state: c_int,
}

/// `lws_state_notify_link_t`, as lws lays it out.
#[repr(C)]
pub(crate) struct NotifyLink {
    pub list: lws_dll2,
    pub notify_cb:
        Option<unsafe extern "C" fn(*mut StateManager, *mut NotifyLink, c_int, c_int) -> c_int>,
    pub name: *const c_char,
}

/// One blob: caller memory it points at, or our own copy built from appended pieces.
#[derive(Default)]
pub(crate) enum Blob {
    #[default]
    Empty,
    Direct(*const u8, usize),
    Heap(Vec<Vec<u8>>),
}

/// The names lws gives the system states (indexed by state; also the SYSTEM_STATE
/// message text), NUL-terminated for C.
static STATE_NAMES: [&[u8]; 15] = [
    b"undef\0",
    b"CONTEXT_CREATED\0",
    b"INITIALIZED\0",
    b"IFACE_COLDPLUG\0",
    b"DHCP\0",
    b"CPD_PRE_TIME\0",
    b"TIME_VALID\0",
    b"CPD_POST_TIME\0",
    b"POLICY_VALID\0",
    b"REGISTERED\0",
    b"AUTH1\0",
    b"AUTH2\0",
    b"OPERATIONAL\0",
    b"POLICY_INVALID\0",
    b"DESTROYING\0",
];

struct Names([*const c_char; 15]);
// SAFETY: pointers to static, immutable strings.
unsafe impl Sync for Names {}
static STATE_NAME_PTRS: Names = {
    let mut a = [core::ptr::null::<c_char>(); 15];
    let mut i = 0;
    while i < 15 {
        a[i] = STATE_NAMES[i].as_ptr() as *const c_char;
        i += 1;
    }
    Names(a)
};

pub(crate) struct System {
    pub ops: *const lws_system_ops_t,
    /// Boxed: C keeps pointers to the blobs and to the manager.
    pub blobs: Box<[Blob; BLOB_COUNT]>,
    pub mgr: Box<StateManager>,
    /// The context has stepped its state manager towards OPERATIONAL (first service).
    pub started: bool,
}

impl System {
    pub(crate) fn new(info: &lws_context_creation_info) -> System {
        System {
            ops: info.system_ops,
            blobs: Box::default(),
            mgr: Box::new(StateManager {
                notify_list: lws_dll2_owner {
                    tail: null_mut(),
                    head: null_mut(),
                    count: 0,
                },
                context: null_mut(),
                parent: null_mut(),
                smd_class: SMDCL_SYSTEM_STATE,
                state_names: STATE_NAME_PTRS.0.as_ptr(),
                name: c"system".as_ptr(),
                state: SYSTATE_CONTEXT_CREATED,
            }),
            started: false,
        }
    }
}

/// After the context is boxed (its address is final): the early smd peer and the user's
/// state notifiers, as lws registers them during creation.
pub(crate) fn context_created(ctx: *mut lws_context, info: &lws_context_creation_info) {
    // SAFETY: ctx is the live context being created; only this thread knows it yet.
    let c = unsafe { &*ctx };
    if info.early_smd_cb.is_some() {
        c.smd.register(
            info.early_smd_opaque,
            info.early_smd_class_filter,
            info.early_smd_cb,
        );
    }
    // SAFETY: as above; no other borrow of the inner context is alive.
    let sys = unsafe { &mut (*c.inner.get()).system };
    sys.mgr.context = ctx;
    sys.mgr.parent = ctx as *mut c_void;
    let mgr: *mut StateManager = &mut *sys.mgr;
    // SAFETY: the list is NULL or a NULL-terminated array of live links (lws's contract).
    unsafe { reg_notifier_list(mgr, info.register_notifier_list as *const *mut NotifyLink) };
}

/// Once per service turn: the first turn takes the system state to OPERATIONAL (lws
/// does it from a timer right after creation), then queued smd messages are delivered.
#[inline(always)]
pub(crate) fn service_turn(ctx: *mut lws_context) {
    // SAFETY: live context, service thread; the borrow ends before any callback.
    let first = unsafe {
        let sys = &mut (*(*ctx).inner.get()).system;
        !core::mem::replace(&mut sys.started, true)
    };
    if first {
        // SAFETY: as above; the manager is boxed, so the pointer outlives the borrow.
        let mgr: *mut StateManager = unsafe { &mut *(*(*ctx).inner.get()).system.mgr };
        // SAFETY: the manager is live for the context's life.
        unsafe { transition_steps(mgr, SYSTATE_OPERATIONAL) };
    }
    // SAFETY: live context.
    unsafe { &*ctx }.smd.deliver();
}

/// lws_state_reg_notifier(): notifiers are asked newest first, as in lws.
///
/// # Safety
/// Both point to live structs; the link is not on a list.
pub(crate) unsafe fn reg_notifier(mgr: *mut StateManager, link: *mut NotifyLink) {
    // SAFETY: per the caller.
    unsafe { lws_dll2_add_head(&mut (*link).list, &mut (*mgr).notify_list) };
}

/// # Safety
/// `list` is NULL or a NULL-terminated array of live, unlisted links.
pub(crate) unsafe fn reg_notifier_list(mgr: *mut StateManager, mut list: *const *mut NotifyLink) {
    if list.is_null() {
        return;
    }
    // SAFETY: per the caller, every entry up to the NULL is readable.
    unsafe {
        while !(*list).is_null() {
            reg_notifier(mgr, *list);
            list = list.add(1);
        }
    }
}

/// # Safety
/// `link` is live and on a manager's list (or detached).
pub(crate) unsafe fn deregister(link: *mut NotifyLink) {
    // SAFETY: per the caller.
    unsafe { lws_dll2_remove(&mut (*link).list) };
}

/// Asks every notifier about `a -> b`; true when one refused.
///
/// # Safety
/// `mgr` is live; its list holds live links.
unsafe fn report(mgr: *mut StateManager, a: c_int, b: c_int) -> bool {
    // SAFETY: per the caller; `next` is read before the callback, which may deregister
    // the link it is given.
    unsafe {
        let mut d = (*mgr).notify_list.head;
        while !d.is_null() {
            let next = (*d).next;
            let l = d as *mut NotifyLink; // list is the first member
            if let Some(cb) = (*l).notify_cb {
                if cb(mgr, l, a, b) != 0 {
                    lwsl_info!("lws_state: a notifier refused {} -> {}", a, b);
                    return true;
                }
            }
            d = next;
        }
    }
    false
}

/// # Safety
/// `mgr` is live.
unsafe fn transition(mgr: *mut StateManager, target: c_int) -> bool {
    // SAFETY: per the caller.
    unsafe {
        if report(mgr, (*mgr).state, target) {
            return false;
        }
        (*mgr).state = target;
        // Success is reported again with both states the same.
        report(mgr, target, target);
        if (*mgr).smd_class != 0 && !(*mgr).context.is_null() && !(*mgr).state_names.is_null() {
            let name = *(*mgr).state_names.add(target as usize);
            if !name.is_null() {
                let mut text = b"{\"state\":\"".to_vec();
                text.extend_from_slice(core::ffi::CStr::from_ptr(name).to_bytes());
                text.extend_from_slice(b"\"}");
                let ctx = (*mgr).context;
                crate::smd::send_text(&(*ctx).smd, (*mgr).smd_class, &text, text.len(), || {
                    crate::core::context::cancel_service(&*ctx)
                });
            }
        }
    }
    true
}

/// lws_state_transition(): one jump to `target` unless already there.
///
/// # Safety
/// `mgr` is live.
pub(crate) unsafe fn transition_to(mgr: *mut StateManager, target: c_int) {
    // SAFETY: per the caller.
    if unsafe { (*mgr).state } != target {
        // SAFETY: per the caller.
        unsafe { transition(mgr, target) };
    }
}

/// lws_state_transition_steps(): one state at a time up to `target`, stopping where a
/// notifier refuses; never goes backwards.
///
/// # Safety
/// `mgr` is live.
pub(crate) unsafe fn transition_steps(mgr: *mut StateManager, target: c_int) {
    // SAFETY: per the caller.
    unsafe {
        loop {
            let cur = (*mgr).state;
            if cur >= target || !transition(mgr, cur + 1) {
                break;
            }
        }
    }
}

impl Blob {
    pub(crate) fn size(&self) -> usize {
        match self {
            Blob::Empty => 0,
            Blob::Direct(_, len) => *len,
            Blob::Heap(v) => v.iter().map(Vec::len).sum(),
        }
    }

    /// lws_system_blob_get(): copies from `ofs` into `buf`; the count copied, or None
    /// for an offset at or past the end of a direct blob (lws fails those).
    ///
    /// # Safety
    /// A direct blob's pointer still covers its length.
    pub(crate) unsafe fn get(&self, buf: &mut [u8], ofs: usize) -> Option<usize> {
        match self {
            Blob::Direct(p, len) => {
                if ofs >= *len || p.is_null() {
                    return None;
                }
                let n = buf.len().min(len - ofs);
                // SAFETY: per the caller, p covers len bytes.
                let src = unsafe { core::slice::from_raw_parts(p.add(ofs), n) };
                buf[..n].copy_from_slice(src);
                Some(n)
            }
            Blob::Empty => Some(0),
            Blob::Heap(segs) => {
                let (mut ofs, mut n) = (ofs, 0);
                for s in segs {
                    if n == buf.len() {
                        break;
                    }
                    if ofs >= s.len() {
                        ofs -= s.len();
                        continue;
                    }
                    let k = (s.len() - ofs).min(buf.len() - n);
                    buf[n..n + k].copy_from_slice(&s[ofs..ofs + k]);
                    n += k;
                    ofs = 0;
                }
                Some(n)
            }
        }
    }

    /// lws_system_blob_get_single_ptr(): only a direct blob or a one-piece heap blob is
    /// contiguous.
    pub(crate) fn single_ptr(&self) -> Option<*const u8> {
        match self {
            Blob::Direct(p, _) => Some(*p),
            Blob::Heap(v) if v.len() == 1 => Some(v[0].as_ptr()),
            _ => None,
        }
    }

    /// lws_system_blob_heap_append(): false for a direct blob (lws asserts there).
    pub(crate) fn append(&mut self, data: &[u8]) -> bool {
        match self {
            Blob::Direct(..) => false,
            Blob::Empty => {
                *self = Blob::Heap(vec![data.to_vec()]);
                true
            }
            Blob::Heap(v) => {
                v.push(data.to_vec());
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_blob_reads_across_pieces() {
        let mut b = Blob::default();
        assert!(b.append(b"hello "));
        assert!(b.append(b"world"));
        assert_eq!(b.size(), 11);
        assert!(b.single_ptr().is_none());
        let mut buf = [0u8; 4];
        // SAFETY: heap blob, no caller pointer involved.
        assert_eq!(unsafe { b.get(&mut buf, 4) }, Some(4));
        assert_eq!(&buf, b"o wo");
        // SAFETY: as above.
        assert_eq!(unsafe { b.get(&mut buf, 20) }, Some(0));
        let s = b"direct";
        let d = Blob::Direct(s.as_ptr(), s.len());
        // SAFETY: s outlives d.
        assert_eq!(unsafe { d.get(&mut buf, 6) }, None);
        // SAFETY: as above.
        assert_eq!(unsafe { d.get(&mut buf, 3) }, Some(3));
        assert_eq!(&buf[..3], b"ect");
    }
}
