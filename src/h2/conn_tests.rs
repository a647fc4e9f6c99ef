//! Tests of the server connection, driven by a hand-rolled client.

use super::*;
use crate::h2::frame::{
    CONTINUATION, DATA, GOAWAY, HEADERS, HEADER_LEN, PING, RST_STREAM, SETTINGS, WINDOW_UPDATE,
};

type Out = Vec<(FrameHeader, Vec<u8>)>;

fn parse_out(mut b: &[u8]) -> Out {
    let mut v = Vec::new();
    while let Some(h) = FrameHeader::parse(b) {
        let end = HEADER_LEN + h.len as usize;
        v.push((h, b[HEADER_LEN..end].to_vec()));
        b = &b[end..];
    }
    assert!(b.is_empty(), "trailing partial frame");
    v
}

fn client_preface(settings: &[(u16, u32)]) -> Vec<u8> {
    let mut v = PREFACE.to_vec();
    frame::write_settings(&mut v, settings);
    v
}

fn server(cfg: Config) -> ServerConn {
    let mut c = ServerConn::new(cfg);
    c.handle_input(&client_preface(&[]));
    c.take_output();
    c
}

fn events(c: &mut ServerConn) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn block(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut e = Encoder::default();
    e.huffman = false;
    let mut b = Vec::new();
    e.encode(
        fields.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
        &mut b,
    );
    b
}

fn get(path: &str) -> Vec<u8> {
    block(&[
        (":method", "GET"),
        (":scheme", "https"),
        (":path", path),
        (":authority", "example.com"),
    ])
}

fn headers(stream: u32, block: &[u8], end_stream: bool) -> Vec<u8> {
    let mut v = Vec::new();
    Frame::Headers {
        stream,
        fragment: block,
        end_stream,
        end_headers: true,
        priority: None,
        pad: None,
    }
    .write(&mut v);
    v
}

fn data(stream: u32, d: &[u8], end_stream: bool) -> Vec<u8> {
    let mut v = Vec::new();
    Frame::Data {
        stream,
        data: d,
        end_stream,
        pad: None,
    }
    .write(&mut v);
    v
}

fn raw(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    FrameHeader {
        len: payload.len() as u32,
        kind,
        flags,
        stream,
    }
    .write(&mut v);
    v.extend_from_slice(payload);
    v
}

fn goaway_code(out: &Out) -> Option<ErrorCode> {
    out.iter()
        .find(|(h, _)| h.kind == GOAWAY)
        .map(|(_, p)| ErrorCode(u32::from_be_bytes([p[4], p[5], p[6], p[7]])))
}

fn rst(out: &Out, stream: u32) -> Option<ErrorCode> {
    out.iter()
        .find(|(h, _)| h.kind == RST_STREAM && h.stream == stream)
        .map(|(_, p)| ErrorCode(u32::from_be_bytes([p[0], p[1], p[2], p[3]])))
}

/// Feeds `input` and returns the frames the server wrote.
fn feed(c: &mut ServerConn, input: &[u8]) -> Out {
    c.handle_input(input);
    parse_out(&c.take_output())
}

fn conn_error(input: &[u8]) -> ErrorCode {
    let mut c = server(Config::default());
    let out = feed(&mut c, input);
    assert!(c.is_closed());
    assert!(matches!(
        events(&mut c).last(),
        Some(Event::ConnectionError { .. })
    ));
    goaway_code(&out).expect("GOAWAY")
}

fn decode_response(payload: &[u8]) -> Vec<Header> {
    Decoder::new(4096).decode(payload, 1 << 20).unwrap()
}

#[test]
fn preface_and_settings_exchange() {
    let cfg = Config {
        enable_connect_protocol: true,
        connection_window: 1 << 20,
        ..Default::default()
    };
    let mut c = ServerConn::new(cfg);
    let out = parse_out(&c.take_output());
    assert_eq!(out[0].0.kind, SETTINGS);
    let params: Vec<_> = settings::params(&out[0].1).collect();
    assert!(params.contains(&(settings::MAX_CONCURRENT_STREAMS, 100)));
    assert!(params.contains(&(settings::MAX_HEADER_LIST_SIZE, 16384)));
    assert!(params.contains(&(settings::ENABLE_CONNECT_PROTOCOL, 1)));
    assert!(!params.iter().any(|p| p.0 == settings::ENABLE_PUSH));
    assert_eq!(out[1].0.kind, WINDOW_UPDATE);
    assert_eq!(out[1].1, ((1u32 << 20) - 65535).to_be_bytes());
    // The client's preface, byte by byte, with SETTINGS: an ACK comes back.
    let input = client_preface(&[
        (settings::INITIAL_WINDOW_SIZE, 1000),
        (settings::MAX_FRAME_SIZE, 20000),
    ]);
    for b in &input {
        c.handle_input(std::slice::from_ref(b));
    }
    let out = parse_out(&c.take_output());
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].0.kind, out[0].0.flags), (SETTINGS, frame::FLAG_ACK));
    assert_eq!(c.peer_settings().initial_window_size, 1000);
    assert_eq!(c.peer_settings().max_frame_size, 20000);
}

