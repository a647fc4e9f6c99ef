//! Tests of the client connection, mostly against the server connection in memory.

use super::*;
use crate::h2::conn::{self, ServerConn};
use crate::h2::frame::HEADER_LEN;

/// Moves bytes both ways until neither side has anything to say.
fn pump(c: &mut ClientConn, s: &mut ServerConn) {
    for _ in 0..64 {
        let a = c.take_output();
        let b = s.take_output();
        if a.is_empty() && b.is_empty() {
            return;
        }
        s.handle_input(&a);
        c.handle_input(&b);
    }
    panic!("the two sides never went quiet");
}

fn cev(c: &mut ClientConn) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn sev(s: &mut ServerConn) -> Vec<conn::Event> {
    std::iter::from_fn(|| s.poll_event()).collect()
}

fn pair(ccfg: Config, scfg: conn::Config) -> (ClientConn, ServerConn) {
    let mut c = ClientConn::new(ccfg);
    let mut s = ServerConn::new(scfg);
    pump(&mut c, &mut s);
    assert_eq!(cev(&mut c), vec![Event::Settings]);
    assert!(sev(&mut s).is_empty());
    (c, s)
}

fn get<'a>(path: &'a [u8]) -> Request<'a> {
    Request {
        method: b"GET",
        scheme: b"https",
        authority: b"example.com",
        path,
        fields: vec![(b"User-Agent", b"t"), (b"connection", b"close")],
        end_stream: true,
        ..Default::default()
    }
}

#[test]
fn preface_is_first() {
    let mut c = ClientConn::new(Config::default());
    let out = c.take_output();
    assert!(out.starts_with(PREFACE));
    let h = FrameHeader::parse(&out[PREFACE.len()..]).unwrap();
    assert_eq!(h.kind, frame::SETTINGS);
    // No server preface yet: anything but SETTINGS is a connection error.
    let mut ping = Vec::new();
    Frame::Ping {
        ack: false,
        data: [0; 8],
    }
    .write(&mut ping);
    c.handle_input(&ping);
    assert!(matches!(
        cev(&mut c)[..],
        [Event::ConnectionError {
            code: ErrorCode::PROTOCOL_ERROR,
            ..
        }]
    ));
    assert!(c.is_closed());
}

#[test]
fn get_round_trip_with_trailers() {
    let (mut c, mut s) = pair(Config::default(), conn::Config::default());
    let id = c.open_stream(&get(b"/index.html")).unwrap();
    assert_eq!(id, 1);
    assert_eq!(c.stream_state(1), StreamState::HalfClosedLocal);
    pump(&mut c, &mut s);
    let ev = sev(&mut s);
    let conn::Event::Request {
        stream,
        request,
        end_stream,
    } = &ev[0]
    else {
        panic!("{ev:?}")
    };
    assert_eq!((*stream, *end_stream), (1, true));
    assert_eq!(request.method, b"GET");
    assert_eq!(request.path.as_deref(), Some(&b"/index.html"[..]));
    assert_eq!(request.authority.as_deref(), Some(&b"example.com"[..]));
    // Names lowered, connection-specific fields dropped.
    assert_eq!(request.fields, vec![Header::new(b"user-agent", b"t")]);
    s.send_response(1, 200, &[(b"content-type", b"text/plain")], false)
        .unwrap();
    s.send_data(1, b"hello", false).unwrap();
    s.send_headers(1, &[(b"x-check", b"1")], true).unwrap();
    pump(&mut c, &mut s);
    assert_eq!(
        cev(&mut c),
        vec![
            Event::Response {
                stream: 1,
                status: 200,
                fields: vec![Header::new(b"content-type", b"text/plain")],
                end_stream: false
            },
            Event::Data {
                stream: 1,
                data: b"hello".to_vec()
            },
            Event::Trailers {
                stream: 1,
                fields: vec![Header::new(b"x-check", b"1")]
            },
            Event::EndOfStream { stream: 1 },
        ]
    );
    assert_eq!(c.stream_state(1), StreamState::Closed);
    assert_eq!(c.active_streams(), 0);
    // The next stream gets the next odd id.
    assert_eq!(c.open_stream(&get(b"/2")).unwrap(), 3);
}

