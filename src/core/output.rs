//! The one output gate (lws's lws_issue_raw): every byte a connection sends passes
//! here, straight to the transport when nothing is buffered, else behind what is.
use crate::abi::*;
use crate::core::close::close;
use crate::core::close::Why;
use crate::core::wsi::set_timeout;
use crate::core::*;
use crate::evloop::token_of;
use core::ffi::c_int;
use std::io::{ErrorKind, Write};

/// Queues or sends raw bytes: straight to the socket when nothing is buffered, else
/// behind what is.  Returns false if the connection failed.
#[inline(always)]
pub(crate) fn send_raw(w: *mut lws, data: &[u8]) -> bool {
    let s = wref!(w);
    if s.state == State::Dead || s.write_failed {
        return false;
    }
    if s.out_pos < s.out.len() {
        s.out.extend_from_slice(data);
        return true;
    }
    if s.sock.is_none() {
        return false;
    }
    s.out.clear();
    s.out_pos = 0;
    if data.is_empty() {
        return true;
    }
    // send(2) itself, as std's TcpStream::write does (MSG_NOSIGNAL: a peer gone is an
    // EPIPE error, not a signal), without the mio and std layers per message.
    // SAFETY: fd is the socket `sock` owns (checked present above); data is readable.
    let r = unsafe { libc::send(s.fd, data.as_ptr().cast(), data.len(), libc::MSG_NOSIGNAL) };
    if r > 0 && r as usize == data.len() {
        return true;
    }
    send_rest(w, data, r)
}

/// The rest of [`send_raw`] after a first send(2) that returned `r` and did not take
/// everything: send on, then buffer what the kernel would not take.
#[cold]
#[inline(never)]
fn send_rest(w: *mut lws, data: &[u8], mut r: isize) -> bool {
    let s = wref!(w);
    let mut off = 0;
    loop {
        if r > 0 {
            off += r as usize;
        } else if r == 0 {
            break;
        } else {
            match std::io::Error::last_os_error().kind() {
                ErrorKind::Interrupted => {}
                ErrorKind::WouldBlock => break,
                _ => {
                    // We may be inside a user callback (lws_write): closing here would
                    // end the connection under the caller's feet.  Stop using the socket
                    // and let the loop close it at its next safe point.
                    s.write_failed = true;
                    set_timeout(w, PENDING_TIMEOUT_KILLED_BY_PARENT as c_int, 0);
                    return false;
                }
            }
        }
        if off >= data.len() {
            break;
        }
        // SAFETY: as in send_raw; data[off..] is readable.
        r = unsafe {
            libc::send(
                s.fd,
                data.as_ptr().add(off).cast(),
                data.len() - off,
                libc::MSG_NOSIGNAL,
            )
        };
    }
    if off < data.len() {
        // Partial: keep the rest; WRITEABLE is held back until it drains.
        s.writable = false;
        s.out.extend_from_slice(&data[off..]);
        write_interest(w, true);
    }
    true
}

/// Writes out what is buffered.  True when nothing is left.
pub(crate) fn flush(w: *mut lws) -> bool {
    let s = wref!(w);
    while s.out_pos < s.out.len() {
        let r = match s.sock.as_mut() {
            Some(sock) => sock.write(&s.out[s.out_pos..]),
            None => return false,
        };
        match r {
            Ok(0) => return false,
            Ok(n) => s.out_pos += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                s.writable = false;
                return false;
            }
            Err(_) => {
                close(w, Why::Gone);
                return false;
            }
        }
    }
    s.out = Vec::new();
    s.out_pos = 0;
    true
}

/// Adds or drops WRITABLE from the socket's interest (an epoll_ctl, only when output
/// starts or stops waiting on the kernel, never per message).
pub(crate) fn write_interest(w: *mut lws, on: bool) {
    let s = wref!(w);
    if s.write_interest == on {
        return;
    }
    let interest = if on {
        mio::Interest::READABLE | mio::Interest::WRITABLE
    } else {
        mio::Interest::READABLE
    };
    let token = token_of(s.slot, s.gen);
    if let Some(sock) = s.sock.as_mut() {
        match cx!(s.ctx).poll.registry().reregister(sock, token, interest) {
            Ok(()) => s.write_interest = on,
            Err(e) => lwsl_err!("cannot change socket interest: {}", e),
        }
    }
}
