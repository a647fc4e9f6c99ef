//! permessage-deflate (RFC 7692), sans-IO: the handshake negotiation on both sides and a
//! per-connection codec that the WebSocket role drives.
//!
//! Nothing here is allocated until a connection has negotiated the extension: the role
//! keeps an `Option<Box<PmDeflate>>`, and even then the compressor and the decompressor
//! are made on first use.  What a peer can make us hold is bounded: the decompressor's
//! window (at most 32 KiB plus zlib's fixed state), the caller's output chunk, and at most
//! `max_message + 1` inflated bytes per message (a larger message is an error, close 1009),
//! since inflated data only ever goes into the caller's chunk, never into a growing buffer.
//!
//! Where lws 4.3 bends RFC 7692 in a way a peer can notice, this module follows the RFC
//! (each case is named below); where lws's choice is allowed, it follows lws:
//! - every data message is compressed, however small (lws has no threshold);
//! - the server answers the first acceptable offer and echoes the `*_no_context_takeover`
//!   parameters it was offered; `client_max_window_bits` without a value gets no answer
//!   (the client may then use a 15-bit window), as lws does;
//! - a client told `client_max_window_bits=8` compresses with 9 bits, as lws does (zlib
//!   cannot make raw deflate with an 8-bit window);
//! - unlike lws, a requested `server_max_window_bits=N` is honoured and echoed (lws
//!   ignores it and compresses with 15 bits), an offer with an unknown or repeated
//!   parameter is declined (lws accepts it), `server_max_window_bits=8` is declined
//!   (zlib cannot compress with it), and later offers are considered when the first one
//!   is declined;
//! - unlike lws, the no-context-takeover flags apply to the right direction on both sides
//!   (lws's server resets its compressor on `client_no_context_takeover` and keeps it on
//!   `server_no_context_takeover`).

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// The extension's name in `Sec-WebSocket-Extensions`.
pub const NAME: &str = "permessage-deflate";

/// lws's default `client_offer` for this extension (what its examples list).
pub const DEFAULT_CLIENT_OFFER: &str =
    "permessage-deflate; client_no_context_takeover; client_max_window_bits";

/// The tail every sender strips from a compressed message and every receiver puts back
/// (RFC 7692 section 7.2.1).
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

// ---------------------------------------------------------------------------------------
// lws's option slots

/// The options of lws's permessage-deflate, in lws's order: the four of RFC 7692, then
/// four only the application sets (`lws_set_extension_option`, the client's
/// LWS_CALLBACK_WS_EXT_DEFAULTS string).  The index is the option's slot in [`Args`].
pub const OPTIONS: [(&[u8], i32); 8] = [
    (
        b"server_no_context_takeover",
        super::ext_options::EXTARG_NONE,
    ),
    (
        b"client_no_context_takeover",
        super::ext_options::EXTARG_NONE,
    ),
    (
        b"server_max_window_bits",
        super::ext_options::EXTARG_OPT_DEC,
    ),
    (
        b"client_max_window_bits",
        super::ext_options::EXTARG_OPT_DEC,
    ),
    (b"rx_buf_size", super::ext_options::EXTARG_DEC),
    (b"tx_buf_size", super::ext_options::EXTARG_DEC),
    (b"compression_level", super::ext_options::EXTARG_DEC),
    (b"mem_level", super::ext_options::EXTARG_DEC),
];
pub const ARG_SERVER_NO_CONTEXT_TAKEOVER: usize = 0;
pub const ARG_CLIENT_NO_CONTEXT_TAKEOVER: usize = 1;
pub const ARG_SERVER_MAX_WINDOW_BITS: usize = 2;
pub const ARG_CLIENT_MAX_WINDOW_BITS: usize = 3;
/// log2 of the chunk inflated data is handed to RECEIVE in.
pub const ARG_RX_BUF_PWR2: usize = 4;
/// log2 of lws's deflate output chunk (we send a fragment's output as one frame).
pub const ARG_TX_BUF_PWR2: usize = 5;
pub const ARG_COMP_LEVEL: usize = 6;
/// zlib's memLevel; the deflate crate fixes it at 8, lws's default.
pub const ARG_MEM_LEVEL: usize = 7;

/// One connection's option values, as lws keeps them: one byte per slot of [`OPTIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Args(pub [u8; 8]);

