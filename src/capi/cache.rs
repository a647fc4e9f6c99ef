//! lws-cache-ttl.h: a chain of cache levels (L1 nearest the user) with TTL, LRU and
//! footprint limits.  Two level kinds, as lws has: a heap level and a level backed by a
//! Netscape cookie-jar file.  Expiry is checked on access (each operation first drops
//! what has expired) instead of through a timer, so no event loop has to run.
//!
//! A level is a Rust object handed to C as `struct lws_cache_ttl_lru *`; the payload
//! pointers C gets are boxed slices that stay put until their item goes.
use crate::abi::{
    lws_cache_creation_info, lws_cache_ops, lws_cache_results_t, lws_cache_ttl_lru,
    lws_dll2_owner_t, lws_usec_t,
};
use core::ffi::{c_char, c_int, c_void};
use core::ptr;
use std::ffi::CString;
use std::io::Write;
use std::path::PathBuf;

/// Tags of the result sets `lws_cache_lookup` keeps in L1 start with this.
const META: u8 = b'!';
/// lws follows at most this many levels.
const MAX_LEVELS: usize = 3;

struct Item {
    key: Vec<u8>,
    data: Box<[u8]>,
    /// size C asked for (data has at least one byte so the pointer is never dangling)
    size: usize,
    expiry: lws_usec_t,
}

enum Kind {
    /// most recently used first
    Heap(Vec<Item>),
    Jar(PathBuf),
}

struct Level {
    info: lws_cache_creation_info,
    name: String,
    child: *mut Level,
    footprint: u64,
    kind: Kind,
}

fn now() -> lws_usec_t {
    super::misc::lws_now_usecs()
}

/// Cookie-jar expiries are wall-clock seconds; the heap's are lws_now_usecs() times.
fn unix_now() -> lws_usec_t {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as lws_usec_t)
}

/// A jar expiry as the heap levels count time (0 stays "never").
fn jar_to_mono(e: lws_usec_t) -> lws_usec_t {
    if e == 0 {
        0
    } else {
        (e - unix_now() + now()).max(1)
    }
}

/// lws's `*` wildcard: `*` matches any run of bytes, everything else itself.
pub(crate) fn wildcard(wc: &[u8], s: &[u8]) -> bool {
    let (mut w, mut i) = (0, 0);
    let mut back: Option<(usize, usize)> = None;
    while i < s.len() {
        if w < wc.len() && wc[w] == b'*' {
            back = Some((w + 1, i));
            w += 1;
        } else if w < wc.len() && wc[w] == s[i] {
            w += 1;
            i += 1;
        } else if let Some((bw, bi)) = back {
            w = bw;
            i = bi + 1;
            back = Some((bw, bi + 1));
        } else {
            return false;
        }
    }
    wc[w..].iter().all(|&c| c == b'*')
}

/// Cookie path scope: a lookup for /my/path covers cookies for /, /my and /my/path (with
/// or without a trailing /), not /m or /my/pa.
fn path_in_scope(want: &[u8], cookie: &[u8]) -> bool {
    if want == cookie {
        return true;
    }
    (0..=want.len()).any(|n| {
        (n == want.len() || want[n] == b'/')
            && ((n > 0 && cookie == &want[..n]) || (n != want.len() && cookie == &want[..n + 1]))
    })
}

/// Matches a `host|path|name` tag against a wildcard of the same shape, field by field;
/// with `lookup`, the path field follows cookie scope rules.
pub(crate) fn jar_tag_match(wc: &[u8], tag: &[u8], lookup: bool) -> bool {
    let mut w = wc.splitn(3, |&c| c == b'|');
    let mut t = tag.splitn(3, |&c| c == b'|');
    (0..3).all(|n| {
        let (a, b) = (w.next().unwrap_or(b""), t.next().unwrap_or(b""));
        if lookup && n == 1 {
            path_in_scope(a, b)
        } else {
            wildcard(a, b)
        }
    })
}

