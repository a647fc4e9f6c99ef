//! The client side of an HTTP/2 connection as a sans-IO state machine.
//!
//! # Contract
//!
//! [`ClientConn`] owns no socket and no clock.  The caller (the HTTP client role):
//!
//! 1. creates it with [`ClientConn::new`] once the transport chose h2 (ALPN `h2`, or
//!    prior knowledge on plain text); the connection preface and our SETTINGS are
//!    queued at once;
//! 2. opens streams with [`open_stream`] while [`can_open`] says the server's
//!    SETTINGS_MAX_CONCURRENT_STREAMS leaves room (streams beyond it wait in the
//!    caller's queue; an [`Event::Settings`] or a finished stream may make room);
//! 3. sends request bodies with [`send_data`] within the windows; a stream held back
//!    gets an [`Event::Writable`] once the server opens its window;
//! 4. hands it every byte read from the server with [`handle_input`] (any split of
//!    the stream gives the same result) and drains [`poll_event`]: the response head,
//!    its data, trailers, the end of the stream, resets, GOAWAY;
//! 5. gives receive window back with [`release_capacity`] as the program consumes
//!    data (automatic streams), or grants it explicitly with [`grant`] (streams opened
//!    with manual flow control, lws's `LCCSCF_H2_MANUAL_RXFLOW`);
//! 6. writes [`pending_output`] to the socket and reports what went with
//!    [`advance_output`]; PING and SETTINGS acks, WINDOW_UPDATEs and resets land
//!    there;
//! 7. closes the socket once [`is_closed`] is true and the output has drained.
//!
//! Errors in the server's input never panic and never reach the caller as `Err`: a
//! stream error resets that stream ([`Event::Reset`]), a connection error queues GOAWAY
//! and yields [`Event::ConnectionError`], after which input is ignored.
//!
//! [`open_stream`]: ClientConn::open_stream
//! [`can_open`]: ClientConn::can_open
//! [`send_data`]: ClientConn::send_data
//! [`handle_input`]: ClientConn::handle_input
//! [`poll_event`]: ClientConn::poll_event
//! [`release_capacity`]: ClientConn::release_capacity
//! [`grant`]: ClientConn::grant
//! [`pending_output`]: ClientConn::pending_output
//! [`advance_output`]: ClientConn::advance_output
//! [`is_closed`]: ClientConn::is_closed

use super::conn::{SendError, StreamState};
use super::frame::{self, Frame, FrameHeader};
use super::hpack::{Decoder, Encoder};
use super::settings::{self, Settings, DEFAULT_WINDOW, MAX_WINDOW};
use super::{ErrorCode, H2Error, Header, PREFACE};
use std::collections::{BTreeMap, VecDeque};

/// Our side's limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// SETTINGS_HEADER_TABLE_SIZE: the HPACK table the server may make us keep.
    pub header_table_size: u32,
    /// SETTINGS_INITIAL_WINDOW_SIZE: each stream's receive window before any
    /// WINDOW_UPDATE.
    pub initial_window_size: u32,
    /// Receive window of the whole connection (announced by a WINDOW_UPDATE in the
    /// preface when above 65,535).
    pub connection_window: u32,
    /// SETTINGS_MAX_FRAME_SIZE: the largest frame payload we accept.
    pub max_frame_size: u32,
    /// SETTINGS_MAX_HEADER_LIST_SIZE, enforced while decoding (a larger response head
    /// resets its stream).
    pub max_header_list_size: u32,
    /// Largest compressed header block (HEADERS plus CONTINUATIONs).
    pub max_header_block: usize,
    /// Most CONTINUATION frames in one header block.
    pub max_continuation_frames: usize,
    /// Replies (PING and SETTINGS acks) queued while the caller has not drained the
    /// output, before GOAWAY ENHANCE_YOUR_CALM.
    pub max_pending_control: usize,
    /// Empty DATA frames without END_STREAM tolerated between non-empty ones.
    pub max_empty_frames: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            header_table_size: 4096,
            initial_window_size: DEFAULT_WINDOW,
            connection_window: 4 * 1024 * 1024,
            max_frame_size: settings::MIN_FRAME_SIZE,
            max_header_list_size: 64 * 1024,
            max_header_block: 128 * 1024,
            max_continuation_frames: 256,
            max_pending_control: 1000,
            max_empty_frames: 100,
        }
    }
}

