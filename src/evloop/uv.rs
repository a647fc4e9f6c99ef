//! lws on a libuv loop the program owns (LWS_SERVER_OPTION_LIBUV with `foreign_loops`):
//! the program runs only `uv_run`, so our poller's own descriptor (the epoll set, readable
//! whenever one of our sockets or the waker is) is watched by one `uv_poll_t`, and one
//! `uv_timer_t` brings the next turn forward to our next timer.  Each wake-up runs one
//! non-blocking turn of our loop.  libuv is loaded at run time (libuv.so.1, a stable ABI),
//! only by a program that asks for it.
use core::ffi::{c_int, c_void};

/// libuv's handle types we allocate (uv.h's `uv_handle_type`, fixed since libuv 1.0).
const UV_POLL: c_int = 8;
const UV_TIMER: c_int = 13;
const UV_READABLE: c_int = 1;

type PollCb = unsafe extern "C" fn(*mut c_void, c_int, c_int);
type TimerCb = unsafe extern "C" fn(*mut c_void);
type CloseCb = unsafe extern "C" fn(*mut c_void);

type HandleSize = unsafe extern "C" fn(c_int) -> usize;
type PollInit = unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int;
type PollStart = unsafe extern "C" fn(*mut c_void, c_int, PollCb) -> c_int;
type Stop = unsafe extern "C" fn(*mut c_void) -> c_int;
type TimerInit = unsafe extern "C" fn(*mut c_void, *mut c_void) -> c_int;
type TimerStart = unsafe extern "C" fn(*mut c_void, TimerCb, u64, u64) -> c_int;
type Close = unsafe extern "C" fn(*mut c_void, Option<CloseCb>);

/// The few libuv functions used, resolved from the loaded library.
struct Api {
    handle_size: HandleSize,
    poll_init: PollInit,
    poll_start: PollStart,
    poll_stop: Stop,
    timer_init: TimerInit,
    timer_start: TimerStart,
    timer_stop: Stop,
    close: Close,
}

fn load() -> Result<Api, String> {
    // SAFETY: dlopen/dlsym with NUL-terminated names; the library stays loaded for the
    // process's life (never dlclosed), so the function pointers stay valid.
    unsafe {
        let lib = libc::dlopen(c"libuv.so.1".as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL);
        if lib.is_null() {
            return Err("cannot load libuv.so.1 (Debian: libuv1)".into());
        }
        macro_rules! sym {
            ($name:literal, $ty:ty) => {{
                let p = libc::dlsym(lib, $name.as_ptr());
                if p.is_null() {
                    return Err(format!("libuv lacks {}", $name.to_string_lossy()));
                }
                core::mem::transmute::<*mut c_void, $ty>(p)
            }};
        }
        Ok(Api {
            handle_size: sym!(c"uv_handle_size", HandleSize),
            poll_init: sym!(c"uv_poll_init", PollInit),
            poll_start: sym!(c"uv_poll_start", PollStart),
            poll_stop: sym!(c"uv_poll_stop", Stop),
            timer_init: sym!(c"uv_timer_init", TimerInit),
            timer_start: sym!(c"uv_timer_start", TimerStart),
            timer_stop: sym!(c"uv_timer_stop", Stop),
            close: sym!(c"uv_close", Close),
        })
    }
}

/// Our two handles on the program's loop.  Each handle's `data` (a `uv_handle_t`'s first
/// member) points back at what the callbacks need.
pub(crate) struct UvLoop {
    api: Api,
    pub(crate) loop_: *mut c_void,
    poll: *mut c_void,
    timer: *mut c_void,
}

/// Called by libuv when our poller's descriptor is readable or the timer fires: one turn.
pub(crate) type Turn = unsafe extern "C" fn(*mut c_void);

struct Hook {
    turn: Turn,
    arg: *mut c_void,
}

unsafe extern "C" fn on_poll(h: *mut c_void, _status: c_int, _events: c_int) {
    // SAFETY: h is our poll handle; its data member (first) is the Hook we set.
    unsafe {
        let hook = *(h as *mut *mut Hook);
        ((*hook).turn)((*hook).arg)
    }
}

