//! HPACK header compression (RFC 7541).
//!
//! [`Decoder`] keeps the dynamic table of the peer's encoder.  Every length it reads is
//! checked against the bytes that remain before anything is read or allocated, integers
//! are limited to 32 bits (at most 5 continuation bytes), and the header-list budget
//! (SETTINGS_MAX_HEADER_LIST_SIZE) is charged *before* a field is copied, so a block of
//! many references to one large table entry (an "HPACK bomb") fails after at most the
//! budget's worth of memory.  Such a block is still decoded to its end, without keeping
//! fields, so that the dynamic table stays in step with the peer's and only the stream,
//! not the connection, has to fail.
//!
//! [`Encoder`] never adds to the dynamic table: fields go out as static-table references
//! or literals without indexing (never indexed for credentials), Huffman-coded when that
//! is shorter.  It keeps no per-connection state apart from a pending table size update.

use super::huffman;
use super::Header;
use std::collections::VecDeque;

/// RFC 7541 Appendix A.
pub const STATIC_TABLE: [(&[u8], &[u8]); 61] = [
    (b":authority", b""),
    (b":method", b"GET"),
    (b":method", b"POST"),
    (b":path", b"/"),
    (b":path", b"/index.html"),
    (b":scheme", b"http"),
    (b":scheme", b"https"),
    (b":status", b"200"),
    (b":status", b"204"),
    (b":status", b"206"),
    (b":status", b"304"),
    (b":status", b"400"),
    (b":status", b"404"),
    (b":status", b"500"),
    (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""),
    (b"accept-ranges", b""),
    (b"accept", b""),
    (b"access-control-allow-origin", b""),
    (b"age", b""),
    (b"allow", b""),
    (b"authorization", b""),
    (b"cache-control", b""),
    (b"content-disposition", b""),
    (b"content-encoding", b""),
    (b"content-language", b""),
    (b"content-length", b""),
    (b"content-location", b""),
    (b"content-range", b""),
    (b"content-type", b""),
    (b"cookie", b""),
    (b"date", b""),
    (b"etag", b""),
    (b"expect", b""),
    (b"expires", b""),
    (b"from", b""),
    (b"host", b""),
    (b"if-match", b""),
    (b"if-modified-since", b""),
    (b"if-none-match", b""),
    (b"if-range", b""),
    (b"if-unmodified-since", b""),
    (b"last-modified", b""),
    (b"link", b""),
    (b"location", b""),
    (b"max-forwards", b""),
    (b"proxy-authenticate", b""),
    (b"proxy-authorization", b""),
    (b"range", b""),
    (b"referer", b""),
    (b"refresh", b""),
    (b"retry-after", b""),
    (b"server", b""),
    (b"set-cookie", b""),
    (b"strict-transport-security", b""),
    (b"transfer-encoding", b""),
    (b"user-agent", b""),
    (b"vary", b""),
    (b"via", b""),
    (b"www-authenticate", b""),
];

/// Per-entry overhead of the table size accounting (section 4.1).
const ENTRY_OVERHEAD: usize = 32;
/// Integers are capped at 2^32 - 1; nothing in HTTP/2 needs more.
const MAX_INT: u64 = u32::MAX as u64;

/// Why a header block could not be decoded.  Every variant but [`ListTooLarge`]
/// leaves the dynamic table out of step with the peer's: a COMPRESSION_ERROR of the
/// connection (RFC 9113 section 4.3).
///
/// [`ListTooLarge`]: HpackError::ListTooLarge
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HpackError {
    /// A representation runs past the end of the block.
    Truncated,
    /// An integer above 2^32 - 1 or with more than 5 continuation bytes.
    IntegerOverflow,
    /// Index 0, or beyond the static and dynamic tables.
    BadIndex,
    /// Invalid Huffman coding (EOS, or bad padding).
    Huffman,
    /// A dynamic table size update above the limit we announced.
    TableSizeTooLarge,
    /// A dynamic table size update after the first field of a block (section 4.2).
    LateTableSizeUpdate,
    /// The decoded list exceeds the budget.  The whole block was consumed and the
    /// table is in step: the stream fails, the connection can go on.
    ListTooLarge,
}

