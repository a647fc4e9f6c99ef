//! WebSocket extension input: lws's extension option-string parser
//! (`ws::ext_options`, behind `lws_ext_parse_options`), the `Sec-WebSocket-Extensions`
//! parsing and negotiation of permessage-deflate on both sides (`ws::deflate`), and the
//! codec itself: a peer's compressed bytes inflated under a message limit, and our
//! compression inflated back.
//!
//! Input: 1 control byte, then text split at the first 0xff: the left part is used as
//! an option string and as a header, the right part as compressed payload and as data
//! to compress.  Properties: reported option values lie inside the input; a negotiated
//! answer has windows in 9..=15 (8..=15 offered); inflating never produces more than
//! the message limit plus the one byte that tells it was passed, and every step makes
//! progress; compress then inflate gives the data back, fragmented or not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::ws::deflate::{self, Args, PmDeflate, Role, RxStatus, OPTIONS};
use websockets::ws::ext_options;

/// Inflates one message's payload (`pieces` frames) into chunks; None on an error.
fn inflate(p: &mut PmDeflate, pieces: &[&[u8]], chunk: usize, limit: u64) -> Option<Vec<u8>> {
    if !p.rx_message_start(true) {
        return None;
    }
    let mut out = Vec::new();
    let mut buf = vec![0u8; chunk];
    for (k, piece) in pieces.iter().enumerate() {
        let last = k + 1 == pieces.len();
        let mut input: &[u8] = piece;
        for _ in 0..1_000_000 {
            let st = p.inflate(input, last, &mut buf).ok()?;
            assert!(st.consumed <= input.len() && st.produced <= buf.len());
            out.extend_from_slice(&buf[..st.produced]);
            assert!(out.len() as u64 <= limit + 1, "inflated {} past {limit}", out.len());
            input = &input[st.consumed..];
            match st.status {
                RxStatus::OutputFull => {
                    assert!(st.consumed > 0 || st.produced > 0, "no progress");
                }
                RxStatus::NeedInput => break,
                RxStatus::End => return Some(out),
            }
        }
    }
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let cut = rest.iter().position(|&b| b == 0xff).unwrap_or(rest.len());
    let text = &rest[..cut];
    let payload = rest.get(cut + 1..).unwrap_or(&[]);

    let _ = ext_options::parse(text, &OPTIONS, |h| {
        assert!(h.index < OPTIONS.len());
        if let Some((o, l)) = h.value {
            assert!(o + l <= text.len(), "value outside the input");
        }
    });
    let rx_cap = 128usize << (ctl & 7);
    let mut args = Args::defaults(rx_cap);
    let _ = args.apply_str(text, rx_cap);
    assert!(args.rx_chunk() <= rx_cap.max(128));

    let _ = deflate::parse_list(text);
    let _ = deflate::offered(text);
    if let Some(a) = deflate::server_accept(text, &Args::defaults(4096)) {
        let n = a.negotiated;
        assert!((9..=15).contains(&n.server_max_window_bits), "{n:?}");
        assert!((8..=15).contains(&n.client_max_window_bits), "{n:?}");
        // Our answer must be one our own client accepts for the default offer.
        let _ = deflate::client_check(a.response.as_bytes(), Some(deflate::DEFAULT_CLIENT_OFFER), &Args::defaults(4096));
    }
    if let Ok(Some(n)) = deflate::client_check(text, Some(deflate::DEFAULT_CLIENT_OFFER), &Args::defaults(4096)) {
        assert!((9..=15).contains(&n.client_max_window_bits), "{n:?}");
    }

    // The codec, with windows and takeover picked by the control byte.
    let n = deflate::Negotiated {
        server_no_context_takeover: ctl & 8 != 0,
        client_no_context_takeover: ctl & 16 != 0,
        server_max_window_bits: 9 + (ctl >> 5),
        client_max_window_bits: 9 + (ctl >> 5),
    };
    let a = Args::defaults(4096);
    let limit = 64 * 1024;
    let mut server = PmDeflate::new(Role::Server, &n, &a, limit);
    // A peer's bytes, whole and as two frames.
    let _ = inflate(&mut server, &[payload], a.rx_chunk(), limit);
    let (x, y) = payload.split_at(payload.len() / 2);
    let _ = inflate(&mut server, &[x, y], a.rx_chunk(), limit);

    // Ours, back: the client compresses, the server inflates (a fresh pair, in step).
    let mut client = PmDeflate::new(Role::Client, &n, &a, 0);
    let mut server = PmDeflate::new(Role::Server, &n, &a, 0);
    for _ in 0..2 {
        let mut frames = Vec::new();
        let parts: Vec<&[u8]> = if ctl & 1 != 0 {
            payload.chunks(payload.len() / 3 + 1).collect()
        } else {
            vec![payload]
        };
        let count = parts.len().max(1);
        for k in 0..count {
            let part = parts.get(k).copied().unwrap_or(&[]);
            let mut f = Vec::new();
            let op = if k == 0 { 2 } else { 0 };
            client.compress(op, part, k + 1 == count, &mut f).expect("compress");
            frames.push(f);
        }
        let refs: Vec<&[u8]> = frames.iter().map(|f| &f[..]).collect();
        let back = inflate(&mut server, &refs, a.rx_chunk(), u64::MAX - 1).expect("our own data inflates");
        assert!(back == payload, "compress/inflate round trip");
    }
});
