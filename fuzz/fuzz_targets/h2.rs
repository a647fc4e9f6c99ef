//! HTTP/2: the frame parser (`h2::frame`) on its own, and a whole sans-IO server
//! connection (`h2::conn::ServerConn`: frames, HPACK, stream states, flow control, the
//! flood limits) driven by a peer's bytes, answering every request as a server would.
//!
//! Input: 1 byte picking piece sizes, then what the client sends after its preface.
//! Properties: a parsed frame written again parses to the same frame; the connection's
//! output stays bounded (the peer gets at most a small multiple of what it sent, since
//! every reply answers some input), its open streams never exceed the concurrency limit,
//! and once it reports a connection error it takes no more input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::h2::conn::{Config, Event, ServerConn};
use websockets::h2::frame::{self, FrameHeader};
use websockets::h2::PREFACE;

fn frames(mut b: &[u8]) {
    while let Some(h) = FrameHeader::parse(b) {
        let len = h.len as usize;
        let Some(p) = b.get(9..9 + len) else {
            return;
        };
        if let Ok(f) = frame::parse(&h, p) {
            let mut w = Vec::new();
            f.write(&mut w);
            let h2 = FrameHeader::parse(&w).expect("a written frame has a header");
            let again = frame::parse(&h2, &w[9..]).expect("a written frame parses");
            assert_eq!(f, again, "write/parse round trip");
        }
        b = &b[9 + len..];
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&set, s)) = data.split_first() else {
        return;
    };
    frames(s);

    let cfg = Config::default();
    let max_streams = cfg.max_concurrent_streams as usize;
    let mut c = ServerConn::new(cfg);
    let mut input = PREFACE.to_vec();
    input.extend_from_slice(s);
    let step = 1 + usize::from(set % 64) * 7;
    let mut out = 0usize;
    let mut failed = false;
    for piece in input.chunks(step) {
        if failed {
            break;
        }
        c.handle_input(piece);
        while let Some(ev) = c.poll_event() {
            match ev {
                Event::Request { stream, end_stream, .. } => {
                    let _ = c.send_response(stream, 200, &[(b"content-type", b"text/plain")], false);
                    let _ = c.send_data(stream, b"hello", end_stream);
                }
                Event::Data { stream, data } => c.release_capacity(stream, data.len()),
                Event::ConnectionError { .. } => failed = true,
                _ => {}
            }
        }
        assert!(c.active_streams() <= max_streams, "{} streams open", c.active_streams());
        out += c.take_output().len();
    }
    // Settings, acks, a response head and body per request, a reset per bad stream:
    // each answers input of at least 9 bytes.
    assert!(out <= 4096 + 64 * input.len(), "{out} bytes out for {} in", input.len());
});