#[test]
fn post_body_waits_for_the_server_window() {
    let (mut c, mut s) = pair(Config::default(), conn::Config::default());
    let req = Request {
        method: b"POST",
        end_stream: false,
        ..get(b"/up")
    };
    let id = c.open_stream(&req).unwrap();
    let body = vec![7u8; 100_000];
    let n = c.send_data(id, &body, true).unwrap();
    assert_eq!(n, 65_535, "held to the initial window");
    assert_eq!(c.send_capacity(id), Some(0));
    pump(&mut c, &mut s);
    let mut got = Vec::new();
    for e in sev(&mut s) {
        if let conn::Event::Data { data, .. } = e {
            got.extend(data);
        }
    }
    assert_eq!(got.len(), 65_535);
    s.release_capacity(id, got.len());
    pump(&mut c, &mut s);
    assert_eq!(cev(&mut c), vec![Event::Writable { stream: id }]);
    let m = c.send_data(id, &body[n..], true).unwrap();
    assert_eq!(m, body.len() - n);
    assert_eq!(c.stream_state(id), StreamState::HalfClosedLocal);
    pump(&mut c, &mut s);
    let ev = sev(&mut s);
    assert!(ev.contains(&conn::Event::EndOfStream { stream: id }));
    // Sending after the end is refused.
    assert_eq!(c.send_data(id, b"x", true), Err(SendError::Ended));
}

#[test]
fn concurrency_limit_from_server_settings() {
    let scfg = conn::Config {
        max_concurrent_streams: 2,
        ..Default::default()
    };
    let (mut c, mut s) = pair(Config::default(), scfg);
    assert_eq!(c.peer_settings().max_concurrent_streams, Some(2));
    let a = c.open_stream(&get(b"/a")).unwrap();
    let _b = c.open_stream(&get(b"/b")).unwrap();
    assert!(!c.can_open());
    assert_eq!(c.open_stream(&get(b"/c")), Err(SendError::NoStream));
    pump(&mut c, &mut s);
    sev(&mut s);
    s.send_response(a, 204, &[], true).unwrap();
    pump(&mut c, &mut s);
    assert!(c.can_open());
    assert!(c.open_stream(&get(b"/c")).is_ok());
}

#[test]
fn automatic_window_keeps_a_large_response_flowing() {
    let ccfg = Config {
        initial_window_size: 1000,
        connection_window: 65_535,
        ..Default::default()
    };
    let (mut c, mut s) = pair(ccfg, conn::Config::default());
    let id = c.open_stream(&get(b"/big")).unwrap();
    pump(&mut c, &mut s);
    sev(&mut s);
    s.send_response(id, 200, &[], false).unwrap();
    let body: Vec<u8> = (0..300_000u32).map(|i| i as u8).collect();
    let mut sent = 0;
    let mut got = Vec::new();
    let mut rounds = 0;
    while got.len() < body.len() {
        rounds += 1;
        assert!(rounds < 10_000, "stalled at {}", got.len());
        if sent < body.len() {
            sent += s.send_data(id, &body[sent..], true).unwrap();
        }
        pump(&mut c, &mut s);
        for e in cev(&mut c) {
            if let Event::Data { data, .. } = e {
                assert!(data.len() <= 1000);
                c.release_capacity(id, data.len());
                got.extend(data);
            }
        }
        sev(&mut s);
    }
    assert_eq!(got, body);
    assert!(rounds > 100, "the small window was honoured");
}

