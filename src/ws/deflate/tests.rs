use super::*;
use crate::ws::frame::{OP_BINARY, OP_CONT, OP_PING, OP_TEXT};

fn args() -> Args {
    Args::defaults(4096)
}

fn accept(h: &str) -> Option<(String, Negotiated)> {
    server_accept(h.as_bytes(), &args()).map(|a| (a.response, a.negotiated))
}

fn resp(h: &str) -> Option<String> {
    accept(h).map(|a| a.0)
}

const N15: Negotiated = Negotiated {
    server_no_context_takeover: false,
    client_no_context_takeover: false,
    server_max_window_bits: 15,
    client_max_window_bits: 15,
};

// ------------------------------------------------------------------ server negotiation

#[test]
fn server_answers_like_lws() {
    assert_eq!(
        accept("permessage-deflate"),
        Some(("permessage-deflate".into(), N15))
    );
    // lws's own client offer, and what browsers send.
    assert_eq!(
        accept(DEFAULT_CLIENT_OFFER),
        Some((
            "permessage-deflate; client_no_context_takeover".into(),
            Negotiated {
                client_no_context_takeover: true,
                ..N15
            }
        ))
    );
    assert_eq!(
        resp("permessage-deflate; client_max_window_bits"),
        Some("permessage-deflate".into())
    );
    assert_eq!(
        accept("permessage-deflate; server_no_context_takeover"),
        Some((
            "permessage-deflate; server_no_context_takeover".into(),
            Negotiated {
                server_no_context_takeover: true,
                ..N15
            }
        ))
    );
    assert_eq!(
        resp("permessage-deflate;client_no_context_takeover;server_no_context_takeover"),
        Some("permessage-deflate; server_no_context_takeover; client_no_context_takeover".into())
    );
    // Other extensions are skipped; no offer, no extension.
    assert_eq!(
        resp("x-webkit-deflate-frame, permessage-deflate"),
        Some("permessage-deflate".into())
    );
    assert_eq!(resp("x-webkit-deflate-frame"), None);
    assert_eq!(resp(""), None);
    assert_eq!(resp(" , ,"), None);
}

#[test]
fn server_window_bits() {
    for bits in 9..=15u8 {
        let (r, n) = accept(&format!(
            "permessage-deflate; server_max_window_bits={bits}"
        ))
        .unwrap();
        assert_eq!(
            r,
            format!("permessage-deflate; server_max_window_bits={bits}")
        );
        assert_eq!(n.server_max_window_bits, bits);
        assert_eq!(n.client_max_window_bits, 15);
        let (r, n) = accept(&format!(
            "permessage-deflate; client_max_window_bits={bits}"
        ))
        .unwrap();
        assert_eq!(n.client_max_window_bits, bits);
        if bits < 15 {
            assert_eq!(
                r,
                format!("permessage-deflate; client_max_window_bits={bits}")
            );
        }
    }
    // Quoted values are the same values.
    assert_eq!(
        resp("permessage-deflate; server_max_window_bits=\"10\""),
        Some("permessage-deflate; server_max_window_bits=10".into())
    );
    // Our own limits (lws's option slots) bound what we use and ask for.
    let mut a = args();
    a.set(ARG_SERVER_MAX_WINDOW_BITS, Some(b"11"), 4096);
    a.set(ARG_CLIENT_MAX_WINDOW_BITS, Some(b"10"), 4096);
    a.set(ARG_SERVER_NO_CONTEXT_TAKEOVER, None, 4096);
    let acc = server_accept(b"permessage-deflate; client_max_window_bits", &a).unwrap();
    assert_eq!(
        acc.response,
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=11; client_max_window_bits=10"
    );
    assert_eq!(
        acc.negotiated,
        Negotiated {
            server_no_context_takeover: true,
            client_no_context_takeover: false,
            server_max_window_bits: 11,
            client_max_window_bits: 10
        }
    );
    // A client that cannot be limited is accepted with its full window.
    let acc = server_accept(b"permessage-deflate", &a).unwrap();
    assert_eq!(acc.negotiated.client_max_window_bits, 15);
}

