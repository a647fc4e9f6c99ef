//! The service loop (lws_service): free what closed last turn, poll, one per-descriptor
//! entry for each event (`service_fd`), ripe timers, the WRITEABLE queue, rx resumption.
use crate::abi::*;
use crate::core::close::close;
use crate::core::close::finish_close;
use crate::core::close::linger;
use crate::core::close::Why;
use crate::core::context::protocol_init;
use crate::core::output::flush;
use crate::core::output::write_interest;
use crate::core::*;
use crate::roles::input;
use crate::roles::listen::accept_all;
use core::ffi::c_int;
use core::ptr::null_mut;
use std::io::ErrorKind;
use std::sync::atomic::Ordering;

use crate::evloop::{EV_HUP, EV_IN, EV_READ, EV_WRITE};

#[inline(always)]
pub(crate) fn free_dead(ctx: *mut lws_context) {
    // Most turns close nothing: the check is inline, the work out of line, so such a turn
    // pays a load and a compare, not a call.
    if !cx!(ctx).dead.is_empty() {
        free_dead_now(ctx);
    }
}

#[inline(never)]
fn free_dead_now(ctx: *mut lws_context) {
    // Drained, not dropped: the list keeps its capacity for the next close.
    let mut dead = core::mem::take(&mut cx!(ctx).dead);
    for w in dead.drain(..) {
        // A wsi can be queued for WRITEABLE or rx resume and close in the same turn,
        // after that turn's queues were served: its entry must go before its memory.
        let (in_wq, in_rq) = {
            let s = wref!(w);
            (s.in_writeable_q, s.in_rx_q)
        };
        if in_wq {
            cx!(ctx).writeable_q.retain(|&q| q != w);
        }
        if in_rq {
            cx!(ctx).rx_q.retain(|&q| q != w);
        }
        // SAFETY: dead wsis came from Box::into_raw at accept; they are out of the slab
        // and every callback about them has returned.
        drop(unsafe { Box::from_raw(w) });
    }
    // Dropping a wsi runs no callback, so nothing was queued meanwhile; if something
    // was, that list wins (it is freed next turn).
    if cx!(ctx).dead.is_empty() {
        cx!(ctx).dead = dead;
    }
    // Accepting paused at fd_limit_per_thread resumes once a connection has gone (here,
    // where one is freed, so a busy loop pays nothing for it).
    if cx!(ctx).accept_paused && cx!(ctx).slots_used < cx!(ctx).max_fds {
        crate::roles::listen::resume_accepting(ctx);
    }
    let mut retired = core::mem::take(&mut cx!(ctx).retired_user);
    for u in retired.drain(..) {
        // SAFETY: calloc'd session data detached from its wsi; no callback runs now.
        unsafe { libc::free(u) };
    }
    if cx!(ctx).retired_user.is_empty() {
        cx!(ctx).retired_user = retired;
    }
}

/// EVENT_WAIT_CANCELLED to every protocol of every vhost.
fn cancelled(ctx: *mut lws_context) {
    let vhosts = cx!(ctx).vhosts.clone();
    for vh in vhosts {
        for i in 0..vh!(vh).count_protocols {
            crate::core::wsi::with_fake_wsi(ctx, vh, i, |w| {
                crate::core::wsi::callback(
                    w,
                    LWS_CALLBACK_EVENT_WAIT_CANCELLED as c_int,
                    null_mut(),
                    0,
                )
            });
        }
    }
}

/// One turn of the loop: wait (until an event, the next timer, or a cancel), then
/// handle I/O, ripe timers and queued WRITEABLE callbacks.
/// The longest lws_service waits with nothing to do.  A program's loop usually checks a
/// flag its signal handler sets (`while (!interrupted) lws_service(ctx, 0);`); a signal
/// that lands between that check and epoll_wait does not interrupt the wait, so without a
/// bound the program would sleep until the next event, possibly forever.  lws wakes at
/// least every 30 s for its own housekeeping; one wake-up a second while idle costs
/// nothing measurable and makes such a stop prompt.
const MAX_WAIT_US: u64 = 1_000_000;

