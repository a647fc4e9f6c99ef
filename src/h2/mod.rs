//! HTTP/2 (RFC 9113) as sans-IO codecs: no sockets, no clocks, no callbacks.
//!
//! - [`huffman`]: HPACK's static Huffman code.
//! - [`hpack`]: header compression (RFC 7541), decoder with the dynamic table and a
//!   header-list budget enforced while decoding, and a stateless encoder.
//! - [`settings`]: SETTINGS parameters, their validation and defaults.
//! - [`frame`]: parsing and writing every frame type, with the per-frame checks of
//!   section 6.
//! - [`client`]: the client side of a connection, same shape as [`conn`].
//! - [`conn`]: the server side of a connection as a state machine: bytes in, events and
//!   bytes out.
//!
//! The engine's h2 role drives [`conn::ServerConn`] and maps each stream to a child wsi.

pub mod client;
pub mod conn;
pub mod frame;
pub mod hpack;
pub mod huffman;
pub mod settings;

use std::fmt;

/// The connection preface a client sends first (section 3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// An HTTP/2 error code (section 7).  A newtype rather than an enum because a peer may
/// send codes this version does not know, which must be carried, not rejected.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorCode(pub u32);

impl ErrorCode {
    pub const NO_ERROR: ErrorCode = ErrorCode(0x0);
    pub const PROTOCOL_ERROR: ErrorCode = ErrorCode(0x1);
    pub const INTERNAL_ERROR: ErrorCode = ErrorCode(0x2);
    pub const FLOW_CONTROL_ERROR: ErrorCode = ErrorCode(0x3);
    pub const SETTINGS_TIMEOUT: ErrorCode = ErrorCode(0x4);
    pub const STREAM_CLOSED: ErrorCode = ErrorCode(0x5);
    pub const FRAME_SIZE_ERROR: ErrorCode = ErrorCode(0x6);
    pub const REFUSED_STREAM: ErrorCode = ErrorCode(0x7);
    pub const CANCEL: ErrorCode = ErrorCode(0x8);
    pub const COMPRESSION_ERROR: ErrorCode = ErrorCode(0x9);
    pub const CONNECT_ERROR: ErrorCode = ErrorCode(0xa);
    pub const ENHANCE_YOUR_CALM: ErrorCode = ErrorCode(0xb);
    pub const INADEQUATE_SECURITY: ErrorCode = ErrorCode(0xc);
    pub const HTTP_1_1_REQUIRED: ErrorCode = ErrorCode(0xd);

    /// The RFC's name of the code, or `None` for a code it does not define.
    pub fn name(self) -> Option<&'static str> {
        const NAMES: [&str; 14] = [
            "NO_ERROR",
            "PROTOCOL_ERROR",
            "INTERNAL_ERROR",
            "FLOW_CONTROL_ERROR",
            "SETTINGS_TIMEOUT",
            "STREAM_CLOSED",
            "FRAME_SIZE_ERROR",
            "REFUSED_STREAM",
            "CANCEL",
            "COMPRESSION_ERROR",
            "CONNECT_ERROR",
            "ENHANCE_YOUR_CALM",
            "INADEQUATE_SECURITY",
            "HTTP_1_1_REQUIRED",
        ];
        NAMES.get(self.0 as usize).copied()
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "ErrorCode({:#x})", self.0),
        }
    }
}

/// A protocol violation found in the peer's input, with the scope section 5.4 gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum H2Error {
    /// The whole connection is unusable: GOAWAY with `code`, then close.
    Connection {
        code: ErrorCode,
        reason: &'static str,
    },
    /// Only `stream` is affected: RST_STREAM with `code`; the connection goes on.
    Stream {
        stream: u32,
        code: ErrorCode,
        reason: &'static str,
    },
}

impl H2Error {
    pub(crate) fn conn(code: ErrorCode, reason: &'static str) -> Self {
        H2Error::Connection { code, reason }
    }

    pub(crate) fn stream(stream: u32, code: ErrorCode, reason: &'static str) -> Self {
        H2Error::Stream {
            stream,
            code,
            reason,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            H2Error::Connection { code, .. } | H2Error::Stream { code, .. } => *code,
        }
    }
}

/// One header field.  Names are lowercase on the wire in HTTP/2.
#[derive(Clone, PartialEq, Eq)]
pub struct Header {
    pub name: Vec<u8>,
    pub value: Vec<u8>,
}

impl Header {
    pub fn new(name: &[u8], value: &[u8]) -> Self {
        Header {
            name: name.to_vec(),
            value: value.to_vec(),
        }
    }

    /// What the entry costs against header-table and header-list limits (RFC 7541
    /// section 4.1): both lengths plus 32.
    pub fn hpack_size(&self) -> usize {
        self.name.len() + self.value.len() + 32
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            String::from_utf8_lossy(&self.name),
            String::from_utf8_lossy(&self.value)
        )
    }
}
