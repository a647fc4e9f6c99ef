//! A UDP socket (lws's raw-skt role with LWS_ADOPT_FLAG_UDP): each read is one
//! datagram, whose sender becomes the address the next write goes to, as in lws.  The
//! addresses live in an `lws_udp`-shaped record (`lws_get_udp` hands C a pointer to it).
//! A datagram the socket cannot take now waits, with its destination, in a bounded
//! queue sent in order once the socket is writable again (lws keeps such writes on its
//! unbounded output list); WRITEABLE is held back meanwhile.
use core::ffi::c_int;
use std::collections::VecDeque;
use std::io::ErrorKind;

/// At most this many datagrams wait for the socket, per connection...
pub(crate) const QUEUE_DGRAMS: usize = 1024;
/// ...and at most this many bytes of them.  Past either, a new datagram is dropped (and
/// logged): UDP may lose it anywhere on the way, and a program that writes without
/// waiting for WRITEABLE must not grow our memory without end.
pub(crate) const QUEUE_BYTES: usize = 1024 * 1024;

/// lws's `struct lws_udp` (lws-adopt.h), in lws 4.3's default build's layout (IPv4-only
/// `lws_sockaddr46`): where writes go (`sa46`: the sender of the last datagram, or the
/// address given at creation) and where a buffered write was meant to go.
#[repr(C)]
pub(crate) struct UdpAddrs {
    pub sa46: libc::sockaddr_in,
    pub sa46_pending: libc::sockaddr_in,
    /// lws's `connected:1` bitfield (bit 0 of this byte).
    pub connected: u8,
}

pub(crate) struct Udp {
    fd: c_int,
    pub(crate) addrs: UdpAddrs,
    /// The last read returned a datagram, so more may be queued: the socket is read
    /// again (readiness is edge-triggered and one read takes one datagram).
    more: bool,
    /// Datagrams the socket would not take yet, oldest first, each with where it goes
    /// (family 0: the connected peer).
    queue: VecDeque<(Box<[u8]>, libc::sockaddr_in)>,
    /// Bytes in `queue`.
    queued: usize,
    /// Datagrams dropped at the bound since the queue last drained (logged then).
    dropped: usize,
}

/// The outcome of one sendto.
enum Sent {
    Done,
    Later,
    Failed(ErrorKind),
}

impl Udp {
    /// Takes ownership of a UDP socket (made non-blocking); `peer` is where writes go
    /// until a datagram arrives (zeroed: nowhere yet).
    pub(crate) fn adopt(fd: c_int, peer: Option<libc::sockaddr_in>) -> std::io::Result<Udp> {
        super::file::set_nonblocking(fd)?;
        // SAFETY: all-zero is a valid sockaddr_in (family 0: none).
        let zero: libc::sockaddr_in = unsafe { core::mem::zeroed() };
        Ok(Udp {
            fd,
            addrs: UdpAddrs {
                sa46: peer.unwrap_or(zero),
                sa46_pending: zero,
                connected: 0,
            },
            more: false,
            queue: VecDeque::new(),
            queued: 0,
            dropped: 0,
        })
    }

    pub(crate) fn fd(&self) -> c_int {
        self.fd
    }

    /// One datagram into `buf[..cap]` (truncated if longer), its sender remembered.
    /// Empty datagrams are skipped: a read of 0 means EOF to the core.
    ///
    /// # Safety
    /// `buf[..cap]` is writable and nothing else uses it during the call.
    pub(crate) unsafe fn read(&mut self, buf: *mut u8, cap: usize) -> Result<usize, ErrorKind> {
        loop {
            let mut from: libc::sockaddr_in = self.addrs.sa46;
            let mut len = core::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            // SAFETY: fd is ours; buf[..cap] per the caller; `from` is writable for len.
            let r = unsafe {
                libc::recvfrom(
                    self.fd,
                    buf.cast(),
                    cap,
                    libc::MSG_DONTWAIT,
                    (&mut from as *mut libc::sockaddr_in).cast(),
                    &mut len,
                )
            };
            if r > 0 {
                if from.sin_family == libc::AF_INET as libc::sa_family_t {
                    self.addrs.sa46 = from;
                }
                self.more = true;
                return Ok(r as usize);
            }
            if r == 0 {
                continue;
            }
            self.more = false;
            return Err(std::io::Error::last_os_error().kind());
        }
    }

    /// Sends `data` as one datagram to `sa46` (or to the connected peer when there is no
    /// address).  A datagram the socket cannot take now, or one written while others
    /// wait, joins the queue (order is kept); past its bound it is dropped and logged.
    pub(crate) fn write(&mut self, data: &[u8]) -> Result<usize, ErrorKind> {
        let to = self.addrs.sa46;
        if self.queue.is_empty() {
            match send_to(self.fd, data, &to) {
                Sent::Done => return Ok(data.len()),
                Sent::Failed(k) => return Err(k),
                Sent::Later => {}
            }
        }
        if self.queue.len() >= QUEUE_DGRAMS || self.queued + data.len() > QUEUE_BYTES {
            if self.dropped == 0 {
                lwsl_warn!(
                    "udp: {} datagrams ({} bytes) wait for the socket, the bound: \
                     dropping further ones until they drain",
                    self.queue.len(),
                    self.queued
                );
            }
            self.dropped += 1;
            return Ok(data.len());
        }
        if self.queue.is_empty() {
            // lws's record of where a buffered write was meant to go.
            self.addrs.sa46_pending = to;
        }
        self.queued += data.len();
        self.queue.push_back((data.into(), to));
        Ok(data.len())
    }

