//! A connection's descriptor and byte stream (lws's lib/tls and the socket half of
//! lib/core-net): the only place that issues socket syscalls.
//!
//! The core asks a [`Transport`] to read, write, flush and shut down; it never touches
//! the descriptor itself.  Two questions exist for transports that keep bytes of their
//! own (TLS will): [`Transport::has_buffered_input`] (input is waiting inside the
//! transport with no poll event to announce it, so a short read does not mean "drained";
//! the service loop serves such connections without waiting for the poller) and
//! [`Transport::wants_write`] (output is waiting inside the transport).  A plain socket
//! answers no to both, and the compiler folds those checks away.

/// cbindgen:ignore
pub(crate) mod file;
/// cbindgen:ignore
pub(crate) mod plain;
/// cbindgen:ignore
pub(crate) mod tls;
/// cbindgen:ignore
pub(crate) mod udp;

pub(crate) use file::FileFd;
pub(crate) use plain::{Listener, Plain};
use std::io::ErrorKind;
pub(crate) use tls::Tls;

/// The descriptor a connection reads and writes.
pub(crate) enum Transport {
    /// None yet (a client before its connect) or no more (closed).
    None,
    /// A TCP socket, bytes as they are.
    Plain(Plain),
    /// A pipe, fifo or tty (the raw-file role): read/write rather than recv/send.
    File(FileFd),
    /// TLS over a TCP socket (boxed: the session is large and most connections of a
    /// plain server never carry one).
    Tls(Box<Tls>),
    /// A UDP socket: datagrams, replies to the last sender (boxed: `lws_get_udp` hands C
    /// a pointer to its address record).
    Udp(Box<udp::Udp>),
}

impl Transport {
    pub(crate) fn is_none(&self) -> bool {
        matches!(self, Transport::None)
    }

    /// The descriptor (lws_get_socket_fd), -1 without one.
    pub(crate) fn fd(&self) -> core::ffi::c_int {
        match self {
            Transport::None => -1,
            Transport::Plain(p) => p.fd(),
            Transport::File(f) => f.fd(),
            Transport::Tls(t) => t.fd(),
            Transport::Udp(u) => u.fd(),
        }
    }

    /// Reads into `buf[..cap]`: Ok(0) is the peer's EOF.
    ///
    /// # Safety
    /// `buf[..cap]` is writable and nothing else uses it during the call.
    #[inline(always)]
    pub(crate) unsafe fn read(&mut self, buf: *mut u8, cap: usize) -> Result<usize, ErrorKind> {
        match self {
            Transport::None => Err(ErrorKind::NotConnected),
            // SAFETY: per this function's contract.
            Transport::Plain(p) => unsafe { p.read(buf, cap) },
            // SAFETY: per this function's contract.
            Transport::File(f) => unsafe { f.read(buf, cap) },
            // SAFETY: per this function's contract.
            Transport::Tls(t) => unsafe { t.read(buf, cap) },
            // SAFETY: per this function's contract.
            Transport::Udp(u) => unsafe { u.read(buf, cap) },
        }
    }

    /// Writes what the kernel takes of `data`, without blocking.
    #[inline(always)]
    pub(crate) fn write(&mut self, data: &[u8]) -> Result<usize, ErrorKind> {
        match self {
            Transport::None => Err(ErrorKind::NotConnected),
            Transport::Plain(p) => p.write(data),
            Transport::File(f) => f.write(data),
            Transport::Tls(t) => t.write(data),
            Transport::Udp(u) => u.write(data),
        }
    }

    /// Pushes out what the transport itself holds (nothing, for a plain socket).  True
    /// when nothing is left inside it.
    #[inline(always)]
    pub(crate) fn flush(&mut self) -> bool {
        match self {
            Transport::None | Transport::Plain(_) | Transport::File(_) => true,
            Transport::Tls(t) => t.flush_all(),
            Transport::Udp(u) => u.flush(),
        }
    }

    /// Input is waiting inside the transport that no poll event will announce.
    #[inline(always)]
    pub(crate) fn has_buffered_input(&self) -> bool {
        match self {
            Transport::None | Transport::Plain(_) | Transport::File(_) => false,
            Transport::Tls(t) => t.has_buffered_input(),
            Transport::Udp(u) => u.has_buffered_input(),
        }
    }

    /// Output is waiting inside the transport (not in the connection's own buffer).
    #[inline(always)]
    pub(crate) fn wants_write(&self) -> bool {
        match self {
            Transport::None | Transport::Plain(_) | Transport::File(_) => false,
            Transport::Tls(t) => t.wants_write(),
            Transport::Udp(u) => u.wants_write(),
        }
    }

