//! The server side of an HTTP/2 connection as a sans-IO state machine.
//!
//! # Contract
//!
//! [`ServerConn`] owns no socket and no clock.  The caller (the engine's h2 role):
//!
//! 1. creates it with [`ServerConn::new`] once the transport chose h2 (ALPN `h2`, or h2c
//!    with prior knowledge); our SETTINGS (the server preface) are queued at once;
//! 2. hands it every byte read from the peer with [`handle_input`]; partial frames are
//!    kept until the rest arrives, so any split of the stream gives the same result;
//! 3. drains [`poll_event`] after each input, acting on each [`Event`] (a new request
//!    opens a child stream, data goes to the stream's user, ...);
//! 4. writes [`pending_output`] to the socket whenever it is non-empty and reports what
//!    the kernel took with [`advance_output`]; replies to PING and SETTINGS, WINDOW_UPDATEs,
//!    resets and GOAWAY all land there;
//! 5. answers requests with [`send_response`] / [`send_data`] / [`send_headers`]
//!    (trailers), within [`send_capacity`]; a stream held back by flow control gets an
//!    [`Event::Writable`] once the peer opens its window;
//! 6. gives receive window back with [`release_capacity`] as the stream's user consumes
//!    data, which is how rx flow control of a child stream reaches the peer;
//! 7. closes the socket once [`is_closed`] is true and the output has drained.
//!
//! Errors in the peer's input never panic and never reach the caller as `Err`: a stream
//! error resets that stream (RST_STREAM, [`Event::Reset`]), a connection error queues
//! GOAWAY and yields [`Event::ConnectionError`], after which input is ignored.
//!
//! [`handle_input`]: ServerConn::handle_input
//! [`poll_event`]: ServerConn::poll_event
//! [`pending_output`]: ServerConn::pending_output
//! [`advance_output`]: ServerConn::advance_output
//! [`send_response`]: ServerConn::send_response
//! [`send_data`]: ServerConn::send_data
//! [`send_headers`]: ServerConn::send_headers
//! [`send_capacity`]: ServerConn::send_capacity
//! [`release_capacity`]: ServerConn::release_capacity
//! [`is_closed`]: ServerConn::is_closed

use super::frame::{self, Frame, FrameHeader};
use super::hpack::{Decoder, Encoder, HpackError};
use super::settings::{self, Settings, DEFAULT_WINDOW, MAX_WINDOW};
use super::{ErrorCode, H2Error, Header, PREFACE};
use std::collections::{BTreeMap, VecDeque};

/// Our side's limits.  Defaults follow common servers (nghttp2, h2).
#[derive(Debug, Clone)]
pub struct Config {
    /// SETTINGS_HEADER_TABLE_SIZE: the HPACK table the peer may make us keep.
    pub header_table_size: u32,
    /// SETTINGS_MAX_CONCURRENT_STREAMS; streams beyond it are refused (REFUSED_STREAM).
    pub max_concurrent_streams: u32,
    /// SETTINGS_INITIAL_WINDOW_SIZE: receive window of each stream.
    pub initial_window_size: u32,
    /// Receive window of the whole connection (raised from 65,535 by a WINDOW_UPDATE
    /// in the preface when larger).
    pub connection_window: u32,
    /// SETTINGS_MAX_FRAME_SIZE: the largest frame payload we accept.
    pub max_frame_size: u32,
    /// SETTINGS_MAX_HEADER_LIST_SIZE, enforced while decoding: a larger request gets 431.
    pub max_header_list_size: u32,
    /// SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441): accept `:protocol`, for ws over h2.
    pub enable_connect_protocol: bool,
    /// Largest compressed header block, HEADERS plus CONTINUATIONs; beyond it the
    /// connection fails with ENHANCE_YOUR_CALM (the block cannot be skipped without
    /// losing HPACK state, and keeping it would cost unbounded memory).
    pub max_header_block: usize,
    /// Most CONTINUATION frames in one header block (CONTINUATION floods).
    pub max_continuation_frames: usize,
    /// Streams the peer may reset or get refused or reset for errors, net of streams
    /// that complete normally, before GOAWAY ENHANCE_YOUR_CALM (rapid reset,
    /// CVE-2023-44487).
    pub max_reset_debt: u32,
    /// Replies (PING and SETTINGS acks, RST_STREAM) queued while the caller has not
    /// drained the output, before GOAWAY ENHANCE_YOUR_CALM (PING/SETTINGS floods).
    pub max_pending_control: usize,
    /// Empty DATA frames without END_STREAM tolerated between non-empty ones.
    pub max_empty_frames: u32,
    /// How many streams we reset are remembered, so that frames the peer had already
    /// sent for them are ignored instead of treated as errors.
    pub reset_memory: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            header_table_size: 4096,
            max_concurrent_streams: 100,
            initial_window_size: DEFAULT_WINDOW,
            connection_window: DEFAULT_WINDOW,
            max_frame_size: settings::MIN_FRAME_SIZE,
            max_header_list_size: 16 * 1024,
            enable_connect_protocol: false,
            max_header_block: 32 * 1024,
            max_continuation_frames: 64,
            max_reset_debt: 100,
            max_pending_control: 1000,
            max_empty_frames: 100,
            reset_memory: 128,
        }
    }
}

