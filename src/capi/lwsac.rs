//! lws-lwsac.h: the chunk allocator ("lwsac"), `lws_list_ptr_insert` and the cached-file
//! helpers built on it.
//!
//! The memory belongs to C programs, which keep pointers into it until `lwsac_free`, walk
//! the chunks (`lwsac_get_next`, `lwsac_get_tail_pos`, `lwsac_sizeof`) and find a cached
//! file's lwsac from its contents, so the layout is lws's: every chunk is one `calloc`
//! starting with a [`Chunk`] header; the first chunk (the one `*head` points to) has the
//! [`Head`] bookkeeping right after it; allocations follow, each rounded up to pointer
//! size.  `struct lwsac *` in C is a `*mut Chunk` here.
//!
//! Differences from lws, all where lws would crash or corrupt memory: NULL arguments log
//! and return the failure value; a size whose rounding overflows fails; the alignment
//! padding of an allocation that exactly fills a chunk of unaligned size is not zeroed
//! past the chunk's end; `lwsac_scan_extant` with `len` 0 finds nothing.
use crate::abi::{lws_list_ptr, lws_list_ptr_sort_func_t, lwsac, lwsac_cached_file_t};
use core::ffi::{c_char, c_int};
use core::mem::size_of;
use core::ptr;

/// lws's default chunk payload: under a page with the overhead.
const LWSAC_CHUNK_SIZE: usize = 4000;

/// The header at the start of every chunk (lws's `struct lwsac`).
#[repr(C)]
struct Chunk {
    next: *mut Chunk,
    /// The first chunk, whose [`Head`] follows its header.
    head: *mut Chunk,
    /// Bytes of the whole malloc, header included.
    alloc_size: usize,
    /// Next free byte, from the chunk's start.
    ofs: usize,
}

/// Follows the first chunk's header (lws's `struct lwsac_head`).
#[repr(C)]
struct Head {
    /// The chunk new allocations come from.
    curr: *mut Chunk,
    total_alloc_size: usize,
    refcount: c_int,
    total_blocks: c_int,
    /// Free the chunks when the reference count gets to zero.
    detached: c_char,
}

/// lwsac_cached_file's record between the first chunk's [`Head`] and the contents.
#[repr(C)]
struct CachedFileInfo {
    s: libc::stat,
    last_confirm: libc::time_t,
}

/// The bookkeeping of the lwsac whose first chunk is `first`.
///
/// # Safety
/// `first` must be the first chunk of a live lwsac.
unsafe fn head_of(first: *mut Chunk) -> *mut Head {
    // SAFETY: the first chunk's malloc holds a Head right after the Chunk header.
    unsafe { first.add(1).cast::<Head>() }
}

/// Rounds up to pointer size, as lws does (wrapping like C's size_t).
fn align(length: usize) -> usize {
    let a = size_of::<*const c_int>();
    if length & (a - 1) != 0 {
        length.wrapping_add(a - (length & (a - 1)))
    } else {
        length
    }
}

