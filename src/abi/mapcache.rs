//! lws-map.h and lws-cache-ttl.h: the structs C fills in and the opaque handles it gets.
#![allow(non_camel_case_types)]
use super::types::{lws_dll2_owner_t, lws_usec_t};
use crate::core::lws_context;
use core::ffi::{c_char, c_int, c_void};

/// A hash map made by lws_map_create: opaque, used only through the lws_map_* functions.
pub struct lws_map {
    _opaque: [u8; 0],
}
/// A hash map (lws_map_create); opaque.
pub type lws_map_t = lws_map;
/// One key/value pair of a map, in memory from the map's allocator.
pub struct lws_map_item {
    _opaque: [u8; 0],
}
/// A key of a map item: the caller's bytes, copied into the item.
pub type lws_map_key_t = *mut c_void;
/// A value of a map item: the caller's bytes, copied into the item.
pub type lws_map_value_t = *mut c_void;
/// A 32-bit hash of a key, choosing its bucket.
pub type lws_map_hash_t = u32;
/// Hashes a key of `kl` bytes (NULL in the map info: the built-in hash).
pub type lws_map_hash_from_key_t =
    Option<unsafe extern "C" fn(key: lws_map_key_t, kl: usize) -> lws_map_hash_t>;
/// Compares two keys; 0 means equal (NULL in the map info: byte comparison).
pub type lws_map_compare_key_t = Option<
    unsafe extern "C" fn(
        key1: lws_map_key_t,
        kl1: usize,
        key2: lws_map_value_t,
        kl2: usize,
    ) -> c_int,
>;
/// Allocates `x` bytes for an item of map `mo` (NULL in the map info: malloc).
pub type lws_map_alloc_t = Option<unsafe extern "C" fn(mo: *mut lws_map, x: usize) -> *mut c_void>;
/// Frees what the map's allocator gave (NULL in the map info: free).
pub type lws_map_free_t = Option<unsafe extern "C" fn(p: *mut c_void)>;

/// How `lws_map_create` builds a map: NULL callbacks take the defaults.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_map_info {
    /// Hashes a key (NULL: lws's default hash of the bytes).
    pub _hash: lws_map_hash_from_key_t,
    /// Compares two keys, 0 when equal (NULL: byte comparison).
    pub _compare: lws_map_compare_key_t,
    /// Allocates an item (NULL: malloc).
    pub _alloc: lws_map_alloc_t,
    /// Frees an item (NULL: free).
    pub _free: lws_map_free_t,
    /// For the callbacks' own use.
    pub opaque: *mut c_void,
    /// For the callbacks' own use.
    pub aux: *mut c_void,
    /// How many hash buckets (0: lws's default of 8).
    pub modulo: usize,
}
/// See `struct lws_map_info`.
pub type lws_map_info_t = lws_map_info;

/// A cache level made by lws_cache_create: opaque, used only through the lws_cache_*
/// functions.
pub struct lws_cache_ttl_lru {
    _opaque: [u8; 0],
}

/// One hit of a backing level's wildcard lookup (its tag follows it in lws's memory).
#[repr(C)]
pub struct lws_cache_match {
    pub list: super::types::lws_dll2_t,
    pub expiry: lws_usec_t,
    pub payload_size: usize,
    pub tag_size: usize,
}
/// See `struct lws_cache_match`.
pub type lws_cache_match_t = lws_cache_match;

/// The cursor `lws_cache_results_walk` advances over a lookup's serialized results.
#[repr(C)]
pub struct lws_cache_results {
    /// Where the walk is in the lookup's serialized results (advanced by
    /// lws_cache_results_walk).
    pub ptr: *const u8,
    /// Bytes of results left from `ptr`.
    pub size: usize,
    /// The current result's payload length.
    pub payload_len: usize,
    /// The current result's tag (key) length.
    pub tag_len: usize,
    /// The current result's tag (key), `tag_len` bytes plus a NUL.
    pub tag: *const u8,
}
/// See `struct lws_cache_results`.
pub type lws_cache_results_t = lws_cache_results;

/// Called on an item's payload (and its size) as the item leaves a heap cache level.
pub type lws_cache_item_destroy_cb = Option<unsafe extern "C" fn(item: *mut c_void, size: usize)>;

/// The nscookiejar member of lws's anonymous union `u` (its only member, so a struct
/// with it has the union's layout and the same `u.nscookiejar.filepath` spelling).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_cache_creation_info_nscookiejar {
    /// The Netscape-format cookie file the level reads and writes.
    pub filepath: *const c_char,
}
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_cache_creation_info_u {
    /// The cookie-jar implementation's settings.
    pub nscookiejar: lws_cache_creation_info_nscookiejar,
}

