//! lws-system.h and lws-state.h: the context's blobs, system ops and state managers.
use crate::abi::{lws_state_manager, lws_system_blob, lws_system_ops_t};
use crate::core::lws_context;
use crate::system::{self, Blob, NotifyLink, StateManager, BLOB_COUNT};
use core::ffi::c_int;
use core::ptr::null_mut;

/// Returns the `system_ops` table given in the context's creation info, or NULL when none was
/// given or `context` is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_system_get_ops(context: *mut lws_context) -> *const lws_system_ops_t {
    entry!({
        need!(context);
        // SAFETY: a live context, used from its service thread.
        unsafe { (*(*context).inner.get()).system.ops }
    })
}

/// `type` is lws_system_blob_item_t (an enum of small non-negative values).
#[no_mangle]
pub unsafe extern "C" fn lws_system_get_blob(
    context: *mut lws_context,
    type_: u32,
    idx: c_int,
) -> *mut lws_system_blob {
    entry!({
        need!(context);
        let i = type_ as usize + idx.max(0) as usize;
        if idx < 0 || i >= BLOB_COUNT {
            lwsl_err!("lws_system_get_blob: no blob {} + {}", type_, idx);
            return null_mut();
        }
        // SAFETY: a live context, service thread; the blobs are boxed, so the pointer
        // stays valid for the context's life.
        unsafe { &mut (*(*context).inner.get()).system.blobs[i] as *mut Blob as *mut _ }
    })
}

/// The blob behind a C handle.
///
/// # Safety
/// `b` came from lws_system_get_blob on a live context.
unsafe fn blob<'a>(b: *mut lws_system_blob) -> &'a mut Blob {
    // SAFETY: per the caller.
    unsafe { &mut *(b as *mut Blob) }
}

/// Makes the blob `b` point at the caller's `len` bytes at `ptr` (nothing is copied; the
/// memory must stay valid while the blob is used), dropping whatever it held.
#[no_mangle]
pub unsafe extern "C" fn lws_system_blob_direct_set(
    b: *mut lws_system_blob,
    ptr: *const u8,
    len: usize,
) {
    entry!({
        need!(b);
        // SAFETY: a blob handle; the caller keeps ptr valid while it is set (lws's rule).
        unsafe { *blob(b) = Blob::Direct(ptr, len) };
    })
}

/// Empties the blob `b` so it can be filled with lws_system_blob_heap_append (it then holds
/// its own copies of the pieces).
#[no_mangle]
pub unsafe extern "C" fn lws_system_blob_heap_empty(b: *mut lws_system_blob) {
    entry!({
        need!(b);
        // SAFETY: a blob handle.
        unsafe { *blob(b) = Blob::Heap(Vec::new()) };
    })
}

/// Appends a copy of `len` bytes from `buf` to the blob `b`.
/// Returns 0, or -1 when `len` is 0, an argument is NULL, or the blob was set with
/// lws_system_blob_direct_set (lws asserts there; we log and refuse).
#[no_mangle]
pub unsafe extern "C" fn lws_system_blob_heap_append(
    b: *mut lws_system_blob,
    buf: *const u8,
    len: usize,
) -> c_int {
    entry!({
        need!(b);
        need!(buf);
        if len == 0 {
            lwsl_err!("lws_system_blob_heap_append: empty piece");
            return -1;
        }
        // SAFETY: buf holds len bytes (lws's contract).
        let data = unsafe { core::slice::from_raw_parts(buf, len) };
        // SAFETY: a blob handle.
        if unsafe { blob(b) }.append(data) {
            0
        } else {
            lwsl_err!("lws_system_blob_heap_append: the blob is direct");
            -1
        }
    })
}

/// Returns the number of bytes the blob holds (0 for NULL or an empty blob).
#[no_mangle]
pub unsafe extern "C" fn lws_system_blob_get_size(b: *mut lws_system_blob) -> usize {
    entry!({
        need!(b);
        // SAFETY: a blob handle.
        unsafe { blob(b) }.size()
    })
}

/// Copies the blob's bytes from offset `ofs` into `buf`, at most `*len` of them, and sets
/// `*len` to the count copied.
/// Returns 0 on success, 1 when `ofs` is at or past the end of a direct blob (`*len` is then
/// 0), -1 on a NULL argument.
#[no_mangle]
pub unsafe extern "C" fn lws_system_blob_get(
    b: *mut lws_system_blob,
    buf: *mut u8,
    len: *mut usize,
    ofs: usize,
) -> c_int {
    entry!({
        need!(b);
        need!(len);
        // SAFETY: len points to the caller's size_t.
        let want = unsafe { *len };
        if want != 0 {
            need!(buf);
        }
        let out: &mut [u8] = if want == 0 {
            &mut []
        } else {
            // SAFETY: buf has room for *len bytes (lws's contract).
            unsafe { core::slice::from_raw_parts_mut(buf, want) }
        };
        // SAFETY: a blob handle; a direct blob's memory is the caller's to keep valid.
        match unsafe { blob(b).get(out, ofs) } {
            Some(n) => {
                // SAFETY: as above.
                unsafe { *len = n };
                0
            }
            None => {
                // SAFETY: as above.
                unsafe { *len = 0 };
                1
            }
        }
    })
}

