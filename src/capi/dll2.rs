//! lws-dll2.h: lws's intrusive doubly linked list with an owner (head, tail, count).
//!
//! The list lives entirely in the program's memory: `struct lws_dll2` members embedded in
//! its objects, `struct lws_dll2_owner` wherever it keeps one.  These functions only
//! rewire the pointers, exactly as lws does, so lists built by our callers and by C code
//! (the `lws_start_foreach_dll*` macros, `lws_dll2_get_head()`...) stay interchangeable.
//! Where lws asserts (adding an element that is still on a list), a release build of lws
//! silently does nothing; we do nothing too, but say so in the log.
use crate::abi::{lws_dll2, lws_dll2_foreach_cb_t, lws_dll2_owner};
use core::ffi::{c_char, c_int, c_void};
use core::ptr;

/// lws's detached test: no owner.  An element with no owner but a neighbour is corrupt
/// (lws asserts in debug builds); it still counts as detached, as in lws's release build.
///
/// # Safety
/// `d` points to a readable `lws_dll2`.
unsafe fn detached(d: *const lws_dll2) -> bool {
    // SAFETY: guaranteed by the caller.
    let e = unsafe { &*d };
    if !e.owner.is_null() {
        return false;
    }
    if !e.next.is_null() || !e.prev.is_null() {
        lwsl_err!("lws_dll2_is_detached: dll2 has no owner but has neighbours (corrupt list)");
    }
    true
}

/// Returns 1 when `d` is on no list (no owner), 0 when it is on one. An element with no owner
/// but with neighbours is reported (logged) as a corrupt list. 1 for a NULL `d`.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_is_detached(d: *const lws_dll2) -> c_int {
    entry!(fail = 1, {
        need!(d);
        // SAFETY: non-NULL, and the caller's lws_dll2.
        unsafe { detached(d) as c_int }
    })
}

/// # Safety
/// `d` is a detached element and `owner` a valid owner whose members are valid.
unsafe fn add_head(d: *mut lws_dll2, owner: *mut lws_dll2_owner) {
    // SAFETY: the caller guarantees both point to valid list structures; d is not yet
    // linked, so no other element refers to it while we rewire.
    unsafe {
        // lws only links the old head in when it is not d itself (a detached d never is).
        if (*owner).head != d {
            (*d).next = (*owner).head;
        }
        if !(*d).next.is_null() {
            (*(*d).next).prev = d;
        }
        (*d).prev = ptr::null_mut();
        (*owner).head = d;
        if (*owner).tail.is_null() {
            (*owner).tail = d;
        }
        (*d).owner = owner;
        (*owner).count = (*owner).count.wrapping_add(1);
    }
}

/// # Safety
/// `d` is a detached element and `owner` a valid owner whose members are valid.
unsafe fn add_tail(d: *mut lws_dll2, owner: *mut lws_dll2_owner) {
    // SAFETY: as add_head.
    unsafe {
        (*d).prev = (*owner).tail;
        if !(*d).prev.is_null() {
            (*(*d).prev).next = d;
        }
        (*d).next = ptr::null_mut();
        (*owner).tail = d;
        if (*owner).head.is_null() {
            (*owner).head = d;
        }
        (*d).owner = owner;
        (*owner).count = (*owner).count.wrapping_add(1);
    }
}

/// Links `d` into `after`'s list just before it (`after` may be the head).
///
/// # Safety
/// `d` is detached, `after` is on a valid list.
unsafe fn add_before(d: *mut lws_dll2, after: *mut lws_dll2) {
    // SAFETY: guaranteed by the caller; `after->owner` is its valid owner.
    unsafe {
        let owner = (*after).owner;
        (*d).owner = owner;
        (*d).next = after;
        (*d).prev = (*after).prev;
        if (*after).prev.is_null() {
            (*owner).head = d;
        } else {
            (*(*after).prev).next = d;
        }
        (*after).prev = d;
        (*owner).count = (*owner).count.wrapping_add(1);
    }
}

/// Puts the detached element `d` first on `owner`'s list and counts it. lws corrupts both
/// lists when `d` is already on one; we log an error and leave everything unchanged.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_add_head(d: *mut lws_dll2, owner: *mut lws_dll2_owner) {
    entry!({
        need!(d);
        need!(owner);
        // SAFETY: non-NULL; the caller's element and owner.
        if !unsafe { detached(d) } {
            lwsl_err!("lws_dll2_add_head: element is already on a list");
            return;
        }
        // SAFETY: d is detached, owner valid (caller's contract).
        unsafe { add_head(d, owner) }
    })
}