/// A request to open a stream with.  `fields` are the regular header fields (names are
/// lowered on the wire; connection-specific ones, which HTTP/2 forbids, are dropped).
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    pub method: &'a [u8],
    pub scheme: &'a [u8],
    pub authority: &'a [u8],
    pub path: &'a [u8],
    pub fields: Vec<(&'a [u8], &'a [u8])>,
    /// No body follows: END_STREAM goes with the head.
    pub end_stream: bool,
    /// Manual receive flow control: no WINDOW_UPDATE for the stream unless
    /// [`ClientConn::grant`] asks for one.
    pub manual_window: bool,
    /// Window granted to the server on top of SETTINGS_INITIAL_WINDOW_SIZE, by a
    /// WINDOW_UPDATE right after the head (0: none).
    pub extra_window: u32,
}

/// What the caller must act on, from [`ClientConn::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The response head (1xx heads are skipped); `end_stream`: no body follows.
    Response {
        stream: u32,
        status: u16,
        fields: Vec<Header>,
        end_stream: bool,
    },
    /// Body bytes, in order.  Give the window back with `release_capacity` (or
    /// `grant`, for manual streams).
    Data { stream: u32, data: Vec<u8> },
    /// Trailing fields, followed by `EndOfStream`.
    Trailers { stream: u32, fields: Vec<Header> },
    /// The server finished sending on the stream.
    EndOfStream { stream: u32 },
    /// The stream is gone: reset by the server (`remote`), refused by its GOAWAY
    /// (`remote`, REFUSED_STREAM), or reset by us for its error.
    Reset {
        stream: u32,
        code: ErrorCode,
        remote: bool,
    },
    /// A stream that `send_data` held back may send again.
    Writable { stream: u32 },
    /// The server's SETTINGS arrived or changed (the concurrency limit may have grown).
    Settings,
    /// The server will process no stream above `last_stream`; no new stream may open.
    GoAway {
        last_stream: u32,
        code: ErrorCode,
        debug: Vec<u8>,
    },
    /// We sent GOAWAY with `code`; no more input is processed.  Close once the
    /// output has drained.
    ConnectionError {
        code: ErrorCode,
        reason: &'static str,
    },
}

#[derive(Debug)]
struct Stream {
    state: StreamState,
    send_window: i64,
    recv_window: i64,
    /// Delivered to the caller, not yet released (automatic streams).
    unreleased: u64,
    /// Released, not yet announced by WINDOW_UPDATE.
    pending_update: u64,
    blocked: bool,
    /// The final (non-1xx) response head arrived.
    got_response: bool,
    manual: bool,
    /// What the stream's window is topped up to when the caller releases data.
    target: u64,
}

struct Assembly {
    stream: u32,
    block: Vec<u8>,
    end_stream: bool,
    frames: usize,
}

/// One client connection.  See the module documentation for the call order.
pub struct ClientConn {
    cfg: Config,
    local: Settings,
    peer: Settings,
    /// The server's first SETTINGS arrived (its preface).
    got_settings: bool,
    inbuf: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    events: VecDeque<Event>,
    decoder: Decoder,
    encoder: Encoder,
    streams: BTreeMap<u32, Stream>,
    next_stream: u32,
    /// Streams we reset or that ended recently, whose late frames are ignored.
    recently_closed: VecDeque<u32>,
    assembly: Option<Assembly>,
    conn_send_window: i64,
    conn_recv_window: i64,
    conn_pending_update: u64,
    /// The server's GOAWAY: no new streams.
    goaway_received: bool,
    goaway_sent: bool,
    dead: bool,
    pending_control: usize,
    empty_frames: u32,
}

type R = Result<(), H2Error>;

fn calm(reason: &'static str) -> H2Error {
    H2Error::conn(ErrorCode::ENHANCE_YOUR_CALM, reason)
}

fn proto(reason: &'static str) -> H2Error {
    H2Error::conn(ErrorCode::PROTOCOL_ERROR, reason)
}

/// How many recently closed stream ids are remembered.
const CLOSED_MEMORY: usize = 128;

