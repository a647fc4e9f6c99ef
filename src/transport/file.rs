//! A non-socket descriptor (pipe, fifo, tty) adopted for the raw-file role: read(2) and
//! write(2) instead of recv/send.  The connection owns the descriptor and closes it.
use core::ffi::c_int;
use std::io::ErrorKind;

pub(crate) struct FileFd {
    fd: c_int,
}

impl FileFd {
    /// Takes ownership of `fd` and makes it non-blocking (the loop must never stall on
    /// it).
    pub(crate) fn adopt(fd: c_int) -> std::io::Result<FileFd> {
        set_nonblocking(fd)?;
        Ok(FileFd { fd })
    }

    pub(crate) fn fd(&self) -> c_int {
        self.fd
    }

    /// # Safety
    /// `buf[..cap]` is writable and nothing else uses it during the call.
    pub(crate) unsafe fn read(&mut self, buf: *mut u8, cap: usize) -> Result<usize, ErrorKind> {
        // SAFETY: fd is ours; buf[..cap] per the caller.
        let r = unsafe { libc::read(self.fd, buf.cast(), cap) };
        if r >= 0 {
            Ok(r as usize)
        } else {
            Err(std::io::Error::last_os_error().kind())
        }
    }

    pub(crate) fn write(&mut self, data: &[u8]) -> Result<usize, ErrorKind> {
        // SAFETY: fd is ours; data is readable.
        let r = unsafe { libc::write(self.fd, data.as_ptr().cast(), data.len()) };
        if r >= 0 {
            Ok(r as usize)
        } else {
            Err(std::io::Error::last_os_error().kind())
        }
    }

    pub(crate) fn poll_writable(&self) -> bool {
        super::plain::poll_out(self.fd)
    }
}

impl Drop for FileFd {
    fn drop(&mut self) {
        // SAFETY: the descriptor was handed to us by adoption and is closed once, here.
        unsafe { libc::close(self.fd) };
    }
}

/// O_NONBLOCK on any descriptor.
pub(crate) fn set_nonblocking(fd: c_int) -> std::io::Result<()> {
    // SAFETY: fcntl on a caller-supplied descriptor; a bad one fails with EBADF.
    let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    // SAFETY: as above.
    if fl < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Whether `fd` is a socket (adoption picks the transport by what the descriptor is).
pub(crate) fn is_socket(fd: c_int) -> bool {
    // SAFETY: fstat into a zeroed stat buffer.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: st is writable.
    unsafe { libc::fstat(fd, &mut st) == 0 && (st.st_mode & libc::S_IFMT) == libc::S_IFSOCK }
}
