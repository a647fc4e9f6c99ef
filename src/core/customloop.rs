//! A program's own event library (`info.event_lib_custom`, lws's `lws_plugin_evlib_t`
//! with a `struct lws_event_loop_ops`), as lws's eventlib-custom example embeds lws in
//! a poll loop it already has: the library tells the program's ops which descriptors to
//! watch (`init_vhost_listen_wsi` for a listener, `sock_accept` for a connection, `io`
//! with LWS_EV_START/STOP and LWS_EV_READ/WRITE for changes, `wsi_logical_close` when
//! one goes), and the program hands ready ones back through `lws_service_fd`.
//!
//! It rides on the external-poll announcements (`extpoll`): every change announced to
//! protocols[0] is also made through the ops.  The ops' per-thread area
//! (`evlib_size_pt`, reached with `lws_evlib_*_to_evlib_pt`) is allocated here; the
//! per-context, per-vhost and per-wsi areas, `check_client_connect_ok`,
//! `close_handle_manually`, `destroy_wsi` and `foreign_thread` are not used (lws's own
//! event libraries need them, a program's loop over descriptors does not).
use crate::core::*;
use core::ffi::{c_char, c_int, c_uint, c_void};

/// lws-eventlib-exports.h's io flags.
const EV_READ: c_uint = 1;
const EV_WRITE: c_uint = 2;
const EV_START: c_uint = 4;
const EV_STOP: c_uint = 8;

/// lws_plugin_header_t.
#[repr(C)]
struct Header {
    name: *const c_char,
    class: *const c_char,
    build_hash: *const c_char,
    api_magic: c_uint,
}

/// lws_plugin_evlib_t: what `info.event_lib_custom` points at.
#[repr(C)]
struct Evlib {
    hdr: Header,
    ops: *const Ops,
}

type WsiOp = Option<unsafe extern "C" fn(*mut lws) -> c_int>;
type CtxOp = Option<unsafe extern "C" fn(*mut lws_context) -> c_int>;
type TsiOp = Option<unsafe extern "C" fn(*mut lws_context, c_int)>;

/// struct lws_event_loop_ops, in lws 4.3's layout.
#[repr(C)]
struct Ops {
    name: *const c_char,
    init_context:
        Option<unsafe extern "C" fn(*mut lws_context, *const lws_context_creation_info) -> c_int>,
    destroy_context1: CtxOp,
    destroy_context2: CtxOp,
    init_vhost_listen_wsi: WsiOp,
    init_pt: Option<unsafe extern "C" fn(*mut lws_context, *mut c_void, c_int) -> c_int>,
    wsi_logical_close: WsiOp,
    check_client_connect_ok: WsiOp,
    close_handle_manually: Option<unsafe extern "C" fn(*mut lws)>,
    sock_accept: WsiOp,
    io: Option<unsafe extern "C" fn(*mut lws, c_uint)>,
    run_pt: TsiOp,
    destroy_pt: TsiOp,
    destroy_wsi: Option<unsafe extern "C" fn(*mut lws)>,
    foreign_thread: Option<unsafe extern "C" fn(*mut lws_context, c_int) -> c_int>,
    flags: u8,
    evlib_size_ctx: u16,
    evlib_size_pt: u16,
    evlib_size_vh: u16,
    evlib_size_wsi: u16,
}

/// The context's custom event library.
pub(crate) struct Custom {
    ops: *const Ops,
    /// The ops' per-thread area (zeroed, 8-byte aligned).
    pt: Box<[u64]>,
}

fn ops<'a>(ctx: *mut lws_context) -> Option<&'a Ops> {
    let c = cx!(ctx).custom.as_ref()?;
    // SAFETY: checked non-NULL in start; the program's table outlives the context
    // (lws's contract: it is static in the program).
    Some(unsafe { &*c.ops })
}

/// Binds a new context to `info.event_lib_custom` (and its loop, `foreign_loops[0]`).
pub(crate) fn start(ctx: *mut lws_context, info: &lws_context_creation_info) -> Result<(), String> {
    // SAFETY: non-NULL (the caller checked); lws's contract: a live lws_plugin_evlib_t.
    let ev = unsafe { &*(info.event_lib_custom as *const Evlib) };
    if ev.ops.is_null() {
        return Err("event_lib_custom has no ops".into());
    }
    // SAFETY: non-NULL, the program's table.
    let size = unsafe { (*ev.ops).evlib_size_pt } as usize;
    cx!(ctx).custom = Some(Box::new(Custom {
        ops: ev.ops,
        pt: vec![0u64; size.div_ceil(8).max(1)].into_boxed_slice(),
    }));
    let Some(o) = ops(ctx) else {
        return Err("no ops".into());
    };
    if let Some(f) = o.init_context {
        // SAFETY: the program's op, called as lws calls it.
        if unsafe { f(ctx, info) } != 0 {
            return Err("its init_context failed".into());
        }
    }
    let loop_ = if info.foreign_loops.is_null() {
        core::ptr::null_mut()
    } else {
        // SAFETY: lws's contract: an array with one loop per service thread.
        unsafe { *info.foreign_loops }
    };
    if let Some(f) = o.init_pt {
        // SAFETY: as above.
        if unsafe { f(ctx, loop_, 0) } != 0 {
            return Err("its init_pt failed".into());
        }
    }
    Ok(())
}

