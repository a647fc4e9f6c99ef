//! Contexts and vhosts: creation (options checked, listeners opened), protocol
//! initialisation, destruction.
use crate::abi::*;
use crate::core::service::free_dead;
use crate::core::*;
use core::ffi::{c_char, c_int, c_void};
use core::ptr::null_mut;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::Ordering;

const WAKER_SLOT: usize = 0;

/// lws_create_context().
///
/// # Safety
/// `info` points to a valid creation info whose pointers follow lws's contract.
pub(crate) unsafe fn create_context(info: &lws_context_creation_info) -> Option<*mut lws_context> {
    if let Some(what) = super::options::refuse_context(info) {
        lwsl_err!(
            "lws_create_context: {} is not supported by this build",
            what
        );
        return None;
    }
    let threads = super::options::count_threads(info);
    let (poller, pts) = match crate::evloop::Poller::new(WAKER_SLOT, threads) {
        Ok(p) => p,
        Err(e) => {
            lwsl_err!("lws_create_context: {}", e);
            return None;
        }
    };
    let pts: Box<[Pt]> = pts
        .into_iter()
        .map(|(wait, waker)| Pt {
            waker,
            cancel_pending: AtomicBool::new(false),
            wait: UnsafeCell::new(wait),
            ready: UnsafeCell::new(Vec::new()),
        })
        .collect();
    let bufsize = if info.pt_serv_buf_size >= 256 {
        info.pt_serv_buf_size as usize
    } else {
        DEFAULT_SERV_BUF
    };
    let ctx = Box::into_raw(Box::new(lws_context {
        pts,
        smp: (threads > 1).then(crate::core::smp::TurnLock::new),
        smd: crate::smd::Smd::new(info.smd_ttl_us, info.smd_queue_depth),
        service_thread: Default::default(),
        xq: Default::default(),
        xq_pending: AtomicBool::new(false),
        inner: UnsafeCell::new(Ctx {
            system: crate::system::System::new(info),
            poller,
            user: info.user,
            vhosts: Vec::new(),
            slots: vec![Slot {
                gen: 0,
                entry: Entry::Waker,
            }],
            free_head: usize::MAX,
            tag_ord: [0, 0],
            rbuf: vec![0u8; bufsize].into_boxed_slice(),
            rbuf_big: Vec::new(),
            timers: Timers::default(),
            sul_owner: Box::new(SulOwner {
                owner: lws_dll2_owner {
                    tail: null_mut(),
                    head: null_mut(),
                    count: 0,
                },
                ctx: null_mut(),
            }),
            writeable_q: Vec::new(),
            writeable_batch: Vec::new(),
            rx_q: Vec::new(),
            dead: Vec::new(),
            rand_pool: [0; 256],
            rand_pos: 256,
            timeout_secs: if info.timeout_secs != 0 {
                info.timeout_secs
            } else {
                20
            },
            out_limit: crate::core::output::out_limit(bufsize),
            max_fds: if info.fd_limit_per_thread != 0 {
                info.fd_limit_per_thread as usize * threads
            } else {
                usize::MAX
            },
            // The waker's slot.
            slots_used: 1,
            accept_paused: false,
            max_http_header_data: if info.max_http_header_data != 0 {
                info.max_http_header_data as usize
            } else if info.max_http_header_data2 != 0 {
                info.max_http_header_data2 as usize
            } else {
                4096
            },
            // lws: without a setting the pool is as large as the fd limit, i.e. unlimited.
            ah_pool: if info.max_http_header_pool != 0 {
                info.max_http_header_pool as usize
            } else if info.max_http_header_pool2 != 0 {
                info.max_http_header_pool2 as usize
            } else {
                usize::MAX
            },
            ah_in_use: 0,
            ah_wait: Default::default(),
            retired_user: Vec::new(),
            server_string: c_string_of(info.server_string),
            destroying: false,
            turn_depth: 0,
            destroy_deferred: false,
            protocol_init_done: false,
            uv: None,
            custom: None,
            cookies: None,
            alpn: c_string_of(info.alpn),
        }),
    }));
    cx!(ctx).sul_owner.ctx = ctx;
    crate::core::xthread::enter(crate::core::service::ctx_ref(ctx));
    // SAFETY: info is valid per the caller.
    match unsafe { crate::roles::http::cookies::Jar::new(ctx, info) } {
        Ok(j) => cx!(ctx).cookies = j,
        Err(()) => {
            lwsl_err!("lws_create_context: failed to init the cookie jar");
            destroy_context(ctx);
            return None;
        }
    }
    crate::system::context_created(ctx, info);
    lwsl_info!(
        "context created (serv buf {}, {} service thread(s))",
        bufsize,
        threads
    );
    if !info.event_lib_custom.is_null() {
        if let Err(e) = crate::core::customloop::start(ctx, info) {
            lwsl_err!("lws_create_context: event_lib_custom: {}", e);
            destroy_context(ctx);
            return None;
        }
    }
    if info.options & LWS_SERVER_OPTION_LIBUV != 0 {
        if let Err(e) = crate::core::foreign::start(ctx, info) {
            lwsl_err!("lws_create_context: LWS_SERVER_OPTION_LIBUV: {}", e);
            destroy_context(ctx);
            return None;
        }
    }
    if info.options & LWS_SERVER_OPTION_EXPLICIT_VHOSTS == 0 {
        // SAFETY: info is valid per the caller.
        if unsafe { create_vhost(ctx, info) }.is_none() {
            destroy_context(ctx);
            return None;
        }
    }
    Some(ctx)
}

