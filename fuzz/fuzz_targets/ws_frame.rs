//! The WebSocket frame receiver (`ws::frame::Rx`) and the unmasker.
//!
//! Input: 4 bytes of settings, then the byte stream from the peer.  The stream is parsed
//! twice, once in a single buffer and once cut into pieces of sizes the settings pick,
//! each piece in a fresh buffer; both must report the same messages, control frames and
//! error, and every event must stay inside the buffer it was given.  The unmasker is
//! checked against a plain byte-by-byte XOR over the same stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::ws::frame::{parse_close_payload, unmask, Rx, RxConfig, RxEvent};

#[derive(Debug, PartialEq)]
enum Seen {
    Message { binary: bool, data: Vec<u8> },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Vec<u8>),
    Error(u16),
}

#[derive(Default)]
struct Log {
    seen: Vec<Seen>,
    partial: Vec<u8>,
    in_message: bool,
    failed: bool,
}

/// Runs `rx` over one buffer, appending what it reports to `log`.
fn feed(rx: &mut Rx, buf: &mut [u8], log: &mut Log) {
    let mut pos = 0;
    while !log.failed {
        let before = pos;
        let ev = rx.next(buf, &mut pos);
        assert!(
            pos >= before && pos <= buf.len(),
            "position {before} -> {pos}"
        );
        match ev {
            RxEvent::Data {
                start,
                len,
                binary,
                message_first,
                frame_fin,
                remaining,
                ..
            } => {
                assert!(
                    start >= before && start + len <= pos,
                    "data outside what was consumed"
                );
                assert_eq!(message_first, !log.in_message, "message_first out of step");
                let cap = rx.config().max_chunk;
                assert!(
                    cap == 0 || len <= cap,
                    "chunk of {len} over max_chunk {cap}"
                );
                log.in_message = true;
                log.partial.extend_from_slice(&buf[start..start + len]);
                if frame_fin && remaining == 0 {
                    let data = std::mem::take(&mut log.partial);
                    log.seen.push(Seen::Message { binary, data });
                    log.in_message = false;
                }
            }
            RxEvent::Ping => log.seen.push(Seen::Ping(rx.control_payload().to_vec())),
            RxEvent::Pong => log.seen.push(Seen::Pong(rx.control_payload().to_vec())),
            RxEvent::Close => {
                let p = rx.control_payload().to_vec();
                assert!(p.len() <= 125);
                let _ = parse_close_payload(&p);
                log.seen.push(Seen::Close(p));
            }
            RxEvent::NeedMore => {
                assert_eq!(pos, buf.len(), "NeedMore before the end of the buffer");
                return;
            }
            RxEvent::Error { code, .. } => {
                assert!(rx.is_failed());
                log.seen.push(Seen::Error(code));
                log.failed = true;
                // It stays failed.
                let mut p2 = pos;
                assert!(
                    matches!(rx.next(buf, &mut p2), RxEvent::Error { code: c, .. } if c == code)
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (set, stream) = data.split_at(4);
    let cfg = RxConfig {
        expect_masked: set[0] & 1 != 0,
        validate_utf8: set[0] & 2 != 0,
        max_chunk: if set[0] & 4 != 0 {
            usize::from(set[1])
        } else {
            0
        },
        max_message: if set[0] & 8 != 0 {
            u64::from(set[2]) * 16
        } else {
            0
        },
    };

    let mut whole = Log::default();
    let mut rx = Rx::new(cfg);
    feed(&mut rx, &mut stream.to_vec(), &mut whole);

    let mut split = Log::default();
    let mut rx = Rx::new(cfg);
    let mut at = 0;
    let mut k = 0usize;
    while at < stream.len() {
        // Piece sizes 1..=16 from the settings' last two bytes, cycling.
        let n = 1
            + usize::from((set[3] >> (k % 2 * 4)) & 0x0f)
            + usize::from(k % 3 == 2) * usize::from(set[1]);
        let end = (at + n).min(stream.len());
        feed(&mut rx, &mut stream[at..end].to_vec(), &mut split);
        at = end;
        k += 1;
    }
    assert_eq!(whole.seen, split.seen, "split parse differs");
    if !whole.failed {
        // (After an error, how much of the failed message was delivered may differ.)
        assert_eq!(whole.partial, split.partial, "unfinished message differs");
    }

    // The unmasker against the obvious XOR, from every phase.
    let mask = [set[0], set[1], set[2], set[3]];
    let phase = usize::from(set[3] & 3);
    let mut fast = stream.to_vec();
    let next = unmask(&mut fast, mask, phase);
    assert_eq!(next, (phase + stream.len()) % 4);
    for (i, (&f, &s)) in fast.iter().zip(stream).enumerate() {
        assert_eq!(f, s ^ mask[(phase + i) % 4], "unmask byte {i}");
    }
});
