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
        queue(w, data);
        return true;
    }
    if s.transport.is_none() {
        // An h2 stream has no descriptor of its own: its bytes go out as DATA on the
        // connection that carries it.  (Out of the way: other connections never get here.)
        return s.mux.is_some() && crate::roles::h2::child_send(w, data);
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
        queue(w, &data[off..]);
        write_interest(w, true);
    } else if s.transport.wants_write() {
        records_queued(w);
    }
    true
}

/// rx flow reason: the connection's unsent output is over `Ctx::out_limit`, or the part
/// of it the library made itself is over [`OWN_OUT_LIMIT`].
pub(crate) const RXFLOW_OUT_FULL: c_int = 1 << 23;

/// The bound of the unsent replies the library makes on its own behalf (pongs, close
/// echoes, error pages), per connection.  These come only from the peer's input, so a
/// peer that sends pings and never reads would otherwise grow them without end; past
/// this, reading from it stops until half of them have gone.  The program's own writes
/// are not counted here: they follow lws's rules (WRITEABLE is held back while output
/// waits, `lws_send_pipe_choked` tells), with only the much larger `Ctx::out_limit` as a
/// backstop, so a peer that sends a large message while not reading its echo still gets it.
pub(crate) const OWN_OUT_LIMIT: usize = 128 * 1024;

/// At most this many separate ranges of own replies are tracked (each pong between two
/// echoes is one); past it reading stops as past [`OWN_OUT_LIMIT`].
const OWN_OUT_RANGES: usize = 1024;

/// The backstop bound of one connection's unsent output, whoever wrote it: a few reads'
/// worth, never under 32 MiB.  lws has no such bound (its buflist grows as long as writes
/// come); it scales here with `pt_serv_buf_size`, the knob that sizes a read.  The floor
/// is as large as it is because a peer may not read while it sends a large message: an
/// echo of a 16 MiB message (Autobahn 9.1.6/9.2.6) must be able to queue whole while
/// reading goes on, or both sides wait on each other until the stall timer closes the
/// connection.  The library's own replies have the tight bound above.
pub(crate) fn out_limit(serv_buf: usize) -> usize {
    (serv_buf * 4).max(32 * 1024 * 1024)
}

/// [`send_raw`] for a reply the library makes itself: what of it has to wait counts
/// toward [`OWN_OUT_LIMIT`].
pub(crate) fn send_own(w: *mut lws, data: &[u8]) -> bool {
    wref!(w).own_tx = true;
    let ok = send_raw(w, data);
    wref!(w).own_tx = false;
    ok
}

/// Unsent bytes of the library's own replies (ranges wholly sent are dropped first).
fn own_unsent(s: &mut lws) -> usize {
    let pos = s.out_pos;
    s.own_out.retain(|&(_, end)| end > pos);
    s.own_out.iter().map(|&(a, e)| e - a.max(pos)).sum()
}

/// Whether the unsent output is over either bound (`div` = 2: under half of them).
fn over_limits(s: &mut lws, div: usize) -> bool {
    if s.out.len() - s.out_pos > cx!(s.ctx).out_limit / div {
        return true;
    }
    if s.own_out.is_empty() {
        return false;
    }
    // Sent ranges are dropped first: counted stale, more than OWN_OUT_RANGES of them
    // would keep reading stopped after everything went.
    let unsent = own_unsent(s);
    s.own_out.len() > OWN_OUT_RANGES / div || unsent > OWN_OUT_LIMIT / div
}

/// Appends to the unsent output.  Past a bound, reading from the connection stops, and a
/// timer closes it if the peer then takes nothing for `timeout_secs`.
fn queue(w: *mut lws, data: &[u8]) {
    let s = wref!(w);
    // What the kernel already took is dropped once it is as large as what is left, so a
    // peer reading slowly while the buffer never quite drains cannot grow it either
    // (each byte is moved at most once on average).
    if s.out_pos > 0 && s.out_pos >= s.out.len() - s.out_pos {
        let shift = s.out_pos;
        s.out.drain(..shift);
        s.out_pos = 0;
        if !s.own_out.is_empty() {
            s.own_out.retain(|&(_, end)| end > shift);
            for r in s.own_out.iter_mut() {
                *r = (r.0.saturating_sub(shift), r.1 - shift);
            }
        }
    }
    let at = s.out.len();
    s.out.extend_from_slice(data);
    if s.own_tx {
        match s.own_out.last_mut() {
            Some(last) if last.1 == at => last.1 = s.out.len(),
            _ => s.own_out.push((at, s.out.len())),
        }
    }
    if s.rx_flow_reasons & RXFLOW_OUT_FULL == 0 && over_limits(s, 1) {
        let was_reading = s.rx_flow_reasons == 0;
        s.rx_flow_reasons |= RXFLOW_OUT_FULL;
        stall_timer(w);
        crate::core::extpoll::flow_changed(w, was_reading);
    }
}