    /// Sends queued datagrams while the socket takes them.  True when none is left.
    pub(crate) fn flush(&mut self) -> bool {
        while let Some((d, to)) = self.queue.front() {
            match send_to(self.fd, d, to) {
                Sent::Later => return false,
                Sent::Done => {}
                // Not worth the connection (lws would close it): this one is lost.
                Sent::Failed(k) => lwsl_info!("udp: a queued datagram failed: {:?}", k),
            }
            self.queued -= d.len();
            self.queue.pop_front();
            if let Some((_, next)) = self.queue.front() {
                self.addrs.sa46_pending = *next;
            }
        }
        if self.dropped > 0 {
            lwsl_warn!(
                "udp: {} datagrams were dropped while the queue was full",
                self.dropped
            );
            self.dropped = 0;
        }
        true
    }

    /// Datagrams wait for the socket.
    pub(crate) fn wants_write(&self) -> bool {
        !self.queue.is_empty()
    }

    pub(crate) fn has_buffered_input(&self) -> bool {
        self.more
    }

    /// Where the next write goes, when it is an IP address.
    pub(crate) fn peer_addr(&self) -> Option<std::net::SocketAddr> {
        let a = &self.addrs.sa46;
        if a.sin_family != libc::AF_INET as libc::sa_family_t {
            return None;
        }
        Some(std::net::SocketAddr::from((
            u32::from_be(a.sin_addr.s_addr).to_be_bytes(),
            u16::from_be(a.sin_port),
        )))
    }
}

/// One datagram to `to` (family 0: the connected peer).
fn send_to(fd: c_int, data: &[u8], to: &libc::sockaddr_in) -> Sent {
    let (ap, al) = if to.sin_family == 0 {
        (core::ptr::null(), 0)
    } else {
        (
            (to as *const libc::sockaddr_in).cast(),
            core::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        )
    };
    loop {
        // SAFETY: fd is ours; data is readable; ap is NULL or a sockaddr_in of al bytes.
        let r = unsafe {
            libc::sendto(
                fd,
                data.as_ptr().cast(),
                data.len(),
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
                ap,
                al,
            )
        };
        if r >= 0 {
            return Sent::Done;
        }
        let e = std::io::Error::last_os_error();
        return match e.kind() {
            ErrorKind::Interrupted => continue,
            ErrorKind::WouldBlock => Sent::Later,
            // A peer's ICMP port-unreachable surfaces on the next send of a connected
            // socket, and a full device queue says ENOBUFS: that datagram is lost, the
            // socket still works.
            ErrorKind::ConnectionRefused => Sent::Done,
            _ if e.raw_os_error() == Some(libc::ENOBUFS) => Sent::Done,
            k => Sent::Failed(k),
        };
    }
}

impl Drop for Udp {
    fn drop(&mut self) {
        // SAFETY: the socket is ours (created or adopted) and closed once, here.
        unsafe { libc::close(self.fd) };
    }
}

/// A UDP socket for lws_create_adopt_udp: bound to `addr` (`bind`), or connected to it
/// (a peer; the local port is then the kernel's choice).  IPv4 only, as this build's
/// `lws_sockaddr46` is.
pub(crate) fn open(
    addr: std::net::SocketAddrV4,
    bind: bool,
    broadcast: bool,
) -> std::io::Result<(c_int, libc::sockaddr_in)> {
    // SAFETY: plain socket(2) call.
    let fd = unsafe {
        libc::socket(
            libc::AF_INET,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK,
            libc::IPPROTO_UDP,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: all-zero is a valid sockaddr_in; the members are set below.
    let mut sa: libc::sockaddr_in = unsafe { core::mem::zeroed() };
    sa.sin_family = libc::AF_INET as libc::sa_family_t;
    sa.sin_port = addr.port().to_be();
    sa.sin_addr.s_addr = u32::from_be_bytes(addr.ip().octets()).to_be();
    let one: c_int = 1;
    let setopt = |opt: c_int| {
        // SAFETY: fd is ours; `one` is a readable c_int.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                opt,
                (&one as *const c_int).cast(),
                core::mem::size_of::<c_int>() as libc::socklen_t,
            )
        }
    };
    let _ = setopt(libc::SO_REUSEADDR);
    if broadcast && setopt(libc::SO_BROADCAST) != 0 {
        lwsl_err!("udp: cannot allow broadcast");
    }
    let sp = (&sa as *const libc::sockaddr_in).cast();
    let sl = core::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: fd is ours; sp points at sl bytes of sockaddr_in.
    let r = unsafe {
        if bind {
            libc::bind(fd, sp, sl)
        } else {
            libc::connect(fd, sp, sl)
        }
    };
    if r != 0 {
        let e = std::io::Error::last_os_error();
        // SAFETY: closing the socket made above, once.
        unsafe { libc::close(fd) };
        return Err(e);
    }
    Ok((fd, sa))
}
