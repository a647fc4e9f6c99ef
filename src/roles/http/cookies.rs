//! LCCSCF_CACHE_COOKIES: the HTTP client's cookie jar, kept as lws 4.3 keeps it.
//!
//! A context created with `http_nsc_filepath` has two cache levels (`capi::cache`): a
//! Netscape cookie-jar file and a heap level in front of it (sized by
//! `http_nsc_heap_max_*`).  An answer's `Set-Cookie` lines are written through both
//! under the key `domain|path|name`, as a jar line (domain, host-only, path, secure,
//! expiry, name, value); a request looks up `domain|path|*` for the connect address and
//! each of its parent domains but the last label (host-only cookies only for the address
//! itself) and sends what it finds as one `cookie:` header before
//! APPEND_HANDSHAKE_HEADER.
//!
//! As lws: a cookie without an expiry (a session cookie) is not kept, the default domain
//! is the connect address (host-only), the default path the request path without its
//! query.  Where we are stricter than lws, on purpose: `Max-Age` is honoured (lws reads
//! only `Expires`; 0 or less removes the cookie), `Expires` is read as the GMT it is
//! (lws converts it as local time), a `Domain` that the address is not inside is refused
//! (lws would store it and send it to that other domain), a `Secure` cookie is only sent
//! over TLS, and a name, value, domain or path holding a tab, CR or LF is refused (it
//! would corrupt the jar file's lines).
use crate::abi::*;
use crate::capi::cache::{
    lws_cache_create, lws_cache_destroy, lws_cache_item_get, lws_cache_item_remove,
    lws_cache_lookup, lws_cache_ops_heap, lws_cache_ops_nscookiejar, lws_cache_results_walk,
    lws_cache_write_through,
};
use crate::core::*;
use core::ffi::{c_void, CStr};
use core::ptr::null_mut;
use std::ffi::CString;

/// lws's limit on a `domain|path|name` key.
const MAX_KEY: usize = 128;

/// The context's cookie jar: the heap level and the file level behind it.
pub(crate) struct Jar {
    l1: *mut lws_cache_ttl_lru,
    nsc: *mut lws_cache_ttl_lru,
}

impl Jar {
    /// The jar `info.http_nsc_filepath` asks for (None without one); Err when it cannot
    /// be made (the context fails, as lws's).
    ///
    /// # Safety
    /// `info`'s strings are NULL or NUL-terminated, as lws's contract says.
    pub(crate) unsafe fn new(
        ctx: *mut lws_context,
        info: &lws_context_creation_info,
    ) -> Result<Option<Box<Jar>>, ()> {
        if info.http_nsc_filepath.is_null() {
            return Ok(None);
        }
        // SAFETY: plain C data; all-zero is "nothing set".
        let mut ci: lws_cache_creation_info = unsafe { core::mem::zeroed() };
        ci.cx = ctx;
        ci.ops = &lws_cache_ops_nscookiejar;
        ci.name = c"NSC".as_ptr();
        ci.u.nscookiejar.filepath = info.http_nsc_filepath;
        // SAFETY: a filled-in creation info.
        let nsc = unsafe { lws_cache_create(&ci) };
        if nsc.is_null() {
            return Err(());
        }
        ci.ops = &lws_cache_ops_heap;
        ci.name = c"L1".as_ptr();
        ci.parent = nsc;
        ci.max_footprint = info.http_nsc_heap_max_footprint;
        ci.max_items = info.http_nsc_heap_max_items;
        ci.max_payload = info.http_nsc_heap_max_payload;
        // SAFETY: as above.
        let l1 = unsafe { lws_cache_create(&ci) };
        let j = Box::new(Jar { l1, nsc });
        if l1.is_null() {
            return Err(());
        }
        Ok(Some(j))
    }
}

impl Drop for Jar {
    fn drop(&mut self) {
        // SAFETY: levels this jar made; the heap level goes before the file it fronts.
        unsafe {
            lws_cache_destroy(&mut self.l1);
            lws_cache_destroy(&mut self.nsc);
        }
    }
}

