//! The C surface: one module per lws header family.  Every `extern "C"` fn here is thin:
//! the panic boundary (`ffi!`), pointer and length checks, conversion, one call into the
//! core.  No protocol logic lives here.

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

pub mod buflist;
pub mod cache;
pub mod client;
pub mod context;
pub mod dir;
pub mod dll2;
pub mod ext;
pub mod http;
pub mod lejp;
pub mod logcx;
pub mod logs;
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
