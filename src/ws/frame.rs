//! WebSocket framing (RFC 6455 section 5), sans-IO.
//!
//! Sending side: [`header_len`] and [`write_header`] build a frame header; [`unmask`]
//! (an involution) masks a client payload.
//!
//! Receiving side: [`Rx`] is a small per-connection state machine.  The caller hands it
//! whatever bytes it has read, and it returns one [`RxEvent`] at a time.  Data payloads
//! are unmasked in place inside the caller's buffer and reported as ranges of it: nothing
//! is copied and nothing is allocated per frame.  Only control frame payloads (at most
//! 125 bytes) are copied into `Rx`, so that they can be handed over whole even when they
//! straddle two reads.

use super::utf8::Utf8Validator;

/// Continuation frame.
pub const OP_CONT: u8 = 0;
/// Text data frame.
pub const OP_TEXT: u8 = 1;
/// Binary data frame.
pub const OP_BINARY: u8 = 2;
/// Connection close.
pub const OP_CLOSE: u8 = 8;
/// Ping.
pub const OP_PING: u8 = 9;
/// Pong.
pub const OP_PONG: u8 = 10;

/// Close status codes used by the codec (RFC 6455 section 7.4.1).
pub const CLOSE_NORMAL: u16 = 1000;
pub const CLOSE_PROTOCOL_ERROR: u16 = 1002;
pub const CLOSE_NO_STATUS: u16 = 1005;
pub const CLOSE_INVALID_PAYLOAD: u16 = 1007;
pub const CLOSE_MESSAGE_TOO_BIG: u16 = 1009;

/// Largest control frame payload (RFC 6455 section 5.5).
pub const MAX_CONTROL_PAYLOAD: usize = 125;
/// Largest frame header: 2 + 8 (64-bit length) + 4 (mask).
pub const MAX_HEADER_LEN: usize = 14;

/// XORs whole 64-byte blocks at the start of `body` with the 8-byte pattern `m`; returns
/// how many bytes it did.  SSE2 (part of every x86_64) does 16 bytes per instruction;
/// AVX2, where the CPU has it, 32 bytes per instruction and with the load folded into
/// the XOR (VEX encodings accept unaligned memory operands), so a 512-byte message
/// costs about a third of the instructions.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn xor_blocks(body: &mut [u8], m: u64) -> usize {
    if body.len() >= 64 && std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { xor_blocks_avx2(body, m) };
    }
    xor_blocks_sse2(body, m)
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn xor_blocks_sse2(body: &mut [u8], m: u64) -> usize {
    use core::arch::x86_64::*;
    let n = body.len() / 64 * 64;
    let p = body.as_mut_ptr();
    // SAFETY: SSE2 is in the x86_64 baseline; the unaligned loads and stores stay inside
    // body[..n] (i + 64 <= n <= body.len()).
    unsafe {
        let mv = _mm_set1_epi64x(m as i64);
        let mut i = 0;
        while i < n {
            let q = p.add(i) as *mut __m128i;
            let a = _mm_loadu_si128(q);
            let b = _mm_loadu_si128(q.add(1));
            let c = _mm_loadu_si128(q.add(2));
            let d = _mm_loadu_si128(q.add(3));
            _mm_storeu_si128(q, _mm_xor_si128(a, mv));
            _mm_storeu_si128(q.add(1), _mm_xor_si128(b, mv));
            _mm_storeu_si128(q.add(2), _mm_xor_si128(c, mv));
            _mm_storeu_si128(q.add(3), _mm_xor_si128(d, mv));
            i += 64;
        }
    }
    n
}

/// The AVX2 variant of [`xor_blocks`]: 256 bytes per iteration, then 128, then 64 (a
/// 512-byte message is two iterations).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn xor_blocks_avx2(body: &mut [u8], m: u64) -> usize {
    use core::arch::x86_64::*;
    let len = body.len();
    let p = body.as_mut_ptr();
    let mv = _mm256_set1_epi64x(m as i64);
    let mut i = 0;
    // XORs the `N` 32-byte vectors at p[i..i + 32 * N].
    #[inline(always)]
    unsafe fn run<const N: usize>(p: *mut u8, i: usize, mv: __m256i) {
        let q = p.add(i) as *mut __m256i;
        for k in 0..N {
            // SAFETY: the caller keeps p[i..i + 32 * N] inside the buffer.
            unsafe {
                _mm256_storeu_si256(q.add(k), _mm256_xor_si256(_mm256_loadu_si256(q.add(k)), mv))
            };
        }
    }
    // SAFETY: unaligned loads and stores inside body[..len]: each step touches
    // p[i..i + 32 * N] only when that range ends at or before len.
    unsafe {
        while i + 256 <= len {
            run::<8>(p, i, mv);
            i += 256;
        }
        if i + 128 <= len {
            run::<4>(p, i, mv);
            i += 128;
        }
        if i + 64 <= len {
            run::<2>(p, i, mv);
            i += 64;
        }
    }
    i
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn xor_blocks(_body: &mut [u8], _m: u64) -> usize {
    0
}

/// XORs `data` in place with the masking key, starting at index `phase` (0..4) of `mask`
/// for `data[0]`; returns the phase of the byte that follows `data`, so that a payload
/// split across calls unmasks correctly.  Masking and unmasking are the same operation.
///
/// Whole 64-byte blocks (vector XORs), then 8-byte words, then at most 7 bytes: every
/// block and word starts at the same mask phase, as 8 is a multiple of 4.  Loads are
/// unaligned; on x86_64 that costs nothing, and aligning first cost more per message.
pub fn unmask(data: &mut [u8], mask: [u8; 4], phase: usize) -> usize {
    unmask_inline(data, mask, phase)
}

/// [`unmask`], inlined where it is on the per-message path.
#[inline(always)]
fn unmask_inline(data: &mut [u8], mask: [u8; 4], phase: usize) -> usize {
    let phase = phase & 3;
    // The pattern is the mask rotated by `phase`, twice: one rotate, no byte loop.
    let m32 = u32::from_ne_bytes(mask);
    let rot = if cfg!(target_endian = "little") {
        m32.rotate_right(8 * phase as u32)
    } else {
        m32.rotate_left(8 * phase as u32)
    };
    let m = u64::from(rot) | (u64::from(rot) << 32);
    let done = xor_blocks(data, m);
    if done < data.len() {
        xor_tail(&mut data[done..], m);
    }
    (phase + data.len()) & 3
}

/// What [`xor_blocks`] left (under 64 bytes, or all of a short payload): 8-byte words,
/// then at most 7 bytes.
#[inline(never)]
fn xor_tail(data: &mut [u8], m: u64) {
    let mut words = data.chunks_exact_mut(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        w.copy_from_slice(&(u64::from_ne_bytes(a) ^ m).to_ne_bytes());
    }
    for (b, k) in words.into_remainder().iter_mut().zip(m.to_ne_bytes()) {
        *b ^= k;
    }
}

/// Length of the header for a frame of `payload_len` bytes: 2, 4 or 10, plus 4 when masked.
pub fn header_len(payload_len: u64, masked: bool) -> usize {
    let base = if payload_len <= 125 {
        2
    } else if payload_len <= 0xffff {
        4
    } else {
        10
    };
    base + if masked { 4 } else { 0 }
}

/// Writes a frame header into `dst[..n]` and returns `n` (== [`header_len`]).  The length
/// uses the minimal encoding.  `opcode` is taken modulo 16; RSV bits are zero.  `dst` must
/// hold at least `n` bytes (14 always suffices); `payload_len` must be below 2^63.
#[inline(always)]
pub fn write_header(
    dst: &mut [u8],
    fin: bool,
    opcode: u8,
    payload_len: u64,
    mask: Option<[u8; 4]>,
) -> usize {
    debug_assert!(payload_len >> 63 == 0, "frame length must be < 2^63");
    let mbit = if mask.is_some() { 0x80 } else { 0 };
    dst[0] = (u8::from(fin) << 7) | (opcode & 0x0f);
    let mut n = if payload_len <= 125 {
        dst[1] = mbit | payload_len as u8;
        2
    } else if payload_len <= 0xffff {
        dst[1] = mbit | 126;
        dst[2..4].copy_from_slice(&(payload_len as u16).to_be_bytes());
        4
    } else {
        dst[1] = mbit | 127;
        dst[2..10].copy_from_slice(&payload_len.to_be_bytes());
        10
    };
    if let Some(m) = mask {
        dst[n..n + 4].copy_from_slice(&m);
        n += 4;
    }
    n
}

/// True for close codes an endpoint may put on the wire (RFC 6455 section 7.4).
pub fn close_code_valid(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1011 | 3000..=4999)
}

/// Validates a received close payload.  Empty: `Ok((1005, b""))` (no status).  Otherwise
/// the 2-byte big-endian code and the reason.  `Err(1002)` for a 1-byte payload or a
/// code not allowed on the wire; `Err(1007)` for a reason that is not UTF-8.
pub fn parse_close_payload(p: &[u8]) -> Result<(u16, &[u8]), u16> {
    match p {
        [] => Ok((CLOSE_NO_STATUS, &[])),
        [_] => Err(CLOSE_PROTOCOL_ERROR),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !close_code_valid(code) {
                return Err(CLOSE_PROTOCOL_ERROR);
            }
            let mut v = Utf8Validator::new();
            if !(v.feed(reason) && v.is_complete()) {
                return Err(CLOSE_INVALID_PAYLOAD);
            }
            Ok((code, reason))
        }
    }
}

