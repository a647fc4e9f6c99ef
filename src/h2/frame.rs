//! Frames (RFC 9113 section 4 and 6): parsing with every per-frame check that needs no
//! connection state, and writing.
//!
//! [`parse`] takes a frame header and exactly its payload (the caller has already
//! checked the length against its SETTINGS_MAX_FRAME_SIZE) and returns a [`Frame`]
//! borrowing the payload.  Errors carry the scope section 6 gives them.
//!
//! [`split_frames`] cuts a connection's input into whole frames for both ends.

use super::{ErrorCode, H2Error};

pub const HEADER_LEN: usize = 9;

pub const DATA: u8 = 0x0;
pub const HEADERS: u8 = 0x1;
pub const PRIORITY: u8 = 0x2;
pub const RST_STREAM: u8 = 0x3;
pub const SETTINGS: u8 = 0x4;
pub const PUSH_PROMISE: u8 = 0x5;
pub const PING: u8 = 0x6;
pub const GOAWAY: u8 = 0x7;
pub const WINDOW_UPDATE: u8 = 0x8;
pub const CONTINUATION: u8 = 0x9;

pub const FLAG_END_STREAM: u8 = 0x1;
pub const FLAG_ACK: u8 = 0x1;
pub const FLAG_END_HEADERS: u8 = 0x4;
pub const FLAG_PADDED: u8 = 0x8;
pub const FLAG_PRIORITY: u8 = 0x20;

/// The 9-byte frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub len: u32,
    pub kind: u8,
    pub flags: u8,
    /// With the reserved bit cleared (section 4.1: ignored on receipt).
    pub stream: u32,
}

impl FrameHeader {
    /// Reads a header from the first 9 bytes of `b`; `None` if there are fewer.
    pub fn parse(b: &[u8]) -> Option<FrameHeader> {
        let b: &[u8; HEADER_LEN] = b.get(..HEADER_LEN)?.try_into().ok()?;
        Some(FrameHeader {
            len: u32::from_be_bytes([0, b[0], b[1], b[2]]),
            kind: b[3],
            flags: b[4],
            stream: u32::from_be_bytes([b[5], b[6], b[7], b[8]]) & 0x7fff_ffff,
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        debug_assert!(self.len < 1 << 24);
        out.extend_from_slice(&self.len.to_be_bytes()[1..]);
        out.push(self.kind);
        out.push(self.flags);
        out.extend_from_slice(&(self.stream & 0x7fff_ffff).to_be_bytes());
    }
}

/// RFC 7540 priority fields (deprecated by RFC 9113, still parsed and checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priority {
    pub dependency: u32,
    pub exclusive: bool,
    /// The wire value, weight minus one.
    pub weight: u8,
}

impl Priority {
    fn parse(b: &[u8]) -> Priority {
        let d = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        Priority {
            dependency: d & 0x7fff_ffff,
            exclusive: d & 0x8000_0000 != 0,
            weight: b[4],
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        let d = (self.dependency & 0x7fff_ffff) | if self.exclusive { 0x8000_0000 } else { 0 };
        out.extend_from_slice(&d.to_be_bytes());
        out.push(self.weight);
    }
}

/// A parsed frame.  `pad` is the pad length of a PADDED frame (`None`: not padded);
/// padding counts against flow control but is otherwise dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    Data {
        stream: u32,
        data: &'a [u8],
        end_stream: bool,
        pad: Option<u8>,
    },
    Headers {
        stream: u32,
        fragment: &'a [u8],
        end_stream: bool,
        end_headers: bool,
        priority: Option<Priority>,
        pad: Option<u8>,
    },
    Priority {
        stream: u32,
        priority: Priority,
    },
    RstStream {
        stream: u32,
        code: ErrorCode,
    },
    /// `payload` is a whole number of 6-byte parameters; see [`super::settings::params`].
    Settings {
        ack: bool,
        payload: &'a [u8],
    },
    PushPromise {
        stream: u32,
        promised: u32,
        fragment: &'a [u8],
        end_headers: bool,
        pad: Option<u8>,
    },
    Ping {
        ack: bool,
        data: [u8; 8],
    },
    GoAway {
        last_stream: u32,
        code: ErrorCode,
        debug: &'a [u8],
    },
    WindowUpdate {
        stream: u32,
        increment: u32,
    },
    Continuation {
        stream: u32,
        fragment: &'a [u8],
        end_headers: bool,
    },
    /// A frame type this version does not know: to be ignored (section 4.1), except in
    /// the middle of a header block.
    Unknown {
        kind: u8,
        stream: u32,
    },
}