/// A cookie-jar line's tag (`host|path|name`) and expiry (µs), or None if unparseable.
pub(crate) fn jar_line_tag(line: &[u8]) -> Option<(Vec<u8>, lws_usec_t)> {
    if line.len() < 3 || line[0] == b'#' {
        return None;
    }
    let cols: Vec<&[u8]> = line.split(|&c| c == b'\t').collect();
    let col = |i: usize| cols.get(i).copied().unwrap_or(b"");
    let secs: i64 = std::str::from_utf8(col(4))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let mut tag = col(0).to_vec();
    for i in [2, 5] {
        tag.push(b'|');
        tag.extend_from_slice(col(i));
    }
    Some((tag, secs.saturating_mul(1_000_000)))
}

impl Level {
    fn expire(&mut self) {
        let t = now();
        if let Kind::Heap(items) = &mut self.kind {
            let gone: Vec<Item> = {
                let (keep, gone): (Vec<Item>, Vec<Item>) =
                    items.drain(..).partition(|i| i.expiry == 0 || i.expiry > t);
                *items = keep;
                gone
            };
            for i in gone {
                self.drop_item(i);
            }
        }
    }

    fn drop_item(&mut self, mut i: Item) {
        self.footprint -= i.size as u64;
        if let Some(cb) = self.info.cb {
            // SAFETY: the user's destroy hook sees the payload just before it goes.
            unsafe { cb(i.data.as_mut_ptr().cast(), i.size) };
        }
    }

    /// The level lookups and wildcard rules come from: the one above, if any.
    fn backing(&self) -> &Level {
        if self.info.parent.is_null() {
            self
        } else {
            // SAFETY: parents outlive their children (lws's rule too).
            unsafe { &*self.info.parent.cast::<Level>() }
        }
    }

    fn tag_match(&self, wc: &[u8], tag: &[u8], lookup: bool) -> bool {
        match self.kind {
            Kind::Heap(_) => wildcard(wc, tag),
            Kind::Jar(_) => jar_tag_match(wc, tag, lookup),
        }
    }

    /// Drops the cached result sets a change to `key` would make stale.
    fn drop_stale_meta(&mut self, key: &[u8]) {
        let stale: Vec<Vec<u8>> = match &self.kind {
            Kind::Heap(items) => items
                .iter()
                .filter(|i| {
                    i.key.first() == Some(&META) && self.backing().tag_match(&i.key[1..], key, true)
                })
                .map(|i| i.key.clone())
                .collect(),
            Kind::Jar(_) => return,
        };
        for k in stale {
            self.heap_remove(&k);
        }
    }

    fn heap_remove(&mut self, key: &[u8]) -> bool {
        let Kind::Heap(items) = &mut self.kind else {
            return false;
        };
        match items.iter().position(|i| i.key == key) {
            Some(n) => {
                let it = items.remove(n);
                self.drop_item(it);
                true
            }
            None => false,
        }
    }

    fn write(
        &mut self,
        key: &[u8],
        src: Option<&[u8]>,
        size: usize,
        expiry: lws_usec_t,
    ) -> Result<*mut u8, ()> {
        self.expire();
        if self.info.max_payload != 0 && size > self.info.max_payload {
            lwsl_warn!(
                "lws_cache: {}: {} bytes is over max_payload",
                self.name,
                size
            );
            return Err(());
        }
        if let Kind::Jar(_) = self.kind {
            let line = src.ok_or(())?;
            let (tag, _) = jar_line_tag(line).ok_or(())?;
            return self.regen(Some(&tag), Some(line)).map(|_| ptr::null_mut());
        }
        self.drop_stale_meta(key);
        self.heap_remove(key);
        // make room, least recently used first; a single item over the limits still goes in
        loop {
            let Kind::Heap(items) = &mut self.kind else {
                unreachable!()
            };
            let over = (self.info.max_footprint != 0
                && self.footprint + size as u64 > self.info.max_footprint as u64)
                || (self.info.max_items != 0 && items.len() + 1 > self.info.max_items);
            if !over || items.is_empty() {
                break;
            }
            let it = items.pop().unwrap();
            self.drop_item(it);
        }
        let mut data = vec![0u8; size.max(1)].into_boxed_slice();
        if let Some(s) = src {
            data[..size].copy_from_slice(&s[..size]);
        }
        let p = data.as_mut_ptr();
        self.footprint += size as u64;
        let Kind::Heap(items) = &mut self.kind else {
            unreachable!()
        };
        items.insert(
            0,
            Item {
                key: key.to_vec(),
                data,
                size,
                expiry,
            },
        );
        Ok(p)
    }

