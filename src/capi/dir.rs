//! lws-misc.h's directory helpers: `lws_dir()` walks one directory calling a callback per
//! entry; `lws_dir_rm_rf_cb` and `lws_dir_glob_cb` are ready-made callbacks for it.  The
//! listing and the glob rule are in `crate::dir`.
use crate::abi::{lws_dir_entry, lws_dir_glob_t};
use crate::dir;
use core::ffi::{c_char, c_int, c_void};

type DirCb = Option<
    unsafe extern "C" fn(
        dirpath: *const c_char,
        user: *mut c_void,
        lde: *mut lws_dir_entry,
    ) -> c_int,
>;

/// Calls `cb` for each entry of `dirpath` in name order (no ".", "..", nor names with a
/// '~').  Returns 0 when a callback returned nonzero (the walk stops there), 1 when the
/// walk ran to the end or the directory could not be read.
#[no_mangle]
pub unsafe extern "C" fn lws_dir(dirpath: *const c_char, user: *mut c_void, cb: DirCb) -> c_int {
    entry!(fail = 1, {
        // SAFETY: NULL or a C string, per the caller.
        let Some(path) = (unsafe { super::cstr(dirpath) }) else {
            lwsl_err!("lws_dir: NULL dirpath");
            return 1;
        };
        let Some(cb) = cb else {
            lwsl_err!("lws_dir: NULL cb");
            return 1;
        };
        let entries = match dir::list(path) {
            Ok(e) => e,
            Err(e) => {
                lwsl_err!(
                    "Scandir on '{}' failed, errno {}",
                    String::from_utf8_lossy(path),
                    e.raw_os_error().unwrap_or(0)
                );
                return 1;
            }
        };
        for (name, ty) in &entries {
            let mut lde = lws_dir_entry {
                name: name.as_ptr(),
                r#type: crate::abi::LDOT_UNKNOWN,
            };
            // SAFETY: the member is a C enum, an int; LDOT_BLOCK is not in the Rust enum,
            // so the value is stored as the int it is.
            unsafe {
                core::ptr::addr_of_mut!(lde.r#type)
                    .cast::<c_int>()
                    .write(*ty)
            };
            // SAFETY: a C callback given by the program; lde and name outlive the call.
            if unsafe { cb(dirpath, user, &mut lde) } != 0 {
                return 0;
            }
        }
        1
    })
}

/// The entry's name and type (read as the int C stored).
///
/// # Safety
/// `lde` is NULL or a valid entry whose name is NULL or a C string.
unsafe fn entry<'a>(lde: *const lws_dir_entry) -> Option<(&'a [u8], c_int)> {
    if lde.is_null() {
        return None;
    }
    // SAFETY: per the caller; the enum member is read as the int it is in C.
    unsafe {
        let name = super::cstr((*lde).name)?;
        Some((
            name,
            core::ptr::addr_of!((*lde).r#type).cast::<c_int>().read(),
        ))
    }
}

/// An `lws_dir()` callback that deletes each entry: files are unlinked, directories
/// emptied (not following a symlink to one) and removed.  Failures are logged; the walk
/// always goes on.  Unlike lws, a path longer than 383 bytes is used whole, not cut.
#[no_mangle]
pub unsafe extern "C" fn lws_dir_rm_rf_cb(
    dirpath: *const c_char,
    user: *mut c_void,
    lde: *mut lws_dir_entry,
) -> c_int {
    let _ = user;
    ffi!("lws_dir_rm_rf_cb", 0, {
        // SAFETY: C strings and an entry from lws_dir() (or the program), per the caller.
        let (Some(dirp), Some((name, ty))) =
            (unsafe { super::cstr(dirpath) }, unsafe { entry(lde) })
        else {
            lwsl_err!("lws_dir_rm_rf_cb: NULL argument");
            return 0;
        };
        if name == b"." || name == b".." {
            return 0;
        }
        let Some(path) = dir::join(dirp, name) else {
            return 0;
        };
        if ty == dir::LDOT_DIR {
            let mut dummy = [0u8; 8];
            // SAFETY: path is a C string, dummy a writable buffer of its length.
            let is_link =
                unsafe { libc::readlink(path.as_ptr(), dummy.as_mut_ptr().cast(), dummy.len()) }
                    >= 0;
            if !is_link {
                // SAFETY: path is a C string; the callback is this function.
                unsafe { lws_dir(path.as_ptr(), core::ptr::null_mut(), Some(lws_dir_rm_rf_cb)) };
            }
            // SAFETY: path is a C string.
            if unsafe { libc::rmdir(path.as_ptr()) } != 0 {
                lwsl_warn!(
                    "lws_dir_rm_rf_cb: rmdir {} failed {}",
                    path.to_string_lossy(),
                    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
                );
            }
        } else {
            // SAFETY: path is a C string.
            if unsafe { libc::unlink(path.as_ptr()) } != 0 {
                lwsl_warn!(
                    "lws_dir_rm_rf_cb: unlink {} failed {} (type {})",
                    path.to_string_lossy(),
                    std::io::Error::last_os_error().raw_os_error().unwrap_or(0),
                    ty
                );
            }
        }
        0
    })
}

/// An `lws_dir()` callback whose `user` is an `lws_dir_glob_t`: each entry that is not a
/// directory and matches its filter (lws's rule: "prefix*suffix") is passed, as
/// dirpath/name, to the glob's callback.  The walk always goes on.
#[no_mangle]
pub unsafe extern "C" fn lws_dir_glob_cb(
    dirpath: *const c_char,
    user: *mut c_void,
    lde: *mut lws_dir_entry,
) -> c_int {
    entry!(fail = 0, {
        need!(user);
        let g = user as *const lws_dir_glob_t;
        // SAFETY: C strings and an entry from lws_dir() (or the program), per the caller.
        let (Some(dirp), Some((name, ty))) =
            (unsafe { super::cstr(dirpath) }, unsafe { entry(lde) })
        else {
            lwsl_err!("lws_dir_glob_cb: NULL argument");
            return 0;
        };
        if name == b"." || name == b".." || ty == dir::LDOT_DIR {
            return 0;
        }
        // SAFETY: user is the program's lws_dir_glob_t, per the caller.
        let (filter, cb, cb_user) = unsafe { ((*g).filter, (*g).cb, (*g).user) };
        // SAFETY: the filter is NULL or a C string.
        let Some(filter) = (unsafe { super::cstr(filter) }) else {
            lwsl_err!("lws_dir_glob_cb: NULL filter");
            return 0;
        };
        if dir::glob_match(name, filter) {
            if let (Some(cb), Some(path)) = (cb, dir::join(dirp, name)) {
                // SAFETY: the program's callback with its own user pointer; path lives
                // across the call.
                unsafe { cb(cb_user, path.as_ptr()) };
            }
        }
        0
    })
}