/// Receiver configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RxConfig {
    /// Server: true (clients must mask).  Client: false (servers must not).
    pub expect_masked: bool,
    /// When > 0, the most payload bytes a single `Data` event carries.  0: no limit.
    pub max_chunk: usize,
    /// Check that TEXT messages are UTF-8 (1007 otherwise).
    pub validate_utf8: bool,
    /// When > 0, the largest total message size; a larger one fails with 1009.
    pub max_message: u64,
}

impl Default for RxConfig {
    /// Server side, no chunk or message limit, UTF-8 validated.
    fn default() -> Self {
        RxConfig {
            expect_masked: true,
            max_chunk: 0,
            validate_utf8: true,
            max_message: 0,
        }
    }
}

/// What [`Rx::next`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RxEvent {
    /// Payload bytes of a TEXT/BINARY/CONTINUATION frame, already unmasked in place at
    /// `buf[start..start + len]`.  A zero-length data frame still yields one `Data` event
    /// with `len` 0.
    Data {
        start: usize,
        len: usize,
        /// The message is BINARY (else TEXT); continuation frames inherit it.
        binary: bool,
        /// First chunk of the message.
        message_first: bool,
        /// First chunk of this frame.
        frame_first: bool,
        /// This frame has FIN (the message ends with this frame).
        frame_fin: bool,
        /// Bytes of this frame still to come after this chunk.  `frame_fin && remaining
        /// == 0` marks the last chunk of the message.
        remaining: u64,
    },
    /// A complete ping; its payload is [`Rx::control_payload`].
    Ping,
    /// A complete pong; its payload is [`Rx::control_payload`].
    Pong,
    /// A complete close frame; its payload is [`Rx::control_payload`] (see
    /// [`parse_close_payload`]).
    Close,
    /// Everything in `buf[*pos..]` was consumed (partial header bytes are kept in `Rx`).
    NeedMore,
    /// The peer violated the protocol; the connection must be failed with `code`.  `Rx`
    /// stays failed: later calls return the same error.
    Error { code: u16, reason: &'static str },
}

/// Why a connection failed.  One byte in `Rx`, expanded to (code, reason) on report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fail {
    Rsv,
    Opcode,
    ControlFragmented,
    ControlTooLong,
    NoMessage,
    MessageInProgress,
    Unmasked,
    Masked,
    Length,
    TooBig,
    Utf8,
}

impl Fail {
    fn event(self) -> RxEvent {
        let (code, reason) = match self {
            Fail::Rsv => (CLOSE_PROTOCOL_ERROR, "reserved bits set"),
            Fail::Opcode => (CLOSE_PROTOCOL_ERROR, "unknown opcode"),
            Fail::ControlFragmented => (CLOSE_PROTOCOL_ERROR, "fragmented control frame"),
            Fail::ControlTooLong => (CLOSE_PROTOCOL_ERROR, "control frame payload over 125"),
            Fail::NoMessage => (CLOSE_PROTOCOL_ERROR, "continuation without a message"),
            Fail::MessageInProgress => (
                CLOSE_PROTOCOL_ERROR,
                "new message inside a fragmented message",
            ),
            Fail::Unmasked => (CLOSE_PROTOCOL_ERROR, "unmasked frame from client"),
            Fail::Masked => (CLOSE_PROTOCOL_ERROR, "masked frame from server"),
            Fail::Length => (CLOSE_PROTOCOL_ERROR, "frame length has the top bit set"),
            Fail::TooBig => (CLOSE_MESSAGE_TOO_BIG, "message too big"),
            Fail::Utf8 => (CLOSE_INVALID_PAYLOAD, "invalid UTF-8 in text message"),
        };
        RxEvent::Error { code, reason }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between frames: (accumulating) a header.
    Header,
    /// Inside a data frame's payload.
    Data,
    /// Inside a control frame's payload (being copied into `Rx::buf`).
    Control,
    Failed(Fail),
}

/// Streaming frame receiver, one per connection.
///
/// Call [`next`](Rx::next) repeatedly until it returns `NeedMore` or `Error`.  The caller
/// may stop after any event and resume later, either with the same buffer and position or
/// with a different buffer holding the unconsumed tail: `Rx` never refers back to bytes
/// before `*pos`.
#[derive(Clone, Debug)]
pub struct Rx {
    cfg: RxConfig,
    /// Payload bytes left in the current data or control frame.
    remaining: u64,
    /// Payload bytes announced so far for the current message (for `max_message`).
    msg_len: u64,
    utf8: Utf8Validator,
    mask: [u8; 4],
    /// Holds a header split across calls, or a control frame's payload (never both at
    /// once: a header is complete before its payload starts, and the previous control
    /// payload is dead once the next header starts arriving).
    buf: [u8; MAX_CONTROL_PAYLOAD],
    /// Bytes filled in `buf`: of the header in `Header`, of the payload in `Control`.
    fill: u8,
    /// Length of the control payload (valid in `buf[..ctrl_len]` after a control event).
    ctrl_len: u8,
    state: State,
    /// Current frame.
    opcode: u8,
    fin: bool,
    masked: bool,
    /// Mask index of the next payload byte.
    phase: u8,
    frame_first: bool,
    /// Current message.
    msg_active: bool,
    msg_binary: bool,
    msg_first: bool,
    /// permessage-deflate is in use: RSV1 may start a data message.
    rsv1_allowed: bool,
    /// The current message has RSV1 (compressed): its payload is not UTF-8 yet.
    msg_rsv1: bool,
}

impl Rx {
    pub fn new(cfg: RxConfig) -> Self {
        Rx {
            cfg,
            remaining: 0,
            msg_len: 0,
            utf8: Utf8Validator::new(),
            mask: [0; 4],
            buf: [0; MAX_CONTROL_PAYLOAD],
            fill: 0,
            ctrl_len: 0,
            state: State::Header,
            opcode: 0,
            fin: false,
            masked: false,
            phase: 0,
            frame_first: false,
            msg_active: false,
            msg_binary: false,
            msg_first: false,
            rsv1_allowed: false,
            msg_rsv1: false,
        }
    }

    /// permessage-deflate was negotiated: a data message's first frame may carry RSV1
    /// (RFC 7692 section 6); anywhere else RSV1 stays a protocol error.
    pub fn allow_rsv1(&mut self) {
        self.rsv1_allowed = true;
    }

    /// Gives back the last `n` payload bytes of the `Data` event just returned (which
    /// ended at `*pos`): they are masked again in `buf` and `*pos` moves back, so the
    /// same bytes, kept by the caller, are parsed again later as the rest of the frame
    /// (not as a message or frame start).  For a receiver that must stop in the middle of
    /// an event: permessage-deflate under rx flow control.
    pub fn unconsume(&mut self, buf: &mut [u8], pos: &mut usize, n: usize) {
        if n == 0 || n > *pos {
            return;
        }
        if self.state == State::Header {
            // The event ended its frame (and with FIN its message): back inside it.
            self.state = State::Data;
            if self.fin {
                self.msg_active = true;
            }
        }
        self.remaining += n as u64;
        let phase = (usize::from(self.phase) + 4 - n % 4) % 4;
        if self.masked {
            unmask(&mut buf[*pos - n..*pos], self.mask, phase);
        }
        self.phase = phase as u8;
        *pos -= n;
    }

    /// Whether the message of the last `Data` event came with RSV1 (compressed).  Its
    /// payload is then not checked as UTF-8 here: the inflated bytes are.
    #[inline(always)]
    pub fn message_rsv1(&self) -> bool {
        self.msg_rsv1
    }

    /// The configuration given to `new`.
    pub fn config(&self) -> &RxConfig {
        &self.cfg
    }

    /// The unmasked payload of the control frame just reported (`Ping`, `Pong` or
    /// `Close`).  Valid until the next call to `next`; empty at other times.
    pub fn control_payload(&self) -> &[u8] {
        if self.state == State::Header {
            &self.buf[..usize::from(self.ctrl_len)]
        } else {
            &[]
        }
    }

    /// Payload bytes left in the current data frame (0 between frames).
    pub fn remaining(&self) -> u64 {
        if self.state == State::Data {
            self.remaining
        } else {
            0
        }
    }

    /// True while a data message has begun and its last byte has not yet been delivered:
    /// in particular between the fragments of a fragmented message, where control frames
    /// may arrive.
    pub fn in_message(&self) -> bool {
        self.msg_active
    }

    /// True once a protocol error has been reported.
    pub fn is_failed(&self) -> bool {
        matches!(self.state, State::Failed(_))
    }

    fn fail(&mut self, f: Fail) -> RxEvent {
        self.state = State::Failed(f);
        f.event()
    }

