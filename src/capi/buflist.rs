//! lws-misc.h's `lws_buflist_*`: a FIFO of copied segments the program holds as a
//! `struct lws_buflist *head` (NULL when empty).  The logic is in `crate::buflist`.
#![allow(non_camel_case_types)]
use crate::buflist::{self, Buflist};
use core::ffi::{c_char, c_int};
use core::ptr;

/// Opaque to C: a program's `struct lws_buflist *` points at a `Buflist`.
pub struct lws_buflist {
    _opaque: [u8; 0],
}

// `Option<Box<Buflist>>` is a nullable pointer, the same thing as the C head, so the
// logic works on the program's own head variable.
type Head = Option<Box<Buflist>>;

/// # Safety
/// `head` is a valid `struct lws_buflist **` whose target is NULL or came from us.
unsafe fn head<'a>(head: *mut *mut lws_buflist) -> &'a mut Head {
    // SAFETY: the heads we hand out are Box<Buflist> pointers, and Option<Box<_>> has
    // the layout of a nullable pointer (guaranteed niche).
    unsafe { &mut *(head as *mut Head) }
}

/// Appends a copy of `len` bytes at the tail: 1 when this made the first segment, 0 when
/// others were there already, -1 when out of memory (or for an empty or NULL buffer,
/// which lws only asserts against).
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_append_segment(
    head: *mut *mut lws_buflist,
    buf: *const u8,
    len: usize,
) -> c_int {
    entry!({
        need!(head);
        need!(buf);
        if len == 0 {
            lwsl_err!("lws_buflist_append_segment: zero length");
            return -1;
        }
        // SAFETY: head is a valid list head, buf has len readable bytes, per the caller.
        let (h, data) = unsafe { (self::head(head), core::slice::from_raw_parts(buf, len)) };
        match buflist::append(h, data) {
            Some(first) => first as c_int,
            None => {
                lwsl_err!("lws_buflist_append_segment: OOM");
                -1
            }
        }
    })
}

/// What is left of the first segment; `*buf` (if given) points at it, or is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_next_segment_len(
    head: *mut *mut lws_buflist,
    buf: *mut *mut u8,
) -> usize {
    entry!({
        if !buf.is_null() {
            // SAFETY: buf is a writable pointer slot, per the caller.
            unsafe { *buf = ptr::null_mut() };
        }
        need!(head);
        // SAFETY: head is a valid list head, per the caller.
        let Some((p, n)) = buflist::next_segment(unsafe { self::head(head) }) else {
            return 0;
        };
        if !buf.is_null() {
            // SAFETY: as above.
            unsafe { *buf = p };
        }
        n
    })
}

/// Marks `len` bytes of the first segment used; returns what is left of the first
/// segment after that (0 when the list has just emptied, and `*head` is NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_use_segment(head: *mut *mut lws_buflist, len: usize) -> usize {
    entry!({
        need!(head);
        // SAFETY: head is a valid list head, per the caller.
        let h = unsafe { self::head(head) };
        match buflist::next_segment(h) {
            None => {
                lwsl_err!("lws_buflist_use_segment: empty list");
                0
            }
            Some((_, n)) => {
                if len > n {
                    lwsl_err!("lws_buflist_use_segment: {} used of {} left", len, n);
                }
                buflist::use_segment(h, len)
            }
        }
    })
}

/// The sum of the segments' lengths (lws counts the used part of the first one too).
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_total_len(head: *mut *mut lws_buflist) -> usize {
    entry!({
        need!(head);
        // SAFETY: head is a valid list head, per the caller.
        buflist::total_len(unsafe { self::head(head) })
    })
}

/// Frees every segment and sets `*head` to NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_destroy_all_segments(head: *mut *mut lws_buflist) {
    entry!({
        need!(head);
        // SAFETY: head is a valid list head, per the caller.
        unsafe { *self::head(head) = None };
    })
}

/// # Safety
/// `buf` is NULL (then `len` is taken as 0) or has `len` writable bytes.
unsafe fn out<'a>(buf: *mut u8, len: usize) -> &'a mut [u8] {
    if buf.is_null() || len == 0 {
        &mut []
    } else {
        // SAFETY: per the caller.
        unsafe { core::slice::from_raw_parts_mut(buf, len) }
    }
}

/// Copies up to `len` bytes starting `ofs` bytes into the list (each segment counted from
/// its start), using nothing up; returns how many were copied.
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_linear_copy(
    head: *mut *mut lws_buflist,
    ofs: usize,
    buf: *mut u8,
    len: usize,
) -> c_int {
    entry!(fail = 0, {
        need!(head);
        // SAFETY: head is a valid list head, buf has len writable bytes, per the caller.
        let n = buflist::linear_copy(unsafe { self::head(head) }, ofs, unsafe { out(buf, len) });
        n as c_int
    })
}

/// Moves up to `len` bytes into `buf` across segments, using them up; returns the count.
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_linear_use(
    head: *mut *mut lws_buflist,
    buf: *mut u8,
    len: usize,
) -> c_int {
    entry!(fail = 0, {
        need!(head);
        // SAFETY: as for lws_buflist_linear_copy.
        buflist::linear_use(unsafe { self::head(head) }, unsafe { out(buf, len) }) as c_int
    })
}

/// Moves up to `len` bytes of the first segment only into `buf`; `*frag_first` /
/// `*frag_fin` (if given) say whether they began / ended that segment.
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_fragment_use(
    head: *mut *mut lws_buflist,
    buf: *mut u8,
    len: usize,
    frag_first: *mut c_char,
    frag_fin: *mut c_char,
) -> c_int {
    entry!(fail = 0, {
        need!(head);
        // SAFETY: head is a valid list head, per the caller.
        let h = unsafe { self::head(head) };
        if h.is_none() {
            return 0;
        }
        // SAFETY: buf has len writable bytes, per the caller.
        let (n, first, fin) = buflist::fragment_use(h, unsafe { out(buf, len) });
        // SAFETY: each is NULL or a writable char, per the caller.
        unsafe {
            if !frag_first.is_null() {
                *frag_first = first as c_char;
            }
            if !frag_fin.is_null() {
                *frag_fin = fin as c_char;
            }
        }
        n as c_int
    })
}