/// Space `ensure` bytes from the lwsac at `*head` (creating it when `*head` is NULL).
///
/// # Safety
/// `head` must be valid; `*head` NULL or the first chunk of a live lwsac.
unsafe fn use_mem(
    head: *mut *mut lwsac,
    ensure: usize,
    chunk_size: usize,
    backfill: bool,
) -> *mut u8 {
    // SAFETY: the caller's contract.
    let first = unsafe { *head }.cast::<Chunk>();
    if ensure > usize::MAX / 2 {
        lwsl_err!("lwsac_use: OOM trying to alloc {}", ensure);
        return ptr::null_mut();
    }
    let al = align(ensure);
    let mut found: *mut Chunk = ptr::null_mut();
    if backfill {
        // The first chunk from the start with room for it.
        let mut bf = first;
        while !bf.is_null() {
            // SAFETY: a chunk of the list, alive until lwsac_free.
            let c = unsafe { &*bf };
            if c.alloc_size - c.ofs >= ensure {
                found = bf;
                break;
            }
            bf = c.next;
        }
    } else if !first.is_null() {
        // SAFETY: `first` is the first chunk of a live lwsac.
        let curr = unsafe { (*head_of(first)).curr };
        // SAFETY: `curr`, when set, is one of its chunks.
        if !curr.is_null() && unsafe { (*curr).alloc_size - (*curr).ofs } >= ensure {
            found = curr;
        }
    }
    if found.is_null() {
        let hp = size_of::<Chunk>()
            + if first.is_null() {
                size_of::<Head>()
            } else {
                0
            };
        let payload = if chunk_size == 0 {
            LWSAC_CHUNK_SIZE
        } else {
            chunk_size
        };
        let Some(mut alloc) = payload.checked_add(hp) else {
            lwsl_err!("lwsac_use: OOM trying to alloc {}", payload);
            return ptr::null_mut();
        };
        if al >= alloc - hp {
            // Bigger than a chunk: a chunk just for it.
            alloc = al + hp;
        }
        lwsl_debug!("lwsac_use: alloc {} for {}", alloc, ensure);
        // Zeroed, so that every byte of a chunk is initialised: the Head's padding and
        // allocations C never wrote are read by lwsac_scan_extant.
        // SAFETY: plain calloc; checked for NULL below.
        let bf = unsafe { libc::calloc(1, alloc) }.cast::<Chunk>();
        if bf.is_null() {
            lwsl_err!("lwsac_use: OOM trying to alloc {}", alloc);
            return ptr::null_mut();
        }
        let new_first = if first.is_null() { bf } else { first };
        // SAFETY: `bf` is a fresh allocation of at least `hp` bytes, suitably aligned;
        // for a new first chunk the Head after the header is already all zeros (no
        // current chunk, nothing counted); `head` is valid (caller).
        unsafe {
            bf.write(Chunk {
                next: ptr::null_mut(),
                head: new_first,
                alloc_size: alloc,
                ofs: hp,
            });
            if first.is_null() {
                *head = bf.cast();
            }
        }
        // SAFETY: `new_first` is the first chunk of the lwsac; its `curr`, when set, is
        // a live chunk.
        unsafe {
            let h = &mut *head_of(new_first);
            if !h.curr.is_null() {
                (*h.curr).next = bf;
            }
            h.curr = bf;
            h.total_alloc_size += alloc;
            h.total_blocks += 1;
        }
        found = bf;
    }
    // SAFETY: `found` is a live chunk of `alloc_size` bytes with ofs <= alloc_size and
    // at least `ensure` bytes free; the padding zeroed stays inside the chunk.
    unsafe {
        let c = &mut *found;
        let ofs = c.ofs;
        let base = found.cast::<u8>();
        if al > ensure {
            let pad_end = (ofs + al).min(c.alloc_size);
            ptr::write_bytes(base.add(ofs + ensure), 0, pad_end - (ofs + ensure));
        }
        c.ofs = (ofs + al).min(c.alloc_size);
        base.add(ofs)
    }
}

/// Frees every chunk of the lwsac at `*head` and sets `*head` to NULL.
///
/// # Safety
/// `head` valid; `*head` NULL or the first chunk of a live lwsac.
unsafe fn free_all(head: *mut *mut lwsac) {
    // SAFETY: the caller's contract.
    let mut it = unsafe { *head }.cast::<Chunk>();
    // SAFETY: as above.
    unsafe { *head = ptr::null_mut() };
    while !it.is_null() {
        // SAFETY: a chunk of the list, malloc'd by use_mem; read before it is freed.
        let next = unsafe { (*it).next };
        // SAFETY: as above; freed once.
        unsafe { libc::free(it.cast()) };
        it = next;
    }
}

/// Returns `ensure` bytes from the lwsac at `*head`, making it (`*head` NULL) or adding a
/// chunk of `chunk_size` (0: lws's 4000) payload bytes when the current chunk is full.
/// Valid until `lwsac_free(head)`; NULL on OOM.
#[no_mangle]
pub unsafe extern "C" fn lwsac_use(
    head: *mut *mut lwsac,
    ensure: usize,
    chunk_size: usize,
) -> *mut core::ffi::c_void {
    entry!({
        need!(head);
        // SAFETY: non-NULL; C passes its lwsac head.
        unsafe { use_mem(head, ensure, chunk_size, false) }.cast()
    })
}