/// (Re)arms the timer that closes a connection whose peer stops taking its output,
/// noting how much the kernel holds for the peer at this point.
#[cold]
fn stall_timer(w: *mut lws) {
    let s = wref!(w);
    s.stall_q = s.transport.send_queue().unwrap_or(usize::MAX);
    arm_stall(w);
}

fn arm_stall(w: *mut lws) {
    let s = wref!(w);
    let c = cx!(s.ctx);
    let due = crate::core::timer::now_usecs() + c.timeout_secs as i64 * 1_000_000;
    c.timers
        .schedule(crate::core::timer::TimerKey::OutStall(s.slot, s.gen), due);
}

/// The peer took some output: reading resumes once under half of both bounds, else the
/// stall timer starts again.
#[cold]
fn drained_some(w: *mut lws) {
    let s = wref!(w);
    let c = cx!(s.ctx);
    if over_limits(s, 2) {
        stall_timer(w);
        return;
    }
    s.rx_flow_reasons &= !RXFLOW_OUT_FULL;
    c.timers
        .cancel(crate::core::timer::TimerKey::OutStall(s.slot, s.gen));
    if s.rx_flow_reasons == 0 {
        if !s.in_rx_q {
            s.in_rx_q = true;
            c.rx_q.push(w);
        }
        crate::core::extpoll::flow_changed(w, false);
    }
}

/// The stall timer fired: the peer kept the output over the limit and took nothing for
/// `timeout_secs`, unless the kernel's send queue for it shrank meanwhile.  A peer
/// reading through a tiny window takes a little at a time, while the socket is reported
/// writable (which is when `flush` sees progress) only after a third of the queue went:
/// that can take longer than `timeout_secs` although the peer reads all along.
pub(crate) fn stalled(w: *mut lws) {
    let s = wref!(w);
    if s.life == Life::Dead || s.rx_flow_reasons & RXFLOW_OUT_FULL == 0 {
        return;
    }
    if let Some(q) = s.transport.send_queue() {
        if q < s.stall_q {
            s.stall_q = q;
            arm_stall(w);
            return;
        }
    }
    lwsl_info!(
        "closing a connection whose peer left {} bytes unread",
        s.out.len() - s.out_pos
    );
    close(w, Why::Gone);
}

/// Writes out what is buffered.  True when nothing is left.
pub(crate) fn flush(w: *mut lws) -> bool {
    loop {
        // Borrowed afresh each round: `drained_some` may call the program
        // (CHANGE_MODE_POLL_FD), which may write on this connection.
        let s = wref!(w);
        if s.out_pos >= s.out.len() {
            break;
        }
        if s.transport.is_none() {
            return false;
        }
        match s.transport.write(&s.out[s.out_pos..]) {
            Ok(0) => return false,
            Ok(n) => {
                s.out_pos += n;
                if s.rx_flow_reasons & RXFLOW_OUT_FULL != 0 {
                    drained_some(w);
                }
            }
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
    let s = wref!(w);
    s.out = Vec::new();
    s.out_pos = 0;
    if !s.own_out.is_empty() {
        s.own_out = Vec::new();
    }
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
    if wref!(w).transport.is_none() {
        // An HTTP/2 client stream writes through its connection.
        if let Some(c) = crate::roles::http::client_h2::choked(w) {
            return c;
        }
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
        Err(e) => return lwsl_err!("cannot change socket interest: {}", e),
    }
    let fd = s.transport.fd();
    crate::core::extpoll::mode(w, fd, on);
}