/// A stream's state, RFC 9113 section 5.1.  A server never pushes, so the reserved
/// states never occur here; they are listed to keep the RFC's picture whole.
///
/// ```text
///                              +--------+
///                      send PP |        | recv PP
///                     ,--------+  idle  +--------.
///                    /         |        |         \
///                   v          +--------+          v
///            +----------+          |           +----------+
///            |          |          | send H /  |          |
///     ,------+ reserved |          | recv H    | reserved +------.
///     |      | (local)  |          |           | (remote) |      |
///     |      +---+------+          v           +------+---+      |
///     |          |             +--------+             |          |
///     |          |     recv ES |        | send ES     |          |
///     |   send H |     ,-------+  open  +-------.     | recv H   |
///     |          |    /        |        |        \    |          |
///     |          v   v         +---+----+         v   v          |
///     |      +----------+          |           +----------+      |
///     |      |   half-  |          |           |   half-  |      |
///     |      |  closed  |          | send R /  |  closed  |      |
///     |      | (remote) |          | recv R    | (local)  |      |
///     |      +----+-----+          |           +-----+----+      |
///     |           |                |                 |           |
///     |           | send ES /      |       recv ES / |           |
///     |           |  send R /      v        send R / |           |
///     |           |  recv R    +--------+   recv R   |           |
///     | send R /  `----------->|        |<-----------'  send R / |
///     | recv R                 | closed |               recv R   |
///     `----------------------->|        |<-----------------------'
///                              +--------+
///
///   send/recv: endpoint sends/receives the frame
///   H: HEADERS (with its CONTINUATIONs)   ES: a frame with END_STREAM
///   R: RST_STREAM                         PP: PUSH_PROMISE (never, here)
/// ```
///
/// Closed streams are dropped from the connection's table; their ids answer `Closed`
/// (if at most the highest id the peer opened) or `Idle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamState {
    Idle,
    ReservedLocal,
    ReservedRemote,
    Open,
    HalfClosedLocal,
    HalfClosedRemote,
    Closed,
}

impl StreamState {
    /// The peer may still send DATA or trailers.
    fn remote_open(self) -> bool {
        matches!(self, StreamState::Open | StreamState::HalfClosedLocal)
    }

    /// We may still send.
    fn local_open(self) -> bool {
        matches!(self, StreamState::Open | StreamState::HalfClosedRemote)
    }
}

/// A validated request head (RFC 9113 section 8.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    pub method: Vec<u8>,
    pub scheme: Option<Vec<u8>>,
    pub authority: Option<Vec<u8>>,
    pub path: Option<Vec<u8>>,
    /// Extended CONNECT (RFC 8441), e.g. `websocket`.
    pub protocol: Option<Vec<u8>>,
    /// Regular fields, in order; `cookie` crumbs are left separate (section 8.2.3 lets
    /// the receiver join them with "; ").
    pub fields: Vec<Header>,
    pub content_length: Option<u64>,
}

/// What the caller must act on, from [`ServerConn::poll_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A new stream with its request head; `end_stream`: no body follows.
    Request {
        stream: u32,
        request: Request,
        end_stream: bool,
    },
    /// Body bytes, in order.  Give the window back with `release_capacity`.
    Data { stream: u32, data: Vec<u8> },
    /// Trailing fields, followed by `EndOfStream`.
    Trailers { stream: u32, fields: Vec<Header> },
    /// The peer finished sending on the stream.
    EndOfStream { stream: u32 },
    /// The stream is gone: reset by the peer (`remote`) or by us for its error.
    Reset {
        stream: u32,
        code: ErrorCode,
        remote: bool,
    },
    /// A stream that `send_data` held back may send again.
    Writable { stream: u32 },
    /// The peer will open no more streams above `last_stream`.
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

/// Why a send was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// No such stream (never opened, or already closed or reset).
    NoStream,
    /// We already ended our side of the stream.
    Ended,
    /// The connection failed or is closed.
    Closed,
}