#[test]
fn manual_window_grants_exactly() {
    let ccfg = Config {
        initial_window_size: 0,
        ..Default::default()
    };
    let (mut c, mut s) = pair(ccfg, conn::Config::default());
    let req = Request {
        manual_window: true,
        extra_window: 100,
        ..get(b"/m")
    };
    let id = c.open_stream(&req).unwrap();
    pump(&mut c, &mut s);
    sev(&mut s);
    s.send_response(id, 200, &[], false).unwrap();
    let body = vec![1u8; 1000];
    let n = s.send_data(id, &body, true).unwrap();
    assert_eq!(n, 100);
    pump(&mut c, &mut s);
    let ev = cev(&mut c);
    assert!(ev.contains(&Event::Data {
        stream: id,
        data: vec![1; 100]
    }));
    // Releasing does not reopen a manual stream's window.
    c.release_capacity(id, 100);
    assert_eq!(c.recv_capacity(id), Some(0));
    pump(&mut c, &mut s);
    assert!(sev(&mut s).is_empty());
    assert!(c.grant(id, 250));
    pump(&mut c, &mut s);
    assert_eq!(sev(&mut s), vec![conn::Event::Writable { stream: id }]);
    assert_eq!(s.send_data(id, &body[100..], true).unwrap(), 250);
    pump(&mut c, &mut s);
    assert!(cev(&mut c).contains(&Event::Data {
        stream: id,
        data: vec![1; 250]
    }));
    assert!(c.grant(id, MAX_WINDOW));
    assert!(!c.grant(id, 1), "past 2^31-1");
    assert!(!c.grant(99, 1));
}

#[test]
fn server_reset_and_goaway() {
    let (mut c, mut s) = pair(Config::default(), conn::Config::default());
    let a = c.open_stream(&get(b"/a")).unwrap();
    let b = c.open_stream(&get(b"/b")).unwrap();
    let d = c.open_stream(&get(b"/d")).unwrap();
    pump(&mut c, &mut s);
    sev(&mut s);
    s.reset_stream(a, ErrorCode::INTERNAL_ERROR).unwrap();
    pump(&mut c, &mut s);
    assert_eq!(
        cev(&mut c),
        vec![Event::Reset {
            stream: a,
            code: ErrorCode::INTERNAL_ERROR,
            remote: true
        }]
    );
    // GOAWAY naming b as the last: d was never processed.
    let mut g = Vec::new();
    Frame::GoAway {
        last_stream: b,
        code: ErrorCode::NO_ERROR,
        debug: b"bye",
    }
    .write(&mut g);
    c.handle_input(&g);
    assert_eq!(
        cev(&mut c),
        vec![
            Event::Reset {
                stream: d,
                code: ErrorCode::REFUSED_STREAM,
                remote: true
            },
            Event::GoAway {
                last_stream: b,
                code: ErrorCode::NO_ERROR,
                debug: b"bye".to_vec()
            }
        ]
    );
    assert!(!c.can_open());
    assert_eq!(c.open_stream(&get(b"/e")), Err(SendError::Closed));
    assert!(!c.is_closed(), "b still runs");
    s.send_response(b, 200, &[], true).unwrap();
    pump(&mut c, &mut s);
    assert!(c.is_closed());
}

#[test]
fn ping_is_acked_and_local_reset() {
    let (mut c, mut s) = pair(Config::default(), conn::Config::default());
    let mut p = Vec::new();
    Frame::Ping {
        ack: false,
        data: *b"12345678",
    }
    .write(&mut p);
    c.handle_input(&p);
    let out = c.take_output();
    let h = FrameHeader::parse(&out).unwrap();
    assert_eq!((h.kind, h.flags), (frame::PING, frame::FLAG_ACK));
    assert_eq!(&out[HEADER_LEN..], b"12345678");
    let id = c.open_stream(&get(b"/x")).unwrap();
    c.reset_stream(id, ErrorCode::CANCEL).unwrap();
    pump(&mut c, &mut s);
    let ev = sev(&mut s);
    assert!(ev.contains(&conn::Event::Reset {
        stream: id,
        code: ErrorCode::CANCEL,
        remote: true
    }));
    // The server's late frames for it are ignored.
    let mut late = Vec::new();
    Frame::Data {
        stream: id,
        data: b"late",
        end_stream: false,
        pad: None,
    }
    .write(&mut late);
    c.handle_input(&late);
    assert!(cev(&mut c).is_empty());
    assert!(!c.is_dead());
}

