//! HTTP server pieces with no I/O: request-target sanitising and URI arguments (`uri`),
//! MIME types (`mime`), byte ranges (`range`), basic auth (`auth`), ETag and
//! Cache-Control (`etag`), and the POST body parser behind `lws_spa_*` (`spa`).  Each
//! follows lws 4.3's behaviour, named in its module's doc.
pub mod auth;
pub mod etag;
pub mod mime;
pub mod range;
pub mod spa;
pub mod uri;