/// lws_evlib_*_to_evlib_pt: the ops' per-thread area, NULL without a custom library.
pub(crate) fn pt_area(ctx: *mut lws_context) -> *mut c_void {
    cx!(ctx)
        .custom
        .as_mut()
        .map_or(core::ptr::null_mut(), |c| c.pt.as_mut_ptr().cast())
}

/// lws_service on such a context: its `run_pt`, when it has one (then 1, as lws).
pub(crate) fn run(ctx: *mut lws_context) -> Option<c_int> {
    let f = ops(ctx)?.run_pt?;
    // SAFETY: the program's op.
    unsafe { f(ctx, 0) };
    Some(1)
}

/// Context destruction begins (connections still open).
pub(crate) fn destroy1(ctx: *mut lws_context) {
    if let Some(f) = ops(ctx).and_then(|o| o.destroy_context1) {
        // SAFETY: the program's op.
        unsafe { f(ctx) };
    }
}

/// Context destruction ends (everything closed): the ops let go of the loop.
pub(crate) fn destroy2(ctx: *mut lws_context) {
    let Some(o) = ops(ctx) else {
        return;
    };
    // SAFETY: the program's ops.
    unsafe {
        if let Some(f) = o.destroy_pt {
            f(ctx, 0);
        }
        if let Some(f) = o.destroy_context2 {
            f(ctx);
        }
    }
    cx!(ctx).custom = None;
}

/// An announced change (see extpoll), made through the ops.  `w` is the connection, or
/// a stand-in wsi of a listener whose descriptor reads as `fd`.
pub(crate) fn change(
    ctx: *mut lws_context,
    w: *mut lws,
    listener: bool,
    kind: u8,
    ev: c_int,
    prev: c_int,
) {
    let Some(o) = ops(ctx) else {
        return;
    };
    let bits = |e: c_int| {
        (if e & libc::POLLIN as c_int != 0 {
            EV_READ
        } else {
            0
        }) | (if e & libc::POLLOUT as c_int != 0 {
            EV_WRITE
        } else {
            0
        })
    };
    // SAFETY: the program's ops, given a live (or stand-in) wsi for the call.
    unsafe {
        match kind {
            ADD => {
                let f = if listener {
                    o.init_vhost_listen_wsi
                } else {
                    o.sock_accept
                };
                if let Some(f) = f {
                    if f(w) != 0 {
                        lwsl_err!("event_lib_custom: a descriptor was not taken");
                    }
                }
            }
            DEL => {
                if let Some(f) = o.wsi_logical_close {
                    f(w);
                }
            }
            _ => {
                let Some(io) = o.io else {
                    return;
                };
                let (start, stop) = (bits(ev & !prev), bits(prev & !ev));
                if start != 0 {
                    io(w, EV_START | start);
                }
                if stop != 0 {
                    io(w, EV_STOP | stop);
                }
            }
        }
    }
}

pub(crate) const ADD: u8 = 0;
pub(crate) const DEL: u8 = 1;
pub(crate) const MODE: u8 = 2;

/// Whether the context has a custom event library (the announcements are worth making).
#[inline]
pub(crate) fn active(ctx: *mut lws_context) -> bool {
    cx!(ctx).custom.is_some()
}

/// Runs `f` with a stand-in wsi of listener `vh` whose descriptor reads as `fd` (the ops
/// ask lws_get_socket_fd); the descriptor stays the listener's.
pub(crate) fn with_listener_wsi(
    ctx: *mut lws_context,
    vh: *mut lws_vhost,
    fd: c_int,
    f: impl FnOnce(*mut lws),
) {
    crate::core::wsi::with_fake_wsi(ctx, vh, 0, |w| {
        wref!(w).transport =
            crate::transport::Transport::Plain(crate::transport::Plain::from_fd(fd));
        f(w);
        // Not ours to close: forgotten, not dropped.
        core::mem::forget(core::mem::replace(
            &mut wref!(w).transport,
            crate::transport::Transport::None,
        ));
    })
}