/// What a turn does before its events (also run by lws_service_fd, core::extpoll).
#[inline(always)]
pub(crate) fn turn_start(ctx: *mut lws_context) {
    cx!(ctx).turn_depth += 1;
    crate::core::xthread::enter(ctx_ref(ctx));
    free_dead(ctx);
    if !cx!(ctx).protocol_init_done {
        protocol_init(ctx);
    }
    crate::system::service_turn(ctx);
    crate::core::xthread::drain(ctx);
}

/// How long a turn may wait: not at all when work is queued or the caller said so,
/// else until the next timer, at most [`MAX_WAIT_US`].
pub(crate) fn turn_timeout(ctx: *mut lws_context, timeout_ms: c_int) -> std::time::Duration {
    let c = cx!(ctx);
    if timeout_ms < 0 || !c.writeable_q.is_empty() || !c.rx_q.is_empty() {
        std::time::Duration::ZERO
    } else {
        let us = c.timers.next_due().map_or(MAX_WAIT_US, |due| {
            ((due - timer::now_usecs()).max(0) as u64).min(MAX_WAIT_US)
        });
        std::time::Duration::from_micros(us)
    }
}

pub(crate) fn service(ctx: *mut lws_context, timeout_ms: c_int) -> c_int {
    if ctx_ref(ctx).smp.is_some() {
        return crate::core::smp::service_tsi(ctx, timeout_ms, 0);
    }
    if cx!(ctx).destroy_deferred {
        return -1;
    }
    turn_start(ctx);
    let timeout = turn_timeout(ctx, timeout_ms);
    let pt = &ctx_ref(ctx).pts[0];
    // Reused across turns: no allocation per loop turn.  Taken out of the pt, so no
    // reference to it spans a callback.
    // SAFETY: with one service thread, only the thread running this turn uses the pt.
    let mut ready = core::mem::take(unsafe { &mut *pt.ready.get() });
    ready.clear();
    // SAFETY: as above, for its wait.
    if let Err(e) = unsafe { &mut *pt.wait.get() }.wait(Some(timeout), &mut ready) {
        // SAFETY: as above.
        unsafe { *pt.ready.get() = ready };
        cx!(ctx).turn_depth -= 1;
        if e.kind() == std::io::ErrorKind::Interrupted {
            return 0;
        }
        lwsl_err!("lws_service: poll failed: {}", e);
        return -1;
    }
    dispatch(ctx, 0, &ready);
    // SAFETY: as above.
    unsafe { *pt.ready.get() = ready };
    turn_end(ctx);
    // A callback destroyed the context: the program's loop is to stop now.
    -(cx!(ctx).destroy_deferred as c_int)
}

/// The events of one wait of service thread `tsi`: accept on listeners, the
/// per-descriptor entry on connections, EVENT_WAIT_CANCELLED on its waker.
#[inline(always)]
pub(crate) fn dispatch(ctx: *mut lws_context, tsi: usize, ready: &[(usize, u32, u8)]) {
    for &(slot, gen, f) in ready {
        // One slab lookup: a stale token (slot reused since) matches no entry.
        let entry = match cx!(ctx).slots.get(slot) {
            Some(s) if s.gen == gen => match s.entry {
                Entry::Waker => Ready::Waker,
                Entry::Listener(vh) => Ready::Listener(vh),
                Entry::Conn(w) => Ready::Conn(w),
                Entry::Free(_) => continue,
            },
            _ => continue,
        };
        match entry {
            Ready::Conn(w) => service_fd(w, f),
            Ready::Listener(vh) => accept_all(ctx, vh),
            Ready::Waker => {
                if ctx_ref(ctx).pts[tsi]
                    .cancel_pending
                    .swap(false, Ordering::AcqRel)
                {
                    cancelled(ctx);
                }
                crate::core::xthread::drain(ctx);
            }
        }
    }
}