/// The dynamic table (section 2.3.2): newest entry first.
#[derive(Debug, Default)]
struct DynTable {
    entries: VecDeque<Header>,
    size: usize,
    max: usize,
}

impl DynTable {
    fn evict_to(&mut self, limit: usize) {
        while self.size > limit {
            match self.entries.pop_back() {
                Some(e) => self.size -= e.hpack_size(),
                None => {
                    self.size = 0;
                    break;
                }
            }
        }
    }

    fn set_max(&mut self, max: usize) {
        self.max = max;
        self.evict_to(max);
    }

    /// Section 4.4: evict until the entry fits; an entry larger than the whole table
    /// empties it and is not added.
    fn insert(&mut self, h: Header) {
        let sz = h.hpack_size();
        if sz > self.max {
            self.entries.clear();
            self.size = 0;
            return;
        }
        self.evict_to(self.max - sz);
        self.size += sz;
        self.entries.push_front(h);
    }
}

/// Reads an integer with an `n`-bit prefix (section 5.1) at `*pos`.
fn read_int(b: &[u8], pos: &mut usize, n: u32) -> Result<usize, HpackError> {
    let first = *b.get(*pos).ok_or(HpackError::Truncated)?;
    *pos += 1;
    let mask = ((1u32 << n) - 1) as u8;
    let mut v = u64::from(first & mask);
    if v < u64::from(mask) {
        return Ok(v as usize);
    }
    let mut shift = 0u32;
    loop {
        let c = *b.get(*pos).ok_or(HpackError::Truncated)?;
        *pos += 1;
        v += u64::from(c & 0x7f) << shift;
        if v > MAX_INT {
            return Err(HpackError::IntegerOverflow);
        }
        if c & 0x80 == 0 {
            return usize::try_from(v).map_err(|_| HpackError::IntegerOverflow);
        }
        shift += 7;
        if shift > 28 {
            return Err(HpackError::IntegerOverflow);
        }
    }
}

/// Reads a string literal (section 5.2) at `*pos`; `None` output means "skip it" (the
/// bytes are still consumed and bounds-checked).
fn read_string(b: &[u8], pos: &mut usize, keep: bool) -> Result<Option<Vec<u8>>, HpackError> {
    let huff = *b.get(*pos).ok_or(HpackError::Truncated)? & 0x80 != 0;
    let len = read_int(b, pos, 7)?;
    // Checked against what remains before anything is read: no length from the wire
    // can make us look or allocate past the block.
    if len > b.len() - *pos {
        return Err(HpackError::Truncated);
    }
    let raw = &b[*pos..*pos + len];
    *pos += len;
    if !keep {
        return Ok(None);
    }
    if huff {
        let mut out = Vec::new();
        huffman::decode(raw, &mut out).map_err(|_| HpackError::Huffman)?;
        Ok(Some(out))
    } else {
        Ok(Some(raw.to_vec()))
    }
}

/// The decoding side of one connection.
#[derive(Debug)]
pub struct Decoder {
    table: DynTable,
    /// The SETTINGS_HEADER_TABLE_SIZE in force: the most a size update may ask for.
    limit: usize,
}

impl Decoder {
    /// A decoder whose table may grow to `limit` bytes (our SETTINGS_HEADER_TABLE_SIZE;
    /// 4096 until the peer has acknowledged another value).
    pub fn new(limit: usize) -> Self {
        Decoder {
            table: DynTable {
                max: limit,
                ..Default::default()
            },
            limit,
        }
    }