    /// Checks the first two header bytes and returns the header's total length.  Called
    /// as soon as two bytes are present, so bad frames fail before their extended length
    /// arrives.
    fn check_start(&self, b0: u8, b1: u8) -> Result<usize, Fail> {
        let fin = b0 & 0x80 != 0;
        let opcode = b0 & 0x0f;
        if b0 & 0x70 != 0
            && !(b0 & 0x70 == 0x40
                && self.rsv1_allowed
                && (opcode == OP_TEXT || opcode == OP_BINARY))
        {
            return Err(Fail::Rsv);
        }
        let masked = b1 & 0x80 != 0;
        let len7 = b1 & 0x7f;
        match opcode {
            OP_CONT => {
                if !self.msg_active {
                    return Err(Fail::NoMessage);
                }
            }
            OP_TEXT | OP_BINARY => {
                if self.msg_active {
                    return Err(Fail::MessageInProgress);
                }
            }
            OP_CLOSE | OP_PING | OP_PONG => {
                if !fin {
                    return Err(Fail::ControlFragmented);
                }
                if len7 > 125 {
                    return Err(Fail::ControlTooLong);
                }
            }
            _ => return Err(Fail::Opcode),
        }
        if masked != self.cfg.expect_masked {
            return Err(if masked { Fail::Masked } else { Fail::Unmasked });
        }
        let ext = match len7 {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        Ok(2 + ext + if masked { 4 } else { 0 })
    }

    /// Starts the frame whose complete header (already passed through `check_start`) is
    /// `h`.  Returns the event for an empty control frame, which is complete at once.
    fn start_frame(&mut self, h: &[u8]) -> Result<Option<RxEvent>, Fail> {
        let fin = h[0] & 0x80 != 0;
        let opcode = h[0] & 0x0f;
        let masked = h[1] & 0x80 != 0;
        let (len, at) = match h[1] & 0x7f {
            126 => (u64::from(u16::from_be_bytes([h[2], h[3]])), 4),
            127 => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&h[2..10]);
                let len = u64::from_be_bytes(b);
                if len >> 63 != 0 {
                    return Err(Fail::Length);
                }
                (len, 10)
            }
            l => (u64::from(l), 2),
        };
        if masked {
            self.mask.copy_from_slice(&h[at..at + 4]);
        }
        self.opcode = opcode;
        self.fin = fin;
        self.masked = masked;
        self.phase = 0;
        self.remaining = len;
        self.fill = 0;
        // The previous control payload is stale from here on.
        self.ctrl_len = 0;
        if opcode >= OP_CLOSE {
            // check_start bounded it to 125.
            self.ctrl_len = len as u8;
            if len == 0 {
                return Ok(Some(self.control_event()));
            }
            self.state = State::Control;
            return Ok(None);
        }
        if opcode != OP_CONT {
            self.msg_active = true;
            self.msg_binary = opcode == OP_BINARY;
            self.msg_first = true;
            self.msg_len = 0;
            self.msg_rsv1 = h[0] & 0x40 != 0;
            self.utf8.reset();
        }
        self.msg_len = self.msg_len.saturating_add(len);
        if self.cfg.max_message > 0 && self.msg_len > self.cfg.max_message {
            return Err(Fail::TooBig);
        }
        self.frame_first = true;
        self.state = State::Data;
        Ok(None)
    }

    fn control_event(&self) -> RxEvent {
        match self.opcode {
            OP_PING => RxEvent::Ping,
            OP_PONG => RxEvent::Pong,
            _ => RxEvent::Close,
        }
    }

    /// Advances over `buf` from `*pos` and returns the next event, moving `*pos` past
    /// what was consumed.  Data payloads are unmasked in place in `buf`.
    #[inline]
    pub fn next(&mut self, buf: &mut [u8], pos: &mut usize) -> RxEvent {
        if self.state == State::Header && self.fill == 0 && !self.msg_active {
            if let Some(ev) = self.whole_message(buf, pos) {
                return ev;
            }
        }
        self.next_general(buf, pos)
    }

    /// The common case in one step: a complete unfragmented TEXT or BINARY message of at
    /// most 64 KiB lies whole in `buf[*pos..]`, between messages.  Header checks, unmask
    /// and (for TEXT) UTF-8 validation of the whole payload at once, one `Data` event;
    /// the state is left exactly as [`next_general`](Self::next_general) would leave it
    /// (between frames, no message).  `None`: anything else (control frames,
    /// fragments, 64-bit lengths, a frame not fully read, a payload above `max_chunk` or
    /// `max_message`, a header the general path must reject), which the general path
    /// then handles from the same position.
    #[inline(always)]
    fn whole_message(&mut self, buf: &mut [u8], pos: &mut usize) -> Option<RxEvent> {
        let at = *pos;
        let rest = buf.get_mut(at..)?;
        let (&b0, &b1) = (rest.first()?, rest.get(1)?);
        // FIN, no RSV bits, TEXT or BINARY.
        if b0 != 0x80 | OP_TEXT && b0 != 0x80 | OP_BINARY {
            return None;
        }
        let masked = b1 & 0x80 != 0;
        if masked != self.cfg.expect_masked {
            return None;
        }
        let (len, ext) = match b1 & 0x7f {
            127 => return None,
            126 => (
                usize::from(u16::from_be_bytes([*rest.get(2)?, *rest.get(3)?])),
                2,
            ),
            l => (usize::from(l), 0),
        };
        let hl = 2 + ext + if masked { 4 } else { 0 };
        if rest.len() < hl + len
            || (self.cfg.max_chunk > 0 && len > self.cfg.max_chunk)
            || (self.cfg.max_message > 0 && len as u64 > self.cfg.max_message)
        {
            return None;
        }
        let (head, tail) = rest.split_at_mut(hl);
        let payload = &mut tail[..len];
        if masked {
            let k = 2 + ext;
            unmask_inline(payload, [head[k], head[k + 1], head[k + 2], head[k + 3]], 0);
        }
        *pos = at + hl + len;
        // A control payload reported before is stale from here on.
        self.ctrl_len = 0;
        self.msg_rsv1 = false;
        let binary = b0 & 0x0f == OP_BINARY;
        if !binary && self.cfg.validate_utf8 {
            let mut v = Utf8Validator::new();
            if !(v.feed(payload) && v.is_complete()) {
                return Some(self.fail(Fail::Utf8));
            }
        }
        Some(RxEvent::Data {
            start: at + hl,
            len,
            binary,
            message_first: true,
            frame_first: true,
            frame_fin: true,
            remaining: 0,
        })
    }

    /// Every other case, one event at a time.
    fn next_general(&mut self, buf: &mut [u8], pos: &mut usize) -> RxEvent {
        loop {
            debug_assert!(*pos <= buf.len());
            match self.state {
                State::Failed(f) => return f.event(),
                State::Header => {
                    let avail = buf.len() - *pos;
                    if self.fill == 0 && avail >= 2 {
                        // Fast path: the whole header is usually in `buf`.
                        let total = match self.check_start(buf[*pos], buf[*pos + 1]) {
                            Ok(t) => t,
                            Err(f) => return self.fail(f),
                        };
                        if avail >= total {
                            let h = &buf[*pos..*pos + total];
                            *pos += total;
                            match self.start_frame(h) {
                                Ok(Some(ev)) => return ev,
                                Ok(None) => continue,
                                Err(f) => return self.fail(f),
                            }
                        }
                    }
                    if avail == 0 {
                        return RxEvent::NeedMore;
                    }
                    // Slow path: gather the header in `buf` (the previous control payload
                    // there is dead now).
                    self.ctrl_len = 0;
                    if self.fill < 2 {
                        self.take_header_bytes(buf, pos, 2);
                        if self.fill < 2 {
                            return RxEvent::NeedMore;
                        }
                    }
                    let total = match self.check_start(self.buf[0], self.buf[1]) {
                        Ok(t) => t,
                        Err(f) => return self.fail(f),
                    };
                    self.take_header_bytes(buf, pos, total);
                    if usize::from(self.fill) < total {
                        return RxEvent::NeedMore;
                    }
                    let mut h = [0u8; MAX_HEADER_LEN];
                    h[..total].copy_from_slice(&self.buf[..total]);
                    match self.start_frame(&h[..total]) {
                        Ok(Some(ev)) => return ev,
                        Ok(None) => continue,
                        Err(f) => return self.fail(f),
                    }
                }
                State::Control => {
                    let have = usize::from(self.fill);
                    let want = usize::from(self.ctrl_len) - have;
                    let n = want.min(buf.len() - *pos);
                    let dst = &mut self.buf[have..have + n];
                    dst.copy_from_slice(&buf[*pos..*pos + n]);
                    if self.masked {
                        self.phase = unmask(dst, self.mask, usize::from(self.phase)) as u8;
                    }
                    *pos += n;
                    self.fill += n as u8;
                    if n < want {
                        return RxEvent::NeedMore;
                    }
                    self.fill = 0;
                    self.remaining = 0;
                    self.state = State::Header;
                    return self.control_event();
                }
                State::Data => return self.data(buf, pos),
            }
        }
    }

    /// Copies header bytes from `buf` into `self.buf` until `upto` are held.
    fn take_header_bytes(&mut self, buf: &[u8], pos: &mut usize, upto: usize) {
        let have = usize::from(self.fill);
        let n = upto.saturating_sub(have).min(buf.len() - *pos);
        self.buf[have..have + n].copy_from_slice(&buf[*pos..*pos + n]);
        *pos += n;
        self.fill += n as u8;
    }