impl Args {
    /// lws's defaults (RFC 7692's, 1 KiB chunks, level 1, memLevel 8), with the rx chunk
    /// capped by the connection's rx buffer (`rx_cap`: the protocol's `rx_buffer_size`, or
    /// the context's `pt_serv_buf_size` when that is 0).
    pub fn defaults(rx_cap: usize) -> Args {
        let mut a = Args([0, 0, 15, 15, 10, 10, 1, 8]);
        a.restrict(rx_cap);
        a
    }

    /// Sets slot `index` the way lws's OPTION_SET does: the value's leading decimal number
    /// (C's `atoi`, kept to a byte), 1 when there is no value; an 8-bit client window
    /// becomes 9; the rx chunk is capped again.
    pub fn set(&mut self, index: usize, value: Option<&[u8]>, rx_cap: usize) {
        if index >= self.0.len() {
            return;
        }
        self.0[index] = match value {
            Some(v) => atoi(v) as u8,
            None => 1,
        };
        if self.0[ARG_CLIENT_MAX_WINDOW_BITS] == 8 {
            self.0[ARG_CLIENT_MAX_WINDOW_BITS] = 9;
        }
        self.restrict(rx_cap);
    }

    /// lws's OPTION_CONFIRM: both windows within 8..=15.
    pub fn confirm(&self) -> bool {
        (8..=15).contains(&self.0[ARG_SERVER_MAX_WINDOW_BITS])
            && (8..=15).contains(&self.0[ARG_CLIENT_MAX_WINDOW_BITS])
    }

    /// Parses an option string (lws's syntax, see `ext_options`) into these slots.
    pub fn apply_str(
        &mut self,
        s: &[u8],
        rx_cap: usize,
    ) -> Result<(), super::ext_options::ParseError> {
        let mut hits = Vec::new();
        super::ext_options::parse(s, &OPTIONS, |h| hits.push(h))?;
        for h in hits {
            self.set(h.index, h.value.map(|(o, l)| &s[o..o + l]), rx_cap);
        }
        Ok(())
    }

    /// The rx chunk never exceeds the largest power of two within the rx buffer (and is at
    /// least 128 bytes, lws's floor for the extension).
    fn restrict(&mut self, rx_cap: usize) {
        let mut p = 7u8;
        while p < 31 && rx_cap >= 1usize << (p + 1) {
            p += 1;
        }
        if p < self.0[ARG_RX_BUF_PWR2] {
            self.0[ARG_RX_BUF_PWR2] = p;
        }
    }

    /// The size of the chunks inflated data is delivered in.
    pub fn rx_chunk(&self) -> usize {
        1usize << self.0[ARG_RX_BUF_PWR2].clamp(7, 20)
    }

    /// The deflate crate's level for lws's `compression_level` (zlib's numbering).  zlib's
    /// level 1 (lws's default) is its "fast" matcher with dynamic Huffman trees; zlib-rs
    /// numbers levels as zlib-ng does, whose level 1 is a "quick" matcher that only uses
    /// the fixed trees (on JSON text its output was 0.27-0.29 of the payload against
    /// zlib's 0.20-0.26), and puts zlib's level-1 matcher, with the same parameters, at
    /// level 2.  So 1 becomes 2; the other levels mean the same in both.
    fn level(&self) -> Compression {
        Compression::new(match self.0[ARG_COMP_LEVEL].min(9) {
            1 => 2,
            n => u32::from(n),
        })
    }
}

/// C's `atoi`: optional blanks and sign, then digits; 0 when there are none.
fn atoi(v: &[u8]) -> i32 {
    let mut i = 0;
    while i < v.len() && matches!(v[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < v.len() && (v[i] == b'+' || v[i] == b'-') {
        neg = v[i] == b'-';
        i += 1;
    }
    let mut n: i32 = 0;
    while i < v.len() && v[i].is_ascii_digit() {
        n = n.wrapping_mul(10).wrapping_add(i32::from(v[i] - b'0'));
        i += 1;
    }
    if neg {
        n.wrapping_neg()
    } else {
        n
    }
}

// ---------------------------------------------------------------------------------------
// Sec-WebSocket-Extensions syntax (RFC 6455 section 9.1)

/// One `name; param; param=value` element of an extension list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub name: String,
    /// Parameters in order; values unquoted.  `None` when the element is malformed (a
    /// parameter that is not a token, a bad quoted string), which declines it.
    pub params: Option<Vec<(String, Option<String>)>>,
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&c| is_tchar(c))
}