impl ClientConn {
    pub fn new(cfg: Config) -> Self {
        let max_frame = cfg
            .max_frame_size
            .clamp(settings::MIN_FRAME_SIZE, settings::MAX_FRAME_SIZE_LIMIT);
        let local = Settings {
            header_table_size: cfg.header_table_size,
            enable_push: false,
            max_concurrent_streams: None,
            initial_window_size: cfg.initial_window_size.min(MAX_WINDOW),
            max_frame_size: max_frame,
            max_header_list_size: Some(cfg.max_header_list_size),
            enable_connect_protocol: false,
        };
        let mut c = ClientConn {
            decoder: Decoder::new(cfg.header_table_size.max(4096) as usize),
            cfg,
            local,
            peer: Settings::default(),
            got_settings: false,
            inbuf: Vec::new(),
            out: PREFACE.to_vec(),
            out_pos: 0,
            events: VecDeque::new(),
            encoder: Encoder::default(),
            streams: BTreeMap::new(),
            next_stream: 1,
            recently_closed: VecDeque::new(),
            assembly: None,
            conn_send_window: i64::from(DEFAULT_WINDOW),
            conn_recv_window: i64::from(DEFAULT_WINDOW),
            conn_pending_update: 0,
            goaway_received: false,
            goaway_sent: false,
            dead: false,
            pending_control: 0,
            empty_frames: 0,
        };
        frame::write_settings(&mut c.out, &c.local.diff_from_default());
        let target = c.cfg.connection_window.min(MAX_WINDOW);
        if target > DEFAULT_WINDOW {
            let inc = target - DEFAULT_WINDOW;
            Frame::WindowUpdate {
                stream: 0,
                increment: inc,
            }
            .write(&mut c.out);
            c.conn_recv_window += i64::from(inc);
        }
        c
    }