#[test]
fn server_declines_bad_offers() {
    for bad in [
        "permessage-deflate; unknown",
        "permessage-deflate; rx_buf_size=10",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; client_no_context_takeover=\"x\"",
        "permessage-deflate; server_max_window_bits",
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=08",
        "permessage-deflate; server_max_window_bits=1x",
        "permessage-deflate; server_max_window_bits=\"1 0\"",
        "permessage-deflate; server_max_window_bits=8",
        "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; client_max_window_bits=16",
        "permessage-deflate; =3",
        "permessage-deflate; a b",
    ] {
        assert_eq!(resp(bad), None, "{bad}");
        // ...and the next offer is considered.
        assert_eq!(
            resp(&format!(
                "{bad}, permessage-deflate; client_no_context_takeover"
            )),
            Some("permessage-deflate; client_no_context_takeover".into()),
            "{bad}"
        );
    }
    // An unterminated quote swallows the rest of the list.
    assert_eq!(
        resp("permessage-deflate; server_max_window_bits=\"10, permessage-deflate"),
        None
    );
    // 8 bits from the client's side is fine: we inflate with a 9-bit window.
    assert_eq!(
        accept("permessage-deflate; client_max_window_bits=8")
            .unwrap()
            .1
            .client_max_window_bits,
        8
    );
    assert!(offered(b"foo, permessage-deflate; x"));
    assert!(!offered(b"foo; permessage-deflate"));
}

// ------------------------------------------------------------------ client negotiation

fn check(answer: &str, offer: &str) -> Result<Option<Negotiated>, &'static str> {
    client_check(answer.as_bytes(), Some(offer), &args()).map_err(|e| e.0)
}

#[test]
fn client_offer_string() {
    assert_eq!(client_offer([]), None);
    assert_eq!(
        client_offer([DEFAULT_CLIENT_OFFER]).as_deref(),
        Some(DEFAULT_CLIENT_OFFER)
    );
    assert_eq!(client_offer(["a", "b; c"]).as_deref(), Some("a,b; c"));
}

#[test]
fn client_accepts_valid_answers() {
    let o = DEFAULT_CLIENT_OFFER;
    assert_eq!(check("", o), Ok(None));
    assert_eq!(check("permessage-deflate", o), Ok(Some(N15)));
    assert_eq!(
        check("permessage-deflate; client_no_context_takeover", o),
        Ok(Some(Negotiated {
            client_no_context_takeover: true,
            ..N15
        }))
    );
    assert_eq!(
        check(
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=10",
            o
        ),
        Ok(Some(Negotiated {
            server_no_context_takeover: true,
            server_max_window_bits: 10,
            ..N15
        }))
    );
    for bits in 9..=15 {
        assert_eq!(
            check(
                &format!("permessage-deflate; client_max_window_bits={bits}"),
                o
            ),
            Ok(Some(Negotiated {
                client_max_window_bits: bits,
                ..N15
            }))
        );
    }
    // lws turns a client window of 8 into 9.
    assert_eq!(
        check("permessage-deflate; client_max_window_bits=8", o)
            .unwrap()
            .unwrap()
            .client_max_window_bits,
        9
    );
    // The server may lower a window we asked for.
    assert_eq!(
        check(
            "permessage-deflate; server_max_window_bits=9",
            "permessage-deflate; server_max_window_bits=10"
        )
        .unwrap()
        .unwrap()
        .server_max_window_bits,
        9
    );
    // Our own defaults (WS_EXT_DEFAULTS) can ask for no context takeover on our side.
    let mut a = args();
    a.apply_str(b"client_no_context_takeover", 4096).unwrap();
    assert!(
        client_check(b"permessage-deflate", Some(o), &a)
            .unwrap()
            .unwrap()
            .client_no_context_takeover
    );
}