/// Splits `s` at `sep` outside double quotes.
fn split_outside_quotes(s: &[u8], sep: u8) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, &c) in s.iter().enumerate() {
        if escaped {
            escaped = false;
        } else if quoted && c == b'\\' {
            escaped = true;
        } else if c == b'"' {
            quoted = !quoted;
        } else if c == sep && !quoted {
            out.push(&s[start..i]);
            start = i + 1;
        }
    }
    out.push(&s[start..]);
    out
}

fn trim(s: &[u8]) -> &[u8] {
    let a = s
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t'))
        .unwrap_or(s.len());
    let b = s
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t'))
        .map_or(a, |p| p + 1);
    &s[a..b.max(a)]
}

fn parse_param(p: &[u8]) -> Option<(String, Option<String>)> {
    let (name, value) = match p.iter().position(|&c| c == b'=') {
        Some(eq) => (trim(&p[..eq]), Some(trim(&p[eq + 1..]))),
        None => (trim(p), None),
    };
    if !is_token(name) {
        return None;
    }
    let value = match value {
        None => None,
        Some(v) if v.len() >= 2 && v[0] == b'"' && v[v.len() - 1] == b'"' => {
            let mut out = Vec::new();
            let mut esc = false;
            for &c in &v[1..v.len() - 1] {
                if esc {
                    out.push(c);
                    esc = false;
                } else if c == b'\\' {
                    esc = true;
                } else if c == b'"' {
                    return None;
                } else {
                    out.push(c);
                }
            }
            // RFC 6455 section 9.1: a quoted value must be a token once unquoted.
            if esc || !is_token(&out) {
                return None;
            }
            Some(out)
        }
        Some(v) if is_token(v) => Some(v.to_vec()),
        Some(_) => return None,
    };
    Some((
        String::from_utf8_lossy(name).into_owned(),
        value.map(|v| String::from_utf8_lossy(&v).into_owned()),
    ))
}

/// Parses a `Sec-WebSocket-Extensions` value (several header lines joined with `,`) into
/// its elements; empty elements are skipped, as the list syntax allows.
pub fn parse_list(header: &[u8]) -> Vec<Offer> {
    let mut out = Vec::new();
    for element in split_outside_quotes(header, b',') {
        let parts = split_outside_quotes(element, b';');
        let name = trim(parts[0]);
        if name.is_empty() && parts.len() == 1 {
            continue;
        }
        let params: Option<Vec<_>> = if is_token(name) {
            parts[1..].iter().map(|p| parse_param(p)).collect()
        } else {
            None
        };
        out.push(Offer {
            name: String::from_utf8_lossy(name).into_owned(),
            params,
        });
    }
    out
}

/// A window-bits value: a decimal 8..=15 without leading zeros.
fn window_bits(v: &str) -> Option<u8> {
    match v.as_bytes() {
        [d @ b'8'..=b'9'] => Some(d - b'0'),
        [b'1', d @ b'0'..=b'5'] => Some(10 + d - b'0'),
        _ => None,
    }
}

/// The four RFC 7692 parameters of one offer or answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Params {
    snct: bool,
    cnct: bool,
    /// `server_max_window_bits`: absent, or its value.
    smwb: Option<u8>,
    /// `client_max_window_bits`: absent, present without value (`Some(None)`), or value.
    cmwb: Option<Option<u8>>,
}

/// Why a parameter list was refused: lws's two client failure texts tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParamError {
    /// Unknown or repeated parameter, a value where none belongs (lws: parse failure).
    Syntax,
    /// A window-bits value missing or out of 8..=15 (lws: the confirm step refuses).
    Range,
}

