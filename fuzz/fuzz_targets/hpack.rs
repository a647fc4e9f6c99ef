//! The HPACK decoder (`h2::hpack`) with its dynamic table, as a peer drives it: several
//! header blocks in a row on one decoder, table size updates included.
//!
//! Input: 1 byte for the header-list budget, then blocks, each prefixed with a 1-byte
//! length.  Properties: a decoded list stays within its budget (name + value + 32 per
//! field, as charged); the table never exceeds its limit; a decoded list, encoded again
//! by our encoder and decoded by a fresh decoder, gives the same fields, names in lower
//! case (the encoder's output is valid HPACK); after an error other than ListTooLarge the decoder is not used
//! again (the connection would fail), as the h2 connection does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::h2::hpack::{Decoder, Encoder, HpackError};

fuzz_target!(|data: &[u8]| {
    let Some((&b, mut rest)) = data.split_first() else {
        return;
    };
    let budget = 64 + usize::from(b) * 64;
    let limit = 4096;
    let mut d = Decoder::new(limit);
    while let Some((&n, r)) = rest.split_first() {
        let n = usize::from(n).min(r.len());
        let (block, r) = r.split_at(n);
        rest = r;
        match d.decode(block, budget) {
            Ok(fields) => {
                let used: usize = fields.iter().map(|h| h.name.len() + h.value.len() + 32).sum();
                assert!(used <= budget, "list of {used} over budget {budget}");
                let mut e = Encoder::default();
                let mut wire = Vec::new();
                e.encode(fields.iter().map(|h| (&h.name[..], &h.value[..])), &mut wire);
                let again = Decoder::new(limit)
                    .decode(&wire, 1 << 30)
                    .expect("our encoder's block decodes");
                // The encoder writes names in lower case, as HTTP/2 requires (a peer's
                // upper-case name is refused above HPACK, by the request checks).
                let lower: Vec<_> = fields
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), h.value.clone()))
                    .collect();
                let got: Vec<_> = again.iter().map(|h| (h.name.clone(), h.value.clone())).collect();
                assert!(got == lower, "round trip through our encoder changed the list: {fields:?} -> {again:?}");
            }
            Err(HpackError::ListTooLarge) => {}
            Err(_) => return,
        }
        assert!(d.table_size() <= limit, "table {} over {limit}", d.table_size());
    }
});
