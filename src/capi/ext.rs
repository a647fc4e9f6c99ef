//! lws-ws-ext.h: the extension entry points that stand on their own.
//!
//! The WebSocket role runs permessage-deflate itself (`crate::ws::deflate`); programs
//! still list `lws_extension_callback_pm_deflate` in their extension arrays, so it exists
//! and answers the option reasons as lws's does, over its own per-connection option
//! slots.  `lws_ext_parse_options` feeds an option string to any extension callback (the
//! ws role's client calls it for LWS_CALLBACK_WS_EXT_DEFAULTS).
use crate::abi::{
    lws_ext_options, lws_extension, lws_extension_callback_reasons, LWS_EXT_CB_OPTION_SET,
};
use crate::core::{lws, lws_context};
use crate::ws::deflate::{Args, OPTIONS};
use crate::ws::ext_options;
use core::ffi::{c_char, c_int, c_void, CStr};
use core::ptr::null_mut;

/// lws's layout of `struct lws_ext_options` (see src/abi/ext.rs).
#[repr(C)]
struct ExtOption {
    name: *const c_char,
    kind: c_int,
}

/// lws's layout of `struct lws_ext_option_arg`.
#[repr(C)]
struct ExtOptionArg {
    option_name: *const c_char,
    option_index: c_int,
    start: *const c_char,
    len: c_int,
}

/// lws's permessage-deflate option table, handed out by CONSTRUCT (lws gives its own
/// table to the caller the same way).
#[repr(transparent)]
struct Table([ExtOption; 9]);
// SAFETY: immutable, and the pointers are to static string literals.
unsafe impl Sync for Table {}

static PMD_OPTIONS: Table = Table([
    ExtOption {
        name: c"server_no_context_takeover".as_ptr(),
        kind: 0,
    },
    ExtOption {
        name: c"client_no_context_takeover".as_ptr(),
        kind: 0,
    },
    ExtOption {
        name: c"server_max_window_bits".as_ptr(),
        kind: 2,
    },
    ExtOption {
        name: c"client_max_window_bits".as_ptr(),
        kind: 2,
    },
    ExtOption {
        name: c"rx_buf_size".as_ptr(),
        kind: 1,
    },
    ExtOption {
        name: c"tx_buf_size".as_ptr(),
        kind: 1,
    },
    ExtOption {
        name: c"compression_level".as_ptr(),
        kind: 1,
    },
    ExtOption {
        name: c"mem_level".as_ptr(),
        kind: 1,
    },
    ExtOption {
        name: core::ptr::null(),
        kind: 0,
    },
]);

/// What CONSTRUCT allocates into the caller's `user` slot.
struct PmdPriv {
    args: Args,
    rx_cap: usize,
}

/// lws's `pt_serv_buf_size` default, the rx buffer when a protocol names none.
const DEFAULT_RX_CAP: usize = 4096;

/// The connection's rx buffer size, as lws caps the rx chunk with it: the protocol's
/// `rx_buffer_size`, else the service buffer.
fn rx_cap(wsi: *mut lws) -> usize {
    if wsi.is_null() {
        return DEFAULT_RX_CAP;
    }
    // SAFETY: a connection pointer from the caller; lws_get_protocol checks it.
    let p = unsafe { super::context::lws_get_protocol(wsi) };
    if p.is_null() {
        return DEFAULT_RX_CAP;
    }
    // SAFETY: the protocol array lives as long as its vhost.
    match unsafe { (*p).rx_buffer_size } {
        0 => DEFAULT_RX_CAP,
        n => n,
    }
}