    /// Changes the limit (our SETTINGS_HEADER_TABLE_SIZE took effect).  A smaller limit
    /// shrinks the table at once rather than waiting for the peer's size update.
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
        if self.table.max > limit {
            self.table.set_max(limit);
        }
    }

    /// Current size of the dynamic table by section 4.1's accounting.
    pub fn table_size(&self) -> usize {
        self.table.size
    }

    pub fn table_len(&self) -> usize {
        self.table.entries.len()
    }

    fn entry(&self, idx: usize) -> Result<(&[u8], &[u8]), HpackError> {
        match idx {
            0 => Err(HpackError::BadIndex),
            1..=61 => Ok(STATIC_TABLE[idx - 1]),
            _ => self
                .table
                .entries
                .get(idx - 62)
                .map(|h| (&h.name[..], &h.value[..]))
                .ok_or(HpackError::BadIndex),
        }
    }

    /// Decodes one complete header block, charging each field's
    /// `name + value + 32` against `max_list` before copying it.
    pub fn decode(&mut self, block: &[u8], max_list: usize) -> Result<Vec<Header>, HpackError> {
        let mut out = Vec::new();
        let mut pos = 0;
        let mut used = 0usize;
        let mut over = false;
        let mut seen_field = false;
        while pos < block.len() {
            let b = block[pos];
            if b & 0x80 != 0 {
                // Indexed field (6.1).
                let idx = read_int(block, &mut pos, 7)?;
                let (n, v) = self.entry(idx)?;
                let cost = n.len() + v.len() + ENTRY_OVERHEAD;
                used = used.saturating_add(cost);
                over |= used > max_list;
                if !over {
                    out.push(Header::new(n, v));
                }
                seen_field = true;
            } else if b & 0xe0 == 0x20 {
                // Dynamic table size update (6.3), only before the first field.
                if seen_field {
                    return Err(HpackError::LateTableSizeUpdate);
                }
                let n = read_int(block, &mut pos, 5)?;
                if n > self.limit {
                    return Err(HpackError::TableSizeTooLarge);
                }
                self.table.set_max(n);
            } else {
                // Literals: with incremental indexing (6.2.1, 6-bit index), without
                // indexing (6.2.2) and never indexed (6.2.3) (4-bit index).
                let indexing = b & 0x40 != 0;
                let idx = read_int(block, &mut pos, if indexing { 6 } else { 4 })?;
                // Skipped literals are still bounds-checked; indexed ones must be
                // decoded whatever the budget, to keep the table in step.
                let keep = indexing || !over;
                let name = if idx == 0 {
                    read_string(block, &mut pos, keep)?
                } else {
                    let (n, _) = self.entry(idx)?;
                    keep.then(|| n.to_vec())
                };
                let value = read_string(block, &mut pos, keep)?;
                if let (Some(name), Some(value)) = (name, value) {
                    let h = Header { name, value };
                    used = used.saturating_add(h.hpack_size());
                    over |= used > max_list;
                    if indexing {
                        if over {
                            self.table.insert(h);
                        } else {
                            out.push(h.clone());
                            self.table.insert(h);
                        }
                    } else if !over {
                        out.push(h);
                    }
                } else {
                    // Not kept: only possible once over budget.
                    used = usize::MAX;
                }
                seen_field = true;
            }
        }
        if over {
            return Err(HpackError::ListTooLarge);
        }
        Ok(out)
    }
}

/// The encoding side of one connection.
#[derive(Debug)]
pub struct Encoder {
    /// A size update owed at the start of the next block (section 4.2).
    pending_update: Option<usize>,
    /// The table size the peer's decoder assumes for us.
    current_max: usize,
    pub huffman: bool,
}

impl Default for Encoder {
    fn default() -> Self {
        Encoder {
            pending_update: None,
            current_max: 4096,
            huffman: true,
        }
    }
}

