//! The event loop's poller (mio's epoll today): the only place that touches it, so a
//! foreign loop or an external poll array (`lws_service_fd`) can take its place.
//!
//! Descriptors are registered under a token made of their slab slot and its generation
//! (a stale event for a reused slot is recognised and ignored).

/// cbindgen:ignore
pub(crate) mod uv;

/// The readiness a descriptor is watched for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Interest {
    Read,
    ReadWrite,
}

impl Interest {
    fn mio(self) -> mio::Interest {
        match self {
            Interest::Read => mio::Interest::READABLE,
            Interest::ReadWrite => mio::Interest::READABLE | mio::Interest::WRITABLE,
        }
    }
}

/// Readiness bits of one event, as [`Poller::wait`] reports them.
pub(crate) const EV_READ: u8 = 1;
pub(crate) const EV_WRITE: u8 = 2;
/// The peer shut down its side (or the socket failed): read on to EOF, a short read no
/// longer means drained.
pub(crate) const EV_HUP: u8 = 4;
/// Data is there to read (EV_READ also covers a hang-up or error with none): the
/// raw-file role, which reads nothing itself, tells the two apart.
pub(crate) const EV_IN: u8 = 8;

use mio::unix::SourceFd;
use std::os::fd::{AsRawFd, RawFd};

pub(crate) fn token_of(slot: usize, gen: u32) -> mio::Token {
    mio::Token(slot | ((gen as usize) << 32))
}

/// Wakes the poller's wait from any thread (lws_cancel_service).
pub(crate) type Waker = mio::Waker;

/// What is registered under a descriptor: its slab slot and generation, and the
/// service thread (`tsi`) whose epoll set watches it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct FdEntry {
    slot: usize,
    gen: u32,
    pt: u8,
}

/// The registering side of the poller: one registry per service thread (`count_threads`,
/// one without SMP) and the descriptor table.  It lives in the context's state, reached
/// only by the thread running a turn; each thread's wait is its [`PtPoll`], outside it.
pub(crate) struct Poller {
    regs: Vec<mio::Registry>,
    /// Descriptor -> what is registered under it, so a program running its own loop can
    /// hand us a ready descriptor (lws_service_fd) and a re-registration finds its set.
    by_fd: Vec<FdEntry>,
    /// Service threads that have run a turn (bit per tsi): new descriptors go only to
    /// those, so a program that never serves a thread loses no connection to it.
    live: u64,
    /// Round-robin position among the live threads.
    next: u8,
}

/// A `by_fd` entry with nothing registered.
const NO_SLOT: FdEntry = FdEntry {
    slot: usize::MAX,
    gen: 0,
    pt: 0,
};

/// One service thread's wait: its epoll set and event buffer, used only by that thread.
pub(crate) struct PtPoll {
    poll: mio::Poll,
    events: mio::Events,
}

impl Poller {
    /// A poller with `count` service threads, each with its wait and the waker that
    /// interrupts it from any thread (registered at slot `waker_slot`, generation 0).
    pub(crate) fn new(
        waker_slot: usize,
        count: usize,
    ) -> Result<(Poller, Vec<(PtPoll, Waker)>), String> {
        let mut regs = Vec::with_capacity(count);
        let mut pts = Vec::with_capacity(count);
        for _ in 0..count.max(1) {
            let poll = mio::Poll::new().map_err(|e| format!("cannot create poller: {e}"))?;
            let waker = mio::Waker::new(poll.registry(), token_of(waker_slot, 0))
                .map_err(|e| format!("cannot create waker: {e}"))?;
            regs.push(
                poll.registry()
                    .try_clone()
                    .map_err(|e| format!("cannot create poller: {e}"))?,
            );
            pts.push((
                PtPoll {
                    poll,
                    events: mio::Events::with_capacity(256),
                },
                waker,
            ));
        }
        Ok((
            Poller {
                regs,
                by_fd: Vec::new(),
                live: 1,
                next: 0,
            },
            pts,
        ))
    }

    /// Service thread `tsi` has begun serving: it may be given descriptors.
    pub(crate) fn set_live(&mut self, tsi: usize) {
        self.live |= 1u64 << (tsi & 63);
    }

    /// The service thread the next new connection goes to: the live ones in turn.
    pub(crate) fn pick(&mut self) -> u8 {
        let n = self.regs.len();
        if n == 1 {
            return 0;
        }
        for _ in 0..n {
            self.next = ((self.next as usize + 1) % n) as u8;
            if self.live & (1u64 << self.next) != 0 {
                return self.next;
            }
        }
        0
    }

