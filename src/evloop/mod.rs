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

use std::os::fd::{AsRawFd, RawFd};

pub(crate) fn token_of(slot: usize, gen: u32) -> mio::Token {
    mio::Token(slot | ((gen as usize) << 32))
}

/// Wakes the poller's wait from any thread (lws_cancel_service).
pub(crate) type Waker = mio::Waker;

/// The poller and its event buffer.
pub(crate) struct Poller {
    poll: mio::Poll,
    events: mio::Events,
    /// Descriptor -> (slot, generation) of what is registered under it, so a program
    /// running its own loop can hand us a ready descriptor (lws_service_fd).
    by_fd: Vec<(usize, u32)>,
}

/// A `by_fd` entry with nothing registered.
const NO_SLOT: (usize, u32) = (usize::MAX, 0);

impl Poller {
    /// A poller and the waker that interrupts its wait from any thread, registered at
    /// slot `waker_slot` (generation 0).
    pub(crate) fn new(waker_slot: usize) -> Result<(Poller, Waker), String> {
        let poll = mio::Poll::new().map_err(|e| format!("cannot create poller: {e}"))?;
        let waker = mio::Waker::new(poll.registry(), token_of(waker_slot, 0))
            .map_err(|e| format!("cannot create waker: {e}"))?;
        Ok((
            Poller {
                poll,
                events: mio::Events::with_capacity(256),
                by_fd: Vec::new(),
            },
            waker,
        ))
    }

    pub(crate) fn register(
        &mut self,
        src: &mut (impl mio::event::Source + AsRawFd),
        slot: usize,
        gen: u32,
        interest: Interest,
    ) -> std::io::Result<()> {
        self.poll
            .registry()
            .register(src, token_of(slot, gen), interest.mio())?;
        self.map_fd(src.as_raw_fd(), (slot, gen));
        Ok(())
    }

    pub(crate) fn reregister(
        &self,
        src: &mut impl mio::event::Source,
        slot: usize,
        gen: u32,
        interest: Interest,
    ) -> std::io::Result<()> {
        self.poll
            .registry()
            .reregister(src, token_of(slot, gen), interest.mio())
    }

    pub(crate) fn deregister(
        &mut self,
        src: &mut (impl mio::event::Source + AsRawFd),
    ) -> std::io::Result<()> {
        self.forget(src.as_raw_fd());
        self.poll.registry().deregister(src)
    }

    /// The descriptor is about to be closed (which takes it out of the epoll set without
    /// a syscall of ours): only the lookup entry goes.
    pub(crate) fn forget(&mut self, fd: RawFd) {
        if let Some(e) = usize::try_from(fd).ok().and_then(|i| self.by_fd.get_mut(i)) {
            *e = NO_SLOT;
        }
    }

    fn map_fd(&mut self, fd: RawFd, to: (usize, u32)) {
        let Ok(i) = usize::try_from(fd) else {
            return;
        };
        if i >= self.by_fd.len() {
            self.by_fd.resize(i + 1, NO_SLOT);
        }
        self.by_fd[i] = to;
    }

    /// The poller's own descriptor (readable while events wait): what a foreign loop
    /// watches (evloop::uv).
    pub(crate) fn raw_fd(&self) -> RawFd {
        self.poll.as_raw_fd()
    }

    /// The (slot, generation) registered under `fd`, if any.
    pub(crate) fn lookup(&self, fd: RawFd) -> Option<(usize, u32)> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.by_fd.get(i))
            .copied()
            .filter(|&e| e != NO_SLOT)
    }

    /// Waits for events (at most `timeout`) and appends them to `ready` as (slot,
    /// generation, EV_* bits).
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