fn conn(code: ErrorCode, reason: &'static str) -> H2Error {
    H2Error::conn(code, reason)
}

/// Strips the padding of a PADDED frame: returns the content and the pad length.
fn unpad<'a>(h: &FrameHeader, p: &'a [u8]) -> Result<(&'a [u8], Option<u8>), H2Error> {
    if h.flags & FLAG_PADDED == 0 {
        return Ok((p, None));
    }
    let Some((&pad, rest)) = p.split_first() else {
        return Err(conn(
            ErrorCode::FRAME_SIZE_ERROR,
            "PADDED frame without a pad length",
        ));
    };
    // Section 6.1: padding as long as the payload or longer is a connection error.
    if pad as usize > rest.len() {
        return Err(conn(
            ErrorCode::PROTOCOL_ERROR,
            "padding longer than the payload",
        ));
    }
    Ok((&rest[..rest.len() - pad as usize], Some(pad)))
}

/// Parses the frame described by `h` from its payload `p` (`p.len() == h.len`).
pub fn parse<'a>(h: &FrameHeader, p: &'a [u8]) -> Result<Frame<'a>, H2Error> {
    debug_assert_eq!(p.len(), h.len as usize);
    let s = h.stream;
    match h.kind {
        DATA => {
            if s == 0 {
                return Err(conn(ErrorCode::PROTOCOL_ERROR, "DATA on stream 0"));
            }
            let (data, pad) = unpad(h, p)?;
            Ok(Frame::Data {
                stream: s,
                data,
                end_stream: h.flags & FLAG_END_STREAM != 0,
                pad,
            })
        }
        HEADERS => {
            if s == 0 {
                return Err(conn(ErrorCode::PROTOCOL_ERROR, "HEADERS on stream 0"));
            }
            let (mut rest, pad) = unpad(h, p)?;
            let mut priority = None;
            if h.flags & FLAG_PRIORITY != 0 {
                if rest.len() < 5 {
                    return Err(conn(
                        ErrorCode::FRAME_SIZE_ERROR,
                        "HEADERS too short for its priority",
                    ));
                }
                priority = Some(Priority::parse(rest));
                rest = &rest[5..];
            }
            Ok(Frame::Headers {
                stream: s,
                fragment: rest,
                end_stream: h.flags & FLAG_END_STREAM != 0,
                end_headers: h.flags & FLAG_END_HEADERS != 0,
                priority,
                pad,
            })
        }
        PRIORITY => {
            if s == 0 {
                return Err(conn(ErrorCode::PROTOCOL_ERROR, "PRIORITY on stream 0"));
            }
            if p.len() != 5 {
                return Err(H2Error::stream(
                    s,
                    ErrorCode::FRAME_SIZE_ERROR,
                    "PRIORITY length not 5",
                ));
            }
            Ok(Frame::Priority {
                stream: s,
                priority: Priority::parse(p),
            })
        }
        RST_STREAM => {
            if s == 0 {
                return Err(conn(ErrorCode::PROTOCOL_ERROR, "RST_STREAM on stream 0"));
            }
            if p.len() != 4 {
                return Err(conn(ErrorCode::FRAME_SIZE_ERROR, "RST_STREAM length not 4"));
            }
            Ok(Frame::RstStream {
                stream: s,
                code: ErrorCode(u32::from_be_bytes([p[0], p[1], p[2], p[3]])),
            })
        }
        SETTINGS => {
            if s != 0 {
                return Err(conn(ErrorCode::PROTOCOL_ERROR, "SETTINGS on a stream"));
            }
            let ack = h.flags & FLAG_ACK != 0;
            if ack && !p.is_empty() {
                return Err(conn(
                    ErrorCode::FRAME_SIZE_ERROR,
                    "SETTINGS ack with a payload",
                ));
            }
            if !p.len().is_multiple_of(6) {
                return Err(conn(
                    ErrorCode::FRAME_SIZE_ERROR,
                    "SETTINGS length not a multiple of 6",
                ));
            }
            Ok(Frame::Settings { ack, payload: p })
        }
        PUSH_PROMISE => {
            if s == 0 {
                return Err(conn(ErrorCode::PROTOCOL_ERROR, "PUSH_PROMISE on stream 0"));
            }
            let (rest, pad) = unpad(h, p)?;
            if rest.len() < 4 {
                return Err(conn(ErrorCode::FRAME_SIZE_ERROR, "PUSH_PROMISE too short"));
            }
            Ok(Frame::PushPromise {
                stream: s,
                promised: u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) & 0x7fff_ffff,
                fragment: &rest[4..],
                end_headers: h.flags & FLAG_END_HEADERS != 0,
                pad,
            })
        }
        PING => {
            if s != 0 {
                return Err(conn(ErrorCode::PROTOCOL_ERROR, "PING on a stream"));
            }
            let data: [u8; 8] = p
                .try_into()
                .map_err(|_| conn(ErrorCode::FRAME_SIZE_ERROR, "PING length not 8"))?;
            Ok(Frame::Ping {
                ack: h.flags & FLAG_ACK != 0,
                data,
            })
        }
        GOAWAY => {
            if s != 0 {
                return Err(conn(ErrorCode::PROTOCOL_ERROR, "GOAWAY on a stream"));
            }
            if p.len() < 8 {
                return Err(conn(ErrorCode::FRAME_SIZE_ERROR, "GOAWAY shorter than 8"));
            }
            Ok(Frame::GoAway {
                last_stream: u32::from_be_bytes([p[0], p[1], p[2], p[3]]) & 0x7fff_ffff,
                code: ErrorCode(u32::from_be_bytes([p[4], p[5], p[6], p[7]])),
                debug: &p[8..],
            })
        }
        WINDOW_UPDATE => {
            if p.len() != 4 {
                return Err(conn(
                    ErrorCode::FRAME_SIZE_ERROR,
                    "WINDOW_UPDATE length not 4",
                ));
            }
            let increment = u32::from_be_bytes([p[0], p[1], p[2], p[3]]) & 0x7fff_ffff;
            if increment == 0 {
                // Section 6.9: an error of the stream, or of the connection on stream 0.
                return Err(if s == 0 {
                    conn(ErrorCode::PROTOCOL_ERROR, "WINDOW_UPDATE of 0")
                } else {
                    H2Error::stream(s, ErrorCode::PROTOCOL_ERROR, "WINDOW_UPDATE of 0")
                });
            }
            Ok(Frame::WindowUpdate {
                stream: s,
                increment,
            })
        }
        CONTINUATION => {
            if s == 0 {
                return Err(conn(ErrorCode::PROTOCOL_ERROR, "CONTINUATION on stream 0"));
            }
            Ok(Frame::Continuation {
                stream: s,
                fragment: p,
                end_headers: h.flags & FLAG_END_HEADERS != 0,
            })
        }
        kind => Ok(Frame::Unknown { kind, stream: s }),
    }
}