fn iface_addr(iface: &str) -> Option<IpAddr> {
    if let Ok(ip) = iface.parse::<IpAddr>() {
        return Some(ip);
    }
    // An interface name: its first IPv4 address.
    let mut ifap: *mut libc::ifaddrs = null_mut();
    // SAFETY: getifaddrs fills ifap with a list we free below.
    if unsafe { libc::getifaddrs(&mut ifap) } != 0 {
        return None;
    }
    let mut found = None;
    let mut p = ifap;
    while !p.is_null() {
        // SAFETY: p walks the list getifaddrs returned.
        let ifa = unsafe { &*p };
        // SAFETY: ifa_name is a NUL-terminated string.
        let name = unsafe { core::ffi::CStr::from_ptr(ifa.ifa_name) }.to_bytes();
        if name == iface.as_bytes() && !ifa.ifa_addr.is_null() {
            // SAFETY: ifa_addr is a valid sockaddr; we read sa_family first.
            let fam = unsafe { (*ifa.ifa_addr).sa_family } as c_int;
            if fam == libc::AF_INET {
                // SAFETY: family says it is a sockaddr_in.
                let sin = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in) };
                found = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                    sin.sin_addr.s_addr,
                ))));
                break;
            }
        }
        p = ifa.ifa_next;
    }
    // SAFETY: ifap came from getifaddrs.
    unsafe { libc::freeifaddrs(ifap) };
    found
}

