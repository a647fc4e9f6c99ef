//! One TLS connection without I/O: what the transport feeds in and takes out.
//!
//! Contract (the order the transport follows on each readiness event):
//! 1. socket readable: read ciphertext into a buffer, [`TlsSession::feed`] it; bytes not
//!    consumed (returned count short) must be fed again after plaintext was taken out.
//!    A read of 0 (peer EOF) is [`TlsSession::peer_eof`].
//! 2. [`TlsSession::read_plain`] until it reports `Empty`; the role parses what it gets.
//!    While [`TlsSession::has_buffered_plaintext`] is true the connection must be
//!    serviced again without waiting for the socket (a short read no longer means drained).
//! 3. [`TlsSession::write_plain`] takes what the role writes (it may take less: the rest
//!    stays the caller's, as a partial write).
//! 4. while [`TlsSession::wants_write`], [`TlsSession::write_tls`] into the socket; stop
//!    on `WouldBlock` and ask for POLLOUT.  WRITEABLE is not due while `wants_write`.
//! 5. a failed handshake has [`TlsSession::error`]; flush the alert (4), then close.

use std::io::{self, Read, Write};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

use super::TlsError;

/// What [`TlsSession::read_plain`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Plain {
    /// This many bytes were copied into the caller's buffer.
    Data(usize),
    /// Nothing decrypted is waiting: feed more ciphertext.
    Empty,
    /// The peer sent close_notify (or EOF): no more input.
    Closed,
}

pub struct TlsSession {
    conn: Connection,
    is_client: bool,
    error: Option<String>,
    plaintext: usize,
    peer_closed: bool,
    /// The failure was the peer's certificate.
    bad_cert: bool,
}

impl TlsSession {
    pub fn server(cfg: Arc<ServerConfig>) -> Result<TlsSession, TlsError> {
        let c = ServerConnection::new(cfg).map_err(|e| TlsError(format!("tls: {e}")))?;
        Ok(Self::wrap(c.into(), false))
    }

    /// `host` is the SNI name and the name verified (an IP address is verified as such
    /// and sends no SNI).
    pub fn client(cfg: Arc<ClientConfig>, host: &str) -> Result<TlsSession, TlsError> {
        let name = ServerName::try_from(host.to_owned())
            .map_err(|_| TlsError(format!("tls: invalid server name \"{host}\"")))?;
        let c = ClientConnection::new(cfg, name).map_err(|e| TlsError(format!("tls: {e}")))?;
        Ok(Self::wrap(c.into(), true))
    }

    fn wrap(conn: Connection, is_client: bool) -> TlsSession {
        TlsSession {
            conn,
            is_client,
            error: None,
            plaintext: 0,
            peer_closed: false,
            bad_cert: false,
        }
    }

    /// Takes ciphertext read from the socket; returns how much was consumed (all of it
    /// unless decrypted input is piling up unread).  After a failure, `error()` says why.
    pub fn feed(&mut self, mut data: &[u8]) -> Result<usize, TlsError> {
        if let Some(e) = &self.error {
            return Err(TlsError(e.clone()));
        }
        let total = data.len();
        while !data.is_empty() {
            let n = match self.conn.read_tls(&mut data) {
                Ok(0) => break,
                Ok(n) => n,
                // rustls refuses more while its plaintext buffer is full.
                Err(_) => break,
            };
            let _ = n;
            self.process()?;
        }
        Ok(total - data.len())
    }

    /// The peer closed its side of the socket.
    pub fn peer_eof(&mut self) -> Result<(), TlsError> {
        let _ = self.conn.read_tls(&mut io::empty());
        self.process()
    }

    fn process(&mut self) -> Result<(), TlsError> {
        match self.conn.process_new_packets() {
            Ok(st) => {
                self.plaintext = st.plaintext_bytes_to_read();
                if st.peer_has_closed() {
                    self.peer_closed = true;
                }
                Ok(())
            }
            Err(e) => {
                self.bad_cert = matches!(e, rustls::Error::InvalidCertificate(_));
                let text = if self.is_client {
                    super::client::describe(&e)
                } else {
                    format!("tls: {e}")
                };
                self.error = Some(text.clone());
                Err(TlsError(text))
            }
        }
    }

