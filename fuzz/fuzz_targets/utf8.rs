//! The streaming UTF-8 validator WebSocket text messages and close reasons go through
//! (`ws::utf8`), against the standard library's.
//!
//! Input: 1 byte picking piece sizes, then the bytes.  Fed whole and in pieces, the
//! validator must agree with `std::str::from_utf8` (failed = invalid; complete = valid;
//! neither = valid so far but cut inside a character).
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::ws::utf8::Utf8Validator;

fuzz_target!(|data: &[u8]| {
    let Some((&set, s)) = data.split_first() else {
        return;
    };
    let verdict = match std::str::from_utf8(s) {
        Ok(_) => (true, false),
        // error_len None: the input ends inside a character, valid so far.
        Err(e) => (false, e.error_len().is_some()),
    };
    let mut whole = Utf8Validator::new();
    let ok = whole.feed(s);
    assert_eq!(ok, !whole.has_failed());
    assert_eq!((whole.is_complete(), whole.has_failed()), verdict, "whole");

    let mut v = Utf8Validator::new();
    let step = 1 + usize::from(set % 9);
    for piece in s.chunks(step) {
        v.feed(piece);
    }
    assert_eq!(
        (v.is_complete(), v.has_failed()),
        verdict,
        "in pieces of {step}"
    );
});