/// Like `lwsac_use`, but first looks for room in every chunk from the first.
#[no_mangle]
pub unsafe extern "C" fn lwsac_use_backfill(
    head: *mut *mut lwsac,
    ensure: usize,
    chunk_size: usize,
) -> *mut core::ffi::c_void {
    entry!({
        need!(head);
        // SAFETY: non-NULL; C passes its lwsac head.
        unsafe { use_mem(head, ensure, chunk_size, true) }.cast()
    })
}

/// Like `lwsac_use`, with the `ensure` bytes zeroed.
#[no_mangle]
pub unsafe extern "C" fn lwsac_use_zero(
    head: *mut *mut lwsac,
    ensure: usize,
    chunk_size: usize,
) -> *mut core::ffi::c_void {
    entry!({
        need!(head);
        // SAFETY: non-NULL; C passes its lwsac head.
        let p = unsafe { use_mem(head, ensure, chunk_size, false) };
        if !p.is_null() {
            // SAFETY: `p` has `ensure` bytes in its chunk.
            unsafe { ptr::write_bytes(p, 0, ensure) };
        }
        p.cast()
    })
}

/// Frees the whole lwsac (whatever its reference count) and sets `*head` to NULL.
#[no_mangle]
pub unsafe extern "C" fn lwsac_free(head: *mut *mut lwsac) {
    entry!({
        need!(head);
        // SAFETY: non-NULL; C passes its lwsac head.
        unsafe { free_all(head) }
    })
}

/// Marks the lwsac as detached: freed now if nobody holds a reference, else when the
/// last `lwsac_unreference` lets go.
#[no_mangle]
pub unsafe extern "C" fn lwsac_detach(head: *mut *mut lwsac) {
    entry!({
        need!(head);
        // SAFETY: non-NULL; C passes its lwsac head.
        let first = unsafe { *head }.cast::<Chunk>();
        if first.is_null() {
            return;
        }
        // SAFETY: the first chunk of a live lwsac.
        let h = unsafe { &mut *head_of(first) };
        h.detached = 1;
        if h.refcount == 0 {
            lwsl_debug!("lwsac_detach: FREED");
            // SAFETY: as above.
            unsafe { free_all(head) };
        } else {
            lwsl_debug!("lwsac_detach: refcount {}: marked as detached", h.refcount);
        }
    })
}

/// Takes a reference on the lwsac.
#[no_mangle]
pub unsafe extern "C" fn lwsac_reference(head: *mut lwsac) {
    entry!({
        need!(head);
        // SAFETY: the first chunk of a live lwsac (C's contract).
        let h = unsafe { &mut *head_of(head.cast()) };
        h.refcount += 1;
        lwsl_debug!(
            "lwsac_reference: (det {}) refcount -> {}",
            h.detached,
            h.refcount
        );
    })
}

/// Drops a reference; a detached lwsac is freed (and `*head` set to NULL) at zero.
#[no_mangle]
pub unsafe extern "C" fn lwsac_unreference(head: *mut *mut lwsac) {
    entry!({
        need!(head);
        // SAFETY: non-NULL; C passes its lwsac head.
        let first = unsafe { *head }.cast::<Chunk>();
        if first.is_null() {
            return;
        }
        // SAFETY: the first chunk of a live lwsac.
        let h = unsafe { &mut *head_of(first) };
        if h.refcount == 0 {
            lwsl_warn!("lwsac_unreference: refcount going below zero");
        }
        h.refcount -= 1;
        lwsl_debug!(
            "lwsac_unreference: (det {}) refcount -> {}",
            h.detached,
            h.refcount
        );
        if h.detached != 0 && h.refcount == 0 {
            // SAFETY: as above.
            unsafe { free_all(head) };
        }
    })
}