#[test]
fn bad_preface_and_missing_settings() {
    let mut c = ServerConn::new(Config::default());
    c.take_output();
    let out = feed(&mut c, b"GET / HTTP/1.1\r\n\r\n");
    assert_eq!(goaway_code(&out), Some(ErrorCode::PROTOCOL_ERROR));
    assert!(c.is_closed());
    let mut c = ServerConn::new(Config::default());
    let mut input = PREFACE.to_vec();
    input.extend(raw(PING, 0, 0, &[0; 8]));
    let out = feed(&mut c, &input);
    assert_eq!(goaway_code(&out), Some(ErrorCode::PROTOCOL_ERROR));
}

#[test]
fn simple_get_any_split() {
    let input: Vec<u8> = [client_preface(&[]), headers(1, &get("/index.html"), true)].concat();
    let mut whole = ServerConn::new(Config::default());
    whole.handle_input(&input);
    let want = events(&mut whole);
    for split in 1..input.len() {
        let mut c = ServerConn::new(Config::default());
        c.handle_input(&input[..split]);
        c.handle_input(&input[split..]);
        assert_eq!(events(&mut c), want, "split at {split}");
    }
    let Event::Request {
        stream: 1,
        request,
        end_stream: true,
    } = &want[0]
    else {
        panic!("{want:?}")
    };
    assert_eq!(request.method, b"GET");
    assert_eq!(request.path.as_deref(), Some(&b"/index.html"[..]));
    assert_eq!(request.authority.as_deref(), Some(&b"example.com"[..]));
    assert_eq!(want[1], Event::EndOfStream { stream: 1 });
    // Answer it.
    let mut c = whole;
    c.take_output();
    assert_eq!(c.stream_state(1), StreamState::HalfClosedRemote);
    c.send_response(1, 200, &[(b"Content-Type", b"text/plain")], false)
        .unwrap();
    assert_eq!(c.send_data(1, b"hello", true), Ok(5));
    assert_eq!(c.stream_state(1), StreamState::Closed);
    assert_eq!(c.send_data(1, b"more", true), Err(SendError::NoStream));
    let out = parse_out(&c.take_output());
    assert_eq!(out[0].0.kind, HEADERS);
    assert_eq!(
        decode_response(&out[0].1),
        vec![
            Header::new(b":status", b"200"),
            Header::new(b"content-type", b"text/plain")
        ]
    );
    assert_eq!(
        (out[1].0.kind, out[1].0.flags, &out[1].1[..]),
        (DATA, frame::FLAG_END_STREAM, &b"hello"[..])
    );
}

#[test]
fn request_body_and_receive_windows() {
    let cfg = Config {
        initial_window_size: 100,
        ..Default::default()
    };
    let mut c = server(cfg);
    feed(&mut c, &raw(SETTINGS, frame::FLAG_ACK, 0, &[]));
    let post = block(&[
        (":method", "POST"),
        (":scheme", "https"),
        (":path", "/up"),
        ("content-length", "150"),
    ]);
    feed(&mut c, &headers(1, &post, false));
    let out = feed(&mut c, &data(1, &[7; 100], false));
    assert!(out.is_empty());
    let ev = events(&mut c);
    assert!(matches!(&ev[1], Event::Data { stream: 1, data } if data.len() == 100));
    // The window is spent: one more byte is a stream error.
    let out = feed(&mut c, &data(1, b"x", false));
    assert_eq!(rst(&out, 1), Some(ErrorCode::FLOW_CONTROL_ERROR));
    assert!(events(&mut c).contains(&Event::Reset {
        stream: 1,
        code: ErrorCode::FLOW_CONTROL_ERROR,
        remote: false
    }));
    // Releasing opens the window again.
    feed(&mut c, &headers(3, &post, false));
    feed(&mut c, &data(3, &[1; 100], false));
    c.release_capacity(3, 60);
    let out = parse_out(&c.take_output());
    assert_eq!(out.len(), 1);
    assert_eq!(
        (out[0].0.kind, out[0].0.stream, &out[0].1[..]),
        (WINDOW_UPDATE, 3, &60u32.to_be_bytes()[..])
    );
    feed(&mut c, &data(3, &[1; 50], true));
    let ev = events(&mut c);
    assert_eq!(ev.last(), Some(&Event::EndOfStream { stream: 3 }));
}

