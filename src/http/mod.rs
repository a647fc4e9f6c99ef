//! HTTP server pieces with no I/O: request-target sanitising, URI arguments, MIME types,
//! byte ranges, basic auth, ETag/cache headers and the POST body parser behind
//! `lws_spa_*`.  Each follows lws 4.3's behaviour, named in its module's doc.
pub mod spa;
pub mod uri;
