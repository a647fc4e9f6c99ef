//! Small helpers of lws-misc.h and lws-sha1-base64.h, in safe Rust.  Each keeps the
//! observable behaviour of lws v4.3, quirks included (noted where they surprise).

/// `lws_cmdline_option()`: finds `val` as the prefix of an argument, searching from the
/// last argument back to `args[1]` (`args[0]` is the program).  Returns where the value
/// starts, as (argument index, byte offset):
/// - "-d 15": the whole next argument (unless it is missing or over 1024 bytes: None);
/// - "-d=15": after the '=';
/// - "-d15", or "-d" as the last argument: right after `val` (possibly its end).
///
/// Arguments that are None (NULL pointers) never match.
pub fn cmdline_option(args: &[Option<&[u8]>], val: &[u8]) -> Option<(usize, usize)> {
    let n = val.len();
    for c in (1..args.len()).rev() {
        let Some(arg) = args[c] else { continue };
        if !arg.starts_with(val) {
            continue;
        }
        if arg.len() == n && c + 1 < args.len() {
            return match args[c + 1] {
                Some(next) if next.len() <= 1024 => Some((c + 1, 0)),
                _ => None,
            };
        }
        if arg.get(n) == Some(&b'=') {
            return Some((c, n + 1));
        }
        return Some((c, n));
    }
    None
}