/// lws_create_vhost().
///
/// # Safety
/// `ctx` is live; `info` is valid per lws's contract.
pub(crate) unsafe fn create_vhost(
    ctx: *mut lws_context,
    info: &lws_context_creation_info,
) -> Option<*mut lws_vhost> {
    if let Some(what) = super::options::refuse_vhost(info) {
        lwsl_err!("lws_create_vhost: {} is not supported by this build", what);
        return None;
    }
    // The protocols: the caller's array (kept by pointer, so lws_get_protocol() answers
    // with the caller's own entries), else a copy of what `pprotocols` points to, else
    // lws's default list of one HTTP protocol ("http-only", lws_callback_http_dummy).
    let mut owned: Vec<lws_protocols> = Vec::new();
    let mut count = 0usize;
    let protocols = if !info.protocols.is_null() {
        // SAFETY: lws's contract: the array ends with an entry whose callback is NULL.
        while unsafe { (*info.protocols.add(count)).callback }.is_some() {
            count += 1;
        }
        info.protocols
    } else {
        if !info.pprotocols.is_null() {
            // SAFETY: lws's contract: a NULL-terminated array of protocol pointers.
            while let Some(p) = unsafe { (*info.pprotocols.add(count)).as_ref() } {
                owned.push(*p);
                count += 1;
            }
        } else {
            type RawCb = unsafe extern "C" fn(
                *mut lws,
                c_int,
                *mut core::ffi::c_void,
                *mut core::ffi::c_void,
                usize,
            ) -> c_int;
            let dummy: RawCb = crate::roles::http::server::default_http_callback;
            // SAFETY: the same C ABI: the reason enum is passed as an int.
            let cb = unsafe {
                core::mem::transmute::<
                    RawCb,
                    unsafe extern "C" fn(
                        *mut lws,
                        lws_callback_reasons,
                        *mut core::ffi::c_void,
                        *mut core::ffi::c_void,
                        usize,
                    ) -> c_int,
                >(dummy)
            };
            // SAFETY: lws_protocols is plain C data; all-zero is its list terminator.
            let mut p: lws_protocols = unsafe { core::mem::zeroed() };
            p.name = c"http-only".as_ptr();
            p.callback = Some(cb);
            owned.push(p);
            count = 1;
        }
        // SAFETY: as above, the zeroed terminator entry.
        owned.push(unsafe { core::mem::zeroed() });
        owned.as_ptr()
    };
    let name = c_string_of(info.vhost_name).unwrap_or_else(|| "default".to_string());
    // SAFETY: lws's contract for the creation info's TLS members.
    let alpn = c_string_of(info.alpn).or_else(|| cx!(ctx).alpn.clone());
    let tls = match unsafe { crate::tls::vhost::VhostTls::from_info(info, alpn.as_deref()) } {
        Ok(t) => t,
        Err(e) => {
            lwsl_err!("lws_create_vhost: vhost {}: {}", name, e);
            return None;
        }
    };
    let proxy = match super::proxy::from_info(info) {
        Ok(p) => p,
        Err(e) => {
            lwsl_err!("lws_create_vhost: vhost {}: {}", name, e);
            return None;
        }
    };
    let vh = Box::into_raw(Box::new(lws_vhost {
        ctx,
        name: std::ffi::CString::new(name.clone()).unwrap_or_default(),
        protocols,
        owned_protocols: owned,
        count_protocols: count,
        finalize: info.finalize,
        finalize_arg: info.finalize_arg,
        pvo: info.pvo,
        options: info.options,
        listen_port: info.port,
        listener: None,
        listen_addr: None,
        listener_slot: usize::MAX,
        same_protocol: vec![Vec::new(); count],
        privs: vec![null_mut(); count],
        inited: vec![false; count],
        user: info.user,
        destroyed: false,
        protocols_inited: false,
        mounts: info.mounts,
        error_document_404: c_string_of(info.error_document_404)
            .and_then(|d| std::ffi::CString::new(d).ok()),
        headers: info.headers,
        keepalive_timeout: if info.keepalive_timeout != 0 {
            info.keepalive_timeout
        } else {
            5
        },
        timeout_secs_ah_idle: if info.timeout_secs_ah_idle != 0 {
            info.timeout_secs_ah_idle as c_int
        } else {
            10
        },
        listen_accept_protocol: info.listen_accept_protocol,
        tls,
        pmd_offer: super::options::pmd_offer(info.extensions),
        h2: crate::roles::h2::vhost_config(info),
        h2_client: crate::roles::http::client_h2::vhost_config(info),
        alpn,
        proxy,
    }));

    if !super::tlscb::vhost_loaded(ctx, vh) {
        // SAFETY: vh was created above and is not shared yet.
        drop(unsafe { Box::from_raw(vh) });
        return None;
    }
    if info.port < 0 {
        // No listener (CONTEXT_PORT_NO_LISTEN*): a TLS vhost still gets its server config,
        // for the sockets a program adopts onto it with LWS_ADOPT_ALLOW_SSL.
        let v = vh!(vh);
        let name = v.name.to_string_lossy().into_owned();
        if let Err(e) = v.tls.own_listener(&name) {
            lwsl_err!("lws_create_vhost: vhost {}: {}", name, e);
            // SAFETY: vh was created above and is not shared yet.
            drop(unsafe { Box::from_raw(vh) });
            return None;
        }
    }
    if info.port >= 0 {
        let ip = match c_string_of(info.iface) {
            Some(i) if !i.is_empty() => match iface_addr(&i) {
                Some(ip) => Some(ip),
                None if info.options & LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND != 0 => {
                    lwsl_err!("lws_create_vhost: unknown interface \"{}\"", i);
                    // SAFETY: vh was created above and is not shared yet.
                    drop(unsafe { Box::from_raw(vh) });
                    return None;
                }
                None => {
                    // lws keeps the vhost and would listen once the interface appears.
                    lwsl_warn!(
                        "lws_create_vhost: interface \"{}\" does not exist: not listening",
                        i
                    );
                    None
                }
            },
            _ => Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        };
        if let Some(ip) = ip {
            if !listen(ctx, vh, SocketAddr::new(ip, info.port as u16)) {
                // SAFETY: vh was created above and is not shared yet.
                drop(unsafe { Box::from_raw(vh) });
                return None;
            }
        }
    }
    cx!(ctx).vhosts.push(vh);

    // As lws: protocols are initialised by the first lws_service(); a vhost added after
    // that is initialised now.  A protocol refusing PROTOCOL_INIT is logged and the vhost
    // kept (lws_protocol_init returns 0 either way); it gets no PROTOCOL_DESTROY.
    if cx!(ctx).protocol_init_done
        && info.options & LWS_SERVER_OPTION_SKIP_PROTOCOL_INIT == 0
        && init_vhost_protocols(vh) != 0
    {
        lwsl_warn!("lws_create_vhost: a protocol failed PROTOCOL_INIT");
    }
    Some(vh)
}

