//! The C surface: one module per lws header family.  Every `extern "C"` fn here is thin:
//! the panic boundary (`ffi!`), pointer and length checks, conversion, one call into the
//! core.  No protocol logic lives here.

/// The boundary every `extern "C"` fn runs its body in (the model is rustls-ffi's
/// `ffi_panic_boundary!`): a panic (a bug of ours) is logged with the function's name
/// and turned into lws's failure value instead of unwinding into C.  Neither is written
/// at the call site: the name comes from the enclosing item, the failure value from the
/// return type ([`Failure`]: -1 for signed integers, 0 for unsigned ones, NULL for
/// pointers), or from `fail = N` where lws fails with another number.  Inside the body,
/// `need!(ptr)` checks a pointer argument the same way.
///
/// ```ignore
/// #[no_mangle]
/// pub unsafe extern "C" fn lws_get_socket_fd(wsi: *mut lws) -> c_int {
///     entry!({
///         need!(wsi);
///         core::fd(wsi)
///     })
/// }
/// ```
macro_rules! entry {
    (fail = $fail:expr, $body:block) => {{
        #[allow(dead_code)]
        fn __lws_entry() {}
        #[allow(dead_code)]
        fn __lws_entry_fail<T: $crate::capi::Failure>() -> T {
            T::from_int($fail)
        }
        #[cold]
        #[inline(never)]
        fn __lws_entry_panicked<T: $crate::capi::Failure>() -> T {
            $crate::capi::panicked(core::any::type_name_of_val(&__lws_entry));
            T::from_int($fail)
        }
        $crate::capi::boundary(__lws_entry_panicked, || $body)
    }};
    ($body:block) => {{
        #[allow(dead_code)]
        fn __lws_entry() {}
        #[allow(dead_code)]
        fn __lws_entry_fail<T: $crate::capi::Failure>() -> T {
            T::failure()
        }
        #[cold]
        #[inline(never)]
        fn __lws_entry_panicked<T: $crate::capi::Failure>() -> T {
            $crate::capi::panicked(core::any::type_name_of_val(&__lws_entry));
            T::failure()
        }
        $crate::capi::boundary(__lws_entry_panicked, || $body)
    }};
}

/// lws's failure value of a return type (see [`entry!`]).
pub(crate) trait Failure {
    fn failure() -> Self;
    /// An explicit failure number (`entry!(fail = N, ..)`), for integer returns.
    fn from_int(v: i64) -> Self;
}

macro_rules! failure_int {
    ($fail:expr => $($t:ty),*) => {$(
        impl Failure for $t {
            #[inline(always)]
            fn failure() -> Self {
                $fail
            }
            #[inline(always)]
            fn from_int(v: i64) -> Self {
                v as $t
            }
        }
    )*};
}
failure_int!(-1 => i8, i16, i32, i64, isize);
failure_int!(0 => u8, u16, u32, u64, usize);

impl Failure for () {
    fn failure() -> Self {}
    fn from_int(_: i64) -> Self {}
}

impl<T> Failure for *mut T {
    #[inline(always)]
    fn failure() -> Self {
        core::ptr::null_mut()
    }
    fn from_int(_: i64) -> Self {
        core::ptr::null_mut()
    }
}

impl<T> Failure for *const T {
    #[inline(always)]
    fn failure() -> Self {
        core::ptr::null()
    }
    fn from_int(_: i64) -> Self {
        core::ptr::null()
    }
}

/// The function's own name out of the type name of an item nested in it
/// (`crate::capi::x::lws_foo::__lws_entry`, or `..::lws_foo::{{closure}}::..`).
#[inline(never)]
pub(crate) fn entry_name(nested: &'static str) -> &'static str {
    nested
        .rsplit("::")
        .find(|s| !s.starts_with("__lws_entry") && !s.starts_with('{'))
        .unwrap_or(nested)
}

/// [`entry!`]'s body runner: the panic path is a separate cold function (a zero-sized
/// item here), so the entry carries nothing extra on its normal path.
#[inline(always)]
pub(crate) fn boundary<R>(on_panic: impl FnOnce() -> R, body: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(_) => on_panic(),
    }
}

/// Logs a NULL pointer argument (`need!`), out of line: the entry's normal path stays
/// as small as a hand-written check.
#[cold]
#[inline(never)]
pub(crate) fn null_arg(nested: &'static str, what: &'static str) {
    null_arg_log(nested.as_ptr(), nested.len(), what.as_ptr(), what.len());
}

/// [`null_arg`]'s body, behind the C convention: it cannot unwind (a panic is caught
/// inside), which the compiler then knows, so the entries calling it need no unwind
/// landing pad, and their normal path no stack frame, for the NULL check alone (about
/// six instructions on every lws_is_final_fragment, lws_write, ... call).
#[cold]
#[inline(never)]
extern "C" fn null_arg_log(n: *const u8, n_len: usize, w: *const u8, w_len: usize) {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: the two &'static str null_arg was given, taken apart.
        let (nested, what) = unsafe {
            (
                core::str::from_utf8_unchecked(core::slice::from_raw_parts(n, n_len)),
                core::str::from_utf8_unchecked(core::slice::from_raw_parts(w, w_len)),
            )
        };
        lwsl_err!("{}: NULL {}", entry_name(nested), what);
    });
}

