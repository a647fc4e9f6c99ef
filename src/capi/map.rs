//! lws-map.h: a hashed key/value map whose items C reads through pointers.
//!
//! The map itself is a Rust object; each item is one block from the map's allocator
//! (`info._alloc`, lws_malloc by default, or an lwsac), holding a small header, then
//! the key bytes, then the value bytes, so the key and value pointers C gets stay valid
//! until the item is destroyed or replaced (or, with an lwsac, until the lwsac is
//! freed), as lws documents.
use crate::abi::{
    lws_map, lws_map_info_t, lws_map_item, lws_map_key_t, lws_map_t, lws_map_value_t, lwsac,
};
use core::ffi::{c_int, c_void};
use core::ptr;

/// What the map keeps: `info` with its defaults filled in, and one list of items per
/// hash bucket, newest first as lws searches them.
struct Map {
    info: lws_map_info_t,
    buckets: Vec<Vec<*mut u8>>,
}

/// Leads every item block; the map pointer lets `lws_map_item_destroy` find its owner.
#[repr(C)]
struct ItemHead {
    map: *mut Map,
    keylen: usize,
    valuelen: usize,
}
const HEAD: usize = core::mem::size_of::<ItemHead>();

unsafe extern "C" fn default_hash(key: lws_map_key_t, kl: usize) -> u32 {
    // SAFETY: the map's callers hand `kl` readable bytes (or kl == 0).
    let k = unsafe { bytes(key, kl) };
    // FNV-1a: only an even spread over the buckets is wanted, not resistance to attack.
    k.iter().fold(0x811c_9dc5u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

unsafe extern "C" fn default_compare(
    k1: lws_map_key_t,
    kl1: usize,
    k2: lws_map_value_t,
    kl2: usize,
) -> c_int {
    // SAFETY: both point to their stated lengths.
    c_int::from(kl1 != kl2 || unsafe { bytes(k1, kl1) != bytes(k2, kl2) })
}

unsafe extern "C" fn default_alloc(_m: *mut lws_map, x: usize) -> *mut c_void {
    // SAFETY: plain allocation, freed by default_free.
    unsafe { libc::malloc(x.max(1)) }
}

unsafe extern "C" fn default_free(p: *mut c_void) {
    // SAFETY: `p` came from default_alloc.
    unsafe { libc::free(p) }
}

/// # Safety
/// `p` must point to `n` readable bytes when `n` > 0.
unsafe fn bytes<'a>(p: *const c_void, n: usize) -> &'a [u8] {
    if n == 0 || p.is_null() {
        &[]
    } else {
        // SAFETY: per the contract.
        unsafe { core::slice::from_raw_parts(p.cast(), n) }
    }
}

/// # Safety
/// `item` must be a live item of a live map.
unsafe fn head(item: *const lws_map_item) -> ItemHead {
    // SAFETY: every item block starts with an ItemHead (possibly unaligned: lwsac).
    unsafe { ptr::read_unaligned(item.cast::<ItemHead>()) }
}

impl Map {
    /// # Safety
    /// `key` must point to `kl` bytes.
    unsafe fn bucket(&self, key: *const c_void, kl: usize) -> usize {
        let hash = self.info._hash.unwrap_or(default_hash);
        // SAFETY: user hash over the caller's key.
        (unsafe { hash(key as lws_map_key_t, kl) } as usize) % self.buckets.len()
    }

    /// # Safety
    /// `key` must point to `kl` bytes.
    unsafe fn find(&self, key: *const c_void, kl: usize) -> Option<(usize, usize)> {
        // SAFETY: forwarded contract.
        let b = unsafe { self.bucket(key, kl) };
        let cmp = self.info._compare.unwrap_or(default_compare);
        self.buckets[b]
            .iter()
            .rposition(|&it| {
                // SAFETY: items in a bucket are live; their key follows the head.
                let h = unsafe { head(it.cast()) };
                unsafe { cmp(key as lws_map_key_t, kl, it.add(HEAD).cast(), h.keylen) == 0 }
            })
            .map(|i| (b, i))
    }

    /// Unlinks and frees one item.
    ///
    /// # Safety
    /// `b`/`i` must come from `find` or a bucket walk.
    unsafe fn remove_at(&mut self, b: usize, i: usize) {
        let it = self.buckets[b].remove(i);
        // SAFETY: the block came from this map's allocator.
        unsafe { self.info._free.unwrap_or(default_free)(it.cast()) };
    }
}

/// Makes an empty map; NULL callbacks in `info` take the defaults, modulo 0 means 8.
#[no_mangle]
pub unsafe extern "C" fn lws_map_create(info: *const lws_map_info_t) -> *mut lws_map_t {
    entry!({
        need!(info);
        // SAFETY: non-NULL, C's filled-in info.
        let info = unsafe { *info };
        let n = if info.modulo == 0 { 8 } else { info.modulo };
        let mut info = info;
        info.modulo = n;
        // as in lws, each missing callback takes its default on its own
        info._alloc = info._alloc.or(Some(default_alloc));
        info._free = info._free.or(Some(default_free));
        Box::into_raw(Box::new(Map {
            info,
            buckets: vec![Vec::new(); n],
        }))
        .cast()
    })
}

/// Frees every item (through the map's free callback) and the map, then NULLs `*pmap`.
#[no_mangle]
pub unsafe extern "C" fn lws_map_destroy(pmap: *mut *mut lws_map_t) {
    entry!({
        need!(pmap);
        // SAFETY: non-NULL; C's map pointer, taken over and cleared.
        let m = unsafe { ptr::replace(pmap, ptr::null_mut()) };
        if m.is_null() {
            return;
        }
        // SAFETY: made by lws_map_create, not freed yet.
        let mut map = unsafe { Box::from_raw(m.cast::<Map>()) };
        for b in 0..map.buckets.len() {
            while !map.buckets[b].is_empty() {
                let last = map.buckets[b].len() - 1;
                // SAFETY: a live item of this map.
                unsafe { map.remove_at(b, last) };
            }
        }
    })
}

/// Adds a copy of key and value (value may be NULL: the space is left as allocated),
/// replacing an item with the same key.  NULL on allocation failure.
#[no_mangle]
pub unsafe extern "C" fn lws_map_item_create(
    map: *mut lws_map_t,
    key: lws_map_key_t,
    keylen: usize,
    value: lws_map_value_t,
    valuelen: usize,
) -> *mut lws_map_item {
    entry!({
        need!(map);
        if key.is_null() && keylen > 0 {
            lwsl_err!("lws_map_item_create: NULL key");
            return ptr::null_mut();
        }
        // SAFETY: a map from lws_map_create.
        let m = unsafe { &mut *map.cast::<Map>() };
        // SAFETY: key has keylen bytes.
        if let Some((b, i)) = unsafe { m.find(key, keylen) } {
            // SAFETY: found in this map.
            unsafe { m.remove_at(b, i) };
        }
        let Some(total) = HEAD
            .checked_add(keylen)
            .and_then(|t| t.checked_add(valuelen))
        else {
            return ptr::null_mut();
        };
        let alloc = m.info._alloc.unwrap_or(default_alloc);
        // SAFETY: the user's allocator, handed this map as lws does.
        let it = unsafe { alloc(map, total) }.cast::<u8>();
        if it.is_null() {
            lwsl_err!("lws_map_item_create: OOM");
            return ptr::null_mut();
        }
        // SAFETY: `it` has `total` bytes; key/value have their lengths.
        unsafe {
            ptr::write_unaligned(
                it.cast::<ItemHead>(),
                ItemHead {
                    map: m,
                    keylen,
                    valuelen,
                },
            );
            if keylen > 0 {
                ptr::copy_nonoverlapping(key.cast::<u8>(), it.add(HEAD), keylen);
            }
            if !value.is_null() && valuelen > 0 {
                ptr::copy_nonoverlapping(value.cast::<u8>(), it.add(HEAD + keylen), valuelen);
            }
        }
        // SAFETY: key has keylen bytes.
        let b = unsafe { m.bucket(key, keylen) };
        m.buckets[b].push(it);
        it.cast()
    })
}

/// Removes one item from its map and frees it.
#[no_mangle]
pub unsafe extern "C" fn lws_map_item_destroy(item: *mut lws_map_item) {
    entry!({
        need!(item);
        // SAFETY: a live item; its head names its map.
        let h = unsafe { head(item) };
        // SAFETY: the map outlives its items.
        let m = unsafe { &mut *h.map };
        // SAFETY: the item's own key.
        let b = unsafe { m.bucket(item.cast::<u8>().add(HEAD).cast(), h.keylen) };
        match m.buckets[b].iter().position(|&p| p == item.cast()) {
            // SAFETY: found in this map.
            Some(i) => unsafe { m.remove_at(b, i) },
            None => lwsl_err!("lws_map_item_destroy: item not in its map"),
        }
    })
}

/// Finds the item with this key, or NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_map_item_lookup(
    map: *mut lws_map_t,
    key: lws_map_key_t,
    keylen: usize,
) -> *mut lws_map_item {
    entry!({
        need!(map);
        if key.is_null() && keylen > 0 {
            return ptr::null_mut();
        }
        // SAFETY: a map from lws_map_create.
        let m = unsafe { &*map.cast::<Map>() };
        // SAFETY: key has keylen bytes.
        match unsafe { m.find(key, keylen) } {
            Some((b, i)) => m.buckets[b][i].cast(),
            None => ptr::null_mut(),
        }
    })
}

/// The item's copy of its key.
#[no_mangle]
pub unsafe extern "C" fn lws_map_item_key(item: *mut lws_map_item) -> *const c_void {
    entry!({
        need!(item);
        // SAFETY: the key follows the head in the item's block.
        unsafe { item.cast::<u8>().add(HEAD).cast() }
    })
}

/// The item's copy of its value.
#[no_mangle]
pub unsafe extern "C" fn lws_map_item_value(item: *mut lws_map_item) -> *const c_void {
    entry!({
        need!(item);
        // SAFETY: the value follows the key.
        unsafe { item.cast::<u8>().add(HEAD + head(item).keylen).cast() }
    })
}

/// Returns the length in bytes of the key of `item` (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_map_item_key_len(item: *mut lws_map_item) -> usize {
    entry!({
        need!(item);
        // SAFETY: a live item.
        unsafe { head(item) }.keylen
    })
}

/// Returns the length in bytes of the value of `item` (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_map_item_value_len(item: *mut lws_map_item) -> usize {
    entry!({
        need!(item);
        // SAFETY: a live item.
        unsafe { head(item) }.valuelen
    })
}

/// An `_alloc` for maps living in an lwsac: `info.opaque` is the `struct lwsac **`,
/// `info.aux` the chunk size.
#[no_mangle]
pub unsafe extern "C" fn lws_map_alloc_lwsac(map: *mut lws_map, x: usize) -> *mut c_void {
    entry!({
        need!(map);
        // SAFETY: a map from lws_map_create.
        let info = unsafe { &(*map.cast::<Map>()).info };
        // SAFETY: the lwsac head the user put in info.opaque.
        unsafe { super::lwsac::lwsac_use(info.opaque.cast::<*mut lwsac>(), x, info.aux as usize) }
    })
}

/// The `_free` matching lws_map_alloc_lwsac: nothing, the lwsac frees everything at once.
#[no_mangle]
pub unsafe extern "C" fn lws_map_free_lwsac(_v: *mut c_void) {}
