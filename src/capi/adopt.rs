//! lws-adopt.h: descriptors the application opened become connections of a vhost.
use crate::abi::*;
use crate::core::adopt::{adopt, Adopt, As};
use crate::core::{cx, lws, lws_context, lws_vhost, vh};
use crate::roles::raw::Raw;
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null_mut;

const SOCKET: u32 = LWS_ADOPT_SOCKET as u32;
const HTTP: u32 = LWS_ADOPT_HTTP as u32;
const SSL: u32 = LWS_ADOPT_ALLOW_SSL as u32;
const UDP: u32 = LWS_ADOPT_FLAG_UDP as u32;
const RAW_PROXY: u32 = LWS_ADOPT_FLAG_RAW_PROXY as u32;

/// The role lws's adoption_bind gives these flags (None: refused, with the reason
/// logged).  The descriptor is closed by the caller of this on refusal.
fn role_of(vh: *mut lws_vhost, t: u32) -> Option<As> {
    if t & RAW_PROXY != 0 {
        lwsl_err!("adopt: raw-proxy adoption is not supported by this build");
        return None;
    }
    if t & UDP != 0 && t & SOCKET != 0 {
        // A UDP socket only ever takes the raw-skt role (lws's adoption_bind).
        return Some(As::Raw(Raw::Skt));
    }
    if t & SOCKET == 0 {
        return Some(As::Raw(Raw::File));
    }
    if t & HTTP != 0 && vh!(vh).options & LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG == 0 {
        return Some(As::Http);
    }
    Some(As::Raw(Raw::Skt))
}

fn close_fd(fd: c_int) {
    if fd >= 0 {
        // SAFETY: lws's contract hands the descriptor over; a refused one is closed.
        unsafe { libc::close(fd) };
    }
}

/// The common path of every adoption entry point.
fn adopt_fd(
    vh: *mut lws_vhost,
    t: u32,
    fd: c_int,
    prot: *const c_char,
    opaque: *mut c_void,
    readbuf: &[u8],
) -> *mut lws {
    let Some(role) = role_of(vh, t) else {
        if t & SOCKET != 0 {
            close_fd(fd);
        }
        return null_mut();
    };
    let adopted = if t & UDP != 0 && t & SOCKET != 0 {
        crate::transport::udp::Udp::adopt(fd, None)
            .map(|u| crate::transport::Transport::Udp(Box::new(u)))
    } else {
        crate::transport::Transport::adopt(fd)
    };
    let transport = match adopted {
        Ok(tr) => tr,
        Err(e) => {
            lwsl_err!("adopt: descriptor {} unusable: {}", fd, e);
            if t & SOCKET != 0 {
                close_fd(fd);
            }
            return null_mut();
        }
    };
    let mut transport = transport;
    // ALLOW_SSL on a vhost with a certificate: TLS from the first byte, as on its listener
    // (lws ignores the flag on a vhost without TLS, and so do we).
    let tls = if t & SSL != 0 && t & SOCKET != 0 && t & UDP == 0 {
        match crate::roles::listen::server_tls(vh, &mut transport) {
            Ok(tls) => tls,
            Err(()) => return null_mut(), // dropping the transport closes the socket
        }
    } else {
        false
    };
    let peer = transport.peer_addr();
    let how = Adopt {
        role,
        prot_name: prot,
        from_listener: false,
        opaque,
        readbuf,
    };
    let w = adopt(vh!(vh).ctx, vh, transport, peer, &how);
    if tls && !w.is_null() {
        crate::core::tlscb::handshake_start(w);
    }
    w
}

fn first_vhost(ctx: *mut lws_context) -> *mut lws_vhost {
    cx!(ctx).vhosts.first().copied().unwrap_or(null_mut())
}

/// Makes a descriptor the application opened into a connection of `vh`, served by the
/// service loop from then on. `type_` says what it is: LWS_ADOPT_SOCKET for a socket (else a
/// plain file descriptor, adopted raw), with LWS_ADOPT_HTTP to serve HTTP on it (otherwise,
/// or with LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG on the vhost, it is a raw
/// socket). `vh_prot_name` names the vhost protocol that gets its callbacks (NULL: the
/// default one); `parent` is accepted and not used.
/// Returns the connection, or NULL when `vh` is NULL or the descriptor cannot be adopted (a
/// socket is then closed, as lws does). UDP and
/// raw-proxy adoption are refused with an error (not in this build); with LWS_ADOPT_ALLOW_SSL
/// a socket adopted on a vhost with a certificate speaks TLS from its first byte (the flag is
/// ignored on a vhost without TLS, as in lws).
#[no_mangle]
pub unsafe extern "C" fn lws_adopt_descriptor_vhost(
    vh: *mut lws_vhost,
    type_: lws_adoption_type_flags,
    fd: lws_sock_file_fd_type,
    vh_prot_name: *const c_char,
    parent: *mut lws,
) -> *mut lws {
    entry!({
        need!(vh);
        let _ = parent;
        // SAFETY: both members are the same int.
        let fd = unsafe { fd.sockfd };
        adopt_fd(vh, type_, fd, vh_prot_name, null_mut(), &[])
    })
}

