//! lejp, the streaming JSON parser, through the C API.
//!
//! Input: 1 byte picking piece sizes, then the document.  Parsed whole and in pieces,
//! the parser must report the same events (string values joined across their chunks),
//! the same paths, matches and wildcards, and the same outcome.
#![no_main]

use core::ffi::{c_char, c_schar, c_void};

use libfuzzer_sys::fuzz_target;
use websockets::abi::lejp_ctx;
use websockets::capi::lejp::*;

const START: u8 = 2;
const CHUNK: u8 = 64 | 12;
const STR_END: u8 = 64 | 13;
const IS_VALUE: u8 = 64;

#[derive(Debug, PartialEq, Default)]
struct Log {
    events: Vec<(u8, Vec<u8>, u8, Vec<u8>)>,
    pending: Vec<u8>,
}

fn cbytes(a: &[c_char]) -> Vec<u8> {
    a.iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect()
}

unsafe extern "C" fn cb(ctx: *mut lejp_ctx, reason: c_char) -> c_schar {
    // SAFETY: the parser passes the context it was constructed with, whose user pointer
    // is the Log of the run in progress.
    let x = unsafe { &mut *ctx };
    let log = unsafe { &mut *x.user.cast::<Log>() };
    let r = reason as u8;
    let path = cbytes(&x.path);
    let n = usize::from(x.npos).min(x.buf.len());
    let val: Vec<u8> = x.buf[..n].iter().map(|&c| c as u8).collect();
    match r {
        // lws reports START at every lejp_parse call made at the top level, so how
        // many there are depends on the pieces (the library's unit tests skip it too).
        START => {}
        CHUNK => log.pending.extend_from_slice(&val),
        _ => {
            let mut v = Vec::new();
            if r == STR_END {
                v = std::mem::take(&mut log.pending);
                v.extend_from_slice(&val);
            } else if r & IS_VALUE != 0 {
                v = val;
            }
            let mut wild = Vec::new();
            if x.path_match > 0 {
                let mut w = [0 as c_char; 64];
                // SAFETY: ctx is live; w holds 64 bytes.
                let k = unsafe { lejp_get_wildcard(ctx, 0, w.as_mut_ptr(), w.len() as _) };
                if k > 0 {
                    wild = cbytes(&w);
                }
            }
            log.events.push((r, path, x.path_match, [v, wild].concat()));
        }
    }
    0
}

const PATHS: [&[u8]; 5] = [b"a\0", b"a.b\0", b"a[]\0", b"*.x\0", b"a.*.c\0"];

fn run(doc: &[u8], step: usize) -> (Log, i32) {
    let paths: Vec<*const c_char> = PATHS.iter().map(|p| p.as_ptr().cast()).collect();
    let mut log = Log::default();
    let mut ctx = websockets::lejp::new_ctx();
    let mut ret = -1;
    // SAFETY: ctx, log and paths outlive the parse; every piece is passed with its length.
    unsafe {
        lejp_construct(
            &mut ctx,
            Some(cb),
            (&mut log as *mut Log).cast::<c_void>(),
            paths.as_ptr(),
            paths.len() as u8,
        );
        for piece in doc.chunks(step.max(1)) {
            ret = lejp_parse(&mut ctx, piece.as_ptr(), piece.len() as _);
            if ret != -1 {
                break;
            }
        }
        lejp_destruct(&mut ctx);
    }
    // 0 or more: complete (the count of bytes left over depends on the last piece).
    (log, ret.min(0))
}

fuzz_target!(|data: &[u8]| {
    let Some((&set, doc)) = data.split_first() else {
        return;
    };
    let whole = run(doc, doc.len());
    let step = 1 + usize::from(set % 16);
    let split = run(doc, step);
    assert_eq!(whole, split, "pieces of {step} differ");
});