    fn get(&mut self, key: &[u8]) -> Option<(*const u8, usize)> {
        self.expire();
        match &mut self.kind {
            Kind::Heap(items) => {
                let n = items.iter().position(|i| i.key == key)?;
                let it = items.remove(n);
                items.insert(0, it);
                Some((items[0].data.as_ptr(), items[0].size))
            }
            Kind::Jar(_) => {
                let lines = self.jar_lines().ok()?;
                let (line, exp) = lines.iter().find_map(|l| {
                    jar_line_tag(l)
                        .filter(|(t, _)| t == key)
                        .map(|(_, e)| (l.clone(), jar_to_mono(e)))
                })?;
                // promote to L1, which is what C then points into
                let mut l1: *mut Level = self;
                // SAFETY: children are live levels of this chain.
                unsafe {
                    while !(*l1).child.is_null() {
                        l1 = (*l1).child;
                    }
                    if ptr::eq(l1, self) {
                        return None;
                    }
                    let p = (*l1).write(key, Some(&line), line.len(), exp).ok()?;
                    Some((p.cast_const(), line.len()))
                }
            }
        }
    }

    /// Removes what matches `wc` (and the result sets it was part of).
    fn invalidate(&mut self, wc: &[u8]) -> Result<(), ()> {
        self.expire();
        match &self.kind {
            Kind::Heap(items) => {
                let hit: Vec<Vec<u8>> = items
                    .iter()
                    .filter(|i| i.key.first() != Some(&META) && wildcard(wc, &i.key))
                    .map(|i| i.key.clone())
                    .collect();
                for k in hit {
                    self.drop_stale_meta(&k);
                    self.heap_remove(&k);
                }
                Ok(())
            }
            Kind::Jar(_) => self.regen(Some(wc), None),
        }
    }

    /// (tag, payload size, expiry) of every item matching `wc` under lookup rules.
    fn lookup(&mut self, wc: &[u8], out: &mut Vec<(Vec<u8>, usize, lws_usec_t)>) -> Result<(), ()> {
        self.expire();
        let found: Vec<(Vec<u8>, usize, lws_usec_t)> = match &self.kind {
            Kind::Heap(items) => items
                .iter()
                .filter(|i| i.key.first() != Some(&META) && wildcard(wc, &i.key))
                .map(|i| (i.key.clone(), i.size, i.expiry))
                .collect(),
            Kind::Jar(_) => self
                .jar_lines()?
                .iter()
                .filter_map(|l| jar_line_tag(l).map(|(t, e)| (t, l.len(), jar_to_mono(e))))
                .filter(|(t, _, _)| jar_tag_match(wc, t, true))
                .collect(),
        };
        for f in found {
            if !out.iter().any(|o| o.0 == f.0) {
                out.push(f);
            }
        }
        Ok(())
    }

    fn jar_path(&self) -> &PathBuf {
        match &self.kind {
            Kind::Jar(p) => p,
            Kind::Heap(_) => unreachable!(),
        }
    }

