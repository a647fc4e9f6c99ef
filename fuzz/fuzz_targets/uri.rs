//! URL handling: the request-target sanitiser and the URL arguments (`http::uri`), and
//! `lws_parse_uri`'s splitter and `lws_urlencode` (`misc`).
//!
//! Input: 1 byte of settings, then a request-target (or a URL).  Checked: an accepted
//! target's path never climbs above the root (no `..` segment is left) and contains no
//! NUL; every argument lookup returns a suffix of a fragment; the URL splitter's offsets
//! stay inside the buffer; urlencode stays inside its room.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::http::uri::{parse_target, sanitize_path, split_args, urlarg_by_name_buf};
use websockets::misc::{parse_uri, urlencode};

fuzz_target!(|data: &[u8]| {
    let Some((&set, raw)) = data.split_first() else {
        return;
    };
    if let Ok(t) = parse_target(raw) {
        let joined = t.path_joined();
        assert_eq!(sanitize_path(raw), Some(joined.clone()));
        assert!(joined.first() == Some(&b'/'), "path {joined:?} not rooted");
        assert!(!joined.contains(&0), "NUL in path");
        for seg in joined.split(|&b| b == b'/') {
            // (A lone `.` may stay, as in lws: it climbs nowhere.)
            assert!(seg != b"..", "dot-dot segment left in {joined:?}");
        }
        if let Some(args) = &t.args {
            // The name to look up: the first fragment's first bytes.
            let name_len = usize::from(set & 7);
            let name = args
                .first()
                .map_or(&b""[..], |a| &a[..name_len.min(a.len())]);
            for buf_len in [usize::from(set), usize::MAX] {
                if let Some(v) = urlarg_by_name_buf(args, name, buf_len) {
                    assert!(args.iter().any(|a| a.ends_with(v)));
                    assert!(v.len() < buf_len);
                }
            }
        }
    }
    let _ = split_args(raw);

    let mut b = raw.to_vec();
    b.push(0);
    let n = b.len();
    let p = parse_uri(&mut b);
    assert!(p.ads < n && p.prot.is_none_or(|o| o < n) && p.path.is_none_or(|o| o < n));
    let room = i32::from(set) * 2;
    let enc = urlencode(raw, room);
    assert!(
        enc.len() < usize::try_from(room).unwrap_or(0).max(1),
        "urlencode over its room"
    );
});