fn parse_params(params: &[(String, Option<String>)]) -> Result<Params, ParamError> {
    let mut p = Params::default();
    let mut seen = [false; 4];
    for (name, value) in params {
        let slot = OPTIONS[..4]
            .iter()
            .position(|(n, _)| *n == name.as_bytes())
            .ok_or(ParamError::Syntax)?;
        if std::mem::replace(&mut seen[slot], true) {
            return Err(ParamError::Syntax);
        }
        match slot {
            ARG_SERVER_NO_CONTEXT_TAKEOVER | ARG_CLIENT_NO_CONTEXT_TAKEOVER => {
                if value.is_some() {
                    return Err(ParamError::Syntax);
                }
                if slot == ARG_SERVER_NO_CONTEXT_TAKEOVER {
                    p.snct = true;
                } else {
                    p.cnct = true;
                }
            }
            ARG_SERVER_MAX_WINDOW_BITS => {
                let v = value.as_deref().ok_or(ParamError::Range)?;
                p.smwb = Some(window_bits(v).ok_or(ParamError::Range)?);
            }
            _ => {
                p.cmwb = Some(match value {
                    None => None,
                    Some(v) => Some(window_bits(v).ok_or(ParamError::Range)?),
                });
            }
        }
    }
    Ok(p)
}

// ---------------------------------------------------------------------------------------
// Negotiation

/// What both ends agreed for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    /// The server's compression window (9..=15 when we compress with it).
    pub server_max_window_bits: u8,
    /// The client's compression window.
    pub client_max_window_bits: u8,
}

/// A server's acceptance: the agreed parameters and the value for its
/// `Sec-WebSocket-Extensions` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub negotiated: Negotiated,
    pub response: String,
}

/// Server side: picks the first acceptable `permessage-deflate` offer of a client's
/// `Sec-WebSocket-Extensions` value (all its header lines joined with `,`), or `None`
/// (the extension is then simply not used).  `args` are the connection's option slots
/// ([`Args::defaults`]): their window sizes bound what we use and ask for.
pub fn server_accept(header: &[u8], args: &Args) -> Option<Accepted> {
    let own_server_bits = args.0[ARG_SERVER_MAX_WINDOW_BITS].clamp(9, 15);
    let own_client_bits = args.0[ARG_CLIENT_MAX_WINDOW_BITS].clamp(9, 15);
    for offer in parse_list(header) {
        if offer.name != NAME {
            continue;
        }
        let Some(params) = offer.params.as_deref() else {
            continue;
        };
        let Ok(p) = parse_params(params) else {
            continue;
        };
        // We cannot compress with an 8-bit window: decline rather than break the limit.
        if p.smwb == Some(8) {
            continue;
        }
        let snct = p.snct || args.0[ARG_SERVER_NO_CONTEXT_TAKEOVER] != 0;
        let cnct = p.cnct;
        let server_bits = p.smwb.unwrap_or(15).min(own_server_bits);
        let echo_server_bits = p.smwb.is_some() || server_bits < 15;
        let (client_bits, echo_client_bits) = match p.cmwb {
            // The client may use up to 15 bits: nothing to ask, nothing to echo (lws).
            None => (15, false),
            Some(v) => {
                let offered = v.unwrap_or(15);
                let b = offered.min(own_client_bits);
                (b, b < offered || (v.is_some() && b < 15))
            }
        };
        let mut response = String::from(NAME);
        if snct {
            response.push_str("; server_no_context_takeover");
        }
        if cnct {
            response.push_str("; client_no_context_takeover");
        }
        if echo_server_bits {
            response.push_str(&format!("; server_max_window_bits={server_bits}"));
        }
        if echo_client_bits {
            response.push_str(&format!("; client_max_window_bits={client_bits}"));
        }
        return Some(Accepted {
            negotiated: Negotiated {
                server_no_context_takeover: snct,
                client_no_context_takeover: cnct,
                server_max_window_bits: server_bits,
                client_max_window_bits: client_bits,
            },
            response,
        });
    }
    None
}

/// Whether a client's `Sec-WebSocket-Extensions` value mentions `permessage-deflate` at
/// all: lws asks the application (LWS_CALLBACK_CONFIRM_EXTENSION_OKAY) only then.
pub fn offered(header: &[u8]) -> bool {
    parse_list(header).iter().any(|o| o.name == NAME)
}

/// Client side: the `Sec-WebSocket-Extensions` value to send, from the vhost's extension
/// list (`name`, `client_offer`) after the application's
/// LWS_CALLBACK_CLIENT_CONFIRM_EXTENSION_SUPPORTED vetoes: the offers joined with `,` as
/// lws joins them, or `None` when nothing is offered (no header then).
pub fn client_offer<'a>(offers: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let v: Vec<&str> = offers.into_iter().collect();
    if v.is_empty() {
        None
    } else {
        Some(v.join(","))
    }
}