/// PROTOCOL_INIT for every vhost not initialised yet (lws does it in the first service).
pub(crate) fn protocol_init(ctx: *mut lws_context) {
    cx!(ctx).protocol_init_done = true;
    let vhosts = cx!(ctx).vhosts.clone();
    for vh in vhosts {
        if vh!(vh).options & LWS_SERVER_OPTION_SKIP_PROTOCOL_INIT == 0
            && init_vhost_protocols(vh) != 0
        {
            lwsl_warn!(
                "vhost {}: a protocol failed PROTOCOL_INIT",
                vh!(vh).name.to_string_lossy()
            );
        }
    }
}

/// Listens for a vhost: a vhost on the same address and port as another of this context
/// shares its socket, as in lws (the connection goes to the first; Host chooses later).
fn listen(ctx: *mut lws_context, vh: *mut lws_vhost, addr: SocketAddr) -> bool {
    if addr.port() != 0 {
        let vhosts = cx!(ctx).vhosts.clone();
        for other in vhosts {
            let o = vh!(other);
            if o.listen_addr == Some(addr) {
                let name = vh!(vh).name.to_string_lossy().into_owned();
                if let Err(e) = vh!(vh).tls.join(&o.tls, &name) {
                    lwsl_err!("lws_create_vhost: vhost {}: {}", name, e);
                    return false;
                }
                vh!(vh).listen_port = o.listen_port;
                vh!(vh).listen_addr = Some(addr);
                lwsl_notice!(
                    "vhost {}: sharing the listener of vhost {}",
                    vh!(vh).name.to_string_lossy(),
                    o.name.to_string_lossy()
                );
                return true;
            }
        }
    }
    {
        let v = vh!(vh);
        let name = v.name.to_string_lossy().into_owned();
        if let Err(e) = v.tls.own_listener(&name) {
            lwsl_err!("lws_create_vhost: vhost {}: {}", name, e);
            return false;
        }
    }
    match crate::transport::Listener::bind(addr) {
        Ok(mut l) => {
            let port = l
                .local_addr()
                .map(|a| a.port() as c_int)
                .unwrap_or(addr.port() as c_int);
            let (slot, gen) = cx!(ctx).slot_alloc(Entry::Listener(vh));
            if let Err(e) =
                cx!(ctx)
                    .poller
                    .register(&mut l, slot, gen, crate::evloop::Interest::Read, 0)
            {
                lwsl_err!("lws_create_vhost: cannot register listener: {}", e);
            }
            let fd = std::os::fd::AsRawFd::as_raw_fd(&l);
            let v = vh!(vh);
            v.listen_port = port;
            v.listen_addr = Some(SocketAddr::new(addr.ip(), port as u16));
            v.listener = Some(l);
            v.listener_slot = slot;
            lwsl_notice!(
                "vhost {}: listening on port {}",
                v.name.to_string_lossy(),
                port
            );
            crate::core::extpoll::added(crate::core::extpoll::Who::Listener(vh), fd, false);
            true
        }
        Err(e) => {
            lwsl_err!(
                "lws_create_vhost: ERROR on binding to port {} ({})",
                addr.port(),
                e
            );
            false
        }
    }
}