    /// Holds the jar's lockfile (`FILE.LCK`, made exclusively) while `f` runs, since
    /// other processes may rewrite the jar too.
    fn locked<T>(&self, f: impl FnOnce(&PathBuf) -> Result<T, ()>) -> Result<T, ()> {
        let path = self.jar_path();
        let mut lock = path.clone().into_os_string();
        lock.push(".LCK");
        let mut tries = 0;
        while std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
            .is_err()
        {
            tries += 1;
            if tries > 50 {
                lwsl_warn!("lws_cache: unable to lock {:?}", lock);
                return Err(());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let r = f(path);
        let _ = std::fs::remove_file(&lock);
        r
    }

    /// The jar's lines that are not comments (a missing file has none).
    fn jar_lines(&self) -> Result<Vec<Vec<u8>>, ()> {
        self.locked(|p| {
            let text = match std::fs::read(p) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(_) => return Err(()),
            };
            Ok(text
                .split(|&c| c == b'\n')
                .filter(|l| !l.is_empty() && l[0] != b'#')
                .map(<[u8]>::to_vec)
                .collect())
        })
    }

    /// Rewrites the jar through FILE.tmp: `add` first, then the old lines except the
    /// unparseable, the expired and those whose tag matches `delete`.
    fn regen(&mut self, delete: Option<&[u8]>, add: Option<&[u8]>) -> Result<(), ()> {
        let t = unix_now();
        let mut footprint = 0u64;
        let r = self.locked(|path| {
            let old = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(_) => return Err(()),
            };
            let mut tmp = path.clone().into_os_string();
            tmp.push(".tmp");
            let mut out = b"# Netscape HTTP Cookie File\n".to_vec();
            if let Some(a) = add {
                out.extend_from_slice(a);
                out.push(b'\n');
                footprint += a.len() as u64;
            }
            for l in old
                .split(|&c| c == b'\n')
                .filter(|l| !l.is_empty() && l[0] != b'#')
            {
                let Some((tag, exp)) = jar_line_tag(l) else {
                    continue;
                };
                if (exp != 0 && exp < t) || delete.is_some_and(|d| jar_tag_match(d, &tag, false)) {
                    continue;
                }
                out.extend_from_slice(l);
                out.push(b'\n');
                footprint += l.len() as u64;
            }
            let res = (|| {
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&tmp)
                    .map_err(|_| ())?;
                f.write_all(&out).map_err(|_| ())?;
                std::fs::rename(&tmp, path).map_err(|_| ())
            })();
            if res.is_err() {
                let _ = std::fs::remove_file(&tmp);
                lwsl_err!("lws_cache: {}: rewriting {:?} failed", self.name, path);
            }
            res
        });
        if r.is_ok() {
            self.footprint = footprint;
        }
        r
    }

    fn expunge(&mut self) -> c_int {
        match &mut self.kind {
            Kind::Heap(items) => {
                let all: Vec<Item> = std::mem::take(items);
                for i in all {
                    self.drop_item(i);
                }
                0
            }
            Kind::Jar(p) => match std::fs::remove_file(&*p) {
                Ok(()) => 0,
                Err(_) => {
                    lwsl_warn!("lws_cache: failed to unlink {:?}", p);
                    -1
                }
            },
        }
    }

    fn dump(&mut self) {
        self.expire();
        match &self.kind {
            Kind::Heap(items) => {
                lwsl_debug!(
                    "lws_cache: {}: {} items, footprint {}",
                    self.name,
                    items.len(),
                    self.footprint
                );
                for i in items {
                    lwsl_debug!(
                        "  {}: size {}, exp {}",
                        String::from_utf8_lossy(&i.key),
                        i.size,
                        i.expiry
                    );
                }
            }
            Kind::Jar(p) => {
                lwsl_debug!("lws_cache: {}: jar {:?}", self.name, p);
                for l in self.jar_lines().unwrap_or_default() {
                    lwsl_debug!("  {}", String::from_utf8_lossy(&l));
                }
            }
        }
    }
}

/// # Safety
/// `c` must be a level from lws_cache_create, not destroyed.
unsafe fn level<'a>(c: *mut lws_cache_ttl_lru) -> &'a mut Level {
    // SAFETY: per the contract.
    unsafe { &mut *c.cast::<Level>() }
}

unsafe fn create(info: *const lws_cache_creation_info, jar: bool) -> *mut lws_cache_ttl_lru {
    // SAFETY: the caller checked info.
    let info = unsafe { *info };
    // SAFETY: name is mandatory, checked by lws_cache_create.
    let name =
        String::from_utf8_lossy(unsafe { super::cstr(info.name) }.unwrap_or(b"?")).into_owned();
    let kind = if jar {
        // SAFETY: C's path string.
        let Some(p) = (unsafe { super::cstr(info.u.nscookiejar.filepath) }) else {
            lwsl_err!(
                "lws_cache_create: {}: nscookiejar needs u.nscookiejar.filepath",
                name
            );
            return ptr::null_mut();
        };
        Kind::Jar(PathBuf::from(std::ffi::OsStr::new(
            std::str::from_utf8(p).unwrap_or_default(),
        )))
    } else {
        Kind::Heap(Vec::new())
    };
    let l = Box::into_raw(Box::new(Level {
        info,
        name,
        child: ptr::null_mut(),
        footprint: 0,
        kind,
    }));
    if !info.parent.is_null() {
        // SAFETY: a live level of ours.
        unsafe { level(info.parent) }.child = l;
    }
    if jar {
        // weed out what expired while nobody looked, and learn the footprint
        // SAFETY: just made.
        let _ = unsafe { &mut *l }.regen(None, None);
    }
    l.cast()
}

