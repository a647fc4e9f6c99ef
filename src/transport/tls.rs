//! A TLS connection over a plain socket: ciphertext moves between the socket and the
//! sans-IO [`TlsSession`]; the core reads and writes plaintext as with a plain socket.
use std::io::ErrorKind;

use super::Plain;
use crate::tls::session::{Plain as Got, TlsSession};

pub(crate) struct Tls {
    sock: Plain,
    pub(crate) sess: TlsSession,
    /// Ciphertext read from the socket that the session could not take yet (it takes
    /// more once its decrypted input has been read out).
    pending: Vec<u8>,
    /// The socket may hold input no poll event will announce: the last recv filled the
    /// buffer, or a read returned plaintext from input taken earlier without a recv
    /// coming back short in the same call (input that arrived after that earlier recv
    /// raised its readiness edge meanwhile, and edge-triggered polling does not repeat
    /// it).  Cleared by a short recv.
    more: bool,
    /// A listener that also takes plain text (LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT):
    /// the first byte is looked at before the session sees anything.
    pub(crate) sniff: bool,
    /// The program's certificate check (OPENSSL_PERFORM_*_CERT_VERIFICATION) is due
    /// once the handshake is done: reading stops there with [`VERIFY`], and what the
    /// role writes meanwhile waits in `held`, so nothing reaches a peer the program has
    /// not accepted yet.
    pub(crate) verify_owed: bool,
    /// Plaintext written before the program accepted the peer, in order.
    held: Vec<u8>,
}

/// What `Tls::read` returns when a sniffing connection's first byte is not TLS: no TLS
/// record starts with a printable byte (a handshake record is 0x16), an HTTP request
/// line always does (lws's test, too).  No socket read returns this kind.
pub(crate) const NOT_TLS: ErrorKind = ErrorKind::Unsupported;

/// What `Tls::read` returns when the handshake has just completed and the program's
/// certificate check is owed (see `Tls::verify_owed`); no socket read returns it.
pub(crate) const VERIFY: ErrorKind = ErrorKind::Other;

impl Tls {
    pub(crate) fn new(sock: Plain, sess: TlsSession) -> Tls {
        Tls {
            sock,
            sess,
            pending: Vec::new(),
            more: false,
            sniff: false,
            verify_owed: false,
            held: Vec::new(),
        }
    }

    pub(crate) fn fd(&self) -> core::ffi::c_int {
        self.sock.fd()
    }

    /// Writes queued records until all are out or the socket would block.
    pub(crate) fn flush_records(&mut self) -> Result<(), ErrorKind> {
        let sock = &mut self.sock;
        self.sess
            .write_tls(|b| sock.write(b).map_err(std::io::Error::from))
            .map(|_| ())
            .map_err(|e| e.kind())
    }

    /// A failed handshake or a corrupt record: the alert goes out, then the error.
    #[cold]
    fn failed(&mut self) -> ErrorKind {
        let _ = self.flush_records();
        ErrorKind::InvalidData
    }

    /// Reads plaintext into `buf[..cap]`, reading and decrypting socket input as needed
    /// (and answering the handshake on the way).  Ok(0) is the end of the peer's data.
    ///
    /// # Safety
    /// `buf[..cap]` is writable and nothing else uses it during the call.
    pub(crate) unsafe fn read(&mut self, buf: *mut u8, cap: usize) -> Result<usize, ErrorKind> {
        if self.sniff {
            match self.sock.peek_first()? {
                None => return Ok(0),
                Some(b) if b >= b' ' => return Err(NOT_TLS),
                Some(_) => self.sniff = false,
            }
        }
        // SAFETY: per this function's contract.
        let out = unsafe { std::slice::from_raw_parts_mut(buf, cap) };
        // A recv in this call came back short: the socket was empty after this call's
        // readiness edge, so input arriving later raises a new one.
        let mut drained = false;
        loop {
            if self.verify_owed && self.sess.handshake_done() {
                return Err(VERIFY);
            }
            match self.sess.read_plain(out) {
                Got::Data(n) if n > 0 => {
                    // Plaintext of ciphertext read in an earlier call (held decrypted, or
                    // unfed in `pending`): the caller sees a short read, which for a
                    // socket means drained, but this call never asked the socket.  The
                    // connection is to be read again (`has_buffered_input`) until a recv
                    // comes back short, or input that came meanwhile waits unannounced.
                    self.more |= !drained;
                    return Ok(n);
                }
                Got::Closed => return Ok(0),
                _ => {}
            }
            if !self.pending.is_empty() {
                let k = match self.sess.feed(&self.pending) {
                    Ok(k) => k,
                    Err(_) => return Err(self.failed()),
                };
                self.pending.drain(..k);
                self.flush_records()?;
                if k > 0 {
                    continue;
                }
            }
            self.more = false;
            // SAFETY: as above; the ciphertext is fed (or copied out) before `out` is
            // written again.
            let n = unsafe { self.sock.read(buf, cap) }?;
            if n == 0 {
                if self.sess.peer_eof().is_err() {
                    return Err(self.failed());
                }
                return match self.sess.read_plain(out) {
                    Got::Data(n) => Ok(n),
                    _ => Ok(0),
                };
            }
            self.more = n == cap;
            drained = !self.more;
            let k = match self.sess.feed(&out[..n]) {
                Ok(k) => k,
                Err(_) => return Err(self.failed()),
            };
            if k < n {
                self.pending.extend_from_slice(&out[k..n]);
            }
            // Handshake answers (and tickets, key updates) go out as they arise.
            self.flush_records()?;
        }
    }