fn write_int(out: &mut Vec<u8>, first: u8, n: u32, mut v: usize) {
    let mask = (1usize << n) - 1;
    if v < mask {
        out.push(first | v as u8);
        return;
    }
    out.push(first | mask as u8);
    v -= mask;
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn static_lookup(name: &[u8], value: &[u8]) -> (Option<usize>, Option<usize>) {
    let mut name_idx = None;
    for (i, (n, v)) in STATIC_TABLE.iter().enumerate() {
        if *n == name {
            if *v == value {
                return (Some(i + 1), name_idx.or(Some(i + 1)));
            }
            name_idx = name_idx.or(Some(i + 1));
        }
    }
    (None, name_idx)
}

impl Encoder {
    /// The peer's SETTINGS_HEADER_TABLE_SIZE changed.  We never index, so the cheapest
    /// valid answer to a smaller limit is to announce a table of 0 bytes.
    pub fn set_peer_limit(&mut self, limit: usize) {
        if limit < self.current_max {
            self.current_max = 0;
            self.pending_update = Some(0);
        }
    }

    fn write_string(&self, out: &mut Vec<u8>, s: &[u8]) {
        let hl = if self.huffman {
            huffman::encoded_len(s)
        } else {
            usize::MAX
        };
        if hl < s.len() {
            write_int(out, 0x80, 7, hl);
            huffman::encode(s, out);
        } else {
            write_int(out, 0, 7, s.len());
            out.extend_from_slice(s);
        }
    }

    /// Appends one field.  Upper-case letters in `name` are lowered, as HTTP/2 requires
    /// (RFC 9113 section 8.2.1).
    pub fn encode_field(&mut self, name: &[u8], value: &[u8], out: &mut Vec<u8>) {
        if let Some(n) = self.pending_update.take() {
            write_int(out, 0x20, 5, n);
        }
        let lower;
        let name = if name.iter().any(u8::is_ascii_uppercase) {
            lower = name.to_ascii_lowercase();
            &lower[..]
        } else {
            name
        };
        let (full, name_idx) = static_lookup(name, value);
        if let Some(i) = full {
            write_int(out, 0x80, 7, i);
            return;
        }
        let never = matches!(name, b"authorization" | b"proxy-authorization");
        let first = if never { 0x10 } else { 0x00 };
        match name_idx {
            Some(i) => write_int(out, first, 4, i),
            None => {
                out.push(first);
                self.write_string(out, name);
            }
        }
        self.write_string(out, value);
    }

    /// Appends a whole header block.
    pub fn encode<'a>(
        &mut self,
        fields: impl IntoIterator<Item = (&'a [u8], &'a [u8])>,
        out: &mut Vec<u8>,
    ) {
        if let Some(n) = self.pending_update.take() {
            write_int(out, 0x20, 5, n);
        }
        for (n, v) in fields {
            self.encode_field(n, v, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn hs(list: &[(&str, &str)]) -> Vec<Header> {
        list.iter()
            .map(|(n, v)| Header::new(n.as_bytes(), v.as_bytes()))
            .collect()
    }

    fn table(d: &Decoder) -> Vec<Header> {
        d.table.entries.iter().cloned().collect()
    }

    const BIG: usize = 1 << 20;

    #[test]
    fn c1_integers() {
        let mut out = Vec::new();
        write_int(&mut out, 0, 5, 10);
        assert_eq!(out, [0x0a]);
        out.clear();
        write_int(&mut out, 0, 5, 1337);
        assert_eq!(out, [0x1f, 0x9a, 0x0a]);
        out.clear();
        write_int(&mut out, 0, 8, 42);
        assert_eq!(out, [42]);
        for (bytes, n, v) in [
            (&[0x0a][..], 5, 10),
            (&[0x1f, 0x9a, 0x0a], 5, 1337),
            (&[42], 8, 42),
        ] {
            let mut pos = 0;
            assert_eq!(read_int(bytes, &mut pos, n).unwrap(), v);
            assert_eq!(pos, bytes.len());
        }
    }

    #[test]
    fn integer_bounds() {
        // 2^32 - 1 exactly fits.
        let mut out = Vec::new();
        write_int(&mut out, 0, 7, u32::MAX as usize);
        let mut pos = 0;
        assert_eq!(read_int(&out, &mut pos, 7).unwrap(), u32::MAX as usize);
        // One more overflows; so do long runs of continuation bytes, even of zeros.
        out.clear();
        write_int(&mut out, 0, 7, u32::MAX as usize + 1);
        assert_eq!(read_int(&out, &mut 0, 7), Err(HpackError::IntegerOverflow));
        let zeros = [0x7f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00];
        assert_eq!(
            read_int(&zeros, &mut 0, 7),
            Err(HpackError::IntegerOverflow)
        );
        assert_eq!(
            read_int(&[0x7f, 0x80], &mut 0, 7),
            Err(HpackError::Truncated)
        );
        assert_eq!(read_int(&[], &mut 0, 7), Err(HpackError::Truncated));
    }

    #[test]
    fn c2_literals_and_indexed() {
        let mut d = Decoder::new(4096);
        let got = d
            .decode(
                &hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"),
                BIG,
            )
            .unwrap();
        assert_eq!(got, hs(&[("custom-key", "custom-header")]));
        assert_eq!(d.table_size(), 55);
        let mut d = Decoder::new(4096);
        let got = d
            .decode(&hex("040c 2f73 616d 706c 652f 7061 7468"), BIG)
            .unwrap();
        assert_eq!(got, hs(&[(":path", "/sample/path")]));
        assert_eq!(d.table_len(), 0);
        let got = d
            .decode(&hex("1008 7061 7373 776f 7264 0673 6563 7265 74"), BIG)
            .unwrap();
        assert_eq!(got, hs(&[("password", "secret")]));
        assert_eq!(d.table_len(), 0);
        assert_eq!(d.decode(&[0x82], BIG).unwrap(), hs(&[(":method", "GET")]));
        assert_eq!(d.table_len(), 0);
    }

    fn requests(blocks: [&str; 3]) {
        let mut d = Decoder::new(4096);
        let r1 = hs(&[
            (":method", "GET"),
            (":scheme", "http"),
            (":path", "/"),
            (":authority", "www.example.com"),
        ]);
        assert_eq!(d.decode(&hex(blocks[0]), BIG).unwrap(), r1);
        assert_eq!(d.table_size(), 57);
        let mut r2 = r1.clone();
        r2.push(Header::new(b"cache-control", b"no-cache"));
        assert_eq!(d.decode(&hex(blocks[1]), BIG).unwrap(), r2);
        assert_eq!(d.table_size(), 110);
        assert_eq!(
            table(&d),
            hs(&[
                ("cache-control", "no-cache"),
                (":authority", "www.example.com")
            ])
        );
        let r3 = hs(&[
            (":method", "GET"),
            (":scheme", "https"),
            (":path", "/index.html"),
            (":authority", "www.example.com"),
            ("custom-key", "custom-value"),
        ]);
        assert_eq!(d.decode(&hex(blocks[2]), BIG).unwrap(), r3);
        assert_eq!(d.table_size(), 164);
        assert_eq!(
            table(&d),
            hs(&[
                ("custom-key", "custom-value"),
                ("cache-control", "no-cache"),
                (":authority", "www.example.com")
            ])
        );
    }

    #[test]
    fn c3_requests_without_huffman() {
        requests([
            "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            "8286 84be 5808 6e6f 2d63 6163 6865",
            "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
        ]);
    }

    #[test]
    fn c4_requests_with_huffman() {
        requests([
            "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
            "8286 84be 5886 a8eb 1064 9cbf",
            "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
        ]);
    }

    fn responses(blocks: [&str; 3]) {
        let mut d = Decoder::new(256);
        let date1 = "Mon, 21 Oct 2013 20:13:21 GMT";
        let r1 = hs(&[
            (":status", "302"),
            ("cache-control", "private"),
            ("date", date1),
            ("location", "https://www.example.com"),
        ]);
        assert_eq!(d.decode(&hex(blocks[0]), BIG).unwrap(), r1);
        assert_eq!(d.table_size(), 222);
        let mut r2 = r1.clone();
        r2[0] = Header::new(b":status", b"307");
        assert_eq!(d.decode(&hex(blocks[1]), BIG).unwrap(), r2);
        assert_eq!(d.table_size(), 222);
        assert_eq!(
            table(&d),
            hs(&[
                (":status", "307"),
                ("location", "https://www.example.com"),
                ("date", date1),
                ("cache-control", "private")
            ])
        );
        let cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
        let r3 = hs(&[
            (":status", "200"),
            ("cache-control", "private"),
            ("date", "Mon, 21 Oct 2013 20:13:22 GMT"),
            ("location", "https://www.example.com"),
            ("content-encoding", "gzip"),
            ("set-cookie", cookie),
        ]);
        assert_eq!(d.decode(&hex(blocks[2]), BIG).unwrap(), r3);
        assert_eq!(d.table_size(), 215);
        assert_eq!(
            table(&d),
            hs(&[
                ("set-cookie", cookie),
                ("content-encoding", "gzip"),
                ("date", "Mon, 21 Oct 2013 20:13:22 GMT")
            ])
        );
    }

    #[test]
    fn c5_responses_without_huffman_with_eviction() {
        responses([
            "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 \
             3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            "4803 3330 37c1 c0bf",
            "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 \
             7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 \
             6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
        ]);
    }

    #[test]
    fn c6_responses_with_huffman_with_eviction() {
        responses([
            "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad \
             1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
            "4883 640e ffc1 c0bf",
            "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 \
             e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
        ]);
    }

    #[test]
    fn table_size_updates() {
        let mut d = Decoder::new(4096);
        d.decode(
            &hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"),
            BIG,
        )
        .unwrap();
        assert_eq!(d.table_len(), 1);
        // Update to 0 empties the table, then back up; both at the start of a block.
        assert_eq!(
            d.decode(&[0x20, 0x3f, 0xe1, 0x1f, 0x82], BIG).unwrap(),
            hs(&[(":method", "GET")])
        );
        assert_eq!(d.table_len(), 0);
        // Above the limit.
        assert_eq!(
            d.decode(&[0x3f, 0xe2, 0x1f], BIG),
            Err(HpackError::TableSizeTooLarge)
        );
        // After a field.
        assert_eq!(
            d.decode(&[0x82, 0x20], BIG),
            Err(HpackError::LateTableSizeUpdate)
        );
        // A lowered limit shrinks at once.
        let mut d = Decoder::new(4096);
        d.decode(
            &hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"),
            BIG,
        )
        .unwrap();
        d.set_limit(10);
        assert_eq!(d.table_len(), 0);
        assert_eq!(d.decode(&[0x2b], BIG), Err(HpackError::TableSizeTooLarge));
    }

    #[test]
    fn oversize_entry_empties_table() {
        let mut d = Decoder::new(100);
        // "a" with an 80-byte value: 1 + 80 + 32 > 100.
        let mut enc = vec![0x40, 0x01, b'a', 80];
        enc.extend(std::iter::repeat_n(b'v', 80));
        let got = d
            .decode(&[&[0x40, 1, b'x', 1, b'y'][..], &enc].concat(), BIG)
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(d.table_len(), 0);
        assert_eq!(d.table_size(), 0);
    }

    #[test]
    fn malformed_blocks() {
        let mut d = Decoder::new(4096);
        assert_eq!(d.decode(&[0x80], BIG), Err(HpackError::BadIndex));
        assert_eq!(d.decode(&[0xbe], BIG), Err(HpackError::BadIndex)); // 62, table empty
        assert_eq!(d.decode(&[0x40 | 62, 0], BIG), Err(HpackError::BadIndex));
        assert_eq!(
            d.decode(&[0x00, 0x05, b'a'], BIG),
            Err(HpackError::Truncated)
        );
        assert_eq!(
            d.decode(&[0x00, 0x01, b'a', 0x7f], BIG),
            Err(HpackError::Truncated)
        );
        assert_eq!(
            d.decode(&[0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x0f], BIG),
            Err(HpackError::IntegerOverflow)
        );
        assert_eq!(
            d.decode(&[0x00, 0x81, 0xff, 0x00], BIG),
            Err(HpackError::Huffman)
        );
        assert_eq!(
            d.decode(&[0x00, 0x00, 0x84, 0xff, 0xff, 0xff, 0xff], BIG),
            Err(HpackError::Huffman)
        );
        // A string length near 2^32 on a tiny block: rejected without allocating.
        assert_eq!(
            d.decode(&[0x00, 0x7f, 0xe0, 0xff, 0xff, 0xff, 0x0e], BIG),
            Err(HpackError::Truncated)
        );
    }

    #[test]
    fn hpack_bomb_fails_within_budget_and_keeps_table_in_step() {
        let mut d = Decoder::new(4096);
        // One 4000-byte value in the table, then 10,000 references to it: 40 MB if
        // materialised.
        let mut block = vec![0x40, 0x01, b'b'];
        write_int(&mut block, 0, 7, 4000);
        block.extend(std::iter::repeat_n(b'x', 4000));
        block.extend(std::iter::repeat_n(0xbe, 10_000));
        // A second entry added after the budget is exceeded must still be indexed.
        block.extend_from_slice(&[0x40, 0x01, b'c', 0x01, b'd']);
        assert_eq!(d.decode(&block, 65536), Err(HpackError::ListTooLarge));
        assert_eq!(d.table_len(), 2);
        // The next block sees the same table as the peer's encoder.
        assert_eq!(d.decode(&[0xbe], 65536).unwrap(), hs(&[("c", "d")]));
        assert_eq!(d.decode(&[0xbf], 65536).unwrap()[0].value.len(), 4000);
    }

    #[test]
    fn header_list_limit_is_exact() {
        let mut d = Decoder::new(4096);
        // :method GET costs 7 + 3 + 32 = 42.
        assert!(d.decode(&[0x82, 0x82], 84).is_ok());
        assert_eq!(d.decode(&[0x82, 0x82], 83), Err(HpackError::ListTooLarge));
        // Literals too.
        assert_eq!(
            d.decode(&[0x00, 0x01, b'a', 0x01, b'b'], 33),
            Err(HpackError::ListTooLarge)
        );
        assert!(d.decode(&[0x00, 0x01, b'a', 0x01, b'b'], 34).is_ok());
    }

    #[test]
    fn encoder_round_trips() {
        let fields: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (b":status".to_vec(), b"200".to_vec()),
            (b":status".to_vec(), b"418".to_vec()),
            (
                b"Content-Type".to_vec(),
                b"text/html; charset=utf-8".to_vec(),
            ),
            (b"x-custom".to_vec(), b"".to_vec()),
            (b"authorization".to_vec(), b"Basic Zm9vOmJhcg==".to_vec()),
            (b"x-bin".to_vec(), (0..=255u8).collect()),
            (b"accept-encoding".to_vec(), b"gzip, deflate".to_vec()),
        ];
        for huffman in [false, true] {
            let mut e = Encoder {
                huffman,
                ..Default::default()
            };
            let mut block = Vec::new();
            e.encode(fields.iter().map(|(n, v)| (&n[..], &v[..])), &mut block);
            let mut d = Decoder::new(4096);
            let got = d.decode(&block, BIG).unwrap();
            let want: Vec<Header> = fields
                .iter()
                .map(|(n, v)| Header::new(&n.to_ascii_lowercase(), v))
                .collect();
            assert_eq!(got, want);
            assert_eq!(d.table_len(), 0, "the encoder never indexes");
            // :status 200 is one byte; authorization is never indexed (0x10 | 23 as
            // 4-bit prefix: 0x1f 0x08).
            assert_eq!(block[0], 0x88);
            assert!(block.windows(2).any(|w| w == [0x1f, 0x08]));
        }
    }

    #[test]
    fn encoder_announces_a_smaller_table() {
        let mut e = Encoder::default();
        e.set_peer_limit(4096);
        let mut b = Vec::new();
        e.encode([(&b":status"[..], &b"200"[..])], &mut b);
        assert_eq!(b, [0x88]);
        e.set_peer_limit(100);
        b.clear();
        e.encode([(&b":status"[..], &b"200"[..])], &mut b);
        assert_eq!(b, [0x20, 0x88]);
        let mut d = Decoder::new(100);
        d.decode(&b, BIG).unwrap();
    }

    #[test]
    fn random_blocks_never_panic() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut d = Decoder::new(4096);
        for _ in 0..30_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let n = (x % 64) as usize;
            let mut y = x;
            let block: Vec<u8> = (0..n)
                .map(|_| {
                    y = y
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (y >> 33) as u8
                })
                .collect();
            let _ = d.decode(&block, 4096);
            assert!(d.table_size() <= 4096);
        }
    }
}