/// How lws_cache_create makes one cache level: its context, a name for logs, the level
/// behind it (`parent`), the implementation (`ops`: lws_cache_ops_heap or
/// lws_cache_ops_nscookiejar) with its settings in `u`, and the limits that make it evict.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_cache_creation_info {
    /// The context the cache level belongs to (its timers run on it).
    pub cx: *mut lws_context,
    /// The level's name, for logs.
    pub name: *const c_char,
    /// Called with an item's payload as a heap level drops it (evicted, expired or replaced),
    /// or NULL.
    pub cb: lws_cache_item_destroy_cb,
    /// The level behind this one (looked up on a miss, written through), or NULL.
    pub parent: *mut lws_cache_ttl_lru,
    /// The level's implementation: &lws_cache_ops_heap (memory) or &lws_cache_ops_nscookiejar
    /// (a cookie-jar file).
    pub ops: *const lws_cache_ops,
    /// Settings of the implementation: `u.nscookiejar.filepath` for the cookie-jar one.
    pub u: lws_cache_creation_info_u,
    /// Evict the oldest items when the level holds more bytes than this (0: no limit).
    pub max_footprint: usize,
    /// Evict the oldest items when the level holds more items than this (0: no limit).
    pub max_items: usize,
    /// Refuse items whose payload is larger than this (0: no limit).
    pub max_payload: usize,
    /// The service thread whose timers the level uses (0 here: one thread).
    pub tsi: c_int,
}

/// A cache level's implementation (lws's vtable).
#[repr(C)]
pub struct lws_cache_ops {
    /// Makes a level from its creation info; returns it or NULL.
    pub create: Option<
        unsafe extern "C" fn(info: *const lws_cache_creation_info) -> *mut lws_cache_ttl_lru,
    >,
    /// Destroys the level `*_cache` points to and sets it to NULL.
    pub destroy: Option<unsafe extern "C" fn(_cache: *mut *mut lws_cache_ttl_lru)>,
    /// Drops every item of the level (and of its backing store); returns 0 on success.
    pub expunge: Option<unsafe extern "C" fn(cache: *mut lws_cache_ttl_lru) -> c_int>,
    /// Stores `size` bytes of `source` under `specific_key` until `expiry` (microseconds, 0: no
    /// expiry); `ppvoid`, if not NULL, gets where the payload was stored. Returns 0 on success.
    pub write: Option<
        unsafe extern "C" fn(
            cache: *mut lws_cache_ttl_lru,
            specific_key: *const c_char,
            source: *const u8,
            size: usize,
            expiry: lws_usec_t,
            ppvoid: *mut *mut c_void,
        ) -> c_int,
    >,
    /// Whether `tag` matches the wildcard key `wc` (with `lookup_rules`): 0 when it matches.
    pub tag_match: Option<
        unsafe extern "C" fn(
            cache: *mut lws_cache_ttl_lru,
            wc: *const c_char,
            tag: *const c_char,
            lookup_rules: c_char,
        ) -> c_int,
    >,
    /// Adds the items whose keys match `wildcard_key` to `results_owner` (as struct
    /// lws_cache_match); returns 0 on success.
    pub lookup: Option<
        unsafe extern "C" fn(
            cache: *mut lws_cache_ttl_lru,
            wildcard_key: *const c_char,
            results_owner: *mut lws_dll2_owner_t,
        ) -> c_int,
    >,
    /// Removes the items matching `wildcard_key`; returns 0 on success.
    pub invalidate: Option<
        unsafe extern "C" fn(cache: *mut lws_cache_ttl_lru, wildcard_key: *const c_char) -> c_int,
    >,
    /// Finds `specific_key`: `*pdata` and `*psize` get its payload; returns 0 when found.
    pub get: Option<
        unsafe extern "C" fn(
            cache: *mut lws_cache_ttl_lru,
            specific_key: *const c_char,
            pdata: *mut *const c_void,
            psize: *mut usize,
        ) -> c_int,
    >,
    /// Logs the level's contents (for debugging).
    pub debug_dump: Option<unsafe extern "C" fn(cache: *mut lws_cache_ttl_lru)>,
}
// SAFETY: the ops tables are immutable function-pointer tables shared by all threads.
unsafe impl Sync for lws_cache_ops {}