fn pad_flags(pad: Option<u8>) -> (u8, usize) {
    match pad {
        Some(n) => (FLAG_PADDED, 1 + n as usize),
        None => (0, 0),
    }
}

fn write_padded(
    out: &mut Vec<u8>,
    h: FrameHeader,
    pad: Option<u8>,
    body: impl FnOnce(&mut Vec<u8>),
) {
    h.write(out);
    if let Some(n) = pad {
        out.push(n);
    }
    body(out);
    if let Some(n) = pad {
        out.resize(out.len() + n as usize, 0);
    }
}

impl Frame<'_> {
    /// Appends the frame to `out`.  The caller keeps payloads within the peer's
    /// SETTINGS_MAX_FRAME_SIZE; [`write_header_block`] splits a large header block.
    pub fn write(&self, out: &mut Vec<u8>) {
        let fl = |b: bool, f: u8| if b { f } else { 0 };
        match *self {
            Frame::Data {
                stream,
                data,
                end_stream,
                pad,
            } => {
                let (pf, pl) = pad_flags(pad);
                let h = FrameHeader {
                    len: (data.len() + pl) as u32,
                    kind: DATA,
                    flags: pf | fl(end_stream, FLAG_END_STREAM),
                    stream,
                };
                write_padded(out, h, pad, |o| o.extend_from_slice(data));
            }
            Frame::Headers {
                stream,
                fragment,
                end_stream,
                end_headers,
                priority,
                pad,
            } => {
                let (pf, pl) = pad_flags(pad);
                let h = FrameHeader {
                    len: (fragment.len() + pl + if priority.is_some() { 5 } else { 0 }) as u32,
                    kind: HEADERS,
                    flags: pf
                        | fl(end_stream, FLAG_END_STREAM)
                        | fl(end_headers, FLAG_END_HEADERS)
                        | fl(priority.is_some(), FLAG_PRIORITY),
                    stream,
                };
                write_padded(out, h, pad, |o| {
                    if let Some(p) = priority {
                        p.write(o);
                    }
                    o.extend_from_slice(fragment);
                });
            }
            Frame::Priority { stream, priority } => {
                FrameHeader {
                    len: 5,
                    kind: PRIORITY,
                    flags: 0,
                    stream,
                }
                .write(out);
                priority.write(out);
            }
            Frame::RstStream { stream, code } => {
                FrameHeader {
                    len: 4,
                    kind: RST_STREAM,
                    flags: 0,
                    stream,
                }
                .write(out);
                out.extend_from_slice(&code.0.to_be_bytes());
            }
            Frame::Settings { ack, payload } => {
                FrameHeader {
                    len: payload.len() as u32,
                    kind: SETTINGS,
                    flags: fl(ack, FLAG_ACK),
                    stream: 0,
                }
                .write(out);
                out.extend_from_slice(payload);
            }
            Frame::PushPromise {
                stream,
                promised,
                fragment,
                end_headers,
                pad,
            } => {
                let (pf, pl) = pad_flags(pad);
                let h = FrameHeader {
                    len: (4 + fragment.len() + pl) as u32,
                    kind: PUSH_PROMISE,
                    flags: pf | fl(end_headers, FLAG_END_HEADERS),
                    stream,
                };
                write_padded(out, h, pad, |o| {
                    o.extend_from_slice(&(promised & 0x7fff_ffff).to_be_bytes());
                    o.extend_from_slice(fragment);
                });
            }
            Frame::Ping { ack, data } => {
                FrameHeader {
                    len: 8,
                    kind: PING,
                    flags: fl(ack, FLAG_ACK),
                    stream: 0,
                }
                .write(out);
                out.extend_from_slice(&data);
            }
            Frame::GoAway {
                last_stream,
                code,
                debug,
            } => {
                FrameHeader {
                    len: 8 + debug.len() as u32,
                    kind: GOAWAY,
                    flags: 0,
                    stream: 0,
                }
                .write(out);
                out.extend_from_slice(&(last_stream & 0x7fff_ffff).to_be_bytes());
                out.extend_from_slice(&code.0.to_be_bytes());
                out.extend_from_slice(debug);
            }
            Frame::WindowUpdate { stream, increment } => {
                FrameHeader {
                    len: 4,
                    kind: WINDOW_UPDATE,
                    flags: 0,
                    stream,
                }
                .write(out);
                out.extend_from_slice(&(increment & 0x7fff_ffff).to_be_bytes());
            }
            Frame::Continuation {
                stream,
                fragment,
                end_headers,
            } => {
                FrameHeader {
                    len: fragment.len() as u32,
                    kind: CONTINUATION,
                    flags: fl(end_headers, FLAG_END_HEADERS),
                    stream,
                }
                .write(out);
                out.extend_from_slice(fragment);
            }
            Frame::Unknown { kind, stream } => FrameHeader {
                len: 0,
                kind,
                flags: 0,
                stream,
            }
            .write(out),
        }
    }
}

