//! Adopting a descriptor as a connection (lws_adopt_descriptor_vhost); an accepted TCP
//! connection is one case of it.
use crate::abi::*;
use crate::core::close::close;
use crate::core::close::finish_close;
use crate::core::close::Why;
use crate::core::wsi::callback;
use crate::core::wsi::callback_p0;
use crate::core::wsi::set_timeout;
use crate::core::*;
use crate::roles::raw::Raw;
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null_mut;

/// The role an adopted descriptor takes (lws's adoption_bind picks it from the
/// LWS_ADOPT_* flags and the vhost's options).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum As {
    /// HTTP/1 server (and ws upgrades from it).
    Http,
    /// Raw socket, or raw file.
    Raw(Raw),
}

/// What an adoption is asked: the role, a protocol by name, where the descriptor comes
/// from, and input already read from it.
pub(crate) struct Adopt<'a> {
    pub role: As,
    pub prot_name: *const c_char,
    /// Accepted on our listener: FILTER_NETWORK_CONNECTION first, as lws does there.
    pub from_listener: bool,
    pub opaque: *mut c_void,
    pub readbuf: &'a [u8],
}

/// The role a vhost's listener gives a new connection: raw on an ONLY_RAW vhost
/// (lws's ADOPT_APPLY_LISTEN_ACCEPT_CONFIG), else HTTP.
pub(crate) fn listener_role(vh: *mut lws_vhost) -> As {
    if vh!(vh).options & LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG != 0 {
        As::Raw(Raw::Skt)
    } else {
        As::Http
    }
}

/// A new TCP connection on a vhost's listener.
pub(crate) fn accept(
    ctx: *mut lws_context,
    vh: *mut lws_vhost,
    transport: crate::transport::Transport,
    peer: std::net::SocketAddr,
) -> *mut lws {
    let how = Adopt {
        role: listener_role(vh),
        prot_name: vh!(vh).listen_accept_protocol,
        from_listener: true,
        opaque: null_mut(),
        readbuf: &[],
    };
    adopt(ctx, vh, transport, Some(peer), &how)
}

/// The protocol a raw connection binds when none is named: the one whose pvo carries a
/// "raw" option, else protocols[0] (lws's raw_protocol_index).
pub(crate) fn raw_protocol_index(vh: *mut lws_vhost) -> usize {
    let mut p = vh!(vh).pvo;
    while !p.is_null() {
        // SAFETY: the caller's pvo list, live for the vhost's life per lws's contract.
        let e = unsafe { &*p };
        let mut o = e.options;
        while !o.is_null() {
            // SAFETY: as above, the nested option list.
            let oe = unsafe { &*o };
            // SAFETY: NUL-terminated or NULL.
            if unsafe { crate::misc::cstr(oe.name) } == Some(b"raw") {
                // SAFETY: as above.
                if let Some(i) =
                    unsafe { crate::misc::cstr(e.name) }.and_then(|n| protocol_by_name(vh, n))
                {
                    return i;
                }
            }
            o = oe.next;
        }
        p = e.next;
    }
    0
}

