//! Files served by the HTTP role: mounts of LWSMPRO_FILE and lws_serve_http_file
//! (MIME type, ETag/304, cache-control, single ranges), sent from the WRITEABLE path.
use crate::abi::*;
use crate::core::close::close;
use crate::core::close::finish_close;
use crate::core::close::Why;
use crate::core::output::send_raw;
use crate::core::wsi::callback;
use crate::core::*;
use crate::roles::http::headers::add_content_length;
use crate::roles::http::headers::add_header;
use crate::roles::http::headers::add_status;
use crate::roles::http::headers::finalize;
use crate::roles::http::headers::joined;
use crate::roles::http::headers::return_status;
use crate::roles::http::headers::send_head;
use crate::roles::http::server::bind;
use crate::roles::http::server::ht;
use crate::roles::http::server::mount_str;
use crate::roles::http::server::transaction_completed;
use crate::roles::http::server::FileTx;
use crate::roles::http::server::Http;
use core::ffi::c_int;
use core::ptr::null_mut;
use std::io::{Read, Seek, SeekFrom};

/// lws_get_mimetype: the mount's extra_mimetypes, then lws's own table; None means
/// lws refuses the file (415).
pub(crate) fn mime_type(path: &[u8], extra: *const lws_protocol_vhost_options) -> Option<String> {
    let mut pairs: Vec<(&[u8], &[u8])> = Vec::new();
    let mut e = extra;
    while !e.is_null() {
        // SAFETY: the mount's pvo list, alive as long as the vhost.
        let ee = unsafe { &*e };
        if let (Some(n), Some(v)) = (mount_str(ee.name), mount_str(ee.value)) {
            pairs.push((n, v));
        }
        e = ee.next;
    }
    crate::http::mime::mime_type(path, &pairs)
}

/// The mount's Cache-Control value.
fn cache_control(x: &Http) -> String {
    crate::http::etag::cache_control(
        x.cache_secs as i32,
        x.cache_reuse,
        x.cache_revalidate,
        x.cache_intermediaries,
    )
}

