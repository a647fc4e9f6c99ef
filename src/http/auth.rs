//! HTTP basic auth for mounts with `basic_auth_login_file`, after lws 4.3's
//! `lws_check_basic_auth`, `lws_find_string_in_file` and `lws_unauthorised_basic_auth`
//! (server.c).
//!
//! * No Authorization header: 401 with `WWW-Authenticate: Basic realm="lwsws"` and
//!   `content-length: 0` ([`WWW_AUTHENTICATE`]).
//! * A header of 160 bytes or more, under 7 bytes, whose first 5 bytes are not "Basic"
//!   (any case), or whose decoded credentials (lws's lenient base64, the text from byte
//!   6 on, at most 119 bytes decoded) have no `:` before any NUL: 403.
//! * Otherwise the credentials are looked up in the login file; not found: 401.
//!   lws's lookup is a plain substring scan of the whole file, not of whole lines: the
//!   credentials must be followed by CR, LF or the end of the file, but may start
//!   anywhere in a line (so the line `xuser:pw` also admits `user:pw`), and after a
//!   partial match the mismatching byte is not retried as a new start (`uuser:pw` does
//!   not admit `user:pw`).  Both kept, as lws does it.
//! * Accepted: lws rewrites the Authorization header to the user name alone
//!   ([`username`]).

/// What lws sends with a 401.
pub const WWW_AUTHENTICATE: &str = "Basic realm=\"lwsws\"";

/// The outcome of checking an Authorization header value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BasicAuth {
    /// No credentials sent: 401 with [`WWW_AUTHENTICATE`].
    Missing,
    /// Malformed: lws answers 403.
    Malformed,
    /// The decoded `user:password` (may contain NULs after the `:`).
    Credentials(Vec<u8>),
}

/// lws reads the header into this many bytes; a value this long or longer is refused.
const AUTH_BUF: usize = 160;
/// lws decodes into (160 * 3) / 4 bytes, keeping one for its NUL.
const PLAIN_MAX: usize = AUTH_BUF * 3 / 4 - 1;

/// Checks an Authorization header value (empty: none was sent) as lws does.
pub fn parse_basic_auth(value: &[u8]) -> BasicAuth {
    if value.is_empty() {
        return BasicAuth::Missing;
    }
    if value.len() >= AUTH_BUF || value.len() < 7 {
        lwsl_err!("basic auth: header length {} refused", value.len());
        return BasicAuth::Malformed;
    }
    if !value[..5].eq_ignore_ascii_case(b"Basic") {
        lwsl_err!("basic auth: not Basic");
        return BasicAuth::Malformed;
    }
    let b64 = &value[6..];
    let b64 = &b64[..b64.iter().position(|&b| b == 0).unwrap_or(b64.len())];
    let (plain, used) = crate::misc::b64_decode(b64, PLAIN_MAX);
    let plain = if used == 0 { Vec::new() } else { plain };
    let upto_nul = &plain[..plain.iter().position(|&b| b == 0).unwrap_or(plain.len())];
    if !upto_nul.contains(&b':') {
        lwsl_err!("basic auth: format broken");
        return BasicAuth::Malformed;
    }
    BasicAuth::Credentials(plain)
}

/// The decoded `user:pass` of a well-formed `Basic` header value, else None.
pub fn basic_auth_credentials(header_value: &[u8]) -> Option<Vec<u8>> {
    match parse_basic_auth(header_value) {
        BasicAuth::Credentials(c) => Some(c),
        _ => None,
    }
}

/// The user name: the credentials up to the first `:`.
pub fn username(creds: &[u8]) -> &[u8] {
    &creds[..creds.iter().position(|&b| b == b':').unwrap_or(creds.len())]
}

/// lws_find_string_in_file over bytes already read.
pub fn find_credentials(file: &[u8], creds: &[u8]) -> bool {
    let mut matched = 0;
    for &b in file {
        if matched == creds.len() {
            if b == b'\r' || b == b'\n' {
                return true;
            }
            matched = 0;
        }
        if creds.get(matched) == Some(&b) {
            matched += 1;
        } else {
            matched = 0;
        }
    }
    matched == creds.len()
}

/// Whether `creds` (`user:password`) is in the login file at `path`.  An unreadable
/// file admits no one (logged, as lws does).
pub fn check_login_file(path: &[u8], creds: &[u8]) -> bool {
    use std::os::unix::ffi::OsStrExt;
    match std::fs::read(std::ffi::OsStr::from_bytes(path)) {
        Ok(file) => find_credentials(&file, creds),
        Err(_) => {
            lwsl_err!("can't open auth file: {}", String::from_utf8_lossy(path));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_forms() {
        // "Aladdin:open sesame"
        let good = b"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
        assert_eq!(
            basic_auth_credentials(good),
            Some(b"Aladdin:open sesame".to_vec())
        );
        assert_eq!(
            basic_auth_credentials(b"bAsIc QWxhZGRpbjpvcGVuIHNlc2FtZQ"),
            Some(b"Aladdin:open sesame".to_vec())
        );
        assert_eq!(parse_basic_auth(b""), BasicAuth::Missing);
        assert_eq!(parse_basic_auth(b"Basic"), BasicAuth::Malformed);
        assert_eq!(parse_basic_auth(b"Bearer abcdef"), BasicAuth::Malformed);
        // no colon
        assert_eq!(parse_basic_auth(b"Basic dXNlcg=="), BasicAuth::Malformed);
        let long = format!("Basic {}", "QUFB".repeat(39));
        assert_eq!(long.len(), 162);
        assert_eq!(parse_basic_auth(long.as_bytes()), BasicAuth::Malformed);
        assert_eq!(username(b"user:pa:ss"), b"user");
    }

    #[test]
    fn file_lookup_as_lws() {
        let f = b"# users\nann:secret\r\nbob:pw\nxuser:pw\nuuser:zz";
        assert!(find_credentials(f, b"ann:secret"));
        assert!(find_credentials(f, b"bob:pw"));
        assert!(!find_credentials(f, b"bob:p"));
        assert!(!find_credentials(f, b"ann:secre"));
        // lws's substring scan: a line's tail matches, the end of the file counts.
        assert!(find_credentials(f, b"user:pw"));
        assert!(!find_credentials(f, b"user:zz"));
        assert!(find_credentials(f, b"uuser:zz"));
        assert!(!find_credentials(b"", b"a:b"));
    }

    #[test]
    fn login_file() {
        let dir = std::env::temp_dir().join(format!("lws-auth-{}", std::process::id()));
        std::fs::write(&dir, b"ann:secret\n").unwrap();
        use std::os::unix::ffi::OsStrExt;
        let p = dir.as_os_str().as_bytes();
        assert!(check_login_file(p, b"ann:secret"));
        assert!(!check_login_file(p, b"ann:wrong"));
        std::fs::remove_file(&dir).unwrap();
        assert!(!check_login_file(p, b"ann:secret"));
    }
}