    /// One chunk of data payload: as much as is present, up to `max_chunk`.
    fn data(&mut self, buf: &mut [u8], pos: &mut usize) -> RxEvent {
        let avail = buf.len() - *pos;
        // Fits in usize: bounded by `avail`.
        let mut n = self.remaining.min(avail as u64) as usize;
        if self.cfg.max_chunk > 0 {
            n = n.min(self.cfg.max_chunk);
        }
        if n == 0 && self.remaining > 0 {
            return RxEvent::NeedMore;
        }
        let start = *pos;
        let chunk = &mut buf[start..start + n];
        if self.masked {
            self.phase = unmask(chunk, self.mask, usize::from(self.phase)) as u8;
        }
        *pos += n;
        self.remaining -= n as u64;
        let text = !self.msg_binary && self.cfg.validate_utf8 && !self.msg_rsv1;
        if text && !self.utf8.feed(chunk) {
            return self.fail(Fail::Utf8);
        }
        let frame_done = self.remaining == 0;
        if text && frame_done && self.fin && !self.utf8.is_complete() {
            return self.fail(Fail::Utf8);
        }
        let ev = RxEvent::Data {
            start,
            len: n,
            binary: self.msg_binary,
            message_first: self.msg_first,
            frame_first: self.frame_first,
            frame_fin: self.fin,
            remaining: self.remaining,
        };
        self.msg_first = false;
        self.frame_first = false;
        if frame_done {
            self.state = State::Header;
            if self.fin {
                self.msg_active = false;
            }
        }
        ev
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tiny deterministic PRNG for the randomised tests.
    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

    fn server() -> RxConfig {
        RxConfig::default()
    }

    fn client() -> RxConfig {
        RxConfig {
            expect_masked: false,
            ..RxConfig::default()
        }
    }

    /// Builds a frame with a naive masking loop (independent of `unmask`).
    fn frame(fin: bool, op: u8, payload: &[u8], mask: Option<[u8; 4]>) -> Vec<u8> {
        let mut h = [0u8; 14];
        let n = write_header(&mut h, fin, op, payload.len() as u64, mask);
        let mut v = h[..n].to_vec();
        for (i, b) in payload.iter().enumerate() {
            v.push(b ^ mask.map_or(0, |m| m[i % 4]));
        }
        v
    }

    fn cframe(fin: bool, op: u8, payload: &[u8]) -> Vec<u8> {
        frame(fin, op, payload, Some(MASK))
    }

    /// An event with its data copied out, for comparisons.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Ev {
        Data {
            bytes: Vec<u8>,
            binary: bool,
            message_first: bool,
            frame_first: bool,
            frame_fin: bool,
            remaining: u64,
        },
        Ping(Vec<u8>),
        Pong(Vec<u8>),
        Close(Vec<u8>),
        Error(u16),
    }

    /// Runs `rx` over one buffer until NeedMore/Error, collecting events.
    fn drain(rx: &mut Rx, input: &[u8], out: &mut Vec<Ev>) -> bool {
        let mut buf = input.to_vec();
        let mut pos = 0;
        loop {
            let ev = rx.next(&mut buf, &mut pos);
            assert!(pos <= buf.len());
            match ev {
                RxEvent::Data {
                    start,
                    len,
                    binary,
                    message_first,
                    frame_first,
                    frame_fin,
                    remaining,
                } => {
                    assert_eq!(start + len, pos, "data ends at the new position");
                    assert_eq!(rx.remaining(), remaining);
                    out.push(Ev::Data {
                        bytes: buf[start..start + len].to_vec(),
                        binary,
                        message_first,
                        frame_first,
                        frame_fin,
                        remaining,
                    })
                }
                RxEvent::Ping => out.push(Ev::Ping(rx.control_payload().to_vec())),
                RxEvent::Pong => out.push(Ev::Pong(rx.control_payload().to_vec())),
                RxEvent::Close => out.push(Ev::Close(rx.control_payload().to_vec())),
                RxEvent::NeedMore => {
                    assert_eq!(pos, buf.len());
                    return true;
                }
                RxEvent::Error { code, reason } => {
                    assert!(!reason.is_empty());
                    out.push(Ev::Error(code));
                    // Sticky.
                    assert_eq!(rx.next(&mut buf, &mut pos), RxEvent::Error { code, reason });
                    assert!(rx.is_failed());
                    return false;
                }
            }
        }
    }

    fn run(cfg: RxConfig, chunks: &[&[u8]]) -> Vec<Ev> {
        let mut rx = Rx::new(cfg);
        let mut out = Vec::new();
        for c in chunks {
            if !drain(&mut rx, c, &mut out) {
                break;
            }
        }
        out
    }

    /// Merges adjacent data chunks of the same message into whole messages, and returns
    /// (binary, bytes) per message plus control events, so that differently split inputs
    /// can be compared.
    fn messages(evs: &[Ev]) -> Vec<Ev> {
        let mut out: Vec<Ev> = Vec::new();
        let mut cur: Option<(bool, Vec<u8>)> = None;
        for e in evs {
            match e {
                Ev::Data {
                    bytes,
                    binary,
                    message_first,
                    frame_fin,
                    remaining,
                    ..
                } => {
                    if *message_first {
                        assert!(cur.is_none());
                        cur = Some((*binary, Vec::new()));
                    }
                    let c = cur.as_mut().expect("data outside a message");
                    assert_eq!(c.0, *binary);
                    c.1.extend_from_slice(bytes);
                    if *frame_fin && *remaining == 0 {
                        let (binary, bytes) = cur.take().unwrap();
                        out.push(Ev::Data {
                            bytes,
                            binary,
                            message_first: true,
                            frame_first: true,
                            frame_fin: true,
                            remaining: 0,
                        });
                    }
                }
                other => out.push(other.clone()),
            }
        }
        assert!(cur.is_none(), "unfinished message");
        out
    }

    fn msg(binary: bool, bytes: &[u8]) -> Ev {
        Ev::Data {
            bytes: bytes.to_vec(),
            binary,
            message_first: true,
            frame_first: true,
            frame_fin: true,
            remaining: 0,
        }
    }

    fn err_code(evs: &[Ev]) -> Option<u16> {
        match evs.last() {
            Some(Ev::Error(c)) => Some(*c),
            _ => None,
        }
    }

    /// The whole messages and control frames before an error, and the error.  A
    /// message cut short by the error is dropped: where it stops depends on the split.
    fn settled(evs: &[Ev]) -> (Vec<Ev>, Option<u16>) {
        let err = err_code(evs);
        let mut upto = evs.len() - usize::from(err.is_some());
        // Back off over the data of an unfinished message.
        while upto > 0 {
            match &evs[upto - 1] {
                Ev::Data {
                    frame_fin: true,
                    remaining: 0,
                    ..
                } => break,
                Ev::Data { .. } => upto -= 1,
                _ => break,
            }
        }
        (messages(&evs[..upto]), err)
    }

    /// The one-step path for whole messages gives exactly the events the general path
    /// gives for the same frames fed a byte at a time: sizes around every length
    /// encoding and vector block, TEXT (valid and not) and BINARY, both roles, and the
    /// limits that send a whole message to the general path.
    #[test]
    fn whole_message_path_matches_general_path() {
        let configs = [
            server(),
            client(),
            RxConfig {
                max_chunk: 100,
                ..server()
            },
            RxConfig {
                max_message: 300,
                ..server()
            },
            RxConfig {
                validate_utf8: false,
                ..server()
            },
        ];
        let sizes = [
            0, 1, 7, 8, 63, 64, 65, 125, 126, 127, 128, 200, 300, 512, 1000, 65535,
        ];
        for cfg in configs {
            let mask = cfg.expect_masked.then_some(MASK);
            for &n in &sizes {
                for (op, byte) in [(OP_BINARY, 0xffu8), (OP_TEXT, b'a'), (OP_TEXT, 0xc0)] {
                    let mut payload: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
                    if op == OP_TEXT {
                        payload = vec![b'x'; n];
                    }
                    if let Some(last) = payload.last_mut() {
                        *last = byte;
                    }
                    // Two messages and a ping after them, all in one buffer.
                    let mut input = frame(true, op, &payload, mask);
                    input.extend(frame(true, OP_BINARY, &payload, mask));
                    input.extend(frame(true, OP_PING, b"p", mask));
                    let whole = run(cfg, &[&input]);
                    let bytes: Vec<&[u8]> = input.chunks(1).collect();
                    let split = run(cfg, &bytes);
                    assert_eq!(
                        settled(&whole),
                        settled(&split),
                        "{cfg:?} {n} {op} {byte:x}"
                    );
                }
            }
        }
    }

    // ---- unmask / header helpers -------------------------------------------------

    #[test]
    fn unmask_matches_naive() {
        let mut r = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut storage = vec![0u8; 300];
        for _ in 0..5000 {
            let off = r.below(16);
            let len = r.below(260);
            let phase = r.below(4);
            let mask = (r.next() as u32).to_ne_bytes();
            for b in storage.iter_mut() {
                *b = r.next() as u8;
            }
            let orig = storage.clone();
            let got = unmask(&mut storage[off..off + len], mask, phase);
            assert_eq!(got, (phase + len) % 4);
            for i in 0..storage.len() {
                let expect = if i >= off && i < off + len {
                    orig[i] ^ mask[(phase + i - off) % 4]
                } else {
                    orig[i]
                };
                assert_eq!(
                    storage[i], expect,
                    "off {off} len {len} phase {phase} i {i}"
                );
            }
        }
    }

    #[test]
    fn unmask_split_carries_phase() {
        let data: Vec<u8> = (0..=255u8).collect();
        let mut whole = data.clone();
        unmask(&mut whole, MASK, 0);
        for cut1 in 0..40 {
            for cut2 in cut1..80 {
                let mut v = data.clone();
                let p = unmask(&mut v[..cut1], MASK, 0);
                let p = unmask(&mut v[cut1..cut2], MASK, p);
                unmask(&mut v[cut2..], MASK, p);
                assert_eq!(v, whole);
            }
        }
        // Involution.
        unmask(&mut whole, MASK, 0);
        assert_eq!(whole, data);
        assert_eq!(unmask(&mut [], MASK, 3), 3);
    }

