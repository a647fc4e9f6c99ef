//! A plain TCP socket: recv(2) and send(2) on the descriptor itself, without mio's and
//! std's Read/Write layers on every message (the same calls they end in).
use core::ffi::c_int;
use std::io::ErrorKind;
use std::os::fd::AsRawFd;

pub(crate) struct Plain {
    sock: mio::net::TcpStream,
    /// The socket's descriptor, kept at hand for the per-message calls.
    fd: c_int,
}

impl Plain {
    /// Takes an accepted or connecting socket (small writes are not delayed: Nagle off).
    pub(crate) fn new(sock: mio::net::TcpStream) -> Plain {
        let _ = sock.set_nodelay(true);
        let fd = sock.as_raw_fd();
        Plain { sock, fd }
    }

    /// Takes an accepted socket.  Linux copies TCP_NODELAY from the listening socket to
    /// the sockets it accepts, and `Listener::bind` sets it there, so an accepted socket
    /// needs no setsockopt of its own (one syscall less per connection); elsewhere it is
    /// set here.
    fn accepted(sock: mio::net::TcpStream) -> Plain {
        if !cfg!(target_os = "linux") {
            let _ = sock.set_nodelay(true);
        }
        let fd = sock.as_raw_fd();
        Plain { sock, fd }
    }

    /// Takes an adopted stream socket (non-blocking already); it is closed with us.
    pub(crate) fn from_fd(fd: c_int) -> Plain {
        use std::os::fd::FromRawFd;
        // SAFETY: the application handed the descriptor over to us (lws's adoption
        // contract): from now on only this Plain owns and closes it.
        let std_sock = unsafe { std::net::TcpStream::from_raw_fd(fd) };
        Plain::new(mio::net::TcpStream::from_std(std_sock))
    }

    pub(crate) fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        self.sock.peer_addr().ok()
    }

    pub(crate) fn connect(addr: std::net::SocketAddr) -> std::io::Result<Plain> {
        mio::net::TcpStream::connect(addr).map(Plain::new)
    }

    pub(crate) fn fd(&self) -> c_int {
        self.fd
    }

    /// # Safety
    /// `buf[..cap]` is writable and nothing else uses it during the call.
    #[inline(always)]
    pub(crate) unsafe fn read(&mut self, buf: *mut u8, cap: usize) -> Result<usize, ErrorKind> {
        // SAFETY: fd is the socket `sock` owns; buf[..cap] per the caller.
        let r = unsafe { libc::recv(self.fd, buf.cast(), cap, 0) };
        if r >= 0 {
            Ok(r as usize)
        } else {
            Err(std::io::Error::last_os_error().kind())
        }
    }

    /// The first byte waiting on the socket, left there (MSG_PEEK): None at the peer's
    /// EOF.  A TLS listener that also takes plain text decides with it.
    pub(crate) fn peek_first(&self) -> Result<Option<u8>, ErrorKind> {
        let mut b = 0u8;
        // SAFETY: fd is the socket `sock` owns; one writable byte.
        let r = unsafe { libc::recv(self.fd, (&mut b as *mut u8).cast(), 1, libc::MSG_PEEK) };
        match r {
            0 => Ok(None),
            1 => Ok(Some(b)),
            _ => Err(std::io::Error::last_os_error().kind()),
        }
    }

    #[inline(always)]
    pub(crate) fn write(&mut self, data: &[u8]) -> Result<usize, ErrorKind> {
        // MSG_NOSIGNAL, as std's TcpStream::write: a peer gone is an EPIPE error, not a
        // signal.
        // SAFETY: fd is the socket `sock` owns; data is readable.
        let r = unsafe {
            libc::send(
                self.fd,
                data.as_ptr().cast(),
                data.len(),
                libc::MSG_NOSIGNAL,
            )
        };
        if r >= 0 {
            Ok(r as usize)
        } else {
            Err(std::io::Error::last_os_error().kind())
        }
    }

    pub(crate) fn shutdown_write(&mut self) {
        let _ = self.sock.shutdown(std::net::Shutdown::Write);
    }

    pub(crate) fn poll_writable(&self) -> bool {
        poll_out(self.fd)
    }

    pub(crate) fn connect_status(&self) -> Result<bool, ()> {
        match self.sock.take_error() {
            Ok(Some(_)) | Err(_) => Err(()),
            Ok(None) => match self.sock.peer_addr() {
                Ok(_) => Ok(true),
                Err(e) if e.kind() == ErrorKind::NotConnected => Ok(false),
                Err(_) => Err(()),
            },
        }
    }
}

/// Whether `fd` would take output now (a zero-timeout poll).
pub(crate) fn poll_out(fd: c_int) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid pollfd, zero timeout.
    let n = unsafe { libc::poll(&mut pfd, 1, 0) };
    n == 1 && pfd.revents & libc::POLLOUT != 0
}

/// Bytes the kernel still holds for `fd`'s peer, sent and unacknowledged or not sent yet
/// (SIOCOUTQ, which Linux numbers as TIOCOUTQ); None where it cannot say.  A peer reading
/// through a tiny window shrinks it long before the socket is reported writable again
/// (only once a third of the queue has gone), which is how the output stall timer tells
/// a slow reader from one that reads nothing.
pub(crate) fn send_queue(fd: c_int) -> Option<usize> {
    let mut n: c_int = 0;
    // SAFETY: SIOCOUTQ writes one int through the pointer, which is valid for it.
    let r = unsafe { libc::ioctl(fd, libc::TIOCOUTQ, &mut n as *mut c_int) };
    (r == 0 && n >= 0).then_some(n as usize)
}

/// A listening TCP socket.
pub(crate) struct Listener(mio::net::TcpListener);

/// The accept queue lws asks for: the system's SOMAXCONN (4096 in glibc's headers since
/// Linux 5.4; the kernel caps it at net.core.somaxconn).  mio and std ask for 128, which
/// a burst of connects overflows: the kernel then drops SYNs and each costs the client a
/// one-second retransmission.
const LISTEN_BACKLOG: c_int = 4096;

impl Listener {
    pub(crate) fn bind(addr: std::net::SocketAddr) -> std::io::Result<Listener> {
        let l = mio::net::TcpListener::bind(addr)?;
        // A second listen() on a listening socket only resizes its queue.
        // SAFETY: l owns a listening socket descriptor.
        if unsafe { libc::listen(l.as_raw_fd(), LISTEN_BACKLOG) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // Nagle off for every accepted socket at once (see Plain::accepted).
        let one: c_int = 1;
        // SAFETY: a valid option value of the option's size, on our listening socket.
        let r = unsafe {
            libc::setsockopt(
                l.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_NODELAY,
                (&one as *const c_int).cast(),
                core::mem::size_of::<c_int>() as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Listener(l))
    }

    pub(crate) fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.local_addr()
    }

    /// The next waiting connection, as a transport.
    pub(crate) fn accept(&self) -> std::io::Result<(super::Transport, std::net::SocketAddr)> {
        self.0
            .accept()
            .map(|(s, peer)| (super::Transport::Plain(Plain::accepted(s)), peer))
    }
}

impl AsRawFd for Listener {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.0.as_raw_fd()
    }
}