    /// The service thread watching `fd` (0 when it is not ours).
    fn pt_of(&self, fd: RawFd) -> usize {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.by_fd.get(i))
            .map_or(0, |e| e.pt as usize)
    }

    /// Registers `src`'s descriptor with service thread `pt`'s epoll set.  Every
    /// transport is one descriptor, so registration goes by the descriptor alone (what
    /// mio's own types do underneath, in release builds).
    pub(crate) fn register(
        &mut self,
        src: &mut impl AsRawFd,
        slot: usize,
        gen: u32,
        interest: Interest,
        pt: u8,
    ) -> std::io::Result<()> {
        let pt = (pt as usize).min(self.regs.len() - 1);
        let fd = live_fd(src)?;
        self.regs[pt].register(&mut SourceFd(&fd), token_of(slot, gen), interest.mio())?;
        self.map_fd(
            fd,
            FdEntry {
                slot,
                gen,
                pt: pt as u8,
            },
        );
        Ok(())
    }

    pub(crate) fn reregister(
        &self,
        src: &mut impl AsRawFd,
        slot: usize,
        gen: u32,
        interest: Interest,
    ) -> std::io::Result<()> {
        let fd = live_fd(src)?;
        let reg = if self.regs.len() == 1 {
            &self.regs[0]
        } else {
            &self.regs[self.pt_of(fd)]
        };
        reg.reregister(&mut SourceFd(&fd), token_of(slot, gen), interest.mio())
    }

    pub(crate) fn deregister(&mut self, src: &mut impl AsRawFd) -> std::io::Result<()> {
        let fd = live_fd(src)?;
        let pt = self.pt_of(fd);
        self.forget(fd);
        self.regs[pt].deregister(&mut SourceFd(&fd))
    }

    /// The descriptor is about to be closed (which takes it out of the epoll set without
    /// a syscall of ours): only the lookup entry goes.
    pub(crate) fn forget(&mut self, fd: RawFd) {
        if let Some(e) = usize::try_from(fd).ok().and_then(|i| self.by_fd.get_mut(i)) {
            *e = NO_SLOT;
        }
    }

    fn map_fd(&mut self, fd: RawFd, to: FdEntry) {
        let Ok(i) = usize::try_from(fd) else {
            return;
        };
        if i >= self.by_fd.len() {
            self.by_fd.resize(i + 1, NO_SLOT);
        }
        self.by_fd[i] = to;
    }

    /// The (slot, generation) registered under `fd`, if any.
    pub(crate) fn lookup(&self, fd: RawFd) -> Option<(usize, u32)> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.by_fd.get(i))
            .copied()
            .filter(|&e| e != NO_SLOT)
            .map(|e| (e.slot, e.gen))
    }
}

impl PtPoll {
    /// The epoll set's own descriptor (readable while events wait): what a foreign loop
    /// watches (evloop::uv).
    pub(crate) fn raw_fd(&self) -> RawFd {
        self.poll.as_raw_fd()
    }

    /// Waits for events (at most `timeout`) and appends them to `ready` as (slot,
    /// generation, EV_* bits).
    #[inline(always)]
    pub(crate) fn wait(
        &mut self,
        timeout: Option<std::time::Duration>,
        ready: &mut Vec<(usize, u32, u8)>,
    ) -> std::io::Result<()> {
        self.poll.poll(&mut self.events, timeout)?;
        for ev in self.events.iter() {
            let t = ev.token().0;
            let mut f = 0u8;
            if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                f |= EV_READ;
            }
            if ev.is_read_closed() || ev.is_error() {
                f |= EV_HUP;
            }
            if ev.is_readable() {
                f |= EV_IN;
            }
            if ev.is_writable() || ev.is_write_closed() {
                f |= EV_WRITE;
            }
            ready.push((t & 0xffff_ffff, (t >> 32) as u32, f));
        }
        Ok(())
    }
}

/// The descriptor of `src`, or NotConnected for a connection that has none (a client
/// before its connect, or closed: its transport answers -1).
fn live_fd(src: &impl AsRawFd) -> std::io::Result<RawFd> {
    match src.as_raw_fd() {
        fd if fd >= 0 => Ok(fd),
        _ => Err(std::io::ErrorKind::NotConnected.into()),
    }
}