/// Puts the detached element `d` last on `owner`'s list and counts it. An element already on
/// a list is refused with an error log (lws would corrupt the lists).
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_add_tail(d: *mut lws_dll2, owner: *mut lws_dll2_owner) {
    entry!({
        need!(d);
        need!(owner);
        // SAFETY: non-NULL; the caller's element and owner.
        if !unsafe { detached(d) } {
            lwsl_err!("lws_dll2_add_tail: element is already on a list");
            return;
        }
        // SAFETY: d is detached, owner valid (caller's contract).
        unsafe { add_tail(d, owner) }
    })
}

/// Inserts the detached element `d` just before `after`, on `after`'s list. Refused with an
/// error log when `d` is already on a list or `after` is on none.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_add_before(d: *mut lws_dll2, after: *mut lws_dll2) {
    entry!({
        need!(d);
        need!(after);
        // SAFETY: non-NULL; the caller's elements.
        if !unsafe { detached(d) } {
            lwsl_err!("lws_dll2_add_before: element is already on a list");
            return;
        }
        // SAFETY: as above.
        if unsafe { detached(after) } {
            lwsl_err!("lws_dll2_add_before: cannot add before a detached element");
            return;
        }
        // SAFETY: d detached, after on a list (checked).
        unsafe { add_before(d, after) }
    })
}

/// Takes `d` off its list (fixing the owner's head, tail and count) and leaves it detached.
/// A detached element is left alone, so removing twice is harmless, as in lws.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_remove(d: *mut lws_dll2) {
    entry!({
        need!(d);
        // SAFETY: non-NULL; the caller's element.
        if unsafe { detached(d) } {
            return;
        }
        // SAFETY: d is on the list of its valid owner; its neighbours are members of it.
        unsafe {
            let owner = (*d).owner;
            if !(*d).next.is_null() {
                (*(*d).next).prev = (*d).prev;
            }
            if !(*d).prev.is_null() {
                (*(*d).prev).next = (*d).next;
            }
            if (*owner).tail == d {
                (*owner).tail = (*d).prev;
            }
            if (*owner).head == d {
                (*owner).head = (*d).next;
            }
            (*owner).count = (*owner).count.wrapping_sub(1);
            (*d).owner = ptr::null_mut();
            (*d).prev = ptr::null_mut();
            (*d).next = ptr::null_mut();
        }
    })
}

/// Marks `d` detached (no owner, no neighbours) without touching any list: for initialising
/// an element, not for removing one.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_clear(d: *mut lws_dll2) {
    entry!({
        need!(d);
        // SAFETY: non-NULL; the caller's element.  Only its own pointers are reset (the
        // list it may be on is left as is, as in lws).
        unsafe {
            (*d).owner = ptr::null_mut();
            (*d).prev = ptr::null_mut();
            (*d).next = ptr::null_mut();
        }
    })
}

/// Empties the list head `d` (no head, no tail, count 0) without touching the elements: for
/// initialising an owner.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_owner_clear(d: *mut lws_dll2_owner) {
    entry!({
        need!(d);
        // SAFETY: non-NULL; the caller's owner.  The members keep their pointers, as in
        // lws: this is for initialising an owner, not for emptying a list.
        unsafe {
            (*d).head = ptr::null_mut();
            (*d).tail = ptr::null_mut();
            (*d).count = 0;
        }
    })
}

/// Calls `cb(element, user)` on each element of `owner`'s list, head first. The next element
/// is read before the call, so `cb` may remove (or free) the element it is given.
/// Returns 0 when every call returned 0, or 1 as soon as one returned non-zero (the walk stops
/// there); 1 too for a NULL owner or cb.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_foreach_safe(
    owner: *mut lws_dll2_owner,
    user: *mut c_void,
    cb: lws_dll2_foreach_cb_t,
) -> c_int {
    entry!(fail = 1, {
        need!(owner);
        let Some(cb) = cb else {
            lwsl_err!("lws_dll2_foreach_safe: NULL cb");
            return 1;
        };
        // SAFETY: owner is valid (caller's contract).
        let mut p = unsafe { (*owner).head };
        while !p.is_null() {
            // Read the next element first: the visitor may unlink or free the current one.
            // SAFETY: p is a member of the caller's list.
            let next = unsafe { (*p).next };
            // SAFETY: the caller's visitor, called with a list member and its user pointer.
            if unsafe { cb(p, user) } != 0 {
                return 1;
            }
            p = next;
        }
        0
    })
}

/// Inserts `d` before the first member `p` for which `goes_after(p)` (lws's
/// `compare(p, d) >= 0`), else at the tail: equal keys go before the members already there.
///
/// # Safety
/// `d` is detached and `own` a valid owner.
unsafe fn add_sorted_by(
    d: *mut lws_dll2,
    own: *mut lws_dll2_owner,
    mut goes_after: impl FnMut(*mut lws_dll2) -> bool,
) {
    // SAFETY: own is valid (caller's contract).
    let mut p = unsafe { (*own).head };
    while !p.is_null() {
        // SAFETY: p is a member of own's list.
        let next = unsafe { (*p).next };
        if p == d {
            lwsl_err!("lws_dll2_add_sorted: element is already on this list");
            return;
        }
        if goes_after(p) {
            // SAFETY: d is detached, p on own's list.
            unsafe { add_before(d, p) };
            return;
        }
        p = next;
    }
    // SAFETY: d is detached, own valid.
    unsafe { add_tail(d, own) }
}