/// lws_http_serve: a file under a mount's origin.  1: not found (the caller falls back
/// to LWS_CALLBACK_HTTP), 0: answered, -1: close.
pub(crate) fn serve_mount_file(
    w: *mut lws,
    uri: &[u8],
    origin: &[u8],
    m: &lws_http_mount,
) -> c_int {
    use std::os::unix::fs::MetadataExt;
    let vh = wref!(w).vhost;
    let doc404 = vh!(vh).error_document_404.clone();
    ht(w).handling_404 = doc404.as_ref().is_some_and(|d| d.as_bytes() == uri);
    let rel = uri.strip_prefix(b"/").unwrap_or(uri);
    let mut path = origin.to_vec();
    path.push(b'/');
    path.extend_from_slice(rel);
    let def = mount_str(m.def).unwrap_or(b"index.html");
    let mut meta = None;
    let mut spin = 0;
    let mut p = path.clone();
    while spin < 5 {
        spin += 1;
        let ps = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&p);
        let Ok(md) = std::fs::metadata(ps) else {
            lwsl_info!("Unable to open '{}'", String::from_utf8_lossy(&p));
            return 1;
        };
        if md.is_dir() {
            p = path.clone();
            p.push(b'/');
            p.extend_from_slice(def);
            continue;
        }
        if md.is_file() {
            meta = Some(md);
            break;
        }
        return 1;
    }
    let Some(md) = meta else {
        return 1;
    };
    let Ok(file) =
        std::fs::File::open(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&p))
    else {
        return 1;
    };
    let etag = crate::http::etag::etag(md.len(), md.mtime());
    let inm = joined(w, WSI_TOKEN_HTTP_IF_NONE_MATCH as c_int);
    let mut buf = vec![0u8; 2048];
    let mut bp = buf.as_mut_ptr();
    // SAFETY: within buf.
    let end = unsafe { bp.add(buf.len()) };
    if !inm.is_empty() && crate::http::etag::if_none_match(&inm, &etag) {
        let cc = cache_control(ht(w));
        if add_status(w, 304, &mut bp, end) != 0
            || add_header(w, Some(b"etag:"), etag.as_bytes(), &mut bp, end) != 0
            || add_header(w, Some(b"cache-control:"), cc.as_bytes(), &mut bp, end) != 0
            || finalize(w, &mut bp, end) != 0
        {
            return -1;
        }
        let n = bp as usize - buf.as_ptr() as usize;
        if !send_head(w, &buf[..n]) {
            return -1;
        }
        return if transaction_completed(w) != 0 { -1 } else { 0 };
    }
    if add_header(w, Some(b"etag:"), etag.as_bytes(), &mut bp, end) != 0 {
        return -1;
    }
    let Some(mime) = mime_type(&p, m.extra_mimetypes) else {
        lwsl_info!("unknown mimetype for {}", String::from_utf8_lossy(&p));
        if return_status(w, 415, None) != 0 || transaction_completed(w) != 0 {
            return -1;
        }
        return 0;
    };
    // A mount naming a protocol: it is bound for the file and may add header lines
    // (LWS_CALLBACK_ADD_HEADERS), as in lws_http_serve.
    if let Some(name) = mount_str(m.protocol) {
        let vh = wsi_vhost(w);
        let Some(idx) = protocol_by_name(vh, name) else {
            return -1;
        };
        if !bind(w, idx) {
            return -1;
        }
        // SAFETY: bp..end is the unused tail of `buf`, which nothing else borrows now.
        let room = unsafe { core::slice::from_raw_parts_mut(bp, end as usize - bp as usize) };
        let Some(used) = crate::core::wsi::add_headers_cb(w, room) else {
            return -1;
        };
        // SAFETY: used <= room.len(): still inside `buf`.
        bp = unsafe { bp.add(used) };
    }
    let headers_len = bp as usize - buf.as_ptr() as usize;
    let other = buf[..headers_len].to_vec();
    let n = serve_file(w, file, md.len(), Some(mime.as_bytes()), &other, &etag);
    if n < 0 || (n > 0 && transaction_completed(w) != 0) {
        return -1;
    }
    0
}

/// lws_serve_http_file's body: headers now, the file from the WRITEABLE path.
/// Returns 0 (in progress), >0 (done, caller completes the transaction), <0 (close).
pub(crate) fn serve_file(
    w: *mut lws,
    mut file: std::fs::File,
    len: u64,
    content_type: Option<&[u8]>,
    other_headers: &[u8],
    etag: &str,
) -> c_int {
    let mut code = if ht(w).handling_404 { 404 } else { 200 };
    let mut range = None;
    let rh = joined(w, WSI_TOKEN_HTTP_RANGE as c_int);
    let if_range = joined(w, WSI_TOKEN_HTTP_IF_RANGE as c_int);
    if !rh.is_empty()
        && code == 200
        && (if_range.is_empty() || !crate::http::etag::if_range_cancels_range(&if_range, etag))
    {
        match crate::http::range::single_range(&rh, len) {
            Ok(r) => range = r,
            Err(crate::http::range::Unsatisfiable) => {
                if return_status(w, 416, None) != 0 || transaction_completed(w) != 0 {
                    return -1;
                }
                return 0;
            }
        }
    }
    if range.is_some() {
        code = 206;
    }
    let mut buf = vec![0u8; 4096 + other_headers.len()];
    let mut p = buf.as_mut_ptr();
    // SAFETY: within buf.
    let end = unsafe { p.add(buf.len()) };
    if add_status(w, code, &mut p, end) != 0 {
        return -1;
    }
    if let Some(ct) = content_type.filter(|c| !c.is_empty()) {
        if add_header(w, Some(b"content-type:"), ct, &mut p, end) != 0 {
            return -1;
        }
    }
    let (from, to) = match range {
        Some((a, b)) => {
            let v = format!("bytes {}-{}/{}", a, b, len);
            if add_header(w, Some(b"content-range:"), v.as_bytes(), &mut p, end) != 0 {
                return -1;
            }
            (a, b + 1)
        }
        None => (0, len),
    };
    if add_content_length(w, to - from, &mut p, end) != 0 {
        return -1;
    }
    let lower: Vec<u8> = other_headers.to_ascii_lowercase();
    let has_cc = lower.windows(14).any(|x| x == b"cache-control:");
    if !has_cc {
        let cc = cache_control(ht(w));
        if add_header(w, Some(b"cache-control:"), cc.as_bytes(), &mut p, end) != 0 {
            return -1;
        }
    }
    let n = p as usize - buf.as_ptr() as usize;
    if n + other_headers.len() + 3 > buf.len() {
        return -1;
    }
    buf[n..n + other_headers.len()].copy_from_slice(other_headers);
    // SAFETY: n + other_headers.len() is within buf (checked above).
    p = unsafe { buf.as_mut_ptr().add(n + other_headers.len()) };
    if finalize(w, &mut p, end) != 0 {
        return -1;
    }
    let n = p as usize - buf.as_ptr() as usize;
    if !send_head(w, &buf[..n]) {
        return -1;
    }
    if ht(w).method == (WSI_TOKEN_HEAD_URI as u32) {
        // No body for HEAD: the transaction is over.
        return if transaction_completed(w) != 0 { -1 } else { 0 };
    }
    if from > 0 && file.seek(SeekFrom::Start(from)).is_err() {
        return -1;
    }
    ht(w).file = Some(FileTx {
        file,
        pos: from,
        end: to,
    });
    wref!(w).want_writeable = true;
    crate::core::wsi::request_writeable(w);
    0
}