/// The vhost's pvo entry named like the protocol (its `options` member is what lws
/// gives PROTOCOL_INIT as `in`).
fn pvo_for(vh: *mut lws_vhost, name: *const c_char) -> Option<&'static lws_protocol_vhost_options> {
    // SAFETY: NUL-terminated or NULL.
    let name = (unsafe { crate::misc::cstr(name) })?;
    let mut p = vh!(vh).pvo;
    while !p.is_null() {
        // SAFETY: the caller's pvo list, live for the vhost's life per lws's contract.
        let e = unsafe { &*p };
        // SAFETY: NUL-terminated or NULL.
        if unsafe { crate::misc::cstr(e.name) } == Some(name) {
            return Some(e);
        }
        p = e.next;
    }
    None
}

/// PROTOCOL_INIT to each protocol of a vhost.  Nonzero if one failed.
pub(crate) fn init_vhost_protocols(vh: *mut lws_vhost) -> c_int {
    if vh!(vh).protocols_inited {
        return 0;
    }
    vh!(vh).protocols_inited = true;
    let ctx = vh!(vh).ctx;
    let has_pvo = !vh!(vh).pvo.is_null();
    for i in 0..vh!(vh).count_protocols {
        let name = vhost_protocols(vh)[i].name;
        // With a pvo list, only the protocols it names are enabled on the vhost.
        let entry = pvo_for(vh, name);
        if has_pvo && entry.is_none() {
            continue;
        }
        let opts = entry.map_or(core::ptr::null(), |e| e.options) as *mut c_void;
        let r = crate::core::wsi::with_fake_wsi(ctx, vh, i, |w| {
            crate::core::wsi::callback(w, LWS_CALLBACK_PROTOCOL_INIT as c_int, opts, 0)
        });
        vh!(vh).inited[i] = r == 0;
        if r != 0 {
            let p = core::mem::replace(&mut vh!(vh).privs[i], null_mut());
            if !p.is_null() {
                // SAFETY: allocated with calloc by lws_protocol_vh_priv_zalloc.
                unsafe { libc::free(p) };
            }
            return r;
        }
    }
    0
}