/// C's `atoi()` as glibc does it: optional leading white space and sign, then digits;
/// out-of-range values saturate to the `long` range and are then truncated to `int`.
pub fn atoi(s: &[u8]) -> i32 {
    let mut it = s
        .iter()
        .copied()
        .skip_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
        .peekable();
    let neg = match it.peek() {
        Some(b'-') => {
            it.next();
            true
        }
        Some(b'+') => {
            it.next();
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    for b in it.take_while(u8::is_ascii_digit) {
        let d = (b - b'0') as i64;
        v = if neg {
            v.saturating_mul(10).saturating_sub(d)
        } else {
            v.saturating_mul(10).saturating_add(d)
        };
    }
    v as i32
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `lws_hex_to_byte_array()`: decodes hex pairs into at most `max` bytes.  Returns the
/// bytes decoded before stopping (lws writes them even when it then fails) and the
/// result: the count, or -1 for a bad digit, an odd digit count, or running out of room.
///
/// Surprise kept from lws: `max` must be strictly greater than the number of bytes the
/// string holds; with exactly enough room lws decodes everything and still returns -1.
pub fn hex_to_bytes(h: &[u8], max: i32) -> (Vec<u8>, i32) {
    if max < 0 {
        // lws would write past `dest` here
        return (Vec::new(), -1);
    }
    let mut out = Vec::new();
    let mut room = max as i64;
    let mut pairs = h.chunks(2);
    loop {
        let had_room = room != 0;
        room -= 1;
        if !had_room {
            return (out, -1);
        }
        let Some(pair) = pairs.next() else { break };
        match (hex_val(pair[0]), pair.get(1).copied().and_then(hex_val)) {
            (Some(hi), Some(lo)) if pair.len() == 2 => out.push(hi << 4 | lo),
            _ => return (out, -1),
        }
    }
    if room < 0 {
        return (out, -1);
    }
    let n = out.len() as i32;
    (out, n)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Lower-case hex of `src`, cut to `max_chars` characters.
pub fn hex_string(src: &[u8], max_chars: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(max_chars.min(src.len() * 2));
    for b in src {
        out.push(HEX[(b >> 4) as usize]);
        out.push(HEX[(b & 15) as usize]);
        if out.len() >= max_chars {
            break;
        }
    }
    out.truncate(max_chars);
    out
}

pub const B64_STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const B64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `lws_b64_encode_string()`: Ok(text + NUL) if it fits in `out_size`, else Err(the
/// groups lws would have written before giving up, no NUL).  lws wants room for one more
/// byte than the text and its NUL: the result must be shorter than `out_size - 1`.
pub fn b64_encode(alphabet: &[u8; 64], input: &[u8], out_size: i32) -> Result<Vec<u8>, Vec<u8>> {
    let size = out_size as i64;
    let mut out = Vec::new();
    for g in input.chunks(3) {
        if out.len() as i64 + 4 >= size {
            return Err(out);
        }
        let b = [g[0], *g.get(1).unwrap_or(&0), *g.get(2).unwrap_or(&0)];
        out.push(alphabet[(b[0] >> 2) as usize]);
        out.push(alphabet[((b[0] & 3) << 4 | b[1] >> 4) as usize]);
        out.push(if g.len() > 1 {
            alphabet[((b[1] & 15) << 2 | b[2] >> 6) as usize]
        } else {
            b'='
        });
        out.push(if g.len() > 2 {
            alphabet[(b[2] & 63) as usize]
        } else {
            b'='
        });
    }
    if out.len() as i64 + 1 >= size {
        return Err(out);
    }
    out.push(0);
    Ok(out)
}

fn b64_sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// `lws_b64_decode_string()`'s decoder, as lenient as lws v4.3's: both alphabets,
/// characters outside them (and '=') skipped wherever they are, missing padding fine.
/// Output stops before a group that might not fit in `cap` bytes.  Returns the bytes and
/// how much input was used.
///
/// The lws state machine this reproduces works in groups of four "slots"; a slot scans
/// input until it finds an alphabet character.  A slot whose scan runs off the end of the
/// input still counts (with whatever value that slot held from the previous group),
/// unless the last character read was '=', in which case the group is one shorter.
pub fn b64_decode(input: &[u8], cap: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut quad = [0u8; 4];
    let mut pos = 0;
    let mut last = 0u8;
    while pos < input.len() && out.len() + 3 <= cap {
        let mut len = 0;
        let mut slot = 0;
        while slot < 4 && pos < input.len() {
            last = 0;
            let mut found = None;
            while pos < input.len() && found.is_none() {
                last = input[pos];
                pos += 1;
                found = b64_sextet(last);
            }
            if last != 0 {
                len += 1;
                if let Some(v) = found {
                    quad[slot] = v;
                }
            } else {
                quad[slot] = 0;
            }
            slot += 1;
        }
        if pos >= input.len() && last == b'=' {
            len -= 1;
        }
        if len >= 2 {
            out.push(quad[0] << 2 | quad[1] >> 4);
        }
        if len >= 3 {
            out.push(quad[1] << 4 | quad[2] >> 2);
        }
        if len >= 4 {
            out.push(quad[2] << 6 | quad[3]);
        }
    }
    (out, pos)
}

/// Bitwise OR of the XOR of each pair of bytes: 0 iff equal, and always reads it all.
pub fn timingsafe_bcmp(a: &[u8], b: &[u8]) -> u8 {
    a.iter()
        .zip(b)
        .fold(0u8, |acc, (x, y)| std::hint::black_box(acc | (x ^ y)))
}

/// What `lws_parse_uri()` leaves: offsets into the buffer it cut up in place.  `prot` is
/// `None` when there was no `://` (lws then points it at the empty string at the end),
/// `path` is `None` for lws's static "/" (no path, or nothing after the slash), and
/// `port` is `None` where lws leaves the caller's value alone (an unknown scheme and no
/// explicit port).
#[derive(Debug, PartialEq, Eq)]
pub struct UriParts {
    pub prot: Option<usize>,
    pub ads: usize,
    pub port: Option<i32>,
    pub path: Option<usize>,
}

/// lws 4.3's `lws_parse_uri()` rules over `b`, a C string whose last byte is its NUL:
/// `prot://ads:port/path`, with NULs written over `://`, the `:` before the port, the
/// `]` of an IPv6 literal (`[...]`, brackets dropped) and the `/` before the path (which
/// therefore comes back without its leading slash).  A `+` right after `://` is a unix
/// socket path, whose slashes belong to the address.  http/ws default to port 80,
/// https/wss to 443.
pub fn parse_uri(b: &mut [u8]) -> UriParts {
    let at = |b: &[u8], i: usize| b.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while at(b, i) != 0 && !(b[i] == b':' && at(b, i + 1) == b'/' && at(b, i + 2) == b'/') {
        i += 1;
    }
    let prot = if at(b, i) == 0 {
        i = 0;
        None
    } else {
        b[i] = 0;
        i += 3;
        Some(0)
    };
    let unix_skt = at(b, i) == b'+';
    let mut ads = i;
    let scheme: &[u8] = match prot {
        Some(_) => &b[..ads - 3],
        None => b"",
    };
    let mut port = match scheme {
        b"http" | b"ws" => Some(80),
        b"https" | b"wss" => Some(443),
        _ => None,
    };
    if at(b, i) == b'[' {
        ads += 1;
        while at(b, i) != 0 && b[i] != b']' {
            i += 1;
        }
        if at(b, i) != 0 {
            b[i] = 0;
            i += 1;
        }
    } else {
        while at(b, i) != 0 && b[i] != b':' && (unix_skt || b[i] != b'/') {
            i += 1;
        }
    }
    if at(b, i) == b':' {
        b[i] = 0;
        i += 1;
        let digits_end = b[i..]
            .iter()
            .position(|&c| c == 0)
            .map_or(b.len(), |n| i + n);
        port = Some(atoi(&b[i..digits_end]));
        while at(b, i) != 0 && b[i] != b'/' {
            i += 1;
        }
    }
    let mut path = None;
    if at(b, i) != 0 {
        b[i] = 0;
        i += 1;
        if at(b, i) != 0 {
            path = Some(i);
        }
    }
    UriParts {
        prot,
        ads,
        port,
        path,
    }
}

/// lws's `lws_json_simple_find()`: after the first occurrence of `name` (which includes
/// its quotes and colon, e.g. `"key":`) and any spaces or tabs, the value: a quoted string
/// up to its closing quote (backslash escapes skipped over, left as they are), or an
/// unquoted token up to `,`, `]` or `}`.  Returns (offset, length) within `buf`.  Unlike
/// lws, an escape at the very end cannot carry the length past the buffer.
pub fn json_simple_find(buf: &[u8], name: &[u8]) -> Option<(usize, usize)> {
    if name.is_empty() || name.len() > buf.len() {
        return None;
    }
    let mut np = buf.windows(name.len()).position(|w| w == name)? + name.len();
    while np < buf.len() && matches!(buf[np], b' ' | b'\t') {
        np += 1;
    }
    if np >= buf.len() {
        return None;
    }
    let quoted = buf[np] == b'"';
    if quoted {
        np += 1;
    }
    let start = np;
    while np < buf.len() {
        let c = buf[np];
        if quoted && c == b'"' || !quoted && matches!(c, b'}' | b']' | b',') {
            break;
        }
        if quoted && c == b'\\' {
            np += 1;
        }
        np += 1;
    }
    Some((start, np.min(buf.len()) - start))
}

/// lws_urlencode's escaping of `s` for an output buffer of `len` bytes (the NUL not
/// included in the result): as lws counts, each input byte needs more than 3 bytes of
/// room left, and an escaped one uses 3.
pub fn urlencode(s: &[u8], len: i32) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut left = len as i64;
    let mut out = Vec::new();
    for &c in s {
        if left <= 3 {
            break;
        }
        left -= 1;
        match c {
            b' ' => out.push(b'+'),
            b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' => out.push(c),
            _ => {
                out.extend_from_slice(&[b'%', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
                left -= 2;
            }
        }
    }
    out
}

/// Borrows a C string argument as bytes (None for NULL).
///
/// # Safety
/// `p` must be NULL or point to a NUL-terminated string that outlives the borrow.
pub(crate) unsafe fn cstr<'a>(p: *const core::ffi::c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: the caller guarantees a NUL-terminated string.
        Some(unsafe { core::ffi::CStr::from_ptr(p) }.to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args<'a>(v: &[&'a str]) -> Vec<Option<&'a [u8]>> {
        v.iter().map(|s| Some(s.as_bytes())).collect()
    }

    fn opt(v: &[&str], val: &str) -> Option<String> {
        let a = args(v);
        cmdline_option(&a, val.as_bytes())
            .map(|(i, off)| String::from_utf8(a[i].unwrap()[off..].to_vec()).unwrap())
    }

    #[test]
    fn cmdline_forms() {
        assert_eq!(opt(&["app", "-d", "15"], "-d").as_deref(), Some("15"));
        assert_eq!(opt(&["app", "-d15"], "-d").as_deref(), Some("15"));
        assert_eq!(opt(&["app", "--port=80"], "--port").as_deref(), Some("80"));
        assert_eq!(opt(&["app", "-d"], "-d").as_deref(), Some(""));
        assert_eq!(opt(&["app", "-d", "-s"], "-d").as_deref(), Some("-s"));
        assert_eq!(opt(&["app", "-s"], "-d"), None);
        // argv[0] is never looked at, the last match wins
        assert_eq!(opt(&["-d"], "-d"), None);
        assert_eq!(
            opt(&["app", "-d", "1", "-d", "2"], "-d").as_deref(),
            Some("2")
        );
        // prefix match: "--h" finds "--host"
        assert_eq!(opt(&["app", "--host"], "--h").as_deref(), Some("ost"));
        let long = "x".repeat(1025);
        assert_eq!(opt(&["app", "-d", &long], "-d"), None);
        let mut a = args(&["app", "-d", "x"]);
        a[2] = None;
        assert_eq!(cmdline_option(&a, b"-d"), None);
    }

    #[test]
    fn atoi_like_glibc() {
        assert_eq!(atoi(b"1023"), 1023);
        assert_eq!(atoi(b"  -7x"), -7);
        assert_eq!(atoi(b"+3"), 3);
        assert_eq!(atoi(b""), 0);
        assert_eq!(atoi(b"abc"), 0);
        assert_eq!(atoi(b"4294967297"), 1);
    }

    #[test]
    fn hex_to_bytes_quirks() {
        assert_eq!(hex_to_bytes(b"0aFf", 3), (vec![0x0a, 0xff], 2));
        assert_eq!(hex_to_bytes(b"0aFf", 2), (vec![0x0a, 0xff], -1));
        assert_eq!(hex_to_bytes(b"0aF", 5), (vec![0x0a], -1));
        assert_eq!(hex_to_bytes(b"0g", 5), (vec![], -1));
        assert_eq!(hex_to_bytes(b"", 1), (vec![], 0));
        assert_eq!(hex_to_bytes(b"", 0), (vec![], -1));
        assert_eq!(hex_to_bytes(b"abcdef", 2), (vec![0xab, 0xcd], -1));
        assert_eq!(hex_to_bytes(b"abcdef", -1), (vec![], -1));
    }

    #[test]
    fn hex_string_cuts() {
        assert_eq!(hex_string(&[0xab, 0x01], 10), b"ab01");
        assert_eq!(hex_string(&[0xab, 0x01], 3), b"ab0");
        assert_eq!(hex_string(&[0xab], 0), b"");
    }

    #[test]
    fn b64_encode_sizes() {
        assert_eq!(
            b64_encode(B64_STD, b"any carnal pleas", 64).unwrap(),
            b"YW55IGNhcm5hbCBwbGVhcw==\0"
        );
        assert_eq!(b64_encode(B64_STD, b"abc", 6).unwrap(), b"YWJj\0");
        assert_eq!(b64_encode(B64_STD, b"abc", 5), Err(b"YWJj".to_vec()));
        assert_eq!(b64_encode(B64_STD, b"abc", 4), Err(vec![]));
        assert_eq!(b64_encode(B64_STD, b"", 2).unwrap(), b"\0");
        assert_eq!(b64_encode(B64_URL, &[0xfb, 0xff], 10).unwrap(), b"-_8=\0");
    }

    fn dec(s: &str) -> Vec<u8> {
        b64_decode(s.as_bytes(), 100).0
    }

    #[test]
    fn b64_decode_lenient() {
        assert_eq!(dec("YW55IGNhcm5hbCBwbGVhc3VyZS4="), b"any carnal pleasure.");
        assert_eq!(dec("YW55IGNhcm5hbCBwbGVhc3VyZQ=="), b"any carnal pleasure");
        assert_eq!(dec("YW55IGNhcm5hbCBwbGVhc3Vy"), b"any carnal pleasur");
        assert_eq!(dec("YW55IGNhcm5hbCBwbGVhc3U"), b"any carnal pleasu");
        assert_eq!(dec("QWRt\naW46a2xvaWtsb2k="), b"Admin:kloikloi");
        assert_eq!(dec("-_8="), [0xfb, 0xff]);
        // '=' mid-input is skipped, so this is not "aa"
        assert_eq!(dec("YQ==YQ=="), [0x61, 0x06, 0x10]);
        // a slot that runs off the end keeps the previous group's value
        assert_eq!(dec("YWJjYQ\n"), [b'a', b'b', b'c', b'a', 0x02]);
        assert_eq!(dec("="), b"");
        assert_eq!(b64_decode(b"", 10), (vec![], 0));
        // room is checked a group at a time
        assert_eq!(b64_decode(b"YWJjZGVm", 5), (b"abc".to_vec(), 4));
        assert_eq!(b64_decode(b"YWJj", 2), (vec![], 0));
    }

    #[test]
    fn bcmp() {
        assert_eq!(timingsafe_bcmp(b"abc", b"abc"), 0);
        assert_eq!(timingsafe_bcmp(b"abc", b"abd"), 3 ^ 4);
    }

    fn uri(s: &str) -> (String, String, Option<i32>, String) {
        let mut b = s.as_bytes().to_vec();
        b.push(0);
        let p = parse_uri(&mut b);
        let z = |i: usize| {
            let e = b[i..].iter().position(|&c| c == 0).unwrap() + i;
            String::from_utf8(b[i..e].to_vec()).unwrap()
        };
        (
            p.prot.map_or(String::new(), z),
            z(p.ads),
            p.port,
            p.path.map_or("/".into(), z),
        )
    }

    #[test]
    fn parse_uri_rules() {
        let t = |p: &str, a: &str, port: Option<i32>, path: &str| {
            (p.to_string(), a.to_string(), port, path.to_string())
        };
        assert_eq!(
            uri("http://example.com/a/b"),
            t("http", "example.com", Some(80), "a/b")
        );
        assert_eq!(uri("wss://h:7681"), t("wss", "h", Some(7681), "/"));
        assert_eq!(uri("https://[::1]:99/x"), t("https", "::1", Some(99), "x"));
        assert_eq!(uri("ws://[fe80::1]/"), t("ws", "fe80::1", Some(80), "/"));
        assert_eq!(uri("example.com:81/p"), t("", "example.com", Some(81), "p"));
        assert_eq!(uri("foo://h/p"), t("foo", "h", None, "p"));
        assert_eq!(
            uri("http://+/tmp/s:2/x"),
            t("http", "+/tmp/s", Some(2), "x")
        );
        assert_eq!(uri(""), t("", "", None, "/"));
    }

    #[test]
    fn json_find() {
        let j = br#"{"a": "x\"y", "b":12,"c" :true}"#;
        assert_eq!(json_simple_find(j, br#""a":"#), Some((7, 4)));
        assert_eq!(json_simple_find(j, br#""b":"#), Some((18, 2)));
        assert_eq!(json_simple_find(j, br#""c":"#), None);
        assert_eq!(json_simple_find(br#"{"a":"x\"#, br#""a":"#), Some((6, 2)));
        assert_eq!(json_simple_find(br#"{"a":  "#, br#""a":"#), None);
    }
}

#[cfg(test)]
mod urlencode_tests {
    #[test]
    fn urlencode_as_lws() {
        assert_eq!(
            super::urlencode(b"a b&c=d/\xc3\xa9", 64),
            b"a+b%26c%3Dd%2F%C3%A9"
        );
        // room runs out: a byte needs more than 3 left
        assert_eq!(super::urlencode(b"abcdef", 6), b"abc");
        assert_eq!(super::urlencode(b"&&&", 8), b"%26%26");
        assert_eq!(super::urlencode(b"abc", 3), b"");
    }
}