/// What the connection needs: its heap level (None: no jar, logged), the connect
/// address and the request path without its query.
fn target(w: *mut lws) -> Option<(*mut lws_cache_ttl_lru, String, String)> {
    let s = wref!(w);
    let flags = s.client.as_ref()?.http.as_ref()?.flags;
    if flags & LCCSCF_CACHE_COOKIES as u32 == 0 {
        return None;
    }
    let Some(jar) = cx!(s.ctx).cookies.as_ref() else {
        lwsl_err!("LCCSCF_CACHE_COOKIES: no cookie jar (info.http_nsc_filepath)");
        return None;
    };
    let c = s.client.as_ref()?;
    let path = c.path.split('?').next().unwrap_or("").to_owned();
    Some((jar.l1, c.address.to_ascii_lowercase(), path))
}

/// One `Set-Cookie` value, as lws's parser splits it.
#[derive(Debug, Default, PartialEq)]
struct SetCookie {
    name: Vec<u8>,
    value: Vec<u8>,
    domain: Option<Vec<u8>>,
    path: Option<Vec<u8>>,
    expires: Option<Vec<u8>>,
    max_age: Option<Vec<u8>>,
    secure: bool,
}

fn trim(b: &[u8]) -> &[u8] {
    crate::http::request::trim_ows(b)
}

/// `name=value` then `; attribute[=value]` pairs; None without a name.
fn parse(v: &[u8]) -> Option<SetCookie> {
    let mut parts = v.split(|&b| b == b';');
    let first = parts.next()?;
    let eq = first.iter().position(|&b| b == b'=')?;
    let mut c = SetCookie {
        name: trim(&first[..eq]).to_vec(),
        ..Default::default()
    };
    if c.name.is_empty() {
        return None;
    }
    let mut val = trim(&first[eq + 1..]);
    if val.len() >= 2 && val[0] == b'"' && val[val.len() - 1] == b'"' {
        val = &val[1..val.len() - 1];
    }
    c.value = val.to_vec();
    for a in parts {
        let a = trim(a);
        let (k, v) = match a.iter().position(|&b| b == b'=') {
            Some(i) => (trim(&a[..i]), Some(trim(&a[i + 1..]))),
            None => (a, None),
        };
        match (k.to_ascii_lowercase().as_slice(), v) {
            (b"domain", Some(d)) => {
                let d = d.strip_prefix(b".").unwrap_or(d);
                c.domain = Some(d.to_ascii_lowercase());
            }
            (b"path", Some(p)) => c.path = Some(p.to_vec()),
            (b"expires", Some(e)) => c.expires = Some(e.to_vec()),
            (b"max-age", Some(m)) => c.max_age = Some(m.to_vec()),
            (b"secure", _) => c.secure = true,
            _ => {}
        }
    }
    Some(c)
}

/// The fields of a jar line a request needs.
#[derive(Debug, PartialEq)]
struct JarLine<'a> {
    hostonly: bool,
    secure: bool,
    name: &'a [u8],
    value: &'a [u8],
}

/// A jar line: domain, host-only, path, secure, expiry, name, value (tab-separated).
fn jar_fields(line: &[u8]) -> Option<JarLine<'_>> {
    let f: Vec<&[u8]> = line.splitn(7, |&b| b == b'\t').collect();
    if f.len() != 7 {
        return None;
    }
    Some(JarLine {
        hostonly: f[1] == b"TRUE",
        secure: f[3] == b"TRUE",
        name: f[5],
        value: f[6],
    })
}