#[derive(Debug)]
struct Stream {
    state: StreamState,
    send_window: i64,
    recv_window: i64,
    /// Delivered to the caller, not yet released.
    unreleased: u64,
    /// Released, not yet announced by WINDOW_UPDATE.
    pending_update: u64,
    /// `send_data` was short for lack of window.
    blocked: bool,
    content_length: Option<u64>,
    received: u64,
}

struct Assembly {
    stream: u32,
    block: Vec<u8>,
    end_stream: bool,
    self_dependent: bool,
    frames: usize,
}

/// One server connection.  See the module documentation for the call order.
pub struct ServerConn {
    cfg: Config,
    local: Settings,
    local_acked: bool,
    peer: Settings,
    preface_matched: usize,
    got_settings: bool,
    inbuf: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    events: VecDeque<Event>,
    decoder: Decoder,
    encoder: Encoder,
    streams: BTreeMap<u32, Stream>,
    last_peer_stream: u32,
    recently_reset: VecDeque<u32>,
    assembly: Option<Assembly>,
    conn_send_window: i64,
    conn_recv_window: i64,
    conn_pending_update: u64,
    goaway_sent: bool,
    dead: bool,
    reset_debt: u32,
    pending_control: usize,
    empty_frames: u32,
}

type R = Result<(), H2Error>;

fn calm(reason: &'static str) -> H2Error {
    H2Error::conn(ErrorCode::ENHANCE_YOUR_CALM, reason)
}

impl ServerConn {
    pub fn new(cfg: Config) -> Self {
        let max_frame = cfg
            .max_frame_size
            .clamp(settings::MIN_FRAME_SIZE, settings::MAX_FRAME_SIZE_LIMIT);
        let local = Settings {
            header_table_size: cfg.header_table_size,
            enable_push: false,
            max_concurrent_streams: Some(cfg.max_concurrent_streams),
            initial_window_size: cfg.initial_window_size.min(MAX_WINDOW),
            max_frame_size: max_frame,
            max_header_list_size: Some(cfg.max_header_list_size),
            enable_connect_protocol: cfg.enable_connect_protocol,
        };
        let mut c = ServerConn {
            // Until the peer acknowledges our SETTINGS it may still go by the initial
            // values, so the more generous of the two applies meanwhile.
            decoder: Decoder::new(cfg.header_table_size.max(4096) as usize),
            cfg,
            local,
            local_acked: false,
            peer: Settings::default(),
            preface_matched: 0,
            got_settings: false,
            inbuf: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            events: VecDeque::new(),
            encoder: Encoder::default(),
            streams: BTreeMap::new(),
            last_peer_stream: 0,
            recently_reset: VecDeque::new(),
            assembly: None,
            conn_send_window: i64::from(DEFAULT_WINDOW),
            conn_recv_window: i64::from(DEFAULT_WINDOW),
            conn_pending_update: 0,
            goaway_sent: false,
            dead: false,
            reset_debt: 0,
            pending_control: 0,
            empty_frames: 0,
        };
        c.local.max_frame_size = max_frame;
        // A server's ENABLE_PUSH means nothing (section 6.5.2); leave it out.
        let params: Vec<_> = c
            .local
            .diff_from_default()
            .into_iter()
            .filter(|&(id, _)| id != settings::ENABLE_PUSH)
            .collect();
        frame::write_settings(&mut c.out, &params);
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

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Bytes waiting to be written to the peer.
    pub fn pending_output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    /// `n` bytes of [`pending_output`](Self::pending_output) were written.
    pub fn advance_output(&mut self, n: usize) {
        self.out_pos = (self.out_pos + n).min(self.out.len());
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            self.pending_control = 0;
        }
    }

    /// Swaps all pending output into `buf` (whose old content is dropped) and takes
    /// `buf`'s allocation for the next output: no allocation per flush once both
    /// buffers have grown.
    pub fn swap_output(&mut self, buf: &mut Vec<u8>) {
        buf.clear();
        if self.out_pos > 0 {
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
        }
        core::mem::swap(&mut self.out, buf);
        self.pending_control = 0;
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
        self.dead || (self.goaway_sent && self.streams.is_empty())
    }

    pub fn stream_state(&self, stream: u32) -> StreamState {
        match self.streams.get(&stream) {
            Some(s) => s.state,
            None if !stream.is_multiple_of(2) && stream <= self.last_peer_stream => {
                StreamState::Closed
            }
            None => StreamState::Idle,
        }
    }

    pub fn peer_settings(&self) -> &Settings {
        &self.peer
    }

    /// Streams open or half closed.
    pub fn active_streams(&self) -> usize {
        self.streams.len()
    }