/// As lws_adopt_descriptor_vhost with its arguments in `info` (vhost, type, descriptor,
/// protocol name), plus `info->opaque`, stored as the connection's opaque user data.
/// Returns the connection, or NULL on failure or a NULL `info` or vhost.
#[no_mangle]
pub unsafe extern "C" fn lws_adopt_descriptor_vhost_via_info(
    info: *const lws_adopt_desc_t,
) -> *mut lws {
    entry!({
        need!(info);
        // SAFETY: a live info struct per lws's contract.
        let i = unsafe { &*info };
        need!(i.vh);
        // SAFETY: both members are the same int.
        let fd = unsafe { i.fd.sockfd };
        adopt_fd(i.vh, i.r#type, fd, i.vh_prot_name, i.opaque, &[])
    })
}

/// Adopts an accepted socket into `vh` as an HTTP server connection (as if the vhost had
/// accepted it itself). Returns the connection, or NULL when `vh` is NULL or the socket
/// cannot be adopted (it is then closed).
#[no_mangle]
pub unsafe extern "C" fn lws_adopt_socket_vhost(
    vh: *mut lws_vhost,
    accept_fd: lws_sockfd_type,
) -> *mut lws {
    entry!({
        need!(vh);
        adopt_fd(
            vh,
            SOCKET | HTTP | SSL,
            accept_fd,
            core::ptr::null(),
            null_mut(),
            &[],
        )
    })
}

/// As lws_adopt_socket_vhost on the context's first vhost. Returns the connection, or NULL
/// on failure or when the context has no vhost.
#[no_mangle]
pub unsafe extern "C" fn lws_adopt_socket(
    context: *mut lws_context,
    accept_fd: lws_sockfd_type,
) -> *mut lws {
    entry!({
        need!(context);
        let vh = first_vhost(context);
        need!(vh);
        adopt_fd(
            vh,
            SOCKET | HTTP | SSL,
            accept_fd,
            core::ptr::null(),
            null_mut(),
            &[],
        )
    })
}

/// The bytes the caller already read from the socket, as a slice.
fn readbuf<'a>(p: *const c_char, len: usize) -> &'a [u8] {
    if p.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: p[..len] readable per the caller.
    unsafe { core::slice::from_raw_parts(p.cast(), len) }
}

/// As lws_adopt_socket_vhost, for a socket the caller already read `len` bytes from: those
/// bytes (`readbuf_`) are processed first, as if they had just been read from it.
/// Returns the connection, or NULL when `vhost` is NULL or the socket cannot be adopted (it
/// is then closed).
#[no_mangle]
pub unsafe extern "C" fn lws_adopt_socket_vhost_readbuf(
    vhost: *mut lws_vhost,
    accept_fd: lws_sockfd_type,
    readbuf_: *const c_char,
    len: usize,
) -> *mut lws {
    entry!({
        need!(vhost);
        let rb = readbuf(readbuf_, len);
        adopt_fd(
            vhost,
            SOCKET | HTTP | SSL,
            accept_fd,
            core::ptr::null(),
            null_mut(),
            rb,
        )
    })
}

/// As lws_adopt_socket_vhost_readbuf on the context's first vhost.
#[no_mangle]
pub unsafe extern "C" fn lws_adopt_socket_readbuf(
    context: *mut lws_context,
    accept_fd: lws_sockfd_type,
    readbuf_: *const c_char,
    len: usize,
) -> *mut lws {
    entry!({
        need!(context);
        let vh = first_vhost(context);
        need!(vh);
        let rb = readbuf(readbuf_, len);
        adopt_fd(
            vh,
            SOCKET | HTTP | SSL,
            accept_fd,
            core::ptr::null(),
            null_mut(),
            rb,
        )
    })
}
