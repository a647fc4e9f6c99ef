//! lws-vfs.h: the file-operations tables (`struct lws_plat_file_ops`) through which lws
//! reaches files, and the platform's own one, `_lws_plat_file_*` on POSIX descriptors.
//! `struct lws_fop_fd` is allocated with malloc, as lws does, and read by programs.
use crate::abi::{
    lws_fileofs_t, lws_filepos_t, lws_fop_fd, lws_fop_fd_t, lws_fop_flags_t, lws_fops_index,
    lws_plat_file_ops,
};
use crate::core::lws_context;
use core::cell::UnsafeCell;
use core::ffi::{c_char, c_int, CStr};
use core::ptr;

/// The low bits of the flags that are open(2) flags (lws's LWS_FOP_FLAGS_MASK).
const FLAGS_MASK: lws_fop_flags_t = (1 << 23) - 1;

struct Table(UnsafeCell<lws_plat_file_ops>);
// SAFETY: we never write the table; programs that write through lws_get_fops()'s pointer
// (lws hands out a mutable one) do so on their own thread, as with lws's context member.
unsafe impl Sync for Table {}

const NO_SIG: lws_fops_index = lws_fops_index {
    sig: ptr::null(),
    len: 0,
};

/// The platform table every context uses (contexts refuse `info.fops`, so there is one
/// table for all of them).
static PLATFORM: Table = Table(UnsafeCell::new(lws_plat_file_ops {
    open: Some(_lws_plat_file_open),
    close: Some(_lws_plat_file_close),
    seek_cur: Some(_lws_plat_file_seek_cur),
    read: Some(_lws_plat_file_read),
    write: Some(_lws_plat_file_write),
    fi: [NO_SIG; 3],
    next: ptr::null(),
}));

/// The context's file-operations table: the platform one.
#[no_mangle]
pub unsafe extern "C" fn lws_get_fops(context: *mut lws_context) -> *mut lws_plat_file_ops {
    ffi!("lws_get_fops", ptr::null_mut(), {
        need!("lws_get_fops", context, ptr::null_mut());
        PLATFORM.0.get()
    })
}

/// Opens `filename` with the open(2) flags in `*flags` (created files get mode 0664),
/// close-on-exec.  NULL when it cannot be opened.
#[no_mangle]
pub unsafe extern "C" fn _lws_plat_file_open(
    fops: *const lws_plat_file_ops,
    filename: *const c_char,
    vpath: *const c_char,
    flags: *mut lws_fop_flags_t,
) -> lws_fop_fd_t {
    let _ = vpath;
    ffi!("_lws_plat_file_open", ptr::null_mut(), {
        need!("_lws_plat_file_open", filename, ptr::null_mut());
        need!("_lws_plat_file_open", flags, ptr::null_mut());
        // SAFETY: flags is readable, per the caller.
        let fl = unsafe { *flags };
        let oflags = (fl & FLAGS_MASK) as c_int | libc::O_CLOEXEC;
        // SAFETY: filename is a C string; the mode is only read when O_CREAT is given.
        let fd = unsafe { libc::open(filename, oflags, 0o664 as libc::c_uint) };
        if fd < 0 {
            return ptr::null_mut();
        }
        // SAFETY: an all-zero stat is a valid value for fstat to fill.
        let mut st: libc::stat = unsafe { core::mem::zeroed() };
        // SAFETY: fd is ours and open; st is writable.
        let p = if unsafe { libc::fstat(fd, &mut st) } < 0 {
            ptr::null_mut()
        } else {
            // SAFETY: plain allocation, checked next.
            unsafe { libc::calloc(1, core::mem::size_of::<lws_fop_fd>()) as lws_fop_fd_t }
        };
        if p.is_null() {
            // SAFETY: fd is ours.
            unsafe { libc::close(fd) };
            return ptr::null_mut();
        }
        // SAFETY: p is a fresh allocation of the struct's size and alignment (malloc's
        // alignment covers it).
        unsafe {
            p.write(lws_fop_fd {
                fd,
                fops,
                filesystem_priv: ptr::null_mut(),
                pos: 0,
                len: st.st_size as lws_filepos_t,
                flags: fl,
                // lws leaves this unset (it does not set LWS_FOP_FLAG_MOD_TIME_VALID);
                // the real time is more useful than garbage
                mod_time: st.st_mtime as u32,
            })
        };
        p
    })
}

/// Closes the file, frees `*fop_fd` and sets it to NULL; close(2)'s result.
#[no_mangle]
pub unsafe extern "C" fn _lws_plat_file_close(fop_fd: *mut lws_fop_fd_t) -> c_int {
    ffi!("_lws_plat_file_close", -1, {
        need!("_lws_plat_file_close", fop_fd, -1);
        // SAFETY: fop_fd points at a handle from _lws_plat_file_open, per the caller.
        unsafe {
            let f = *fop_fd;
            need!("_lws_plat_file_close", f, -1);
            let fd = (*f).fd;
            libc::free(f.cast());
            *fop_fd = ptr::null_mut();
            libc::close(fd)
        }
    })
}

