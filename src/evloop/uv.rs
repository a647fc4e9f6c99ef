//! lws on a libuv loop (LWS_SERVER_OPTION_LIBUV): the program's own (`foreign_loops`,
//! where the program runs only `uv_run`), or one made here when it gives none (then
//! `lws_service` runs it).  Our poller's own descriptor (the epoll set, readable whenever
//! one of our sockets or the waker is) is watched by one `uv_poll_t`, and one
//! `uv_timer_t` brings the next turn forward to our next timer.  Each wake-up runs one
//! non-blocking turn of our loop.  A loop of our own also gets `uv_signal_t`s, as lws's
//! does.  libuv is loaded at run time (libuv.so.1, a stable ABI), only by a program that
//! asks for it.
use core::ffi::{c_int, c_void};

/// libuv's handle types we allocate (uv.h's `uv_handle_type`, fixed since libuv 1.0).
const UV_POLL: c_int = 8;
const UV_TIMER: c_int = 13;
const UV_SIGNAL: c_int = 16;
const UV_READABLE: c_int = 1;
/// uv_run_mode.
const UV_RUN_DEFAULT: c_int = 0;
const UV_RUN_NOWAIT: c_int = 2;

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
type LoopSize = unsafe extern "C" fn() -> usize;
type LoopFn = unsafe extern "C" fn(*mut c_void) -> c_int;
type Run = unsafe extern "C" fn(*mut c_void, c_int) -> c_int;
type StopLoop = unsafe extern "C" fn(*mut c_void);
type SignalCb = unsafe extern "C" fn(*mut c_void, c_int);
type SignalStart = unsafe extern "C" fn(*mut c_void, SignalCb, c_int) -> c_int;

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
    loop_size: LoopSize,
    loop_init: LoopFn,
    loop_close: LoopFn,
    run: Run,
    stop_loop: StopLoop,
    signal_init: TimerInit,
    signal_start: SignalStart,
    signal_stop: Stop,
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
            loop_size: sym!(c"uv_loop_size", LoopSize),
            loop_init: sym!(c"uv_loop_init", LoopFn),
            loop_close: sym!(c"uv_loop_close", LoopFn),
            run: sym!(c"uv_run", Run),
            stop_loop: sym!(c"uv_stop", StopLoop),
            signal_init: sym!(c"uv_signal_init", TimerInit),
            signal_start: sym!(c"uv_signal_start", SignalStart),
            signal_stop: sym!(c"uv_signal_stop", Stop),
        })
    }
}

/// Our handles on a loop.  Each handle's `data` (a `uv_handle_t`'s first member) points
/// back at what the callbacks need.
pub(crate) struct UvLoop {
    api: Api,
    pub(crate) loop_: *mut c_void,
    /// The loop was made here (no `foreign_loops`): closed and freed with us.
    pub(crate) own: bool,
    poll: *mut c_void,
    timer: *mut c_void,
    signals: Vec<*mut c_void>,
    /// Our handles are closed (`close_handles`): never touched again.
    closed: bool,
}

/// What runs a loop of our own, copied out so no borrow of the context is held while
/// libuv calls back into it.
#[derive(Clone, Copy)]
pub(crate) struct Runner {
    run: Run,
    loop_: *mut c_void,
}

impl Runner {
    /// uv_run until uv_stop, or until no handle is left on the loop (ours keep it alive
    /// until the context is destroyed).
    pub(crate) fn run(self) {
        // SAFETY: a loop made and initialised in UvLoop::start (or the program's, alive as
        // long as the context, lws's contract), and for our own alive until UvLoop::stop,
        // which is never called while this runs (the context defers its destruction).
        unsafe { (self.run)(self.loop_, UV_RUN_DEFAULT) };
    }
}

/// A signal on a loop of our own: `on(arg, handle, signum)`.
pub(crate) type OnSignal = unsafe extern "C" fn(*mut c_void, *mut c_void, c_int);