fn server_frames(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut v = Vec::new();
    frame::write_settings(&mut v, &[]);
    f(&mut v);
    v
}

fn conn_error_of(c: &mut ClientConn) -> Option<ErrorCode> {
    cev(c).into_iter().find_map(|e| match e {
        Event::ConnectionError { code, .. } => Some(code),
        _ => None,
    })
}

#[test]
fn protocol_errors() {
    // A push promise although we disabled push.
    let mut c = ClientConn::new(Config::default());
    c.open_stream(&get(b"/")).unwrap();
    c.handle_input(&server_frames(|v| {
        Frame::PushPromise {
            stream: 1,
            promised: 2,
            fragment: b"",
            end_headers: true,
            pad: None,
        }
        .write(v)
    }));
    assert_eq!(conn_error_of(&mut c), Some(ErrorCode::PROTOCOL_ERROR));
    // HEADERS on a stream we never opened.
    let mut c = ClientConn::new(Config::default());
    c.handle_input(&server_frames(|v| {
        frame::write_header_block(v, 5, &[0x88], true, 16384)
    }));
    assert_eq!(conn_error_of(&mut c), Some(ErrorCode::PROTOCOL_ERROR));
    // A response without :status resets only its stream.
    let mut c = ClientConn::new(Config::default());
    let id = c.open_stream(&get(b"/")).unwrap();
    let mut blk = Vec::new();
    Encoder::default().encode([(&b"server"[..], &b"x"[..])], &mut blk);
    c.handle_input(&server_frames(|v| {
        frame::write_header_block(v, id, &blk, true, 16384)
    }));
    let ev = cev(&mut c);
    assert!(ev.contains(&Event::Reset {
        stream: id,
        code: ErrorCode::PROTOCOL_ERROR,
        remote: false
    }));
    assert!(!c.is_dead());
    // DATA beyond the stream window.
    let mut c = ClientConn::new(Config {
        initial_window_size: 10,
        ..Default::default()
    });
    let id = c.open_stream(&get(b"/")).unwrap();
    let mut blk = Vec::new();
    Encoder::default().encode([(&b":status"[..], &b"200"[..])], &mut blk);
    c.handle_input(&server_frames(|v| {
        frame::write_header_block(v, id, &blk, false, 16384);
        Frame::Data {
            stream: id,
            data: &[0; 11],
            end_stream: false,
            pad: None,
        }
        .write(v)
    }));
    let ev = cev(&mut c);
    assert!(ev.contains(&Event::Reset {
        stream: id,
        code: ErrorCode::FLOW_CONTROL_ERROR,
        remote: false
    }));
    // 1xx heads are skipped, the final one is delivered.
    let mut c = ClientConn::new(Config::default());
    let id = c.open_stream(&get(b"/")).unwrap();
    let mut b1 = Vec::new();
    let mut enc = Encoder::default();
    enc.encode([(&b":status"[..], &b"103"[..])], &mut b1);
    let mut b2 = Vec::new();
    enc.encode([(&b":status"[..], &b"404"[..])], &mut b2);
    c.handle_input(&server_frames(|v| {
        frame::write_header_block(v, id, &b1, false, 16384);
        frame::write_header_block(v, id, &b2, true, 16384);
    }));
    assert_eq!(
        cev(&mut c)[1..],
        [
            Event::Response {
                stream: id,
                status: 404,
                fields: vec![],
                end_stream: true
            },
            Event::EndOfStream { stream: id }
        ]
    );
}

