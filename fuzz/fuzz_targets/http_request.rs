//! The HTTP/1 request head parser and header store (`http::request::parse_request`), the
//! server's upgrade checks and its answer, and the header-value parsers the server runs
//! on a request (Range, If-None-Match, Authorization).
//!
//! Input: 1 byte choosing the size limit, then the bytes a client sent.  Checked: every
//! recorded range lies inside the head; the same head cut shorter is "incomplete", never
//! refused (so a head split across reads parses as it does whole); a head that passes
//! the upgrade checks gets a 101 that parses as a response with the right accept key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::http::{auth, etag, range};
use websockets::http::request::{parse_request, token_list_contains, MAX_HEADERS};
use websockets::ws::handshake::{accept_key, check_upgrade, protocol_list, write_101};

fuzz_target!(|data: &[u8]| {
    let Some((&lim, buf)) = data.split_first() else {
        return;
    };
    let max_len = 16 + usize::from(lim) * 32;
    let Ok(Some(req)) = parse_request(buf, max_len) else {
        return;
    };
    assert!(req.len <= buf.len() && req.len <= max_len);
    let inside = |r: &std::ops::Range<usize>| r.start <= r.end && r.end <= req.len;
    assert!(inside(&req.method) && inside(&req.path));
    assert!(req.headers.len() <= MAX_HEADERS);
    for (n, v) in &req.headers {
        assert!(inside(n) && inside(v));
        let value = &buf[v.clone()];
        let _ = token_list_contains(value, "upgrade");
        assert!(protocol_list(value).all(|p| !p.is_empty() && p.len() <= value.len()));
    }
    // Cut shorter, the same head is incomplete (a few cuts; every one would be quadratic).
    for k in 1..=4 {
        let cut = req.len * k / 5;
        assert_eq!(
            parse_request(&buf[..cut], max_len),
            Ok(None),
            "prefix of {cut} refused"
        );
    }
    // Only the head is read: what follows it changes nothing.
    assert_eq!(
        parse_request(&buf[..req.len], max_len),
        Ok(Some(req.clone()))
    );

    let _ = req.header(buf, "host");
    if let Some(v) = req.header(buf, "range") {
        let size = u64::from(lim) * 1000;
        if let range::Ranges::Ranges(rs) = range::parse_range(v, size) {
            for (s, e) in rs {
                assert!(s <= e && e < size, "range {s}-{e} of {size}");
                let _ = range::content_range(s, e, size);
            }
        }
    }
    if let Some(v) = req.header(buf, "if-none-match") {
        let _ = etag::if_none_match(v, &etag::etag(u64::from(lim), 12345));
        let _ = etag::if_range_cancels_range(v, "\"abc\"");
    }
    if let Some(v) = req.header(buf, "authorization") {
        let _ = auth::parse_basic_auth(v);
        if let Some(c) = auth::basic_auth_credentials(v) {
            let _ = auth::username(&c);
            let _ = auth::find_credentials(b"user:pass\nadmin:secret\n", &c);
        }
    }

    if let Ok(up) = check_upgrade(&req, buf) {
        let accept = accept_key(up.key);
        let proto = protocol_list(up.protocols).next();
        let mut out = Vec::new();
        write_101(&mut out, &accept, proto, b"");
        let mut hs = [httparse::EMPTY_HEADER; 8];
        let mut resp = httparse::Response::new(&mut hs);
        // A protocol name may hold bytes no header value may (CR, LF): the server only
        // echoes names it knows, so only check the answer without one.
        if proto.is_none() {
            assert!(
                matches!(resp.parse(&out), Ok(httparse::Status::Complete(n)) if n == out.len())
            );
            assert_eq!(resp.code, Some(101));
            let got = resp
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("sec-websocket-accept"))
                .map(|h| h.value);
            assert_eq!(got, Some(&accept[..]));
        }
    }
});