/// `lws_ext_parse_options`: exported as lws exports it in a build with extensions (lws
/// 4.3's default build, `LWS_WITHOUT_EXTENSIONS`, leaves it out though its header
/// declares it).
///
/// # Safety
/// `ext` an extension, `opts` an option table ending with a NULL name, `o` at least `len`
/// readable bytes; `ext_user` whatever `ext`'s callback expects.
#[no_mangle]
pub unsafe extern "C" fn lws_ext_parse_options(
    ext: *const lws_extension,
    wsi: *mut lws,
    ext_user: *mut c_void,
    opts: *const lws_ext_options,
    o: *const c_char,
    len: c_int,
) -> c_int {
    entry!({
        need!(ext);
        need!(opts);
        if len <= 0 {
            return 0;
        }
        need!(o);
        // SAFETY: a live extension struct from the caller.
        let Some(cb) = (unsafe { (*ext).callback }) else {
            lwsl_err!("lws_ext_parse_options: extension without a callback");
            return -1;
        };
        let opts = opts as *const ExtOption;
        let mut names: Vec<(&[u8], i32)> = Vec::new();
        loop {
            // SAFETY: the table ends with a NULL name; we stop there.
            let e = unsafe { &*opts.add(names.len()) };
            if e.name.is_null() {
                break;
            }
            if names.len() == 64 {
                lwsl_err!("lws_ext_parse_options: more than 64 options");
                return -1;
            }
            // SAFETY: option names are C strings.
            names.push((unsafe { CStr::from_ptr(e.name) }.to_bytes(), e.kind));
        }
        // SAFETY: the caller gives `len` readable bytes.
        let input = unsafe { core::slice::from_raw_parts(o as *const u8, len as usize) };
        let context = if wsi.is_null() {
            null_mut()
        } else {
            // SAFETY: a connection pointer from the caller.
            unsafe { super::context::lws_get_context(wsi) }
        };
        let r = ext_options::parse(input, &names, |hit| {
            let mut oa = ExtOptionArg {
                option_name: core::ptr::null(),
                option_index: hit.index as c_int,
                start: hit.value.map_or(core::ptr::null(), |(off, _)| {
                    // SAFETY: `off` is within the caller's input.
                    unsafe { o.add(off) }
                }),
                len: hit.value.map_or(0, |(_, l)| l as c_int),
            };
            // SAFETY: the extension's own callback, with lws's arguments for OPTION_SET;
            // its return value is not looked at, as in lws.
            unsafe {
                cb(
                    context,
                    ext,
                    wsi,
                    LWS_EXT_CB_OPTION_SET,
                    ext_user,
                    &mut oa as *mut ExtOptionArg as *mut c_void,
                    0,
                )
            };
        });
        if r.is_ok() {
            0
        } else {
            -1
        }
    })
}

/// Applies one OPTION_SET to the private slots; `index` from the argument.
///
/// # Safety
/// `oa` points to a `struct lws_ext_option_arg`, its `start` NULL or a C string.
unsafe fn option_set(p: &mut PmdPriv, oa: &ExtOptionArg) -> c_int {
    let Ok(index) = usize::try_from(oa.option_index) else {
        lwsl_err!(
            "lws_extension_callback_pm_deflate: bad option index {}",
            oa.option_index
        );
        return -1;
    };
    if index >= OPTIONS.len() {
        lwsl_err!(
            "lws_extension_callback_pm_deflate: bad option index {}",
            index
        );
        return -1;
    }
    // lws reads the value with atoi, to its first non-digit: the NUL of a string given
    // by lws_set_extension_option, or the `;` after it in a parsed option list.
    let value = if oa.start.is_null() {
        None
    } else {
        // SAFETY: the caller's C string.
        Some(unsafe { CStr::from_ptr(oa.start) }.to_bytes())
    };
    p.args.set(index, value, p.rx_cap);
    0
}