    /// Ends our sending side; the peer's data can still be read.
    pub(crate) fn shutdown_write(&mut self) {
        match self {
            Transport::Plain(p) => p.shutdown_write(),
            Transport::Tls(t) => t.shutdown_write(),
            Transport::None | Transport::File(_) | Transport::Udp(_) => {}
        }
    }

    /// Closes the descriptor (it leaves the poller's set with it); a TLS session says
    /// close_notify first, as far as the socket takes it.
    pub(crate) fn close(&mut self) {
        if let Transport::Tls(t) = self {
            t.close_notify();
        }
        *self = Transport::None;
    }

    /// The TLS session, if the connection has one.
    pub(crate) fn tls(&self) -> Option<&crate::tls::session::TlsSession> {
        match self {
            Transport::Tls(t) => Some(&t.sess),
            _ => None,
        }
    }

    /// Puts TLS over a plain socket (accept on a TLS listener, a TLS client once
    /// connected).  The descriptor, and so its poller registration, stays the same.
    pub(crate) fn start_tls(&mut self, sess: crate::tls::session::TlsSession) -> bool {
        match core::mem::replace(self, Transport::None) {
            Transport::Plain(p) => {
                *self = Transport::Tls(Box::new(Tls::new(p, sess)));
                true
            }
            other => {
                *self = other;
                false
            }
        }
    }

    /// A TLS listener that also takes plain text: the connection looks at its first byte
    /// before the handshake (see `tls::NOT_TLS`).
    pub(crate) fn sniff_plain(&mut self) {
        if let Transport::Tls(t) = self {
            t.sniff = true;
        }
    }

    /// The program's certificate check is due when the handshake completes (see
    /// `tls::VERIFY`).
    pub(crate) fn owe_verify(&mut self) {
        if let Transport::Tls(t) = self {
            t.verify_owed = true;
        }
    }

    /// Drops TLS from a connection whose peer spoke plain text (only before the
    /// session has read anything): it goes on as a plain socket, same descriptor and
    /// poller registration.
    pub(crate) fn drop_tls(&mut self) {
        if let Transport::Tls(t) = core::mem::replace(self, Transport::None) {
            *self = Transport::Plain(t.into_sock());
        }
    }

    /// Whether the kernel would take more output now (lws_send_pipe_choked's question
    /// when we do not know yet).
    pub(crate) fn poll_writable(&self) -> bool {
        match self {
            Transport::None => false,
            Transport::Plain(p) => p.poll_writable(),
            Transport::File(f) => f.poll_writable(),
            Transport::Tls(t) => !t.wants_write() && t.sock().poll_writable(),
            Transport::Udp(u) => !u.wants_write() && plain::poll_out(u.fd()),
        }
    }

    /// What the kernel still holds to send on this connection's socket (see
    /// [`plain::send_queue`]); None for other transports.
    pub(crate) fn send_queue(&self) -> Option<usize> {
        match self {
            Transport::Plain(p) => plain::send_queue(p.fd()),
            Transport::Tls(t) => plain::send_queue(t.sock().fd()),
            Transport::None | Transport::File(_) | Transport::Udp(_) => None,
        }
    }

    /// Adopts a descriptor handed over by the application: a socket becomes
    /// [`Transport::Plain`], anything else [`Transport::File`].  Either way it is made
    /// non-blocking and closed with the connection.
    pub(crate) fn adopt(fd: core::ffi::c_int) -> std::io::Result<Transport> {
        if fd < 0 {
            return Err(ErrorKind::InvalidInput.into());
        }
        if file::is_socket(fd) {
            file::set_nonblocking(fd)?;
            Ok(Transport::Plain(Plain::from_fd(fd)))
        } else {
            FileFd::adopt(fd).map(Transport::File)
        }
    }

    /// The peer of an adopted socket, when it has an IP one.
    pub(crate) fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        match self {
            Transport::Plain(p) => p.peer_addr(),
            Transport::Tls(t) => t.sock().peer_addr(),
            Transport::Udp(u) => u.peer_addr(),
            _ => None,
        }
    }

    /// Starts a non-blocking TCP connect.
    pub(crate) fn connect(addr: std::net::SocketAddr) -> std::io::Result<Transport> {
        Plain::connect(addr).map(Transport::Plain)
    }

    /// Where a connect started by [`Transport::connect`] stands: Ok(true) connected,
    /// Ok(false) still in progress, Err failed.
    pub(crate) fn connect_status(&self) -> Result<bool, ()> {
        match self {
            Transport::None => Err(()),
            Transport::Plain(p) => p.connect_status(),
            Transport::File(_) | Transport::Udp(_) => Ok(true),
            Transport::Tls(t) => t.sock().connect_status(),
        }
    }
}

impl std::os::fd::AsRawFd for Transport {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.fd()
    }
}
