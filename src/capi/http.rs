//! lws-http.h, the part a WebSocket server uses: the headers of the upgrade request.
//! (The HTTP server role is another issue; there more tokens and the fragment calls come.)
use crate::abi::*;
use crate::engine::{lws, wref};
use core::ffi::{c_char, c_int};

/// The request header a token index names, for the tokens a ws upgrade carries.
fn token_header(h: c_int) -> Option<&'static str> {
    let name = match h {
        x if x == WSI_TOKEN_HOST as c_int => "host",
        x if x == WSI_TOKEN_CONNECTION as c_int => "connection",
        x if x == WSI_TOKEN_UPGRADE as c_int => "upgrade",
        x if x == WSI_TOKEN_ORIGIN as c_int => "origin",
        x if x == WSI_TOKEN_EXTENSIONS as c_int => "sec-websocket-extensions",
        x if x == WSI_TOKEN_PROTOCOL as c_int => "sec-websocket-protocol",
        x if x == WSI_TOKEN_KEY as c_int => "sec-websocket-key",
        x if x == WSI_TOKEN_VERSION as c_int => "sec-websocket-version",
        x if x == WSI_TOKEN_HTTP_ACCEPT as c_int => "accept",
        x if x == WSI_TOKEN_HTTP_ACCEPT_ENCODING as c_int => "accept-encoding",
        x if x == WSI_TOKEN_HTTP_ACCEPT_LANGUAGE as c_int => "accept-language",
        x if x == WSI_TOKEN_HTTP_AUTHORIZATION as c_int => "authorization",
        x if x == WSI_TOKEN_HTTP_COOKIE as c_int => "cookie",
        x if x == WSI_TOKEN_HTTP_REFERER as c_int => "referer",
        x if x == WSI_TOKEN_HTTP_USER_AGENT as c_int => "user-agent",
        x if x == WSI_TOKEN_X_FORWARDED_FOR as c_int => "x-forwarded-for",
        _ => return None,
    };
    Some(name)
}

/// The value of header token `h` of the wsi's request, if it has one.
fn header_value(wsi: *mut lws, h: c_int) -> Option<Vec<u8>> {
    let s = wref!(wsi);
    let req = s.req.as_ref()?;
    if h == WSI_TOKEN_GET_URI as c_int || h == WSI_TOKEN_POST_URI as c_int {
        let want: &[u8] = if h == WSI_TOKEN_GET_URI as c_int {
            b"GET"
        } else {
            b"POST"
        };
        if req.method(&s.hdr) != want {
            return None;
        }
        let path = req.path(&s.hdr);
        let end = path.iter().position(|&b| b == b'?').unwrap_or(path.len());
        return Some(path[..end].to_vec());
    }
    req.header(&s.hdr, token_header(h)?).map(|v| v.to_vec())
}

/// Length of the header's value, 0 if the request has none.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_total_length(wsi: *mut lws, h: enum_lws_token_indexes) -> c_int {
    ffi!("lws_hdr_total_length", 0, {
        need!("lws_hdr_total_length", wsi, 0);
        header_value(wsi, h).map_or(0, |v| v.len() as c_int)
    })
}

/// Copies the header's value, NUL-terminated; its length, or -1 if `len` is too small.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_copy(
    wsi: *mut lws,
    dest: *mut c_char,
    len: c_int,
    h: enum_lws_token_indexes,
) -> c_int {
    ffi!("lws_hdr_copy", -1, {
        need!("lws_hdr_copy", wsi, -1);
        need!("lws_hdr_copy", dest, -1);
        let v = header_value(wsi, h).unwrap_or_default();
        if len <= 0 || v.len() + 1 > len as usize {
            return -1;
        }
        // SAFETY: dest has len writable bytes and v.len() + 1 <= len.
        unsafe {
            core::ptr::copy_nonoverlapping(v.as_ptr(), dest as *mut u8, v.len());
            *dest.add(v.len()) = 0;
        }
        v.len() as c_int
    })
}