/// What a turn does after its events: ripe timers, queued WRITEABLE, resumed reading
/// (also run by lws_service_fd, core::extpoll).
pub(crate) fn turn_end(ctx: *mut lws_context) {
    run_timers(ctx);
    // Only the requests present now: a callback asking again is served next turn, so
    // one busy writer cannot starve the others or the poller.
    let mut batch = core::mem::take(&mut cx!(ctx).writeable_batch);
    core::mem::swap(&mut batch, &mut cx!(ctx).writeable_q);
    for &w in &batch {
        serve_writeable_q(w);
    }
    batch.clear();
    cx!(ctx).writeable_batch = batch;
    let rq = core::mem::take(&mut cx!(ctx).rx_q);
    for w in rq {
        rx_resume(w);
    }
    cx!(ctx).turn_depth -= 1;
}

/// What a poll event is about, from its slot.
enum Ready {
    Waker,
    Listener(*mut lws_vhost),
    Conn(*mut lws),
}

pub(crate) fn ctx_ref<'a>(ctx: *mut lws_context) -> &'a lws_context {
    // SAFETY: live context; only the Sync members are used through this.
    unsafe { &*ctx }
}

pub(crate) fn run_timers(ctx: *mut lws_context) {
    let now = timer::now_usecs();
    loop {
        let Some(key) = cx!(ctx).timers.pop_ripe(now) else {
            return;
        };
        match key {
            timer::TimerKey::Sul(addr) => {
                let sul = addr as *mut lws_sorted_usec_list;
                // SAFETY: a scheduled sul is live until cancelled or fired (lws's
                // contract); we fire it once and forget it.
                let cb = unsafe {
                    timer::mark_idle(sul);
                    (*sul).cb
                };
                if let Some(f) = cb {
                    // SAFETY: the caller's callback with its own sul.
                    unsafe { f(sul) };
                }
            }
            timer::TimerKey::Timeout(slot, gen) => {
                if let Some(w) = cx!(ctx).conn(slot, gen) {
                    crate::core::wsi::timeout_fired(w);
                }
            }
            timer::TimerKey::Validity(slot, gen) => {
                if let Some(w) = cx!(ctx).conn(slot, gen) {
                    crate::core::wsi::validity_check(w);
                }
            }
            timer::TimerKey::OutStall(slot, gen) => {
                if let Some(w) = cx!(ctx).conn(slot, gen) {
                    crate::core::output::stalled(w);
                }
            }
            timer::TimerKey::WsiTimer(slot, gen) => {
                if let Some(w) = cx!(ctx).conn(slot, gen) {
                    crate::core::wsi::timer_fired(w);
                }
            }
        }
    }
}

/// One connection's readiness (the per-descriptor entry, lws's lws_service_fd): output
/// waiting is drained first, then input is read.
#[inline(always)]
pub(crate) fn service_fd(w: *mut lws, f: u8) {
    if let Role::Raw(crate::roles::raw::Raw::File) = wref!(w).role {
        return file_event(w, f);
    }
    if f & EV_WRITE != 0 {
        on_writable(w);
    }
    // on_writable may have closed it: on_readable sees it dead and stops (the wsi itself
    // stays allocated until the next turn's free_dead).
    if f & EV_READ != 0 {
        wref!(w).rx_more = true;
        read_input(w, f & EV_HUP != 0);
    }
}

/// An event on a raw file descriptor: what we buffered drains first, then
/// RAW_WRITEABLE_FILE if asked for, then RAW_RX_FILE (the application reads the
/// descriptor itself); a hang-up with nothing to read closes it.
fn file_event(w: *mut lws, f: u8) {
    if f & EV_WRITE != 0 {
        on_writable(w);
    }
    if wref!(w).life != Life::Open || f & (EV_READ | EV_HUP) == 0 {
        return;
    }
    crate::roles::raw::file_readable(w, f & EV_IN != 0, f & EV_HUP != 0);
}

/// Readable connection: input held back by rx flow control first (so bytes are never
/// reordered), then read until a short read (the socket is drained) or EAGAIN.  With
/// `hup` (the peer shut down its side) it reads on to EOF, which a short read hides.
/// A transport still holding input after a short read (TLS will) is queued to be read
/// again next turn, with no poll event to announce it.
pub(crate) fn on_readable(w: *mut lws, hup: bool) {
    if let Role::Raw(crate::roles::raw::Raw::File) = wref!(w).role {
        return;
    }
    read_input(w, hup)
}