unsafe extern "C" fn on_timer(h: *mut c_void) {
    // SAFETY: as on_poll, for the timer handle.
    unsafe {
        let hook = *(h as *mut *mut Hook);
        ((*hook).turn)((*hook).arg)
    }
}

unsafe extern "C" fn on_closed(h: *mut c_void) {
    // SAFETY: the handle and its Hook were allocated in UvLoop::start; libuv is done with
    // the handle once this runs.
    unsafe {
        let hook = *(h as *mut *mut Hook);
        drop(Box::from_raw(hook));
        libc::free(h);
    }
}

impl UvLoop {
    /// Watches `fd` (the poller's descriptor) on `loop_`; `turn(arg)` runs on each
    /// readiness and timer expiry.
    pub(crate) fn start(
        loop_: *mut c_void,
        fd: c_int,
        turn: Turn,
        arg: *mut c_void,
    ) -> Result<UvLoop, String> {
        let api = load()?;
        let alloc = |ty: c_int| -> Result<*mut c_void, String> {
            // SAFETY: libuv's size for its handle type; calloc'd and freed in on_closed.
            let h = unsafe { libc::calloc(1, (api.handle_size)(ty)) };
            if h.is_null() {
                return Err("out of memory".into());
            }
            let hook = Box::into_raw(Box::new(Hook { turn, arg }));
            // SAFETY: data is a uv_handle_t's first member, pointer-sized.
            unsafe { *(h as *mut *mut Hook) = hook };
            Ok(h)
        };
        let poll = alloc(UV_POLL)?;
        let timer = match alloc(UV_TIMER) {
            Ok(t) => t,
            Err(e) => {
                // SAFETY: never given to libuv: freed here.
                unsafe { on_closed(poll) };
                return Err(e);
            }
        };
        let u = UvLoop {
            api,
            loop_,
            poll,
            timer,
        };
        // SAFETY: the program's live loop (lws's contract for foreign_loops) and our
        // handles of libuv's sizes.  The inits may clear `data`, so the hooks are put
        // back after them.  A handle libuv knows is released with uv_close; one it does
        // not is freed here.
        unsafe {
            let hp = *(poll as *mut *mut Hook);
            let ht = *(timer as *mut *mut Hook);
            if (u.api.poll_init)(loop_, poll, fd) != 0 {
                *(poll as *mut *mut Hook) = hp;
                on_closed(poll);
                on_closed(timer);
                return Err("uv_poll_init failed".into());
            }
            *(poll as *mut *mut Hook) = hp;
            if (u.api.timer_init)(loop_, timer) != 0 {
                *(timer as *mut *mut Hook) = ht;
                on_closed(timer);
                (u.api.close)(poll, Some(on_closed));
                return Err("uv_timer_init failed".into());
            }
            *(timer as *mut *mut Hook) = ht;
            if (u.api.poll_start)(poll, UV_READABLE, on_poll) != 0 {
                u.stop();
                return Err("uv_poll_start failed".into());
            }
        }
        Ok(u)
    }

    /// The next turn in `ms` milliseconds (None: only when the descriptor says so).
    pub(crate) fn wake_in(&self, ms: Option<u64>) {
        // SAFETY: our initialised timer handle.
        unsafe {
            match ms {
                Some(ms) => {
                    (self.api.timer_start)(self.timer, on_timer, ms, 0);
                }
                None => {
                    (self.api.timer_stop)(self.timer);
                }
            }
        }
    }

    /// Stops watching and closes both handles; libuv frees them (on_closed) the next
    /// time the program runs its loop, as it does for lws's own handles.
    pub(crate) fn stop(self) {
        // SAFETY: our initialised handles, closed once.
        unsafe {
            (self.api.poll_stop)(self.poll);
            (self.api.timer_stop)(self.timer);
            (self.api.close)(self.poll, Some(on_closed));
            (self.api.close)(self.timer, Some(on_closed));
        }
    }
}