#[test]
fn client_refuses_bad_answers() {
    let o = DEFAULT_CLIENT_OFFER;
    let parse = Err("HS: EXT: failed parsing options");
    let reject = Err("HS: EXT: Rejects server options");
    assert_eq!(check("permessage-deflate; bogus", o), parse);
    assert_eq!(
        check("permessage-deflate; server_no_context_takeover=1", o),
        parse
    );
    assert_eq!(
        check(
            "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
            o
        ),
        parse
    );
    assert_eq!(check("permessage-deflate, permessage-deflate", o), parse);
    assert_eq!(
        check("permessage-deflate; server_max_window_bits", o),
        reject
    );
    assert_eq!(
        check("permessage-deflate; server_max_window_bits=16", o),
        reject
    );
    assert_eq!(
        check("permessage-deflate; server_max_window_bits=7", o),
        reject
    );
    assert_eq!(
        check("permessage-deflate; client_max_window_bits", o),
        reject
    );
    assert_eq!(
        check("permessage-deflate; client_max_window_bits=16", o),
        reject
    );
    // A client window limit we did not say we accept.
    assert_eq!(
        check(
            "permessage-deflate; client_max_window_bits=10",
            "permessage-deflate"
        ),
        reject
    );
    // A server window above the one we asked for.
    assert_eq!(
        check(
            "permessage-deflate; server_max_window_bits=12",
            "permessage-deflate; server_max_window_bits=10"
        ),
        reject
    );
    assert_eq!(
        check("x-webkit-deflate-frame", o),
        Err("HS: EXT: unknown ext")
    );
    assert_eq!(
        client_check(b"permessage-deflate", None, &args()).map_err(|e| e.0),
        Err("HS: EXT: unknown ext")
    );
}

// ------------------------------------------------------------------ option slots

#[test]
fn args_like_lws() {
    let a = Args::defaults(4096);
    assert_eq!(a.0, [0, 0, 15, 15, 10, 10, 1, 8]);
    assert!(a.confirm());
    assert_eq!(a.rx_chunk(), 1024);
    // The rx chunk is capped by a small rx buffer (largest power of two within it).
    assert_eq!(Args::defaults(600).rx_chunk(), 512);
    assert_eq!(Args::defaults(128).rx_chunk(), 128);
    assert_eq!(Args::defaults(100).rx_chunk(), 128);
    let mut a = Args::defaults(4096);
    a.apply_str(
        b"rx_buf_size=9; compression_level=6; client_max_window_bits=8",
        4096,
    )
    .unwrap();
    assert_eq!(a.0, [0, 0, 15, 9, 9, 10, 6, 8]);
    a.apply_str(b"rx_buf_size=14", 4096).unwrap();
    assert_eq!(a.rx_chunk(), 4096);
    assert!(a.apply_str(b"nope=1", 4096).is_err());
    // atoi, kept to a byte: a server window of 300 is 44, which the confirm step refuses.
    a.set(ARG_SERVER_MAX_WINDOW_BITS, Some(b"300"), 4096);
    assert_eq!(a.0[ARG_SERVER_MAX_WINDOW_BITS], 44);
    assert!(!a.confirm());
    a.set(ARG_SERVER_MAX_WINDOW_BITS, Some(b" 12abc"), 4096);
    assert_eq!(a.0[ARG_SERVER_MAX_WINDOW_BITS], 12);
    a.set(ARG_SERVER_MAX_WINDOW_BITS, None, 4096);
    assert!(!a.confirm());
    assert_eq!(atoi(b"-3"), -3);
    assert_eq!(atoi(b"x"), 0);
}

// ------------------------------------------------------------------ codec

