//! The event loop's poller (mio today): the only place that touches it.

pub(crate) fn token_of(slot: usize, gen: u32) -> mio::Token {
    mio::Token(slot | ((gen as usize) << 32))
}
