//! `lws_spa`, the POST body parser (`http::spa`): urlencoded and multipart/form-data.
//!
//! Input: 4 bytes of settings, the parameter names and the Content-Type boundary (each
//! ended by a NUL), then the body.  The body is parsed whole and in pieces; both must
//! give the same result, the same stored values and the same file callback stream;
//! every stored value must fit its reported length and the storage.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::http::spa::{cstr_bytes, Spa, Ufs};

#[derive(Debug, PartialEq)]
struct Out {
    ret: Vec<i32>,
    fin: i32,
    values: Vec<(i32, Option<Vec<u8>>)>,
    files: Vec<(Vec<u8>, Vec<u8>, Vec<u8>, Ufs)>,
    completed: bool,
}

fn run(
    names: &[Option<Vec<u8>>],
    max: usize,
    ct: Option<&[u8]>,
    ac: bool,
    body: &[u8],
    step: usize,
    fail_at: usize,
) -> Out {
    let mut spa = Spa::new(names.to_vec(), max, ct, ac);
    let mut files: Vec<(Vec<u8>, Vec<u8>, Vec<u8>, Ufs)> = Vec::new();
    let mut calls = 0usize;
    let mut sink = |name: &[u8; 32], fname: &[u8; 256], piece: Option<&mut [u8]>, st: Ufs| -> i32 {
        calls += 1;
        let (n, f) = (cstr_bytes(name).to_vec(), cstr_bytes(fname).to_vec());
        let p = piece.map(|p| p.to_vec()).unwrap_or_default();
        // Contents arrive in pieces that depend on the input's, and the last piece
        // (FINAL_CONTENT) may carry any share of them: merge the bytes, keep the marks.
        let content = matches!(st, Ufs::Content | Ufs::FinalContent);
        match files.last_mut() {
            Some(last) if content && last.3 == Ufs::Content && last.0 == n && last.1 == f => {
                last.2.extend_from_slice(&p)
            }
            _ => files.push((
                n.clone(),
                f.clone(),
                if content { p } else { Vec::new() },
                if content { Ufs::Content } else { st },
            )),
        }
        if st == Ufs::FinalContent {
            files.push((n, f, Vec::new(), st));
        }
        if calls == fail_at {
            -1
        } else {
            0
        }
    };
    let mut ret = Vec::new();
    for piece in body.chunks(step.max(1)) {
        let r = spa.process(piece, &mut sink);
        if r != 0 {
            ret.push(r);
            break;
        }
    }
    let fin = spa.finalize(&mut sink);
    let values = (0..names.len() + 1)
        .map(|i| {
            let len = spa.length(i);
            let v = spa.value(i).map(|v| v.to_vec());
            if let Some(v) = &v {
                assert!(v.len() <= max.max(512), "value longer than the storage");
                assert!(len >= 0);
            }
            (len, v)
        })
        .collect();
    Out {
        ret,
        fin,
        values,
        files,
        completed: spa.completed(),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (set, rest) = data.split_at(4);
    let mut parts = rest.splitn(6, |&b| b == 0);
    let mut names: Vec<Option<Vec<u8>>> = Vec::new();
    for _ in 0..4 {
        match parts.next() {
            Some(n) if n == b"-" => names.push(None),
            Some(n) => names.push(Some(n.to_vec())),
            None => return,
        }
    }
    let Some(boundary) = parts.next() else { return };
    let body = parts.next().unwrap_or(b"");
    let max = usize::from(set[1]) * 4;
    let ct: Option<Vec<u8>> = match set[0] & 3 {
        0 => None,
        1 => Some(b"application/x-www-form-urlencoded".to_vec()),
        _ => Some([b"multipart/form-data; boundary=".as_slice(), boundary].concat()),
    };
    let ac = set[0] & 4 != 0;
    let fail_at = if set[0] & 8 != 0 {
        usize::from(set[3])
    } else {
        0
    };

    let whole = run(&names, max, ct.as_deref(), ac, body, body.len(), fail_at);
    if fail_at == 0 {
        let step = 1 + usize::from(set[2] % 32);
        let split = run(&names, max, ct.as_deref(), ac, body, step, 0);
        assert_eq!(whole, split, "pieces of {step} differ");
    }
});
