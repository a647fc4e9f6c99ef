//! lws-x509.h: certificates parsed and queried without a connection.
//!
//! `lws_tls_peer_cert_info` and `lws_tls_vhost_cert_info` answer through [`cert_info`] too
//! once connections carry TLS (they need the wsi's / vhost's certificate).

use core::ffi::{c_char, c_int, c_void};

use crate::abi::{enum_lws_tls_cert_info, lws_tls_cert_info_results, lws_x509_cert};
use crate::core::{cx, vh, wref};
use crate::tls::x509::{self, Cert, Chain, Info};

/// What an `lws_x509_cert *` points at: empty until a PEM is parsed into it.
#[derive(Default)]
pub struct X509 {
    chain: Option<Chain>,
}

/// Fills lws's union for `kind` about `c`, with lws's return values (0 done, -1 failure
/// or too small, 1 no such extension).  `len` is the real size of `ns.name` (0: 64).
///
/// # Safety
/// `buf` must point to a union whose `ns.name` has `len` (or 64) writable bytes.
pub unsafe fn cert_info(
    c: &Cert,
    kind: c_int,
    buf: *mut lws_tls_cert_info_results,
    len: usize,
) -> c_int {
    let len = if len == 0 { 64 } else { len };
    // SAFETY: the caller guarantees the union; ns.len is its first member.
    unsafe { (*buf).ns.len = 0 };
    // SAFETY: `len` bytes are writable from ns.name, as the caller guarantees.
    let name = unsafe {
        std::slice::from_raw_parts_mut(core::ptr::addr_of_mut!((*buf).ns.name) as *mut u8, len)
    };
    let set_len = |n: usize| {
        // SAFETY: as above.
        unsafe { (*buf).ns.len = n as c_int }
    };
    match x509::info(c, kind) {
        Err(rc) => rc,
        Ok(Info::Time(t)) => {
            // SAFETY: the union is writable.
            unsafe { (*buf).time = t as libc::time_t };
            0
        }
        Ok(Info::Bits(b)) => {
            // SAFETY: the union is writable.
            unsafe { (*buf).usage = b };
            0
        }
        Ok(Info::Text(s)) => {
            // OpenSSL's one-line form is cut to fit before the CN is picked out of it.
            let mut s = s.into_bytes();
            s.truncate(len.saturating_sub(1));
            name[..s.len()].copy_from_slice(&s);
            name[s.len()] = 0;
            set_len(s.len());
            0
        }
        Ok(Info::Bytes(b)) => {
            set_len(b.len());
            if b.len() > len {
                return -1;
            }
            name[..b.len()].copy_from_slice(&b);
            0
        }
    }
}

/// Makes an empty certificate object in `*x509`, to be filled by lws_x509_parse_from_pem.
/// Returns 0, or 1 for a NULL `x509`.
#[no_mangle]
pub unsafe extern "C" fn lws_x509_create(x509: *mut *mut lws_x509_cert) -> c_int {
    entry!(fail = 1, {
        need!(x509);
        // SAFETY: checked non-NULL; the caller owns the pointer it passed.
        unsafe { *x509 = Box::into_raw(Box::<X509>::default()) as *mut lws_x509_cert };
        0
    })
}

/// Parses the PEM text (`len` bytes at `pem`, one certificate or a chain) into `x509`,
/// replacing what it held. Parsing is done in Rust (no OpenSSL/mbedTLS behind it).
/// Returns 0, or -1 when the text holds no valid certificate or an argument is NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_x509_parse_from_pem(
    x509: *mut lws_x509_cert,
    pem: *const c_void,
    len: usize,
) -> c_int {
    entry!({
        need!(x509);
        need!(pem);
        // SAFETY: the caller passes `len` readable bytes at `pem`.
        let b = unsafe { std::slice::from_raw_parts(pem as *const u8, len) };
        // SAFETY: lws_x509_create made `x509`.
        let x = unsafe { &mut *(x509 as *mut X509) };
        match Chain::parse(b) {
            Ok(c) => {
                x.chain = Some(c);
                0
            }
            Err(e) => {
                lwsl_err!("lws_x509_parse_from_pem: unable to parse PEM cert: {}", e);
                -1
            }
        }
    })
}

/// The parsed chain behind a handle, if any.
///
/// # Safety
/// `x` is NULL or came from lws_x509_create.
unsafe fn chain<'a>(x: *mut lws_x509_cert) -> Option<&'a Chain> {
    if x.is_null() {
        return None;
    }
    // SAFETY: per the contract.
    unsafe { &*(x as *const X509) }.chain.as_ref()
}