    /// How many DATA bytes the stream may send now: the smaller of its window and the
    /// connection's (what `lws_get_peer_write_allowance` reports).
    pub fn send_capacity(&self, stream: u32) -> Option<usize> {
        let s = self.streams.get(&stream)?;
        Some(s.send_window.min(self.conn_send_window).max(0) as usize)
    }

    /// The connection's own send window (may be negative after a SETTINGS change).
    pub fn connection_send_window(&self) -> i64 {
        self.conn_send_window
    }

    /// How much the peer may still send on the stream before we open its window (our
    /// receive window for it).
    pub fn recv_window(&self, stream: u32) -> Option<i64> {
        self.streams.get(&stream).map(|s| s.recv_window)
    }

    // ---- inputs from the caller ----------------------------------------------------

    fn local_stream(&mut self, stream: u32) -> Result<&mut Stream, SendError> {
        if self.dead {
            return Err(SendError::Closed);
        }
        let s = self.streams.get_mut(&stream).ok_or(SendError::NoStream)?;
        if !s.state.local_open() {
            return Err(SendError::Ended);
        }
        Ok(s)
    }

    /// Sends a response head: `:status` then `fields`.
    pub fn send_response(
        &mut self,
        stream: u32,
        status: u16,
        fields: &[(&[u8], &[u8])],
        end_stream: bool,
    ) -> Result<(), SendError> {
        let st = status.to_string();
        let all: Vec<(&[u8], &[u8])> = std::iter::once((&b":status"[..], st.as_bytes()))
            .chain(fields.iter().copied())
            .collect();
        self.send_headers(stream, &all, end_stream)
    }

    /// Sends a header block as given (a response head with its `:status`, or trailers
    /// with `end_stream`).
    pub fn send_headers(
        &mut self,
        stream: u32,
        fields: &[(&[u8], &[u8])],
        end_stream: bool,
    ) -> Result<(), SendError> {
        self.local_stream(stream)?;
        let mut block = Vec::new();
        self.encoder.encode(fields.iter().copied(), &mut block);
        frame::write_header_block(
            &mut self.out,
            stream,
            &block,
            end_stream,
            self.peer.max_frame_size as usize,
        );
        if end_stream {
            self.local_end(stream);
        }
        Ok(())
    }

    /// Sends a header block the caller encoded itself (lws's header builders write HPACK
    /// into the application's buffer).  The block must not change the peer's dynamic
    /// table (literals without indexing, as those builders write), or our encoder's view
    /// of it would drift.
    pub fn send_header_block(
        &mut self,
        stream: u32,
        block: &[u8],
        end_stream: bool,
    ) -> Result<(), SendError> {
        self.local_stream(stream)?;
        frame::write_header_block(
            &mut self.out,
            stream,
            block,
            end_stream,
            self.peer.max_frame_size as usize,
        );
        if end_stream {
            self.local_end(stream);
        }
        Ok(())
    }

