//! The one output gate (lws's lws_issue_raw): every byte a connection sends passes
//! here, straight to the transport when nothing is buffered, else behind what is.
use crate::abi::*;
use crate::core::close::close;
use crate::core::close::Why;
use crate::core::wsi::set_timeout;
use crate::core::*;
use crate::evloop::Interest;
use core::ffi::c_int;
use std::io::ErrorKind;

/// Queues or sends raw bytes: straight to the socket when nothing is buffered, else
/// behind what is.  Returns false if the connection failed.
#[inline(always)]
pub(crate) fn send_raw(w: *mut lws, data: &[u8]) -> bool {
    let s = wref!(w);
    if s.life == Life::Dead || s.write_failed {
        return false;
    }
    if s.out_pos < s.out.len() {
        s.out.extend_from_slice(data);
        return true;
    }
    if s.transport.is_none() {
        return false;
    }
    s.out.clear();
    s.out_pos = 0;
    if data.is_empty() {
        return true;
    }
    let r = s.transport.write(data);
    if r == Ok(data.len()) {
        if s.transport.wants_write() {
            records_queued(w);
        }
        return true;
    }
    send_rest(w, data, r)
}

/// The transport took the bytes but holds encrypted records the socket would not take:
/// WRITEABLE waits, and the socket's writability is watched, until they are out.
#[cold]
pub(crate) fn records_queued(w: *mut lws) {
    wref!(w).writable = false;
    write_interest(w, true);
}

/// The rest of [`send_raw`] after a first write that returned `r` and did not take
/// everything: write on, then buffer what the kernel would not take.
#[cold]
#[inline(never)]
fn send_rest(w: *mut lws, data: &[u8], mut r: Result<usize, ErrorKind>) -> bool {
    let s = wref!(w);
    let mut off = 0;
    loop {
        match r {
            Ok(0) => break,
            Ok(n) => off += n,
            Err(kind) => match kind {
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
            },
        }
        if off >= data.len() {
            break;
        }
        r = s.transport.write(&data[off..]);
    }
    if off < data.len() {
        // Partial: keep the rest; WRITEABLE is held back until it drains.
        s.writable = false;
        s.out.extend_from_slice(&data[off..]);
        write_interest(w, true);
    } else if s.transport.wants_write() {
        records_queued(w);
    }
    true
}

/// Writes out what is buffered.  True when nothing is left.
pub(crate) fn flush(w: *mut lws) -> bool {
    let s = wref!(w);
    while s.out_pos < s.out.len() {
        if s.transport.is_none() {
            return false;
        }
        match s.transport.write(&s.out[s.out_pos..]) {
            Ok(0) => return false,
            Ok(n) => s.out_pos += n,
            Err(ErrorKind::Interrupted) => continue,
            Err(ErrorKind::WouldBlock) => {
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
    s.transport.flush()
}

/// Output accepted but not yet taken by the kernel (lws_partial_buffered).
pub(crate) fn buffered(w: *mut lws) -> bool {
    let s = wref!(w);
    s.out_pos < s.out.len() || s.transport.wants_write()
}

/// Whether a write now would not go straight out (lws_send_pipe_choked): something is
/// still buffered, or the socket cannot take more.
pub(crate) fn choked(w: *mut lws) -> bool {
    if wref!(w).life == Life::Dead || buffered(w) {
        return true;
    }
    let s = wref!(w);
    if s.writable {
        return false;
    }
    // Not known writable yet: ask the kernel, as lws does.
    if s.transport.poll_writable() {
        s.writable = true;
        false
    } else {
        true
    }
}

/// Adds or drops WRITABLE from the socket's interest (an epoll_ctl, only when output
/// starts or stops waiting on the kernel, never per message).
pub(crate) fn write_interest(w: *mut lws, on: bool) {
    let s = wref!(w);
    if s.write_interest == on {
        return;
    }
    let interest = if on {
        Interest::ReadWrite
    } else {
        Interest::Read
    };
    if s.transport.is_none() {
        return;
    }
    let c = cx!(s.ctx);
    match c
        .poller
        .reregister(&mut s.transport, s.slot, s.gen, interest)
    {
        Ok(()) => s.write_interest = on,
        Err(e) => lwsl_err!("cannot change socket interest: {}", e),
    }
}