/// The permessage-deflate extension's callback, for a vhost's `extensions` list
/// (`{ "permessage-deflate", lws_extension_callback_pm_deflate, "permessage-deflate;
/// client_max_window_bits" }`), as with lws. The compression itself is run by the library's
/// WebSocket role; this callback keeps the extension's options: CONSTRUCT makes them (and
/// refuses an rx buffer under 128 bytes), OPTION_DEFAULT / OPTION_SET / NAMED_OPTION_SET
/// (lws_set_extension_option) change them, DESTROY frees them. Returns 0, or -1 to refuse.
///
/// # Safety
/// lws's contract for extension callbacks: `user` is the `void **` slot to fill for the
/// CONSTRUCT reasons and the pointer CONSTRUCT stored for the others; `in` what the reason
/// documents.
#[no_mangle]
pub unsafe extern "C" fn lws_extension_callback_pm_deflate(
    context: *mut lws_context,
    ext: *const lws_extension,
    wsi: *mut lws,
    reason: lws_extension_callback_reasons,
    user: *mut c_void,
    r#in: *mut c_void,
    len: usize,
) -> c_int {
    use lws_extension_callback_reasons::*;
    // The option slots are all this callback keeps; none of these is needed for them.
    let _ = (context, ext, len);
    ffi!("lws_extension_callback_pm_deflate", -1, {
        let name = "lws_extension_callback_pm_deflate";
        match reason {
            LWS_EXT_CB_CONSTRUCT | LWS_EXT_CB_CLIENT_CONSTRUCT => {
                need!("lws_extension_callback_pm_deflate", user, -1);
                let cap = rx_cap(wsi);
                if cap < 128 {
                    lwsl_info!("{}: the rx buffer must be at least 128 bytes", name);
                    return -1;
                }
                let p = Box::new(PmdPriv {
                    args: Args::defaults(cap),
                    rx_cap: cap,
                });
                // SAFETY: for CONSTRUCT, `user` is the caller's slot for the private data.
                unsafe { *(user as *mut *mut c_void) = Box::into_raw(p) as *mut c_void };
                if !r#in.is_null() {
                    // SAFETY: `in` is where the caller wants the option table.
                    unsafe {
                        *(r#in as *mut *const lws_ext_options) =
                            PMD_OPTIONS.0.as_ptr() as *const lws_ext_options
                    };
                }
                0
            }
            LWS_EXT_CB_OPTION_DEFAULT => {
                need!("lws_extension_callback_pm_deflate", user, -1);
                // SAFETY: `user` is what CONSTRUCT allocated.
                let p = unsafe { &mut *(user as *mut PmdPriv) };
                p.args = Args::defaults(p.rx_cap);
                0
            }
            LWS_EXT_CB_NAMED_OPTION_SET | LWS_EXT_CB_OPTION_SET => {
                need!("lws_extension_callback_pm_deflate", user, -1);
                need!("lws_extension_callback_pm_deflate", r#in, -1);
                // SAFETY: `in` is a `struct lws_ext_option_arg` for these reasons.
                let oa = unsafe { &mut *(r#in as *mut ExtOptionArg) };
                if reason == LWS_EXT_CB_NAMED_OPTION_SET {
                    if oa.option_name.is_null() {
                        return 0;
                    }
                    // SAFETY: a C string from the caller.
                    let n = unsafe { CStr::from_ptr(oa.option_name) }.to_bytes();
                    let Some(i) = OPTIONS.iter().position(|(o, _)| *o == n) else {
                        lwsl_info!("{}: no option {}", name, String::from_utf8_lossy(n));
                        return 0;
                    };
                    oa.option_index = i as c_int;
                }
                // SAFETY: `user` is what CONSTRUCT allocated; `oa` checked above.
                unsafe { option_set(&mut *(user as *mut PmdPriv), oa) }
            }
            LWS_EXT_CB_OPTION_CONFIRM => {
                need!("lws_extension_callback_pm_deflate", user, -1);
                // SAFETY: `user` is what CONSTRUCT allocated.
                if unsafe { &*(user as *mut PmdPriv) }.args.confirm() {
                    0
                } else {
                    -1
                }
            }
            LWS_EXT_CB_DESTROY => {
                if !user.is_null() {
                    // SAFETY: what CONSTRUCT allocated, given back once.
                    drop(unsafe { Box::from_raw(user as *mut PmdPriv) });
                }
                0
            }
            LWS_EXT_CB_PAYLOAD_RX | LWS_EXT_CB_PAYLOAD_TX => {
                // The ws role compresses and inflates itself; payloads never pass here.
                lwsl_err!(
                    "{}: payloads are handled by the ws role, not this callback",
                    name
                );
                -1
            }
            LWS_EXT_CB_PACKET_TX_PRESEND => 0,
        }
    })
}

/// lws_set_extension_option: changes an option of an extension active on `wsi`
/// (permessage-deflate's `compression_level` before the first message, `rx_buf_size`
/// between messages; the negotiated parameters stay).  -1 when the extension is not
/// active there, 0 otherwise (an unknown option is ignored, as lws does).
///
/// # Safety
/// `wsi` a live connection, the strings NUL-terminated (`opt_val` may be NULL: the
/// option's value is then 1).
#[no_mangle]
pub unsafe extern "C" fn lws_set_extension_option(
    wsi: *mut lws,
    ext_name: *const c_char,
    opt_name: *const c_char,
    opt_val: *const c_char,
) -> c_int {
    entry!({
        need!(wsi);
        need!(ext_name);
        need!(opt_name);
        // SAFETY: NUL-terminated strings from the caller.
        let (ext, opt) = unsafe {
            (
                CStr::from_ptr(ext_name).to_bytes(),
                CStr::from_ptr(opt_name).to_bytes(),
            )
        };
        let val = if opt_val.is_null() {
            None
        } else {
            // SAFETY: as above.
            Some(unsafe { CStr::from_ptr(opt_val) }.to_bytes())
        };
        crate::roles::ws::pmd::set_option(wsi, ext, opt, val)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe fn construct() -> *mut PmdPriv {
        let mut user: *mut c_void = null_mut();
        let mut table: *const lws_ext_options = core::ptr::null();
        let r = unsafe {
            lws_extension_callback_pm_deflate(
                null_mut(),
                core::ptr::null(),
                null_mut(),
                lws_extension_callback_reasons::LWS_EXT_CB_CONSTRUCT,
                &mut user as *mut *mut c_void as *mut c_void,
                &mut table as *mut *const lws_ext_options as *mut c_void,
                0,
            )
        };
        assert_eq!(r, 0);
        assert_eq!(table as *const ExtOption, PMD_OPTIONS.0.as_ptr());
        user as *mut PmdPriv
    }

    unsafe fn call(
        reason: lws_extension_callback_reasons,
        p: *mut PmdPriv,
        oa: *mut ExtOptionArg,
    ) -> c_int {
        unsafe {
            lws_extension_callback_pm_deflate(
                null_mut(),
                core::ptr::null(),
                null_mut(),
                reason,
                p as *mut c_void,
                oa as *mut c_void,
                0,
            )
        }
    }

    /// What the recording callback saw: (index, value, named).
    static SEEN: std::sync::Mutex<Vec<(i32, Option<String>)>> = std::sync::Mutex::new(Vec::new());

    unsafe extern "C" fn record(
        _cx: *mut lws_context,
        _ext: *const lws_extension,
        _wsi: *mut lws,
        reason: lws_extension_callback_reasons,
        user: *mut c_void,
        r#in: *mut c_void,
        _len: usize,
    ) -> c_int {
        assert_eq!(reason, LWS_EXT_CB_OPTION_SET);
        // SAFETY: the parser passes the test's counter and an option argument.
        unsafe {
            *(user as *mut i32) += 1;
            let oa = &*(r#in as *const ExtOptionArg);
            assert!(oa.option_name.is_null());
            let v = (!oa.start.is_null()).then(|| {
                let b = core::slice::from_raw_parts(oa.start as *const u8, oa.len as usize);
                String::from_utf8_lossy(b).into_owned()
            });
            SEEN.lock().unwrap().push((oa.option_index, v));
        }
        0
    }

    const TEST_OPTS: [ExtOption; 7] = [
        ExtOption {
            name: c"server_no_context_takeover".as_ptr(),
            kind: 0,
        },
        ExtOption {
            name: c"client_no_context_takeover".as_ptr(),
            kind: 0,
        },
        ExtOption {
            name: c"server_max_window_bits".as_ptr(),
            kind: 2,
        },
        ExtOption {
            name: c"client_max_window_bits".as_ptr(),
            kind: 2,
        },
        ExtOption {
            name: c"rx_buf_size".as_ptr(),
            kind: 1,
        },
        ExtOption {
            name: c"mem_level".as_ptr(),
            kind: 1,
        },
        ExtOption {
            name: core::ptr::null(),
            kind: 0,
        },
    ];

    fn parse_c(s: &str, len: c_int) -> (c_int, i32, Vec<(i32, Option<String>)>) {
        let ext = lws_extension {
            name: c"rec".as_ptr(),
            callback: Some(record),
            client_offer: c"rec".as_ptr(),
        };
        let opts = TEST_OPTS;
        let mut calls = 0i32;
        SEEN.lock().unwrap().clear();
        // SAFETY: a live extension, a NULL-terminated table, `len` bytes of `s`.
        let r = unsafe {
            lws_ext_parse_options(
                &ext,
                null_mut(),
                &mut calls as *mut i32 as *mut c_void,
                opts.as_ptr() as *const lws_ext_options,
                s.as_ptr() as *const c_char,
                len,
            )
        };
        (r, calls, std::mem::take(&mut *SEEN.lock().unwrap()))
    }

    #[test]
    fn parse_options_through_the_c_abi() {
        let p = |s: &str| parse_c(s, s.len() as c_int);
        let v = |s: &str| Some(s.to_string());
        // Only this test uses SEEN; the mutex also serialises it against itself.
        assert_eq!(
            p("server_no_context_takeover; client_max_window_bits=10"),
            (0, 2, vec![(0, None), (3, v("10"))])
        );
        assert_eq!(p("client_max_window_bits"), (0, 1, vec![(3, None)]));
        assert_eq!(
            p("  rx_buf_size=12 ;mem_level=9"),
            (0, 2, vec![(4, v("12")), (5, v("9"))])
        );
        assert_eq!(
            p("server_max_window_bits=\"12\"; client_no_context_takeover"),
            (0, 2, vec![(2, v("12")), (1, None)])
        );
        // A space after a last name without value hides it (lws's parser skips it).
        assert_eq!(
            p("server_max_window_bits=12 ; client_no_context_takeover "),
            (0, 1, vec![(2, v("12"))])
        );
        assert_eq!(p("bogus"), (-1, 0, vec![]));
        assert_eq!(p("server_no_context_takeover=1"), (-1, 0, vec![]));
        assert_eq!(p("rx_buf_size;"), (-1, 0, vec![]));
        assert_eq!(p("mem_level=x"), (-1, 0, vec![]));
        // Reported before the junk after it fails the parse.
        assert_eq!(p("mem_level=9x; rx_buf_size=1"), (-1, 1, vec![(5, v("9"))]));
        assert_eq!(
            p("server_no_context_takeoverx; rx_buf_size=1"),
            (-1, 0, vec![])
        );
        assert_eq!(p("mem_level=3, bogus"), (0, 1, vec![(5, v("3"))]));
        assert_eq!(
            p("client_no_context_takeover, server_no_context_takeover"),
            (0, 0, vec![])
        );
        assert_eq!(p("server_no"), (0, 0, vec![]));
        assert_eq!(p("rx_buf_size"), (0, 1, vec![(4, None)]));
        assert_eq!(p("mem_level=3;"), (0, 1, vec![(5, v("3;"))]));
        // `len` bounds the input, not the NUL.
        assert_eq!(parse_c("rx_buf_size=12", 11), (0, 1, vec![(4, None)]));
        assert_eq!(parse_c("rx_buf_size=12", 0), (0, 0, vec![]));
        // Bad pointers from C fail, never crash.
        // SAFETY: NULL checks only.
        unsafe {
            let s = c"mem";
            let ext = lws_extension {
                name: s.as_ptr(),
                callback: None,
                client_offer: s.as_ptr(),
            };
            let o = TEST_OPTS.as_ptr() as *const lws_ext_options;
            assert_eq!(
                lws_ext_parse_options(core::ptr::null(), null_mut(), null_mut(), o, s.as_ptr(), 3),
                -1
            );
            assert_eq!(
                lws_ext_parse_options(
                    &ext,
                    null_mut(),
                    null_mut(),
                    core::ptr::null(),
                    s.as_ptr(),
                    3
                ),
                -1
            );
            assert_eq!(
                lws_ext_parse_options(&ext, null_mut(), null_mut(), o, s.as_ptr(), 3),
                -1
            );
            let ext = lws_extension {
                name: s.as_ptr(),
                callback: Some(record),
                client_offer: s.as_ptr(),
            };
            assert_eq!(
                lws_ext_parse_options(&ext, null_mut(), null_mut(), o, core::ptr::null(), 3),
                -1
            );
        }
    }

    /// lws's pm-deflate option slots driven through the parser, as lws's client does with
    /// the answer's parameters and LWS_CALLBACK_WS_EXT_DEFAULTS.
    #[test]
    fn pm_deflate_through_the_parser() {
        use lws_extension_callback_reasons::*;
        let ext = lws_extension {
            name: c"permessage-deflate".as_ptr(),
            callback: Some(lws_extension_callback_pm_deflate),
            client_offer: c"permessage-deflate".as_ptr(),
        };
        // SAFETY: the callback's own contract, followed.
        unsafe {
            let p = construct();
            let opts = PMD_OPTIONS.0.as_ptr() as *const lws_ext_options;
            let parse = |s: &str| {
                lws_ext_parse_options(
                    &ext,
                    null_mut(),
                    p as *mut c_void,
                    opts,
                    s.as_ptr() as *const c_char,
                    s.len() as c_int,
                )
            };
            assert_eq!(
                parse("server_max_window_bits=10; client_max_window_bits=8"),
                0
            );
            let a = (*p).args.0;
            assert_eq!(a[2..4], [10, 9]);
            assert_eq!(call(LWS_EXT_CB_OPTION_CONFIRM, p, null_mut()), 0);
            assert_eq!(parse("server_max_window_bits=16"), 0);
            assert_eq!(call(LWS_EXT_CB_OPTION_CONFIRM, p, null_mut()), -1);
            assert_eq!(parse("rx_buf_size=12; compression_level=9; mem_level=9"), 0);
            let a = (*p).args.0;
            assert_eq!(a[4..], [12, 10, 9, 9]);
            assert_eq!(parse("server_no_context_takeover=1"), -1);
            assert_eq!(call(LWS_EXT_CB_DESTROY, p, null_mut()), 0);
        }
    }

    #[test]
    fn option_reasons() {
        use lws_extension_callback_reasons::*;
        // SAFETY: the callback's own contract, followed.
        unsafe {
            let p = construct();
            assert_eq!((*p).args, Args::defaults(4096));
            let mut oa = ExtOptionArg {
                option_name: c"compression_level".as_ptr(),
                option_index: 0,
                start: c"9".as_ptr(),
                len: 0,
            };
            assert_eq!(call(LWS_EXT_CB_NAMED_OPTION_SET, p, &mut oa), 0);
            assert_eq!(oa.option_index, 6);
            assert_eq!((*p).args.0[6], 9);
            oa.option_name = c"nope".as_ptr();
            assert_eq!(call(LWS_EXT_CB_NAMED_OPTION_SET, p, &mut oa), 0);
            oa.option_index = 2;
            oa.start = c"20".as_ptr();
            assert_eq!(call(LWS_EXT_CB_OPTION_SET, p, &mut oa), 0);
            assert_eq!(call(LWS_EXT_CB_OPTION_CONFIRM, p, null_mut()), -1);
            assert_eq!(call(LWS_EXT_CB_OPTION_DEFAULT, p, null_mut()), 0);
            assert_eq!(call(LWS_EXT_CB_OPTION_CONFIRM, p, null_mut()), 0);
            oa.option_index = 99;
            assert_eq!(call(LWS_EXT_CB_OPTION_SET, p, &mut oa), -1);
            assert_eq!(call(LWS_EXT_CB_OPTION_SET, p, null_mut()), -1);
            assert_eq!(call(LWS_EXT_CB_PAYLOAD_RX, p, null_mut()), -1);
            assert_eq!(call(LWS_EXT_CB_DESTROY, p, null_mut()), 0);
        }
    }
}
