//! The raw roles (lws's lib/roles/raw-skt and raw-file): a socket whose bytes go to the
//! protocol as they come (RAW_RX) and leave as they are written (`LWS_WRITE_RAW`), and a
//! non-socket descriptor (pipe, fifo, tty) whose readiness alone is reported: the
//! application reads and writes the descriptor itself (RAW_RX_FILE carries no data).
use crate::abi::*;
use crate::core::close::close;
use crate::core::close::Why;
use crate::core::wsi::callback;
use crate::core::wsi::is_client;
use crate::core::*;
use crate::roles::{Reasons, Role};
use core::ffi::c_int;
use core::ptr::null_mut;

/// Which raw role a connection has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Raw {
    /// A stream socket (accepted, adopted, or a client with method "RAW").
    Skt,
    /// A pipe, fifo or tty adopted with LWS_ADOPT_RAW_FILE_DESC.
    File,
}

/// The raw socket role's reasons, [client, server].
pub(crate) static RAW_SKT_REASONS: Reasons = Reasons {
    writeable: [
        LWS_CALLBACK_RAW_WRITEABLE as u32,
        LWS_CALLBACK_RAW_WRITEABLE as u32,
    ],
    receive: [LWS_CALLBACK_RAW_RX as u32, LWS_CALLBACK_RAW_RX as u32],
    receive_pong: [0, 0],
    drop_protocol: [
        Some(LWS_CALLBACK_RAW_SKT_DROP_PROTOCOL as u32),
        Some(LWS_CALLBACK_RAW_SKT_DROP_PROTOCOL as u32),
    ],
    closed: [
        Some(LWS_CALLBACK_RAW_CLOSE as u32),
        Some(LWS_CALLBACK_RAW_CLOSE as u32),
    ],
};

/// The raw file role's reasons: lws never binds a protocol to it (no BIND/DROP).
pub(crate) static RAW_FILE_REASONS: Reasons = Reasons {
    writeable: [
        LWS_CALLBACK_RAW_WRITEABLE_FILE as u32,
        LWS_CALLBACK_RAW_WRITEABLE_FILE as u32,
    ],
    receive: [
        LWS_CALLBACK_RAW_RX_FILE as u32,
        LWS_CALLBACK_RAW_RX_FILE as u32,
    ],
    receive_pong: [0, 0],
    drop_protocol: [None, None],
    closed: [
        Some(LWS_CALLBACK_RAW_CLOSE_FILE as u32),
        Some(LWS_CALLBACK_RAW_CLOSE_FILE as u32),
    ],
};

/// The adoption callback of each raw role, [client, server].
pub(crate) fn adoption_reason(kind: Raw, client: bool) -> c_int {
    let pair = match kind {
        Raw::Skt => [LWS_CALLBACK_RAW_CONNECTED, LWS_CALLBACK_RAW_ADOPT],
        Raw::File => [LWS_CALLBACK_RAW_ADOPT_FILE, LWS_CALLBACK_RAW_ADOPT_FILE],
    };
    Reasons::pick(pair, client) as c_int
}

fn reasons(kind: Raw) -> &'static Reasons {
    match kind {
        Raw::Skt => &RAW_SKT_REASONS,
        Raw::File => &RAW_FILE_REASONS,
    }
}

/// Bytes from a raw socket: one RAW_RX with all of them.  As lws, only a negative
/// return closes the connection.
pub(crate) fn skt_input(w: *mut lws, ptr: *mut u8, len: usize) {
    if len == 0 {
        return;
    }
    if callback(w, LWS_CALLBACK_RAW_RX as c_int, ptr.cast(), len) < 0 {
        close(w, Why::User);
    }
}

/// A raw file descriptor is readable (or hung up): RAW_RX_FILE with no data, the
/// application reads the descriptor.  Any nonzero return closes it, and so does a
/// hang-up that comes without input.
pub(crate) fn file_readable(w: *mut lws, readable: bool, hup: bool) {
    if readable && callback(w, LWS_CALLBACK_RAW_RX_FILE as c_int, null_mut(), 0) != 0 {
        close(w, Why::User);
        return;
    }
    if hup && !readable && wref!(w).life != Life::Dead {
        close(w, Why::Gone);
    }
}

/// The descriptor can take data and WRITEABLE was asked for.  A raw socket closes on a
/// negative return, a raw file on any nonzero one (lws's two rules).
pub(crate) fn writeable(w: *mut lws, kind: Raw) {
    let s = wref!(w);
    if !s.want_writeable {
        return;
    }
    s.want_writeable = false;
    let reason = Reasons::pick(reasons(kind).writeable, is_client(w));
    let n = callback(w, reason as c_int, null_mut(), 0);
    if (kind == Raw::Skt && n < 0) || (kind == Raw::File && n != 0) {
        close(w, Why::User);
    }
}

impl Role {
    pub(crate) fn raw_reasons(kind: Raw) -> &'static Reasons {
        reasons(kind)
    }
}

