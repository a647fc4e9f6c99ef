//! HTTP/1.1 on the wire: reading a request head and answering errors found there.
use crate::abi::*;
use crate::core::close::flush_then_close;
use crate::core::wsi::set_timeout;
use crate::core::wsi::stash_front;
use crate::core::*;
use crate::http::request;
use crate::roles::ws::ws_input;
use core::ffi::c_int;

pub(crate) fn http_input(w: *mut lws, ptr: *mut u8, len: usize) {
    if len > 0 && fallback_check(w, ptr, len) {
        return;
    }
    if len > 0 && !crate::roles::http::server::ah_acquire(w) {
        // No header table free: keep the bytes, read nothing more until one is.
        // SAFETY: ptr[..len] is readable (see input()).
        stash_front(w, unsafe { core::slice::from_raw_parts(ptr, len) });
        return;
    }
    let parsed = {
        let s = wref!(w);
        if s.hdr.is_empty()
            && len > 0
            && s.http.is_none()
            && vh!(s.vhost).options & LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE != 0
            && s.transport.tls().is_none()
            && s.client.is_none()
        {
            // The vhost speaks h2 with prior knowledge on plain text: no HTTP/1 at all.
            // SAFETY: ptr[..len] is readable (see input()).
            let data = unsafe { core::slice::from_raw_parts(ptr, len) }.to_vec();
            return crate::roles::h2::start(w, &data);
        }
        let s = wref!(w);
        if s.hdr.is_empty() && s.timeout_reason != PENDING_TIMEOUT_HOLDING_AH as c_int {
            // A request head has begun: as lws (which attaches a header table here), it
            // must be complete within the vhost's timeout_secs_ah_idle.
            let secs = vh!(s.vhost).timeout_secs_ah_idle as i64;
            set_timeout(w, PENDING_TIMEOUT_HOLDING_AH as c_int, secs * 1_000_000);
        }
        let s = wref!(w);
        // SAFETY: ptr[..len] is readable (see input()).
        s.hdr
            .extend_from_slice(unsafe { core::slice::from_raw_parts(ptr, len) });
        let max = cx!(s.ctx).max_http_header_data;
        request::parse_request(&s.hdr, max)
    };
    match parsed {
        Ok(None) => {}
        Err(request::ReqError::TooLarge) => http_fail(w, 431, "Request Header Fields Too Large"),
        Err(request::ReqError::Malformed) if h2_preface(w) => {
            // HTTP/2's connection preface where a request head was expected: h2 with
            // prior knowledge (h2c), or what ALPN "h2" promised on TLS.
            if wref!(w).hdr.len() >= 18 {
                let data = core::mem::take(&mut wref!(w).hdr);
                crate::roles::h2::start(w, &data);
            }
            // (else: a preface cut short by the read; the rest is awaited)
        }
        Err(request::ReqError::Malformed) if add_missing_version(w) => {
            // Parsed again with the version lws would have assumed.
            let mut none = [0u8; 0];
            http_input(w, none.as_mut_ptr(), 0);
        }
        Err(request::ReqError::Malformed) => http_fail(w, 400, "Bad Request"),
        Ok(Some(req)) => {
            let consumed = req.len;
            wref!(w).req = Some(req);
            // What came behind the head: body, frames or the next request.
            let mut rest = {
                let s = wref!(w);
                let r = s.hdr[consumed.min(s.hdr.len())..].to_vec();
                s.hdr.truncate(consumed.min(s.hdr.len()));
                r
            };
            if !crate::roles::http::server::head_complete(w) {
                return;
            }
            if rest.is_empty() {
                return;
            }
            match wref!(w).state() {
                State::Ws => {
                    let n = rest.len();
                    ws_input(w, rest.as_mut_ptr(), n);
                }
                State::HttpTxn => crate::roles::http::server::txn_input(w, &rest),
                // Answered already (kept alive): the next request is parsed at the
                // loop's next safe point, not recursively here.
                State::Http => crate::roles::http::server::hold(w, &rest),
                _ => {}
            }
        }
    }
}

/// The head so far is HTTP/2's connection preface, on a connection that has had no
/// request yet.
fn h2_preface(w: *mut lws) -> bool {
    let s = wref!(w);
    let n = s.hdr.len().min(crate::h2::PREFACE.len());
    s.http.is_none() && s.client.is_none() && crate::h2::PREFACE.starts_with(&s.hdr[..n])
}

/// On a vhost with LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG, while the
/// method is not known yet: true when these bytes show it is not HTTP and the connection
/// went to the raw role with them (roles::raw::http_fallback).
#[inline]
fn fallback_check(w: *mut lws, ptr: *mut u8, len: usize) -> bool {
    let s = wref!(w);
    if vh!(s.vhost).options & LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG == 0
        || s.hdr.len() >= 8
        || !matches!(s.role, Role::H1(crate::roles::H1::Head))
    {
        return false;
    }
    let mut first = s.hdr.clone();
    // SAFETY: ptr[..len] is readable (see input()).
    first.extend_from_slice(unsafe { core::slice::from_raw_parts(ptr, len) });
    if crate::roles::raw::looks_like_http(&first) != Some(false) {
        return false;
    }
    crate::roles::raw::http_fallback(w, &mut first);
    true
}

/// A request line without a version ("GET /x"): lws takes it as HTTP/1.0.  Rewrites the
/// head with the version once it is complete; false if that is not the problem.
fn add_missing_version(w: *mut lws) -> bool {
    let s = wref!(w);
    let Some(eol) = s.hdr.windows(2).position(|x| x == b"\r\n") else {
        return false;
    };
    if !s.hdr.windows(4).any(|x| x == b"\r\n\r\n") {
        return false;
    }
    let line = &s.hdr[..eol];
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    if parts.len() != 2
        || parts[0].is_empty()
        || !parts[0].iter().all(|b| b.is_ascii_uppercase())
        || parts[1].first() != Some(&b'/')
    {
        return false;
    }
    s.hdr.splice(eol..eol, b" HTTP/1.0".iter().copied());
    true
}

/// An HTTP error before any upgrade: a minimal response, then close.
pub(crate) fn http_fail(w: *mut lws, code: u16, text: &str) {
    lwsl_info!("http: {} {}", code, text);
    if wref!(w).mux.is_some() {
        return crate::roles::h2::stream_fail(w, code);
    }
    let resp = format!("HTTP/1.1 {code} {text}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}", text.len());
    crate::core::output::send_own(w, resp.as_bytes());
    wref!(w).linger = true;
    flush_then_close(w);
}
