//! MIME types for served files, after lws 4.3's `lws_get_mimetype` (server.c).
//!
//! 1. The mount's `extra_mimetypes`, in order: the first entry whose name starts with
//!    `*` is the fallback for everything (so `*.ext` there means "anything", not a
//!    suffix: lws tests only the first byte); every other name is a suffix compared
//!    case-insensitively (`.ext`, or any tail such as `ext`), and must be shorter than
//!    the file name.
//! 2. lws's own table ([`LWS_MIMETYPES`]), same suffix rule.
//! 3. The fallback, if any.
//! 4. None: lws refuses to serve the file with 415 Unsupported Media Type.
//!
//! A broader table (such as the mime_guess crate) is deliberately not consulted: it would
//! serve files lws refuses (`.c`, `.sh`, `.conf` ... answer 415 with lws), which changes
//! what a mount exposes.  Mounts that want more types list them in extra_mimetypes, as
//! with lws.  An empty value means "send no Content-Type" (lws serves the file without).

/// lws 4.3's built-in table, in its order.
pub const LWS_MIMETYPES: [(&str, &str); 19] = [
    (".html", "text/html"),
    (".htm", "text/html"),
    (".js", "text/javascript"),
    (".css", "text/css"),
    (".png", "image/png"),
    (".jpg", "image/jpeg"),
    (".jpeg", "image/jpeg"),
    (".ico", "image/x-icon"),
    (".gif", "image/gif"),
    (".svg", "image/svg+xml"),
    (".ttf", "application/x-font-ttf"),
    (".otf", "application/font-woff"),
    (".woff", "application/font-woff"),
    (".woff2", "application/font-woff2"),
    (".gz", "application/gzip"),
    (".txt", "text/plain"),
    (".xml", "application/xml"),
    (".json", "application/json"),
    (".mjs", "text/javascript"),
];

/// Where a match came from (lets the C API return lws's own string pointers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MimeHit {
    /// Index into `extra`.
    Extra(usize),
    /// Index into [`LWS_MIMETYPES`].
    Builtin(usize),
}

fn suffix_match(path: &[u8], suffix: &[u8]) -> bool {
    path.len() > suffix.len() && path[path.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// lws_get_mimetype's choice for `path` given the mount's extra (name, value) pairs.
pub fn lookup(path: &[u8], extra: &[(&[u8], &[u8])]) -> Option<MimeHit> {
    let mut fallback = None;
    for (i, (name, _)) in extra.iter().enumerate() {
        if fallback.is_none() && name.first() == Some(&b'*') {
            fallback = Some(i);
            continue;
        }
        if suffix_match(path, name) {
            return Some(MimeHit::Extra(i));
        }
    }
    if let Some(i) = LWS_MIMETYPES
        .iter()
        .position(|(ext, _)| suffix_match(path, ext.as_bytes()))
    {
        return Some(MimeHit::Builtin(i));
    }
    fallback.map(MimeHit::Extra)
}

/// The MIME type lws serves `path` with, None when it refuses (415).
pub fn mime_type(path: &[u8], extra: &[(&[u8], &[u8])]) -> Option<String> {
    Some(match lookup(path, extra)? {
        MimeHit::Extra(i) => String::from_utf8_lossy(extra[i].1).into_owned(),
        MimeHit::Builtin(i) => LWS_MIMETYPES[i].1.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin() {
        assert_eq!(
            mime_type(b"/www/index.html", &[]).as_deref(),
            Some("text/html")
        );
        assert_eq!(mime_type(b"A.JS", &[]).as_deref(), Some("text/javascript"));
        assert_eq!(
            mime_type(b"x.woff2", &[]).as_deref(),
            Some("application/font-woff2")
        );
        assert_eq!(
            mime_type(b"x.json", &[]).as_deref(),
            Some("application/json")
        );
        assert_eq!(mime_type(b"x.svg", &[]).as_deref(), Some("image/svg+xml"));
        assert_eq!(mime_type(b"x.txt", &[]).as_deref(), Some("text/plain"));
        assert_eq!(mime_type(b"x.c", &[]), None);
        assert_eq!(mime_type(b"noext", &[]), None);
        // The name must be longer than the suffix.
        assert_eq!(mime_type(b".html", &[]), None);
    }

    #[test]
    fn extra_first_and_fallback() {
        let extra: [(&[u8], &[u8]); 3] = [
            (b".html", b"text/x-mine"),
            (b"*.zip", b"application/octet-stream"),
            (b".C", b"text/x-c"),
        ];
        assert_eq!(mime_type(b"a.html", &extra).as_deref(), Some("text/x-mine"));
        assert_eq!(mime_type(b"a.c", &extra).as_deref(), Some("text/x-c"));
        assert_eq!(mime_type(b"a.css", &extra).as_deref(), Some("text/css"));
        // The first '*' entry is "anything", whatever follows the '*'.
        assert_eq!(
            mime_type(b"a.bin", &extra).as_deref(),
            Some("application/octet-stream")
        );
        // A later '*' entry is a plain suffix.
        let extra2: [(&[u8], &[u8]); 2] = [(b"*", b"x/any"), (b"*.q", b"x/q")];
        assert_eq!(mime_type(b"a*.q", &extra2).as_deref(), Some("x/q"));
        assert_eq!(mime_type(b"a.q", &extra2).as_deref(), Some("x/any"));
        assert_eq!(lookup(b"a.q", &extra2), Some(MimeHit::Extra(0)));
        assert_eq!(lookup(b"a.png", &extra2), Some(MimeHit::Builtin(4)));
    }
}