/// Stores in `*ptr` a pointer to the blob's bytes when they are in one piece (a direct blob,
/// or a heap blob built from a single append).
/// Returns 0, or -1 when the bytes are in several pieces or an argument is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_system_blob_get_single_ptr(
    b: *mut lws_system_blob,
    ptr: *mut *const u8,
) -> c_int {
    entry!({
        need!(b);
        need!(ptr);
        // SAFETY: a blob handle.
        match unsafe { blob(b) }.single_ptr() {
            Some(p) => {
                // SAFETY: ptr points to the caller's pointer variable.
                unsafe { *ptr = p };
                0
            }
            None => -1,
        }
    })
}

/// Frees the copies a heap blob holds and leaves it empty; a direct blob is left as it is
/// (its memory is the caller's). NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn lws_system_blob_destroy(b: *mut lws_system_blob) {
    entry!({
        if b.is_null() {
            return;
        }
        // SAFETY: a blob handle. A direct blob's memory is the caller's (lws leaves it).
        let bl = unsafe { blob(b) };
        if !matches!(bl, Blob::Direct(..)) {
            *bl = Blob::Empty;
        }
    })
}

/// Returns the context's system state manager (the one driving the context from
/// `LWS_SYSTATE_CONTEXT_CREATED` to `LWS_SYSTATE_OPERATIONAL`), or NULL for a NULL context.
/// We step it to OPERATIONAL on the first service turn; lws does it from a timer set at
/// creation: the order the notifiers see is the same.
#[no_mangle]
pub unsafe extern "C" fn lws_system_get_state_manager(
    context: *mut lws_context,
) -> *mut lws_state_manager {
    entry!({
        need!(context);
        // SAFETY: a live context; the manager is boxed for the context's life.
        unsafe { &mut *(*(*context).inner.get()).system.mgr as *mut StateManager as *mut _ }
    })
}

/// Returns the context a state manager belongs to (its `context` member), NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_system_context_from_system_mgr(
    mgr: *mut lws_state_manager,
) -> *mut lws_context {
    entry!({
        need!(mgr);
        // SAFETY: a live lws_state_manager_t (lws's layout).
        unsafe { (*(mgr as *mut StateManager)).context }
    })
}

/// Adds `notify_link` to the manager's notifiers; its callback is asked about every
/// transition from then on (the newest registered is asked first, as in lws). The link must
/// stay valid until deregistered.
#[no_mangle]
pub unsafe extern "C" fn lws_state_reg_notifier(
    mgr: *mut lws_state_manager,
    notify_link: *mut crate::abi::lws_state_notify_link_t,
) {
    entry!({
        need!(mgr);
        need!(notify_link);
        // SAFETY: live structs in lws's layout (lws's contract).
        unsafe { system::reg_notifier(mgr as *mut StateManager, notify_link as *mut NotifyLink) }
    })
}

/// Registers each link of the NULL-terminated array `notify_link_array` in turn, as
/// lws_state_reg_notifier; a NULL array does nothing.
#[no_mangle]
pub unsafe extern "C" fn lws_state_reg_notifier_list(
    mgr: *mut lws_state_manager,
    notify_link_array: *const *mut crate::abi::lws_state_notify_link_t,
) {
    entry!({
        need!(mgr);
        // SAFETY: NULL or a NULL-terminated array of live links (lws's contract).
        unsafe {
            system::reg_notifier_list(
                mgr as *mut StateManager,
                notify_link_array as *const *mut NotifyLink,
            )
        }
    })
}

/// Removes the notifier link `nl` from its manager's list; a link on no list is left alone.
#[no_mangle]
pub unsafe extern "C" fn lws_state_reg_deregister(nl: *mut crate::abi::lws_state_notify_link_t) {
    entry!({
        need!(nl);
        // SAFETY: a live link (lws's contract).
        unsafe { system::deregister(nl as *mut NotifyLink) }
    })
}

/// Moves the manager straight to state `target` unless it is already there. Every notifier is
/// first asked about the change and any may refuse it (the state then stays); after a change
/// they are told again with both states equal, and the manager's smd class, if set, gets a
/// message naming the new state.
/// Returns 0 (lws too returns 0 whether or not a notifier refused).
#[no_mangle]
pub unsafe extern "C" fn lws_state_transition(mgr: *mut lws_state_manager, target: c_int) -> c_int {
    entry!(fail = 0, {
        need!(mgr);
        // SAFETY: a live manager in lws's layout.
        unsafe { system::transition_to(mgr as *mut StateManager, target) };
        0
    })
}

/// Moves the manager one state at a time up to `target` (never backwards), asking the
/// notifiers at each step as lws_state_transition does and stopping at the first step one
/// refuses. Returns 0.
#[no_mangle]
pub unsafe extern "C" fn lws_state_transition_steps(
    mgr: *mut lws_state_manager,
    target: c_int,
) -> c_int {
    entry!(fail = 0, {
        need!(mgr);
        // SAFETY: a live manager in lws's layout.
        unsafe { system::transition_steps(mgr as *mut StateManager, target) };
        0
    })
}
