//! `lwsac`, the chunked arena allocator, through the C API.
//!
//! Input: operations, each an opcode byte and two argument bytes.  Every allocation is
//! filled with its own pattern when made; at the end each must still hold its pattern
//! (no two allocations overlap), zeroed allocations must come back zeroed, and the
//! sanitiser checks that no write lands outside the arena's chunks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::abi::lwsac;
use websockets::capi::lwsac::*;

fuzz_target!(|data: &[u8]| {
    let mut head: *mut lwsac = core::ptr::null_mut();
    // (pointer, length, pattern byte)
    let mut allocs: Vec<(*mut u8, usize, u8)> = Vec::new();
    let mut tag = 0u8;
    let mut refs = 0usize;
    for op in data.chunks_exact(3) {
        let ensure = usize::from(op[1]) * (1 + usize::from(op[0] >> 4));
        let chunk = usize::from(op[2]) * 16;
        tag = tag.wrapping_add(1);
        // SAFETY (every call below): head is ours, NULL or a live lwsac; every
        // allocation is used only within the `ensure` bytes it was given.
        unsafe {
            match op[0] % 6 {
                0 | 1 | 2 => {
                    let p = match op[0] % 3 {
                        0 => lwsac_use(&mut head, ensure, chunk),
                        1 => lwsac_use_backfill(&mut head, ensure, chunk),
                        _ => lwsac_use_zero(&mut head, ensure, chunk),
                    }
                    .cast::<u8>();
                    if p.is_null() {
                        continue;
                    }
                    if op[0] % 3 == 2 {
                        let s = core::slice::from_raw_parts(p, ensure);
                        assert!(s.iter().all(|&b| b == 0), "lwsac_use_zero not zeroed");
                    }
                    core::ptr::write_bytes(p, tag, ensure);
                    allocs.push((p, ensure, tag));
                }
                3 => {
                    if head.is_null() {
                        continue;
                    }
                    // Zeroes the bytes it adds after the current chunk's last
                    // allocation: the patterns checked at the end show it took none
                    // that was in use.
                    let _ = lwsac_extend(head, usize::from(op[1]));
                }
                4 => {
                    if head.is_null() {
                        continue;
                    }
                    lwsac_reference(head);
                    refs += 1;
                    let _ = lwsac_get_tail_pos(head);
                    let _ = lwsac_get_next(head);
                    let _ = lwsac_total_alloc(head);
                    let _ = lwsac_total_overhead(head);
                }
                _ => {
                    if refs > 0 {
                        lwsac_unreference(&mut head);
                        refs -= 1;
                        assert!(!head.is_null(), "freed while allocations are in use");
                    }
                }
            }
        }
    }
    for &(p, len, t) in &allocs {
        // SAFETY: every allocation lives until lwsac_free below.
        let s = unsafe { core::slice::from_raw_parts(p, len) };
        assert!(s.iter().all(|&b| b == t), "allocation overwritten");
    }
    // SAFETY: head is NULL or the live lwsac, freed once.
    unsafe { lwsac_free(&mut head) };
    assert!(head.is_null());
});
