//! lws-service.h's entry points for programs that run their own event loop, and
//! lws-adopt.h's UDP sockets.
use crate::abi::{lws_retry_bo_t, lws_udp, pollfd};
use crate::core::adopt::{adopt, Adopt, As};
use crate::core::{lws, lws_context, lws_vhost, vh, wref};
use crate::roles::raw::Raw;
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null_mut;

/// Services one descriptor the program's own poll() found ready: `pollfd->fd` with what
/// happened in `pollfd->revents`.  A descriptor that is not ours is left alone (0,
/// `revents` untouched, so the program knows to serve it itself); one of ours is served
/// and its `revents` zeroed (0), or 1 if its connection closed meanwhile.  Descriptors
/// come and go through the ADD_POLL_FD / DEL_POLL_FD / CHANGE_MODE_POLL_FD callbacks to
/// protocols[0].  NULL (lws before v3.2 allowed it for housekeeping) is refused with -1,
/// as in lws v4.3; housekeeping is `lws_service(context, -1)`.
#[no_mangle]
pub unsafe extern "C" fn lws_service_fd(context: *mut lws_context, pollfd: *mut pollfd) -> c_int {
    entry!({
        need!(context);
        need!(pollfd);
        // SAFETY: the caller's struct pollfd (lws_pollfd is that type), checked non-NULL.
        let p = unsafe { &mut *(pollfd as *mut libc::pollfd) };
        let _turn = crate::core::smp::lock(context);
        crate::core::extpoll::service_pollfd(context, p)
    })
}

/// lws_service_fd for service thread `tsi` (any descriptor of ours is served whichever
/// thread's it is; a `tsi` past count_threads is logged and returns -1).
#[no_mangle]
pub unsafe extern "C" fn lws_service_fd_tsi(
    context: *mut lws_context,
    pollfd: *mut pollfd,
    tsi: c_int,
) -> c_int {
    entry!({
        need!(context);
        need!(pollfd);
        if !tsi_ok(context, tsi) {
            lwsl_err!("lws_service_fd_tsi: no service thread {}", tsi);
            return -1;
        }
        // SAFETY: as in lws_service_fd.
        let p = unsafe { &mut *(pollfd as *mut libc::pollfd) };
        let _turn = crate::core::smp::lock(context);
        crate::core::extpoll::service_pollfd(context, p)
    })
}

/// The timeout a program's own poll() should use: 0 when work is waiting that no
/// descriptor will announce (then `lws_service(context, -1)` does it without blocking),
/// else `timeout_ms` shortened to the next timer due (a negative `timeout_ms`, wait
/// forever, becomes that delay when a timer is pending).  A `tsi` past count_threads:
/// -1.
#[no_mangle]
pub unsafe extern "C" fn lws_service_adjust_timeout(
    context: *mut lws_context,
    timeout_ms: c_int,
    tsi: c_int,
) -> c_int {
    entry!({
        need!(context);
        if !tsi_ok(context, tsi) {
            lwsl_err!("lws_service_adjust_timeout: no service thread {}", tsi);
            return -1;
        }
        let _turn = crate::core::smp::lock(context);
        crate::core::extpoll::adjust_timeout(context, timeout_ms)
    })
}

/// Whether `tsi` names one of the context's service threads.
fn tsi_ok(context: *mut lws_context, tsi: c_int) -> bool {
    // SAFETY: a live context (checked non-NULL by the caller); `pts` never changes.
    tsi >= 0 && (tsi as usize) < unsafe { (&*context).pts.len() }
}

const CAUDP_BIND: c_int = 1;
const CAUDP_BROADCAST: c_int = 2;
const CAUDP_PF_PACKET: c_int = 4;