/// Inserts the detached `d` into `own`'s list before the first element `i` for which
/// `compare(i, d)` is >= 0, or at the tail, keeping a list sorted by `compare`. Refused with an
/// error log when `d` is already on a list or `compare` is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_add_sorted(
    d: *mut lws_dll2,
    own: *mut lws_dll2_owner,
    compare: Option<unsafe extern "C" fn(d: *const lws_dll2, i: *const lws_dll2) -> c_int>,
) {
    entry!({
        need!(d);
        need!(own);
        let Some(compare) = compare else {
            lwsl_err!("lws_dll2_add_sorted: NULL compare");
            return;
        };
        // SAFETY: non-NULL; the caller's element.
        if !unsafe { detached(d) } {
            lwsl_err!("lws_dll2_add_sorted: element is already on a list");
            return;
        }
        // SAFETY: d detached, own valid; compare gets (list member, new element) as in lws.
        unsafe { add_sorted_by(d, own, |p| compare(p, d) >= 0) }
    })
}

/// As lws_dll2_add_sorted, with a `priv_` pointer passed through to `compare3` as its first
/// argument.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_add_sorted_priv(
    d: *mut lws_dll2,
    own: *mut lws_dll2_owner,
    priv_: *mut c_void,
    compare3: Option<
        unsafe extern "C" fn(priv_: *mut c_void, d: *const lws_dll2, i: *const lws_dll2) -> c_int,
    >,
) {
    entry!({
        need!(d);
        need!(own);
        let Some(compare3) = compare3 else {
            lwsl_err!("lws_dll2_add_sorted_priv: NULL compare3");
            return;
        };
        // SAFETY: non-NULL; the caller's element.
        if !unsafe { detached(d) } {
            lwsl_err!("lws_dll2_add_sorted_priv: element is already on a list");
            return;
        }
        // SAFETY: d detached, own valid; compare3 gets (priv, list member, new element).
        unsafe { add_sorted_by(d, own, |p| compare3(priv_, p, d) >= 0) }
    })
}

/// Behind the `lws_dll2_search_sz_pl()` macro: the first object on `own`'s list whose
/// `const char *` member (at `ptr_ofs` in the object holding the list member at
/// `dll2_ofs`) is exactly the `namelen` bytes at `name`.
#[no_mangle]
pub unsafe extern "C" fn _lws_dll2_search_sz_pl(
    own: *mut lws_dll2_owner,
    name: *const c_char,
    namelen: usize,
    dll2_ofs: usize,
    ptr_ofs: usize,
) -> *mut c_void {
    entry!({
        need!(own);
        need!(name);
        // SAFETY: own is valid (caller's contract).
        let mut p = unsafe { (*own).head };
        while !p.is_null() {
            // SAFETY: the macro computed the offsets from the object type that embeds p,
            // so ref_ is that object and ref_ + ptr_ofs its `const char *` member.
            let (obj, s) = unsafe {
                let obj = (p as *mut u8).wrapping_sub(dll2_ofs);
                (
                    obj,
                    ptr::read_unaligned(obj.add(ptr_ofs) as *const *const c_char),
                )
            };
            // SAFETY: s is NULL or the object's NUL-terminated string; name has namelen
            // bytes, read only while they match s (so never past a shorter name's NUL).
            if !s.is_null() && unsafe { same_name(s, name, namelen) } {
                return obj as *mut c_void;
            }
            // SAFETY: p is a member of own's list.
            p = unsafe { (*p).next };
        }
        ptr::null_mut()
    })
}

/// lws's `!strncmp(s, name, namelen) && !s[namelen]`, without reading past either NUL.
///
/// # Safety
/// `s` is NUL-terminated; `name` is readable up to `namelen` bytes or its NUL.
unsafe fn same_name(s: *const c_char, name: *const c_char, namelen: usize) -> bool {
    for i in 0..namelen {
        // SAFETY: s[i] is reached only while s[..i] held no NUL; name[i] likewise, since
        // a NUL in name would not have matched s's non-NUL byte.
        let (a, b) = unsafe { (*s.add(i), *name.add(i)) };
        if a != b || a == 0 {
            return false;
        }
    }
    // SAFETY: s[..namelen] held no NUL, so s[namelen] is within s.
    unsafe { *s.add(namelen) == 0 }
}