#[test]
fn response_head_over_continuations_any_split() {
    let mut enc = Encoder::default();
    let mut blk = Vec::new();
    let long = vec![b'v'; 40_000];
    enc.encode(
        [(&b":status"[..], &b"200"[..]), (&b"x-long"[..], &long[..])],
        &mut blk,
    );
    let mut input = Vec::new();
    frame::write_settings(&mut input, &[]);
    frame::write_header_block(&mut input, 1, &blk, true, 16384);
    for step in [1, 7, 9, 1000, input.len()] {
        let mut c = ClientConn::new(Config::default());
        c.open_stream(&get(b"/")).unwrap();
        for piece in input.chunks(step) {
            c.handle_input(piece);
        }
        let ev = cev(&mut c);
        let Event::Response { fields, .. } = &ev[1] else {
            panic!("{ev:?}")
        };
        assert_eq!(fields[0].value.len(), 40_000);
    }
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
        self.next() % n.max(1)
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2000 {
        let mut c = ClientConn::new(Config::default());
        let _ = c.open_stream(&get(b"/"));
        let mut input = Vec::new();
        if r.below(2) == 0 {
            frame::write_settings(&mut input, &[]);
        }
        for _ in 0..r.below(300) {
            input.push(r.next() as u8);
        }
        c.handle_input(&input);
        while c.poll_event().is_some() {}
        let _ = c.take_output();
    }
}

#[test]
fn random_frames_never_panic() {
    let mut r = Rng(0x1234_5678_9abc_def1);
    for _ in 0..1000 {
        let mut c = ClientConn::new(Config {
            initial_window_size: r.below(70_000) as u32,
            ..Default::default()
        });
        let mut input = Vec::new();
        frame::write_settings(&mut input, &[]);
        for _ in 0..r.below(3) {
            let _ = c.open_stream(&Request {
                end_stream: r.below(2) == 0,
                manual_window: r.below(2) == 0,
                extra_window: r.below(1000) as u32,
                ..get(b"/")
            });
        }
        for _ in 0..r.below(20) {
            let kind = r.below(11) as u8;
            let flags = r.next() as u8;
            let stream = r.below(8) as u32;
            let len = r.below(40) as usize;
            let mut payload: Vec<u8> = (0..len).map(|_| r.next() as u8).collect();
            if kind == frame::HEADERS && r.below(2) == 0 {
                payload.clear();
                Encoder::default().encode([(&b":status"[..], &b"200"[..])], &mut payload);
            }
            FrameHeader {
                len: payload.len() as u32,
                kind,
                flags,
                stream,
            }
            .write(&mut input);
            input.extend(payload);
        }
        let split = r.below(input.len() as u64 + 1) as usize;
        c.handle_input(&input[..split]);
        c.handle_input(&input[split..]);
        while let Some(e) = c.poll_event() {
            if let Event::Data { stream, data } = e {
                c.release_capacity(stream, data.len());
                let _ = c.grant(stream, r.below(100) as u32);
            }
        }
        for id in [1, 3, 5] {
            let _ = c.send_data(id, b"abc", r.below(2) == 0);
            if let Some(w) = c.recv_capacity(id) {
                assert!(w <= i64::from(MAX_WINDOW));
            }
        }
        let _ = c.take_output();
    }
}

#[test]
fn oversized_frame_from_the_server_fails_before_its_payload() {
    let (mut c, _s) = pair(Config::default(), conn::Config::default());
    // A header announcing one byte more than our SETTINGS_MAX_FRAME_SIZE, split across
    // two reads: the error comes as soon as the header is whole.
    let hdr = [0x00, 0x40, 0x01, frame::PING, 0, 0, 0, 0, 0];
    c.handle_input(&hdr[..4]);
    assert!(cev(&mut c).is_empty());
    c.handle_input(&hdr[4..]);
    assert!(matches!(
        cev(&mut c)[..],
        [Event::ConnectionError {
            code: ErrorCode::FRAME_SIZE_ERROR,
            ..
        }]
    ));
    assert!(c.is_closed());
}
