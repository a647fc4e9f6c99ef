//! A vhost's TLS state, as the core keeps it: the server certificate slot, the config
//! its listener hands to accepted connections (with the SNI resolver shared by the TLS
//! vhosts on that listener), and the client side built on first use.

use std::sync::{Arc, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::ServerConfig;

use super::client::{ClientSpec, ClientTls};
use super::server::{CertSlot, ServerSpec, SniEntry, SniResolver};
use super::TlsError;

/// The SNI resolver of one listener; vhosts created later on the same port join it.
#[derive(Debug)]
pub struct SharedResolver(pub RwLock<SniResolver>);

impl ResolvesServerCert for SharedResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .resolve(hello)
    }
}

#[derive(Default)]
pub struct VhostTls {
    /// What the creation info said (kept for reloads and the client side).
    pub spec: Option<ServerSpec>,
    /// This vhost's own certificate (server side), when it is a TLS vhost.
    pub slot: Option<Arc<CertSlot>>,
    /// On the vhost that owns a TLS listener: the config accepted connections use, and
    /// the resolver other vhosts on the port join.
    pub server: Option<Arc<ServerConfig>>,
    pub resolver: Option<Arc<SharedResolver>>,
    pub client_spec: Option<ClientSpec>,
    pub client: Option<ClientTls>,
    /// info.ssl_info_event_mask: the SSL_CB_* events LWS_CALLBACK_SSL_INFO reports.
    pub info_mask: i32,
}

impl VhostTls {
    /// Reads the creation info; a TLS vhost's certificate and key are loaded now, so a
    /// bad one fails the vhost's creation.
    ///
    /// # Safety
    /// As [`ServerSpec::from_info`]; `context_alpn` is the context's `alpn`.
    pub unsafe fn from_info(
        info: &crate::abi::lws_context_creation_info,
        context_alpn: Option<&str>,
    ) -> Result<VhostTls, TlsError> {
        // SAFETY: forwarded.
        let spec = unsafe { ServerSpec::from_info(info, context_alpn) };
        // SAFETY: forwarded.
        let client_spec = unsafe { ClientSpec::from_info(info) };
        let mut t = VhostTls {
            client_spec: Some(client_spec),
            info_mask: info.ssl_info_event_mask,
            ..Default::default()
        };
        if spec.is_tls() {
            t.slot = Some(CertSlot::new(spec.certified_key()?));
            t.spec = Some(spec);
        }
        Ok(t)
    }

    pub fn is_server(&self) -> bool {
        self.slot.is_some()
    }

    /// This vhost owns its listener: a TLS vhost makes the config for it.
    pub fn own_listener(&mut self, name: &str) -> Result<(), TlsError> {
        let (Some(spec), Some(slot)) = (&self.spec, &self.slot) else {
            return Ok(());
        };
        let r = Arc::new(SharedResolver(RwLock::new(SniResolver {
            entries: vec![SniEntry {
                names: vec![name.to_ascii_lowercase()],
                slot: slot.clone(),
            }],
        })));
        self.server = Some(spec.config(r.clone())?);
        self.resolver = Some(r);
        Ok(())
    }

    /// This vhost shares `owner`'s listener: its certificate joins the owner's resolver.
    pub fn join(&self, owner: &VhostTls, name: &str) -> Result<(), TlsError> {
        match (&self.slot, &owner.resolver) {
            (None, _) => Ok(()),
            (Some(slot), Some(r)) => {
                r.0.write()
                    .unwrap_or_else(|e| e.into_inner())
                    .entries
                    .push(SniEntry {
                        names: vec![name.to_ascii_lowercase()],
                        slot: slot.clone(),
                    });
                Ok(())
            }
            (Some(_), None) => Err(TlsError::new(
                "a TLS vhost cannot share the plain listener of an earlier vhost",
            )),
        }
    }

    /// The client side, built on first use (or by `lws_init_vhost_client_ssl`).
    pub fn client(&mut self) -> Result<&mut ClientTls, TlsError> {
        if self.client.is_none() {
            let spec = self.client_spec.clone().unwrap_or_default();
            self.client = Some(ClientTls::new(&spec)?);
        }
        Ok(self.client.as_mut().expect("set above"))
    }
}
