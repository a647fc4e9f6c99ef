//! Numeric addresses: `lws_parse_numeric_address` and `lws_write_numeric_address`
//! (`sa46`), through the C API.
//!
//! Input: 1 byte giving the output buffer size, then the text.  Checked: the parser
//! writes only inside its buffer (the bytes after it stay untouched); an IPv4 result
//! written back as text parses to the same 4 bytes; the writer NUL-terminates inside
//! its buffer (cutting the text as lws_snprintf does) and never runs past it.
#![no_main]

use core::ffi::c_char;
use libfuzzer_sys::fuzz_target;
use websockets::capi::sa46::{lws_parse_numeric_address, lws_write_numeric_address};

const GUARD: u8 = 0xa5;

fuzz_target!(|data: &[u8]| {
    let Some((&set, text)) = data.split_first() else {
        return;
    };
    let max = usize::from(set % 20);
    let mut c = text.to_vec();
    c.push(0);
    let mut out = vec![GUARD; max + 16];
    // SAFETY: c is NUL-terminated; out holds max bytes (and a guard zone after them).
    let n = unsafe { lws_parse_numeric_address(c.as_ptr().cast(), out.as_mut_ptr(), max as _) };
    assert!(
        out[max..].iter().all(|&b| b == GUARD),
        "parser wrote past max_len"
    );
    if n == 4 || n == 16 {
        assert!(n as usize <= max);
        let ads = out[..n as usize].to_vec();
        for len in [0usize, 1, 8, 16, 47, 64] {
            let mut txt = vec![GUARD as c_char; len + 16];
            // SAFETY: ads holds n bytes; txt holds len bytes (and a guard zone).
            let r = unsafe { lws_write_numeric_address(ads.as_ptr(), n, txt.as_mut_ptr(), len) };
            assert!(
                txt[len..].iter().all(|&b| b == GUARD as c_char),
                "writer ran past len"
            );
            if r >= 0 {
                // lws_snprintf's count: the text's length, or len when it was cut.
                let r = r as usize;
                assert!(r <= len, "writer: {r} of {len}");
                if len > 0 {
                    assert!(txt[..len].contains(&0), "writer: no NUL in {len}");
                }
                if n == 4 && r < len {
                    let mut back = [0u8; 16];
                    // SAFETY: txt is NUL-terminated at r; back holds 16 bytes.
                    let m =
                        unsafe { lws_parse_numeric_address(txt.as_ptr(), back.as_mut_ptr(), 16) };
                    assert_eq!(m, 4);
                    assert_eq!(&back[..4], &ads[..]);
                }
            }
        }
    }
});
