//! permessage-deflate in the ws role: negotiation in the upgrade (both sides), inflating
//! received messages into RECEIVE chunks, compressing what lws_write sends.
//!
//! A connection that did not negotiate the extension has `Ws::pmd == None` and pays one
//! pointer test per message: everything here is reached only through that `Some`.
use crate::abi::*;
use crate::core::close::{close, Why};
use crate::core::wsi::{callback, is_client};
use crate::core::*;
use crate::roles::ws::{close_with, ws};
use crate::roles::{Reasons, WS_REASONS};
use crate::ws::deflate::{self, Args, DeflateError, PmDeflate, RxStatus};
use crate::ws::utf8::Utf8Validator;
use core::ffi::{c_int, c_void};

/// One connection's extension state, allocated only when the extension is negotiated.
pub(crate) struct Pmd {
    pub codec: PmDeflate,
    /// Inflated bytes go here, one RECEIVE per filled chunk (`Args::rx_chunk` bytes).
    chunk: Vec<u8>,
    /// Compressed frames are built here (header room in front), reused per write.
    pub tx: Vec<u8>,
    utf8: Utf8Validator,
    validate_utf8: bool,
    /// The message being inflated is TEXT.
    text: bool,
    /// The next RECEIVE of this message is its first.
    first: bool,
    /// The option slots (`lws_set_extension_option` changes them).
    args: Args,
    rx_cap: usize,
}

impl Pmd {
    fn new(codec: PmDeflate, args: &Args, rx_cap: usize, validate_utf8: bool) -> Box<Pmd> {
        Box::new(Pmd {
            codec,
            chunk: vec![0; args.rx_chunk()],
            tx: Vec::new(),
            utf8: Utf8Validator::new(),
            validate_utf8,
            text: false,
            first: false,
            args: *args,
            rx_cap,
        })
    }
}

/// The connection's rx buffer, as lws bounds the extension's chunks with it: the bound
/// protocol's `rx_buffer_size`, else the service buffer.
fn rx_cap(w: *mut lws) -> usize {
    let s = wref!(w);
    // SAFETY: the bound protocol is a live entry of the vhost.
    let rxs = unsafe { (*s.protocol).rx_buffer_size };
    if rxs == 0 {
        cx!(s.ctx).rbuf.len()
    } else {
        rxs
    }
}

fn validate_utf8(w: *mut lws) -> bool {
    let vh = wref!(w).vhost;
    vh!(vh).options & LWS_SERVER_OPTION_VALIDATE_UTF8 != 0
}

/// Turns the extension on for `w` (its ws role already taken).
pub(crate) fn install(w: *mut lws, pmd: Box<Pmd>) {
    let ws = ws(w);
    ws.rx.allow_rsv1();
    ws.pmd = Some(pmd);
}

/// Server side, between FILTER_PROTOCOL_CONNECTION and ADD_HEADERS: when the vhost lists
/// permessage-deflate and the client offers an acceptable one, installs the codec and
/// returns the value of our `Sec-WebSocket-Extensions` answer.
pub(crate) fn server_negotiate(w: *mut lws) -> Option<String> {
    let vh = wref!(w).vhost;
    vh!(vh).pmd_offer.as_ref()?;
    let hdr = crate::roles::http::headers::joined(w, WSI_TOKEN_EXTENSIONS as c_int);
    if hdr.is_empty() || !deflate::offered(&hdr) {
        return None;
    }
    let mut name = *b"permessage-deflate\0";
    if callback(
        w,
        LWS_CALLBACK_CONFIRM_EXTENSION_OKAY as c_int,
        name.as_mut_ptr() as *mut c_void,
        0,
    ) != 0
    {
        lwsl_info!("permessage-deflate refused by the protocol");
        return None;
    }
    let cap = rx_cap(w);
    if cap < 128 {
        lwsl_info!("permessage-deflate needs an rx buffer of at least 128 bytes");
        return None;
    }
    let args = Args::defaults(cap);
    let acc = deflate::server_accept(&hdr, &args)?;
    let codec = PmDeflate::new(deflate::Role::Server, &acc.negotiated, &args, MAX_MESSAGE);
    install(w, Pmd::new(codec, &args, cap, validate_utf8(w)));
    Some(acc.response)
}

