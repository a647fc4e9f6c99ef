//! HTTP/1.1 request heads, without I/O.
//!
//! [`parse_request`] parses a request head with `httparse` and records byte ranges into
//! the caller's buffer (so the result does not borrow it and can be kept while more bytes
//! are read into the same buffer).

use std::ops::Range;

/// Most header lines accepted in a request head.
pub const MAX_HEADERS: usize = 64;

/// A parsed request head.  All ranges index the buffer given to [`parse_request`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: Range<usize>,
    /// The request target as sent (path and query).
    pub path: Range<usize>,
    /// HTTP minor version: 1 for HTTP/1.1, 0 for HTTP/1.0.
    pub version: u8,
    /// (name, value) ranges, in order; values trimmed of surrounding whitespace.
    pub headers: Vec<(Range<usize>, Range<usize>)>,
    /// Bytes of the head, including the final CRLFCRLF; the body (or the first
    /// WebSocket frames) starts at `buf[len..]`.
    pub len: usize,
}

/// Why a request head was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReqError {
    /// Longer than allowed, or more than [`MAX_HEADERS`] headers.
    TooLarge,
    /// Not an HTTP/1.x request.
    Malformed,
}

/// Offset range of `part`, a subslice of `whole`.
fn range_of(whole: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    debug_assert!(start + part.len() <= whole.len());
    start..start + part.len()
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `s` without leading and trailing spaces and tabs.
pub(crate) fn trim_ows(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_ows(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|&b| !is_ows(b)).map_or(start, |e| e + 1);
    &s[start..end]
}

/// Parses the request head at the start of `buf`.  `Ok(None)`: incomplete, call again
/// with more bytes.  `Err(TooLarge)` if `buf` holds more than `max_len` bytes without a
/// complete head (or the head itself is longer than `max_len`), or there are more than
/// [`MAX_HEADERS`] headers; `Err(Malformed)` for anything that is not an HTTP/1.x request.
pub fn parse_request(buf: &[u8], max_len: usize) -> Result<Option<Request>, ReqError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Partial) => {
            if buf.len() > max_len {
                Err(ReqError::TooLarge)
            } else {
                Ok(None)
            }
        }
        Ok(httparse::Status::Complete(len)) => {
            if len > max_len {
                return Err(ReqError::TooLarge);
            }
            let (Some(method), Some(path), Some(version)) = (req.method, req.path, req.version)
            else {
                return Err(ReqError::Malformed);
            };
            let headers = req
                .headers
                .iter()
                .map(|h| {
                    (
                        range_of(buf, h.name.as_bytes()),
                        range_of(buf, trim_ows(h.value)),
                    )
                })
                .collect();
            Ok(Some(Request {
                method: range_of(buf, method.as_bytes()),
                path: range_of(buf, path.as_bytes()),
                version,
                headers,
                len,
            }))
        }
        Err(httparse::Error::TooManyHeaders) => Err(ReqError::TooLarge),
        Err(_) => Err(ReqError::Malformed),
    }
}

impl Request {
    pub fn method<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        &buf[self.method.clone()]
    }

    pub fn path<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        &buf[self.path.clone()]
    }

    /// The value of the first header called `name` (ASCII case-insensitive).
    pub fn header<'a>(&self, buf: &'a [u8], name: &str) -> Option<&'a [u8]> {
        self.header_values(buf, name).next()
    }

    /// The values of every header called `name`, in order (a header may be repeated,
    /// e.g. several `Sec-WebSocket-Protocol` lines).
    pub fn header_values<'s, 'a, 'n>(
        &'s self,
        buf: &'a [u8],
        name: &'n str,
    ) -> impl Iterator<Item = &'a [u8]> + use<'s, 'a, 'n> {
        self.headers
            .iter()
            .filter(move |(n, _)| buf[n.clone()].eq_ignore_ascii_case(name.as_bytes()))
            .map(move |(_, v)| &buf[v.clone()])
    }
}

/// True if the comma-separated `value` lists `token` (ASCII case-insensitive, optional
/// whitespace around elements), e.g. `Connection: keep-alive, Upgrade`.
pub fn token_list_contains(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| trim_ows(t).eq_ignore_ascii_case(token.as_bytes()))
}
