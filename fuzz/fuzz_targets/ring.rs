//! `lws_ring` through the C API, against a model FIFO.
//!
//! Input: 2 bytes (element size, element count), then operations, each an opcode byte
//! and its arguments.  While only the oldest tail is used, the ring must hand back
//! exactly what went in, in order, and its counts must match the model's; tails and
//! byte counts taken from the input (bad ones included) may make the model give up, but
//! must never make the ring touch memory outside itself.
#![no_main]

use core::ffi::c_void;
use std::collections::VecDeque;

use libfuzzer_sys::fuzz_target;
use websockets::capi::ring::*;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let elen = 1 + usize::from(data[0] % 16);
    let count = 1 + usize::from(data[1] % 32);
    // SAFETY: valid sizes, no destroy callback.
    let ring = unsafe { lws_ring_create(elen, count, None) };
    assert!(!ring.is_null());
    let mut model: Option<VecDeque<Vec<u8>>> = Some(VecDeque::new());
    let mut ops = data[2..].iter().copied();
    let mut fill = 0u8;
    let mut next = || -> Option<u8> { ops.next() };
    while let Some(op) = next() {
        let arg = usize::from(next().unwrap_or(0));
        // SAFETY (every call below): ring is live; buffers are as long as claimed.
        unsafe {
            match op % 8 {
                0 => {
                    let n = arg % (count + 2);
                    let src: Vec<u8> = (0..n * elen).map(|i| fill.wrapping_add(i as u8)).collect();
                    fill = fill.wrapping_add(7);
                    let k = lws_ring_insert(ring, src.as_ptr().cast(), n);
                    assert!(k <= n);
                    if let Some(m) = &mut model {
                        for e in src.chunks(elen).take(k) {
                            m.push_back(e.to_vec());
                        }
                    }
                }
                1 => {
                    let n = arg % (count + 2);
                    let mut dest = vec![0u8; n * elen];
                    let k =
                        lws_ring_consume(ring, core::ptr::null_mut(), dest.as_mut_ptr().cast(), n);
                    assert!(k <= n);
                    if let Some(m) = &mut model {
                        for e in dest.chunks(elen).take(k) {
                            assert_eq!(Some(e.to_vec()), m.pop_front(), "consumed the wrong bytes");
                        }
                    }
                }
                2 => {
                    let p = lws_ring_get_element(ring, core::ptr::null_mut());
                    if let Some(m) = &model {
                        match m.front() {
                            Some(e) => {
                                assert!(!p.is_null());
                                assert_eq!(
                                    core::slice::from_raw_parts(p.cast::<u8>(), elen),
                                    &e[..]
                                );
                            }
                            None => assert!(p.is_null()),
                        }
                    }
                }
                3 => {
                    let mut start: *mut c_void = core::ptr::null_mut();
                    let mut bytes = 0usize;
                    if lws_ring_next_linear_insert_range(ring, &mut start, &mut bytes) == 0 {
                        assert!(bytes > 0);
                        core::ptr::write_bytes(start.cast::<u8>(), 0x5a, bytes);
                        let n = (arg * elen).min(bytes) / elen * elen;
                        lws_ring_bump_head(ring, n);
                        if let Some(m) = &mut model {
                            for _ in 0..n / elen {
                                m.push_back(vec![0x5a; elen]);
                            }
                        }
                    }
                }
                4 => {
                    // A byte count from the input: may break element alignment.
                    lws_ring_bump_head(ring, arg);
                    model = None;
                }
                5 => {
                    // A tail from the input, good or bad.
                    let mut t = arg as u32 * 3;
                    let _ = lws_ring_get_count_waiting_elements(ring, &mut t);
                    let _ = lws_ring_get_element(ring, &mut t);
                    let mut d = vec![0u8; 4 * elen];
                    let _ = lws_ring_consume(ring, &mut t, d.as_mut_ptr().cast(), 4);
                    let _ = lws_ring_consume(ring, &mut t, core::ptr::null_mut(), 1);
                }
                6 => {
                    lws_ring_update_oldest_tail(ring, arg as u32 * 5);
                    model = None;
                }
                _ => {
                    let n = arg % (count + 2);
                    let k = lws_ring_consume(ring, core::ptr::null_mut(), core::ptr::null_mut(), n);
                    if let Some(m) = &mut model {
                        for _ in 0..k {
                            assert!(m.pop_front().is_some(), "consumed more than was there");
                        }
                    }
                }
            }
            if let Some(m) = &model {
                assert_eq!(
                    lws_ring_get_count_waiting_elements(ring, core::ptr::null_mut()),
                    m.len()
                );
                let free = lws_ring_get_count_free_elements(ring);
                assert!(
                    free + m.len() < count,
                    "free {free} + waiting {} of {count}",
                    m.len()
                );
            }
        }
    }
    // SAFETY: created above, destroyed once.
    unsafe { lws_ring_destroy(ring) };
});
