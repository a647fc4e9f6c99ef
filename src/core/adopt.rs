//! Adopting a descriptor as a connection (lws_adopt_descriptor_vhost); an accepted TCP
//! connection is one case of it.
use crate::abi::*;
use crate::core::close::close;
use crate::core::close::finish_close;
use crate::core::close::Why;
use crate::core::wsi::callback_p0;
use crate::core::wsi::set_timeout;
use crate::core::*;
use core::ffi::{c_int, c_void};
use core::ptr::null_mut;

/// A new TCP connection on a vhost's listener.
pub(crate) fn accept(
    ctx: *mut lws_context,
    vh: *mut lws_vhost,
    transport: crate::transport::Transport,
    peer: std::net::SocketAddr,
) {
    let fd = transport.fd();
    let timeout_secs = cx!(ctx).timeout_secs;
    let mut b = Box::new(lws::new(ctx, vh));
    {
        let c = cx!(ctx);
        b.tag_ord = c.tag_ord[0];
        c.tag_ord[0] = c.tag_ord[0].wrapping_add(1);
    }
    b.transport = transport;
    b.peer_addr = Some(peer);
    b.protocol = vhost_protocols(vh)
        .first()
        .map_or(core::ptr::null(), |p| p as *const _);
    let w = Box::into_raw(b);

    // lws's network filter: user = the socket fd, nonzero return drops it.
    if callback_p0(
        w,
        LWS_CALLBACK_FILTER_NETWORK_CONNECTION as c_int,
        fd as isize as *mut c_void,
        null_mut(),
        0,
    ) != 0
    {
        lwsl_info!("connection refused by FILTER_NETWORK_CONNECTION");
        // SAFETY: w came from Box::into_raw above and was never registered.
        drop(unsafe { Box::from_raw(w) });
        return;
    }

    let (slot, gen) = cx!(ctx).slot_alloc(Entry::Conn(w));
    {
        let s = wref!(w);
        s.slot = slot;
        s.gen = gen;
    }
    let reg = {
        let c = cx!(ctx);
        let s = wref!(w);
        // Readable only: a new socket can take data, and asking for writability too
        // would wake us after nearly every send.  WRITABLE is added while output waits.
        s.writable = true;
        c.poller
            .register(&mut s.transport, slot, gen, crate::evloop::Interest::Read)
    };
    if let Err(e) = reg {
        lwsl_err!("accept: cannot register socket: {}", e);
        finish_close(w);
        return;
    }
    set_timeout(
        w,
        PENDING_TIMEOUT_ESTABLISH_WITH_SERVER as c_int,
        timeout_secs as i64 * 1_000_000,
    );
    if callback_p0(
        w,
        LWS_CALLBACK_WSI_CREATE as c_int,
        null_mut(),
        null_mut(),
        0,
    ) != 0
        || callback_p0(
            w,
            LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED as c_int,
            null_mut(),
            null_mut(),
            0,
        ) != 0
    {
        close(w, Why::User);
    }
}