unsafe extern "C" fn heap_create(info: *const lws_cache_creation_info) -> *mut lws_cache_ttl_lru {
    ffi!("lws_cache_ops_heap.create", ptr::null_mut(), {
        need!("lws_cache_ops_heap.create", info, ptr::null_mut());
        // SAFETY: non-NULL.
        unsafe { create(info, false) }
    })
}
unsafe extern "C" fn jar_create(info: *const lws_cache_creation_info) -> *mut lws_cache_ttl_lru {
    ffi!("lws_cache_ops_nscookiejar.create", ptr::null_mut(), {
        need!("lws_cache_ops_nscookiejar.create", info, ptr::null_mut());
        // SAFETY: non-NULL.
        unsafe { create(info, true) }
    })
}
unsafe extern "C" fn op_destroy(c: *mut *mut lws_cache_ttl_lru) {
    // SAFETY: forwarded.
    unsafe { lws_cache_destroy(c) }
}
unsafe extern "C" fn op_expunge(c: *mut lws_cache_ttl_lru) -> c_int {
    ffi!("lws_cache_ops.expunge", -1, {
        need!("lws_cache_ops.expunge", c, -1);
        // SAFETY: a live level.
        unsafe { level(c) }.expunge()
    })
}
unsafe extern "C" fn op_write(
    c: *mut lws_cache_ttl_lru,
    key: *const c_char,
    src: *const u8,
    size: usize,
    expiry: lws_usec_t,
    ppvoid: *mut *mut c_void,
) -> c_int {
    ffi!("lws_cache_ops.write", 1, {
        need!("lws_cache_ops.write", c, 1);
        // SAFETY: forwarded contracts.
        unsafe { write_one(level(c), key, src, size, expiry, ppvoid) }
    })
}
unsafe extern "C" fn op_tag_match(
    c: *mut lws_cache_ttl_lru,
    wc: *const c_char,
    tag: *const c_char,
    lookup: c_char,
) -> c_int {
    ffi!("lws_cache_ops.tag_match", 1, {
        need!("lws_cache_ops.tag_match", c, 1);
        // SAFETY: C strings.
        let (Some(w), Some(t)) = (unsafe { super::cstr(wc) }, unsafe { super::cstr(tag) }) else {
            return 1;
        };
        // SAFETY: a live level.
        c_int::from(!unsafe { level(c) }.tag_match(w, t, lookup != 0))
    })
}
unsafe extern "C" fn op_lookup(
    c: *mut lws_cache_ttl_lru,
    wc: *const c_char,
    _owner: *mut lws_dll2_owner_t,
) -> c_int {
    // Results lists of lws_cache_match_t are lws-internal; lws_cache_lookup does this
    // without handing them out.
    let _ = (c, wc);
    lwsl_err!("lws_cache_ops.lookup: use lws_cache_lookup");
    1
}
unsafe extern "C" fn op_invalidate(c: *mut lws_cache_ttl_lru, wc: *const c_char) -> c_int {
    ffi!("lws_cache_ops.invalidate", 1, {
        need!("lws_cache_ops.invalidate", c, 1);
        // SAFETY: C string.
        let Some(w) = (unsafe { super::cstr(wc) }) else {
            return 1;
        };
        // SAFETY: a live level.
        c_int::from(unsafe { level(c) }.invalidate(w).is_err())
    })
}
unsafe extern "C" fn op_get(
    c: *mut lws_cache_ttl_lru,
    key: *const c_char,
    pdata: *mut *const c_void,
    psize: *mut usize,
) -> c_int {
    ffi!("lws_cache_ops.get", 1, {
        need!("lws_cache_ops.get", c, 1);
        // SAFETY: forwarded.
        unsafe { get_one(level(c), key, pdata, psize) }
    })
}
unsafe extern "C" fn op_dump(c: *mut lws_cache_ttl_lru) {
    // SAFETY: forwarded.
    unsafe { lws_cache_debug_dump(c) }
}