/// Checks that the first certificate of `x509` is signed by the first of `trusted` and, when
/// `common_name` is not NULL, that it was issued for that name.
/// Returns 0 when it verifies, -1 otherwise (the reason is logged) or when either object has
/// no certificate.
#[no_mangle]
pub unsafe extern "C" fn lws_x509_verify(
    x509: *mut lws_x509_cert,
    trusted: *mut lws_x509_cert,
    common_name: *const c_char,
) -> c_int {
    entry!({
        // SAFETY: handles from lws_x509_create (or NULL, refused).
        let (Some(c), Some(t)) = (unsafe { chain(x509) }, unsafe { chain(trusted) }) else {
            lwsl_err!("lws_x509_verify: a certificate is missing");
            return -1;
        };
        // SAFETY: NULL or a C string.
        let cn = unsafe { super::cstr(common_name) }.map(String::from_utf8_lossy);
        match c.verify(&t.0[0], cn.as_deref()) {
            Ok(()) => 0,
            Err(e) => {
                lwsl_err!("lws_x509_verify: {}", e);
                -1
            }
        }
    })
}

/// Answers one question `type_` (LWS_TLS_CERT_INFO_*: validity dates, common name, issuer,
/// usage, key, serial...) about the first certificate of `x509` into `buf`, whose `ns.name`
/// has `len` bytes of room for text and binary answers.
/// Returns 0 when answered, 1 when the certificate lacks that extension, -1 when the object
/// is empty, the room is too small or the question is not supported.
#[no_mangle]
pub unsafe extern "C" fn lws_x509_info(
    x509: *mut lws_x509_cert,
    type_: enum_lws_tls_cert_info,
    buf: *mut lws_tls_cert_info_results,
    len: usize,
) -> c_int {
    entry!({
        need!(buf);
        // SAFETY: a handle from lws_x509_create, or NULL.
        let Some(c) = (unsafe { chain(x509) }) else {
            // SAFETY: buf checked non-NULL.
            unsafe { (*buf).ns.len = 0 };
            return -1;
        };
        // SAFETY: the caller sized `buf` per lws's `len` convention.
        unsafe { cert_info(&c.0[0], type_, buf, len) }
    })
}

/// Frees the certificate object in `*x509` and sets `*x509` to NULL; a NULL `*x509` is left
/// alone.
#[no_mangle]
pub unsafe extern "C" fn lws_x509_destroy(x509: *mut *mut lws_x509_cert) {
    entry!({
        need!(x509);
        // SAFETY: checked non-NULL; *x509 is NULL or from lws_x509_create.
        let p = unsafe { *x509 };
        if !p.is_null() {
            // SAFETY: made by Box::into_raw in lws_x509_create, freed once: set NULL.
            drop(unsafe { Box::from_raw(p as *mut X509) });
            unsafe { *x509 = core::ptr::null_mut() };
        }
    })
}

/// OpenSSL's connection type, opaque: there is no OpenSSL object behind a connection
/// here (the header names it `typedef struct ssl_st SSL`, compatible with OpenSSL's).
pub type SSL = ssl_st;
#[allow(non_camel_case_types)]
pub struct ssl_st {
    _opaque: [u8; 0],
}

/// The leaf certificate of `certs`, parsed.
fn leaf(certs: Option<&[rustls::pki_types::CertificateDer<'_>]>) -> Option<Cert> {
    certs?.first().and_then(|d| Cert::from_der(d).ok())
}

/// 1 when the connection runs over TLS (a TLS vhost's listener, or a client with
/// `LCCSCF_USE_SSL`; an HTTP/2 stream answers for its network connection), else 0.
#[no_mangle]
pub unsafe extern "C" fn lws_is_ssl(wsi: *mut crate::core::lws) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        crate::roles::over_tls(wsi) as c_int
    })
}

/// Always NULL: TLS is rustls, there is no OpenSSL `SSL` to hand out (MATRIX.md says so).
#[no_mangle]
pub unsafe extern "C" fn lws_get_ssl(wsi: *mut crate::core::lws) -> *mut SSL {
    entry!({
        need!(wsi);
        core::ptr::null_mut()
    })
}

/// One field of the certificate the peer presented (the server's, or a client
/// certificate): 0 and the answer in `buf`, or nonzero when there is none.  `len` is the
/// size of `buf->ns.name` when it is larger than lws's 64 bytes.
#[no_mangle]
pub unsafe extern "C" fn lws_tls_peer_cert_info(
    wsi: *mut crate::core::lws,
    type_: enum_lws_tls_cert_info,
    buf: *mut lws_tls_cert_info_results,
    len: usize,
) -> c_int {
    entry!({
        need!(wsi);
        need!(buf);
        let Some(c) = leaf(
            wref!(wsi)
                .transport
                .tls()
                .and_then(|t| t.peer_certificates()),
        ) else {
            return -1;
        };
        // SAFETY: the caller sized `buf` per lws's `len` convention.
        unsafe { cert_info(&c, type_, buf, len) }
    })
}