#[test]
fn content_length_is_enforced() {
    let post = block(&[
        (":method", "POST"),
        (":scheme", "https"),
        (":path", "/"),
        ("content-length", "3"),
    ]);
    let mut c = server(Config::default());
    let out = feed(
        &mut c,
        &[headers(1, &post, false), data(1, b"abcd", true)].concat(),
    );
    assert_eq!(rst(&out, 1), Some(ErrorCode::PROTOCOL_ERROR));
    let out = feed(
        &mut c,
        &[headers(3, &post, false), data(3, b"ab", true)].concat(),
    );
    assert_eq!(rst(&out, 3), Some(ErrorCode::PROTOCOL_ERROR));
    let out = feed(&mut c, &headers(5, &post, true));
    assert_eq!(rst(&out, 5), Some(ErrorCode::PROTOCOL_ERROR));
    let out = feed(
        &mut c,
        &[headers(7, &post, false), data(7, b"abc", true)].concat(),
    );
    assert!(out.is_empty());
}

#[test]
fn connection_receive_window() {
    let mut c = server(Config::default());
    let post = block(&[(":method", "POST"), (":scheme", "https"), (":path", "/")]);
    let mut input = Vec::new();
    for s in [1, 3, 5, 7, 9] {
        input.extend(headers(s, &post, false));
        input.extend(data(s, &[0; 16384], false));
    }
    // 5 * 16384 > 65535: the fourth frame already exceeds the connection window.
    let out = feed(&mut c, &input);
    assert_eq!(goaway_code(&out), Some(ErrorCode::FLOW_CONTROL_ERROR));
}

#[test]
fn padding_counts_against_windows_and_is_returned() {
    let mut c = server(Config::default());
    let mut h = Vec::new();
    Frame::Headers {
        stream: 1,
        fragment: &block(&[(":method", "POST"), (":scheme", "https"), (":path", "/")]),
        end_stream: false,
        end_headers: true,
        priority: Some(frame::Priority {
            dependency: 0,
            exclusive: false,
            weight: 15,
        }),
        pad: Some(9),
    }
    .write(&mut h);
    let mut d = Vec::new();
    Frame::Data {
        stream: 1,
        data: b"abc",
        end_stream: true,
        pad: Some(40000u32 as u8),
    }
    .write(&mut d);
    feed(&mut c, &[h, d].concat());
    let ev = events(&mut c);
    assert!(matches!(&ev[0], Event::Request { stream: 1, .. }));
    assert_eq!(
        ev[1],
        Event::Data {
            stream: 1,
            data: b"abc".to_vec()
        }
    );
    assert_eq!(ev[2], Event::EndOfStream { stream: 1 });
}

#[test]
fn send_windows_and_writable() {
    let mut c = ServerConn::new(Config::default());
    c.handle_input(&client_preface(&[
        (settings::INITIAL_WINDOW_SIZE, 10),
        (settings::MAX_FRAME_SIZE, 16384),
    ]));
    c.handle_input(&headers(1, &get("/"), true));
    c.take_output();
    events(&mut c);
    c.send_response(1, 200, &[], false).unwrap();
    assert_eq!(c.send_capacity(1), Some(10));
    assert_eq!(c.send_data(1, &[b'a'; 25], true), Ok(10));
    assert_eq!(c.send_capacity(1), Some(0));
    assert_eq!(c.send_data(1, b"b", false), Ok(0));
    let out = parse_out(&c.take_output());
    assert_eq!(
        out.iter()
            .filter(|(h, _)| h.kind == DATA)
            .map(|(h, _)| h.len)
            .sum::<u32>(),
        10
    );
    assert!(out
        .iter()
        .all(|(h, _)| h.flags & frame::FLAG_END_STREAM == 0));
    // WINDOW_UPDATE on the stream wakes it.
    feed(&mut c, &raw(WINDOW_UPDATE, 0, 1, &100u32.to_be_bytes()));
    assert_eq!(events(&mut c), [Event::Writable { stream: 1 }]);
    assert_eq!(c.send_data(1, &[b'a'; 15], true), Ok(15));
    assert_eq!(c.stream_state(1), StreamState::Closed);

    // A SETTINGS change of the initial window moves open streams' windows, even below 0.
    c.handle_input(&headers(3, &get("/"), true));
    c.send_response(3, 200, &[], false).unwrap();
    assert_eq!(c.send_data(3, &[0; 8], false), Ok(8));
    let p: Vec<u8> = [
        &settings::INITIAL_WINDOW_SIZE.to_be_bytes()[..],
        &4u32.to_be_bytes(),
    ]
    .concat();
    feed(&mut c, &raw(SETTINGS, 0, 0, &p));
    assert_eq!(c.send_capacity(3), Some(0)); // 2 - 6 = -4
    feed(&mut c, &raw(WINDOW_UPDATE, 0, 3, &5u32.to_be_bytes()));
    assert_eq!(c.send_capacity(3), Some(1));

    // The connection window limits too: spend it, then open it.
    let mut c = server(Config::default());
    c.handle_input(&headers(1, &get("/"), true));
    c.send_response(1, 200, &[], false).unwrap();
    c.handle_input(&raw(WINDOW_UPDATE, 0, 1, &1_000_000u32.to_be_bytes()));
    assert_eq!(c.send_data(1, &vec![0; 100_000], false), Ok(65535));
    let out = parse_out(&c.take_output());
    assert!(out.iter().all(|(h, _)| h.len <= 16384));
    events(&mut c);
    feed(&mut c, &raw(WINDOW_UPDATE, 0, 0, &10u32.to_be_bytes()));
    assert_eq!(events(&mut c), [Event::Writable { stream: 1 }]);
    assert_eq!(c.send_capacity(1), Some(10));
}