/// # Safety
/// C's arguments of a cache write.
unsafe fn write_one(
    l: &mut Level,
    key: *const c_char,
    src: *const u8,
    size: usize,
    expiry: lws_usec_t,
    ppvoid: *mut *mut c_void,
) -> c_int {
    // SAFETY: C string.
    let Some(k) = (unsafe { super::cstr(key) }) else {
        return 1;
    };
    let s = if src.is_null() {
        None
    } else {
        // SAFETY: C gives `size` bytes at src.
        Some(unsafe { core::slice::from_raw_parts(src, size) })
    };
    match l.write(k, s, size, expiry) {
        Ok(p) => {
            if !ppvoid.is_null() {
                // SAFETY: C's out pointer.
                unsafe { *ppvoid = p.cast() };
            }
            0
        }
        Err(()) => 1,
    }
}

/// # Safety
/// C's arguments of a cache get.
unsafe fn get_one(
    l: &mut Level,
    key: *const c_char,
    pdata: *mut *const c_void,
    psize: *mut usize,
) -> c_int {
    // SAFETY: C string.
    let Some(k) = (unsafe { super::cstr(key) }) else {
        return 1;
    };
    match l.get(k) {
        Some((p, n)) => {
            if !pdata.is_null() && !psize.is_null() {
                // SAFETY: C's out pointers.
                unsafe {
                    *pdata = p.cast();
                    *psize = n;
                }
            }
            0
        }
        None => 1,
    }
}

/// The heap level.
#[no_mangle]
pub static lws_cache_ops_heap: lws_cache_ops = lws_cache_ops {
    create: Some(heap_create),
    destroy: Some(op_destroy),
    expunge: Some(op_expunge),
    write: Some(op_write),
    tag_match: Some(op_tag_match),
    lookup: Some(op_lookup),
    invalidate: Some(op_invalidate),
    get: Some(op_get),
    debug_dump: Some(op_dump),
};

/// The level kept in a Netscape cookie-jar file (`u.nscookiejar.filepath`).
#[no_mangle]
pub static lws_cache_ops_nscookiejar: lws_cache_ops = lws_cache_ops {
    create: Some(jar_create),
    destroy: Some(op_destroy),
    expunge: Some(op_expunge),
    write: Some(op_write),
    tag_match: Some(op_tag_match),
    lookup: Some(op_lookup),
    invalidate: Some(op_invalidate),
    get: Some(op_get),
    debug_dump: Some(op_dump),
};

/// Makes a cache level (`info->ops` NULL: a heap level).  Only lws's two level kinds
/// are supported: a cache level's base object is private to the library.
#[no_mangle]
pub unsafe extern "C" fn lws_cache_create(
    info: *const lws_cache_creation_info,
) -> *mut lws_cache_ttl_lru {
    entry!({
        need!(info);
        // SAFETY: non-NULL.
        let i = unsafe { &*info };
        need!("lws_cache_create", i.name, ptr::null_mut());
        if i.ops.is_null() || ptr::eq(i.ops, &lws_cache_ops_heap) {
            // SAFETY: checked.
            unsafe { create(info, false) }
        } else if ptr::eq(i.ops, &lws_cache_ops_nscookiejar) {
            // SAFETY: checked.
            unsafe { create(info, true) }
        } else {
            lwsl_err!("lws_cache_create: only lws_cache_ops_heap and lws_cache_ops_nscookiejar are supported");
            ptr::null_mut()
        }
    })
}

/// Frees a level and its items (the items' destroy callback sees each), NULLs `*cache`.
#[no_mangle]
pub unsafe extern "C" fn lws_cache_destroy(cache: *mut *mut lws_cache_ttl_lru) {
    entry!({
        need!(cache);
        // SAFETY: C's pointer, taken over.
        let c = unsafe { ptr::replace(cache, ptr::null_mut()) };
        if c.is_null() {
            return;
        }
        // SAFETY: made by create.
        let mut l = unsafe { Box::from_raw(c.cast::<Level>()) };
        if !l.info.parent.is_null() {
            // SAFETY: parent is live (parents outlive children).
            let p = unsafe { level(l.info.parent) };
            if ptr::eq(p.child, &*l) {
                p.child = ptr::null_mut();
            }
        }
        if let Kind::Heap(_) = l.kind {
            l.expunge();
        }
    })
}