/// Client side: the `Sec-WebSocket-Extensions` value to send, or `None` (no header).
pub(crate) fn client_offer(w: *mut lws) -> Option<String> {
    let vh = wref!(w).vhost;
    let offer = vh!(vh).pmd_offer.clone()?;
    let mut name = *b"permessage-deflate\0";
    // lws asks the vhost's first protocol, with no session data.
    let protos = vhost_protocols(vh);
    let cb = protos.first().and_then(|p| p.callback)?;
    // SAFETY: the protocol's callback, with lws's arguments for this reason.
    let r = unsafe {
        cb(
            w,
            LWS_CALLBACK_CLIENT_CONFIRM_EXTENSION_SUPPORTED,
            core::ptr::null_mut(),
            name.as_mut_ptr() as *mut c_void,
            0,
        )
    };
    if r != 0 {
        return None;
    }
    deflate::client_offer([offer.as_str()])
}

/// Client side, on the server's 101 (before the ws role is taken): checks its
/// `Sec-WebSocket-Extensions` answer; the codec to [`install`] when the extension is in
/// use.  Err: lws's CLIENT_CONNECTION_ERROR text.
pub(crate) fn client_accept(
    w: *mut lws,
    answer: Option<&str>,
) -> Result<Option<Box<Pmd>>, &'static str> {
    let offered = client_offer_sent(w);
    let answer = answer.unwrap_or("");
    if answer.is_empty() {
        return Ok(None);
    }
    let cap = rx_cap(w);
    let mut args = Args::defaults(cap.max(128));
    if offered.is_some() {
        // The application may adjust the options (lws: a string in a 128-byte buffer).
        let mut buf = [0u8; 128];
        if ext_defaults(w, &mut buf) == 0 && buf[0] != 0 {
            let n = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            if args.apply_str(&buf[..n], cap.max(128)).is_err() {
                lwsl_info!("WS_EXT_DEFAULTS options not understood");
            }
        }
    }
    match deflate::client_check(answer.as_bytes(), offered.as_deref(), &args) {
        Err(e) => Err(e.0),
        Ok(None) => Ok(None),
        Ok(Some(n)) => {
            let codec = PmDeflate::new(deflate::Role::Client, &n, &args, MAX_MESSAGE);
            Ok(Some(Pmd::new(codec, &args, cap.max(128), validate_utf8(w))))
        }
    }
}

/// LWS_CALLBACK_WS_EXT_DEFAULTS: lws passes the extension's name as `user` and a buffer
/// for the option string as `in`/`len`, to the bound protocol's callback.
fn ext_defaults(w: *mut lws, buf: &mut [u8; 128]) -> c_int {
    let mut name = *b"permessage-deflate\0";
    let proto = wref!(w).protocol;
    if proto.is_null() {
        return 1;
    }
    // SAFETY: the bound protocol is a live entry of the vhost.
    let Some(cb) = (unsafe { (*proto).callback }) else {
        return 1;
    };
    // SAFETY: lws's arguments for this reason; both buffers outlive the call.
    unsafe {
        cb(
            w,
            LWS_CALLBACK_WS_EXT_DEFAULTS,
            name.as_mut_ptr() as *mut c_void,
            buf.as_mut_ptr() as *mut c_void,
            buf.len(),
        )
    }
}

fn client_offer_sent(w: *mut lws) -> Option<String> {
    wref!(w).client.as_ref().and_then(|c| c.pmd_offer.clone())
}

/// What [`receive`] did with a data event.
pub(crate) enum Rx {
    /// Not compressed: deliver it as usual.
    Plain,
    /// Done; go on parsing.
    Done,
    /// The connection was closed (or is closing): input must stop.
    Stop,
}

/// A data event of the frame parser, as [`receive`] needs it.
pub(crate) struct Event {
    /// Its payload is `buf[start..start + len]`.
    pub start: usize,
    pub len: usize,
    pub message_first: bool,
    /// The last bytes of the message.
    pub last: bool,
    pub binary: bool,
}

