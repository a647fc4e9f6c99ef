//! The server side of the WebSocket opening handshake (RFC 6455 section 4.2), over a
//! request head parsed by [`crate::http::request`]: [`check_upgrade`] validates an
//! upgrade request, [`accept_key`] and [`write_101`] build the answer.

use crate::http::request::{token_list_contains, trim_ows, Request};

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use sha1::{Digest, Sha1};

/// The GUID RFC 6455 appends to the key before hashing.
pub const WS_GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The names in a comma-separated list such as `Sec-WebSocket-Protocol`, trimmed, empty
/// elements skipped.
pub fn protocol_list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(trim_ows)
        .filter(|p| !p.is_empty())
}

/// The parts of a valid upgrade request the server needs to answer it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Upgrade<'a> {
    /// `Sec-WebSocket-Key`, trimmed, as sent (its base64 text, for [`accept_key`]).
    pub key: &'a [u8],
    /// The raw `Sec-WebSocket-Protocol` value (the first such header), possibly empty.
    pub protocols: &'a [u8],
}

/// Lenient base64 for the key: clients are not all careful about padding and trailing
/// bits; what matters is that it carries 16 bytes.
const KEY_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Checks that `req` is a valid WebSocket upgrade (RFC 6455 section 4.2.1): GET,
/// HTTP/1.1, `Upgrade` lists "websocket", `Connection` lists "upgrade",
/// `Sec-WebSocket-Version: 13`, and a `Sec-WebSocket-Key` that decodes to 16 bytes.
/// `Err` carries a short reason for the log.
pub fn check_upgrade<'a>(req: &Request, buf: &'a [u8]) -> Result<Upgrade<'a>, &'static str> {
    if req.method(buf) != b"GET" {
        return Err("upgrade request method is not GET");
    }
    if req.version != 1 {
        return Err("upgrade request is not HTTP/1.1");
    }
    // One pass over the header lines (this runs for every connection); each check
    // below then reads what it found, in the order that picks the reported reason.
    let (mut upgrade, mut connection) = (false, false);
    let (mut version, mut key, mut protocols) = (None, None, None);
    for (n, v) in &req.headers {
        let (name, value) = (&buf[n.clone()], &buf[v.clone()]);
        // Lengths first: most names are told apart without comparing a byte.
        match name.len() {
            7 if !upgrade && name.eq_ignore_ascii_case(b"upgrade") => {
                upgrade = token_list_contains(value, "websocket");
            }
            10 if !connection && name.eq_ignore_ascii_case(b"connection") => {
                connection = token_list_contains(value, "upgrade");
            }
            17 if key.is_none() && name.eq_ignore_ascii_case(b"sec-websocket-key") => {
                key = Some(value);
            }
            21 if version.is_none() && name.eq_ignore_ascii_case(b"sec-websocket-version") => {
                version = Some(value);
            }
            22 if protocols.is_none() && name.eq_ignore_ascii_case(b"sec-websocket-protocol") => {
                protocols = Some(value);
            }
            _ => {}
        }
    }
    if !upgrade {
        return Err("missing Upgrade: websocket");
    }
    if !connection {
        return Err("missing Connection: Upgrade");
    }
    match version {
        Some(b"13") => {}
        Some(_) => return Err("unsupported Sec-WebSocket-Version"),
        None => return Err("missing Sec-WebSocket-Version"),
    }
    let key = key.ok_or("missing Sec-WebSocket-Key")?;
    // 16 bytes are 22 base64 characters, 24 with padding.
    let mut raw = [0u8; 18];
    match KEY_B64.decode_slice(key, &mut raw) {
        Ok(16) if key.len() <= 24 => {}
        _ => return Err("invalid Sec-WebSocket-Key"),
    }
    Ok(Upgrade {
        key,
        protocols: protocols.unwrap_or(b""),
    })
}

/// `Sec-WebSocket-Accept` for `key`: base64(SHA-1(key ++ GUID)).
pub fn accept_key(key: &[u8]) -> [u8; 28] {
    let mut h = Sha1::new();
    h.update(key);
    h.update(WS_GUID);
    let digest = h.finalize();
    let mut out = [0u8; 28];
    let n = STANDARD
        .encode_slice(digest, &mut out)
        .expect("20 bytes encode to 28");
    debug_assert_eq!(n, 28);
    out
}