/// Writes the item at every level, outermost first, after removing the old one.
#[no_mangle]
pub unsafe extern "C" fn lws_cache_write_through(
    cache: *mut lws_cache_ttl_lru,
    specific_key: *const c_char,
    source: *const u8,
    size: usize,
    expiry: lws_usec_t,
    ppay: *mut *mut c_void,
) -> c_int {
    entry!(fail = 1, {
        need!(cache);
        need!(specific_key);
        // SAFETY: forwarded.
        unsafe { lws_cache_item_remove(cache, specific_key) };
        let mut levels = vec![cache];
        // SAFETY: live levels.
        while levels.len() < MAX_LEVELS
            && !unsafe { level(levels[levels.len() - 1]) }
                .info
                .parent
                .is_null()
        {
            levels.push(unsafe { level(levels[levels.len() - 1]) }.info.parent);
        }
        let mut r = 0;
        for &l in levels.iter().rev() {
            // SAFETY: live level; C's arguments.
            r = unsafe { write_one(level(l), specific_key, source, size, expiry, ppay) };
        }
        r
    })
}

/// Lists the tags matching `wildcard_key` at the backing level; the serialized list is
/// cached in L1 (until a matching item changes or the earliest of them expires) and
/// `*pdata` points into it.
#[no_mangle]
pub unsafe extern "C" fn lws_cache_lookup(
    cache: *mut lws_cache_ttl_lru,
    wildcard_key: *const c_char,
    pdata: *mut *const c_void,
    psize: *mut usize,
) -> c_int {
    entry!(fail = 1, {
        need!(cache);
        need!(pdata);
        need!(psize);
        // SAFETY: C string.
        let Some(wc) = (unsafe { super::cstr(wildcard_key) }) else {
            return 1;
        };
        let mut meta = vec![META];
        meta.extend_from_slice(&wc[..wc.len().min(125)]);
        let meta_c = CString::new(meta.clone()).unwrap_or_default();
        // SAFETY: a live level.
        let l1 = unsafe { level(cache) };
        // SAFETY: out pointers checked.
        if unsafe { get_one(l1, meta_c.as_ptr(), pdata, psize) } == 0 {
            return 0;
        }
        let mut top = cache;
        // SAFETY: live levels.
        while !unsafe { level(top) }.info.parent.is_null() {
            top = unsafe { level(top) }.info.parent;
        }
        let mut found = Vec::new();
        // SAFETY: a live level.
        if unsafe { level(top) }.lookup(wc, &mut found).is_err() {
            return 1;
        }
        let mut ser = Vec::new();
        let mut expiry = 0;
        for (tag, size, exp) in &found {
            ser.extend_from_slice(&(*size as u32).to_be_bytes());
            ser.extend_from_slice(&(tag.len() as u32).to_be_bytes());
            ser.extend_from_slice(tag);
            ser.push(0);
            if *exp != 0 && (expiry == 0 || *exp < expiry) {
                expiry = *exp;
            }
        }
        // SAFETY: a live level.
        match unsafe { level(cache) }.write(&meta, Some(&ser), ser.len(), expiry) {
            Ok(p) => {
                // SAFETY: out pointers checked.
                unsafe {
                    *pdata = p.cast_const().cast();
                    *psize = ser.len();
                }
                0
            }
            Err(()) => 1,
        }
    })
}

/// Finds the item at the nearest level that has it (a hit further out is copied to L1).
#[no_mangle]
pub unsafe extern "C" fn lws_cache_item_get(
    cache: *mut lws_cache_ttl_lru,
    specific_key: *const c_char,
    pdata: *mut *const c_void,
    psize: *mut usize,
) -> c_int {
    entry!(fail = 1, {
        need!(specific_key);
        let mut c = cache;
        while !c.is_null() {
            // SAFETY: live level; C's arguments.
            if unsafe { get_one(level(c), specific_key, pdata, psize) } == 0 {
                return 0;
            }
            c = unsafe { level(c) }.info.parent;
        }
        1
    })
}

