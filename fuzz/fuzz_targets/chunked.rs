//! The chunked body decoder (`http::chunked::Decoder`), used by the server for request
//! bodies and by the HTTP client for answers.
//!
//! Input: 1 byte picking piece sizes, then the stream.  Decoded whole and in pieces it
//! must give the same body bytes and the same outcome (finished, malformed, or wanting
//! more), every data range inside the bytes given, and every step making progress.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::http::chunked::Decoder;

#[derive(Debug, PartialEq)]
enum End {
    Finished(usize),
    Malformed,
    More,
}

fn decode(s: &[u8], step: usize) -> (Vec<u8>, End) {
    let mut d = Decoder::new();
    let mut body = Vec::new();
    let mut at = 0;
    for piece in s.chunks(step) {
        let mut p = piece;
        while !p.is_empty() {
            match d.step(p) {
                Err(_) => return (body, End::Malformed),
                Ok((used, data, done)) => {
                    assert!(used <= p.len() && used > 0, "step used {used} of {}", p.len());
                    if let Some(r) = data {
                        assert!(r.start <= r.end && r.end <= used, "data outside the step");
                        body.extend_from_slice(&p[r]);
                    }
                    at += used;
                    p = &p[used..];
                    if done {
                        return (body, End::Finished(at));
                    }
                }
            }
        }
    }
    (body, End::More)
}

fuzz_target!(|data: &[u8]| {
    let Some((&set, s)) = data.split_first() else {
        return;
    };
    let whole = decode(s, s.len().max(1));
    let step = 1 + usize::from(set % 17);
    assert_eq!(whole, decode(s, step), "in pieces of {step}");
});