/// What a `Set-Cookie` does to the jar.
#[derive(Debug)]
enum Entry {
    /// Store `line` under `key` until `expires` (Unix seconds).
    Keep {
        key: Vec<u8>,
        line: Vec<u8>,
        expires: i64,
    },
    /// The server asked for the cookie under `key` to go.
    Remove(Vec<u8>),
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What `c`, received for `address`/`path`, does to the jar; None: nothing (not kept).
fn jar_entry(c: &SetCookie, address: &str, path: &str, now: i64) -> Option<Entry> {
    let (domain, hostonly) = match &c.domain {
        Some(d) if !d.is_empty() => {
            let a = address.as_bytes();
            let inside = a == d.as_slice()
                || (a.len() > d.len() && a.ends_with(d) && a[a.len() - d.len() - 1] == b'.');
            if !inside {
                lwsl_warn!(
                    "cookie {}: domain {} does not contain {}: refused",
                    String::from_utf8_lossy(&c.name),
                    String::from_utf8_lossy(d),
                    address
                );
                return None;
            }
            (d.clone(), false)
        }
        _ => (address.as_bytes().to_vec(), true),
    };
    let path = match &c.path {
        Some(p) if p.first() == Some(&b'/') => p.clone(),
        _ => path.as_bytes().to_vec(),
    };
    let bad = |b: &[u8]| {
        b.iter()
            .any(|&x| x == b'\t' || x == b'\r' || x == b'\n' || x == 0)
    };
    if [&c.name, &c.value, &domain, &path].iter().any(|f| bad(f)) {
        return None;
    }
    let mut key = domain.clone();
    key.push(b'|');
    key.extend_from_slice(&path);
    key.push(b'|');
    key.extend_from_slice(&c.name);
    if key.len() + 6 > MAX_KEY {
        return None;
    }
    let expires = if let Some(m) = &c.max_age {
        let secs: i64 = core::str::from_utf8(m).ok()?.trim().parse().ok()?;
        if secs <= 0 {
            return Some(Entry::Remove(key));
        }
        now.saturating_add(secs)
    } else if let Some(e) = &c.expires {
        let t = crate::tokenize::http_date_parse(e)?;
        if t <= now {
            return Some(Entry::Remove(key));
        }
        t
    } else {
        lwsl_warn!(
            "cookie {}: a session cookie (no expiry) is not kept",
            String::from_utf8_lossy(&c.name)
        );
        return None;
    };
    let tf = |b: bool| if b { "TRUE" } else { "FALSE" };
    let mut line = Vec::new();
    line.extend_from_slice(&domain);
    line.extend_from_slice(format!("\t{}\t", tf(hostonly)).as_bytes());
    line.extend_from_slice(&path);
    line.extend_from_slice(format!("\t{}\t{}\t", tf(c.secure), expires).as_bytes());
    line.extend_from_slice(&c.name);
    line.push(b'\t');
    line.extend_from_slice(&c.value);
    Some(Entry::Keep { key, line, expires })
}

/// The answer's head arrived: its `Set-Cookie` lines go into the jar (before a redirect
/// is followed, as in lws).
pub(crate) fn store(w: *mut lws) {
    let Some((l1, address, path)) = target(w) else {
        return;
    };
    let values: Vec<Vec<u8>> = {
        let s = wref!(w);
        let Some(req) = s.req.as_ref() else { return };
        req.headers
            .iter()
            .filter(|(n, _)| s.hdr[n.clone()].eq_ignore_ascii_case(b"set-cookie"))
            .map(|(_, v)| s.hdr[v.clone()].to_vec())
            .collect()
    };
    let now = unix_now();
    for v in values {
        let Some(c) = parse(&v) else { continue };
        match jar_entry(&c, &address, &path, now) {
            Some(Entry::Keep { key, line, expires }) => {
                let Ok(k) = CString::new(key) else { continue };
                // SAFETY: a live cache level, a C string key, `line` readable.
                let r = unsafe {
                    lws_cache_write_through(
                        l1,
                        k.as_ptr(),
                        line.as_ptr(),
                        line.len(),
                        expires.saturating_mul(1_000_000),
                        null_mut(),
                    )
                };
                if r != 0 {
                    lwsl_err!("cookie jar: cannot write {}", k.to_string_lossy());
                }
            }
            Some(Entry::Remove(key)) => {
                if let Ok(k) = CString::new(key) {
                    // SAFETY: a live cache level and a C string key.
                    unsafe { lws_cache_item_remove(l1, k.as_ptr()) };
                }
            }
            None => {}
        }
    }
}

/// The `cookie:` header line (with its CRLF) for the request `w` is about to send, if
/// the jar has cookies for it.
pub(crate) fn header(w: *mut lws) -> Option<Vec<u8>> {
    let (l1, address, mut path) = target(w)?;
    if path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    if path.is_empty() {
        return None;
    }
    let tls = wref!(w).client.as_ref().is_some_and(|c| c.tls.is_some());
    let mut out: Vec<u8> = Vec::new();
    let mut domain = address.as_str();
    let mut first = true;
    while let Some(dot) = domain.find('.') {
        let Ok(wc) = CString::new(format!("{domain}|{path}|*")) else {
            break;
        };
        let mut p: *const c_void = core::ptr::null();
        let mut size = 0usize;
        // SAFETY: a live cache level, a C string, out pointers to locals.
        if unsafe { lws_cache_lookup(l1, wc.as_ptr(), &mut p, &mut size) } == 0 && !p.is_null() {
            // Copied: getting the items below may change the level the result lives in.
            // SAFETY: the lookup result is `size` readable bytes.
            let res = unsafe { core::slice::from_raw_parts(p as *const u8, size) }.to_vec();
            let mut cr = lws_cache_results_t {
                ptr: res.as_ptr(),
                size: res.len(),
                payload_len: 0,
                tag_len: 0,
                tag: core::ptr::null(),
            };
            // SAFETY: a cursor over our copy of the result.
            while unsafe { lws_cache_results_walk(&mut cr) } == 0 {
                let mut po: *const c_void = core::ptr::null();
                let mut n = 0usize;
                // SAFETY: the walk leaves `tag` on a NUL-terminated tag inside `res`.
                let tag = unsafe { CStr::from_ptr(cr.tag.cast()) };
                // SAFETY: a live level, a C string, out pointers to locals.
                if unsafe { lws_cache_item_get(l1, tag.as_ptr(), &mut po, &mut n) } != 0
                    || po.is_null()
                {
                    continue;
                }
                // SAFETY: the item's `n` payload bytes, read before the cache is touched.
                let line = unsafe { core::slice::from_raw_parts(po as *const u8, n) };
                let Some(j) = jar_fields(line) else {
                    continue;
                };
                if (j.hostonly && !first) || (j.secure && !tls) {
                    continue;
                }
                if !out.is_empty() {
                    out.extend_from_slice(b"; ");
                }
                out.extend_from_slice(j.name);
                out.push(b'=');
                out.extend_from_slice(j.value);
            }
        }
        domain = &domain[dot + 1..];
        first = false;
    }
    if out.is_empty() {
        return None;
    }
    let mut h = b"cookie: ".to_vec();
    h.extend_from_slice(&out);
    h.extend_from_slice(b"\r\n");
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_set_cookie() {
        let c =
            parse(b" sid = \"abc\" ; Path=/x; Domain=.Example.com; Max-Age=60; Secure; HttpOnly")
                .unwrap();
        assert_eq!(c.name, b"sid");
        assert_eq!(c.value, b"abc");
        assert_eq!(c.path.as_deref(), Some(&b"/x"[..]));
        assert_eq!(c.domain.as_deref(), Some(&b"example.com"[..]));
        assert_eq!(c.max_age.as_deref(), Some(&b"60"[..]));
        assert!(c.secure);
        assert!(parse(b"=x").is_none());
        assert!(parse(b"novalue").is_none());
    }

    #[test]
    fn jar_lines() {
        let c = parse(b"a=1; Max-Age=10").unwrap();
        let Some(Entry::Keep {
            key: k,
            line: l,
            expires: e,
        }) = jar_entry(&c, "127.0.0.1", "/p", 1000)
        else {
            panic!()
        };
        assert_eq!(k, b"127.0.0.1|/p|a");
        assert_eq!(l, b"127.0.0.1\tTRUE\t/p\tFALSE\t1010\ta\t1");
        assert_eq!(e, 1010);
        // Expires as GMT; Max-Age wins over it; 0 removes.
        let c = parse(b"b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/").unwrap();
        let Some(Entry::Keep { line: l, .. }) = jar_entry(&c, "h.example.com", "/p", 1000) else {
            panic!()
        };
        assert_eq!(l, b"h.example.com\tTRUE\t/\tFALSE\t2139722880\tb\t2");
        let c = parse(b"b=2; Max-Age=0").unwrap();
        assert!(matches!(
            jar_entry(&c, "h.example.com", "/", 1000),
            Some(Entry::Remove(_))
        ));
        // Session cookies are not kept; a foreign domain is refused; tabs are refused.
        assert!(jar_entry(&parse(b"s=1").unwrap(), "h.example.com", "/", 0).is_none());
        let c = parse(b"d=1; Domain=other.com; Max-Age=5").unwrap();
        assert!(jar_entry(&c, "h.example.com", "/", 0).is_none());
        let c = parse(b"d=1; Domain=example.com; Max-Age=5").unwrap();
        let Some(Entry::Keep {
            key: k, line: l, ..
        }) = jar_entry(&c, "h.example.com", "/", 0)
        else {
            panic!()
        };
        assert_eq!(k, b"example.com|/|d");
        assert!(l.starts_with(b"example.com\tFALSE\t"));
        assert!(jar_entry(&parse(b"t=a\tb; Max-Age=5").unwrap(), "h.x", "/", 0).is_none());
        assert_eq!(
            jar_fields(b"d\tTRUE\t/\tFALSE\t5\tn\tv=w"),
            Some(JarLine {
                hostonly: true,
                secure: false,
                name: b"n",
                value: b"v=w"
            })
        );
    }
}