/// A server answer the client refuses; the text is lws's CLIENT_CONNECTION_ERROR reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientRefusal(pub &'static str);

/// Client side: checks the server's `Sec-WebSocket-Extensions` answer.  `offered` is the
/// `client_offer` string we sent for permessage-deflate (`None` if we did not offer it),
/// `args` the connection's option slots after the application's defaults
/// (LWS_CALLBACK_WS_EXT_DEFAULTS).  `Ok(None)`: no extension in use.
pub fn client_check(
    header: &[u8],
    offered: Option<&str>,
    args: &Args,
) -> Result<Option<Negotiated>, ClientRefusal> {
    const UNKNOWN: ClientRefusal = ClientRefusal("HS: EXT: unknown ext");
    const PARSE: ClientRefusal = ClientRefusal("HS: EXT: failed parsing options");
    const REJECT: ClientRefusal = ClientRefusal("HS: EXT: Rejects server options");

    let ours = match offered {
        Some(o) => {
            let list = parse_list(o.as_bytes());
            let first = list.into_iter().find(|e| e.name == NAME);
            first
                .and_then(|e| e.params)
                .and_then(|p| parse_params(&p).ok())
        }
        None => None,
    };
    let mut agreed = None;
    for answer in parse_list(header) {
        if answer.name != NAME || offered.is_none() {
            return Err(UNKNOWN);
        }
        if agreed.is_some() {
            // The same extension accepted twice.
            return Err(PARSE);
        }
        let params = answer.params.ok_or(PARSE)?;
        let p = parse_params(&params).map_err(|e| match e {
            ParamError::Syntax => PARSE,
            ParamError::Range => REJECT,
        })?;
        let ours = ours.unwrap_or_default();
        // A server window larger than we asked for breaks our request.
        if let (Some(asked), Some(got)) = (ours.smwb, p.smwb) {
            if got > asked {
                return Err(REJECT);
            }
        }
        let client_bits = match p.cmwb {
            // The server may only limit our window if we said we can be limited.
            Some(_) if ours.cmwb.is_none() => return Err(REJECT),
            Some(None) => return Err(REJECT),
            Some(Some(b)) => b.min(ours.cmwb.flatten().unwrap_or(15)),
            None => ours.cmwb.flatten().unwrap_or(15),
        };
        agreed = Some(Negotiated {
            server_no_context_takeover: p.snct,
            client_no_context_takeover: p.cnct || args.0[ARG_CLIENT_NO_CONTEXT_TAKEOVER] != 0,
            server_max_window_bits: p.smwb.unwrap_or(15),
            // lws turns 8 into 9: zlib cannot produce raw deflate with an 8-bit window.
            client_max_window_bits: client_bits.max(9),
        });
    }
    Ok(agreed)
}

// ---------------------------------------------------------------------------------------
// The per-connection codec

/// Which end of the connection we are: it decides which window and which
/// no-context-takeover flag apply to each direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Server,
    Client,
}

/// Codec failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeflateError {
    /// An inflated message passed the limit (close 1009).
    TooBig,
    /// The peer's compressed data is not valid deflate (close 1007... see the plan: the
    /// role maps it as it maps invalid payload data).
    Corrupt,
    /// The compressor failed (should not happen; the role closes).
    Internal,
}

/// Where an [`PmDeflate::inflate`] call left off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxStatus {
    /// Everything given was consumed; give the next bytes of the message.
    NeedInput,
    /// The output chunk is full: deliver it and call again with the input not consumed
    /// (possibly none).
    OutputFull,
    /// The message is complete (only after input marked `last`).
    End,
}

/// One [`PmDeflate::inflate`] step: input bytes consumed, output bytes produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxStep {
    pub consumed: usize,
    pub produced: usize,
    pub status: RxStatus,
}

/// One connection's permessage-deflate state.
pub struct PmDeflate {
    tx_bits: u8,
    rx_bits: u8,
    tx_reset: bool,
    rx_reset: bool,
    level: Compression,
    max_message: u64,
    tx: Option<Compress>,
    rx: Option<Decompress>,
    /// Sending: inside a fragmented message (the next frame is a continuation).
    tx_in_message: bool,
    /// Sending: an earlier fragment of this message produced output.
    tx_produced: bool,
    /// Receiving: inside a compressed message.
    rx_in_message: bool,
    /// Inflated bytes of the current message.
    rx_count: u64,
    /// How much of [`TAIL`] the decompressor has taken for the current message.
    rx_tail: usize,
    /// The peer ended its deflate stream (a BFINAL block) inside this message.
    rx_stream_end: bool,
    /// Compressed bytes seen in this message: an empty compressed message is just an
    /// empty message (the tail alone would leave the decompressor inside a stored block).
    rx_seen: bool,
}