    /// Encrypts what the session takes of `data` and sends what the socket takes of the
    /// records; records left over stay queued (`wants_write`).
    pub(crate) fn write(&mut self, data: &[u8]) -> Result<usize, ErrorKind> {
        if self.verify_owed || !self.held.is_empty() {
            return self.hold(data);
        }
        if self.sess.wants_write() {
            self.flush_records()?;
        }
        let k = self.sess.write_plain(data);
        self.flush_records()?;
        if k == 0 && !data.is_empty() {
            return Err(ErrorKind::WouldBlock);
        }
        Ok(k)
    }

    #[cold]
    fn hold(&mut self, data: &[u8]) -> Result<usize, ErrorKind> {
        self.held.extend_from_slice(data);
        // The handshake's own records (a client's hello) still go out.
        let r = if self.verify_owed {
            self.flush_records()
        } else {
            self.release()
        };
        match r {
            Err(e) if e != ErrorKind::WouldBlock => Err(e),
            _ => Ok(data.len()),
        }
    }

    /// The program accepted the peer: what it wrote meanwhile goes to the session.
    pub(crate) fn verified(&mut self) -> Result<(), ErrorKind> {
        self.verify_owed = false;
        self.release()
    }

    /// Sends what can go now (held plaintext only once the peer is accepted); true
    /// when nothing waits inside the transport.
    pub(crate) fn flush_all(&mut self) -> bool {
        let _ = if self.verify_owed {
            self.flush_records()
        } else {
            self.release()
        };
        !self.wants_write()
    }

    /// Hands held plaintext to the session as far as it takes it, and sends the records.
    fn release(&mut self) -> Result<(), ErrorKind> {
        if !self.held.is_empty() {
            let k = self.sess.write_plain(&self.held);
            self.held.drain(..k);
        }
        self.flush_records()
    }

    /// Output waits inside the transport: records, or plaintext held back.
    #[inline(always)]
    pub(crate) fn wants_write(&self) -> bool {
        self.sess.wants_write() || !self.held.is_empty()
    }

    /// Input waits here, or the end of it does: a close_notify that came with the last
    /// records is reported by the next read, and a peer that sent it may keep its socket
    /// open until we answer, so no poll event would ever bring us back to see it.
    pub(crate) fn has_buffered_input(&self) -> bool {
        self.sess.has_buffered_plaintext()
            || !self.pending.is_empty()
            || self.more
            || self.sess.peer_closed()
    }

    /// Queues close_notify and sends what the socket takes, then shuts our side.
    pub(crate) fn shutdown_write(&mut self) {
        self.close_notify();
        self.sock.shutdown_write();
    }

    pub(crate) fn close_notify(&mut self) {
        // Not mid-handshake: a peer that never finished one gets no alert, just the close.
        if self.sess.handshake_done() {
            self.sess.send_close_notify();
            let _ = self.flush_records();
        }
    }

    /// The socket without its session (a sniffed plain-text peer): nothing was read from
    /// it, so the peer's bytes are all still there.
    pub(crate) fn into_sock(self) -> Plain {
        self.sock
    }

    pub(crate) fn sock(&self) -> &Plain {
        &self.sock
    }
}