    // ---- outputs -------------------------------------------------------------------

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub fn pending_output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    pub fn advance_output(&mut self, n: usize) {
        self.out_pos = (self.out_pos + n).min(self.out.len());
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            self.pending_control = 0;
        }
    }

    /// Takes all pending output at once.
    pub fn take_output(&mut self) -> Vec<u8> {
        let v = self.out.split_off(self.out_pos);
        self.out.clear();
        self.out_pos = 0;
        self.pending_control = 0;
        v
    }

    /// No more input will be processed and no stream is left: close once the output
    /// has drained.
    pub fn is_closed(&self) -> bool {
        self.dead || ((self.goaway_sent || self.goaway_received) && self.streams.is_empty())
    }

    pub fn is_dead(&self) -> bool {
        self.dead
    }

    pub fn peer_settings(&self) -> &Settings {
        &self.peer
    }

    pub fn stream_state(&self, stream: u32) -> StreamState {
        match self.streams.get(&stream) {
            Some(s) => s.state,
            None if !stream.is_multiple_of(2) && stream < self.next_stream => StreamState::Closed,
            None => StreamState::Idle,
        }
    }

    /// Streams open or half closed.
    pub fn active_streams(&self) -> usize {
        self.streams.len()
    }

    /// Whether a new stream should open now: the server's SETTINGS arrived (so its
    /// concurrency limit is known: streams opened before may be refused) and leave
    /// room, no GOAWAY either way, and stream ids are not exhausted.
    pub fn can_open(&self) -> bool {
        self.got_settings && self.has_room()
    }

    fn has_room(&self) -> bool {
        self.accepting()
            && self
                .peer
                .max_concurrent_streams
                .is_none_or(|m| self.streams.len() < m as usize)
    }

    /// New streams may still be opened, now or once the concurrency limit leaves room.
    pub fn accepting(&self) -> bool {
        !self.dead && !self.goaway_received && !self.goaway_sent && self.next_stream < (1 << 31)
    }

    /// How many DATA bytes the stream may send now (the smaller of its window and the
    /// connection's).
    pub fn send_capacity(&self, stream: u32) -> Option<usize> {
        let s = self.streams.get(&stream)?;
        Some(s.send_window.min(self.conn_send_window).max(0) as usize)
    }

    /// The stream's send window alone (may be negative after a SETTINGS decrease).
    pub fn stream_send_window(&self, stream: u32) -> Option<i64> {
        self.streams.get(&stream).map(|s| s.send_window)
    }

    /// What the server may still send on the stream: the smaller of the stream's
    /// receive window and the connection's.
    pub fn recv_capacity(&self, stream: u32) -> Option<i64> {
        let s = self.streams.get(&stream)?;
        Some(s.recv_window.min(self.conn_recv_window))
    }

    // ---- inputs from the caller ----------------------------------------------------

    /// Opens a stream with its request head; returns the stream id.  Allowed before the
    /// server's SETTINGS (RFC 9113 section 3.4), at the risk of REFUSED_STREAM.
    pub fn open_stream(&mut self, req: &Request<'_>) -> Result<u32, SendError> {
        if self.dead || self.goaway_sent || self.goaway_received {
            return Err(SendError::Closed);
        }
        if !self.has_room() {
            return Err(SendError::NoStream);
        }
        let stream = self.next_stream;
        self.next_stream += 2;
        let mut all: Vec<(&[u8], &[u8])> = vec![
            (b":method", req.method),
            (b":scheme", req.scheme),
            (b":authority", req.authority),
            (b":path", req.path),
        ];
        if req.method == b"CONNECT" {
            all.retain(|(n, _)| *n == b":method" || *n == b":authority");
        }
        for &(n, v) in &req.fields {
            let forbidden = [
                &b"connection"[..],
                b"proxy-connection",
                b"keep-alive",
                b"transfer-encoding",
                b"upgrade",
                b"host",
            ];
            if forbidden.iter().any(|f| n.eq_ignore_ascii_case(f))
                || (n.eq_ignore_ascii_case(b"te") && !v.eq_ignore_ascii_case(b"trailers"))
                || n.first() == Some(&b':')
            {
                continue;
            }
            all.push((n, v));
        }
        let mut block = Vec::new();
        self.encoder.encode(all.iter().copied(), &mut block);
        frame::write_header_block(
            &mut self.out,
            stream,
            &block,
            req.end_stream,
            self.peer.max_frame_size as usize,
        );
        let initial = i64::from(self.local.initial_window_size);
        let mut s = Stream {
            state: if req.end_stream {
                StreamState::HalfClosedLocal
            } else {
                StreamState::Open
            },
            send_window: i64::from(self.peer.initial_window_size),
            recv_window: initial,
            unreleased: 0,
            pending_update: 0,
            blocked: false,
            got_response: false,
            manual: req.manual_window,
            target: initial as u64,
        };
        let extra = req
            .extra_window
            .min(MAX_WINDOW - self.local.initial_window_size);
        if extra > 0 {
            Frame::WindowUpdate {
                stream,
                increment: extra,
            }
            .write(&mut self.out);
            s.recv_window += i64::from(extra);
            s.target += u64::from(extra);
        }
        self.streams.insert(stream, s);
        Ok(stream)
    }

    fn local_stream(&mut self, stream: u32) -> Result<&mut Stream, SendError> {
        if self.dead {
            return Err(SendError::Closed);
        }
        let s = self.streams.get_mut(&stream).ok_or(SendError::NoStream)?;
        if !matches!(s.state, StreamState::Open | StreamState::HalfClosedRemote) {
            return Err(SendError::Ended);
        }
        Ok(s)
    }

    /// Sends as much of `data` as the windows allow and returns how much that was.
    /// END_STREAM goes with the last byte, and only if all of `data` went (an empty
    /// `data` with `end_stream` just ends the stream); when less went,
    /// [`Event::Writable`] follows once the server grants more window.
    pub fn send_data(
        &mut self,
        stream: u32,
        data: &[u8],
        end_stream: bool,
    ) -> Result<usize, SendError> {
        let conn_window = self.conn_send_window;
        let max_frame = self.peer.max_frame_size as usize;
        let s = self.local_stream(stream)?;
        let cap = s.send_window.min(conn_window).max(0) as usize;
        let n = data.len().min(cap);
        let all = n == data.len();
        if n == cap {
            // Short, or the window is used up exactly: either way the caller hears
            // when there is room again.
            s.blocked = true;
        }
        s.send_window -= n as i64;
        self.conn_send_window -= n as i64;
        let mut rest = &data[..n];
        loop {
            let k = rest.len().min(max_frame);
            let last = k == rest.len();
            if k == 0 && !(last && all && end_stream) {
                break;
            }
            Frame::Data {
                stream,
                data: &rest[..k],
                end_stream: last && all && end_stream,
                pad: None,
            }
            .write(&mut self.out);
            rest = &rest[k..];
            if last {
                break;
            }
        }
        if all && end_stream {
            self.local_end(stream);
        }
        Ok(n)
    }

    /// Ends our side of the stream with trailers.
    pub fn send_trailers(
        &mut self,
        stream: u32,
        fields: &[(&[u8], &[u8])],
    ) -> Result<(), SendError> {
        self.local_stream(stream)?;
        let mut block = Vec::new();
        self.encoder.encode(fields.iter().copied(), &mut block);
        frame::write_header_block(
            &mut self.out,
            stream,
            &block,
            true,
            self.peer.max_frame_size as usize,
        );
        self.local_end(stream);
        Ok(())
    }

    /// Resets a stream (the program closed it before its end).
    pub fn reset_stream(&mut self, stream: u32, code: ErrorCode) -> Result<(), SendError> {
        if self.dead {
            return Err(SendError::Closed);
        }
        if !self.streams.contains_key(&stream) {
            return Err(SendError::NoStream);
        }
        Frame::RstStream { stream, code }.write(&mut self.out);
        self.remove_stream(stream);
        Ok(())
    }

    /// The caller consumed `n` bytes of an automatic stream's data: open the windows
    /// again (a WINDOW_UPDATE once half the stream's window is owed).  For a manual
    /// stream only the connection's window is given back.
    pub fn release_capacity(&mut self, stream: u32, n: usize) {
        let Some(s) = self.streams.get_mut(&stream) else {
            return;
        };
        let n = (n as u64).min(s.unreleased);
        s.unreleased -= n;
        if !s.manual {
            s.pending_update += n;
            let remote_open = matches!(s.state, StreamState::Open | StreamState::HalfClosedLocal);
            if remote_open && s.pending_update > 0 && s.pending_update >= s.target / 2 {
                let inc = s.pending_update.min(u64::from(MAX_WINDOW)) as u32;
                s.recv_window += i64::from(inc);
                s.pending_update -= u64::from(inc);
                Frame::WindowUpdate {
                    stream,
                    increment: inc,
                }
                .write(&mut self.out);
            }
        }
        self.release_conn(n);
    }

    /// Manual flow control: lets the server send `n` more bytes on the stream (a
    /// WINDOW_UPDATE now).  False when the stream is not open for receiving, or the
    /// window would pass 2^31-1.
    pub fn grant(&mut self, stream: u32, n: u32) -> bool {
        if self.dead || n == 0 || n > MAX_WINDOW {
            return false;
        }
        let Some(s) = self.streams.get_mut(&stream) else {
            return false;
        };
        if !matches!(s.state, StreamState::Open | StreamState::HalfClosedLocal)
            || s.recv_window + i64::from(n) > i64::from(MAX_WINDOW)
        {
            return false;
        }
        s.recv_window += i64::from(n);
        Frame::WindowUpdate {
            stream,
            increment: n,
        }
        .write(&mut self.out);
        true
    }

    /// Sends a PING (the idle-validity check).
    pub fn ping(&mut self, data: [u8; 8]) {
        if !self.dead {
            Frame::Ping { ack: false, data }.write(&mut self.out);
        }
    }

    /// Graceful shutdown: GOAWAY; streams already open finish.
    pub fn go_away(&mut self, code: ErrorCode) {
        if self.goaway_sent || self.dead {
            return;
        }
        self.goaway_sent = true;
        // A client accepts no pushed streams: the last one it processed is 0.
        Frame::GoAway {
            last_stream: 0,
            code,
            debug: b"",
        }
        .write(&mut self.out);
    }

    // ---- input from the server -----------------------------------------------------

    /// Processes bytes read from the server.
    pub fn handle_input(&mut self, data: &[u8]) {
        frame::split_frames(self, data);
    }

    fn fail(&mut self, e: H2Error) {
        match e {
            H2Error::Connection { code, reason } => {
                if self.dead {
                    return;
                }
                self.dead = true;
                self.assembly = None;
                Frame::GoAway {
                    last_stream: 0,
                    code,
                    debug: reason.as_bytes(),
                }
                .write(&mut self.out);
                self.events
                    .push_back(Event::ConnectionError { code, reason });
            }
            H2Error::Stream { stream, code, .. } => {
                Frame::RstStream { stream, code }.write(&mut self.out);
                if self.remove_stream(stream) {
                    self.events.push_back(Event::Reset {
                        stream,
                        code,
                        remote: false,
                    });
                }
                if let Err(e) = self.control_reply() {
                    self.fail(e);
                }
            }
        }
    }

    fn control_reply(&mut self) -> R {
        self.pending_control += 1;
        if self.pending_control > self.cfg.max_pending_control {
            return Err(calm("too many frames needing a reply"));
        }
        Ok(())
    }

    fn remember_closed(&mut self, stream: u32) {
        if self.recently_closed.len() >= CLOSED_MEMORY {
            self.recently_closed.pop_front();
        }
        self.recently_closed.push_back(stream);
    }

    /// Removes a stream, giving its unreleased receive window back to the connection.
    fn remove_stream(&mut self, stream: u32) -> bool {
        match self.streams.remove(&stream) {
            Some(s) => {
                self.release_conn(s.unreleased);
                self.remember_closed(stream);
                true
            }
            None => false,
        }
    }

    fn release_conn(&mut self, n: u64) {
        self.conn_pending_update += n;
        let target = u64::from(self.cfg.connection_window.clamp(DEFAULT_WINDOW, MAX_WINDOW));
        if self.conn_pending_update > 0 && self.conn_pending_update >= target / 2 {
            let inc = self.conn_pending_update.min(u64::from(MAX_WINDOW)) as u32;
            self.conn_recv_window += i64::from(inc);
            self.conn_pending_update -= u64::from(inc);
            if !self.dead {
                Frame::WindowUpdate {
                    stream: 0,
                    increment: inc,
                }
                .write(&mut self.out);
            }
        }
    }

    fn local_end(&mut self, stream: u32) {
        let Some(s) = self.streams.get_mut(&stream) else {
            return;
        };
        match s.state {
            StreamState::Open => s.state = StreamState::HalfClosedLocal,
            _ => {
                self.remove_stream(stream);
            }
        }
    }

    fn remote_end(&mut self, stream: u32) {
        self.events.push_back(Event::EndOfStream { stream });
        let Some(s) = self.streams.get_mut(&stream) else {
            return;
        };
        match s.state {
            StreamState::Open => s.state = StreamState::HalfClosedRemote,
            _ => {
                self.remove_stream(stream);
            }
        }
    }

    /// Ids we never opened: even ones (no push) and odd ones not yet used.
    fn is_idle(&self, stream: u32) -> bool {
        stream.is_multiple_of(2) || stream >= self.next_stream
    }

    fn wake_blocked(&mut self) {
        let conn = self.conn_send_window;
        for (&id, s) in self.streams.iter_mut() {
            if s.blocked
                && s.send_window.min(conn) > 0
                && matches!(s.state, StreamState::Open | StreamState::HalfClosedRemote)
            {
                s.blocked = false;
                self.events.push_back(Event::Writable { stream: id });
            }
        }
    }

    fn on_frame(&mut self, h: &FrameHeader, payload: &[u8]) -> R {
        if !self.got_settings {
            // Section 3.4: the server's preface is a SETTINGS frame.
            if h.kind != frame::SETTINGS || h.flags & frame::FLAG_ACK != 0 {
                return Err(proto("server preface not SETTINGS"));
            }
        }
        if let Some(a) = &self.assembly {
            if h.kind != frame::CONTINUATION || h.stream != a.stream {
                return Err(proto("header block interrupted"));
            }
        }
        match frame::parse(h, payload)? {
            Frame::Data {
                stream,
                data,
                end_stream,
                ..
            } => self.on_data(h.len, stream, data, end_stream),
            Frame::Headers {
                stream,
                fragment,
                end_stream,
                end_headers,
                ..
            } => {
                if fragment.len() > self.cfg.max_header_block {
                    return Err(calm("header block too large"));
                }
                if end_headers {
                    self.on_header_block(stream, fragment, end_stream)
                } else {
                    self.assembly = Some(Assembly {
                        stream,
                        block: fragment.to_vec(),
                        end_stream,
                        frames: 0,
                    });
                    Ok(())
                }
            }
            Frame::Continuation {
                fragment,
                end_headers,
                ..
            } => {
                let Some(a) = self.assembly.as_mut() else {
                    return Err(proto("CONTINUATION without HEADERS"));
                };
                a.frames += 1;
                if a.frames > self.cfg.max_continuation_frames {
                    return Err(calm("too many CONTINUATION frames"));
                }
                if a.block.len() + fragment.len() > self.cfg.max_header_block {
                    return Err(calm("header block too large"));
                }
                a.block.extend_from_slice(fragment);
                if !end_headers {
                    return Ok(());
                }
                match self.assembly.take() {
                    Some(a) => self.on_header_block(a.stream, &a.block, a.end_stream),
                    None => Ok(()),
                }
            }
            Frame::Priority { stream, priority } => {
                if priority.dependency == stream {
                    return Err(H2Error::stream(
                        stream,
                        ErrorCode::PROTOCOL_ERROR,
                        "stream depends on itself",
                    ));
                }
                Ok(())
            }
            Frame::RstStream { stream, code } => {
                if self.is_idle(stream) {
                    return Err(proto("RST_STREAM on an idle stream"));
                }
                if self.remove_stream(stream) {
                    self.events.push_back(Event::Reset {
                        stream,
                        code,
                        remote: true,
                    });
                }
                Ok(())
            }
            Frame::Settings { ack: true, .. } => {
                self.decoder
                    .set_limit(self.local.header_table_size as usize);
                Ok(())
            }
            Frame::Settings {
                ack: false,
                payload,
            } => {
                self.got_settings = true;
                self.control_reply()?;
                let old = self.peer;
                self.peer.apply(payload)?;
                let delta =
                    i64::from(self.peer.initial_window_size) - i64::from(old.initial_window_size);
                if delta != 0 {
                    for s in self.streams.values_mut() {
                        s.send_window += delta;
                        if s.send_window > i64::from(MAX_WINDOW) {
                            return Err(H2Error::conn(
                                ErrorCode::FLOW_CONTROL_ERROR,
                                "window above 2^31-1",
                            ));
                        }
                    }
                }
                if self.peer.header_table_size != old.header_table_size {
                    self.encoder
                        .set_peer_limit(self.peer.header_table_size as usize);
                }
                Frame::Settings {
                    ack: true,
                    payload: &[],
                }
                .write(&mut self.out);
                if delta > 0 {
                    self.wake_blocked();
                }
                self.events.push_back(Event::Settings);
                Ok(())
            }
            Frame::PushPromise { .. } => Err(proto("PUSH_PROMISE though we disabled push")),
            Frame::Ping { ack: false, data } => {
                self.control_reply()?;
                Frame::Ping { ack: true, data }.write(&mut self.out);
                Ok(())
            }
            Frame::Ping { ack: true, .. } => Ok(()),
            Frame::GoAway {
                last_stream,
                code,
                debug,
            } => {
                self.goaway_received = true;
                // Streams above `last_stream` were not processed: they may be retried.
                let refused: Vec<u32> = self
                    .streams
                    .range(last_stream + 1..)
                    .map(|(&k, _)| k)
                    .collect();
                for id in refused {
                    self.remove_stream(id);
                    self.events.push_back(Event::Reset {
                        stream: id,
                        code: ErrorCode::REFUSED_STREAM,
                        remote: true,
                    });
                }
                self.events.push_back(Event::GoAway {
                    last_stream,
                    code,
                    debug: debug.to_vec(),
                });
                Ok(())
            }
            Frame::WindowUpdate {
                stream: 0,
                increment,
            } => {
                self.conn_send_window += i64::from(increment);
                if self.conn_send_window > i64::from(MAX_WINDOW) {
                    return Err(H2Error::conn(
                        ErrorCode::FLOW_CONTROL_ERROR,
                        "connection window above 2^31-1",
                    ));
                }
                self.wake_blocked();
                Ok(())
            }
            Frame::WindowUpdate { stream, increment } => {
                if self.is_idle(stream) {
                    return Err(proto("WINDOW_UPDATE on an idle stream"));
                }
                let conn = self.conn_send_window;
                let Some(s) = self.streams.get_mut(&stream) else {
                    return Ok(());
                };
                s.send_window += i64::from(increment);
                if s.send_window > i64::from(MAX_WINDOW) {
                    return Err(H2Error::stream(
                        stream,
                        ErrorCode::FLOW_CONTROL_ERROR,
                        "stream window above 2^31-1",
                    ));
                }
                if s.blocked
                    && s.send_window.min(conn) > 0
                    && matches!(s.state, StreamState::Open | StreamState::HalfClosedRemote)
                {
                    s.blocked = false;
                    self.events.push_back(Event::Writable { stream });
                }
                Ok(())
            }
            Frame::Unknown { .. } => Ok(()),
        }
    }

    fn on_data(&mut self, flow_len: u32, stream: u32, data: &[u8], end_stream: bool) -> R {
        if self.is_idle(stream) {
            return Err(proto("DATA on an idle stream"));
        }
        let flow = i64::from(flow_len);
        if flow > self.conn_recv_window {
            return Err(H2Error::conn(
                ErrorCode::FLOW_CONTROL_ERROR,
                "DATA beyond the connection window",
            ));
        }
        self.conn_recv_window -= flow;
        let Some(s) = self.streams.get_mut(&stream) else {
            self.release_conn(u64::from(flow_len));
            if self.recently_closed.contains(&stream) {
                return Ok(());
            }
            return Err(H2Error::stream(
                stream,
                ErrorCode::STREAM_CLOSED,
                "DATA on a closed stream",
            ));
        };
        if !matches!(s.state, StreamState::Open | StreamState::HalfClosedLocal) {
            self.release_conn(u64::from(flow_len));
            return Err(H2Error::stream(
                stream,
                ErrorCode::STREAM_CLOSED,
                "DATA after END_STREAM",
            ));
        }
        if !s.got_response {
            self.release_conn(u64::from(flow_len));
            return Err(H2Error::stream(
                stream,
                ErrorCode::PROTOCOL_ERROR,
                "DATA before the response head",
            ));
        }
        if flow > s.recv_window {
            self.release_conn(u64::from(flow_len));
            return Err(H2Error::stream(
                stream,
                ErrorCode::FLOW_CONTROL_ERROR,
                "DATA beyond the stream window",
            ));
        }
        s.recv_window -= flow;
        s.unreleased += data.len() as u64;
        let pad = u64::from(flow_len) - data.len() as u64;
        if !s.manual {
            s.pending_update += pad;
        }
        if pad > 0 {
            self.release_conn(pad);
        }
        if data.is_empty() && !end_stream {
            self.empty_frames += 1;
            if self.empty_frames > self.cfg.max_empty_frames {
                return Err(calm("too many empty DATA frames"));
            }
        } else if !data.is_empty() {
            self.empty_frames = 0;
            self.events.push_back(Event::Data {
                stream,
                data: data.to_vec(),
            });
        }
        if end_stream {
            self.remote_end(stream);
        }
        Ok(())
    }

    fn on_header_block(&mut self, stream: u32, block: &[u8], end_stream: bool) -> R {
        // Decoded whatever becomes of the stream: the HPACK table must stay in step.
        let fields = match self
            .decoder
            .decode(block, self.cfg.max_header_list_size as usize)
        {
            Ok(f) => Some(f),
            Err(super::hpack::HpackError::ListTooLarge) => None,
            Err(_) => {
                return Err(H2Error::conn(
                    ErrorCode::COMPRESSION_ERROR,
                    "HPACK decoding failed",
                ))
            }
        };
        if self.is_idle(stream) {
            return Err(proto("HEADERS on a stream we did not open"));
        }
        let Some(s) = self.streams.get_mut(&stream) else {
            if self.recently_closed.contains(&stream) {
                return Ok(());
            }
            return Err(H2Error::stream(
                stream,
                ErrorCode::STREAM_CLOSED,
                "HEADERS on a closed stream",
            ));
        };
        if !matches!(s.state, StreamState::Open | StreamState::HalfClosedLocal) {
            return Err(H2Error::stream(
                stream,
                ErrorCode::STREAM_CLOSED,
                "HEADERS after END_STREAM",
            ));
        }
        let pe = |r| Err(H2Error::stream(stream, ErrorCode::PROTOCOL_ERROR, r));
        let Some(fields) = fields else {
            return pe("response head over SETTINGS_MAX_HEADER_LIST_SIZE");
        };
        if s.got_response {
            // A second block: trailers.
            if !end_stream {
                return pe("trailers without END_STREAM");
            }
            if fields.iter().any(|h| h.name.first() == Some(&b':')) {
                return pe("pseudo-header in trailers");
            }
            self.events.push_back(Event::Trailers { stream, fields });
            self.remote_end(stream);
            return Ok(());
        }
        let (status, regular) = match validate_response(fields) {
            Ok(v) => v,
            Err(r) => return pe(r),
        };
        if (100..200).contains(&status) {
            // Informational: the final head is still to come.
            if end_stream {
                return pe("END_STREAM on a 1xx response");
            }
            return Ok(());
        }
        s.got_response = true;
        self.events.push_back(Event::Response {
            stream,
            status,
            fields: regular,
            end_stream,
        });
        if end_stream {
            self.remote_end(stream);
        }
        Ok(())
    }
}