    /// Copies decrypted input into `buf`.
    pub fn read_plain(&mut self, buf: &mut [u8]) -> Plain {
        match self.conn.reader().read(buf) {
            Ok(0) if !buf.is_empty() => Plain::Closed,
            Ok(n) => {
                self.plaintext = self.plaintext.saturating_sub(n);
                Plain::Data(n)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Plain::Empty,
            Err(_) => Plain::Closed,
        }
    }

    pub fn has_buffered_plaintext(&self) -> bool {
        self.plaintext > 0
    }

    /// Queues plaintext for encryption; returns how much was accepted (rustls bounds
    /// what it holds unsent, so a slow peer pushes back on the writer).
    pub fn write_plain(&mut self, data: &[u8]) -> usize {
        self.conn.writer().write(data).unwrap_or(0)
    }

    pub fn wants_write(&self) -> bool {
        self.conn.wants_write()
    }

    /// Writes queued ciphertext to `sink` (the socket's send) until it is all out or the
    /// sink takes nothing / would block; returns the bytes written.  Other sink errors
    /// are returned.
    pub fn write_tls(&mut self, sink: impl FnMut(&[u8]) -> io::Result<usize>) -> io::Result<usize> {
        struct Sink<F>(F);
        impl<F: FnMut(&[u8]) -> io::Result<usize>> Write for Sink<F> {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                (self.0)(b)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut sink = Sink(sink);
        let mut total = 0;
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut sink) {
                Ok(0) => break,
                Ok(n) => total += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(total)
    }

    pub fn is_handshaking(&self) -> bool {
        self.error.is_none() && self.conn.is_handshaking()
    }

    pub fn handshake_done(&self) -> bool {
        self.error.is_none() && !self.conn.is_handshaking()
    }

    /// The handshake failed on the peer's certificate.
    pub fn bad_cert(&self) -> bool {
        self.bad_cert
    }

    /// Why the session failed (lws-like text for the client's CONNECTION_ERROR).
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn alpn(&self) -> Option<&[u8]> {
        self.conn.alpn_protocol()
    }

    /// The SNI name the client sent (server side).
    pub fn sni(&self) -> Option<&str> {
        match &self.conn {
            Connection::Server(s) => s.server_name(),
            Connection::Client(_) => None,
        }
    }

    pub fn peer_certificates(&self) -> Option<&[CertificateDer<'static>]> {
        self.conn.peer_certificates()
    }

    /// The session was resumed from the vhost's cache (`lws_tls_session_is_reused`).
    pub fn is_resumed(&self) -> bool {
        matches!(
            self.conn.handshake_kind(),
            Some(rustls::HandshakeKind::Resumed)
        )
    }

    /// Queues close_notify; flush with `write_tls`.
    pub fn send_close_notify(&mut self) {
        self.conn.send_close_notify();
    }

    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::certs::Source;
    use crate::tls::client::{self, ClientSpec, ClientTls};
    use crate::tls::server::{CertSlot, ServerSpec, SniEntry, SniResolver};
    use crate::tls::testpki::*;

    fn server_cfg(
        leaves: &[(&str, &Leaf)],
        f: impl FnOnce(&mut ServerSpec),
    ) -> (Arc<ServerConfig>, Arc<SniResolver>) {
        let mut entries = Vec::new();
        let mut first = None;
        for (name, leaf) in leaves {
            let spec = ServerSpec {
                cert: Some(Source::Mem(leaf.cert_pem.clone().into_bytes())),
                key: Some(Source::Mem(leaf.key_pem.clone().into_bytes())),
                ..Default::default()
            };
            entries.push(SniEntry {
                names: vec![name.to_string()],
                slot: CertSlot::new(spec.certified_key().unwrap()),
            });
            first.get_or_insert(spec);
        }
        let mut spec = first.unwrap();
        f(&mut spec);
        let r = Arc::new(SniResolver { entries });
        (spec.config(r.clone()).unwrap(), r)
    }

    fn client_tls(ca: Option<&Ca>, f: impl FnOnce(&mut ClientSpec)) -> ClientTls {
        let mut spec = ClientSpec {
            ca: ca.map(|c| Source::Mem(c.cert_pem.clone().into_bytes())),
            ..Default::default()
        };
        f(&mut spec);
        ClientTls::new(&spec).unwrap()
    }

    /// Runs both ends against each other through in-memory buffers, moving at most
    /// `chunk` bytes per step, until neither makes progress.  Bytes in flight stay in
    /// `wire` between calls.
    fn pump_wire(
        c: &mut TlsSession,
        s: &mut TlsSession,
        chunk: usize,
        wire: &mut (Vec<u8>, Vec<u8>),
    ) {
        let (c2s, s2c) = wire;
        for _ in 0..100_000 {
            let mut progress = false;
            // A sink that takes at most `chunk` bytes per call: partial writes.
            progress |= c
                .write_tls(|b| {
                    let n = b.len().min(chunk);
                    c2s.extend_from_slice(&b[..n]);
                    Ok(n)
                })
                .unwrap()
                > 0;
            progress |= s
                .write_tls(|b| {
                    let n = b.len().min(chunk);
                    s2c.extend_from_slice(&b[..n]);
                    Ok(n)
                })
                .unwrap()
                > 0;
            if !c2s.is_empty() && s.error().is_none() {
                let n = c2s.len().min(chunk);
                if let Ok(k) = s.feed(&c2s[..n]) {
                    c2s.drain(..k);
                    progress |= k > 0;
                }
            }
            if !s2c.is_empty() && c.error().is_none() {
                let n = s2c.len().min(chunk);
                if let Ok(k) = c.feed(&s2c[..n]) {
                    s2c.drain(..k);
                    progress |= k > 0;
                }
            }
            if !progress {
                return;
            }
        }
        panic!("no end to the exchange");
    }

    fn pump(c: &mut TlsSession, s: &mut TlsSession, chunk: usize) {
        let mut wire = (Vec::new(), Vec::new());
        pump_wire(c, s, chunk, &mut wire);
        assert!(
            wire.0.is_empty() && wire.1.is_empty() || c.error().is_some() || s.error().is_some()
        );
    }

    fn pair(
        cfg: Arc<ClientConfig>,
        host: &str,
        scfg: Arc<ServerConfig>,
    ) -> (TlsSession, TlsSession) {
        (
            TlsSession::client(cfg, host).unwrap(),
            TlsSession::server(scfg).unwrap(),
        )
    }

    fn read_all(t: &mut TlsSession) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = [0u8; 1000];
        while let Plain::Data(n) = t.read_plain(&mut buf) {
            out.extend_from_slice(&buf[..n]);
        }
        out
    }

    #[test]
    fn handshake_and_data_both_ways_with_partial_writes() {
        let ca = Ca::new("Test CA");
        let leaf = ca.leaf("a.test", Algo::Ecdsa);
        let (scfg, _) = server_cfg(&[("a.test", &leaf)], |_| {});
        let ct = client_tls(Some(&ca), |_| {});
        let (mut c, mut s) = pair(
            ct.config(client::USE_SSL, Some("h2,http/1.1")).unwrap(),
            "a.test",
            scfg,
        );
        assert!(c.is_handshaking());
        pump(&mut c, &mut s, 7);
        assert!(
            c.handshake_done() && s.handshake_done(),
            "{:?} {:?}",
            c.error(),
            s.error()
        );
        // Both sides speak h2 (the HTTP client and the h2 server role): lws's default
        // list on each side settles on it.
        assert_eq!(c.alpn(), Some(&b"h2"[..]));
        assert_eq!(s.alpn(), Some(&b"h2"[..]));
        assert_eq!(s.sni(), Some("a.test"));
        assert_eq!(c.peer_certificates().unwrap()[0], leaf.cert_der);
        assert!(s.peer_certificates().is_none());
        let big: Vec<u8> = (0..100_000u32).map(|i| i as u8).collect();
        let mut sent = 0;
        let mut got = Vec::new();
        let mut wire = (Vec::new(), Vec::new());
        let mut partial = false;
        while got.len() < big.len() {
            let n = c.write_plain(&big[sent..]);
            partial |= sent + n < big.len();
            sent += n;
            pump_wire(&mut c, &mut s, 1500, &mut wire);
            let waiting = s.has_buffered_plaintext();
            let more = read_all(&mut s);
            assert_eq!(waiting, !more.is_empty());
            got.extend(more);
            assert!(!s.has_buffered_plaintext());
        }
        assert!(got == big, "{} bytes of {}", got.len(), big.len());
        assert!(
            partial,
            "rustls took 100 kB at once: the push-back path went untested"
        );
        assert_eq!(s.write_plain(b"pong"), 4);
        pump(&mut c, &mut s, 3);
        assert_eq!(read_all(&mut c), b"pong");
        s.send_close_notify();
        pump(&mut c, &mut s, 100);
        assert!(c.peer_closed());
        let mut b = [0u8; 10];
        assert_eq!(c.read_plain(&mut b), Plain::Closed);
    }

    #[test]
    fn handshake_one_byte_at_a_time_each_key_type() {
        let ca = Ca::new("Test CA");
        for algo in [Algo::Ecdsa, Algo::Ed25519, Algo::Rsa] {
            let leaf = ca.leaf("one.test", algo);
            let (scfg, _) = server_cfg(&[("one.test", &leaf)], |_| {});
            let ct = client_tls(Some(&ca), |_| {});
            let (mut c, mut s) = pair(ct.config(client::USE_SSL, None).unwrap(), "one.test", scfg);
            pump(&mut c, &mut s, 1);
            assert!(
                c.handshake_done() && s.handshake_done(),
                "{algo:?}: {:?}",
                c.error()
            );
            assert_eq!(c.alpn(), None);
        }
    }

    fn client_error(leaf: &Leaf, trust: Option<&Ca>, host: &str, flags: u32) -> Option<String> {
        let (scfg, _) = server_cfg(&[(host, leaf)], |_| {});
        let ct = client_tls(trust, |_| {});
        let (mut c, mut s) = pair(ct.config(flags, None).unwrap(), host, scfg);
        pump(&mut c, &mut s, 4096);
        assert_eq!(c.error().is_none(), c.handshake_done());
        c.error().map(str::to_owned)
    }

    #[test]
    fn verification_failures_and_exactly_their_waivers() {
        let ca = Ca::new("Test CA");
        let other = Ca::new("Other CA");
        let good = ca.leaf("good.test", Algo::Ecdsa);
        let expired = ca.expired("old.test");
        let ss = self_signed("self.test");
        let stranger = other.leaf("good.test", Algo::Ecdsa);
        use client::*;

        assert_eq!(client_error(&good, Some(&ca), "good.test", USE_SSL), None);

        let e = client_error(&good, Some(&ca), "wrong.test", USE_SSL).unwrap();
        assert!(e.contains("tls=hostname"), "{e}");
        assert_eq!(
            client_error(
                &good,
                Some(&ca),
                "wrong.test",
                USE_SSL | SKIP_SERVER_CERT_HOSTNAME_CHECK
            ),
            None
        );
        assert!(client_error(
            &good,
            Some(&ca),
            "wrong.test",
            USE_SSL | ALLOW_EXPIRED | ALLOW_INSECURE | ALLOW_SELFSIGNED
        )
        .is_some());

        let e = client_error(&expired, Some(&ca), "old.test", USE_SSL).unwrap();
        assert!(e.contains("tls=expired"), "{e}");
        assert_eq!(
            client_error(&expired, Some(&ca), "old.test", USE_SSL | ALLOW_EXPIRED),
            None
        );
        assert!(client_error(
            &expired,
            Some(&ca),
            "old.test",
            USE_SSL | SKIP_SERVER_CERT_HOSTNAME_CHECK | ALLOW_INSECURE | ALLOW_SELFSIGNED
        )
        .is_some());
        // The waiver covers the time only: an expired leaf for another name still fails.
        let e = client_error(&expired, Some(&ca), "other.test", USE_SSL | ALLOW_EXPIRED).unwrap();
        assert!(e.contains("tls=hostname"), "{e}");

        let e = client_error(&stranger, Some(&ca), "good.test", USE_SSL).unwrap();
        assert!(e.contains("unknown issuer/ca"), "{e}");
        assert_eq!(
            client_error(&stranger, Some(&ca), "good.test", USE_SSL | ALLOW_INSECURE),
            None
        );
        assert!(client_error(
            &stranger,
            Some(&ca),
            "good.test",
            USE_SSL | ALLOW_SELFSIGNED | ALLOW_EXPIRED
        )
        .is_some());

        let e = client_error(&ss, Some(&ca), "self.test", USE_SSL).unwrap();
        assert!(e.contains("tls=invalidca: self-signed"), "{e}");
        assert_eq!(
            client_error(&ss, Some(&ca), "self.test", USE_SSL | ALLOW_SELFSIGNED),
            None
        );
        assert!(client_error(
            &ss,
            Some(&ca),
            "self.test",
            USE_SSL | ALLOW_INSECURE | ALLOW_EXPIRED
        )
        .is_some());
        // Self-signed allowed, the name is still checked.
        assert!(
            client_error(&ss, Some(&ca), "x.test", USE_SSL | ALLOW_SELFSIGNED)
                .unwrap()
                .contains("tls=hostname")
        );
        // The system store does not know our CA.
        assert!(client_error(&good, None, "good.test", USE_SSL)
            .unwrap()
            .contains("unknown issuer"));
    }

    #[test]
    fn client_certificate_required_present_missing_optional() {
        let ca = Ca::new("Test CA");
        let leaf = ca.leaf("srv.test", Algo::Ecdsa);
        let user = ca.leaf("user", Algo::Ecdsa);
        let require = |s: &mut ServerSpec| {
            s.options = 4098;
            s.ca = Some(Source::Mem(ca.cert_pem.clone().into_bytes()));
        };
        let (scfg, _) = server_cfg(&[("srv.test", &leaf)], require);
        // Missing: the server refuses the handshake.
        let ct = client_tls(Some(&ca), |_| {});
        let (mut c, mut s) = pair(
            ct.config(client::USE_SSL, None).unwrap(),
            "srv.test",
            scfg.clone(),
        );
        pump(&mut c, &mut s, 4096);
        assert!(
            s.error().unwrap().contains("peer sent no certificates"),
            "{:?}",
            s.error()
        );
        // Present, with an encrypted key.
        let enc = encrypt_key_pem(&user.key_der, b"pw");
        let ct = client_tls(Some(&ca), |sp| {
            sp.cert = Some(Source::Mem(user.cert_pem.clone().into_bytes()));
            sp.key = Some(Source::Mem(enc.into_bytes()));
            sp.password = Some(b"pw".to_vec());
        });
        let (mut c, mut s) = pair(ct.config(client::USE_SSL, None).unwrap(), "srv.test", scfg);
        pump(&mut c, &mut s, 4096);
        assert!(s.handshake_done(), "{:?}", s.error());
        assert_eq!(s.peer_certificates().unwrap()[0], user.cert_der);
        // Optional (PEER_CERT_NOT_REQUIRED): no certificate is fine.
        let (scfg, _) = server_cfg(&[("srv.test", &leaf)], |s| {
            require(s);
            s.options |= 1 << 7;
        });
        let ct = client_tls(Some(&ca), |_| {});
        let (mut c, mut s) = pair(ct.config(client::USE_SSL, None).unwrap(), "srv.test", scfg);
        pump(&mut c, &mut s, 4096);
        assert!(s.handshake_done() && s.peer_certificates().is_none());
    }

    #[test]
    fn sni_picks_the_vhost_certificate_and_reload_swaps_it() {
        let ca = Ca::new("Test CA");
        let a = ca.leaf("a.test", Algo::Ecdsa);
        let b = ca.leaf("b.test", Algo::Ed25519);
        let c3 = ca.leaf("c.test", Algo::Ecdsa);
        let (scfg, resolver) =
            server_cfg(&[("a.test", &a), ("b.test", &b), ("c.test", &c3)], |_| {});
        let ct = client_tls(Some(&ca), |_| {});
        for (host, leaf) in [("a.test", &a), ("b.test", &b), ("c.test", &c3)] {
            let (mut c, mut s) = pair(
                ct.config(client::USE_SSL, None).unwrap(),
                host,
                scfg.clone(),
            );
            pump(&mut c, &mut s, 4096);
            assert!(c.handshake_done(), "{host}: {:?}", c.error());
            assert_eq!(c.peer_certificates().unwrap()[0], leaf.cert_der);
            assert_eq!(
                resolver
                    .select(s.sni())
                    .map(|i| resolver.entries[i].names[0].clone()),
                Some(host.to_string())
            );
        }
        // Reload b.test's certificate: new handshakes get the new one.
        let b2 = ca.leaf("b.test", Algo::Ecdsa);
        assert!(resolver.entries[1]
            .slot
            .reload(b"junk", b2.key_pem.as_bytes(), None)
            .is_err());
        resolver.entries[1]
            .slot
            .reload(b2.cert_pem.as_bytes(), b2.key_pem.as_bytes(), None)
            .unwrap();
        // A fresh session store: a resumed session would not show the certificate again.
        let ct = client_tls(Some(&ca), |_| {});
        let (mut c, mut s) = pair(ct.config(client::USE_SSL, None).unwrap(), "b.test", scfg);
        pump(&mut c, &mut s, 4096);
        assert_eq!(c.peer_certificates().unwrap()[0], b2.cert_der);
    }

    #[test]
    fn sessions_resume_per_vhost_store() {
        assert_eq!(resumptions(false), vec![false, true]);
    }

    #[test]
    fn disable_tls_session_cache_never_resumes() {
        assert_eq!(resumptions(true), vec![false, false]);
    }

    fn resumptions(no_cache: bool) -> Vec<bool> {
        let ca = Ca::new("Test CA");
        let leaf = ca.leaf("r.test", Algo::Ecdsa);
        let (scfg, _) = server_cfg(&[("r.test", &leaf)], |_| {});
        let ct = client_tls(Some(&ca), |s| s.no_session_cache = no_cache);
        let mut resumed = Vec::new();
        for _ in 0..2 {
            let (mut c, mut s) = pair(
                ct.config(client::USE_SSL, None).unwrap(),
                "r.test",
                scfg.clone(),
            );
            pump(&mut c, &mut s, 4096);
            // TLS 1.3 tickets arrive after the handshake: exchange a little data.
            s.write_plain(b"x");
            pump(&mut c, &mut s, 4096);
            assert_eq!(read_all(&mut c), b"x");
            resumed.push(c.is_resumed());
        }
        resumed
    }

    #[test]
    fn garbage_fails_the_server_handshake() {
        let ca = Ca::new("Test CA");
        let leaf = ca.leaf("g.test", Algo::Ecdsa);
        let (scfg, _) = server_cfg(&[("g.test", &leaf)], |_| {});
        let mut s = TlsSession::server(scfg).unwrap();
        assert!(s.feed(b"GET / HTTP/1.1\r\nHost: g.test\r\n\r\n").is_err());
        assert!(s.error().is_some() && !s.handshake_done());
        assert!(s.feed(b"more").is_err());
    }
}