impl PmDeflate {
    /// The codec for one connection; allocates nothing until the first message.
    /// `max_message`: the largest inflated message accepted (0: no limit).
    pub fn new(role: Role, n: &Negotiated, args: &Args, max_message: u64) -> PmDeflate {
        let (tx_bits, rx_bits, tx_reset, rx_reset) = match role {
            Role::Server => (
                n.server_max_window_bits,
                n.client_max_window_bits,
                n.server_no_context_takeover,
                n.client_no_context_takeover,
            ),
            Role::Client => (
                n.client_max_window_bits,
                n.server_max_window_bits,
                n.client_no_context_takeover,
                n.server_no_context_takeover,
            ),
        };
        PmDeflate {
            tx_bits: tx_bits.clamp(9, 15),
            // A window at least as large as the sender's is always enough to inflate.
            rx_bits: rx_bits.clamp(9, 15),
            tx_reset,
            rx_reset,
            level: args.level(),
            max_message: if max_message == 0 {
                u64::MAX
            } else {
                max_message
            },
            tx: None,
            rx: None,
            tx_in_message: false,
            tx_produced: false,
            rx_in_message: false,
            rx_count: 0,
            rx_tail: 0,
            rx_stream_end: false,
            rx_seen: false,
        }
    }

    // --- sending