impl frame::FrameSink for ClientConn {
    fn partial(&mut self) -> &mut Vec<u8> {
        &mut self.inbuf
    }
    fn max_frame_size(&self) -> u32 {
        self.local.max_frame_size
    }
    fn stopped(&self) -> bool {
        self.dead
    }
    fn frame(&mut self, h: &FrameHeader, payload: &[u8]) -> R {
        self.on_frame(h, payload)
    }
    fn fail(&mut self, e: H2Error) {
        ClientConn::fail(self, e)
    }
}

/// Section 8.3.2: exactly one `:status` of three digits, before any regular field; no
/// other pseudo-header; field names lower case.
pub fn validate_response(fields: Vec<Header>) -> Result<(u16, Vec<Header>), &'static str> {
    let mut status = None;
    let mut regular = Vec::with_capacity(fields.len());
    for h in fields {
        if h.name.first() == Some(&b':') {
            if !regular.is_empty() {
                return Err("pseudo-header after a regular field");
            }
            if h.name != b":status" {
                return Err("unknown pseudo-header in a response");
            }
            if status.is_some() {
                return Err("repeated :status");
            }
            if h.value.len() != 3 || !h.value.iter().all(u8::is_ascii_digit) {
                return Err("malformed :status");
            }
            let v = (h.value[0] - b'0') as u16 * 100
                + (h.value[1] - b'0') as u16 * 10
                + (h.value[2] - b'0') as u16;
            status = Some(v);
            continue;
        }
        if h.name.is_empty() || h.name.iter().any(u8::is_ascii_uppercase) {
            return Err("invalid field name");
        }
        if h.value.iter().any(|&c| c == 0 || c == b'\r' || c == b'\n') {
            return Err("invalid field value");
        }
        regular.push(h);
    }
    match status {
        Some(s) => Ok((s, regular)),
        None => Err("no :status"),
    }
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