/// [`on_readable`] for a connection known not to be a raw file (`service_fd` has
/// looked).
#[inline(always)]
fn read_input(w: *mut lws, hup: bool) {
    // Remembered: flow control may hold reading back past this event.
    let hup = {
        let s = wref!(w);
        s.peer_hup |= hup;
        if s.life == Life::Connecting {
            crate::core::connect::connect_ready(w);
            return;
        }
        s.peer_hup
    };
    if !wref!(w).rx_stash.is_empty() && !parse_stash(w) {
        // Flow was disabled again while parsing it (or it is still off): the rest
        // waits, and so does the socket.
        return;
    }
    loop {
        let (buf_ptr, cap) = {
            let s = wref!(w);
            // Read only while open or lingering (Connecting again: an HTTP client
            // followed a redirect while reading).
            if !matches!(s.life, Life::Open | Life::Linger)
                || s.rx_flow_reasons != 0
                || s.transport.is_none()
            {
                return;
            }
            let c = cx!(s.ctx);
            if s.read_max == 0 {
                (c.rbuf.as_mut_ptr(), c.rbuf.len())
            } else {
                big_buf(c, s.read_max)
            }
        };
        // SAFETY: the buffer's [..cap] is writable, lives as long as the context (the
        // large one is only grown here, before a read, never while its bytes are being
        // parsed), and nothing else uses it during this read (the service loop is
        // single-threaded and not re-entered).
        let t = &mut wref!(w).transport;
        match unsafe { t.read(buf_ptr, cap) } {
            Ok(0) => {
                close(w, Why::Gone);
                return;
            }
            Ok(n) => {
                // (Handshake records a full socket would not take are caught on the
                // WouldBlock below: a read that completes a handshake yields no
                // plaintext; later records go out with the next write.)
                input(w, buf_ptr, n);
                if n < cap && !hup {
                    let s = wref!(w);
                    s.rx_more = false;
                    if s.transport.has_buffered_input() && !s.in_rx_q {
                        s.in_rx_q = true;
                        cx!(s.ctx).rx_q.push(w);
                    }
                    return;
                }
            }
            Err(ErrorKind::WouldBlock) => {
                wref!(w).rx_more = false;
                // A handshake answer the socket would not take whole waits for POLLOUT.
                if wref!(w).transport.wants_write() {
                    crate::core::output::records_queued(w);
                }
                // An HTTP client offering h2 waits for the handshake's ALPN.
                crate::roles::http::client_h2::alpn_check(w);
                return;
            }
            Err(ErrorKind::Interrupted) => {}
            Err(crate::transport::tls::NOT_TLS) if crate::roles::listen::plain_on_tls(w) => {}
            Err(crate::transport::tls::VERIFY) if crate::core::tlscb::peer_check(w) => {}
            Err(kind) => {
                if kind == ErrorKind::InvalidData {
                    tls_failed(w);
                }
                close(w, Why::Gone);
                return;
            }
        }
    }
}

/// The largest read a connection may ask for with a large `rx_buffer_size`: past this,
/// larger reads no longer lower the cost per byte (measured: 256 KiB and 1 MiB reads cost
/// the same server CPU per MiB echoed, 64 KiB reads ~30% more), and the buffer is per
/// context.  1 MiB reads (~476 KB on average in the flow echo) were slower end to end:
/// the peer then takes ~476 KB writes, which cost it more (1 MiB x 10 flow echo, the
/// generator CPU-bound: 1,390-1,410 MB/s with 1 MiB, 1,530-1,550 with 256 KiB).
pub(crate) const READ_BIG_MAX: usize = 256 * 1024;

/// The context's buffer of large reads, grown to `want` bytes (fresh zeroed memory:
/// pages are only touched when a read fills them).
#[inline(never)]
fn big_buf(c: &mut Ctx, want: usize) -> (*mut u8, usize) {
    if c.rbuf_big.len() < want {
        c.rbuf_big = vec![0u8; want];
    }
    (c.rbuf_big.as_mut_ptr(), want)
}

