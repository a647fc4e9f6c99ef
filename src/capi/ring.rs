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

/// Creates a ring of `count` elements of `element_len` bytes each. One element's worth of
/// space always stays free, so at most `count - 1` elements wait at once, as in lws.
/// `destroy_element`, if not NULL, is called on each element as the oldest tail moves past it
/// and on every element still waiting when the ring is destroyed.
/// Returns the ring, or NULL when either size is 0 or the buffer would not fit lws's 32-bit
/// offsets.
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

/// Retires every element still waiting (destroy_element sees each) and frees the ring. The
/// callback may still read the ring while this runs. NULL is logged and ignored.
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

/// Returns how many more elements can be inserted before the head would reach the oldest
/// tail (as in lws, a ring of 1-byte elements reports 0 with one byte free), or 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_get_count_free_elements(ring: *mut lws_ring) -> usize {
    entry!({
        need!(ring);
        // SAFETY: a live ring from lws_ring_create (checked non-NULL above).
        unsafe { ring_ref(ring) }.free_elements()
    })
}

/// Returns how many elements the consumer at `*tail` has not consumed yet; a NULL `tail`
/// means the ring's own oldest tail. 0 for a NULL ring.
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

/// Copies up to `max_count` elements from `src` into the ring, stopping when it is full: the
/// ring never overwrites what the oldest tail has not passed.
/// Returns the number of whole elements inserted (0 when full or on a NULL argument).
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

/// Takes up to `max_count` elements for the consumer at `*tail` (NULL: the ring's oldest tail)
/// and copies them to `dest` unless `dest` is NULL (then they are just skipped). With a
/// `tail`, `*tail` is advanced and the oldest tail is left for the caller to move with
/// lws_ring_update_oldest_tail; without one the oldest tail moves and retires what it passed.
/// Returns the number of elements consumed, 0 when none wait or on a NULL ring.
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

/// Returns a pointer to the element the consumer at `*tail` (NULL: the oldest tail) would
/// consume next, inside the ring's buffer, so it can be used without copying; NULL when
/// nothing waits or the ring is NULL. The pointer is valid until that element is retired.
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

/// Moves the oldest tail to `tail` (normally the slowest consumer's tail), calling
/// destroy_element on each element it passes. `tail` must be reachable by whole elements
/// without passing the head; lws does not check this, we refuse a tail that is not, logging
/// it, instead of retiring memory that holds no element.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_update_oldest_tail(ring: *mut lws_ring, tail: u32) {
    entry!({
        need!(ring);
        // SAFETY: a live ring from lws_ring_create (checked non-NULL above).
        unsafe { ring_ref(ring) }.update_oldest_tail(tail)
    })
}

/// Returns the oldest tail's byte offset, the value a new consumer starts its tail at (0 for
/// a NULL ring).
#[no_mangle]
pub unsafe extern "C" fn lws_ring_get_oldest_tail(ring: *mut lws_ring) -> u32 {
    entry!({
        need!(ring);
        // SAFETY: a live ring from lws_ring_create (checked non-NULL above).
        unsafe { ring_ref(ring) }.oldest_tail()
    })
}

/// For writing into the ring in place (e.g. straight from read()): stores in `*start` and
/// `*bytes` the free span from the head up to where it wraps or meets the oldest tail.
/// Follow with lws_ring_bump_head for what was written.
/// Returns 0 on success, 1 when the ring is full or an argument is NULL.
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

/// Advances the head over `bytes` written in place after lws_ring_next_linear_insert_range.
/// lws trusts `bytes`; we clip it to the free space so the head cannot overrun the oldest
/// tail. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_bump_head(ring: *mut lws_ring, bytes: usize) {
    entry!({
        need!(ring);
        // SAFETY: a live ring from lws_ring_create (checked non-NULL above).
        unsafe { ring_ref(ring) }.bump_head(bytes)
    })
}

/// Logs the ring's head, oldest tail, sizes and the position of `*tail` (NULL: the oldest)
/// at notice level, for debugging.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_dump(ring: *mut lws_ring, tail: *mut u32) {
    entry!({
        need!(ring);
        // SAFETY: a live ring; tail is NULL or the caller's uint32_t.
        let (r, t) = unsafe { (ring_ref(ring), read_tail(tail)) };
        r.dump(t)
    })
}
