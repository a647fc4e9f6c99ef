//! lws's response header builders on an h2 stream: they write HPACK into the caller's
//! buffer instead of HTTP/1 text, so `lws_write(.., LWS_WRITE_HTTP_HEADERS)` can send
//! the block as it is.  Every field is a literal without indexing (RFC 7541 6.2.2) with
//! plain (not Huffman) strings: the peer's dynamic table never changes, so blocks built
//! here and blocks our own encoder writes can go out in any order.
use crate::core::*;
use core::ffi::c_int;

/// Fields that mean something only to HTTP/1 connections (RFC 9113 8.2.2): a peer
/// must treat them as malformed, so they are left out, as lws leaves out
/// transfer-encoding.
const CONNECTION_SPECIFIC: [&[u8]; 5] = [
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"transfer-encoding",
    b"upgrade",
];

/// HPACK's prefixed integer (RFC 7541 5.1) with `prefix` bits, the first byte's other
/// bits being `first`.
fn put_int(out: &mut Vec<u8>, first: u8, prefix: u32, mut v: usize) {
    let max = (1usize << prefix) - 1;
    if v < max {
        out.push(first | v as u8);
        return;
    }
    out.push(first | max as u8);
    v -= max;
    while v >= 128 {
        out.push((v % 128) as u8 | 0x80);
        v /= 128;
    }
    out.push(v as u8);
}

/// One field as a literal without indexing, new name.
pub(crate) fn encode_field(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.push(0);
    put_int(out, 0, 7, name.len());
    out.extend(name.iter().map(|c| c.to_ascii_lowercase()));
    put_int(out, 0, 7, value.len());
    out.extend_from_slice(value);
}

/// Appends `bytes` at *p if they fit before `end`: 1 if not (lws's failure value).
fn put(bytes: &[u8], p: &mut *mut u8, end: *mut u8) -> c_int {
    if (*p).is_null() || (end as usize).saturating_sub(*p as usize) < bytes.len() {
        return 1;
    }
    // SAFETY: bytes.len() bytes are writable at *p (checked against end above).
    unsafe {
        core::ptr::copy_nonoverlapping(bytes.as_ptr(), *p, bytes.len());
        *p = (*p).add(bytes.len());
    }
    0
}

/// lws_add_http_header_by_name on an h2 stream.  The name may end in ':' (lws's token
/// names do); upper case is folded, as lws does for h2.
pub(crate) fn add_header(
    w: *mut lws,
    name: &[u8],
    value: &[u8],
    p: &mut *mut u8,
    end: *mut u8,
) -> c_int {
    let name = name.strip_suffix(b":").unwrap_or(name);
    let lower: Vec<u8> = name.iter().map(|c| c.to_ascii_lowercase()).collect();
    if CONNECTION_SPECIFIC.contains(&&lower[..]) {
        return 0;
    }
    if lower == b"content-length" {
        // The body's length: DATA ends the stream when it is reached (lws does the same
        // with tx_content_remain).
        let n = core::str::from_utf8(value)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(st) = wref!(w).mux.as_mut() {
            st.tx_left = n;
        }
    }
    let mut out = Vec::with_capacity(name.len() + value.len() + 8);
    encode_field(&mut out, &lower, value);
    put(&out, p, end)
}

/// lws_add_http_header_status's status line on an h2 stream: `:status`.
pub(crate) fn add_status(w: *mut lws, code: u32, p: &mut *mut u8, end: *mut u8) -> c_int {
    if let Some(st) = wref!(w).mux.as_mut() {
        st.status = code;
    }
    let mut out = Vec::with_capacity(16);
    encode_field(&mut out, b":status", code.to_string().as_bytes());
    put(&out, p, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_decode_with_our_decoder() {
        let mut block = Vec::new();
        encode_field(&mut block, b":status", b"200");
        encode_field(&mut block, b"Content-Type", b"text/html");
        let long = vec![b'x'; 300];
        encode_field(&mut block, b"x-long", &long);
        let mut d = crate::h2::hpack::Decoder::new(4096);
        let f = d.decode(&block, 1 << 20).unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].name, b":status");
        assert_eq!(f[0].value, b"200");
        assert_eq!(f[1].name, b"content-type");
        assert_eq!(f[2].value, long);
    }

    #[test]
    fn integers_over_the_prefix() {
        let mut v = Vec::new();
        put_int(&mut v, 0, 7, 127);
        assert_eq!(v, [0x7f, 0]);
        v.clear();
        put_int(&mut v, 0, 7, 1337);
        assert_eq!(v, [0x7f, 0xba, 0x09]);
    }
}