    /// Compresses one fragment of a data message (`opcode` TEXT, BINARY or CONTINUATION,
    /// `fin` on its last fragment), appending the frame payload to `out`.  Returns the
    /// RSV bits for the frame's header: RSV1 (0x40) on a message's first frame only.
    /// Control frames are never compressed: for them this returns `Ok(None)` and leaves
    /// `out` alone, and the role sends the payload as it is.
    ///
    /// A non-final fragment may compress to nothing yet (the compressor keeps it for the
    /// next one); the role still sends the (empty) frame, which keeps the opcode sequence
    /// simple.  At the final fragment the compressor is flushed and the `00 00 ff ff` it
    /// ends with is removed.
    pub fn compress(
        &mut self,
        opcode: u8,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
    ) -> Result<Option<u8>, DeflateError> {
        if opcode & 8 != 0 {
            return Ok(None);
        }
        let first = !self.tx_in_message;
        let (bits, level) = (self.tx_bits, self.level);
        let c = self
            .tx
            .get_or_insert_with(|| Compress::new_with_window_bits(level, false, bits));
        let flush = if fin {
            FlushCompress::Sync
        } else {
            FlushCompress::None
        };
        let start = out.len();
        let mut pos = 0usize;
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve((input.len() - pos) / 2 + 256);
            }
            let before = c.total_in();
            c.compress_vec(&input[pos..], out, flush)
                .map_err(|_| DeflateError::Internal)?;
            pos += (c.total_in() - before) as usize;
            // A flush is complete once the compressor stops short of the space it had.
            if pos == input.len() && (!fin || out.len() < out.capacity()) {
                break;
            }
        }
        if fin {
            if out.len() == start && !self.tx_produced {
                // Nothing to say and the stream already flushed: zlib emits nothing, so
                // send what RFC 7692 section 7.2.3.6 sends, an empty stored block's
                // first byte (the receiver's tail completes it).
                out.push(0x00);
            } else if out.len() - start < 4 || out[out.len() - 4..] != TAIL {
                return Err(DeflateError::Internal);
            } else {
                out.truncate(out.len() - 4);
            }
            self.tx_produced = false;
            if self.tx_reset {
                c.reset();
            }
            self.tx_in_message = false;
        } else {
            self.tx_in_message = true;
            self.tx_produced |= out.len() > start;
        }
        Ok(Some(if first { 0x40 } else { 0 }))
    }

    // --- receiving

    /// Called for each data frame that starts a message, with its RSV1 bit: whether the
    /// message is compressed (then its payload goes through [`Self::inflate`]; otherwise
    /// the role handles it as usual).
    pub fn rx_message_start(&mut self, rsv1: bool) -> bool {
        self.rx_in_message = rsv1;
        self.rx_count = 0;
        self.rx_tail = 0;
        self.rx_stream_end = false;
        self.rx_seen = false;
        rsv1
    }

    /// Inside a compressed message (between [`Self::rx_message_start`] and `End`).
    pub fn rx_in_message(&self) -> bool {
        self.rx_in_message
    }

    /// Inflates payload bytes of the current compressed message into `out` (the caller's
    /// chunk, [`Args::rx_chunk`] bytes: each chunk filled is one RECEIVE).  `last`: these
    /// are the final bytes of the message's final frame.  Call again while it says
    /// `OutputFull`, with the input it did not consume.
    pub fn inflate(
        &mut self,
        input: &[u8],
        last: bool,
        out: &mut [u8],
    ) -> Result<RxStep, DeflateError> {
        if !self.rx_in_message || out.is_empty() {
            return Err(DeflateError::Internal);
        }
        let bits = self.rx_bits;
        let d = self
            .rx
            .get_or_insert_with(|| Decompress::new_with_window_bits(false, bits));
        // One byte past the limit is enough to know it is passed; never inflate more.
        let room = (self.max_message - self.rx_count).saturating_add(1);
        let out_len = out.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let out = &mut out[..out_len];
        self.rx_seen |= !input.is_empty();
        if last && !self.rx_seen {
            self.rx_in_message = false;
            return Ok(RxStep {
                consumed: 0,
                produced: 0,
                status: RxStatus::End,
            });
        }
        let mut consumed = input.len();
        let mut produced = 0usize;
        // After a final deflate block, anything else in the message is ignored.
        if !self.rx_stream_end {
            let (i0, o0) = (d.total_in(), d.total_out());
            let st = d
                .decompress(input, out, FlushDecompress::Sync)
                .map_err(|_| DeflateError::Corrupt)?;
            consumed = (d.total_in() - i0) as usize;
            produced = (d.total_out() - o0) as usize;
            if st == Status::StreamEnd {
                self.rx_stream_end = true;
                consumed = input.len();
            }
        }
        if last
            && consumed == input.len()
            && produced < out.len()
            && !self.rx_stream_end
            && self.rx_tail < TAIL.len()
        {
            let (i0, o0) = (d.total_in(), d.total_out());
            let st = d
                .decompress(
                    &TAIL[self.rx_tail..],
                    &mut out[produced..],
                    FlushDecompress::Sync,
                )
                .map_err(|_| DeflateError::Corrupt)?;
            self.rx_tail += (d.total_in() - i0) as usize;
            produced += (d.total_out() - o0) as usize;
            if st == Status::StreamEnd {
                self.rx_stream_end = true;
            }
        }
        self.rx_count += produced as u64;
        if self.rx_count > self.max_message {
            return Err(DeflateError::TooBig);
        }
        let status = if produced == out.len() {
            RxStatus::OutputFull
        } else if consumed < input.len() {
            // The decompressor stopped with room left: it cannot use this input.
            return Err(DeflateError::Corrupt);
        } else if !last {
            RxStatus::NeedInput
        } else if self.rx_stream_end || self.rx_tail == TAIL.len() {
            self.rx_in_message = false;
            if self.rx_reset || self.rx_stream_end {
                d.reset(false);
            }
            RxStatus::End
        } else {
            RxStatus::OutputFull
        };
        Ok(RxStep {
            consumed,
            produced,
            status,
        })
    }

    /// An option changed after negotiation (`lws_set_extension_option`): the
    /// compression level takes effect while the compressor is not made yet (as in lws,
    /// whose level only matters when it initialises its compressor); the negotiated
    /// parameters cannot change on a live connection.
    pub fn set_option(&mut self, args: &Args) {
        if self.tx.is_none() {
            self.level = args.level();
        }
    }

    /// Changes the largest inflated message accepted (0: no limit), from the next
    /// [`Self::inflate`] on: a message already past the new limit fails there.
    pub fn set_max_message(&mut self, max_message: u64) {
        self.max_message = if max_message == 0 {
            u64::MAX
        } else {
            max_message
        };
    }

    /// Whether the compressor / decompressor have been allocated (for tests and stats).
    pub fn allocated(&self) -> (bool, bool) {
        (self.tx.is_some(), self.rx.is_some())
    }
}

#[cfg(test)]
mod tests;
