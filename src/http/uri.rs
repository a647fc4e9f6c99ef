//! The request-target as lws 4.3's header parser leaves it (parsers.c,
//! `lws_parse_urldecode` and the end-of-URI step of `lws_parse`), plus
//! `lws_get_urlarg_by_name_safe`'s matching.  Checked against lws 4.3.10.
//!
//! One pass over the target, byte by byte, as lws does:
//! * `%xx` is decoded first (a bad hex digit, or a `%` left unfinished at the end: 403),
//!   and the decoded byte then goes through the path rules below, so `%2e%2e` is `..`
//!   and `%2f` is `/`; an encoded `?`, `&`, `;`, `=` or `+` is not a delimiter.
//! * NUL (`%00`) is refused in the path (lws drops the connection); in the arguments it
//!   is allowed only after a fragment's literal `=`.
//! * Path: `//` collapses, `/./` goes, `/..` followed by `/`, `?` (even encoded) or the
//!   end pops the last segment, never above `/` (`/..` then `?` at the root swallows the
//!   `?`: `/a/..?x=1` is the path `/x=1`, lws's quirk).  `/.x` and `/..x` stay.  `+` is
//!   a space except right after a `/`; an unencoded `&` or `;` splits the path into
//!   fragments (lws_hdr_copy joins them with `,`).
//! * Arguments (after the first literal `?`): split at `&` and `;`, `%xx` decoded, `+`
//!   is a space, an encoded `=` before the fragment's first literal `=` becomes `_`.  An
//!   empty last fragment (`/a?` or `/a?x=1&`) holds `/` (lws's "enforce starting with /"
//!   applied to whatever fragment is open).
//! * A target that does not start with `/` (`*`, `http://...`, `a/b`): 403.

/// Why a request-target is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UriError {
    /// lws answers 403 Forbidden.
    Forbidden,
    /// lws drops the connection without an answer (a NUL in the path).
    Fail,
}

/// A parsed request-target: the path as fragments (one unless it held a literal `&` or
/// `;`), and the argument fragments if there was a `?`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub path: Vec<Vec<u8>>,
    pub args: Option<Vec<Vec<u8>>>,
}