struct SigHook {
    on: OnSignal,
    arg: *mut c_void,
}

unsafe extern "C" fn on_signal(h: *mut c_void, signum: c_int) {
    // SAFETY: h is one of our signal handles; its data member is the SigHook we set.
    unsafe {
        let hook = *(h as *mut *mut SigHook);
        ((*hook).on)((*hook).arg, h, signum)
    }
}

unsafe extern "C" fn on_signal_closed(h: *mut c_void) {
    // SAFETY: the handle and its SigHook were allocated in UvLoop::signals; libuv is done
    // with the handle once this runs.
    unsafe {
        drop(Box::from_raw(*(h as *mut *mut SigHook)));
        libc::free(h);
    }
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
    /// Watches `fd` (the poller's descriptor) on `loop_`, or on a loop made here when
    /// None; `turn(arg)` runs on each readiness and timer expiry.
    pub(crate) fn start(
        loop_: Option<*mut c_void>,
        fd: c_int,
        turn: Turn,
        arg: *mut c_void,
    ) -> Result<UvLoop, String> {
        let api = load()?;
        let (loop_, own) = match loop_ {
            Some(l) => (l, false),
            None => (new_loop(&api)?, true),
        };
        let u = UvLoop {
            api,
            loop_,
            own,
            poll: core::ptr::null_mut(),
            timer: core::ptr::null_mut(),
            signals: Vec::new(),
            closed: false,
        };
        u.watch(fd, turn, arg)
    }

    /// [`UvLoop::start`]'s handles: on failure the loop (if ours) is released too.
    fn watch(mut self, fd: c_int, turn: Turn, arg: *mut c_void) -> Result<UvLoop, String> {
        let api = &self.api;
        let loop_ = self.loop_;
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
        let poll = match alloc(UV_POLL) {
            Ok(p) => p,
            Err(e) => {
                self.release_loop();
                return Err(e);
            }
        };
        let timer = match alloc(UV_TIMER) {
            Ok(t) => t,
            Err(e) => {
                // SAFETY: never given to libuv: freed here.
                unsafe { on_closed(poll) };
                self.release_loop();
                return Err(e);
            }
        };
        // SAFETY: the program's live loop (lws's contract for foreign_loops) and our
        // handles of libuv's sizes.  The inits may clear `data`, so the hooks are put
        // back after them.  A handle libuv knows is released with uv_close; one it does
        // not is freed here.
        unsafe {
            let hp = *(poll as *mut *mut Hook);
            let ht = *(timer as *mut *mut Hook);
            if (api.poll_init)(loop_, poll, fd) != 0 {
                *(poll as *mut *mut Hook) = hp;
                on_closed(poll);
                on_closed(timer);
                self.release_loop();
                return Err("uv_poll_init failed".into());
            }
            *(poll as *mut *mut Hook) = hp;
            if (api.timer_init)(loop_, timer) != 0 {
                *(timer as *mut *mut Hook) = ht;
                on_closed(timer);
                (api.close)(poll, Some(on_closed));
                self.release_loop();
                return Err("uv_timer_init failed".into());
            }
            *(timer as *mut *mut Hook) = ht;
            self.poll = poll;
            self.timer = timer;
            if (self.api.poll_start)(poll, UV_READABLE, on_poll) != 0 {
                self.stop();
                return Err("uv_poll_start failed".into());
            }
        }
        Ok(self)
    }

    /// Catches `signums` on the loop: `on(arg, handle, signum)`.
    pub(crate) fn signals(&mut self, signums: &[c_int], on: OnSignal, arg: *mut c_void) {
        for &sig in signums {
            // SAFETY: libuv's size for a signal handle; calloc'd and freed in
            // on_signal_closed (or here when libuv never saw it).
            let h = unsafe { libc::calloc(1, (self.api.handle_size)(UV_SIGNAL)) };
            if h.is_null() {
                lwsl_err!("libuv: out of memory for a signal handle");
                return;
            }
            let hook = Box::into_raw(Box::new(SigHook { on, arg }));
            // SAFETY: our loop and a handle of libuv's size; `data` is set after the init,
            // which may clear it.  One libuv has not accepted is freed here.
            unsafe {
                if (self.api.signal_init)(self.loop_, h) != 0 {
                    drop(Box::from_raw(hook));
                    libc::free(h);
                    lwsl_err!("libuv: uv_signal_init failed");
                    return;
                }
                *(h as *mut *mut SigHook) = hook;
                if (self.api.signal_start)(h, on_signal, sig) != 0 {
                    lwsl_err!("libuv: cannot catch signal {}", sig);
                    (self.api.close)(h, Some(on_signal_closed));
                    continue;
                }
            }
            self.signals.push(h);
        }
    }

    /// What runs a loop of our own (see [`Runner`]).
    pub(crate) fn runner(&self) -> Runner {
        Runner {
            run: self.api.run,
            loop_: self.loop_,
        }
    }

    /// Makes the running loop's uv_run return.
    pub(crate) fn stop_running(&self) {
        // SAFETY: our initialised loop.
        unsafe { (self.api.stop_loop)(self.loop_) };
    }

    /// The next turn in `ms` milliseconds (None: only when the descriptor says so).
    pub(crate) fn wake_in(&self, ms: Option<u64>) {
        if self.closed {
            return;
        }
        // SAFETY: our initialised timer handle, not closed.
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

    /// Stops watching and closes our handles; libuv frees them (on_closed) the next time
    /// the program runs its loop, as it does for lws's own handles.  A loop of our own is
    /// run here until they are closed, then closed and freed.
    pub(crate) fn stop(mut self) {
        self.close_handles();
        if self.own {
            // Close callbacks (ours, and those of handles the program closed on this
            // loop) run inside uv_run; a bounded number of rounds, as lws does.
            for _ in 0..10_000 {
                // SAFETY: our initialised loop, not running (see Runner::run).
                if unsafe { (self.api.run)(self.loop_, UV_RUN_NOWAIT) } == 0 {
                    break;
                }
            }
            self.release_loop();
        }
    }

    /// Stops watching and closes our handles (once): libuv frees them as the loop runs on.
    pub(crate) fn close_handles(&mut self) {
        if core::mem::replace(&mut self.closed, true) {
            return;
        }
        // SAFETY: our initialised handles, closed once (the flag above).
        unsafe {
            (self.api.poll_stop)(self.poll);
            (self.api.timer_stop)(self.timer);
            (self.api.close)(self.poll, Some(on_closed));
            (self.api.close)(self.timer, Some(on_closed));
            for h in core::mem::take(&mut self.signals) {
                (self.api.signal_stop)(h);
                (self.api.close)(h, Some(on_signal_closed));
            }
        }
    }

    /// Closes and frees a loop of our own.  A loop the program still has handles on
    /// cannot be closed: it is left allocated (freeing it would leave those handles
    /// pointing at freed memory).
    fn release_loop(&self) {
        if !self.own {
            return;
        }
        // SAFETY: our loop, initialised in new_loop, nothing of ours left on it.
        unsafe {
            if (self.api.loop_close)(self.loop_) != 0 {
                lwsl_warn!("libuv: the program left handles on the context's loop: not freed");
                return;
            }
            libc::free(self.loop_);
        }
    }
}

/// A loop of our own: allocated at libuv's size and initialised.
fn new_loop(api: &Api) -> Result<*mut c_void, String> {
    // SAFETY: libuv's size for a loop; initialised before any use, freed in release_loop.
    unsafe {
        let l = libc::calloc(1, (api.loop_size)());
        if l.is_null() {
            return Err("out of memory".into());
        }
        if (api.loop_init)(l) != 0 {
            libc::free(l);
            return Err("uv_loop_init failed".into());
        }
        Ok(l)
    }
}