/// Creates a UDP socket and adopts it on `vhost` as a raw connection bound to
/// `protocol_name` (RAW_SKT_BIND_PROTOCOL, RAW_ADOPT; each datagram then arrives as one
/// RAW_RX, and `lws_write(.., LWS_WRITE_RAW)` sends one datagram to the sender of the
/// last one).  With `LWS_CAUDP_BIND` the socket is bound to `ads` (NULL: any address)
/// and `port` (negative: any port); without it, it is connected to `ads`:`port` and
/// writes go there until something arrives.  `LWS_CAUDP_BROADCAST` allows broadcast;
/// `ifname` binds it to that interface.  `opaque` becomes the opaque user data.  IPv4
/// only (this build's `lws_sockaddr46` holds no IPv6 address); `LWS_CAUDP_PF_PACKET`
/// and `parent_wsi` are refused.  NULL on failure, logged.
#[no_mangle]
pub unsafe extern "C" fn lws_create_adopt_udp(
    vhost: *mut lws_vhost,
    ads: *const c_char,
    port: c_int,
    flags: c_int,
    protocol_name: *const c_char,
    ifname: *const c_char,
    parent_wsi: *mut lws,
    opaque: *mut c_void,
    retry_policy: *const lws_retry_bo_t,
    fi_wsi_name: *const c_char,
) -> *mut lws {
    entry!({
        need!(vhost);
        // Retries and fault injection concern nothing a UDP socket does here.
        let _ = (retry_policy, fi_wsi_name);
        if flags & CAUDP_PF_PACKET != 0 {
            lwsl_err!("lws_create_adopt_udp: LWS_CAUDP_PF_PACKET is not supported");
            return null_mut();
        }
        if !parent_wsi.is_null() {
            lwsl_err!("lws_create_adopt_udp: parent_wsi is not supported");
            return null_mut();
        }
        let bind = flags & CAUDP_BIND != 0;
        // SAFETY: NULL or NUL-terminated, per lws's contract.
        let host = unsafe { crate::misc::cstr(ads) };
        let port16 = if port < 0 { 0 } else { port as u16 };
        let addr = match host {
            None => std::net::SocketAddrV4::new(std::net::Ipv4Addr::UNSPECIFIED, port16),
            Some(h) => {
                let h = String::from_utf8_lossy(h).into_owned();
                let found = std::net::ToSocketAddrs::to_socket_addrs(&(h.as_str(), port16))
                    .ok()
                    .and_then(|mut it| {
                        it.find_map(|a| match a {
                            std::net::SocketAddr::V4(v4) => Some(v4),
                            std::net::SocketAddr::V6(_) => None,
                        })
                    });
                match found {
                    Some(a) => a,
                    None => {
                        lwsl_err!("lws_create_adopt_udp: no IPv4 address for {}", h);
                        return null_mut();
                    }
                }
            }
        };
        let (fd, sa) = match crate::transport::udp::open(addr, bind, flags & CAUDP_BROADCAST != 0) {
            Ok(x) => x,
            Err(e) => {
                lwsl_err!(
                    "lws_create_adopt_udp: cannot {} {}: {}",
                    if bind { "bind to" } else { "connect to" },
                    addr,
                    e
                );
                return null_mut();
            }
        };
        // SAFETY: NULL or NUL-terminated.
        if let Some(ifn) = unsafe { crate::misc::cstr(ifname) }.filter(|n| !n.is_empty()) {
            // SAFETY: fd is the socket just made; ifn is ifn.len() readable bytes.
            let r = unsafe {
                libc::setsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_BINDTODEVICE,
                    ifn.as_ptr().cast(),
                    ifn.len() as libc::socklen_t,
                )
            };
            if r != 0 {
                lwsl_err!(
                    "lws_create_adopt_udp: cannot bind to interface {}: {}",
                    String::from_utf8_lossy(ifn),
                    std::io::Error::last_os_error()
                );
                // SAFETY: our socket, closed once.
                unsafe { libc::close(fd) };
                return null_mut();
            }
        }
        let udp = match crate::transport::udp::Udp::adopt(fd, Some(sa)) {
            Ok(u) => u,
            Err(e) => {
                lwsl_err!("lws_create_adopt_udp: {}", e);
                // SAFETY: our socket, closed once (adopt did not take it).
                unsafe { libc::close(fd) };
                return null_mut();
            }
        };
        let transport = crate::transport::Transport::Udp(Box::new(udp));
        let peer = transport.peer_addr();
        let how = Adopt {
            role: As::Raw(Raw::Skt),
            prot_name: protocol_name,
            from_listener: false,
            opaque,
            readbuf: &[],
        };
        adopt(vh!(vhost).ctx, vhost, transport, peer, &how)
    })
}

