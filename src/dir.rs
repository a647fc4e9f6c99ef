//! The directory walk behind `lws_dir()` and its glob filter, following lws 4.3's rules.
use std::ffi::{CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;

/// lws's `lws_dir_obj_type_t` values.
pub const LDOT_UNKNOWN: i32 = 0;
pub const LDOT_FILE: i32 = 1;
pub const LDOT_DIR: i32 = 2;
pub const LDOT_LINK: i32 = 3;
pub const LDOT_FIFO: i32 = 4;
pub const LDOTT_SOCKET: i32 = 5;
pub const LDOT_CHAR: i32 = 6;
pub const LDOT_BLOCK: i32 = 7;

/// The entries of `dir` that lws reports, in byte order of their names (scandir with
/// alphasort in the C locale): without "." and "..", nor any name holding a '~' (editor
/// backups).  The type is the directory entry's own (a symlink is LDOT_LINK).
pub fn list(dir: &[u8]) -> std::io::Result<Vec<(CString, i32)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(OsStr::from_bytes(dir))? {
        let e = e?;
        let name = e.file_name();
        let name = name.as_bytes();
        if name.contains(&b'~') {
            continue;
        }
        let ty = match e.file_type() {
            Ok(t) if t.is_dir() => LDOT_DIR,
            Ok(t) if t.is_file() => LDOT_FILE,
            Ok(t) if t.is_symlink() => LDOT_LINK,
            Ok(t) if t.is_fifo() => LDOT_FIFO,
            Ok(t) if t.is_socket() => LDOTT_SOCKET,
            Ok(t) if t.is_char_device() => LDOT_CHAR,
            Ok(t) if t.is_block_device() => LDOT_BLOCK,
            _ => LDOT_UNKNOWN,
        };
        // a directory entry's name never holds a NUL
        if let Ok(c) = CString::new(name) {
            out.push((c, ty));
        }
    }
    out.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(out)
}

/// lws's glob test: the name must equal the filter up to its '*', and the rest of the
/// name must then equal what follows the '*'.  As in lws, a filter without '*' matches
/// nothing, and "*" alone matches nothing either (the empty tail is never compared).
pub fn glob_match(name: &[u8], filter: &[u8]) -> bool {
    let mut f = 0;
    for (i, &c) in name.iter().enumerate() {
        match filter.get(f) {
            Some(b'*') => {
                if name[i..] == filter[f + 1..] {
                    return true;
                }
            }
            Some(&fc) if fc == c => f += 1,
            _ => return false,
        }
    }
    false
}

/// `dir` + '/' + `name`, as a C string.
pub fn join(dir: &[u8], name: &[u8]) -> Option<CString> {
    let mut p = Vec::with_capacity(dir.len() + 1 + name.len());
    p.extend_from_slice(dir);
    p.push(b'/');
    p.extend_from_slice(name);
    CString::new(p).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_rules() {
        assert!(glob_match(b"a.txt", b"*.txt"));
        assert!(glob_match(b"x.txt", b"x*.txt"));
        assert!(glob_match(b"x.txt", b"x*txt"));
        assert!(!glob_match(b"y.txt", b"x*.txt"));
        assert!(!glob_match(b"a.txt.bak", b"*.txt"));
        assert!(!glob_match(b"abc", b"abc"));
        assert!(!glob_match(b"abc", b"*"));
        assert!(!glob_match(b"", b"*"));
        assert!(!glob_match(b"ab", b"abc*"));
        assert!(glob_match(b"lib.so", b"lib*so"));
    }

    #[test]
    fn lists_sorted_and_typed() {
        let d = std::env::temp_dir().join(format!("lws-dir-test-{}", std::process::id()));
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("b"), b"").unwrap();
        std::fs::write(d.join("a~"), b"").unwrap();
        std::os::unix::fs::symlink("b", d.join("c")).unwrap();
        let got = list(d.as_os_str().as_bytes()).unwrap();
        let got: Vec<(&[u8], i32)> = got.iter().map(|(n, t)| (n.as_bytes(), *t)).collect();
        assert_eq!(
            got,
            vec![
                (&b"b"[..], LDOT_FILE),
                (b"c", LDOT_LINK),
                (b"sub", LDOT_DIR)
            ]
        );
        std::fs::remove_dir_all(&d).unwrap();
        assert!(list(d.as_os_str().as_bytes()).is_err());
        assert_eq!(join(b"/x", b"y").unwrap().as_bytes(), b"/x/y");
    }
}