/// Grows the most recent allocation by `amount` (rounded up, zeroed) if the current
/// chunk has the room: 0, else 1.
#[no_mangle]
pub unsafe extern "C" fn lwsac_extend(head: *mut lwsac, amount: usize) -> c_int {
    entry!(fail = 1, {
        need!(head);
        // SAFETY: the first chunk of a live lwsac (C's contract); `curr` is one of its
        // chunks, set since the first allocation.
        let bf = unsafe { (*head_of(head.cast())).curr };
        if bf.is_null() {
            return 1;
        }
        // SAFETY: as above.
        let c = unsafe { &mut *bf };
        let al = align(amount);
        if al < amount || c.alloc_size - c.ofs < al {
            return 1;
        }
        // SAFETY: `al` bytes from `ofs` are inside the chunk (checked just above).
        unsafe { ptr::write_bytes(bf.cast::<u8>().add(c.ofs), 0, al) };
        c.ofs += al;
        0
    })
}

/// The chunk header's size, plus the bookkeeping's for the first chunk: where a chunk's
/// allocations start.
#[no_mangle]
pub extern "C" fn lwsac_sizeof(first: c_int) -> usize {
    size_of::<Chunk>() + if first != 0 { size_of::<Head>() } else { 0 }
}

/// How far into the chunk `lac` it is used (from the chunk's start, header included).
#[no_mangle]
pub unsafe extern "C" fn lwsac_get_tail_pos(lac: *mut lwsac) -> usize {
    entry!({
        need!(lac);
        // SAFETY: a live chunk (C's contract).
        unsafe { (*lac.cast::<Chunk>()).ofs }
    })
}

/// The chunk after `lac`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn lwsac_get_next(lac: *mut lwsac) -> *mut lwsac {
    entry!({
        need!(lac);
        // SAFETY: a live chunk (C's contract).
        unsafe { (*lac.cast::<Chunk>()).next }.cast()
    })
}

/// `length` rounded up to pointer size, as lwsac allocations are.
#[no_mangle]
pub extern "C" fn lwsac_align(length: usize) -> usize {
    align(length)
}

/// Logs (at debug level) the lwsac's size and chunk count.
#[no_mangle]
pub unsafe extern "C" fn lwsac_info(head: *mut lwsac) {
    entry!({
        if head.is_null() {
            lwsl_debug!("lwsac_info: empty");
            return;
        }
        // SAFETY: the first chunk of a live lwsac (C's contract).
        let h = unsafe { &*head_of(head.cast()) };
        lwsl_debug!(
            "lwsac_info: lac {:p}: {}KiB in {} blocks",
            head,
            h.total_alloc_size >> 10,
            h.total_blocks
        );
    })
}

/// Bytes malloc'd for the lwsac, headers included (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn lwsac_total_alloc(head: *mut lwsac) -> u64 {
    entry!({
        if head.is_null() {
            return 0;
        }
        // SAFETY: the first chunk of a live lwsac (C's contract).
        unsafe { (*head_of(head.cast())).total_alloc_size as u64 }
    })
}

/// Bytes of the lwsac not handed out: every chunk's unused tail and header (lws counts
/// the first chunk's bookkeeping as used).
#[no_mangle]
pub unsafe extern "C" fn lwsac_total_overhead(head: *mut lwsac) -> u64 {
    entry!({
        let mut it = head.cast::<Chunk>();
        let mut overhead = 0u64;
        while !it.is_null() {
            // SAFETY: a chunk of a live lwsac.
            let c = unsafe { &*it };
            overhead += (c.alloc_size - c.ofs + size_of::<Chunk>()) as u64;
            it = c.next;
        }
        overhead
    })
}