/// lws_serve_http_file with a path: 404 (and >0, the caller completes) if it cannot be
/// opened.
pub(crate) fn serve_file_path(
    w: *mut lws,
    path: &[u8],
    content_type: Option<&[u8]>,
    other: &[u8],
) -> c_int {
    use std::os::unix::fs::MetadataExt;
    let p = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(path);
    let opened = std::fs::File::open(p).and_then(|f| f.metadata().map(|m| (f, m)));
    let Ok((file, md)) = opened.and_then(|(f, m)| {
        if m.is_file() {
            Ok((f, m))
        } else {
            Err(std::io::ErrorKind::NotFound.into())
        }
    }) else {
        lwsl_info!(
            "lws_serve_http_file: Unable to open: '{}'",
            String::from_utf8_lossy(path)
        );
        if return_status(w, 404, None) != 0 {
            return -1;
        }
        return 1;
    };
    let etag = crate::http::etag::etag(md.len(), md.mtime());
    serve_file(w, file, md.len(), content_type, other, &etag)
}

/// Sends file data while the socket takes it.  Returns false if the connection closed.
pub(crate) fn file_fragment(w: *mut lws) -> bool {
    let mut chunk = [0u8; 16384];
    loop {
        let done = {
            let x = ht(w);
            let Some(f) = x.file.as_mut() else {
                return true;
            };
            if f.pos >= f.end {
                true
            } else {
                let want = ((f.end - f.pos) as usize).min(chunk.len());
                match f.file.read(&mut chunk[..want]) {
                    Ok(0) | Err(_) => {
                        lwsl_err!("file read failed before its end");
                        x.file = None;
                        finish_close(w);
                        return false;
                    }
                    Ok(n) => {
                        f.pos += n as u64;
                        if !send_raw(w, &chunk[..n]) {
                            x.file = None;
                            return false;
                        }
                        false
                    }
                }
            }
        };
        if done {
            ht(w).file = None;
            // lws: FILE_COMPLETION to the protocol, then the transaction completes.
            if callback(w, LWS_CALLBACK_HTTP_FILE_COMPLETION as c_int, null_mut(), 0) < 0 {
                close(w, Why::User);
                return false;
            }
            if ht(w).in_txn && transaction_completed(w) != 0 {
                close(w, Why::User);
                return false;
            }
            return wref!(w).life != Life::Dead;
        }
        let s = wref!(w);
        if s.out_pos < s.out.len() {
            // Socket full: continue when it drains.
            return true;
        }
    }
}