    #[test]
    fn header_lengths() {
        assert_eq!(header_len(0, false), 2);
        assert_eq!(header_len(125, false), 2);
        assert_eq!(header_len(126, false), 4);
        assert_eq!(header_len(65535, false), 4);
        assert_eq!(header_len(65536, false), 10);
        assert_eq!(header_len(u64::MAX >> 1, false), 10);
        assert_eq!(header_len(0, true), 6);
        assert_eq!(header_len(126, true), 8);
        assert_eq!(header_len(1 << 40, true), 14);
    }

    #[test]
    fn write_header_bytes() {
        let mut d = [0u8; 14];
        assert_eq!(write_header(&mut d, true, OP_TEXT, 5, None), 2);
        assert_eq!(&d[..2], &[0x81, 0x05]);
        assert_eq!(write_header(&mut d, false, OP_BINARY, 126, None), 4);
        assert_eq!(&d[..4], &[0x02, 126, 0x00, 126]);
        assert_eq!(write_header(&mut d, true, OP_PING, 65535, None), 4);
        assert_eq!(&d[..4], &[0x89, 126, 0xff, 0xff]);
        assert_eq!(write_header(&mut d, true, OP_BINARY, 65536, None), 10);
        assert_eq!(&d[..10], &[0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
        assert_eq!(
            write_header(&mut d, true, OP_TEXT, 5, Some([1, 2, 3, 4])),
            6
        );
        assert_eq!(&d[..6], &[0x81, 0x85, 1, 2, 3, 4]);
        assert_eq!(
            write_header(&mut d, false, OP_CONT, 1 << 40, Some([9, 8, 7, 6])),
            14
        );
        assert_eq!(&d, &[0x00, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 9, 8, 7, 6]);
        // Exactly 14 bytes is enough.
        let mut tight = [0u8; 14];
        write_header(&mut tight, true, OP_BINARY, u64::MAX >> 1, Some(MASK));
    }

    #[test]
    fn rfc_examples() {
        // RFC 6455 section 5.7.
        let hello = b"Hello";
        assert_eq!(
            run(client(), &[&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]]),
            vec![msg(false, hello)]
        );
        let mut masked = vec![
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        assert_eq!(masked, cframe(true, OP_TEXT, hello));
        assert_eq!(run(server(), &[&masked]), vec![msg(false, hello)]);
        // Fragmented unmasked text.
        assert_eq!(
            messages(&run(
                client(),
                &[&[0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]]
            )),
            vec![msg(false, hello)]
        );
        // Unmasked ping / masked pong.
        assert_eq!(
            run(client(), &[&[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]]),
            vec![Ev::Ping(hello.to_vec())]
        );
        masked[0] = 0x8a;
        assert_eq!(run(server(), &[&masked]), vec![Ev::Pong(hello.to_vec())]);
        // 256 bytes binary in a single unmasked frame: 16-bit length.
        let mut f = vec![0x82, 0x7e, 0x01, 0x00];
        f.extend_from_slice(&[7u8; 256]);
        assert_eq!(run(client(), &[&f]), vec![msg(true, &[7u8; 256])]);
        // 64 KiB: 64-bit length.
        let mut f = vec![0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0];
        f.extend_from_slice(&vec![9u8; 65536]);
        assert_eq!(run(client(), &[&f]), vec![msg(true, &vec![9u8; 65536])]);
    }

    // ---- length encodings, round trip ---------------------------------------------

    #[test]
    fn each_length_encoding_round_trips() {
        for &len in &[0usize, 1, 124, 125, 126, 127, 65535, 65536, 70000, 1 << 20] {
            for &binary in &[false, true] {
                let payload: Vec<u8> = (0..len).map(|i| (i % 95) as u8 + b' ').collect();
                let op = if binary { OP_BINARY } else { OP_TEXT };
                for (cfg, mask) in [(server(), Some(MASK)), (client(), None)] {
                    let f = frame(true, op, &payload, mask);
                    assert_eq!(f.len(), header_len(len as u64, mask.is_some()) + len);
                    let evs = run(cfg, &[&f]);
                    assert_eq!(evs, vec![msg(binary, &payload)], "len {len}");
                }
            }
        }
    }

    #[test]
    fn zero_length_data_frame_yields_one_event() {
        let evs = run(server(), &[&cframe(true, OP_BINARY, b"")]);
        assert_eq!(evs, vec![msg(true, b"")]);
        // Empty fragments of a fragmented message, each reported.
        let mut input = cframe(false, OP_TEXT, b"");
        input.extend(cframe(false, OP_CONT, b""));
        input.extend(cframe(true, OP_CONT, b""));
        let evs = run(server(), &[&input]);
        assert_eq!(evs.len(), 3);
        assert!(matches!(
            evs[0],
            Ev::Data {
                message_first: true,
                frame_first: true,
                frame_fin: false,
                ..
            }
        ));
        assert!(matches!(
            evs[2],
            Ev::Data {
                message_first: false,
                frame_first: true,
                frame_fin: true,
                ..
            }
        ));
    }

    #[test]
    fn write_header_round_trip_through_rx() {
        let mut r = XorShift(42);
        for _ in 0..300 {
            let len = match r.below(4) {
                0 => r.below(126),
                1 => 126 + r.below(65536 - 126),
                2 => 65536 + r.below(5000),
                _ => r.below(300),
            };
            let op = [OP_TEXT, OP_BINARY][r.below(2)];
            let payload: Vec<u8> = (0..len).map(|_| b'a' + r.below(26) as u8).collect();
            let mask = (r.next() as u32).to_be_bytes();
            let mut h = [0u8; 14];
            let n = write_header(&mut h, true, op, len as u64, Some(mask));
            let mut f = h[..n].to_vec();
            let mut p = payload.clone();
            // Phase 0 here, but a random split exercises phase carrying on receive.
            unmask(&mut p, mask, 0);
            f.extend_from_slice(&p);
            let cut = r.below(f.len() + 1);
            let evs = run(server(), &[&f[..cut], &f[cut..]]);
            assert_eq!(messages(&evs), vec![msg(op == OP_BINARY, &payload)]);
        }
    }

    // ---- splitting ----------------------------------------------------------------

    #[test]
    fn header_split_at_every_position() {
        for &len in &[0usize, 5, 125, 126, 300, 65535, 65536, 70000] {
            let payload: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            for (cfg, mask) in [(server(), Some(MASK)), (client(), None)] {
                let f = frame(true, OP_BINARY, &payload, mask);
                let hl = header_len(len as u64, mask.is_some());
                // Every split inside the header, in two and in single bytes.
                for cut in 0..=hl {
                    let evs = run(cfg, &[&f[..cut], &f[cut..]]);
                    assert_eq!(messages(&evs), vec![msg(true, &payload)], "cut {cut}");
                }
                let mut chunks: Vec<&[u8]> = f[..hl].chunks(1).collect();
                chunks.push(&f[hl..]);
                assert_eq!(messages(&run(cfg, &chunks)), vec![msg(true, &payload)]);
            }
        }
    }

    #[test]
    fn payload_split_at_every_position() {
        let payload: Vec<u8> = (0..200u32).map(|i| (i * 13 % 256) as u8).collect();
        let f = cframe(true, OP_BINARY, &payload);
        for cut in 0..=f.len() {
            let evs = run(server(), &[&f[..cut], &f[cut..]]);
            assert_eq!(messages(&evs), vec![msg(true, &payload)], "cut {cut}");
            // Chunks report remaining correctly and never exceed what was present.
            let total: u64 = payload.len() as u64;
            let mut seen = 0u64;
            for e in &evs {
                if let Ev::Data {
                    bytes, remaining, ..
                } = e
                {
                    seen += bytes.len() as u64;
                    assert_eq!(*remaining, total - seen);
                }
            }
        }
        // Every three-way split (mask phase carried through two boundaries).
        let small = cframe(true, OP_TEXT, b"0123456789abcdefghij");
        for a in 0..=small.len() {
            for b in a..=small.len() {
                let evs = run(server(), &[&small[..a], &small[a..b], &small[b..]]);
                assert_eq!(messages(&evs), vec![msg(false, b"0123456789abcdefghij")]);
            }
        }
        // One byte at a time.
        let chunks: Vec<&[u8]> = f.chunks(1).collect();
        assert_eq!(messages(&run(server(), &chunks)), vec![msg(true, &payload)]);
    }

    #[test]
    fn control_payload_split_at_every_position() {
        let p: Vec<u8> = (0..125u8).collect();
        for op in [OP_PING, OP_PONG, OP_CLOSE] {
            let f = cframe(true, op, &p);
            for cut in 0..=f.len() {
                let evs = run(server(), &[&f[..cut], &f[cut..]]);
                let expect = match op {
                    OP_PING => Ev::Ping(p.clone()),
                    OP_PONG => Ev::Pong(p.clone()),
                    _ => Ev::Close(p.clone()),
                };
                assert_eq!(evs, vec![expect], "cut {cut}");
            }
        }
        // Empty control frames.
        assert_eq!(
            run(server(), &[&cframe(true, OP_PING, b"")]),
            vec![Ev::Ping(vec![])]
        );
        assert_eq!(
            run(client(), &[&frame(true, OP_CLOSE, b"", None)]),
            vec![Ev::Close(vec![])]
        );
    }

    #[test]
    fn stream_of_frames_random_splits() {
        // Many frames of all kinds, concatenated, fed in random pieces: the result must
        // not depend on how the stream is cut.
        let mut r = XorShift(7);
        for round in 0..200 {
            let mut stream = Vec::new();
            let mut expect = Vec::new();
            for _ in 0..(1 + r.below(8)) {
                let mask = Some((r.next() as u32).to_le_bytes());
                match r.below(4) {
                    0 => {
                        let p: Vec<u8> = (0..r.below(126)).map(|_| r.next() as u8).collect();
                        stream.extend(frame(true, OP_PING, &p, mask));
                        expect.push(Ev::Ping(p));
                    }
                    1 => {
                        let p: Vec<u8> = (0..r.below(1000)).map(|_| r.next() as u8).collect();
                        stream.extend(frame(true, OP_BINARY, &p, mask));
                        expect.push(msg(true, &p));
                    }
                    _ => {
                        // Fragmented text with pings between fragments.
                        let text = "héllo wörld € 😀 ".repeat(1 + r.below(20));
                        let b = text.as_bytes();
                        let nfrag = 1 + r.below(4);
                        let mut cuts: Vec<usize> =
                            (0..nfrag - 1).map(|_| r.below(b.len() + 1)).collect();
                        cuts.push(0);
                        cuts.push(b.len());
                        cuts.sort();
                        for i in 0..cuts.len() - 1 {
                            let op = if i == 0 { OP_TEXT } else { OP_CONT };
                            let fin = i == cuts.len() - 2;
                            stream.extend(frame(fin, op, &b[cuts[i]..cuts[i + 1]], mask));
                            if !fin && r.below(2) == 0 {
                                stream.extend(frame(true, OP_PONG, b"x", mask));
                                expect.push(Ev::Pong(b"x".to_vec()));
                            }
                        }
                        expect.push(msg(false, b));
                    }
                }
            }
            // Control events can precede the message they interrupt; compare controls
            // and messages separately in order.
            let split = |v: Vec<Ev>| -> (Vec<Ev>, Vec<Ev>) {
                v.into_iter().partition(|e| matches!(e, Ev::Data { .. }))
            };
            let (exp_data, exp_ctrl) = split(expect);
            for cfg_chunk in [0usize, 1, 7, 64] {
                let mut pieces = Vec::new();
                let mut i = 0;
                while i < stream.len() {
                    let n = 1 + r.below(if round % 2 == 0 { 20 } else { 3000 });
                    let end = (i + n).min(stream.len());
                    pieces.push(&stream[i..end]);
                    i = end;
                }
                let cfg = RxConfig {
                    max_chunk: cfg_chunk,
                    ..server()
                };
                let evs = run(cfg, &pieces);
                for e in &evs {
                    if let Ev::Data { bytes, .. } = e {
                        assert!(cfg_chunk == 0 || bytes.len() <= cfg_chunk);
                    }
                }
                let (d, c) = split(messages(&evs));
                assert_eq!(d, exp_data);
                assert_eq!(c, exp_ctrl);
            }
        }
    }

    #[test]
    fn resume_from_copied_tail() {
        // The caller stops after an event, moves the unconsumed tail to a new buffer and
        // resumes: Rx must not depend on the old buffer.
        let mut input = cframe(true, OP_PING, b"ab");
        input.extend(cframe(true, OP_BINARY, &[5u8; 40]));
        input.extend(cframe(true, OP_TEXT, b"hey"));
        let mut rx = Rx::new(RxConfig {
            max_chunk: 16,
            ..server()
        });
        let mut out = Vec::new();
        let mut buf = input.clone();
        // Stop after each event and copy the tail.
        loop {
            let mut pos = 0;
            let ev = rx.next(&mut buf, &mut pos);
            match ev {
                RxEvent::Data { start, len, .. } => out.extend_from_slice(&buf[start..start + len]),
                RxEvent::Ping => out.extend_from_slice(rx.control_payload()),
                RxEvent::NeedMore => break,
                e => panic!("{e:?}"),
            }
            let tail = buf[pos..].to_vec();
            // Scribble over the old buffer to catch stale references.
            buf.iter_mut().for_each(|b| *b = 0xee);
            buf = tail;
        }
        let mut expect = b"ab".to_vec();
        expect.extend_from_slice(&[5u8; 40]);
        expect.extend_from_slice(b"hey");
        assert_eq!(out, expect);

        // Same, but the tail ends in the middle of a header each time.
        let mut rx = Rx::new(server());
        let mut pending: Vec<u8> = Vec::new();
        let mut got = Vec::new();
        for piece in input.chunks(3) {
            pending.extend_from_slice(piece);
            let mut pos = 0;
            loop {
                match rx.next(&mut pending, &mut pos) {
                    RxEvent::Data { start, len, .. } => {
                        got.extend_from_slice(&pending[start..start + len]);
                        // Stop early, keep the tail for next time.
                        break;
                    }
                    RxEvent::Ping => got.extend_from_slice(rx.control_payload()),
                    RxEvent::NeedMore => break,
                    e => panic!("{e:?}"),
                }
            }
            pending.drain(..pos);
        }
        let mut pos = 0;
        while let RxEvent::Data { start, len, .. } = rx.next(&mut pending, &mut pos) {
            got.extend_from_slice(&pending[start..start + len]);
        }
        assert_eq!(got, expect);
    }

    // ---- fragmentation -------------------------------------------------------------

    #[test]
    fn fragmentation_with_interleaved_control() {
        let mut input = cframe(false, OP_TEXT, b"Hel");
        input.extend(cframe(true, OP_PING, b"p1"));
        input.extend(cframe(false, OP_CONT, b"lo, "));
        input.extend(cframe(true, OP_PONG, b""));
        input.extend(cframe(true, OP_PING, b"p2"));
        input.extend(cframe(true, OP_CONT, b"world"));
        input.extend(cframe(true, OP_BINARY, b"\x00\xff"));
        let mut rx = Rx::new(server());
        let mut out = Vec::new();
        assert!(drain(&mut rx, &input, &mut out));
        let d = |b: &[u8], mf, ff, fin| Ev::Data {
            bytes: b.to_vec(),
            binary: false,
            message_first: mf,
            frame_first: ff,
            frame_fin: fin,
            remaining: 0,
        };
        assert_eq!(
            out,
            vec![
                d(b"Hel", true, true, false),
                Ev::Ping(b"p1".to_vec()),
                d(b"lo, ", false, true, false),
                Ev::Pong(vec![]),
                Ev::Ping(b"p2".to_vec()),
                d(b"world", false, true, true),
                msg(true, b"\x00\xff"),
            ]
        );
        assert!(!rx.in_message());
    }

    #[test]
    fn in_message_tracking() {
        let mut rx = Rx::new(server());
        let mut f = cframe(false, OP_BINARY, b"ab");
        let mut pos = 0;
        assert!(!rx.in_message());
        assert!(matches!(rx.next(&mut f, &mut pos), RxEvent::Data { .. }));
        assert!(rx.in_message());
        let mut p = cframe(true, OP_PING, b"");
        let mut pos = 0;
        assert_eq!(rx.next(&mut p, &mut pos), RxEvent::Ping);
        assert!(rx.in_message());
        let mut e = cframe(true, OP_CONT, b"cd");
        // Partial: header and one byte.
        let mut part = e[..7].to_vec();
        let mut pos = 0;
        assert!(matches!(
            rx.next(&mut part, &mut pos),
            RxEvent::Data {
                len: 1,
                remaining: 1,
                ..
            }
        ));
        assert!(rx.in_message());
        assert_eq!(rx.remaining(), 1);
        let mut pos = 7;
        assert!(matches!(
            rx.next(&mut e, &mut pos),
            RxEvent::Data {
                len: 1,
                remaining: 0,
                ..
            }
        ));
        assert!(!rx.in_message());
        assert_eq!(rx.remaining(), 0);
    }

    #[test]
    fn max_chunk_chunking() {
        let payload: Vec<u8> = (0..100u8).collect();
        let f = cframe(true, OP_BINARY, &payload);
        let evs = run(
            RxConfig {
                max_chunk: 30,
                ..server()
            },
            &[&f],
        );
        let lens: Vec<(usize, u64, bool, bool)> = evs
            .iter()
            .map(|e| match e {
                Ev::Data {
                    bytes,
                    remaining,
                    frame_first,
                    message_first,
                    ..
                } => (bytes.len(), *remaining, *frame_first, *message_first),
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            lens,
            vec![
                (30, 70, true, true),
                (30, 40, false, false),
                (30, 10, false, false),
                (10, 0, false, false)
            ]
        );
        assert_eq!(messages(&evs), vec![msg(true, &payload)]);
        // Data is delivered as it arrives, not held back for the whole frame.
        let evs = run(
            RxConfig {
                max_chunk: 30,
                ..server()
            },
            &[&f[..6 + 45], &f[6 + 45..]],
        );
        let lens: Vec<usize> = evs
            .iter()
            .map(|e| match e {
                Ev::Data { bytes, .. } => bytes.len(),
                _ => panic!(),
            })
            .collect();
        assert_eq!(lens, vec![30, 15, 30, 25]);
    }

    // ---- errors --------------------------------------------------------------------

    #[test]
    fn rsv_bits_rejected() {
        for rsv in [0x40u8, 0x20, 0x10, 0x70] {
            let mut f = cframe(true, OP_TEXT, b"x");
            f[0] |= rsv;
            assert_eq!(err_code(&run(server(), &[&f])), Some(1002));
            let mut p = cframe(true, OP_PING, b"");
            p[0] |= rsv;
            assert_eq!(err_code(&run(server(), &[&p])), Some(1002));
        }
    }

    /// With permessage-deflate, RSV1 may mark a data message's first frame (its bytes are
    /// then not UTF-8 checked here); on continuations, control frames and for RSV2/RSV3 it
    /// is still a protocol error.
    /// Bytes given back after a data event are parsed again as the rest of the same frame
    /// (and message), masked as they came.
    #[test]
    fn unconsume_gives_back_the_tail() {
        for fin in [true, false] {
            let mut f = cframe(fin, OP_BINARY, b"abcdefghij");
            f[0] |= 0x40;
            let orig = f.clone();
            let mut rx = Rx::new(server());
            rx.allow_rsv1();
            let mut pos = 0;
            let RxEvent::Data { len, .. } = rx.next(&mut f, &mut pos) else {
                panic!("no data");
            };
            assert_eq!(len, 10);
            rx.unconsume(&mut f, &mut pos, 3);
            assert_eq!(f[pos..], orig[pos..]);
            assert_eq!(pos, orig.len() - 3);
            let mut rest = f[pos..].to_vec();
            let mut p2 = 0;
            match rx.next(&mut rest, &mut p2) {
                RxEvent::Data {
                    start,
                    len,
                    message_first,
                    frame_first,
                    frame_fin,
                    remaining,
                    ..
                } => {
                    assert_eq!(&rest[start..start + len], b"hij");
                    assert!(!message_first && !frame_first);
                    assert_eq!((frame_fin, remaining), (fin, 0));
                }
                e => panic!("{e:?}"),
            }
            assert_eq!(rx.in_message(), !fin);
            assert!(rx.message_rsv1());
        }
    }

    #[test]
    fn rsv1_with_deflate() {
        let feed = |frames: &[Vec<u8>]| {
            let mut rx = Rx::new(server());
            rx.allow_rsv1();
            let mut out = Vec::new();
            let mut rsv1 = Vec::new();
            for f in frames {
                let mut b = f.clone();
                let mut pos = 0;
                loop {
                    match rx.next(&mut b, &mut pos) {
                        RxEvent::NeedMore => break,
                        RxEvent::Error { code, .. } => {
                            out.push(code);
                            return (out, rsv1);
                        }
                        RxEvent::Data { .. } => rsv1.push(rx.message_rsv1()),
                        _ => {}
                    }
                }
            }
            (out, rsv1)
        };
        let mut a = cframe(false, OP_TEXT, &[0xff, 0xfe]);
        a[0] |= 0x40;
        let b = cframe(true, OP_CONT, &[0xc0]);
        assert_eq!(feed(&[a.clone(), b.clone()]), (vec![], vec![true, true]));
        // A plain message after it is validated again (and not marked).
        let plain = cframe(true, OP_TEXT, &[0xff]);
        assert_eq!(feed(&[a.clone(), b.clone(), plain]).0, vec![1007]);
        let ok = cframe(true, OP_TEXT, b"hi");
        assert_eq!(feed(&[a.clone(), b, ok]), (vec![], vec![true, true, false]));
        let mut c = cframe(true, OP_CONT, b"x");
        c[0] |= 0x40;
        assert_eq!(feed(&[a.clone(), c]).0, vec![1002]);
        let mut p = cframe(true, OP_PING, b"");
        p[0] |= 0x40;
        assert_eq!(feed(&[p]).0, vec![1002]);
        for rsv in [0x20u8, 0x10, 0x60] {
            let mut f = cframe(true, OP_BINARY, b"x");
            f[0] |= rsv;
            assert_eq!(feed(&[f]).0, vec![1002]);
        }
    }

    #[test]
    fn unknown_opcodes_rejected() {
        for op in [3u8, 4, 5, 6, 7, 11, 12, 13, 14, 15] {
            let f = cframe(true, op, b"");
            assert_eq!(run(server(), &[&f]), vec![Ev::Error(1002)], "op {op}");
            // Detected from the first two bytes alone.
            assert_eq!(run(server(), &[&f[..2]]), vec![Ev::Error(1002)]);
        }
    }

    #[test]
    fn control_frame_rules() {
        // Fragmented control frames.
        for op in [OP_CLOSE, OP_PING, OP_PONG] {
            assert_eq!(
                run(server(), &[&cframe(false, op, b"a")]),
                vec![Ev::Error(1002)]
            );
            // Too long (126 needs the 16-bit form; also 64-bit form).
            assert_eq!(
                run(server(), &[&cframe(true, op, &[0u8; 126])]),
                vec![Ev::Error(1002)]
            );
            assert_eq!(
                run(server(), &[&cframe(true, op, &[0u8; 65536])[..2]]),
                vec![Ev::Error(1002)]
            );
            // 125 is fine.
            assert_eq!(run(server(), &[&cframe(true, op, &[1u8; 125])]).len(), 1);
        }
    }

    #[test]
    fn continuation_without_message() {
        assert_eq!(
            run(server(), &[&cframe(true, OP_CONT, b"x")]),
            vec![Ev::Error(1002)]
        );
        assert_eq!(
            run(server(), &[&cframe(false, OP_CONT, b"x")]),
            vec![Ev::Error(1002)]
        );
        // After a finished message, too.
        let mut f = cframe(true, OP_TEXT, b"a");
        f.extend(cframe(true, OP_CONT, b"b"));
        assert_eq!(err_code(&run(server(), &[&f])), Some(1002));
    }

    #[test]
    fn new_message_inside_fragmented_message() {
        for op in [OP_TEXT, OP_BINARY] {
            let mut f = cframe(false, OP_BINARY, b"a");
            f.extend(cframe(true, OP_PING, b""));
            f.extend(cframe(true, op, b"b"));
            let evs = run(server(), &[&f]);
            assert_eq!(evs.len(), 3);
            assert_eq!(err_code(&evs), Some(1002));
        }
    }

    #[test]
    fn masking_direction_enforced() {
        // Server gets an unmasked frame.
        assert_eq!(
            run(server(), &[&frame(true, OP_TEXT, b"a", None)]),
            vec![Ev::Error(1002)]
        );
        assert_eq!(
            run(server(), &[&frame(true, OP_PING, b"", None)]),
            vec![Ev::Error(1002)]
        );
        // Client gets a masked frame.
        assert_eq!(
            run(client(), &[&cframe(true, OP_TEXT, b"a")]),
            vec![Ev::Error(1002)]
        );
    }

    #[test]
    fn length_top_bit_rejected() {
        let mut f = vec![0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0];
        f.extend_from_slice(&MASK);
        assert_eq!(run(server(), &[&f]), vec![Ev::Error(1002)]);
        // Split header: detected once the length is complete.
        assert_eq!(run(server(), &[&f[..5], &f[5..]]), vec![Ev::Error(1002)]);
        // The largest legal length is accepted (and waits for data).
        let mut f = vec![0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        f.extend_from_slice(&MASK);
        f.extend_from_slice(b"abc");
        let mut rx = Rx::new(server());
        let mut out = Vec::new();
        assert!(drain(&mut rx, &f, &mut out));
        assert_eq!(rx.remaining(), (u64::MAX >> 1) - 3);
    }

    #[test]
    fn max_message_enforced() {
        let cfg = RxConfig {
            max_message: 10,
            ..server()
        };
        assert_eq!(run(cfg, &[&cframe(true, OP_BINARY, &[0; 10])]).len(), 1);
        assert_eq!(
            run(cfg, &[&cframe(true, OP_BINARY, &[0; 11])]),
            vec![Ev::Error(1009)]
        );
        // Over several fragments; control frames don't count.
        let mut f = cframe(false, OP_TEXT, b"12345");
        f.extend(cframe(true, OP_PING, &[0; 100]));
        f.extend(cframe(false, OP_CONT, b"678"));
        f.extend(cframe(true, OP_CONT, b"9ab"));
        let evs = run(cfg, &[&f]);
        assert_eq!(err_code(&evs), Some(1009));
        assert_eq!(evs.len(), 4);
        // The limit is per message.
        let mut f = cframe(true, OP_TEXT, b"123456");
        f.extend(cframe(true, OP_TEXT, b"123456"));
        assert_eq!(run(cfg, &[&f]).len(), 2);
        // Huge announced lengths don't overflow.
        let mut f = cframe(false, OP_BINARY, b"a");
        let mut h = [0u8; 14];
        let n = write_header(&mut h, true, OP_CONT, u64::MAX >> 1, Some(MASK));
        f.extend_from_slice(&h[..n]);
        let cfg = RxConfig {
            max_message: u64::MAX,
            ..server()
        };
        assert_eq!(run(cfg, &[&f]).len(), 1);
        let cfg = RxConfig {
            max_message: u64::MAX >> 1,
            ..server()
        };
        assert_eq!(err_code(&run(cfg, &[&f])), Some(1009));
    }

    #[test]
    fn utf8_validated_fail_fast() {
        // Invalid in the middle of a single frame: error on that chunk.
        let bad = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited";
        let f = cframe(true, OP_TEXT, bad);
        assert_eq!(run(server(), &[&f]), vec![Ev::Error(1007)]);
        // Fed in pieces: valid pieces are delivered until the bad one.
        let chunks: Vec<&[u8]> = f.chunks(1).collect();
        let evs = run(server(), &chunks);
        assert_eq!(err_code(&evs), Some(1007));
        // 6 header bytes, then data bytes 0..12 valid one at a time; byte 12 fails.
        assert_eq!(evs.len(), 12 + 1);
        // Binary is not checked; text is not checked when disabled.
        assert_eq!(run(server(), &[&cframe(true, OP_BINARY, bad)]).len(), 1);
        let no = RxConfig {
            validate_utf8: false,
            ..server()
        };
        assert_eq!(run(no, &[&f]).len(), 1);
    }

    #[test]
    fn utf8_across_fragments() {
        // A code point split across fragments is fine.
        let s = "κόσμε😀".as_bytes();
        for cut in 0..=s.len() {
            let mut f = cframe(false, OP_TEXT, &s[..cut]);
            f.extend(cframe(true, OP_PING, b"x"));
            f.extend(cframe(true, OP_CONT, &s[cut..]));
            let evs = run(server(), &[&f]);
            assert_eq!(err_code(&evs), None, "cut {cut}");
        }
        // Incomplete at the end of the final frame: error then.
        let mut f = cframe(false, OP_TEXT, b"ok\xf0\x9f");
        f.extend(cframe(true, OP_CONT, b"\x98"));
        let evs = run(server(), &[&f]);
        assert_eq!(err_code(&evs), Some(1007));
        assert_eq!(evs.len(), 2);
        // Incomplete at the end of a non-final frame is fine, an empty final frame ends it.
        let mut f = cframe(false, OP_TEXT, b"\xe2\x82");
        f.extend(cframe(true, OP_CONT, b""));
        assert_eq!(err_code(&run(server(), &[&f])), Some(1007));
        // The validator restarts with each message.
        let mut f = cframe(true, OP_BINARY, b"\xff");
        f.extend(cframe(true, OP_TEXT, b"fine"));
        assert_eq!(err_code(&run(server(), &[&f])), None);
    }

    #[test]
    fn close_payload_parsing() {
        assert_eq!(parse_close_payload(b""), Ok((1005, &b""[..])));
        assert_eq!(parse_close_payload(b"\x03"), Err(1002));
        assert_eq!(parse_close_payload(b"\x03\xe8"), Ok((1000, &b""[..])));
        assert_eq!(parse_close_payload(b"\x03\xe8bye"), Ok((1000, &b"bye"[..])));
        assert_eq!(parse_close_payload(b"\x03\xe8\xff"), Err(1007));
        assert_eq!(parse_close_payload(b"\x03\xe8\xe2\x82"), Err(1007));
        for ok in [
            1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999,
        ] {
            assert_eq!(parse_close_payload(&ok.to_be_bytes()), Ok((ok, &b""[..])));
        }
        for bad in [
            0u16, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000,
            65535,
        ] {
            assert_eq!(parse_close_payload(&bad.to_be_bytes()), Err(1002), "{bad}");
        }
    }

    #[test]
    fn control_payload_lifetime() {
        let mut rx = Rx::new(server());
        let mut f = cframe(true, OP_CLOSE, b"\x03\xe8ok");
        let mut pos = 0;
        assert_eq!(rx.next(&mut f, &mut pos), RxEvent::Close);
        assert_eq!(
            parse_close_payload(rx.control_payload()),
            Ok((1000, &b"ok"[..]))
        );
        // Split control payload: nothing visible until complete.
        let mut p = cframe(true, OP_PING, b"abcd");
        let mut pos = 0;
        let mut first = p[..8].to_vec();
        assert_eq!(rx.next(&mut first, &mut pos), RxEvent::NeedMore);
        assert_eq!(rx.control_payload(), b"");
        let mut pos = 8;
        assert_eq!(rx.next(&mut p, &mut pos), RxEvent::Ping);
        assert_eq!(rx.control_payload(), b"abcd");
        // Gone once the next frame starts (whole header present: fast path).
        let mut d = cframe(true, OP_BINARY, b"xy");
        let mut pos = 0;
        assert!(matches!(
            rx.next(&mut d, &mut pos),
            RxEvent::Data { len: 2, .. }
        ));
        assert_eq!(rx.control_payload(), b"");
        // Split header: slow path.
        let mut pos = 0;
        assert_eq!(rx.next(&mut p, &mut pos), RxEvent::Ping);
        let mut d1 = d[..1].to_vec();
        let mut pos = 0;
        assert_eq!(rx.next(&mut d1, &mut pos), RxEvent::NeedMore);
        assert_eq!(rx.control_payload(), b"");
    }

    #[test]
    fn need_more_on_empty_and_size() {
        let mut rx = Rx::new(server());
        let mut pos = 0;
        assert_eq!(rx.next(&mut [], &mut pos), RxEvent::NeedMore);
        let mut b = [0u8; 4];
        let mut pos = 4;
        assert_eq!(rx.next(&mut b, &mut pos), RxEvent::NeedMore);
        let size = std::mem::size_of::<Rx>();
        println!("size_of::<Rx>() = {size}");
        assert!(size <= 192, "{size}");
    }
}

#[cfg(test)]
mod bench {
    use super::*;
    use std::time::Instant;

    /// Rough throughput numbers: `cargo test --release --lib ws::frame::bench -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn throughput() {
        let mut data = vec![0x5au8; 1 << 20];
        let t = Instant::now();
        let mut p = 0;
        for _ in 0..2000 {
            p = unmask(&mut data[1..], [1, 2, 3, 4], p);
        }
        let dt = t.elapsed().as_secs_f64();
        println!("unmask: {:.2} GB/s", 2000.0 * (1 << 20) as f64 / dt / 1e9);

        let text = "hello world, plain ascii text ".repeat(40000);
        let t = Instant::now();
        for _ in 0..500 {
            let mut v = crate::ws::utf8::Utf8Validator::new();
            assert!(v.feed(std::hint::black_box(text.as_bytes())));
        }
        let dt = t.elapsed().as_secs_f64();
        println!(
            "utf8 ascii: {:.2} GB/s",
            500.0 * text.len() as f64 / dt / 1e9
        );
        let text = "κόσμε héllo 😀 € ".repeat(40000);
        let t = Instant::now();
        for _ in 0..200 {
            let mut v = crate::ws::utf8::Utf8Validator::new();
            assert!(v.feed(std::hint::black_box(text.as_bytes())));
        }
        let dt = t.elapsed().as_secs_f64();
        println!(
            "utf8 mixed: {:.2} GB/s",
            200.0 * text.len() as f64 / dt / 1e9
        );
        let t = Instant::now();
        for _ in 0..200 {
            assert!(std::str::from_utf8(std::hint::black_box(text.as_bytes())).is_ok());
        }
        let dt = t.elapsed().as_secs_f64();
        println!(
            "std mixed: {:.2} GB/s",
            200.0 * text.len() as f64 / dt / 1e9
        );

        // Many small masked text frames.
        let mut stream = Vec::new();
        for i in 0..10000u32 {
            let p = format!("message number {i} with some text");
            let mut h = [0u8; 14];
            let n = write_header(&mut h, true, OP_TEXT, p.len() as u64, Some([9, 8, 7, 6]));
            stream.extend_from_slice(&h[..n]);
            let mut b = p.into_bytes();
            unmask(&mut b, [9, 8, 7, 6], 0);
            stream.extend_from_slice(&b);
        }
        let orig = stream.clone();
        let t = Instant::now();
        let mut msgs = 0u64;
        for _ in 0..100 {
            stream.copy_from_slice(&orig);
            let mut rx = Rx::new(RxConfig::default());
            let mut pos = 0;
            loop {
                match rx.next(&mut stream, &mut pos) {
                    RxEvent::Data { .. } => msgs += 1,
                    RxEvent::NeedMore => break,
                    e => panic!("{e:?}"),
                }
            }
        }
        let dt = t.elapsed().as_secs_f64();
        println!("rx small frames: {:.1} M msg/s", msgs as f64 / dt / 1e6);
    }
}

#[cfg(test)]
mod split_utf8_regression {
    use super::*;

    fn masked(op: u8, fin: bool, p: &[u8]) -> Vec<u8> {
        let mut v = vec![0u8; 14 + p.len()];
        let m = [1, 2, 3, 4];
        let h = write_header(&mut v, fin, op, p.len() as u64, Some(m));
        v[h..h + p.len()].copy_from_slice(p);
        unmask(&mut v[h..h + p.len()], m, 0);
        v.truncate(h + p.len());
        v
    }

    /// One-byte fragments of a text message, resumed from a copy of the unparsed rest
    /// after every event (what rx flow control does).
    #[test]
    fn one_byte_fragments_resumed_from_copies() {
        let msg = [
            0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5,
        ];
        let mut all = Vec::new();
        for (i, b) in msg.iter().enumerate() {
            all.extend(masked(
                if i == 0 { OP_TEXT } else { OP_CONT },
                i == msg.len() - 1,
                &[*b],
            ));
        }
        let mut rx = Rx::new(RxConfig::default());
        let mut buf = all.clone();
        let mut got = Vec::new();
        loop {
            let mut pos = 0;
            match rx.next(&mut buf, &mut pos) {
                RxEvent::Data { start, len, .. } => got.extend_from_slice(&buf[start..start + len]),
                RxEvent::NeedMore => break,
                e => panic!("{e:?} after {got:x?}"),
            }
            buf = buf[pos..].to_vec();
        }
        assert_eq!(got, msg);
    }
}
