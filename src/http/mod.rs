//! HTTP pieces with no I/O: request heads (`request`), chunked bodies (`chunked`), request-target sanitising and URI arguments (`uri`),
//! MIME types (`mime`), byte ranges (`range`), basic auth (`auth`), ETag and
//! Cache-Control (`etag`), and the POST body parser behind `lws_spa_*` (`spa`).  Each
//! follows lws 4.3's behaviour, named in its module's doc.
pub mod auth;
pub mod chunked;
pub mod etag;
pub mod mime;
pub mod range;
pub mod request;
pub mod spa;
pub mod uri;