/// Finds `len` bytes equal to `find` already in the lwsac (followed by a NUL too, if
/// `nul`), to share them: a pointer to them, or NULL.  As in lws, the search covers
/// each chunk from just after its header up to, not including, the last `len` used bytes'
/// start.
#[no_mangle]
pub unsafe extern "C" fn lwsac_scan_extant(
    head: *mut lwsac,
    find: *mut u8,
    len: usize,
    nul: c_int,
) -> *mut u8 {
    entry!({
        need!(find);
        if len == 0 {
            lwsl_warn!("lwsac_scan_extant: zero length");
            return ptr::null_mut();
        }
        // SAFETY: C passes `len` readable bytes at `find`.
        let needle = unsafe { core::slice::from_raw_parts(find, len) };
        let hdr = size_of::<Chunk>();
        let mut it = head.cast::<Chunk>();
        while !it.is_null() {
            // SAFETY: a chunk of a live lwsac.
            let c = unsafe { &*it };
            if c.ofs - hdr >= len {
                // SAFETY: the chunk's bytes from after its header to `ofs` are inside its
                // malloc and initialised (headers or allocations); `pos + len` stays below
                // `ofs`, so the NUL check reads inside too.
                let used =
                    unsafe { core::slice::from_raw_parts(it.cast::<u8>().add(hdr), c.ofs - hdr) };
                for pos in 0..used.len() - len {
                    if &used[pos..pos + len] == needle && (nul == 0 || used[pos + len] == 0) {
                        // SAFETY: inside the chunk (see above).
                        return unsafe { it.cast::<u8>().add(hdr + pos) };
                    }
                }
            }
            it = c.next;
        }
        ptr::null_mut()
    })
}

/// Inserts `add` into the singly linked list at `phead`: before the first member `sort`
/// does not put it after (at the head without `sort`).
#[no_mangle]
pub unsafe extern "C" fn lws_list_ptr_insert(
    phead: *mut lws_list_ptr,
    add: *mut lws_list_ptr,
    sort: lws_list_ptr_sort_func_t,
) {
    entry!({
        need!(phead);
        need!(add);
        let mut head = phead;
        // SAFETY: C's list: every link is NULL or points to the next member's own
        // lws_list_ptr, and the sort callback is C's.
        unsafe {
            if let Some(f) = sort {
                while !(*head).is_null() {
                    if f(add.cast(), *head) <= 0 {
                        break;
                    }
                    head = (*head).cast();
                }
            }
            *add = *head;
            *head = add.cast();
        }
    })
}

/// The lwsac holding a cached file whose contents start at `cache`.
fn cache_to_lac(cache: lwsac_cached_file_t) -> *mut Chunk {
    cache
        .wrapping_sub(size_of::<CachedFileInfo>() + size_of::<Head>() + size_of::<Chunk>())
        .cast()
}

/// Takes a reference on a cached file's lwsac while it is in use.
#[no_mangle]
pub unsafe extern "C" fn lwsac_use_cached_file_start(cache: lwsac_cached_file_t) {
    entry!({
        need!(cache);
        // SAFETY: `cache` came from lwsac_cached_file: its lwsac's first chunk is just
        // before it.
        unsafe { (*head_of(cache_to_lac(cache))).refcount += 1 };
    })
}

/// Drops the reference `lwsac_use_cached_file_start` took; a cache replaced meanwhile is
/// freed (and `*cache` set to NULL) when the last user ends.
#[no_mangle]
pub unsafe extern "C" fn lwsac_use_cached_file_end(cache: *mut lwsac_cached_file_t) {
    entry!({
        // SAFETY: NULL or C's handle.
        if cache.is_null() || unsafe { *cache }.is_null() {
            return;
        }
        // SAFETY: as above; the lwsac is just before the contents.
        let mut lac = cache_to_lac(unsafe { *cache });
        // SAFETY: its first chunk.
        let h = unsafe { &mut *head_of(lac) };
        if h.refcount == 0 {
            lwsl_err!("lwsac_use_cached_file_end: html refcount zero on entry");
            return;
        }
        h.refcount -= 1;
        if h.refcount == 0 && h.detached != 0 {
            // SAFETY: the cache is unusable from here; the lwsac is freed once.
            unsafe {
                *cache = ptr::null_mut();
                free_all(ptr::addr_of_mut!(lac).cast());
            }
        }
    })
}

