//! The engine's old paths, kept so C-surface files written against them still build
//! while they are merged; new code names `core`, `roles`, `transport` and `evloop`.
#![allow(unused_imports)]
pub(crate) use crate::core::*;
pub(crate) use crate::core::{context as service_ctx, options, retry, timer};

/// Was engine/service.rs.
pub(crate) mod service {
    pub(crate) use crate::core::context::*;
    pub(crate) use crate::core::service::*;
    pub(crate) use crate::core::sul::*;
}

/// Was engine/wsi.rs.
pub(crate) mod wsi {
    pub(crate) use crate::core::adopt::*;
    pub(crate) use crate::core::close::*;
    pub(crate) use crate::core::output::*;
    pub(crate) use crate::core::service::*;
    pub(crate) use crate::core::wsi::*;
    pub(crate) use crate::roles::h1::*;
    pub(crate) use crate::roles::ws::server::*;
    pub(crate) use crate::roles::ws::*;
}

/// Was engine/http.rs.
pub(crate) mod http {
    pub(crate) use crate::roles::http::file::*;
    pub(crate) use crate::roles::http::headers::*;
    pub(crate) use crate::roles::http::server::*;
}

/// Was engine/client.rs.
pub(crate) mod client {
    pub(crate) use crate::core::connect::*;
    pub(crate) use crate::roles::ws::client::*;
}