    /// Sends as much of `data` as the windows allow and returns how much that was.
    /// END_STREAM goes with the last byte, and only if all of `data` went; when less
    /// went, [`Event::Writable`] follows once the peer grants more window.
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
        if !all {
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

    /// Resets a stream (the caller closed its child).
    pub fn reset_stream(&mut self, stream: u32, code: ErrorCode) -> Result<(), SendError> {
        if self.dead {
            return Err(SendError::Closed);
        }
        if !self.streams.contains_key(&stream) {
            return Err(SendError::NoStream);
        }
        Frame::RstStream { stream, code }.write(&mut self.out);
        self.remove_stream(stream);
        self.remember_reset(stream);
        Ok(())
    }

    /// The caller consumed `n` bytes of the stream's data: open the windows again.
    pub fn release_capacity(&mut self, stream: u32, n: usize) {
        let target = self.recv_target();
        let Some(s) = self.streams.get_mut(&stream) else {
            return;
        };
        let n = (n as u64).min(s.unreleased);
        s.unreleased -= n;
        s.pending_update += n;
        if s.state.remote_open() && s.pending_update >= target / 2 && s.pending_update > 0 {
            let inc = s.pending_update as u32;
            s.recv_window += i64::from(inc);
            s.pending_update = 0;
            Frame::WindowUpdate {
                stream,
                increment: inc,
            }
            .write(&mut self.out);
        }
        self.release_conn(n);
    }

    /// Opens the peer's windows by `n` more than consumption gives back (lws's
    /// `lws_h2_update_peer_txcredit`): WINDOW_UPDATE on `stream` (unless 0) and on the
    /// connection, each capped so no window passes 2^31-1.
    pub fn grant(&mut self, stream: u32, n: u32) {
        if self.dead || n == 0 {
            return;
        }
        let max = i64::from(MAX_WINDOW);
        if stream != 0 {
            // (Allowed after the peer's END_STREAM too: pointless, but lws sends it.)
            let Some(s) = self.streams.get_mut(&stream) else {
                return;
            };
            let inc = i64::from(n).min(max - s.recv_window);
            if inc > 0 {
                s.recv_window += inc;
                Frame::WindowUpdate {
                    stream,
                    increment: inc as u32,
                }
                .write(&mut self.out);
            }
        }
        let inc = i64::from(n).min(max - self.conn_recv_window);
        if inc > 0 {
            self.conn_recv_window += inc;
            Frame::WindowUpdate {
                stream: 0,
                increment: inc as u32,
            }
            .write(&mut self.out);
        }
    }

    /// The connection's receive window: what the peer may still send on all streams.
    pub fn connection_recv_window(&self) -> i64 {
        self.conn_recv_window
    }

    /// Graceful shutdown: GOAWAY with the last stream we will serve; streams already
    /// open finish, new ones are ignored.
    pub fn go_away(&mut self, code: ErrorCode) {
        if self.goaway_sent || self.dead {
            return;
        }
        self.goaway_sent = true;
        Frame::GoAway {
            last_stream: self.last_peer_stream,
            code,
            debug: b"",
        }
        .write(&mut self.out);
    }

    // ---- input from the peer -------------------------------------------------------

    /// Processes bytes read from the peer.
    pub fn handle_input(&mut self, mut data: &[u8]) {
        if self.dead {
            return;
        }
        if self.preface_matched < PREFACE.len() {
            let n = (PREFACE.len() - self.preface_matched).min(data.len());
            if data[..n] != PREFACE[self.preface_matched..self.preface_matched + n] {
                self.fail(H2Error::conn(
                    ErrorCode::PROTOCOL_ERROR,
                    "bad connection preface",
                ));
                return;
            }
            self.preface_matched += n;
            data = &data[n..];
        }
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
                    last_stream: self.last_peer_stream,
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
                self.remember_reset(stream);
                if let Err(e) = self.add_debt().and_then(|_| self.control_reply()) {
                    self.fail(e);
                }
            }
        }
    }

    fn add_debt(&mut self) -> R {
        self.reset_debt += 1;
        if self.reset_debt > self.cfg.max_reset_debt {
            return Err(calm("too many streams reset"));
        }
        Ok(())
    }

    fn control_reply(&mut self) -> R {
        self.pending_control += 1;
        if self.pending_control > self.cfg.max_pending_control {
            return Err(calm("too many frames needing a reply"));
        }
        Ok(())
    }

    fn remember_reset(&mut self, stream: u32) {
        if self.recently_reset.len() >= self.cfg.reset_memory {
            self.recently_reset.pop_front();
        }
        self.recently_reset.push_back(stream);
    }

    /// Removes a stream, giving its unreleased receive window back to the connection.
    /// Returns whether it existed.
    fn remove_stream(&mut self, stream: u32) -> bool {
        match self.streams.remove(&stream) {
            Some(s) => {
                self.release_conn(s.unreleased);
                true
            }
            None => false,
        }
    }

    fn recv_target(&self) -> u64 {
        u64::from(self.local.initial_window_size)
    }

    fn recv_initial(&self) -> i64 {
        if self.local_acked {
            i64::from(self.local.initial_window_size)
        } else {
            i64::from(self.local.initial_window_size.max(DEFAULT_WINDOW))
        }
    }

    fn release_conn(&mut self, n: u64) {
        self.conn_pending_update += n;
        let target = u64::from(self.cfg.connection_window.clamp(DEFAULT_WINDOW, MAX_WINDOW));
        if self.conn_pending_update > 0 && self.conn_pending_update >= target / 2 {
            let inc = self.conn_pending_update as u32;
            self.conn_recv_window += i64::from(inc);
            self.conn_pending_update = 0;
            if !self.dead {
                Frame::WindowUpdate {
                    stream: 0,
                    increment: inc,
                }
                .write(&mut self.out);
            }
        }
    }

    /// Our side of the stream ended (END_STREAM sent).
    fn local_end(&mut self, stream: u32) {
        let Some(s) = self.streams.get_mut(&stream) else {
            return;
        };
        match s.state {
            StreamState::Open => s.state = StreamState::HalfClosedLocal,
            _ => {
                self.remove_stream(stream);
                self.reset_debt = self.reset_debt.saturating_sub(1);
            }
        }
    }

    /// The peer's side of the stream ended (END_STREAM received).
    fn remote_end(&mut self, stream: u32) {
        self.events.push_back(Event::EndOfStream { stream });
        let Some(s) = self.streams.get_mut(&stream) else {
            return;
        };
        match s.state {
            StreamState::Open => s.state = StreamState::HalfClosedRemote,
            _ => {
                self.remove_stream(stream);
                self.reset_debt = self.reset_debt.saturating_sub(1);
            }
        }
    }

    /// We never open streams, so every even id is idle, and odd ones above the highest
    /// the peer opened.
    fn is_idle(&self, stream: u32) -> bool {
        stream.is_multiple_of(2) || stream > self.last_peer_stream
    }

    fn wake_blocked(&mut self) {
        let conn = self.conn_send_window;
        for (&id, s) in self.streams.iter_mut() {
            if s.blocked && s.send_window.min(conn) > 0 && s.state.local_open() {
                s.blocked = false;
                self.events.push_back(Event::Writable { stream: id });
            }
        }
    }

    fn on_frame(&mut self, h: &FrameHeader, payload: &[u8]) -> R {
        if !self.got_settings {
            // Section 3.4: the preface ends with a SETTINGS frame.
            if h.kind != frame::SETTINGS || h.flags & frame::FLAG_ACK != 0 {
                return Err(H2Error::conn(
                    ErrorCode::PROTOCOL_ERROR,
                    "preface not followed by SETTINGS",
                ));
            }
            self.got_settings = true;
        }
        if let Some(a) = &self.assembly {
            // Section 6.10: nothing may interleave with a header block.
            if h.kind != frame::CONTINUATION || h.stream != a.stream {
                return Err(H2Error::conn(
                    ErrorCode::PROTOCOL_ERROR,
                    "header block interrupted",
                ));
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
                priority,
                ..
            } => {
                if stream.is_multiple_of(2) {
                    return Err(H2Error::conn(
                        ErrorCode::PROTOCOL_ERROR,
                        "client opened an even stream",
                    ));
                }
                if fragment.len() > self.cfg.max_header_block {
                    return Err(calm("header block too large"));
                }
                let self_dependent = priority.is_some_and(|p| p.dependency == stream);
                if end_headers {
                    self.on_header_block(stream, fragment, end_stream, self_dependent)
                } else {
                    self.assembly = Some(Assembly {
                        stream,
                        block: fragment.to_vec(),
                        end_stream,
                        self_dependent,
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
                    return Err(H2Error::conn(
                        ErrorCode::PROTOCOL_ERROR,
                        "CONTINUATION without HEADERS",
                    ));
                };
                a.frames += 1;
                if a.frames > self.cfg.max_continuation_frames {
                    return Err(calm("too many CONTINUATION frames"));
                }
                if a.block.len() + fragment.len() > self.cfg.max_header_block {
                    return Err(calm("header block too large"));
                }
                a.block.extend_from_slice(fragment);
                if end_headers {
                    let Some(a) = self.assembly.take() else {
                        return Ok(());
                    };
                    self.on_header_block(a.stream, &a.block, a.end_stream, a.self_dependent)
                } else {
                    Ok(())
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
                    return Err(H2Error::conn(
                        ErrorCode::PROTOCOL_ERROR,
                        "RST_STREAM on an idle stream",
                    ));
                }
                if self.remove_stream(stream) {
                    self.events.push_back(Event::Reset {
                        stream,
                        code,
                        remote: true,
                    });
                    self.add_debt()?;
                }
                Ok(())
            }
            Frame::Settings { ack: true, .. } => {
                if !self.local_acked {
                    self.local_acked = true;
                    self.decoder
                        .set_limit(self.local.header_table_size as usize);
                    let before = i64::from(self.local.initial_window_size.max(DEFAULT_WINDOW));
                    let delta = i64::from(self.local.initial_window_size) - before;
                    if delta != 0 {
                        for s in self.streams.values_mut() {
                            s.recv_window += delta;
                        }
                    }
                }
                Ok(())
            }
            Frame::Settings {
                ack: false,
                payload,
            } => {
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
                Ok(())
            }
            Frame::PushPromise { .. } => Err(H2Error::conn(
                ErrorCode::PROTOCOL_ERROR,
                "PUSH_PROMISE from a client",
            )),
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
                    return Err(H2Error::conn(
                        ErrorCode::PROTOCOL_ERROR,
                        "WINDOW_UPDATE on an idle stream",
                    ));
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
                if s.blocked && s.send_window.min(conn) > 0 && s.state.local_open() {
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
            return Err(H2Error::conn(
                ErrorCode::PROTOCOL_ERROR,
                "DATA on an idle stream",
            ));
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
            // Counted against the connection all the same (section 6.9), then dropped.
            self.release_conn(u64::from(flow_len));
            if self.recently_reset.contains(&stream) {
                return Ok(());
            }
            return Err(H2Error::stream(
                stream,
                ErrorCode::STREAM_CLOSED,
                "DATA on a closed stream",
            ));
        };
        if !s.state.remote_open() {
            self.release_conn(u64::from(flow_len));
            return Err(H2Error::stream(
                stream,
                ErrorCode::STREAM_CLOSED,
                "DATA after END_STREAM",
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
        // The caller owns what it is handed until it releases it; padding is ours to
        // give back at once.
        s.unreleased += data.len() as u64;
        let pad = u64::from(flow_len) - data.len() as u64;
        s.pending_update += pad;
        s.received += data.len() as u64;
        let cl = s.content_length;
        let received = s.received;
        if pad > 0 {
            self.release_conn(pad);
        }
        if cl.is_some_and(|cl| received > cl || (end_stream && received != cl)) {
            return Err(H2Error::stream(
                stream,
                ErrorCode::PROTOCOL_ERROR,
                "body length differs from content-length",
            ));
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

    fn on_header_block(
        &mut self,
        stream: u32,
        block: &[u8],
        end_stream: bool,
        self_dependent: bool,
    ) -> R {
        // Decoded whatever becomes of the stream: the HPACK table must stay in step.
        let fields = match self
            .decoder
            .decode(block, self.cfg.max_header_list_size as usize)
        {
            Ok(f) => Some(f),
            Err(HpackError::ListTooLarge) => None,
            Err(_) => {
                return Err(H2Error::conn(
                    ErrorCode::COMPRESSION_ERROR,
                    "HPACK decoding failed",
                ))
            }
        };
        if let Some(s) = self.streams.get(&stream) {
            // A second block on an open stream: trailers.
            if !s.state.remote_open() {
                return Err(H2Error::stream(
                    stream,
                    ErrorCode::STREAM_CLOSED,
                    "HEADERS after END_STREAM",
                ));
            }
            let (cl, received) = (s.content_length, s.received);
            let pe = |r| Err(H2Error::stream(stream, ErrorCode::PROTOCOL_ERROR, r));
            if self_dependent {
                return pe("stream depends on itself");
            }
            if !end_stream {
                return pe("trailers without END_STREAM");
            }
            let Some(fields) = fields else {
                return pe("trailers over SETTINGS_MAX_HEADER_LIST_SIZE");
            };
            if let Err(r) = validate_trailers(&fields) {
                return pe(r);
            }
            if cl.is_some_and(|cl| cl != received) {
                return pe("body length differs from content-length");
            }
            self.events.push_back(Event::Trailers { stream, fields });
            self.remote_end(stream);
            return Ok(());
        }
        if !self.is_idle(stream) {
            if self.recently_reset.contains(&stream) {
                return Ok(());
            }
            return Err(H2Error::conn(
                ErrorCode::STREAM_CLOSED,
                "HEADERS on a closed stream",
            ));
        }
        self.last_peer_stream = stream;
        if self.goaway_sent {
            // Above the last stream our GOAWAY promised to serve: ignored (section 6.8).
            return Ok(());
        }
        if self_dependent {
            return Err(H2Error::stream(
                stream,
                ErrorCode::PROTOCOL_ERROR,
                "stream depends on itself",
            ));
        }
        if self.streams.len() >= self.cfg.max_concurrent_streams as usize {
            return Err(H2Error::stream(
                stream,
                ErrorCode::REFUSED_STREAM,
                "over SETTINGS_MAX_CONCURRENT_STREAMS",
            ));
        }
        let Some(fields) = fields else {
            // Section 8.1: a complete response may precede the end of the request.
            let mut block = Vec::new();
            self.encoder
                .encode([(&b":status"[..], &b"431"[..])], &mut block);
            frame::write_header_block(
                &mut self.out,
                stream,
                &block,
                true,
                self.peer.max_frame_size as usize,
            );
            if !end_stream {
                Frame::RstStream {
                    stream,
                    code: ErrorCode::NO_ERROR,
                }
                .write(&mut self.out);
            }
            self.remember_reset(stream);
            return self.add_debt();
        };
        let request = validate_request(fields, self.local.enable_connect_protocol)
            .map_err(|r| H2Error::stream(stream, ErrorCode::PROTOCOL_ERROR, r))?;
        if end_stream && request.content_length.is_some_and(|n| n != 0) {
            return Err(H2Error::stream(
                stream,
                ErrorCode::PROTOCOL_ERROR,
                "content-length without a body",
            ));
        }
        let s = Stream {
            state: if end_stream {
                StreamState::HalfClosedRemote
            } else {
                StreamState::Open
            },
            send_window: i64::from(self.peer.initial_window_size),
            recv_window: self.recv_initial(),
            unreleased: 0,
            pending_update: 0,
            blocked: false,
            content_length: request.content_length,
            received: 0,
        };
        self.streams.insert(stream, s);
        self.events.push_back(Event::Request {
            stream,
            request,
            end_stream,
        });
        if end_stream {
            self.events.push_back(Event::EndOfStream { stream });
        }
        Ok(())
    }
}

impl frame::FrameSink for ServerConn {
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
        ServerConn::fail(self, e)
    }
}

/// Field name characters (RFC 9110 tchar) with upper case excluded (RFC 9113 8.2.1).
fn valid_name(n: &[u8]) -> bool {
    !n.is_empty()
        && n.iter().all(|&c| {
            c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || matches!(
                    c,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Section 8.2.1: no NUL, CR or LF anywhere, no whitespace at either end.
fn valid_value(v: &[u8]) -> bool {
    !v.iter().any(|&c| c == 0 || c == b'\r' || c == b'\n')
        && !v.first().is_some_and(|&c| c == b' ' || c == b'\t')
        && !v.last().is_some_and(|&c| c == b' ' || c == b'\t')
}

fn check_regular(h: &Header) -> Result<(), &'static str> {
    if !valid_name(&h.name) {
        return Err("invalid field name");
    }
    if !valid_value(&h.value) {
        return Err("invalid field value");
    }
    // Section 8.2.2: connection-specific fields do not exist in HTTP/2.
    if matches!(
        &h.name[..],
        b"connection" | b"proxy-connection" | b"keep-alive" | b"transfer-encoding" | b"upgrade"
    ) {
        return Err("connection-specific field");
    }
    if &h.name[..] == b"te" && &h.value[..] != b"trailers" {
        return Err("te other than trailers");
    }
    Ok(())
}

fn validate_trailers(fields: &[Header]) -> Result<(), &'static str> {
    for h in fields {
        if h.name.first() == Some(&b':') {
            return Err("pseudo-header in trailers");
        }
        check_regular(h)?;
    }
    Ok(())
}

/// Section 8.3.1 (and RFC 8441 section 4 for `:protocol`).
pub fn validate_request(
    fields: Vec<Header>,
    connect_protocol: bool,
) -> Result<Request, &'static str> {
    let mut method = None;
    let mut req = Request::default();
    let mut regular = false;
    for h in fields {
        if h.name.first() == Some(&b':') {
            if regular {
                return Err("pseudo-header after a regular field");
            }
            if !valid_value(&h.value) {
                return Err("invalid pseudo-header value");
            }
            let slot = match &h.name[..] {
                b":method" => &mut method,
                b":scheme" => &mut req.scheme,
                b":authority" => &mut req.authority,
                b":path" => &mut req.path,
                b":protocol" if connect_protocol => &mut req.protocol,
                _ => return Err("unknown pseudo-header"),
            };
            if slot.is_some() {
                return Err("repeated pseudo-header");
            }
            *slot = Some(h.value);
            continue;
        }
        regular = true;
        check_regular(&h)?;
        if &h.name[..] == b"content-length" {
            let s = std::str::from_utf8(&h.value).map_err(|_| "bad content-length")?;
            if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
                return Err("bad content-length");
            }
            let n: u64 = s.parse().map_err(|_| "bad content-length")?;
            if req.content_length.is_some_and(|m| m != n) {
                return Err("conflicting content-length");
            }
            req.content_length = Some(n);
        }
        req.fields.push(h);
    }
    req.method = method.ok_or("no :method")?;
    if req.method == b"CONNECT" {
        if req.protocol.is_some() {
            if req.scheme.is_none() || req.path.is_none() || req.authority.is_none() {
                return Err("extended CONNECT without :scheme, :path or :authority");
            }
        } else if req.authority.is_none() || req.scheme.is_some() || req.path.is_some() {
            return Err("CONNECT needs :authority only");
        }
    } else {
        if req.protocol.is_some() {
            return Err(":protocol without CONNECT");
        }
        if req.scheme.is_none() || req.path.as_ref().is_none_or(|p| p.is_empty()) {
            return Err("no :scheme or :path");
        }
    }
    Ok(req)
}

#[cfg(test)]
#[path = "conn_tests.rs"]
mod tests;