/// One field of the vhost's own server certificate (the current one, after a reload);
/// nonzero when the vhost has none.
#[no_mangle]
pub unsafe extern "C" fn lws_tls_vhost_cert_info(
    vhost: *mut crate::core::lws_vhost,
    type_: enum_lws_tls_cert_info,
    buf: *mut lws_tls_cert_info_results,
    len: usize,
) -> c_int {
    entry!({
        need!(vhost);
        need!(buf);
        let Some(slot) = vh!(vhost).tls.slot.clone() else {
            return -1;
        };
        let ck = slot.get();
        let Some(c) = leaf(Some(&ck.cert)) else {
            return -1;
        };
        // SAFETY: as lws_tls_peer_cert_info.
        unsafe { cert_info(&c, type_, buf, len) }
    })
}

/// 1 when the client's TLS session was resumed from the vhost's session cache.
#[no_mangle]
pub unsafe extern "C" fn lws_tls_session_is_reused(wsi: *mut crate::core::lws) -> c_int {
    entry!(fail = 0, {
        need!(wsi);
        wref!(wsi).transport.tls().is_some_and(|t| t.is_resumed()) as c_int
    })
}

/// Every vhost whose certificate was read from `certpath` takes the new certificate and
/// key (PEM or DER in memory); handshakes from now on use it.
#[no_mangle]
pub unsafe extern "C" fn lws_tls_cert_updated(
    context: *mut crate::core::lws_context,
    certpath: *const c_char,
    keypath: *const c_char,
    mem_cert: *const c_char,
    len_mem_cert: usize,
    mem_privkey: *const c_char,
    len_mem_privkey: usize,
) -> c_int {
    entry!({
        need!(context);
        need!(certpath);
        need!(mem_cert);
        need!(mem_privkey);
        let _ = keypath;
        // SAFETY: a C string, checked non-NULL.
        let path = unsafe { super::cstr(certpath) }.unwrap_or_default();
        // SAFETY: the caller passes the stated lengths.
        let (cert, key) = unsafe {
            (
                std::slice::from_raw_parts(mem_cert as *const u8, len_mem_cert),
                std::slice::from_raw_parts(mem_privkey as *const u8, len_mem_privkey),
            )
        };
        let mut rc = 0;
        for vh in cx!(context).vhosts.clone() {
            let t = &vh!(vh).tls;
            let (Some(spec), Some(slot)) = (&t.spec, &t.slot) else {
                continue;
            };
            let same = matches!(&spec.cert, Some(crate::tls::certs::Source::File(p))
                if std::os::unix::ffi::OsStrExt::as_bytes(p.as_os_str()) == path);
            if !same {
                continue;
            }
            if let Err(e) = slot.reload(cert, key, spec.password.as_deref()) {
                lwsl_err!("lws_tls_cert_updated: {}", e);
                rc = 1;
            }
        }
        rc
    })
}

/// Sets up (again) the client side of `vhost` from `info`'s client TLS members.
#[no_mangle]
pub unsafe extern "C" fn lws_init_vhost_client_ssl(
    info: *const crate::abi::lws_context_creation_info,
    vhost: *mut crate::core::lws_vhost,
) -> c_int {
    entry!({
        need!(info);
        need!(vhost);
        // SAFETY: lws's contract for the creation info.
        let spec = unsafe { crate::tls::client::ClientSpec::from_info(&*info) };
        let t = &mut vh!(vhost).tls;
        t.client_spec = Some(spec);
        t.client = None;
        match t.client() {
            Ok(_) => {
                crate::core::tlscb::client_loaded(vh!(vhost).ctx, vhost);
                0
            }
            Err(e) => {
                lwsl_err!("lws_init_vhost_client_ssl: {}", e);
                1
            }
        }
    })
}

/// Adds a trusted CA (DER) to `vhost`'s client side.
#[no_mangle]
pub unsafe extern "C" fn lws_tls_client_vhost_extra_cert_mem(
    vh: *mut crate::core::lws_vhost,
    der: *const u8,
    der_len: usize,
) -> c_int {
    entry!({
        need!(vh);
        need!(der);
        // SAFETY: `der_len` readable bytes, per the caller.
        let b = unsafe { std::slice::from_raw_parts(der, der_len) };
        match vh!(vh).tls.client().and_then(|c| c.add_ca_der(b)) {
            Ok(()) => 0,
            Err(e) => {
                lwsl_err!("lws_tls_client_vhost_extra_cert_mem: {}", e);
                1
            }
        }
    })
}