/// Appends the 101 response: status line, `Upgrade`, `Connection`,
/// `Sec-WebSocket-Accept`, `Sec-WebSocket-Protocol` if `protocol` is given, then `extra`
/// (complete header lines, each ending in CRLF) and the blank line.
pub fn write_101(out: &mut Vec<u8>, accept: &[u8; 28], protocol: Option<&[u8]>, extra: &[u8]) {
    out.extend_from_slice(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Accept: ",
    );
    out.extend_from_slice(accept);
    out.extend_from_slice(b"\r\n");
    if let Some(p) = protocol {
        out.extend_from_slice(b"Sec-WebSocket-Protocol: ");
        out.extend_from_slice(p);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(extra);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::{parse_request, ReqError, MAX_HEADERS};

    const SAMPLE: &[u8] = b"GET /chat?x=1 HTTP/1.1\r\n\
        Host: server.example.com\r\n\
        Upgrade: websocket\r\n\
        Connection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Origin: http://example.com\r\n\
        Sec-WebSocket-Protocol: chat, superchat\r\n\
        Sec-WebSocket-Version: 13\r\n\r\n";

    fn parse(buf: &[u8]) -> Request {
        parse_request(buf, 8192).unwrap().unwrap()
    }

    /// SAMPLE with one header line replaced (or removed when `with` is empty).
    fn sample_with(name: &str, with: &str) -> Vec<u8> {
        let s = std::str::from_utf8(SAMPLE).unwrap();
        let mut out = String::new();
        for line in s.split_inclusive("\r\n") {
            if line
                .to_ascii_lowercase()
                .starts_with(&format!("{}:", name.to_ascii_lowercase()))
            {
                out.push_str(with);
            } else {
                out.push_str(line);
            }
        }
        out.into_bytes()
    }

    /// RFC 6455 section 1.3's example (the Python hashlib/base64 result agrees).
    #[test]
    fn rfc_sample_accept_key() {
        assert_eq!(
            &accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn parses_sample() {
        let r = parse(SAMPLE);
        assert_eq!(r.len, SAMPLE.len());
        assert_eq!(r.method(SAMPLE), b"GET");
        assert_eq!(r.path(SAMPLE), b"/chat?x=1");
        assert_eq!(r.version, 1);
        assert_eq!(r.headers.len(), 7);
        assert_eq!(r.header(SAMPLE, "host"), Some(&b"server.example.com"[..]));
        let u = check_upgrade(&r, SAMPLE).unwrap();
        assert_eq!(u.key, b"dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(u.protocols, b"chat, superchat");
        assert_eq!(
            protocol_list(u.protocols).collect::<Vec<_>>(),
            vec![&b"chat"[..], b"superchat"]
        );
    }

    #[test]
    fn trailing_bytes_after_head_are_not_consumed() {
        let mut buf = SAMPLE.to_vec();
        buf.extend_from_slice(b"\x81\x85abcdefghi");
        let r = parse(&buf);
        assert_eq!(r.len, SAMPLE.len());
        assert_eq!(&buf[r.len..], b"\x81\x85abcdefghi");
    }

    #[test]
    fn incomplete_at_every_split_point() {
        for cut in 0..SAMPLE.len() {
            assert_eq!(parse_request(&SAMPLE[..cut], 8192), Ok(None), "cut {cut}");
        }
        assert!(parse_request(SAMPLE, 8192).unwrap().is_some());
    }

    #[test]
    fn oversize() {
        // Incomplete and longer than allowed.
        let mut big = b"GET / HTTP/1.1\r\nX-Pad: ".to_vec();
        big.extend(std::iter::repeat_n(b'a', 5000));
        assert_eq!(parse_request(&big, 4096), Err(ReqError::TooLarge));
        assert_eq!(parse_request(&big, 8192), Ok(None));
        // Complete but longer than allowed.
        assert_eq!(
            parse_request(SAMPLE, SAMPLE.len() - 1),
            Err(ReqError::TooLarge)
        );
        assert!(parse_request(SAMPLE, SAMPLE.len()).unwrap().is_some());
        // Too many headers.
        let mut many = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            many.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(parse_request(&many, 1 << 20), Err(ReqError::TooLarge));
        // Exactly MAX_HEADERS is fine.
        let mut ok = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..MAX_HEADERS {
            ok.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
        }
        ok.extend_from_slice(b"\r\n");
        assert_eq!(parse(&ok).headers.len(), MAX_HEADERS);
    }

    #[test]
    fn malformed() {
        for bad in [
            &b"GET / HTTP/2.0\r\n\r\n"[..],
            b"GET / FTP/1.1\r\n\r\n",
            b"GET /\r\n\r\n",
            b"G\x00T / HTTP/1.1\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
            b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
            b"GET / HTTP/1.1\r\nNa me: v\r\n\r\n",
            b"GET / HTTP/1.1\r\n: v\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n",
        ] {
            assert_eq!(
                parse_request(bad, 8192),
                Err(ReqError::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn header_lookup_case_insensitive() {
        let buf = b"GET / HTTP/1.1\r\nX-Thing:   spaced value  \r\nsec-websocket-KEY: k\r\nX-Thing: second\r\n\r\n";
        let r = parse(buf);
        assert_eq!(r.header(buf, "x-thing"), Some(&b"spaced value"[..]));
        assert_eq!(r.header(buf, "X-THING"), Some(&b"spaced value"[..]));
        assert_eq!(r.header(buf, "Sec-WebSocket-Key"), Some(&b"k"[..]));
        assert_eq!(r.header(buf, "missing"), None);
        assert_eq!(r.header(buf, "x-thin"), None);
        assert_eq!(
            r.header_values(buf, "x-thing").collect::<Vec<_>>(),
            vec![&b"spaced value"[..], b"second"]
        );
    }

    #[test]
    fn token_lists() {
        assert!(token_list_contains(b"Upgrade", "upgrade"));
        assert!(token_list_contains(b"keep-alive, Upgrade", "upgrade"));
        assert!(token_list_contains(b"keep-alive,upgrade", "Upgrade"));
        assert!(token_list_contains(b" \tUPGRADE\t , x", "upgrade"));
        assert!(!token_list_contains(b"keep-alive", "upgrade"));
        assert!(!token_list_contains(b"upgrades", "upgrade"));
        assert!(!token_list_contains(b"up grade", "upgrade"));
        assert!(!token_list_contains(b"", "upgrade"));
        assert!(token_list_contains(b"websocket", "websocket"));
    }

    #[test]
    fn protocol_lists() {
        let v: Vec<&[u8]> = protocol_list(b" chat ,, superchat,\tv2.lws ,").collect();
        assert_eq!(v, vec![&b"chat"[..], b"superchat", b"v2.lws"]);
        assert_eq!(protocol_list(b"").count(), 0);
        assert_eq!(protocol_list(b" , ,").count(), 0);
        assert_eq!(protocol_list(b"one").collect::<Vec<_>>(), vec![&b"one"[..]]);
    }

    #[test]
    fn upgrade_rejections() {
        let check = |buf: &[u8]| {
            let r = parse(buf);
            check_upgrade(&r, buf).map(|_| ())
        };
        assert_eq!(check(SAMPLE), Ok(()));
        let post = [b"POST".as_slice(), &SAMPLE[3..]].concat();
        assert!(check(&post).is_err());
        let http10 = std::str::from_utf8(SAMPLE)
            .unwrap()
            .replacen("HTTP/1.1", "HTTP/1.0", 1)
            .into_bytes();
        assert!(check(&http10).is_err());
        assert!(check(&sample_with("upgrade", "")).is_err());
        assert!(check(&sample_with("upgrade", "Upgrade: h2c\r\n")).is_err());
        assert!(check(&sample_with("connection", "")).is_err());
        assert!(check(&sample_with("connection", "Connection: keep-alive\r\n")).is_err());
        assert!(check(&sample_with("sec-websocket-key", "")).is_err());
        assert!(check(&sample_with("sec-websocket-version", "")).is_err());
        for v in ["8", "12", "14", "13, 8", ""] {
            let line = format!("Sec-WebSocket-Version: {v}\r\n");
            assert!(
                check(&sample_with("sec-websocket-version", &line)).is_err(),
                "{v}"
            );
        }
        for k in [
            "dGhlIHNhbXBsZSBub25jZQ",   // unpadded 16 bytes: accepted
            "AAAAAAAAAAAAAAAAAAAAAA==", // any 16 bytes
        ] {
            let line = format!("Sec-WebSocket-Key: {k}\r\n");
            assert_eq!(
                check(&sample_with("sec-websocket-key", &line)),
                Ok(()),
                "{k}"
            );
        }
        for k in [
            "",
            "dGhlIHNhbXBsZSBub25j",         // 15 bytes
            "dGhlIHNhbXBsZSBub25jZQ==AAAA", // 19 bytes
            "dGhlIHNhbXBsZSBub25jZQ!!",     // not base64
            "dGhlIHNhbXBsZSBub25jZQ==dGhlIHNhbXBsZSBub25jZQ==",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ] {
            let line = format!("Sec-WebSocket-Key: {k}\r\n");
            assert!(
                check(&sample_with("sec-websocket-key", &line)).is_err(),
                "{k}"
            );
        }
        // Upgrade and Connection as lists, any case; split across repeated headers.
        let multi = sample_with(
            "connection",
            "Connection: keep-alive\r\nConnection: UPGRADE\r\n",
        );
        assert_eq!(check(&multi), Ok(()));
        let list = sample_with("upgrade", "Upgrade: foo/1, WebSocket\r\n");
        assert_eq!(check(&list), Ok(()));
        // No protocol header: empty.
        let none = sample_with("sec-websocket-protocol", "");
        let r = parse(&none);
        assert_eq!(check_upgrade(&r, &none).unwrap().protocols, b"");
    }

    #[test]
    fn response_101() {
        let accept = accept_key(b"dGhlIHNhbXBsZSBub25jZQ==");
        let mut out = Vec::new();
        write_101(&mut out, &accept, Some(b"chat"), b"X-Extra: 1\r\n");
        assert_eq!(
            out,
            b"HTTP/1.1 101 Switching Protocols\r\n\
              Upgrade: WebSocket\r\n\
              Connection: Upgrade\r\n\
              Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
              Sec-WebSocket-Protocol: chat\r\n\
              X-Extra: 1\r\n\
              \r\n"
        );
        let mut out = b"prefix".to_vec();
        write_101(&mut out, &accept, None, b"");
        assert!(out.starts_with(b"prefixHTTP/1.1 101"));
        assert!(out.ends_with(b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));
        assert!(!out.windows(22).any(|w| w == b"Sec-WebSocket-Protocol"));
    }
}