/// Parses the input rx flow control held back, where it lies: a role that stops again
/// inside it only records how much is left (`rx_stash_left`, see `roles::ws::ws_input`),
/// so a read of many messages is copied once into the stash, not again at each stop.
/// True when all of it was taken and the socket may be read.
fn parse_stash(w: *mut lws) -> bool {
    let (mut stash, pos) = {
        let s = wref!(w);
        if s.rx_flow_reasons != 0 {
            return false;
        }
        // Taken out while parsing: a callback closing the connection resets the field,
        // and must not free the bytes being parsed.
        (
            core::mem::take(&mut s.rx_stash),
            core::mem::take(&mut s.rx_stash_pos),
        )
    };
    let n = stash.len();
    let pos = pos.min(n);
    let p = stash.as_mut_ptr();
    {
        let s = wref!(w);
        s.rx_stash_end = p as usize + n;
        s.rx_stash_left = 0;
    }
    // SAFETY: stash[pos..n] is ours, alive until the end of this function.
    input(w, unsafe { p.add(pos) }, n - pos);
    let s = wref!(w);
    s.rx_stash_end = 0;
    let left = core::mem::take(&mut s.rx_stash_left).min(n);
    if s.life == Life::Dead {
        return false;
    }
    if left > 0 {
        if s.rx_stash.is_empty() {
            s.rx_stash = stash;
            s.rx_stash_pos = n - left;
        } else {
            // Something else was held meanwhile: our rest is older, so it goes first.
            crate::core::wsi::stash_front(w, &stash[n - left..]);
        }
        return false;
    }
    s.rx_stash.is_empty()
}

/// A TLS handshake or record failed: the log says why, and a client's
/// CLIENT_CONNECTION_ERROR carries the session's reason (a verification failure).
#[cold]
fn tls_failed(w: *mut lws) {
    let Some(why) = wref!(w)
        .transport
        .tls()
        .and_then(|t| t.error())
        .map(str::to_owned)
    else {
        return;
    };
    if crate::core::wsi::is_client(w) {
        if wref!(w).transport.tls().is_some_and(|t| t.bad_cert()) {
            crate::core::tlscb::cert_refused(w);
        }
        crate::core::connect::connection_error(w, &why);
    } else {
        lwsl_info!("tls: closing a connection: {}", why);
    }
}

/// Writable socket: drain what is buffered, then the WRITEABLE callback if asked for.
pub(crate) fn on_writable(w: *mut lws) {
    {
        let s = wref!(w);
        if s.life == Life::Dead {
            return;
        }
        if s.life == Life::Connecting {
            crate::core::connect::connect_ready(w);
            return;
        }
        s.writable = true;
    }
    if !flush(w) {
        return;
    }
    write_interest(w, false);
    let s = wref!(w);
    match s.life {
        Life::FlushThenClose if s.linger => linger(w),
        Life::FlushThenClose => finish_close(w),
        Life::Open => crate::roles::writeable(w),
        Life::Connecting | Life::Linger | Life::Dead => {}
    }
}

/// Serves one entry of the writeable queue.
pub(crate) fn serve_writeable_q(w: *mut lws) {
    let s = wref!(w);
    s.in_writeable_q = false;
    if s.out_pos < s.out.len() || s.transport.wants_write() {
        return;
    }
    if s.life == Life::Open {
        crate::roles::writeable(w);
    }
}

/// Rx flow was re-enabled: parse what was held back, then read the socket again (its
/// readiness edge may have passed while we were not reading).
pub(crate) fn rx_resume(w: *mut lws) {
    {
        let s = wref!(w);
        s.in_rx_q = false;
        if s.life == Life::Dead || s.rx_flow_reasons != 0 {
            return;
        }
        if s.mux.is_some() {
            // An h2 stream's input is held by its role, not read from a socket.
            return crate::roles::h2::rx_resume(w);
        }
        // Nothing held back, and the socket was drained by the last read: new input
        // will come with its own event.
        if s.rx_stash.is_empty() && !s.rx_more && !s.transport.has_buffered_input() {
            return;
        }
    }
    on_readable(w, false);
}