impl Target {
    /// The path as lws_hdr_copy(WSI_TOKEN_GET_URI) gives it: fragments joined by `,`.
    pub fn path_joined(&self) -> Vec<u8> {
        self.path.join(&b","[..])
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ups {
    Idle,
    Slash,
    SlashDot,
    SlashDotDot,
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// lws's "back up one dir level": drop the trailing `/`, then bytes up to and including
/// the previous `/`, never below one byte.
fn pop_segment(frag: &mut Vec<u8>) {
    if frag.len() > 2 {
        frag.pop();
        while let Some(x) = frag.pop() {
            if !(frag.len() > 1 && x != b'/') {
                break;
            }
        }
    }
}

/// Parses a request-target (the bytes between the method and the HTTP version).
pub fn parse_target(raw: &[u8]) -> Result<Target, UriError> {
    let mut path: Vec<Vec<u8>> = vec![Vec::new()];
    let mut args: Option<Vec<Vec<u8>>> = None;
    let mut ups = Ups::Idle;
    let mut pct: Option<Option<u8>> = None; // Some(None): saw %, Some(Some(h)): saw %h
    let mut post_literal_equal = false;

    fn cur<'a>(path: &'a mut [Vec<u8>], args: &'a mut Option<Vec<Vec<u8>>>) -> &'a mut Vec<u8> {
        match args {
            Some(a) => a.last_mut().expect("args always has a fragment"),
            None => path.last_mut().expect("path always has a fragment"),
        }
    }

    for &raw_c in raw {
        let mut c = raw_c;
        let mut enc = false;
        match pct {
            None if c == b'%' => {
                pct = Some(None);
                continue;
            }
            None => {}
            Some(None) => {
                hex(c).ok_or(UriError::Forbidden)?;
                pct = Some(Some(c));
                continue;
            }
            Some(Some(h1)) => {
                let lo = hex(c).ok_or(UriError::Forbidden)?;
                c = (hex(h1).unwrap_or(0) << 4) | lo;
                enc = true;
                pct = None;
            }
        }
        if c == 0 && (args.is_none() || !post_literal_equal) {
            lwsl_warn!("request target: NUL outside of the URI arguments");
            return Err(UriError::Fail);
        }
        match ups {
            Ups::Idle => {
                if (c == b'&' || c == b';') && !enc {
                    match &mut args {
                        Some(a) => a.push(Vec::new()),
                        None => path.push(Vec::new()),
                    }
                    post_literal_equal = false;
                    continue;
                }
                if c == b'=' && enc && args.is_some() && !post_literal_equal {
                    c = b'_';
                }
                if c == b'=' && !enc {
                    post_literal_equal = true;
                }
                if c == b'+' && !enc {
                    c = b' ';
                }
                if c == b'/' && args.is_none() {
                    ups = Ups::Slash;
                }
            }
            Ups::Slash => {
                if c == b'/' {
                    continue;
                }
                if c == b'.' {
                    ups = Ups::SlashDot;
                    continue;
                }
                ups = Ups::Idle;
            }
            Ups::SlashDot => {
                if c == b'.' {
                    ups = Ups::SlashDotDot;
                    continue;
                }
                if c == b'/' {
                    ups = Ups::Slash;
                    continue;
                }
                ups = Ups::Idle;
                cur(&mut path, &mut args).push(b'.');
            }
            Ups::SlashDotDot => {
                if c == b'/' || c == b'?' {
                    let f = cur(&mut path, &mut args);
                    pop_segment(f);
                    ups = Ups::Slash;
                    if f.len() <= 1 {
                        continue;
                    }
                } else {
                    cur(&mut path, &mut args).extend_from_slice(b"..");
                    ups = Ups::Idle;
                }
            }
        }
        if c == b'?' && !enc && args.is_none() {
            args = Some(vec![Vec::new()]);
            post_literal_equal = false;
            ups = Ups::Idle;
            continue;
        }
        cur(&mut path, &mut args).push(c);
    }
    // The end of the target (lws: the space before the HTTP version).
    let f = cur(&mut path, &mut args);
    if f.is_empty() {
        f.push(b'/');
    }
    if ups == Ups::SlashDotDot {
        pop_segment(f);
    }
    if pct.is_some() {
        return Err(UriError::Forbidden);
    }
    if path[0].first() != Some(&b'/') {
        return Err(UriError::Forbidden);
    }
    Ok(Target { path, args })
}

/// The path part as lws leaves it (fragments joined by `,`, as lws_hdr_copy gives it),
/// None when lws refuses the target.  `raw` may include the `?...` part.
pub fn sanitize_path(raw: &[u8]) -> Option<Vec<u8>> {
    parse_target(raw).ok().map(|t| t.path_joined())
}

/// The argument fragments of a query string (what follows the `?`) as lws stores them
/// in WSI_TOKEN_HTTP_URI_ARGS.  A query lws would refuse gives no fragments.
pub fn split_args(query: &[u8]) -> Vec<Vec<u8>> {
    let mut raw = b"/?".to_vec();
    raw.extend_from_slice(query);
    parse_target(&raw)
        .ok()
        .and_then(|t| t.args)
        .unwrap_or_default()
}

/// lws_get_urlarg_by_name_safe with a buffer of `buf_len` bytes: the first fragment
/// starting with `name` (a plain prefix: `x` also matches `xyz=1`, giving `yz=1`); if
/// `name` does not end in `=` and the fragment has `=` right after it, that is skipped.
/// A fragment too long for the buffer (len >= buf_len) ends the search (None); one that
/// leaves no room for lws's NUL (len + 1 == buf_len) is passed over.
pub fn urlarg_by_name_buf<'a>(
    frags: &'a [Vec<u8>],
    name: &[u8],
    buf_len: usize,
) -> Option<&'a [u8]> {
    for f in frags {
        if f.len() >= buf_len {
            return None;
        }
        // lws compares with strncmp: a NUL in the fragment ends it.
        let cmp = &f[..f.iter().position(|&b| b == 0).unwrap_or(f.len())];
        if f.len() + 1 < buf_len && f.len() >= name.len() && cmp.starts_with(name) {
            let mut sl = name.len();
            if name.last() != Some(&b'=') && sl < f.len() && f[sl] == b'=' {
                sl += 1;
            }
            return Some(&f[sl..]);
        }
    }
    None
}

/// [`urlarg_by_name_buf`] with no buffer limit.
pub fn urlarg_by_name<'a>(frags: &'a [Vec<u8>], name: &[u8]) -> Option<&'a [u8]> {
    urlarg_by_name_buf(frags, name, usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(raw: &str) -> Result<(String, Vec<String>), UriError> {
        let t = parse_target(raw.as_bytes())?;
        let s = |v: &[u8]| String::from_utf8_lossy(v).replace('\0', "\\0");
        Ok((
            s(&t.path_joined()),
            t.args.unwrap_or_default().iter().map(|a| s(a)).collect(),
        ))
    }

    fn ok(raw: &str, path: &str, args: &[&str]) {
        assert_eq!(
            t(raw),
            Ok((
                path.to_string(),
                args.iter().map(|s| s.to_string()).collect()
            )),
            "{raw}"
        );
    }

    /// Every case here was run through lws 4.3.10 (lws_hdr_copy of the URI and
    /// lws_hdr_copy_fragment of each argument).
    #[test]
    fn paths_as_lws() {
        ok("/a/b/../c", "/a/c", &[]);
        ok("/a/..?x=1", "/x=1", &[]);
        ok("/a/b/..?x=1", "/a", &["x=1"]);
        ok("/a&b;c/d", "/a,b,c/d", &[]);
        ok("/a+b/+c", "/a b/+c", &[]);
        ok("/%2e%2e/etc", "/etc", &[]);
        ok("/a/%2e%2e/b", "/b", &[]);
        ok("/a%2fb/../c", "/a/c", &[]);
        ok("/./a/./b//c", "/a/b/c", &[]);
        ok("/a/b/..", "/a", &[]);
        ok("/a/b/.", "/a/b/", &[]);
        ok("/a/..", "/", &[]);
        ok("/..", "/", &[]);
        ok("/a/b/...", "/a/b/...", &[]);
        ok("/a/b/../", "/a/", &[]);
        ok("/a/b/..%3f", "/a?", &[]);
        ok("/a/b/.%2e", "/a", &[]);
        ok("/a/b/..;x", "/a/b/..;x", &[]);
        ok("/a/b/..&x", "/a/b/..&x", &[]);
        ok("/ab/..?x", "/x", &[]);
        ok("/a%2F..%2Fb", "/b", &[]);
        ok("/a/b/../../../c", "/c", &[]);
        ok("/a/..x/y", "/a/..x/y", &[]);
        ok("/.hid/..x", "/.hid/..x", &[]);
        ok("/a%3fb", "/a?b", &[]);
        ok("/a/.?x", "/a/.", &["x"]);
    }

    #[test]
    fn args_as_lws() {
        ok(
            "/a?x=1%00z&y%3d2=3&x=zz",
            "/a",
            &["x=1\\0z", "y_2=3", "x=zz"],
        );
        ok("/a?x=a+b%2B&x", "/a", &["x=a b+", "x"]);
        ok("/a?%3F=1&b=?", "/a", &["?=1", "b=?"]);
        ok("/a?x=1;y=2&&z", "/a", &["x=1", "y=2", "", "z"]);
        ok("/?", "/", &["/"]);
        ok("/a?", "/a", &["/"]);
        ok("/a?x=1&", "/a", &["x=1", "/"]);
        ok("/a/b/..?", "/a", &["/"]);
    }

    #[test]
    fn refused_as_lws() {
        assert_eq!(t("/a%00b"), Err(UriError::Fail));
        assert_eq!(t("/a?x%00=1"), Err(UriError::Fail));
        assert_eq!(t("/a%"), Err(UriError::Forbidden));
        assert_eq!(t("/a%4"), Err(UriError::Forbidden));
        assert_eq!(t("/a?x=%zz"), Err(UriError::Forbidden));
        assert_eq!(t("rel/path"), Err(UriError::Forbidden));
        assert_eq!(t("*"), Err(UriError::Forbidden));
        assert_eq!(t("http://h/a/b?x=1"), Err(UriError::Forbidden));
        assert_eq!(sanitize_path(b"/a%00"), None);
        assert_eq!(sanitize_path(b"/x/../y?q"), Some(b"/y".to_vec()));
    }

    #[test]
    fn split_args_and_urlarg() {
        let f = split_args(b"x=1&xyz=12345&y=a+b%26c&flag");
        assert_eq!(
            f,
            [
                b"x=1".to_vec(),
                b"xyz=12345".to_vec(),
                b"y=a b&c".to_vec(),
                b"flag".to_vec()
            ]
        );
        assert_eq!(urlarg_by_name(&f, b"x="), Some(&b"1"[..]));
        assert_eq!(urlarg_by_name(&f, b"x"), Some(&b"1"[..]));
        assert_eq!(urlarg_by_name(&f, b"xy"), Some(&b"z=12345"[..]));
        assert_eq!(urlarg_by_name(&f, b"y="), Some(&b"a b&c"[..]));
        assert_eq!(urlarg_by_name(&f, b"flag"), Some(&b""[..]));
        assert_eq!(urlarg_by_name(&f, b"z="), None);
        // lws 4.3.10 with a 4-byte buffer: "x=1" leaves no room, "x" fits.
        assert_eq!(urlarg_by_name_buf(&f, b"x", 4), None);
        let g = split_args(b"x");
        assert_eq!(urlarg_by_name_buf(&g, b"x", 4), Some(&b""[..]));
        // A fragment too long for the buffer stops the search.
        let h = split_args(b"long=123456&x=1");
        assert_eq!(urlarg_by_name_buf(&h, b"x=", 8), None);
        assert_eq!(urlarg_by_name_buf(&h, b"x=", 12), Some(&b"1"[..]));
    }
}