/// Marks a cached file's lwsac detached; frees it (and sets `*cache` to NULL) unless it
/// is in use.
#[no_mangle]
pub unsafe extern "C" fn lwsac_use_cached_file_detach(cache: *mut lwsac_cached_file_t) {
    entry!({
        need!(cache);
        // SAFETY: C's handle.
        let c = unsafe { *cache };
        if c.is_null() {
            return;
        }
        let mut lac = cache_to_lac(c);
        // SAFETY: the lwsac's first chunk is just before the contents.
        let h = unsafe { &mut *head_of(lac) };
        h.detached = 1;
        if h.refcount != 0 {
            return;
        }
        // SAFETY: nobody uses it: freed once, the handle cleared.
        unsafe {
            *cache = ptr::null_mut();
            free_all(ptr::addr_of_mut!(lac).cast());
        }
    })
}

/// Keeps the file at `filepath` in memory: loads it into a new lwsac the first time
/// (`*cache` NULL) and, at most every 5 s, reloads it if its mtime changed (detaching
/// the old copy).  `*cache` points to the contents (NUL-terminated), `*len` is their
/// length; 0, or 1 on failure.
#[no_mangle]
pub unsafe extern "C" fn lwsac_cached_file(
    filepath: *const c_char,
    cache: *mut lwsac_cached_file_t,
    len: *mut usize,
) -> c_int {
    entry!(fail = 1, {
        need!(filepath);
        need!(cache);
        need!(len);
        // SAFETY: C's handle.
        let old = unsafe { *cache };
        // SAFETY: time(NULL) only reads the clock.
        let t = unsafe { libc::time(ptr::null_mut()) };
        let mut info: *mut CachedFileInfo = ptr::null_mut();
        if !old.is_null() {
            info = old
                .wrapping_sub(size_of::<CachedFileInfo>())
                .cast::<CachedFileInfo>();
            // SAFETY: the record just before the contents, in the same lwsac.
            if t - unsafe { (*info).last_confirm } < 5 {
                return 0;
            }
        }
        // SAFETY: a C string path.
        let fd = unsafe { libc::open(filepath, libc::O_RDONLY) };
        if fd < 0 {
            // SAFETY: as above.
            let p = unsafe { core::ffi::CStr::from_ptr(filepath) };
            lwsl_err!("lwsac_cached_file: cannot open {}", p.to_string_lossy());
            return 1;
        }
        // SAFETY: a zeroed stat is a valid value; fstat fills it.
        let mut s: libc::stat = unsafe { core::mem::zeroed() };
        // SAFETY: `fd` is open; `s` is writable.
        if unsafe { libc::fstat(fd, &mut s) } != 0 {
            lwsl_err!("lwsac_cached_file: cannot stat");
            // SAFETY: closes the fd opened above.
            unsafe { libc::close(fd) };
            return 1;
        }
        // SAFETY: `info` is the old record when `old` is set.
        if !old.is_null() && s.st_mtime == unsafe { (*info).s.st_mtime } {
            // SAFETY: as above; the fd opened above.
            unsafe {
                (*info).last_confirm = t;
                libc::close(fd);
            }
            return 0;
        }
        let size = s.st_size.max(0) as usize;
        let all = size_of::<CachedFileInfo>() + size + 2;
        let mut lac: *mut lwsac = ptr::null_mut();
        // SAFETY: a new lwsac.
        let p = unsafe { use_mem(&mut lac, all, all, false) }.cast::<CachedFileInfo>();
        if p.is_null() {
            // SAFETY: the fd opened above.
            unsafe { libc::close(fd) };
            return 1;
        }
        // SAFETY: `p` has `all` bytes: the record, the contents and their NUL.
        let rd = unsafe {
            p.write(CachedFileInfo { s, last_confirm: t });
            let a = p.add(1).cast::<u8>();
            *a.add(size) = 0;
            let rd = libc::read(fd, a.cast(), size);
            libc::close(fd);
            rd
        };
        if rd < 0 || rd as usize != size {
            lwsl_err!("lwsac_cached_file: cannot read ({})", rd);
            // SAFETY: the lwsac made above, not handed out.
            unsafe { free_all(&mut lac) };
            return 1;
        }
        // SAFETY: C's handles; the contents follow the record.
        unsafe {
            *len = size;
            *cache = p.add(1).cast();
        }
        if !old.is_null() {
            let mut o = old;
            // SAFETY: the previous cache, from this function.
            unsafe { lwsac_use_cached_file_detach(&mut o) };
        }
        0
    })
}