/// A raw client's connect finished: the raw-skt role, RAW_CONNECTED (nonzero fails the
/// connection as lws does, with CLIENT_CONNECTION_ERROR "user"), then any WRITEABLE
/// asked for while connecting.
pub(crate) fn client_connected(w: *mut lws) {
    {
        let s = wref!(w);
        s.life = Life::Open;
        s.role = Role::Raw(Raw::Skt);
        s.writable = true;
        cx!(s.ctx)
            .timers
            .cancel(crate::core::timer::TimerKey::Timeout(s.slot, s.gen));
        s.timeout_reason = 0;
    }
    crate::core::output::write_interest(w, false);
    if callback(w, adoption_reason(Raw::Skt, true), null_mut(), 0) != 0 {
        // Not established after all: no RAW_CLOSE follows the connection error.
        wref!(w).role = Role::H1(crate::roles::H1::Client);
        crate::core::connect::fail(w, "user");
        return;
    }
    let s = wref!(w);
    if s.life == Life::Open && s.want_writeable && !s.in_writeable_q {
        s.in_writeable_q = true;
        cx!(s.ctx).writeable_q.push(w);
    }
}

/// The request methods lws's HTTP parser knows (matched without regard to case, each
/// followed by a space), and HTTP/2's preface: the first bytes of anything else are not
/// HTTP.
const HTTP_METHODS: [&[u8]; 9] = [
    b"PRI ",
    b"GET ",
    b"POST ",
    b"OPTIONS ",
    b"PUT ",
    b"PATCH ",
    b"DELETE ",
    b"CONNECT ",
    b"HEAD ",
];

/// Whether the first bytes of a connection are HTTP: Some(true) a known method, Some(false)
/// certainly not (lws's parser gives up at the first character no method has there),
/// None not decided yet (a method's beginning, or nothing).
pub(crate) fn looks_like_http(b: &[u8]) -> Option<bool> {
    let mut undecided = false;
    for m in HTTP_METHODS {
        let n = b.len().min(m.len());
        if b[..n].eq_ignore_ascii_case(&m[..n]) {
            if n == m.len() {
                return Some(true);
            }
            undecided = true;
        }
    }
    if undecided {
        None
    } else {
        Some(false)
    }
}

/// LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG: an HTTP connection whose
/// first bytes are not HTTP takes the raw-skt role instead, as lws's
/// lws_http_to_fallback makes it: the vhost's `listen_accept_protocol` (or its raw
/// protocol) is bound (HTTP_BIND_PROTOCOL: the HTTP role still has it at that point),
/// then RAW_ADOPT, then RAW_RX with the bytes read so far.
pub(crate) fn http_fallback(w: *mut lws, bytes: &mut [u8]) {
    crate::roles::http::server::ah_release(w);
    crate::core::wsi::set_timeout(w, 0, 0);
    let vh = wref!(w).vhost;
    let lap = vh!(vh).listen_accept_protocol;
    // SAFETY: NULL or NUL-terminated, kept by the vhost as lws keeps it.
    let named = unsafe { crate::misc::cstr(lap) }.and_then(|n| protocol_by_name(vh, n));
    let idx = named.unwrap_or_else(|| crate::core::adopt::raw_protocol_index(vh));
    {
        let s = wref!(w);
        s.hdr = Vec::new();
        s.req = None;
    }
    lwsl_info!("http: first bytes are not HTTP: falling back to raw");
    if !crate::core::wsi::bind_protocol(w, idx, LWS_CALLBACK_HTTP_BIND_PROTOCOL as c_int)
        || wref!(w).life != Life::Open
    {
        return close(w, Why::User);
    }
    wref!(w).role = Role::Raw(Raw::Skt);
    if callback(w, LWS_CALLBACK_RAW_ADOPT as c_int, null_mut(), 0) != 0 {
        return close(w, Why::User);
    }
    if wref!(w).life != Life::Open {
        return;
    }
    if bytes.is_empty() {
        // As lws: RAW_RX follows RAW_ADOPT even with nothing read yet (plain text on a
        // TLS listener is handed over before it is read), as (NULL, 0).
        if callback(w, LWS_CALLBACK_RAW_RX as c_int, null_mut(), 0) != 0 {
            close(w, Why::User);
        }
        return;
    }
    skt_input(w, bytes.as_mut_ptr(), bytes.len());
}

#[cfg(test)]
mod fallback_tests {
    use super::looks_like_http;

    #[test]
    fn methods_decide_as_soon_as_they_can() {
        assert_eq!(looks_like_http(b"GET / HTTP/1.1\r\n"), Some(true));
        assert_eq!(looks_like_http(b"get /"), Some(true));
        assert_eq!(looks_like_http(b"OPTIONS * HTTP/1.1"), Some(true));
        assert_eq!(looks_like_http(b""), None);
        assert_eq!(looks_like_http(b"GE"), None);
        assert_eq!(looks_like_http(b"P"), None);
        assert_eq!(looks_like_http(b"GET"), None);
        assert_eq!(looks_like_http(b"GEX"), Some(false));
        assert_eq!(looks_like_http(b"GETX"), Some(false));
        assert_eq!(looks_like_http(b"hello"), Some(false));
        assert_eq!(looks_like_http(b"\x16\x03\x01"), Some(false));
    }
}
