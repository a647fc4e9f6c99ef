#!/usr/bin/env python3
"""`make deb`: Debian packages of the library, built with dpkg-deb from a `make install`
into a staging directory (PREFIX=/usr, the multiarch libdir), so the package holds exactly
what `make install` installs:

  libwebsockets-rsSOVERSION   the shared library, libwebsockets.so.SOVERSION
  libwebsockets-rs-dev        headers, lws_config.h, libwebsockets/ sub-headers, the static
                              library, the .so link, pkg-config files, the CMake package, docs,
                              the man pages (gzip-compressed, as Debian wants them)

They take the place of Debian's lws packages of the same ABI: libwebsockets-rs-dev
Provides, Conflicts with and Replaces libwebsockets-dev (so apt swaps one for the other,
both ways, and packages that build-depend on libwebsockets-dev accept ours), and the
library package does the same for libwebsockets19 / libwebsockets19t64 (lws 4.3's
libwebsockets.so.19 in Debian).  Debian's libwebsockets17 (4.1.6, another soname) stays.

    make_deb.py --version 4.3.10 --soversion 19 [--out build/deb] [--revision rs1]

Prints the paths of the two .deb files."""
import argparse, hashlib, os, re, shutil, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAINTAINER = "libwebsockets-rs maintainers <libwebsockets-rs@localhost>"
DESCRIPTION = """\
 A memory-safe, drop-in replacement for libwebsockets 4.3, written in Rust: the
 same C API (names, values, struct layouts, callback order) and the same
 libwebsockets.so.19.  WebSocket and HTTP/1.1 servers and clients, TLS
 (rustls) and permessage-deflate; no HTTP/2 yet (see MATRIX.md in the -dev
 package)."""


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stdout}{p.stderr}")
    return p.stdout


def host_arch():
    arch = sh(["dpkg", "--print-architecture"]).strip()
    try:
        ma = sh(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"]).strip()
    except (OSError, SystemExit):
        ma = sh([os.environ.get("CC", "cc"), "-print-multiarch"]).strip()
    return arch, ma


def shlib_depends(so):
    """Depends of the library package, from what the .so needs: the newest symbol version
    it uses of each library it links.  An unknown library stops the build (the package
    would not say what it needs)."""
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", sh(["readelf", "-d", so]))
    versions = sh(["objdump", "-T", so])

    def newest(tag):
        vs = re.findall(tag + r"_([0-9.]+)", versions)
        return max(vs, key=lambda v: [int(x) for x in v.split(".")]) if vs else None
    deps = []
    for lib in needed:
        if lib in ("libc.so.6", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1"):
            if not any(d.startswith("libc6") for d in deps):
                v = newest("GLIBC")
                deps.append("libc6" + (f" (>= {v})" if v else ""))
        elif lib == "libgcc_s.so.1":
            v = newest("GCC")
            deps.append("libgcc-s1" + (f" (>= {'.'.join(v.split('.')[:2])})" if v else ""))
        else:
            sys.exit(f"{so} needs {lib}: add its Debian package to tools/make_deb.py")
    return ", ".join(deps)


def installed_size(root):
    total = 0
    for d, _, files in os.walk(root):
        if os.path.basename(d) == "DEBIAN":
            continue
        for f in files:
            p = os.path.join(d, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return (total + 1023) // 1024


def copyright_file(root, pkg):
    d = os.path.join(root, "usr", "share", "doc", pkg)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "copyright"), "w") as f:
        f.write("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
                "Upstream-Name: libwebsockets-rs\n\n"
                "Files: *\nCopyright: the libwebsockets-rs authors\nLicense: MIT\n"
                " The names, values and layouts of the C API are libwebsockets 4.3's; the\n"
                " code and the headers are this project's own.\n")


def control(root, fields):
    os.makedirs(os.path.join(root, "DEBIAN"), exist_ok=True)
    sums = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not (d == root and x == "DEBIAN"))
        for f in sorted(files):
            p = os.path.join(d, f)
            if not os.path.islink(p):
                h = hashlib.md5(open(p, "rb").read()).hexdigest()
                sums.append(f"{h}  {os.path.relpath(p, root)}\n")
    with open(os.path.join(root, "DEBIAN", "md5sums"), "w") as f:
        f.writelines(sums)
    fields["Installed-Size"] = str(installed_size(root))
    order = ["Package", "Source", "Version", "Architecture", "Multi-Arch", "Maintainer",
             "Installed-Size", "Depends", "Provides", "Conflicts", "Replaces", "Section",
             "Priority", "Description"]
    with open(os.path.join(root, "DEBIAN", "control"), "w") as f:
        for k in order:
            if fields.get(k):
                f.write(f"{k}: {fields[k]}\n")