/// Logs a panic caught at the C boundary (`nested`: see [`entry_name`]).
#[cold]
#[inline(never)]
pub(crate) fn panicked(nested: &'static str) {
    lwsl_err!(
        "{}: internal error (panic caught at the C boundary)",
        entry_name(nested)
    );
}

/// Superseded by [`entry!`] (which needs neither the name nor the failure value);
/// kept while C-surface files written with it are merged.
/// Runs `$body` behind a panic boundary: a panic (a bug of ours) is logged and turned into
/// lws's failure value `$fail` instead of unwinding into C.
macro_rules! ffi {
    ($name:literal, $fail:expr, $body:block) => {{
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| $body)) {
            Ok(v) => v,
            Err(_) => {
                lwsl_err!("{}: internal error (panic caught at the C boundary)", $name);
                $fail
            }
        }
    }};
}

/// Checks a pointer argument from C; on NULL logs and returns lws's failure value (or
/// just returns, for functions returning void: omit the value).
///
/// Inside [`entry!`], `need!(ptr)` takes both from the entry (and `need!(ptr, value)`
/// returns `value` instead, for the rare argument checked with another answer).
macro_rules! need {
    ($name:literal, $ptr:expr) => {
        if $ptr.is_null() {
            lwsl_err!("{}: NULL {}", $name, stringify!($ptr));
            return;
        }
    };
    ($name:literal, $ptr:expr, $fail:expr) => {
        if $ptr.is_null() {
            lwsl_err!("{}: NULL {}", $name, stringify!($ptr));
            return $fail;
        }
    };
    ($ptr:expr) => {
        if $ptr.is_null() {
            $crate::capi::null_arg(core::any::type_name_of_val(&__lws_entry), stringify!($ptr));
            return __lws_entry_fail();
        }
    };
    ($ptr:expr, $fail:expr) => {
        if $ptr.is_null() {
            $crate::capi::null_arg(core::any::type_name_of_val(&__lws_entry), stringify!($ptr));
            return $fail;
        }
    };
}

/// For exported functions we do not implement yet: log once per function, then fail the
/// way lws fails.
#[allow(unused_macros)]
macro_rules! not_yet {
    ($name:literal, $fail:expr) => {{
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| lwsl_err!("{}: not implemented yet in this library", $name));
        $fail
    }};
}

/// Borrows a C string argument as bytes (None for NULL); kept here for the C-surface
/// files that name it so.
pub(crate) use crate::misc::cstr;

pub mod adopt;
pub mod buflist;
pub mod cache;
pub mod client;
pub mod client_reset;
pub mod context;
pub mod dir;
pub mod dll2;
pub mod ext;
pub mod h2client;
pub mod h2srv;
pub mod http;
pub mod lejp;
pub mod logcx;
pub mod logs;
pub mod loops;
pub mod lwsac;
pub mod map;
pub mod misc;
pub mod misc3;
pub mod misc4;
pub mod ring;
pub mod sa46;
pub mod service;
pub mod smd;
pub mod spa;
pub mod system;
pub mod timer;
pub mod tls;
pub mod tokenize;
pub mod vfs;
pub mod write;
pub mod writeable;

#[cfg(test)]
mod entry_tests {
    use core::ffi::c_int;

    unsafe extern "C" fn lws_test_entry(p: *mut u8, boom: c_int) -> c_int {
        entry!(fail = 7, {
            need!(p);
            if boom != 0 {
                panic!("a bug of ours");
            }
            // SAFETY: p is a live byte (the test's).
            unsafe { *p as c_int }
        })
    }

    unsafe extern "C" fn lws_test_ptr(p: *mut u8) -> *mut u8 {
        entry!({
            need!(p);
            p
        })
    }

    #[test]
    fn failure_values_and_name() {
        let mut x = 3u8;
        // SAFETY: NULL or a live byte, as the functions expect.
        unsafe {
            assert_eq!(lws_test_entry(&mut x, 0), 3);
            assert_eq!(lws_test_entry(core::ptr::null_mut(), 0), 7);
            assert_eq!(lws_test_entry(&mut x, 1), 7);
            assert!(lws_test_ptr(core::ptr::null_mut()).is_null());
            assert_eq!(lws_test_ptr(&mut x), &mut x as *mut u8);
        }
        fn lws_named() -> &'static str {
            fn __lws_entry() {}
            let inner = || {
                fn __lws_entry_inner() {}
                core::any::type_name_of_val(&__lws_entry_inner)
            };
            assert_eq!(super::entry_name(inner()), "lws_named");
            super::entry_name(core::any::type_name_of_val(&__lws_entry))
        }
        assert_eq!(lws_named(), "lws_named");
    }
}