/// Makes `transport` a connection of `vh` with the role `how` asks.  NULL (and the
/// descriptor closed) when refused or failed.  The callbacks come in lws's order:
/// [FILTER_NETWORK_CONNECTION,] WSI_CREATE, the role's protocol bind, its adoption
/// callback (SERVER_NEW_CLIENT_INSTANTIATED, RAW_ADOPT or RAW_ADOPT_FILE), then the
/// read-ahead bytes as input.
pub(crate) fn adopt(
    ctx: *mut lws_context,
    vh: *mut lws_vhost,
    transport: crate::transport::Transport,
    peer: Option<std::net::SocketAddr>,
    how: &Adopt,
) -> *mut lws {
    let fd = transport.fd();
    // info.fd_limit_per_thread: lws's poll table holds that many descriptors and refuses
    // more; dropping the transport closes the socket.
    if cx!(ctx).slots_used >= cx!(ctx).max_fds {
        lwsl_warn!(
            "connection refused: fd_limit_per_thread ({}) reached",
            cx!(ctx).max_fds
        );
        return null_mut();
    }
    let timeout_secs = cx!(ctx).timeout_secs;
    let mut b = Box::new(lws::new(ctx, vh));
    {
        let c = cx!(ctx);
        b.tag_ord = c.tag_ord[0];
        c.tag_ord[0] = c.tag_ord[0].wrapping_add(1);
    }
    b.transport = transport;
    b.peer_addr = peer;
    b.opaque_user_data = how.opaque;
    b.protocol = vhost_protocols(vh)
        .first()
        .map_or(core::ptr::null(), |p| p as *const _);
    let w = Box::into_raw(b);

    // lws's network filter: user = the peer's address and the socket, in = the socket;
    // a nonzero return drops it.
    let mut filt = FilterArgs::new(fd, peer);
    if how.from_listener
        && callback_p0(
            w,
            LWS_CALLBACK_FILTER_NETWORK_CONNECTION as c_int,
            (&mut filt as *mut FilterArgs).cast(),
            fd as isize as *mut c_void,
            0,
        ) != 0
    {
        lwsl_info!("connection refused by FILTER_NETWORK_CONNECTION");
        // SAFETY: w came from Box::into_raw above and was never registered.
        drop(unsafe { Box::from_raw(w) });
        return null_mut();
    }
    // The named protocol must exist before anything is announced (lws fails there).
    // SAFETY: NULL or NUL-terminated from the caller.
    let named = unsafe { crate::misc::cstr(how.prot_name) }.filter(|n| !n.is_empty());
    let named_idx = match named {
        Some(n) => match protocol_by_name(vh, n) {
            Some(i) => Some(i),
            None => {
                lwsl_err!(
                    "adopt: protocol {} not enabled on the vhost",
                    String::from_utf8_lossy(n)
                );
                // SAFETY: as above; dropping it closes the descriptor.
                drop(unsafe { Box::from_raw(w) });
                return null_mut();
            }
        },
        None => None,
    };

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
        s.tsi = c.poller.pick();
        c.poller.register(
            &mut s.transport,
            slot,
            gen,
            crate::evloop::Interest::Read,
            s.tsi,
        )
    };
    if let Err(e) = reg {
        lwsl_err!("adopt: cannot watch descriptor {}: {}", fd, e);
        finish_close(w);
        return null_mut();
    }
    crate::core::extpoll::added(crate::core::extpoll::Who::Conn(w), fd, false);
    if how.role == As::Http {
        set_timeout(
            w,
            PENDING_TIMEOUT_ESTABLISH_WITH_SERVER as c_int,
            timeout_secs as i64 * 1_000_000,
        );
    }
    if callback_p0(
        w,
        LWS_CALLBACK_WSI_CREATE as c_int,
        null_mut(),
        null_mut(),
        0,
    ) != 0
    {
        close(w, Why::User);
        return null_mut();
    }
    let adopted = match how.role {
        As::Http => {
            if let Some(i) = named_idx {
                let s = wref!(w);
                s.protocol = &vhost_protocols(vh)[i];
                s.protocol_idx = i;
            }
            callback_p0(
                w,
                LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED as c_int,
                null_mut(),
                null_mut(),
                0,
            ) == 0
        }
        As::Raw(kind) => {
            wref!(w).role = Role::Raw(kind);
            let (idx, bind) = match kind {
                Raw::Skt => (
                    named_idx.unwrap_or_else(|| raw_protocol_index(vh)),
                    LWS_CALLBACK_RAW_SKT_BIND_PROTOCOL as c_int,
                ),
                Raw::File => (named_idx.unwrap_or(0), -1),
            };
            crate::core::wsi::bind_protocol(w, idx, bind)
                && wref!(w).life != Life::Dead
                && callback(
                    w,
                    crate::roles::raw::adoption_reason(kind, false),
                    null_mut(),
                    0,
                ) == 0
        }
    };
    if !adopted {
        close(w, Why::User);
        return null_mut();
    }
    if !how.readbuf.is_empty() && wref!(w).life == Life::Open {
        // Bytes the caller read before handing the socket over come first, then the
        // socket itself (its readiness edge may already have passed).
        wref!(w).rx_stash.extend_from_slice(how.readbuf);
        crate::core::service::on_readable(w, false);
        if wref!(w).life == Life::Dead {
            return null_mut();
        }
    }
    w
}

/// lws's `struct lws_filter_network_conn_args` (lws-callbacks.h), private so cbindgen does
/// not emit it a second time: the header's copy comes from the facts table.
#[repr(C)]
struct FilterArgs {
    cli_addr: libc::sockaddr_storage,
    clilen: libc::socklen_t,
    accept_fd: c_int,
}

impl FilterArgs {
    fn new(fd: c_int, peer: Option<std::net::SocketAddr>) -> FilterArgs {
        // SAFETY: sockaddr_storage is plain old data; all-zero is a valid (AF_UNSPEC) value.
        let mut cli_addr: libc::sockaddr_storage = unsafe { core::mem::zeroed() };
        let clilen = match peer {
            Some(std::net::SocketAddr::V4(a)) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr {
                        s_addr: u32::from_ne_bytes(a.ip().octets()),
                    },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in.
                unsafe {
                    core::ptr::write((&mut cli_addr as *mut libc::sockaddr_storage).cast(), sin)
                };
                core::mem::size_of::<libc::sockaddr_in>()
            }
            Some(std::net::SocketAddr::V6(a)) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo().to_be(),
                    sin6_addr: libc::in6_addr {
                        s6_addr: a.ip().octets(),
                    },
                    sin6_scope_id: a.scope_id(),
                };
                // SAFETY: sockaddr_storage is larger than and aligned for sockaddr_in6.
                unsafe {
                    core::ptr::write((&mut cli_addr as *mut libc::sockaddr_storage).cast(), sin6)
                };
                core::mem::size_of::<libc::sockaddr_in6>()
            }
            None => 0,
        };
        FilterArgs {
            cli_addr,
            clilen: clilen as libc::socklen_t,
            accept_fd: fd,
        }
    }
}