/// Removes what matches `wildcard_key` at every level.
#[no_mangle]
pub unsafe extern "C" fn lws_cache_item_remove(
    cache: *mut lws_cache_ttl_lru,
    wildcard_key: *const c_char,
) -> c_int {
    entry!(fail = 1, {
        need!(wildcard_key);
        // SAFETY: C string.
        let Some(wc) = (unsafe { super::cstr(wildcard_key) }) else {
            return 1;
        };
        let mut c = cache;
        while !c.is_null() {
            // SAFETY: a live level.
            if unsafe { level(c) }.invalidate(wc).is_err() {
                return 1;
            }
            c = unsafe { level(c) }.info.parent;
        }
        0
    })
}

/// Bytes of payload this level holds (for the jar: of its cookie lines).
#[no_mangle]
pub unsafe extern "C" fn lws_cache_footprint(cache: *mut lws_cache_ttl_lru) -> u64 {
    entry!({
        need!(cache);
        // SAFETY: a live level.
        let l = unsafe { level(cache) };
        l.expire();
        l.footprint
    })
}

/// Logs the level's contents at debug level.
#[no_mangle]
pub unsafe extern "C" fn lws_cache_debug_dump(cache: *mut lws_cache_ttl_lru) {
    entry!({
        need!(cache);
        // SAFETY: a live level.
        unsafe { level(cache) }.dump()
    })
}

/// Empties every level from this one outward (the jar's file is deleted).
#[no_mangle]
pub unsafe extern "C" fn lws_cache_expunge(cache: *mut lws_cache_ttl_lru) -> c_int {
    entry!(fail = 1, {
        let mut r = 0;
        let mut c = cache;
        while !c.is_null() {
            // SAFETY: a live level.
            r |= unsafe { level(c) }.expunge();
            c = unsafe { level(c) }.info.parent;
        }
        r
    })
}

/// Steps to the next entry of a lookup result; nonzero at the end.
#[no_mangle]
pub unsafe extern "C" fn lws_cache_results_walk(walk_ctx: *mut lws_cache_results_t) -> c_int {
    entry!(fail = 1, {
        need!(walk_ctx);
        // SAFETY: C's cursor over a lookup result.
        let w = unsafe { &mut *walk_ctx };
        if w.size < 8 || w.ptr.is_null() {
            return 1;
        }
        // SAFETY: at least 8 bytes remain.
        let hdr = unsafe { core::slice::from_raw_parts(w.ptr, 8) };
        let pl = u32::from_be_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]) as usize;
        let tl = u32::from_be_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]) as usize;
        if w.size < 8 + tl + 1 {
            return 1;
        }
        w.payload_len = pl;
        w.tag_len = tl;
        // SAFETY: within the result, as just checked.
        unsafe {
            w.tag = w.ptr.add(8);
            w.ptr = w.ptr.add(8 + tl + 1);
        }
        w.size -= 8 + tl + 1;
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard(b"a*", b"abc"));
        assert!(wildcard(b"*c", b"abc"));
        assert!(wildcard(b"a*c", b"abbbc"));
        assert!(!wildcard(b"a*d", b"abc"));
        assert!(wildcard(b"abc", b"abc"));
        assert!(!wildcard(b"ab", b"abc"));
        assert!(wildcard(b"*", b""));
        assert!(wildcard(b"a*b*c", b"aXbYbZc"));
    }

    #[test]
    fn cookie_paths() {
        assert!(path_in_scope(b"/my/path", b"/"));
        assert!(path_in_scope(b"/my/path", b"/my"));
        assert!(path_in_scope(b"/my/path", b"/my/"));
        assert!(path_in_scope(b"/my/path", b"/my/path"));
        assert!(!path_in_scope(b"/my/path", b"/m"));
        assert!(!path_in_scope(b"/my/path", b"/my/pa"));
        assert!(!path_in_scope(b"/", b"/my"));
        assert!(jar_tag_match(b"h.com|/a/b|*", b"h.com|/a|sid", true));
        assert!(!jar_tag_match(b"h.com|/a/b|*", b"h.com|/a|sid", false));
    }

    #[test]
    fn jar_lines() {
        let (t, e) = jar_line_tag(b"h.com\tFALSE\t/p\tTRUE\t1700000000\tsid\tv=1").unwrap();
        assert_eq!(t, b"h.com|/p|sid");
        assert_eq!(e, 1_700_000_000_000_000);
        assert!(jar_line_tag(b"# comment").is_none());
        assert!(jar_line_tag(b"x").is_none());
    }
}