/// Inflates one whole message given as frame payloads, feeding `piece` bytes at a time
/// into `chunk`-byte output chunks.
fn inflate_msg(
    d: &mut PmDeflate,
    frames: &[Vec<u8>],
    piece: usize,
    chunk: usize,
) -> Result<Vec<u8>, DeflateError> {
    assert!(d.rx_message_start(true));
    let mut out = Vec::new();
    let mut buf = vec![0u8; chunk];
    for (fi, f) in frames.iter().enumerate() {
        let pieces: Vec<&[u8]> = if f.is_empty() {
            vec![&f[..]]
        } else {
            f.chunks(piece).collect()
        };
        for (pi, p) in pieces.iter().enumerate() {
            let last = fi + 1 == frames.len() && pi + 1 == pieces.len();
            let mut pos = 0;
            loop {
                let s = d.inflate(&p[pos..], last, &mut buf)?;
                pos += s.consumed;
                out.extend_from_slice(&buf[..s.produced]);
                match s.status {
                    RxStatus::OutputFull => continue,
                    RxStatus::NeedInput => {
                        assert!(!last);
                        assert_eq!(pos, p.len());
                        break;
                    }
                    RxStatus::End => {
                        assert!(last);
                        assert!(!d.rx_in_message());
                        return Ok(out);
                    }
                }
            }
        }
    }
    panic!("message did not end");
}

fn pair(n: &Negotiated, level: u8) -> (PmDeflate, PmDeflate) {
    let mut a = args();
    a.0[ARG_COMP_LEVEL] = level;
    (
        PmDeflate::new(Role::Server, n, &a, 0),
        PmDeflate::new(Role::Client, n, &a, 0),
    )
}

fn text(i: usize) -> Vec<u8> {
    format!("{{\"seq\": {i}, \"msg\": \"the quick brown fox jumps over the lazy dog\", \"pad\": \"{}\"}}", "ab".repeat(i % 50))
        .into_bytes()
}