def move(stage, root, rel):
    src, dst = os.path.join(stage, rel), os.path.join(root, rel)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    os.rename(src, dst)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", required=True)
    ap.add_argument("--soversion", required=True)
    ap.add_argument("--revision", default="rs1")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "deb"))
    a = ap.parse_args()
    arch, ma = host_arch()
    debver = f"{a.version}-{a.revision}"
    libpkg, devpkg = f"libwebsockets-rs{a.soversion}", "libwebsockets-rs-dev"
    out = os.path.abspath(a.out)
    stage = os.path.join(out, "stage")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(stage)
    libdir = f"/usr/lib/{ma}"
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    sh([os.environ.get("MAKE", "make"), "-s", "-C", ROOT, "install", "DESTDIR=" + stage,
        "PREFIX=/usr", "INSTALL_LIBDIR=" + libdir, f"INSTALL_DOCDIR=/usr/share/doc/{devpkg}"],
       env=env)

    libroot, devroot = os.path.join(out, libpkg), os.path.join(out, devpkg)
    so = f"{libdir}/libwebsockets.so.{a.soversion}".lstrip("/")
    move(stage, libroot, so)
    os.rename(stage, devroot)
    copyright_file(libroot, libpkg)
    copyright_file(devroot, devpkg)
    # Debian policy: man pages are compressed, with no timestamp in the gzip header.
    mandir = os.path.join(devroot, "usr", "share", "man", "man3")
    if os.path.isdir(mandir):
        pages = sorted(os.path.join(mandir, p) for p in os.listdir(mandir) if p.endswith(".3"))
        if pages:
            sh(["gzip", "-9n"] + pages)
    # The library package: ldconfig runs after it is unpacked (the trigger libc-bin
    # handles), and packages built against it depend on it through its shlibs entry.
    os.makedirs(os.path.join(libroot, "DEBIAN"), exist_ok=True)
    with open(os.path.join(libroot, "DEBIAN", "triggers"), "w") as f:
        f.write("activate-noawait ldconfig\n")
    with open(os.path.join(libroot, "DEBIAN", "shlibs"), "w") as f:
        f.write(f"libwebsockets {a.soversion} {libpkg} (>= {debver})\n")
    debian_lib = [f"libwebsockets{a.soversion}", f"libwebsockets{a.soversion}t64"]
    common = {"Source": "libwebsockets-rs", "Version": debver, "Architecture": arch,
              "Multi-Arch": "same", "Maintainer": MAINTAINER,
              "Priority": "optional"}
    control(libroot, dict(common, Package=libpkg, Section="libs",
                          Depends=shlib_depends(os.path.join(libroot, so)),
                          Provides=", ".join(f"{p} (= {a.version})" for p in debian_lib),
                          Conflicts=", ".join(debian_lib), Replaces=", ".join(debian_lib),
                          Description="WebSocket and HTTP library with lws 4.3's C ABI, in Rust\n"
                          + DESCRIPTION))
    control(devroot, dict(common, Package=devpkg, Section="libdevel",
                          Depends=f"{libpkg} (= {debver})",
                          Provides=f"libwebsockets-dev (= {a.version})",
                          Conflicts="libwebsockets-dev", Replaces="libwebsockets-dev",
                          Description="WebSocket and HTTP library with lws 4.3's C ABI, in Rust "
                          "(development files)\n" + DESCRIPTION + "\n .\n This package has "
                          "the headers (libwebsockets.h, lws_config.h), the static\n library, "
                          "pkg-config files, the CMake package (find_package(libwebsockets))\n "
                          "and the API's man pages (man 3 libwebsockets)."))
    debs = []
    for pkg, root in ((libpkg, libroot), (devpkg, devroot)):
        deb = os.path.join(out, f"{pkg}_{debver}_{arch}.deb")
        sh(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", root, deb])
        debs.append(deb)
    for d in debs:
        print(os.path.relpath(d, os.getcwd()) if d.startswith(os.getcwd()) else d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