/// Writes a SETTINGS frame carrying `params`.
pub fn write_settings(out: &mut Vec<u8>, params: &[(u16, u32)]) {
    FrameHeader {
        len: 6 * params.len() as u32,
        kind: SETTINGS,
        flags: 0,
        stream: 0,
    }
    .write(out);
    for &(id, v) in params {
        out.extend_from_slice(&id.to_be_bytes());
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// Writes a header block as one HEADERS frame followed by as many CONTINUATION frames
/// as `max_frame` (the peer's SETTINGS_MAX_FRAME_SIZE) requires.
pub fn write_header_block(
    out: &mut Vec<u8>,
    stream: u32,
    block: &[u8],
    end_stream: bool,
    max_frame: usize,
) {
    let max_frame = max_frame.max(1);
    let first = block.len().min(max_frame);
    Frame::Headers {
        stream,
        fragment: &block[..first],
        end_stream,
        end_headers: first == block.len(),
        priority: None,
        pad: None,
    }
    .write(out);
    let mut rest = &block[first..];
    while !rest.is_empty() {
        let n = rest.len().min(max_frame);
        Frame::Continuation {
            stream,
            fragment: &rest[..n],
            end_headers: n == rest.len(),
        }
        .write(out);
        rest = &rest[n..];
    }
}

/// A connection end fed by [`split_frames`]: both [`super::conn::ServerConn`] and
/// [`super::client::ClientConn`] cut their input the same way, so the rules (a partial
/// frame waits across reads, a header announcing more than the limit is a connection
/// error before its payload is waited for) live in one place.
pub trait FrameSink {
    /// Where the bytes of a frame not yet complete wait between reads.
    fn partial(&mut self) -> &mut Vec<u8>;
    /// The largest payload accepted now.  Asked again for each frame's header, since a
    /// frame just handled (a SETTINGS acknowledgement) may change it.
    fn max_frame_size(&self) -> u32;
    /// True once the connection has failed: nothing more is cut.
    fn stopped(&self) -> bool;
    /// One whole frame whose length is within the limit.
    fn frame(&mut self, h: &FrameHeader, payload: &[u8]) -> Result<(), H2Error>;
    /// An error of `frame`, or an oversized frame.
    fn fail(&mut self, e: H2Error);
}

fn too_large() -> H2Error {
    conn(
        ErrorCode::FRAME_SIZE_ERROR,
        "frame larger than SETTINGS_MAX_FRAME_SIZE",
    )
}

/// Hands `sink` every whole frame in what it kept from earlier reads followed by `data`;
/// the incomplete rest is kept in its [`FrameSink::partial`].  Frames lying wholly in
/// `data` are passed in place, so only a frame split across reads is copied.
pub fn split_frames<S: FrameSink>(sink: &mut S, mut data: &[u8]) {
    fn deliver<S: FrameSink>(sink: &mut S, whole: &[u8]) {
        if let Some(h) = FrameHeader::parse(whole) {
            if let Err(e) = sink.frame(&h, &whole[HEADER_LEN..]) {
                sink.fail(e);
            }
        }
    }
    // Taken out so the sink can be borrowed while it is filled; put back at the end
    // unless the connection died (then its memory goes at once).
    let mut held = std::mem::take(sink.partial());
    while !sink.stopped() {
        if !held.is_empty() {
            if held.len() < HEADER_LEN {
                let take = (HEADER_LEN - held.len()).min(data.len());
                held.extend_from_slice(&data[..take]);
                data = &data[take..];
                if held.len() < HEADER_LEN {
                    break;
                }
                // The header just completed: its length is checked once, now.
                if FrameHeader::parse(&held).is_none_or(|h| h.len > sink.max_frame_size()) {
                    sink.fail(too_large());
                    break;
                }
            }
            let need =
                FrameHeader::parse(&held).map_or(HEADER_LEN, |h| HEADER_LEN + h.len as usize);
            let take = need.saturating_sub(held.len()).min(data.len());
            held.extend_from_slice(&data[..take]);
            data = &data[take..];
            if held.len() < need {
                break;
            }
            deliver(sink, &held);
            held.clear();
            continue;
        }
        if data.is_empty() {
            break;
        }
        let Some(h) = FrameHeader::parse(data) else {
            held.extend_from_slice(data);
            break;
        };
        if h.len > sink.max_frame_size() {
            sink.fail(too_large());
            break;
        }
        let total = HEADER_LEN + h.len as usize;
        if data.len() < total {
            held.extend_from_slice(data);
            break;
        }
        deliver(sink, &data[..total]);
        data = &data[total..];
    }
    if !sink.stopped() {
        *sink.partial() = held;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(bytes: &[u8]) -> Result<Frame<'_>, H2Error> {
        let h = FrameHeader::parse(bytes).unwrap();
        assert_eq!(bytes.len(), HEADER_LEN + h.len as usize);
        parse(&h, &bytes[HEADER_LEN..])
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

    /// Records what `split_frames` hands over; its limit drops to 10 once a PING has
    /// been handled, the way an acknowledgement could change it between two frames of
    /// one read.
    #[derive(Default)]
    struct Sink {
        held: Vec<u8>,
        limit: u32,
        frames: Vec<(u8, Vec<u8>)>,
        failed: Option<ErrorCode>,
    }

    impl FrameSink for Sink {
        fn partial(&mut self) -> &mut Vec<u8> {
            &mut self.held
        }
        fn max_frame_size(&self) -> u32 {
            self.limit
        }
        fn stopped(&self) -> bool {
            self.failed.is_some()
        }
        fn frame(&mut self, h: &FrameHeader, payload: &[u8]) -> Result<(), H2Error> {
            self.frames.push((h.kind, payload.to_vec()));
            if h.kind == PING {
                self.limit = 10;
            }
            Ok(())
        }
        fn fail(&mut self, e: H2Error) {
            if let H2Error::Connection { code, .. } = e {
                self.failed = Some(code);
            }
        }
    }

    fn sink(limit: u32) -> Sink {
        Sink {
            limit,
            ..Sink::default()
        }
    }

    #[test]
    fn splitter_cuts_across_reads_byte_by_byte() {
        let mut wire = raw(DATA, 0, 1, b"abc");
        wire.extend(raw(WINDOW_UPDATE, 0, 0, &[0, 0, 0, 9]));
        wire.extend(raw(DATA, 0, 1, b""));
        let mut s = sink(16384);
        for b in &wire {
            split_frames(&mut s, std::slice::from_ref(b));
        }
        assert_eq!(
            s.frames,
            vec![
                (DATA, b"abc".to_vec()),
                (WINDOW_UPDATE, vec![0, 0, 0, 9]),
                (DATA, vec![])
            ]
        );
        assert!(s.held.is_empty() && s.failed.is_none());
        // The same bytes in one read give the same frames.
        let mut one = sink(16384);
        split_frames(&mut one, &wire);
        assert_eq!(one.frames, s.frames);
    }

    /// The limit is read for each frame, not once per read: after the PING lowers it,
    /// the next frame of the same read (or of a later one, whole or split) is over it.
    #[test]
    fn splitter_reads_the_limit_per_frame() {
        let data20 = raw(DATA, 0, 1, &[7; 20]);
        let mut wire = raw(DATA, 0, 1, &[1; 20]);
        wire.extend(raw(PING, 0, 0, &[0; 8]));
        wire.extend(&data20);
        let mut s = sink(100);
        split_frames(&mut s, &wire);
        assert_eq!(s.frames.len(), 2);
        assert_eq!(s.failed, Some(ErrorCode::FRAME_SIZE_ERROR));
        assert!(s.held.is_empty());

        // Split: the header of the oversized frame completes in a later read.
        let mut wire = raw(PING, 0, 0, &[0; 8]);
        wire.extend(&data20[..5]);
        let mut s = sink(100);
        split_frames(&mut s, &wire);
        assert_eq!((s.frames.len(), s.failed), (1, None));
        split_frames(&mut s, &data20[5..]);
        assert_eq!(
            (s.frames.len(), s.failed),
            (1, Some(ErrorCode::FRAME_SIZE_ERROR))
        );

        // A frame within the lowered limit still passes.
        let mut wire = raw(PING, 0, 0, &[0; 8]);
        wire.extend(raw(DATA, 0, 1, &[3; 10]));
        let mut s = sink(100);
        split_frames(&mut s, &wire);
        assert_eq!((s.frames.len(), s.failed), (2, None));
    }

    #[test]
    fn every_frame_round_trips() {
        let pr = Priority {
            dependency: 3,
            exclusive: true,
            weight: 200,
        };
        let frames = [
            Frame::Data {
                stream: 1,
                data: b"hello",
                end_stream: true,
                pad: None,
            },
            Frame::Data {
                stream: 3,
                data: b"",
                end_stream: false,
                pad: Some(7),
            },
            Frame::Headers {
                stream: 5,
                fragment: b"\x82\x86",
                end_stream: false,
                end_headers: true,
                priority: Some(pr),
                pad: Some(3),
            },
            Frame::Headers {
                stream: 5,
                fragment: b"",
                end_stream: true,
                end_headers: false,
                priority: None,
                pad: None,
            },
            Frame::Priority {
                stream: 7,
                priority: pr,
            },
            Frame::RstStream {
                stream: 9,
                code: ErrorCode::CANCEL,
            },
            Frame::Settings {
                ack: false,
                payload: &[0, 4, 0, 0, 0xff, 0xff],
            },
            Frame::Settings {
                ack: true,
                payload: &[],
            },
            Frame::PushPromise {
                stream: 1,
                promised: 2,
                fragment: b"\x82",
                end_headers: true,
                pad: Some(1),
            },
            Frame::Ping {
                ack: true,
                data: *b"12345678",
            },
            Frame::GoAway {
                last_stream: 11,
                code: ErrorCode::ENHANCE_YOUR_CALM,
                debug: b"calm",
            },
            Frame::WindowUpdate {
                stream: 0,
                increment: 0x7fff_ffff,
            },
            Frame::Continuation {
                stream: 13,
                fragment: b"abc",
                end_headers: true,
            },
            Frame::Unknown {
                kind: 0xfa,
                stream: 0,
            },
        ];
        for f in frames {
            let mut out = Vec::new();
            f.write(&mut out);
            assert_eq!(parse_all(&out).unwrap(), f);
        }
    }

    #[test]
    fn reserved_bit_is_ignored() {
        let mut v = raw(PING, 0, 0, &[0; 8]);
        v[5] |= 0x80;
        assert!(matches!(parse_all(&v), Ok(Frame::Ping { .. })));
    }

    fn err(bytes: &[u8]) -> H2Error {
        parse_all(bytes).unwrap_err()
    }

    fn is_conn(e: H2Error, code: ErrorCode) -> bool {
        matches!(e, H2Error::Connection { code: c, .. } if c == code)
    }

    #[test]
    fn malformed_frames_get_the_rfc_error() {
        use ErrorCode as E;
        // DATA
        assert!(is_conn(err(&raw(DATA, 0, 0, b"x")), E::PROTOCOL_ERROR));
        assert!(is_conn(
            err(&raw(DATA, FLAG_PADDED, 1, b"")),
            E::FRAME_SIZE_ERROR
        ));
        assert!(is_conn(
            err(&raw(DATA, FLAG_PADDED, 1, &[2, 0])),
            E::PROTOCOL_ERROR
        ));
        assert!(parse_all(&raw(DATA, FLAG_PADDED, 1, &[1, 0])).is_ok());
        // HEADERS
        assert!(is_conn(
            err(&raw(HEADERS, FLAG_END_HEADERS, 0, b"\x82")),
            E::PROTOCOL_ERROR
        ));
        assert!(is_conn(
            err(&raw(HEADERS, FLAG_PRIORITY, 1, &[0, 0, 0, 0])),
            E::FRAME_SIZE_ERROR
        ));
        assert!(is_conn(
            err(&raw(HEADERS, FLAG_PADDED, 1, &[5, 1, 2])),
            E::PROTOCOL_ERROR
        ));
        assert!(is_conn(
            err(&raw(
                HEADERS,
                FLAG_PADDED | FLAG_PRIORITY,
                1,
                &[1, 0, 0, 0, 0, 0]
            )),
            E::FRAME_SIZE_ERROR
        ));
        // PRIORITY
        assert!(is_conn(
            err(&raw(PRIORITY, 0, 0, &[0; 5])),
            E::PROTOCOL_ERROR
        ));
        assert_eq!(
            err(&raw(PRIORITY, 0, 3, &[0; 4])),
            H2Error::stream(3, E::FRAME_SIZE_ERROR, "PRIORITY length not 5")
        );
        // RST_STREAM
        assert!(is_conn(
            err(&raw(RST_STREAM, 0, 0, &[0; 4])),
            E::PROTOCOL_ERROR
        ));
        assert!(is_conn(
            err(&raw(RST_STREAM, 0, 1, &[0; 5])),
            E::FRAME_SIZE_ERROR
        ));
        // SETTINGS
        assert!(is_conn(err(&raw(SETTINGS, 0, 1, &[])), E::PROTOCOL_ERROR));
        assert!(is_conn(
            err(&raw(SETTINGS, FLAG_ACK, 0, &[0; 6])),
            E::FRAME_SIZE_ERROR
        ));
        assert!(is_conn(
            err(&raw(SETTINGS, 0, 0, &[0; 5])),
            E::FRAME_SIZE_ERROR
        ));
        // PUSH_PROMISE
        assert!(is_conn(
            err(&raw(PUSH_PROMISE, 0, 0, &[0; 4])),
            E::PROTOCOL_ERROR
        ));
        assert!(is_conn(
            err(&raw(PUSH_PROMISE, 0, 1, &[0; 3])),
            E::FRAME_SIZE_ERROR
        ));
        // PING
        assert!(is_conn(err(&raw(PING, 0, 1, &[0; 8])), E::PROTOCOL_ERROR));
        assert!(is_conn(err(&raw(PING, 0, 0, &[0; 7])), E::FRAME_SIZE_ERROR));
        assert!(is_conn(err(&raw(PING, 0, 0, &[0; 9])), E::FRAME_SIZE_ERROR));
        // GOAWAY
        assert!(is_conn(err(&raw(GOAWAY, 0, 1, &[0; 8])), E::PROTOCOL_ERROR));
        assert!(is_conn(
            err(&raw(GOAWAY, 0, 0, &[0; 7])),
            E::FRAME_SIZE_ERROR
        ));
        // WINDOW_UPDATE
        assert!(is_conn(
            err(&raw(WINDOW_UPDATE, 0, 0, &[0; 3])),
            E::FRAME_SIZE_ERROR
        ));
        assert!(is_conn(
            err(&raw(WINDOW_UPDATE, 0, 0, &[0; 4])),
            E::PROTOCOL_ERROR
        ));
        assert_eq!(
            err(&raw(WINDOW_UPDATE, 0, 5, &[0x80, 0, 0, 0])).code(),
            E::PROTOCOL_ERROR
        );
        assert!(matches!(
            err(&raw(WINDOW_UPDATE, 0, 5, &[0; 4])),
            H2Error::Stream { stream: 5, .. }
        ));
        // CONTINUATION
        assert!(is_conn(
            err(&raw(CONTINUATION, 0, 0, b"")),
            E::PROTOCOL_ERROR
        ));
        // Unknown types parse whatever their payload.
        assert_eq!(
            parse_all(&raw(0x20, 0xff, 7, b"junk")).unwrap(),
            Frame::Unknown {
                kind: 0x20,
                stream: 7
            }
        );
    }

    #[test]
    fn header_block_is_split_at_the_frame_size() {
        let block: Vec<u8> = (0..40u8).collect();
        let mut out = Vec::new();
        write_header_block(&mut out, 1, &block, true, 16);
        let mut rest = &out[..];
        let mut got = Vec::new();
        let mut kinds = Vec::new();
        while !rest.is_empty() {
            let h = FrameHeader::parse(rest).unwrap();
            assert!(h.len <= 16);
            kinds.push((h.kind, h.flags));
            got.extend_from_slice(&rest[HEADER_LEN..HEADER_LEN + h.len as usize]);
            rest = &rest[HEADER_LEN + h.len as usize..];
        }
        assert_eq!(got, block);
        assert_eq!(
            kinds,
            [
                (HEADERS, FLAG_END_STREAM),
                (CONTINUATION, 0),
                (CONTINUATION, FLAG_END_HEADERS)
            ]
        );
    }
}