#[test]
fn window_overflow() {
    let mut c = server(Config::default());
    c.handle_input(&headers(1, &get("/"), true));
    let out = feed(
        &mut c,
        &raw(WINDOW_UPDATE, 0, 1, &0x7fff_ffffu32.to_be_bytes()),
    );
    assert_eq!(rst(&out, 1), Some(ErrorCode::FLOW_CONTROL_ERROR));
    assert_eq!(
        conn_error(&raw(WINDOW_UPDATE, 0, 0, &0x7fff_ffffu32.to_be_bytes())),
        ErrorCode::FLOW_CONTROL_ERROR
    );
    // Through SETTINGS_INITIAL_WINDOW_SIZE on an open stream.
    let mut c = server(Config::default());
    c.handle_input(&headers(1, &get("/"), true));
    c.handle_input(&raw(
        WINDOW_UPDATE,
        0,
        1,
        &(0x7fff_ffffu32 - 65535).to_be_bytes(),
    ));
    let p: Vec<u8> = [
        &settings::INITIAL_WINDOW_SIZE.to_be_bytes()[..],
        &65536u32.to_be_bytes(),
    ]
    .concat();
    let out = feed(&mut c, &raw(SETTINGS, 0, 0, &p));
    assert_eq!(goaway_code(&out), Some(ErrorCode::FLOW_CONTROL_ERROR));
}

#[test]
fn header_block_across_continuations() {
    let b = get("/continued/path/that/is/long");
    let mut input = Vec::new();
    Frame::Headers {
        stream: 1,
        fragment: &b[..3],
        end_stream: true,
        end_headers: false,
        priority: None,
        pad: None,
    }
    .write(&mut input);
    Frame::Continuation {
        stream: 1,
        fragment: &b[3..10],
        end_headers: false,
    }
    .write(&mut input);
    Frame::Continuation {
        stream: 1,
        fragment: &b[10..],
        end_headers: true,
    }
    .write(&mut input);
    let mut c = server(Config::default());
    feed(&mut c, &input);
    let ev = events(&mut c);
    assert!(
        matches!(&ev[0], Event::Request { request, .. } if request.path.as_deref() == Some(&b"/continued/path/that/is/long"[..]))
    );

    // Anything between HEADERS and its last CONTINUATION is a connection error.
    let mut start = Vec::new();
    Frame::Headers {
        stream: 1,
        fragment: &b[..3],
        end_stream: true,
        end_headers: false,
        priority: None,
        pad: None,
    }
    .write(&mut start);
    assert_eq!(
        conn_error(&[start.clone(), raw(PING, 0, 0, &[0; 8])].concat()),
        ErrorCode::PROTOCOL_ERROR
    );
    assert_eq!(
        conn_error(&[start.clone(), raw(CONTINUATION, 4, 3, &b[3..])].concat()),
        ErrorCode::PROTOCOL_ERROR
    );
    assert_eq!(
        conn_error(&[start.clone(), raw(0xee, 0, 0, &[])].concat()),
        ErrorCode::PROTOCOL_ERROR
    );
    assert_eq!(
        conn_error(&raw(CONTINUATION, 4, 1, &b)),
        ErrorCode::PROTOCOL_ERROR
    );
    // CONTINUATION flood: many empty frames.
    let mut flood = start.clone();
    for _ in 0..65 {
        flood.extend(raw(CONTINUATION, 0, 1, &[]));
    }
    assert_eq!(conn_error(&flood), ErrorCode::ENHANCE_YOUR_CALM);
    // A block larger than the limit.
    let mut big = start;
    for _ in 0..3 {
        big.extend(raw(CONTINUATION, 0, 1, &[0; 16000]));
    }
    assert_eq!(conn_error(&big), ErrorCode::ENHANCE_YOUR_CALM);
}

