//! The C types: the only input cbindgen reads for types (besides the opaque handles of
//! the core).  Layout is checked against abi/*.tsv by capi-tests/abi.
pub mod consts;
pub mod ext;
pub mod lejp;
pub mod logcx;
pub mod loops;
pub mod mapcache;
pub mod misc4;
pub mod system;
pub mod tls;
pub mod tokenize;
pub mod types;
pub use consts::*;
pub use ext::*;
pub use lejp::*;
pub use logcx::*;
pub use loops::*;
pub use mapcache::*;
pub use misc4::*;
pub use system::*;
pub use tls::*;
pub use tokenize::*;
pub use types::*;
pub mod vfs;
pub use vfs::*;
