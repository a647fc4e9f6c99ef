//! lws-ring.h: the C surface of the ring buffer in `crate::ring`.
//!
//! The ring is handed to C as a `Box` turned into a raw pointer; every function borrows it
//! shared (the ring's state is interior-mutable), so a destroy_element callback that calls
//! back into the same ring is fine.
use crate::ring::{lws_ring, RetireFn};
use core::ffi::{c_int, c_void};
use core::mem::MaybeUninit;
use core::ptr;

/// Borrows the ring behind a C handle.
///
/// # Safety
/// `ring` is non-NULL and came from `lws_ring_create` and has not been destroyed.
unsafe fn ring_ref<'a>(ring: *mut lws_ring) -> &'a lws_ring {
    // SAFETY: guaranteed by the caller (checked non-NULL at each entry point).
    unsafe { &*ring }
}

/// Reads an optional C tail: NULL means "the ring's own oldest tail".
///
/// # Safety
/// `tail` is NULL or points to a readable `uint32_t`.
unsafe fn read_tail(tail: *const u32) -> Option<u32> {
    // SAFETY: guaranteed by the caller.
    unsafe { tail.as_ref() }.copied()
}

#[no_mangle]
pub unsafe extern "C" fn lws_ring_create(
    element_len: usize,
    count: usize,
    destroy_element: Option<unsafe extern "C" fn(element: *mut c_void)>,
) -> *mut lws_ring {
    entry!({
        let retire = destroy_element.map(|f| -> RetireFn {
            Box::new(move |elem| {
                // SAFETY: `f` is the program's destroy_element; it gets a pointer to one
                // element inside the ring's buffer, valid for element_len bytes, as lws
                // passes it.
                unsafe { f(elem.as_ptr() as *mut c_void) }
            })
        });
        match lws_ring::new(element_len, count, retire) {
            Some(r) => Box::into_raw(Box::new(r)),
            None => ptr::null_mut(),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_ring_destroy(ring: *mut lws_ring) {
    entry!({
        need!(ring);
        // Retire the remaining elements while the ring is still intact and only shared
        // borrows exist: the callbacks may look at the ring.
        // SAFETY: a live ring from lws_ring_create (checked non-NULL above).
        unsafe { ring_ref(ring) }.retire_all();
        // SAFETY: the pointer came from Box::into_raw in lws_ring_create and the caller
        // gives it up here.
        drop(unsafe { Box::from_raw(ring) });
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_ring_get_count_free_elements(ring: *mut lws_ring) -> usize {
    entry!({
        need!(ring);
        // SAFETY: a live ring from lws_ring_create (checked non-NULL above).
        unsafe { ring_ref(ring) }.free_elements()
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_ring_get_count_waiting_elements(
    ring: *mut lws_ring,
    tail: *mut u32,
) -> usize {
    entry!({
        need!(ring);
        // SAFETY: a live ring; tail is NULL or the caller's uint32_t.
        let (r, t) = unsafe { (ring_ref(ring), read_tail(tail)) };
        r.waiting_elements(t)
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_ring_insert(
    ring: *mut lws_ring,
    src: *const c_void,
    max_count: usize,
) -> usize {
    entry!({
        need!(ring);
        // SAFETY: a live ring from lws_ring_create (checked non-NULL above).
        let r = unsafe { ring_ref(ring) };
        let n = r.insertable_bytes(max_count);
        if n == 0 {
            return 0;
        }
        need!(src);
        // SAFETY: src holds max_count elements (lws's contract); only the n bytes that
        // fit are read, n <= max_count * element_len.
        let src = unsafe { core::slice::from_raw_parts(src as *const u8, n) };
        r.insert(src)
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_ring_consume(
    ring: *mut lws_ring,
    tail: *mut u32,
    dest: *mut c_void,
    max_count: usize,
) -> usize {
    entry!({
        need!(ring);
        // SAFETY: a live ring; tail is NULL or the caller's uint32_t.
        let (r, t) = unsafe { (ring_ref(ring), read_tail(tail)) };
        let dest = if dest.is_null() {
            None
        } else {
            let n = r.consumable_bytes(t, max_count);
            // SAFETY: dest has room for max_count elements (lws's contract); the slice
            // covers only the n <= max_count * element_len bytes that will be written,
            // and MaybeUninit makes no claim about their current contents.
            Some(unsafe { core::slice::from_raw_parts_mut(dest as *mut MaybeUninit<u8>, n) })
        };
        let Some((new_tail, count)) = r.consume(t, dest, max_count) else {
            return 0;
        };
        if !tail.is_null() {
            // SAFETY: the caller's uint32_t (non-NULL), read above.
            unsafe { *tail = new_tail };
        }
        count
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_ring_get_element(
    ring: *mut lws_ring,
    tail: *mut u32,
) -> *const c_void {
    entry!({
        need!(ring);
        // SAFETY: a live ring; tail is NULL or the caller's uint32_t.
        let (r, t) = unsafe { (ring_ref(ring), read_tail(tail)) };
        match r.element(t) {
            Some(e) => e.as_ptr() as *const c_void,
            None => ptr::null(),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_ring_update_oldest_tail(ring: *mut lws_ring, tail: u32) {
    entry!({
        need!(ring);
        // SAFETY: a live ring from lws_ring_create (checked non-NULL above).
        unsafe { ring_ref(ring) }.update_oldest_tail(tail)
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_ring_get_oldest_tail(ring: *mut lws_ring) -> u32 {
    entry!({
        need!(ring);
        // SAFETY: a live ring from lws_ring_create (checked non-NULL above).
        unsafe { ring_ref(ring) }.oldest_tail()
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_ring_next_linear_insert_range(
    ring: *mut lws_ring,
    start: *mut *mut c_void,
    bytes: *mut usize,
) -> c_int {
    entry!(fail = 1, {
        need!(ring);
        need!(start);
        need!(bytes);
        // SAFETY: a live ring from lws_ring_create (checked non-NULL above).
        let Some(range) = (unsafe { ring_ref(ring) }).linear_insert_range() else {
            return 1;
        };
        // SAFETY: both out-pointers are the caller's (checked non-NULL above).  The range
        // is Cell<u8>s, so C may write through the pointer.
        unsafe {
            *start = range.as_ptr() as *mut c_void;
            *bytes = range.len();
        }
        0
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_ring_bump_head(ring: *mut lws_ring, bytes: usize) {
    entry!({
        need!(ring);
        // SAFETY: a live ring from lws_ring_create (checked non-NULL above).
        unsafe { ring_ref(ring) }.bump_head(bytes)
    })
}

#[no_mangle]
pub unsafe extern "C" fn lws_ring_dump(ring: *mut lws_ring, tail: *mut u32) {
    entry!({
        need!(ring);
        // SAFETY: a live ring; tail is NULL or the caller's uint32_t.
        let (r, t) = unsafe { (ring_ref(ring), read_tail(tail)) };
        r.dump(t)
    })
}
