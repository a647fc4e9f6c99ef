//! lws_tokenize through the C API, with every flag combination the first two bytes pick.
//!
//! Properties: each step moves the cursor forward or ends; a token or delimiter lies
//! inside what the step consumed; the element is one lws defines; the input is used up
//! within one step per byte (plus the final ENDED); and the same input as a
//! NUL-terminated string gives the same elements as with its length.
#![no_main]

use core::ffi::c_char;

use libfuzzer_sys::fuzz_target;
use websockets::abi::lws_tokenize;
use websockets::capi::tokenize::{lws_tokenize, lws_tokenize_cstr, lws_tokenize_init};

fn run(text: &[u8], flags: u16, with_len: bool) -> Vec<(i32, Vec<u8>)> {
    // A NUL-terminated copy: lws_tokenize_init takes a C string.
    let mut owned = text.to_vec();
    owned.push(0);
    let base = owned.as_ptr() as usize;
    // SAFETY: a zeroed lws_tokenize is valid (pointers NULL, counts 0).
    let mut ts: lws_tokenize = unsafe { core::mem::zeroed() };
    // SAFETY: ts is ours; owned is NUL-terminated and outlives every use below.
    unsafe { lws_tokenize_init(&mut ts, owned.as_ptr() as *const c_char, i32::from(flags)) };
    if with_len {
        ts.len = text.len();
    }
    let mut out = Vec::new();
    for _ in 0..text.len() + 2 {
        let before = ts.start as usize;
        // SAFETY: ts was initialised above over `owned`.
        let e = unsafe { lws_tokenize(&mut ts) };
        assert!((-5..=7).contains(&e), "element {e}");
        let after = ts.start as usize;
        assert!(after >= before && after <= base + text.len(), "cursor left the input");
        let mut tok = Vec::new();
        if ts.token_len > 0 {
            let t = ts.token as usize;
            assert!(t >= before && t + ts.token_len <= after, "token outside the step");
            // SAFETY: checked just above: inside `owned`.
            tok = unsafe { core::slice::from_raw_parts(ts.token as *const u8, ts.token_len) }
                .to_vec();
            let mut c = [0 as c_char; 32];
            // SAFETY: ts holds a token inside `owned`; c has 32 bytes.
            let r = unsafe { lws_tokenize_cstr(&mut ts, c.as_mut_ptr(), c.len()) };
            assert_eq!(r == 0, ts.token_len + 1 < c.len());
        }
        if e <= 0 {
            out.push((e, tok));
            return out;
        }
        assert!(after > before, "a step that found something consumed nothing");
        out.push((e, tok));
    }
    panic!("the tokenizer did not end within one step per byte");
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let flags = u16::from_le_bytes([data[0], data[1]]) & 0x07ff;
    let text = &data[2..];
    let by_len = run(text, flags, true);
    if !text.contains(&0) {
        assert_eq!(by_len, run(text, flags, false), "length vs NUL-terminated");
    }
});