#[test]
fn concurrency_limit_refuses_and_keeps_hpack_in_step() {
    let mut c = server(Config {
        max_concurrent_streams: 2,
        ..Default::default()
    });
    feed(
        &mut c,
        &[headers(1, &get("/a"), true), headers(3, &get("/b"), true)].concat(),
    );
    // The refused request adds an entry to the dynamic table...
    let mut indexed = get("/");
    indexed.extend_from_slice(&[0x40, 0x01, b'x', 0x01, b'y']);
    let out = feed(&mut c, &headers(5, &indexed, true));
    assert_eq!(rst(&out, 5), Some(ErrorCode::REFUSED_STREAM));
    assert_eq!(c.active_streams(), 2);
    // ...which a later request refers to (index 62).
    c.send_response(1, 204, &[], true).unwrap();
    let mut later = get("/c");
    later.push(0xbe);
    feed(&mut c, &headers(7, &later, true));
    let ev = events(&mut c);
    let Some(Event::Request {
        stream: 7, request, ..
    }) = ev
        .iter()
        .find(|e| matches!(e, Event::Request { stream: 7, .. }))
    else {
        panic!("{ev:?}")
    };
    assert_eq!(request.fields, vec![Header::new(b"x", b"y")]);
}

#[test]
fn rapid_reset_gets_enhance_your_calm() {
    let cfg = Config {
        max_reset_debt: 50,
        ..Default::default()
    };
    let mut c = server(cfg.clone());
    let mut out = Vec::new();
    for i in 0..60u32 {
        let s = 2 * i + 1;
        out.extend(feed(
            &mut c,
            &[
                headers(s, &get("/"), true),
                raw(RST_STREAM, 0, s, &8u32.to_be_bytes()),
            ]
            .concat(),
        ));
        c.advance_output(usize::MAX);
    }
    assert_eq!(goaway_code(&out), Some(ErrorCode::ENHANCE_YOUR_CALM));
    assert!(c.is_closed());
    // Streams that complete normally pay the debt back.
    let mut c = server(cfg);
    for i in 0..200u32 {
        let s = 2 * i + 1;
        if i % 2 == 0 {
            c.handle_input(
                &[
                    headers(s, &get("/"), true),
                    raw(RST_STREAM, 0, s, &8u32.to_be_bytes()),
                ]
                .concat(),
            );
        } else {
            c.handle_input(&headers(s, &get("/"), true));
            c.send_response(s, 200, &[], true).unwrap();
        }
        c.take_output();
    }
    assert!(!c.is_closed());
}

#[test]
fn ping_and_settings_floods() {
    let mut c = server(Config::default());
    let pings: Vec<u8> = (0..1001).flat_map(|_| raw(PING, 0, 0, &[1; 8])).collect();
    let mut copy = server(Config::default());
    let out = feed(&mut c, &pings);
    assert_eq!(
        out.iter()
            .filter(|(h, _)| h.kind == PING && h.flags == frame::FLAG_ACK)
            .count(),
        1000
    );
    assert_eq!(goaway_code(&out), Some(ErrorCode::ENHANCE_YOUR_CALM));
    // The same pings with the output drained in between are fine.
    for chunk in pings.chunks(17 * 100) {
        copy.handle_input(chunk);
        copy.advance_output(copy.pending_output().len());
    }
    assert!(!copy.is_closed());
    let settings: Vec<u8> = (0..1001).flat_map(|_| raw(SETTINGS, 0, 0, &[])).collect();
    assert_eq!(conn_error(&settings), ErrorCode::ENHANCE_YOUR_CALM);
    let empty: Vec<u8> = [headers(
        1,
        &block(&[(":method", "POST"), (":scheme", "http"), (":path", "/")]),
        false,
    )]
    .into_iter()
    .chain((0..101).map(|_| data(1, b"", false)))
    .flatten()
    .collect();
    assert_eq!(conn_error(&empty), ErrorCode::ENHANCE_YOUR_CALM);
}

#[test]
fn hpack_bomb_and_oversized_list_get_431() {
    let mut c = server(Config::default());
    // One 4000-byte entry, then 1000 references to it (4 MB if materialised).
    let mut b = get("/");
    b.extend_from_slice(&[0x40, 0x01, b'b', 0x7f, 0xa1, 0x1e]); // value length 127 + 0x21 + (0x1e << 7) = 4000
    b.extend(std::iter::repeat_n(b'x', 4000));
    b.extend(std::iter::repeat_n(0xbe, 1000));
    let mut input = Vec::new();
    frame::write_header_block(&mut input, 1, &b, false, 16384);
    let out = feed(&mut c, &input);
    assert!(!c.is_closed());
    let (h, p) = &out[0];
    assert_eq!((h.kind, h.stream), (HEADERS, 1));
    assert_eq!(decode_response(p), vec![Header::new(b":status", b"431")]);
    assert_eq!(rst(&out, 1), Some(ErrorCode::NO_ERROR));
    assert!(events(&mut c).is_empty());
    // Data the client had in flight for it is dropped quietly; the table is in step.
    let out = feed(&mut c, &data(1, b"late", true));
    assert!(out.is_empty());
    let mut next = get("/next");
    next.push(0xbe);
    feed(&mut c, &headers(3, &next, true));
    let ev = events(&mut c);
    assert!(
        matches!(&ev[0], Event::Request { stream: 3, request, .. } if request.fields[0].value.len() == 4000)
    );
}

