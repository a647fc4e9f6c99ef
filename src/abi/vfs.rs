//! lws-vfs.h's file-operations types and lws-misc.h's directory-walk types, with lws's
//! member names, order and widths: programs read `struct lws_fop_fd` and fill in their
//! own `struct lws_plat_file_ops` tables.
#![allow(non_camel_case_types)]
use super::consts::lws_dir_obj_type_t;
use super::types::{lws_filefd_type, lws_fileofs_t, lws_filepos_t};
use core::ffi::{c_char, c_int, c_void};

/// LWS_FOP_FLAG_* bits and the open(2) flags of a VFS open.
pub type lws_fop_flags_t = u32;
/// An open VFS file, as the fops functions take it.
pub type lws_fop_fd_t = *mut lws_fop_fd;

/// One open file as a fops table sees it.
#[repr(C)]
pub struct lws_fop_fd {
    /// The platform descriptor of the open file.
    pub fd: lws_filefd_type,
    /// The file-operations table that opened it.
    pub fops: *const lws_plat_file_ops,
    /// For the file-operations table's own state.
    pub filesystem_priv: *mut c_void,
    /// The current read/write position.
    pub pos: lws_filepos_t,
    /// The file's length.
    pub len: lws_filepos_t,
    /// LWS_FOP_FLAG_* bits set by the open.
    pub flags: lws_fop_flags_t,
    /// The file's modification time (with LWS_FOP_FLAG_MOD_TIME_VALID).
    pub mod_time: u32,
}

/// A path signature (".zip/") that sends a virtual path to the fops holding it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct lws_fops_index {
    /// A path part (such as ".zip/") that sends the rest of a path to this table.
    pub sig: *const c_char,
    /// The length of `sig`.
    pub len: u8,
}

/// A file-operations table; tables are chained through `next`, the platform's first.
#[repr(C)]
pub struct lws_plat_file_ops {
    /// Opens `filename` (`vpath`: the part inside a virtual file system); `*flags` in: O_* and
    /// LWS_FOP_FLAG_*, out: what the file is. Returns the open file or NULL.
    pub open: Option<
        unsafe extern "C" fn(
            fops: *const lws_plat_file_ops,
            filename: *const c_char,
            vpath: *const c_char,
            flags: *mut lws_fop_flags_t,
        ) -> lws_fop_fd_t,
    >,
    /// Closes `*fop_fd` and sets it to NULL; returns 0 on success.
    pub close: Option<unsafe extern "C" fn(fop_fd: *mut lws_fop_fd_t) -> c_int>,
    /// Moves the position by `offset_from_cur_pos`; returns the new position, or -1.
    pub seek_cur: Option<
        unsafe extern "C" fn(
            fop_fd: lws_fop_fd_t,
            offset_from_cur_pos: lws_fileofs_t,
        ) -> lws_fileofs_t,
    >,
    /// Reads up to `len` bytes into `buf`, the count read going to `*amount`; returns 0 on
    /// success.
    pub read: Option<
        unsafe extern "C" fn(
            fop_fd: lws_fop_fd_t,
            amount: *mut lws_filepos_t,
            buf: *mut u8,
            len: lws_filepos_t,
        ) -> c_int,
    >,
    /// Writes `len` bytes of `buf`, the count written going to `*amount`; returns 0 on success.
    pub write: Option<
        unsafe extern "C" fn(
            fop_fd: lws_fop_fd_t,
            amount: *mut lws_filepos_t,
            buf: *mut u8,
            len: lws_filepos_t,
        ) -> c_int,
    >,
    /// The path signatures this table handles (a virtual file system's ".zip/"...), empty ones
    /// unused.
    pub fi: [lws_fops_index; 3],
    /// The next table of the chain, or NULL.
    pub next: *const lws_plat_file_ops,
}

/// What `lws_dir()` tells its callback about one directory entry.  `type` is read as an
/// int: a program may pass any value in it.
#[repr(C)]
pub struct lws_dir_entry {
    /// The entry's name within its directory.
    pub name: *const c_char,
    /// What the entry is (`enum lws_dir_obj_type_t`).
    pub r#type: lws_dir_obj_type_t,
}

/// Called with each path lws_dir_glob_cb matched (the `data` of `struct lws_dir_glob`).
pub type lws_dir_glob_cb_t =
    Option<unsafe extern "C" fn(data: *mut c_void, path: *const c_char) -> c_int>;

/// `lws_dir_glob_cb()`'s user pointer: a filter such as "*.txt" and where matches go.
#[repr(C)]
pub struct lws_dir_glob {
    pub filter: *const c_char,
    pub cb: lws_dir_glob_cb_t,
    pub user: *mut c_void,
}
/// See `struct lws_dir_glob`.
pub type lws_dir_glob_t = lws_dir_glob;
