//! ETag, If-None-Match and Cache-Control for served files, after lws 4.3's
//! `lws_http_serve` and `lws_serve_http_file` (server.c).
//!
//! * The ETag is the file's size then its mtime (the low 32 bits of `st_mtime`), each as
//!   at least 8 upper-case hex digits, with no quotes: `%08llX%08lX`.
//! * If-None-Match matches only when the whole header value equals the ETag byte for
//!   byte (no quotes, no lists, no `*`, no `W/`): then 304 with the ETag and the
//!   Cache-Control below and no body.  An If-Range that differs from it drops the Range.
//! * Cache-Control: `no-store` unless the mount has `cache_max_age` nonzero and
//!   `cache_reusable`; then `private, max-age=N` (`public` with `cache_intermediaries`),
//!   prefixed by `must-revalidate, ` with `cache_revalidate`.  lws leaves it out of a
//!   file response whose `other_headers` already hold `cache-control`/`Cache-Control`.

/// The ETag lws sends for a file of `size` bytes modified at `mtime` (Unix seconds).
pub fn etag(size: u64, mtime: i64) -> String {
    format!("{:08X}{:08X}", size, mtime as u32)
}

/// Whether an If-None-Match value means "not modified" (lws: strcmp with the ETag).
pub fn if_none_match(header: &[u8], etag: &str) -> bool {
    header == etag.as_bytes()
}

/// Whether an If-Range value (when sent) cancels the Range header.
pub fn if_range_cancels_range(header: &[u8], etag: &str) -> bool {
    header != etag.as_bytes()
}

/// The Cache-Control value from a mount's cache settings.
pub fn cache_control(
    max_age: i32,
    reusable: bool,
    revalidate: bool,
    intermediaries: bool,
) -> String {
    if max_age == 0 || !reusable {
        return "no-store".into();
    }
    let who = if intermediaries { "public" } else { "private" };
    let pre = if revalidate { "must-revalidate, " } else { "" };
    // lws keeps the age as unsigned and prints it with %u.
    format!("{pre}{who}, max-age={}", max_age as u32)
}

/// Whether lws leaves its own Cache-Control out because `other_headers` has one.
pub fn other_headers_have_cache_control(other: &[u8]) -> bool {
    let has = |n: &[u8]| other.windows(n.len()).any(|w| w == n);
    has(b"cache-control") || has(b"Cache-Control")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_format() {
        assert_eq!(etag(0x1234, 0x5f00_0000), "000012345F000000");
        assert_eq!(etag(0x10_0000_0000, 1), "100000000000000001");
        assert_eq!(etag(5, 0x1_2345_6789), "0000000523456789");
        let e = etag(10, 20);
        assert!(if_none_match(e.as_bytes(), &e));
        assert!(!if_none_match(format!("\"{e}\"").as_bytes(), &e));
        assert!(!if_none_match(b"*", &e));
        assert!(if_range_cancels_range(b"other", &e));
        assert!(!if_range_cancels_range(e.as_bytes(), &e));
    }

    #[test]
    fn cache_control_values() {
        assert_eq!(cache_control(0, true, false, false), "no-store");
        assert_eq!(cache_control(60, false, true, true), "no-store");
        assert_eq!(cache_control(60, true, false, false), "private, max-age=60");
        assert_eq!(cache_control(60, true, false, true), "public, max-age=60");
        assert_eq!(
            cache_control(60, true, true, false),
            "must-revalidate, private, max-age=60"
        );
        assert_eq!(
            cache_control(-1, true, false, true),
            "public, max-age=4294967295"
        );
        assert!(other_headers_have_cache_control(
            b"x: 1\r\nCache-Control: no-cache\r\n"
        ));
        assert!(!other_headers_have_cache_control(b"CACHE-CONTROL: x\r\n"));
    }
}