/// Closes a vhost's connections, PROTOCOL_DESTROY to its protocols, frees it.
pub(crate) fn destroy_vhost(vh: *mut lws_vhost) {
    if vh!(vh).destroyed {
        return;
    }
    vh!(vh).destroyed = true;
    let ctx = vh!(vh).ctx;
    for w in cx!(ctx).all_conns() {
        if wref!(w).vhost == vh {
            crate::core::close::finish_close(w);
        }
    }
    // The listener goes before the protocols are destroyed, as in lws (its removal is
    // announced to protocols[0]).
    let listener = vh!(vh).listener.take();
    if let Some(mut l) = listener {
        let _ = cx!(ctx).poller.deregister(&mut l);
        cx!(ctx).slot_free(vh!(vh).listener_slot);
        let fd = std::os::fd::AsRawFd::as_raw_fd(&l);
        crate::core::extpoll::removed(crate::core::extpoll::Who::Listener(vh), fd);
    }
    for i in 0..vh!(vh).count_protocols {
        if vh!(vh).inited[i] {
            crate::core::wsi::with_fake_wsi(ctx, vh, i, |w| {
                crate::core::wsi::callback(w, LWS_CALLBACK_PROTOCOL_DESTROY as c_int, null_mut(), 0)
            });
        }
    }
    let v = vh!(vh);
    for p in v.privs.drain(..) {
        if !p.is_null() {
            // SAFETY: allocated with calloc by lws_protocol_vh_priv_zalloc.
            unsafe { libc::free(p) };
        }
    }
    cx!(ctx).vhosts.retain(|&x| x != vh);
    // info.finalize: the application's last word on this vhost.
    let (fin, arg) = (vh!(vh).finalize, vh!(vh).finalize_arg);
    if let Some(f) = fin {
        // SAFETY: the caller's function, called with the vhost and its own argument as
        // lws does; the vhost is still allocated.
        unsafe { f(vh, arg) };
    }
    // SAFETY: vh came from Box::into_raw in create_vhost; nothing refers to it now (its
    // connections are closed, the listener is gone).
    drop(unsafe { Box::from_raw(vh) });
}

/// lws_context_destroy(): every live connection gets its CLOSED, every protocol its
/// PROTOCOL_DESTROY, then everything is freed.
pub(crate) fn destroy_context(ctx: *mut lws_context) {
    // Before any look at the context's state: with several service threads this may be
    // called while others run turns (or from a signal handler).
    if crate::core::smp::defer_destroy(ctx) {
        lwsl_notice!("lws_context_destroy while service threads run: finished by the next call");
        return;
    }
    if cx!(ctx).destroying || crate::core::foreign::defer_destroy(ctx) {
        return;
    }
    if cx!(ctx).turn_depth > 0 {
        // Called from a callback: the turn that called it, and the callers above it,
        // still use the context and its connections.
        if !cx!(ctx).destroy_deferred {
            cx!(ctx).destroy_deferred = true;
            lwsl_notice!("lws_context_destroy from inside service: finished by the next call");
        }
        return;
    }
    cx!(ctx).destroying = true;
    crate::core::customloop::destroy1(ctx);
    for w in cx!(ctx).all_conns() {
        crate::core::close::finish_close(w);
    }
    let vhosts = cx!(ctx).vhosts.clone();
    for vh in vhosts {
        destroy_vhost(vh);
    }
    free_dead(ctx);
    crate::core::customloop::destroy2(ctx);
    crate::core::foreign::stop(ctx);
    crate::core::service::ctx_ref(ctx).smd.destroy();
    // SAFETY: ctx came from Box::into_raw in create_context; the caller gives it up.
    drop(unsafe { Box::from_raw(ctx) });
}

/// lws_cancel_service(): safe from any thread.  Every service thread wakes and
/// delivers EVENT_WAIT_CANCELLED, as each of lws's does.
pub(crate) fn cancel_service(ctx: &lws_context) {
    for pt in ctx.pts.iter() {
        cancel_pt(pt);
    }
}

/// lws_cancel_service_pt(): one service thread.
pub(crate) fn cancel_pt(pt: &Pt) {
    pt.cancel_pending.store(true, Ordering::Release);
    if let Err(e) = pt.waker.wake() {
        lwsl_err!("lws_cancel_service: {}", e);
    }
}

/// The connections of a vhost bound to protocol `idx` (a snapshot: callbacks may change
/// the list).
pub(crate) fn conns_of(vh: *mut lws_vhost, idx: usize) -> Vec<*mut lws> {
    vh!(vh).same_protocol.get(idx).cloned().unwrap_or_default()
}