#[test]
fn bad_hpack_is_a_compression_error() {
    assert_eq!(
        conn_error(&headers(1, &[0x80], true)),
        ErrorCode::COMPRESSION_ERROR
    );
    assert_eq!(
        conn_error(&headers(1, &[0x82, 0x3f, 0xe1, 0x1f], true)),
        ErrorCode::COMPRESSION_ERROR
    );
    assert_eq!(
        conn_error(&headers(1, &[0x00, 0x85, 0xff], true)),
        ErrorCode::COMPRESSION_ERROR
    );
}

#[test]
fn request_validation() {
    let bad: &[&[(&str, &str)]] = &[
        &[(":method", "GET"), (":scheme", "https")],
        &[(":method", "GET"), (":path", "/")],
        &[(":scheme", "https"), (":path", "/")],
        &[(":method", "GET"), (":scheme", "https"), (":path", "")],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            (":method", "GET"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            (":status", "200"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            ("x", "y"),
            (":path", "/"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            (":protocol", "websocket"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            ("connection", "close"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            ("transfer-encoding", "chunked"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            ("te", "gzip"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            ("x", "a\r\nb"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            ("x", " padded"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            ("content-length", "1x"),
        ],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            ("content-length", "1"),
            ("content-length", "2"),
        ],
        &[
            (":method", "CONNECT"),
            (":authority", "h:1"),
            (":path", "/"),
        ],
        &[(":method", "CONNECT")],
    ];
    for (i, fields) in bad.iter().enumerate() {
        let mut c = server(Config::default());
        let out = feed(&mut c, &headers(1, &block(fields), true));
        assert_eq!(
            rst(&out, 1),
            Some(ErrorCode::PROTOCOL_ERROR),
            "case {i}: {fields:?}"
        );
        assert!(!c.is_closed());
    }
    // An upper-case name needs a hand-made literal (our encoder lowers names).
    let mut b = get("/");
    b.extend_from_slice(&[0x00, 0x01, b'X', 0x01, b'y']);
    let mut c = server(Config::default());
    assert_eq!(
        rst(&feed(&mut c, &headers(1, &b, true)), 1),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
    let good: &[&[(&str, &str)]] = &[
        &[(":method", "CONNECT"), (":authority", "h:1")],
        &[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/"),
            ("te", "trailers"),
            ("cookie", "a=b"),
        ],
    ];
    for fields in good {
        let mut c = server(Config::default());
        let out = feed(&mut c, &headers(1, &block(fields), true));
        assert!(out.is_empty(), "{fields:?}");
    }
}

#[test]
fn extended_connect_for_websockets() {
    let ws = block(&[
        (":method", "CONNECT"),
        (":protocol", "websocket"),
        (":scheme", "https"),
        (":path", "/chat"),
        (":authority", "example.com"),
        ("sec-websocket-version", "13"),
    ]);
    let mut c = server(Config {
        enable_connect_protocol: true,
        ..Default::default()
    });
    feed(&mut c, &headers(1, &ws, false));
    let ev = events(&mut c);
    let Event::Request {
        request,
        end_stream: false,
        ..
    } = &ev[0]
    else {
        panic!("{ev:?}")
    };
    assert_eq!(request.protocol.as_deref(), Some(&b"websocket"[..]));
    // Without the setting, :protocol is malformed.
    let mut c = server(Config::default());
    assert_eq!(
        rst(&feed(&mut c, &headers(1, &ws, false)), 1),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
    // Missing :path with :protocol.
    let mut c = server(Config {
        enable_connect_protocol: true,
        ..Default::default()
    });
    let b = block(&[
        (":method", "CONNECT"),
        (":protocol", "websocket"),
        (":scheme", "https"),
        (":authority", "e"),
    ]);
    assert_eq!(
        rst(&feed(&mut c, &headers(1, &b, false)), 1),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
}

#[test]
fn trailers() {
    let post = block(&[(":method", "POST"), (":scheme", "https"), (":path", "/")]);
    let mut c = server(Config::default());
    feed(
        &mut c,
        &[headers(1, &post, false), data(1, b"x", false)].concat(),
    );
    feed(&mut c, &headers(1, &block(&[("grpc-status", "0")]), true));
    let ev = events(&mut c);
    assert_eq!(
        ev[2],
        Event::Trailers {
            stream: 1,
            fields: vec![Header::new(b"grpc-status", b"0")]
        }
    );
    assert_eq!(ev[3], Event::EndOfStream { stream: 1 });
    // Trailers without END_STREAM, or with pseudo-headers.
    let mut c = server(Config::default());
    feed(&mut c, &headers(1, &post, false));
    assert_eq!(
        rst(&feed(&mut c, &headers(1, &block(&[("a", "b")]), false)), 1),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
    feed(&mut c, &headers(3, &post, false));
    assert_eq!(
        rst(&feed(&mut c, &headers(3, &get("/"), true)), 3),
        Some(ErrorCode::PROTOCOL_ERROR)
    );
}

#[test]
fn stream_state_errors() {
    use ErrorCode as E;
    // Frames on idle streams.
    assert_eq!(conn_error(&data(1, b"x", false)), E::PROTOCOL_ERROR);
    assert_eq!(
        conn_error(&raw(RST_STREAM, 0, 1, &[0; 4])),
        E::PROTOCOL_ERROR
    );
    assert_eq!(
        conn_error(&raw(WINDOW_UPDATE, 0, 1, &[0, 0, 0, 1])),
        E::PROTOCOL_ERROR
    );
    assert_eq!(conn_error(&headers(2, &get("/"), true)), E::PROTOCOL_ERROR);
    // Push from a client, oversized frames.
    assert_eq!(
        conn_error(&raw(frame::PUSH_PROMISE, 4, 1, &[0, 0, 0, 2, 0x82])),
        E::PROTOCOL_ERROR
    );
    assert_eq!(
        conn_error(&raw(PING, 0, 0, &[0; 16385])),
        E::FRAME_SIZE_ERROR
    );
    // Unknown frames and PRIORITY on idle streams are ignored.
    let mut c = server(Config::default());
    let out = feed(
        &mut c,
        &[
            raw(0xbb, 0xff, 5, b"whatever"),
            raw(frame::PRIORITY, 0, 9, &[0, 0, 0, 1, 16]),
        ]
        .concat(),
    );
    assert!(out.is_empty() && !c.is_closed());
    // A stream that depends on itself.
    let out = feed(&mut c, &raw(frame::PRIORITY, 0, 11, &[0, 0, 0, 11, 16]));
    assert_eq!(rst(&out, 11), Some(E::PROTOCOL_ERROR));
    // DATA after END_STREAM; HEADERS on a stream closed normally.
    let mut c = server(Config::default());
    feed(&mut c, &headers(1, &get("/"), true));
    assert_eq!(
        rst(&feed(&mut c, &data(1, b"x", false)), 1),
        Some(E::STREAM_CLOSED)
    );
    feed(&mut c, &headers(3, &get("/"), true));
    c.send_response(3, 200, &[], true).unwrap();
    let out = feed(&mut c, &headers(3, &get("/"), true));
    assert_eq!(goaway_code(&out), Some(E::STREAM_CLOSED));
    // Stream ids must increase.
    let mut c = server(Config::default());
    feed(&mut c, &headers(5, &get("/"), true));
    assert_eq!(
        goaway_code(&feed(&mut c, &headers(3, &get("/"), true))),
        Some(E::STREAM_CLOSED)
    );
}

#[test]
fn peer_reset_and_local_reset() {
    let post = block(&[(":method", "POST"), (":scheme", "https"), (":path", "/")]);
    let mut c = server(Config::default());
    feed(&mut c, &headers(1, &post, false));
    feed(&mut c, &raw(RST_STREAM, 0, 1, &E_CANCEL));
    let ev = events(&mut c);
    assert_eq!(
        ev.last(),
        Some(&Event::Reset {
            stream: 1,
            code: ErrorCode::CANCEL,
            remote: true
        })
    );
    assert_eq!(c.send_response(1, 200, &[], true), Err(SendError::NoStream));
    // We reset; frames the client had in flight are ignored, not errors.
    feed(&mut c, &headers(3, &post, false));
    c.reset_stream(3, ErrorCode::CANCEL).unwrap();
    assert_eq!(
        rst(&parse_out(&c.take_output()), 3),
        Some(ErrorCode::CANCEL)
    );
    let out = feed(
        &mut c,
        &[
            data(3, b"late", false),
            headers(3, &block(&[("a", "b")]), true),
        ]
        .concat(),
    );
    assert!(out.is_empty() && !c.is_closed());
}

const E_CANCEL: [u8; 4] = 8u32.to_be_bytes();

#[test]
fn goaway_both_ways() {
    let mut c = server(Config::default());
    feed(
        &mut c,
        &raw(GOAWAY, 0, 0, &[0, 0, 0, 0, 0, 0, 0, 0, b'b', b'y', b'e']),
    );
    assert_eq!(
        events(&mut c),
        [Event::GoAway {
            last_stream: 0,
            code: ErrorCode::NO_ERROR,
            debug: b"bye".to_vec()
        }]
    );
    feed(&mut c, &headers(1, &get("/"), true));
    events(&mut c);
    c.go_away(ErrorCode::NO_ERROR);
    let out = parse_out(&c.take_output());
    assert_eq!(goaway_code(&out), Some(ErrorCode::NO_ERROR));
    assert_eq!(&out[0].1[..4], &1u32.to_be_bytes());
    assert!(!c.is_closed());
    // Streams above the last one are ignored; the open one finishes.
    feed(&mut c, &headers(3, &get("/"), true));
    assert!(events(&mut c).is_empty());
    c.send_response(1, 200, &[], true).unwrap();
    assert!(c.is_closed());
}

#[test]
fn settings_ack_applies_our_values() {
    let mut c = server(Config {
        header_table_size: 0,
        initial_window_size: 1000,
        ..Default::default()
    });
    // Before the ACK the client may still assume a 4096-byte table and 65,535 windows.
    let mut b = get("/");
    b.extend_from_slice(&[0x40, 0x01, b'x', 0x01, b'y']);
    let post = block(&[(":method", "POST"), (":scheme", "https"), (":path", "/")]);
    feed(
        &mut c,
        &[headers(1, &b, false), data(1, &[0; 5000], false)].concat(),
    );
    assert!(!c.is_closed());
    feed(&mut c, &raw(SETTINGS, frame::FLAG_ACK, 0, &[]));
    // Now the table holds nothing and an index into it fails.
    assert_eq!(
        conn_error_on(&mut c, &headers(3, &[0xbe], true)),
        ErrorCode::COMPRESSION_ERROR
    );
    let mut c = server(Config {
        initial_window_size: 1000,
        ..Default::default()
    });
    feed(&mut c, &raw(SETTINGS, frame::FLAG_ACK, 0, &[]));
    feed(&mut c, &headers(1, &post, false));
    assert_eq!(
        rst(&feed(&mut c, &data(1, &[0; 1001], false)), 1),
        Some(ErrorCode::FLOW_CONTROL_ERROR)
    );
}

fn conn_error_on(c: &mut ServerConn, input: &[u8]) -> ErrorCode {
    let out = feed(c, input);
    goaway_code(&out).expect("GOAWAY")
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut r = Rng(0x1234_5678_9abc_def1);
    for _ in 0..3000 {
        let mut c = ServerConn::new(Config::default());
        if r.below(4) != 0 {
            c.handle_input(&client_preface(&[]));
        }
        let n = r.below(300) as usize;
        let bytes: Vec<u8> = (0..n).map(|_| r.next() as u8).collect();
        for chunk in bytes.chunks(1 + r.below(64) as usize) {
            c.handle_input(chunk);
        }
        events(&mut c);
        parse_out(&c.take_output());
    }
}

#[test]
fn random_frames_never_panic_and_keep_invariants() {
    let mut r = Rng(0xdead_beef_cafe_f00d);
    let requests = [
        get("/"),
        block(&[(":method", "POST"), (":scheme", "http"), (":path", "/x")]),
        vec![0x40, 1, b'a', 1, b'b'],
    ];
    for _ in 0..1500 {
        let cfg = Config {
            max_concurrent_streams: 1 + r.below(4) as u32,
            ..Default::default()
        };
        let max = cfg.max_concurrent_streams as usize;
        let mut c = server(cfg);
        for _ in 0..r.below(60) {
            let kind = r.below(12) as u8;
            let flags = [0u8, 1, 4, 5, 8, 0x20, 0x2d][r.below(7) as usize];
            let stream = r.below(8) as u32;
            let payload: Vec<u8> = match kind {
                HEADERS | CONTINUATION if r.below(2) == 0 => requests[r.below(3) as usize].clone(),
                _ => (0..r.below(24)).map(|_| r.next() as u8).collect(),
            };
            c.handle_input(&raw(kind, flags, stream, &payload));
            for e in events(&mut c) {
                if let Event::Request { stream, .. } = e {
                    let _ = c.send_response(stream, 200, &[], false);
                    let _ = c.send_data(stream, &[0; 100], r.below(2) == 0);
                }
                if let Event::Data { stream, data } = e {
                    c.release_capacity(stream, data.len());
                }
            }
            assert!(c.active_streams() <= max);
            if r.below(3) == 0 {
                parse_out(&c.take_output());
            }
        }
    }
}

#[test]
fn swap_output_hands_over_everything_once() {
    let mut c = ServerConn::new(Config::default());
    let first = c.pending_output().to_vec();
    assert!(!first.is_empty());
    c.advance_output(3);
    let mut buf = vec![1, 2, 3];
    c.swap_output(&mut buf);
    assert_eq!(buf, first[3..]);
    assert!(c.pending_output().is_empty());
    c.go_away(ErrorCode::NO_ERROR);
    let mut again = Vec::new();
    c.swap_output(&mut again);
    assert_eq!(again[3], 7, "a GOAWAY frame");
}