/// Moves the position by `offset`, kept within 0..=len; the new position, or -1.
#[no_mangle]
pub unsafe extern "C" fn _lws_plat_file_seek_cur(
    fop_fd: lws_fop_fd_t,
    offset: lws_fileofs_t,
) -> lws_fileofs_t {
    ffi!("_lws_plat_file_seek_cur", -1, {
        need!("_lws_plat_file_seek_cur", fop_fd, -1);
        // SAFETY: a handle from _lws_plat_file_open, per the caller.
        let f = unsafe { &mut *fop_fd };
        let (pos, len) = (f.pos as lws_fileofs_t, f.len as lws_fileofs_t);
        let mut offset = offset;
        if offset > 0 && offset > len.wrapping_sub(pos) {
            offset = len.wrapping_sub(pos);
        }
        if pos.wrapping_add(offset) < 0 {
            offset = pos.wrapping_neg();
        }
        // SAFETY: lseek on the handle's descriptor.
        let r = unsafe { libc::lseek(f.fd, offset as libc::off_t, libc::SEEK_CUR) };
        if r >= 0 {
            f.pos = r as lws_filepos_t;
        } else {
            lwsl_err!("error seeking from cur {}, offset {}", pos, offset);
        }
        r as lws_fileofs_t
    })
}

/// read(2) or write(2) of up to `len` bytes at the current position; `*amount` gets the
/// count (0 on error).  0, or -1 on error.
///
/// # Safety
/// As for `_lws_plat_file_read`.
unsafe fn rw(
    name: &str,
    fop_fd: lws_fop_fd_t,
    amount: *mut lws_filepos_t,
    buf: *mut u8,
    len: lws_filepos_t,
    write: bool,
) -> c_int {
    if fop_fd.is_null() || amount.is_null() || (buf.is_null() && len > 0) {
        lwsl_err!("{}: NULL argument", name);
        return -1;
    }
    // SAFETY: a handle from _lws_plat_file_open and len accessible bytes at buf, per the
    // caller.
    unsafe {
        let f = &mut *fop_fd;
        let n = if write {
            libc::write(f.fd, buf.cast(), len as usize)
        } else {
            libc::read(f.fd, buf.cast(), len as usize)
        };
        if n < 0 {
            *amount = 0;
            return -1;
        }
        f.pos += n as lws_filepos_t;
        *amount = n as lws_filepos_t;
    }
    0
}

/// The platform (plain POSIX file) read of the VFS layer: reads up to `len` bytes into `buf`
/// from the file behind `fop_fd` and stores the count in `*amount`, advancing the position.
/// Returns 0, or -1 on a read error or a NULL argument.
#[no_mangle]
pub unsafe extern "C" fn _lws_plat_file_read(
    fop_fd: lws_fop_fd_t,
    amount: *mut lws_filepos_t,
    buf: *mut u8,
    len: lws_filepos_t,
) -> c_int {
    // SAFETY: the caller's pointers, checked inside.
    ffi!("_lws_plat_file_read", -1, {
        unsafe { rw("_lws_plat_file_read", fop_fd, amount, buf, len, false) }
    })
}

/// The platform write of the VFS layer: writes `len` bytes of `buf` to the file behind
/// `fop_fd` and stores the count written in `*amount`. Returns 0, or -1 on error or NULL.
#[no_mangle]
pub unsafe extern "C" fn _lws_plat_file_write(
    fop_fd: lws_fop_fd_t,
    amount: *mut lws_filepos_t,
    buf: *mut u8,
    len: lws_filepos_t,
) -> c_int {
    // SAFETY: the caller's pointers, checked inside.
    ffi!("_lws_plat_file_write", -1, {
        unsafe { rw("_lws_plat_file_write", fop_fd, amount, buf, len, true) }
    })
}

/// The table of the chain starting at `fops` that claims `path`: the first later table
/// one of whose signatures ends just before a '/' of the path (then `*vpath` is what
/// follows that '/'), else `fops` itself with `*vpath` NULL.
///
/// # Safety
/// `fops` is a valid chain of tables whose signatures are C strings at least `len - 1`
/// bytes long; `path` is a C string.
unsafe fn select_fops(
    fops: *const lws_plat_file_ops,
    path: &CStr,
    vpath: &mut *const c_char,
) -> *const lws_plat_file_ops {
    *vpath = ptr::null();
    // SAFETY: per the caller.
    let first_next = unsafe { (*fops).next };
    if first_next.is_null() {
        return fops;
    }
    let b = path.to_bytes();
    for (i, _) in b.iter().enumerate().filter(|(_, &c)| c == b'/') {
        let mut pf = first_next;
        while !pf.is_null() {
            // SAFETY: pf is a table of the chain, per the caller.
            let t = unsafe { &*pf };
            for fi in t.fi.iter().take_while(|fi| !fi.sig.is_null()) {
                let l = fi.len as usize;
                if l == 0 || i < l {
                    continue;
                }
                // SAFETY: the signature has at least len - 1 bytes, per the caller.
                let sig = unsafe { core::slice::from_raw_parts(fi.sig.cast::<u8>(), l - 1) };
                if b[i + 1 - l..i] == *sig {
                    // SAFETY: i + 1 <= the path's length: the NUL at worst.
                    *vpath = unsafe { path.as_ptr().add(i + 1) };
                    return pf;
                }
            }
            pf = t.next;
        }
    }
    fops
}