#[test]
fn rfc7692_vectors() {
    let (mut s, mut c) = pair(&N15, 1);
    // 7.2.3.1: "Hello" in one frame, and split in two frames.
    let mut out = Vec::new();
    assert_eq!(
        s.compress(OP_TEXT, b"Hello", true, &mut out),
        Ok(Some(0x40))
    );
    assert_eq!(out, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
    let hello = vec![0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
    assert_eq!(
        inflate_msg(&mut c, std::slice::from_ref(&hello), 100, 64).unwrap(),
        b"Hello"
    );
    assert_eq!(
        inflate_msg(
            &mut c,
            &[vec![0xf2, 0x48, 0xcd], vec![0xc9, 0xc9, 0x07, 0x00]],
            100,
            64
        )
        .unwrap(),
        b"Hello"
    );
    // 7.2.3.2: the second "Hello" referring to the first (context takeover).
    let (_, mut c) = pair(&N15, 1);
    assert_eq!(inflate_msg(&mut c, &[hello], 100, 64).unwrap(), b"Hello");
    assert_eq!(
        inflate_msg(&mut c, &[vec![0xf2, 0x00, 0x11, 0x00, 0x00]], 100, 64).unwrap(),
        b"Hello"
    );
    // 7.2.3.3: a stored block.
    let stored = vec![
        0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
    ];
    assert_eq!(inflate_msg(&mut c, &[stored], 1, 3).unwrap(), b"Hello");
    // 7.2.3.4: a final (BFINAL) block; the stream then starts afresh.
    let fin = vec![0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00];
    assert_eq!(
        inflate_msg(&mut c, std::slice::from_ref(&fin), 100, 64).unwrap(),
        b"Hello"
    );
    assert_eq!(inflate_msg(&mut c, &[fin], 2, 2).unwrap(), b"Hello");
    // 7.2.3.5: two blocks in one message.
    let two = vec![
        0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00,
    ];
    assert_eq!(inflate_msg(&mut c, &[two], 3, 1).unwrap(), b"Hello");
    // 7.2.3.6: an empty message is a single 0x00 byte (and an empty payload works too).
    let mut out = Vec::new();
    let (mut s, mut c) = pair(&N15, 1);
    assert_eq!(s.compress(OP_BINARY, b"", true, &mut out), Ok(Some(0x40)));
    assert_eq!(out, [0x00]);
    assert_eq!(inflate_msg(&mut c, &[out], 1, 8).unwrap(), b"");
    assert_eq!(inflate_msg(&mut c, &[vec![]], 1, 8).unwrap(), b"");
    assert_eq!(inflate_msg(&mut c, &[vec![], vec![]], 1, 8).unwrap(), b"");
    // The stream is still in step afterwards, and an empty message after a flushed one
    // is the single byte again.
    let mut out = Vec::new();
    s.compress(OP_TEXT, b"Hello", true, &mut out).unwrap();
    assert_eq!(inflate_msg(&mut c, &[out], 1, 8).unwrap(), b"Hello");
    let mut out = Vec::new();
    s.compress(OP_TEXT, b"", true, &mut out).unwrap();
    assert_eq!(out, [0x00]);
    assert_eq!(inflate_msg(&mut c, &[out], 1, 8).unwrap(), b"");
    // An empty message in two fragments.
    let (mut f1, mut f2) = (Vec::new(), Vec::new());
    s.compress(OP_TEXT, b"", false, &mut f1).unwrap();
    s.compress(OP_CONT, b"", true, &mut f2).unwrap();
    assert_eq!(inflate_msg(&mut c, &[f1, f2], 1, 8).unwrap(), b"");
}

#[test]
fn round_trips_every_mode() {
    for bits in [9u8, 10, 12, 15] {
        for (snct, cnct) in [(false, false), (true, false), (false, true), (true, true)] {
            for level in [1u8, 6, 9] {
                let n = Negotiated {
                    server_no_context_takeover: snct,
                    client_no_context_takeover: cnct,
                    server_max_window_bits: bits,
                    client_max_window_bits: bits,
                };
                let (mut s, mut c) = pair(&n, level);
                let mut sizes = Vec::new();
                for i in 0..20 {
                    let msg = if i % 7 == 6 {
                        vec![b'z'; 70_000]
                    } else {
                        text(i)
                    };
                    // server -> client
                    let mut out = Vec::new();
                    assert_eq!(s.compress(OP_TEXT, &msg, true, &mut out), Ok(Some(0x40)));
                    sizes.push(out.len());
                    assert_eq!(
                        inflate_msg(&mut c, &[out], 13, 100).unwrap(),
                        msg,
                        "bits {bits} {snct} {cnct}"
                    );
                    // client -> server
                    let mut out = Vec::new();
                    assert_eq!(c.compress(OP_BINARY, &msg, true, &mut out), Ok(Some(0x40)));
                    assert_eq!(inflate_msg(&mut s, &[out], 4096, 4096).unwrap(), msg);
                }
                // With context takeover, a repeated message costs far less the second time.
                let mut out = Vec::new();
                s.compress(OP_TEXT, &text(0), true, &mut out).unwrap();
                if snct {
                    assert_eq!(out.len(), sizes[0]);
                } else {
                    assert!(out.len() < sizes[0] / 2, "{} vs {}", out.len(), sizes[0]);
                }
                assert_eq!(inflate_msg(&mut c, &[out], 5, 5).unwrap(), text(0));
            }
        }
    }
}

#[test]
fn fragmented_messages() {
    let (mut s, mut c) = pair(&N15, 1);
    for round in 0..3 {
        let parts: Vec<Vec<u8>> = (0..5).map(|i| text(i + round)).collect();
        let mut frames = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            let fin = i + 1 == parts.len();
            let op = if i == 0 { OP_TEXT } else { OP_CONT };
            let mut out = Vec::new();
            let rsv = s.compress(op, p, fin, &mut out).unwrap();
            // RSV1 on the first frame only.
            assert_eq!(rsv, Some(if i == 0 { 0x40 } else { 0 }));
            frames.push(out);
        }
        let whole: Vec<u8> = parts.concat();
        assert_eq!(inflate_msg(&mut c, &frames, 7, 33).unwrap(), whole);
    }
    // A large fragmented message whose fragments each produce output.
    let big: Vec<u8> = (0..300_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    let mut frames = Vec::new();
    for (i, p) in big.chunks(100_000).enumerate() {
        let mut out = Vec::new();
        s.compress(
            if i == 0 { OP_BINARY } else { OP_CONT },
            p,
            i == 11,
            &mut out,
        )
        .unwrap();
        frames.push(out);
    }
    assert_eq!(inflate_msg(&mut c, &frames, 65536, 1024).unwrap(), big);
}

#[test]
fn control_frames_are_not_compressed() {
    let (mut s, _) = pair(&N15, 1);
    let mut out = vec![1, 2, 3];
    assert_eq!(s.compress(OP_PING, b"ping", true, &mut out), Ok(None));
    assert_eq!(out, [1, 2, 3]);
    assert_eq!(s.allocated(), (false, false));
    // Between fragments of a data message too: the message carries on afterwards.
    let mut f1 = Vec::new();
    assert_eq!(s.compress(OP_TEXT, b"abc", false, &mut f1), Ok(Some(0x40)));
    assert_eq!(s.compress(OP_PING, b"", true, &mut Vec::new()), Ok(None));
    let mut f2 = Vec::new();
    assert_eq!(s.compress(OP_CONT, b"def", true, &mut f2), Ok(Some(0)));
    let (_, mut c) = pair(&N15, 1);
    assert_eq!(inflate_msg(&mut c, &[f1, f2], 100, 100).unwrap(), b"abcdef");
}

#[test]
fn nothing_allocated_until_used() {
    let (mut s, mut c) = pair(&N15, 1);
    assert_eq!(s.allocated(), (false, false));
    assert!(!c.rx_message_start(false));
    assert_eq!(c.allocated(), (false, false));
    // Inflating outside a compressed message is a caller error, not a panic.
    assert_eq!(
        c.inflate(b"x", true, &mut [0; 8]),
        Err(DeflateError::Internal)
    );
    let mut out = Vec::new();
    s.compress(OP_TEXT, b"x", true, &mut out).unwrap();
    assert_eq!(s.allocated(), (true, false));
    inflate_msg(&mut c, &[out], 1, 1).unwrap();
    assert_eq!(c.allocated(), (false, true));
}

#[test]
fn zip_bomb_stops_at_the_limit() {
    // 64 MiB of zeros compress to about 64 KiB.
    let (mut s, _) = pair(&N15, 9);
    let zeros = vec![0u8; 64 << 20];
    let mut bomb = Vec::new();
    s.compress(OP_BINARY, &zeros, true, &mut bomb).unwrap();
    assert!(bomb.len() < 128 << 10, "{}", bomb.len());
    let limit = 1u64 << 20;
    let mut c = PmDeflate::new(Role::Client, &N15, &args(), limit);
    assert!(c.rx_message_start(true));
    let mut buf = vec![0u8; 4096];
    let mut total = 0u64;
    let mut pos = 0;
    let err = loop {
        match c.inflate(&bomb[pos..], true, &mut buf) {
            Ok(st) => {
                pos += st.consumed;
                total += st.produced as u64;
                assert_ne!(st.status, RxStatus::End);
            }
            Err(e) => break e,
        }
    };
    assert_eq!(err, DeflateError::TooBig);
    // Never more than the limit (+1 byte to see it passed) was inflated.
    assert!(total <= limit, "{total}");
    // A message of exactly the limit passes.
    let mut c = PmDeflate::new(Role::Client, &N15, &args(), 4096);
    let mut out = Vec::new();
    s.compress(OP_BINARY, &zeros[..4096], true, &mut out)
        .unwrap();
    let mut s2 = PmDeflate::new(Role::Server, &N15, &args(), 0);
    let mut out = Vec::new();
    s2.compress(OP_BINARY, &zeros[..4096], true, &mut out)
        .unwrap();
    assert_eq!(inflate_msg(&mut c, &[out], 1000, 4096).unwrap().len(), 4096);
    let mut out = Vec::new();
    s2.compress(OP_BINARY, &zeros[..4097], true, &mut out)
        .unwrap();
    assert_eq!(
        inflate_msg(&mut c, &[out], 1000, 4096),
        Err(DeflateError::TooBig)
    );
}

#[test]
fn corrupt_input_is_an_error() {
    let (_, mut c) = pair(&N15, 1);
    // Block type 3 is reserved.
    assert_eq!(
        inflate_msg(&mut c, &[vec![0xff, 0xff, 0xff]], 10, 10),
        Err(DeflateError::Corrupt)
    );
    // A back reference past anything sent (a window the sender never filled).
    let (_, mut c) = pair(&N15, 1);
    assert_eq!(
        inflate_msg(&mut c, &[vec![0xf2, 0x00, 0x11, 0x00, 0x00]], 10, 10),
        Err(DeflateError::Corrupt)
    );
}

/// Interop with Python's zlib (the C zlib): our compressed messages inflate there with
/// the tail put back, and its raw deflate inflates here.
#[test]
fn interop_with_python_zlib() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let script = r#"
import sys, zlib
data = sys.stdin.buffer.read()
bits = int(sys.argv[1])
d = zlib.decompressobj(-bits)
out = []
i = 0
while i < len(data):
    n = int.from_bytes(data[i:i+4], 'big'); i += 4
    out.append(d.decompress(data[i:i+n] + b'\x00\x00\xff\xff')); i += n
c = zlib.compressobj(6, zlib.DEFLATED, -bits)
res = b''
for m in out:
    z = c.compress(m) + c.flush(zlib.Z_SYNC_FLUSH)
    if not z:
        # zlib flushes nothing twice: an empty message after a flush is an empty payload.
        z = b'\x00\x00\xff\xff'
    assert z.endswith(b'\x00\x00\xff\xff')
    z = z[:-4]
    res += len(m).to_bytes(4, 'big') + len(z).to_bytes(4, 'big') + m + z
sys.stdout.buffer.write(res)
"#;
    for bits in [9u8, 12, 15] {
        let n = Negotiated {
            server_max_window_bits: bits,
            client_max_window_bits: bits,
            ..N15
        };
        let (mut s, mut c) = pair(&n, 1);
        let msgs: Vec<Vec<u8>> = (0..30)
            .map(text)
            .chain([vec![b'q'; 100_000], vec![]])
            .collect();
        let mut input = Vec::new();
        for m in &msgs {
            let mut out = Vec::new();
            s.compress(OP_TEXT, m, true, &mut out).unwrap();
            input.extend_from_slice(&(out.len() as u32).to_be_bytes());
            input.extend_from_slice(&out);
        }
        let mut child = Command::new("python3")
            .args(["-c", script, &bits.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3");
        child.stdin.take().unwrap().write_all(&input).unwrap();
        let res = child.wait_with_output().unwrap();
        assert!(res.status.success());
        let r = res.stdout;
        let mut i = 0;
        for m in &msgs {
            let ml = u32::from_be_bytes(r[i..i + 4].try_into().unwrap()) as usize;
            let zl = u32::from_be_bytes(r[i + 4..i + 8].try_into().unwrap()) as usize;
            i += 8;
            // Python inflated what we compressed...
            assert_eq!(&r[i..i + ml], &m[..]);
            i += ml;
            // ...and we inflate what Python compressed (with its context carried over).
            assert_eq!(
                inflate_msg(&mut c, &[r[i..i + zl].to_vec()], 999, 512).unwrap(),
                *m
            );
            i += zl;
        }
        assert_eq!(i, r.len());
    }
}

#[test]
fn inflation_limit_can_be_lowered_per_connection() {
    let n = Negotiated {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    };
    let a = Args::defaults(4096);
    let mut tx = PmDeflate::new(Role::Client, &n, &a, 0);
    let mut rx = PmDeflate::new(Role::Server, &n, &a, 1 << 20);
    let inflate_all = |rx: &mut PmDeflate, wire: &[u8]| -> Result<usize, DeflateError> {
        assert!(rx.rx_message_start(true));
        let mut chunk = vec![0u8; 1024];
        let (mut input, mut total) = (wire, 0);
        loop {
            let st = rx.inflate(input, true, &mut chunk)?;
            total += st.produced;
            input = &input[st.consumed..];
            if st.status == RxStatus::End {
                return Ok(total);
            }
        }
    };
    let mut wire = Vec::new();
    tx.compress(OP_BINARY, &[b'a'; 5000], true, &mut wire)
        .unwrap();
    assert_eq!(inflate_all(&mut rx, &wire), Ok(5000));
    rx.set_max_message(4000);
    let mut wire = Vec::new();
    tx.compress(OP_BINARY, &[b'a'; 5000], true, &mut wire)
        .unwrap();
    assert_eq!(inflate_all(&mut rx, &wire), Err(DeflateError::TooBig));
}

/// lws asks zlib for level 1; our default level must compress about as well as zlib's
/// level 1 does (zlib-rs's own level 1 is a fixed-tree matcher whose output was ~30%
/// larger on text).  Python's zlib compresses the same messages the same way (raw
/// deflate, 15-bit window, context kept, sync flush per message) for the comparison.
#[test]
fn default_level_compresses_like_zlib_level_one() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    const WORDS: [&str; 16] = [
        "alpha", "beta", "gamma", "delta", "lorem", "ipsum", "dolor", "sit", "amet", "user",
        "message", "channel", "status", "online", "offline", "tempor",
    ];
    let mut seed = 12345u32;
    let mut next = || {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        (seed >> 16) as usize
    };
    let msgs: Vec<Vec<u8>> = (0..200)
        .map(|i| {
            let mut m = String::from("[");
            while m.len() < 4096 {
                let words: Vec<&str> = (0..3 + next() % 10).map(|_| WORDS[next() % 16]).collect();
                m += &format!(
                    "{{\"id\":{},\"user\":\"{}\",\"text\":\"{}\"}},",
                    i * 1000 + next() % 1000,
                    WORDS[next() % 16],
                    words.join(" ")
                );
            }
            m.into_bytes()
        })
        .collect();
    let (mut s, _) = pair(&N15, 1);
    let mut ours = 0usize;
    let mut input = Vec::new();
    for m in &msgs {
        let mut out = Vec::new();
        s.compress(OP_TEXT, m, true, &mut out).unwrap();
        ours += out.len();
        input.extend_from_slice(&(m.len() as u32).to_be_bytes());
        input.extend_from_slice(m);
    }
    let script = r#"
import sys, zlib
data = sys.stdin.buffer.read()
c = zlib.compressobj(1, zlib.DEFLATED, -15, 8)
i = total = 0
while i < len(data):
    n = int.from_bytes(data[i:i+4], 'big'); i += 4
    total += len(c.compress(data[i:i+n]) + c.flush(zlib.Z_SYNC_FLUSH)) - 4; i += n
print(total)
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let res = child.wait_with_output().unwrap();
    assert!(res.status.success());
    let zlib: usize = String::from_utf8(res.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let payload: usize = msgs.iter().map(Vec::len).sum();
    eprintln!(
        "ours {ours} zlib level 1 {zlib} bytes for {payload} ({:.3} / {:.3})",
        ours as f64 / payload as f64,
        zlib as f64 / payload as f64
    );
    assert!(
        ours * 100 <= zlib * 105,
        "our output {ours} is more than 5% larger than zlib level 1's {zlib}"
    );
}