/// The address record of a UDP connection: `sa46` is where `lws_write` sends (the
/// sender of the last datagram received, or the address the socket was created with).
/// NULL for a connection that is not UDP.  The record lives as long as the connection.
#[no_mangle]
pub unsafe extern "C" fn lws_get_udp(wsi: *const lws) -> *const lws_udp {
    entry!({
        need!(wsi);
        match &wref!(wsi as *mut lws).transport {
            crate::transport::Transport::Udp(u) => {
                &u.addrs as *const crate::transport::udp::UdpAddrs as *const lws_udp
            }
            _ => core::ptr::null(),
        }
    })
}

/// The libuv loop a context runs on (`foreign_loops[0]` with LWS_SERVER_OPTION_LIBUV, or
/// the loop the context made itself without `foreign_loops`), NULL for a context that
/// does not run on libuv.  Only `tsi` 0 exists.  Declared in the header by
/// hand (cbindgen.toml), under lws's condition: LWS_WITH_LIBUV and uv.h included first.
///
/// cbindgen:ignore
#[no_mangle]
pub unsafe extern "C" fn lws_uv_getloop(context: *mut lws_context, tsi: c_int) -> *mut c_void {
    entry!({
        need!(context);
        if tsi != 0 {
            return null_mut();
        }
        crate::core::foreign::uv_loop(context)
    })
}

/// lws counts the program's own libuv handles so it can tell when a loop it shares is
/// idle; this library closes only its own two handles and needs no count, so the
/// handle is only marked with the context (its `data`), as lws marks it.
///
/// cbindgen:ignore
#[no_mangle]
pub unsafe extern "C" fn lws_libuv_static_refcount_add(
    h: *mut c_void,
    context: *mut lws_context,
    tsi: c_int,
) {
    entry!({
        let _ = tsi;
        if h.is_null() {
            return;
        }
        // SAFETY: a uv_handle_t, whose first member is `void *data` (lws's contract).
        unsafe { *(h as *mut *mut c_void) = context as *mut c_void };
    })
}

/// The close callback lws asks programs to give their own handles (see
/// lws_libuv_static_refcount_add): nothing is counted here, so nothing to undo.
///
/// cbindgen:ignore
#[no_mangle]
pub unsafe extern "C" fn lws_libuv_static_refcount_del(h: *mut c_void) {
    entry!({
        let _ = h;
    })
}

/// The per-thread area of a program's own event library (`info.event_lib_custom`, sized
/// by its ops' `evlib_size_pt`) for the thread serving `wsi`; NULL without one.
#[no_mangle]
pub unsafe extern "C" fn lws_evlib_wsi_to_evlib_pt(wsi: *mut lws) -> *mut c_void {
    entry!({
        need!(wsi);
        crate::core::customloop::pt_area(wref!(wsi).ctx)
    })
}

/// The per-thread area of a program's own event library for service thread `tsi` (only 0
/// exists); NULL without one, or for another `tsi`.
#[no_mangle]
pub unsafe extern "C" fn lws_evlib_tsi_to_evlib_pt(
    ctx: *mut lws_context,
    tsi: c_int,
) -> *mut c_void {
    entry!({
        need!(ctx);
        if tsi != 0 {
            return null_mut();
        }
        crate::core::customloop::pt_area(ctx)
    })
}