/// Opens `vfs_path` through the table of `fops`'s chain that claims it (the platform's
/// unless a signature such as ".zip/" in the path names another).
#[no_mangle]
pub unsafe extern "C" fn lws_vfs_file_open(
    fops: *const lws_plat_file_ops,
    vfs_path: *const c_char,
    flags: *mut lws_fop_flags_t,
) -> lws_fop_fd_t {
    ffi!("lws_vfs_file_open", ptr::null_mut(), {
        need!("lws_vfs_file_open", fops, ptr::null_mut());
        need!("lws_vfs_file_open", vfs_path, ptr::null_mut());
        let mut vpath = ptr::null();
        // SAFETY: a table chain and a C string, per the caller.
        let sel = unsafe { select_fops(fops, CStr::from_ptr(vfs_path), &mut vpath) };
        // SAFETY: sel is one of the chain's tables.
        let Some(open) = (unsafe { (*sel).open }) else {
            lwsl_err!("lws_vfs_file_open: the fops has no open");
            return ptr::null_mut();
        };
        // SAFETY: the table's own open, called as lws calls it (with the chain's head).
        unsafe { open(fops, vfs_path, vpath, flags) }
    })
}

/// Returns the current position in the open VFS file `fop_fd` (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_vfs_tell(fop_fd: lws_fop_fd_t) -> lws_filepos_t {
    ffi!("lws_vfs_tell", 0, {
        need!("lws_vfs_tell", fop_fd, 0);
        // SAFETY: an open handle, per the caller.
        unsafe { (*fop_fd).pos }
    })
}

/// Returns the length of the open VFS file `fop_fd` as known when it was opened (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_vfs_get_length(fop_fd: lws_fop_fd_t) -> lws_filepos_t {
    ffi!("lws_vfs_get_length", 0, {
        need!("lws_vfs_get_length", fop_fd, 0);
        // SAFETY: an open handle, per the caller.
        unsafe { (*fop_fd).len }
    })
}

/// The handle's `mod_time`, meaningful only when its flags hold LWS_FOP_FLAG_MOD_TIME_VALID.
#[no_mangle]
pub unsafe extern "C" fn lws_vfs_get_mod_time(fop_fd: lws_fop_fd_t) -> u32 {
    ffi!("lws_vfs_get_mod_time", 0, {
        need!("lws_vfs_get_mod_time", fop_fd, 0);
        // SAFETY: an open handle, per the caller.
        unsafe { (*fop_fd).mod_time }
    })
}

/// Calls the handle's own seek_cur with `offset`.
///
/// # Safety
/// `fop_fd` is NULL or an open handle whose fops is valid.
unsafe fn seek(
    name: &str,
    fop_fd: lws_fop_fd_t,
    offset: impl Fn(&lws_fop_fd) -> lws_fileofs_t,
) -> lws_fileofs_t {
    if fop_fd.is_null() {
        lwsl_err!("{}: NULL fop_fd", name);
        return -1;
    }
    // SAFETY: per the caller.
    let f = unsafe { &*fop_fd };
    // SAFETY: the handle's fops, per the caller.
    let Some(seek_cur) = (unsafe { f.fops.as_ref() }).and_then(|t| t.seek_cur) else {
        lwsl_err!("{}: the handle's fops has no seek_cur", name);
        return -1;
    };
    let ofs = offset(f);
    // SAFETY: the table's own seek_cur on its own handle.
    unsafe { seek_cur(fop_fd, ofs) }
}

/// Seeks to `offset` from the start (through the handle's seek_cur).
#[no_mangle]
pub unsafe extern "C" fn lws_vfs_file_seek_set(
    fop_fd: lws_fop_fd_t,
    offset: lws_fileofs_t,
) -> lws_fileofs_t {
    ffi!("lws_vfs_file_seek_set", -1, {
        // SAFETY: the caller's handle, checked inside.
        unsafe {
            seek("lws_vfs_file_seek_set", fop_fd, |f| {
                offset.wrapping_sub(f.pos as lws_fileofs_t)
            })
        }
    })
}

/// lws 4.3 passes len + pos + `offset` to the handle's seek_cur (so from position 0,
/// `offset` from the end; the platform seek_cur then stops at the end).  Kept as lws
/// does it, since a program's own fops sees the value.
#[no_mangle]
pub unsafe extern "C" fn lws_vfs_file_seek_end(
    fop_fd: lws_fop_fd_t,
    offset: lws_fileofs_t,
) -> lws_fileofs_t {
    ffi!("lws_vfs_file_seek_end", -1, {
        // SAFETY: the caller's handle, checked inside.
        unsafe {
            seek("lws_vfs_file_seek_end", fop_fd, |f| {
                (f.len as lws_fileofs_t)
                    .wrapping_add(f.pos as lws_fileofs_t)
                    .wrapping_add(offset)
            })
        }
    })
}