/// One data event (its payload inside `ptr[..buf_len]`, the input being parsed, up to
/// `*pos`) of a message that may be compressed.  When a RECEIVE turns rx flow off, the
/// bytes not inflated yet are given back to the parser (`*pos` moves back) and wait
/// with the rest of the input.  Out of line, so that the frame loop of connections
/// without the extension stays as it was.
#[cold]
#[inline(never)]
pub(crate) fn receive(w: *mut lws, ptr: *mut u8, buf_len: usize, pos: &mut usize, ev: Event) -> Rx {
    let Event {
        start,
        len: n,
        message_first,
        last,
        binary,
    } = ev;
    let Some(pmd) = ws(w).pmd.as_mut() else {
        return Rx::Plain;
    };
    if message_first {
        let rsv1 = ws(w).rx.message_rsv1();
        let Some(pmd) = ws(w).pmd.as_mut() else {
            return Rx::Plain;
        };
        if !pmd.codec.rx_message_start(rsv1) {
            return Rx::Plain;
        }
        pmd.text = !binary;
        pmd.first = true;
        pmd.utf8.reset();
    } else if !pmd.codec.rx_in_message() {
        return Rx::Plain;
    }
    // SAFETY: the event's payload lies inside the caller's input, ptr[..buf_len].
    let mut input = unsafe { core::slice::from_raw_parts(ptr.add(start) as *const u8, n) };
    let reason = Reasons::pick(WS_REASONS.receive, is_client(w));
    loop {
        let (step, out_ptr) = {
            let Some(pmd) = ws(w).pmd.as_mut() else {
                return Rx::Stop;
            };
            let Pmd {
                codec,
                chunk,
                utf8,
                text,
                validate_utf8,
                ..
            } = &mut **pmd;
            match codec.inflate(input, last, chunk) {
                Ok(s) => {
                    let out = &chunk[..s.produced];
                    if *text && *validate_utf8 {
                        let done = s.status == RxStatus::End;
                        if !utf8.feed(out) || (done && !utf8.is_complete()) {
                            close_with(w, 1007, b"invalid UTF-8 in text message");
                            return Rx::Stop;
                        }
                    }
                    (s, chunk.as_mut_ptr())
                }
                Err(DeflateError::TooBig) => {
                    close_with(w, 1009, b"message too big");
                    return Rx::Stop;
                }
                Err(_) => {
                    close_with(w, 1007, b"bad compressed data");
                    return Rx::Stop;
                }
            }
        };
        input = &input[step.consumed..];
        let end = step.status == RxStatus::End;
        if step.produced > 0 || end {
            let first = match ws(w).pmd.as_mut() {
                Some(pmd) => core::mem::replace(&mut pmd.first, false),
                None => return Rx::Stop,
            };
            {
                let ws = ws(w);
                ws.rx_first = first;
                ws.rx_final = end;
                ws.rx_binary = binary;
                ws.rx_remaining = 0;
            }
            if callback(w, reason as c_int, out_ptr as *mut c_void, step.produced) != 0 {
                close(w, Why::User);
                return Rx::Stop;
            }
            if !wref!(w).ws_open() {
                return Rx::Stop;
            }
            // Input stopped by the application: what is not inflated yet waits.  (Output
            // the decompressor already holds, from input it took, is still delivered.)
            if wref!(w).rx_flow_reasons != 0 && !input.is_empty() && !end {
                let k = input.len();
                // SAFETY: ptr[..buf_len] is the caller's input, ours for this call (the
                // parser unmasks in place there); `input` no longer borrows it below.
                let buf = unsafe { core::slice::from_raw_parts_mut(ptr, buf_len) };
                ws(w).rx.unconsume(buf, pos, k);
                // The caller's loop keeps the rest while rx flow is off.
                return Rx::Done;
            }
        }
        match step.status {
            RxStatus::End | RxStatus::NeedInput => return Rx::Done,
            RxStatus::OutputFull => {}
        }
    }
}

/// Our one option beyond lws's: the largest message the connection inflates (bytes;
/// default and 0: `MAX_MESSAGE`, 256 MiB), past which it closes with 1009.  lws has no
/// such bound (it inflates without end); lws ignores an option it does not know, so a
/// program that sets this still runs on lws.  Not in the option table C sees
/// (`lws_ext_parse_options`' table stays lws's), only for `lws_set_extension_option`.
const RX_MAX_SIZE: &[u8] = b"rx_max_size";

/// lws_set_extension_option: 0 when `w` is no websocket or the option is unknown (as
/// lws), -1 when the extension is not active on it.
pub(crate) fn set_option(w: *mut lws, ext: &[u8], opt: &[u8], value: Option<&[u8]>) -> c_int {
    let Some(ws) = wref!(w).ws() else {
        return 0;
    };
    let Some(p) = ws.pmd.as_mut() else {
        return -1;
    };
    if ext != deflate::NAME.as_bytes() {
        return -1;
    }
    if opt == RX_MAX_SIZE {
        // Leading decimal digits, as lws reads option values; 0 or none: the default.
        let v = value
            .unwrap_or(b"")
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .fold(0u64, |n, &d| {
                n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
            });
        p.codec
            .set_max_message(if v == 0 { MAX_MESSAGE } else { v });
        return 0;
    }
    let Some(i) = deflate::OPTIONS.iter().position(|(n, _)| *n == opt) else {
        return 0;
    };
    p.args.set(i, value, p.rx_cap);
    p.codec.set_option(&p.args);
    if p.chunk.len() != p.args.rx_chunk() && !p.codec.rx_in_message() {
        p.chunk = vec![0; p.args.rx_chunk()];
    }
    0
}
