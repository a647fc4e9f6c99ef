#!/usr/bin/env python3
"""Writes the generated files `make install` puts beside the library, laid out as lws 4.3
installs them, into OUT (the Makefile copies them from there):

    OUT/include/lws_config.h                  the build's feature macros (see lws_config())
    OUT/include/libwebsockets/lws-*.h         one forwarding header per lws 4.3 sub-header
    OUT/pkgconfig/libwebsockets.pc            shared library
    OUT/pkgconfig/libwebsockets_static.pc     static library and what it needs
    OUT/cmake/libwebsockets-config.cmake      find_package(libwebsockets CONFIG)
    OUT/cmake/libwebsockets-config-version.cmake
    OUT/cmake/LibwebsocketsTargets.cmake      imported targets websockets, websockets_shared
    OUT/cmake/LwsCheckRequirements.cmake      require_lws_config(), require_pthreads()

    install_files.py --out DIR --prefix P --libdir L --includedir I --version V --soversion N
    install_files.py --lws-config HEADER      print the lws_config.h made from HEADER

The CMake files come from cmake/*.in; the paths in them are relative to the CMake directory,
so an installed tree still works after it is moved (a .deb unpacked with dpkg-deb -x)."""
import argparse, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What a static link needs besides libwebsockets.a: what rustc reports for a staticlib on
# Linux (`--print native-static-libs`), minus -lc, which every C link has.
STATIC_DEPS = ["gcc_s", "util", "rt", "pthread", "m", "dl"]

BEGIN, END = "lws_config.h: begin", "lws_config.h: end"
VERSION_MACROS = re.compile(r"#define LWS_LIBRARY_VERSION(_MAJOR|_MINOR|_PATCH|_NUMBER)?\b")


def lws_config(header_path):
    """lws_config.h's text, made from libwebsockets.h so the list of features lives in one
    place (cbindgen.toml's after_includes).  Taken from the header: the LWS_LIBRARY_VERSION*
    macros, and the configuration block: the `#define LWS_...` lines between comments
    holding `lws_config.h: begin` and `lws_config.h: end` if the header has them, else those
    after `#define LWS_LIBRARY_VERSION "..."` and before `#define LWS_VISIBLE`, except
    LWS_FEATURE_* (API revision markers, which lws keeps in libwebsockets.h).  Each line
    is copied as it is, so a program including both files sees the same definitions
    twice, which C allows."""
    lines = open(header_path).read().splitlines()
    marked = [i for i, l in enumerate(lines) if BEGIN in l]
    if marked:
        start = marked[0] + 1
        end = next((i for i in range(start, len(lines)) if END in lines[i]), None)
        if end is None:
            sys.exit(f"{header_path}: `{BEGIN}` without `{END}`")
    else:
        start = next((i for i, l in enumerate(lines) if l.startswith('#define LWS_LIBRARY_VERSION "')), None)
        end = next((i for i, l in enumerate(lines) if l.startswith("#define LWS_VISIBLE")), None)
        if start is None or end is None or end < start:
            sys.exit(f"{header_path}: no `#define LWS_LIBRARY_VERSION \"...\"` line followed by "
                     "`#define LWS_VISIBLE` to find the configuration macros between")
        start += 1
    features = []
    for l in lines[start:end]:
        if (l.startswith("#define LWS_") and not l.startswith("#define LWS_FEATURE_")
                and not VERSION_MACROS.match(l)) or (features and features[-1].endswith("\\")):
            features.append(l)
    if not features:
        sys.exit(f"{header_path}: no configuration macros found (see tools/install_files.py)")
    version = []
    for i, l in enumerate(lines):
        if VERSION_MACROS.match(l):
            version.append(l)
            while lines[i].endswith("\\"):
                i += 1
                version.append(lines[i])
    if not any(l.startswith('#define LWS_LIBRARY_VERSION "') for l in version):
        sys.exit(f"{header_path}: no LWS_LIBRARY_VERSION")
    return "\n".join([
        "/* lws_config.h of the Rust libwebsockets: what this build provides, for programs",
        " * that test lws's configuration macros.  Generated from libwebsockets.h by",
        " * tools/install_files.py; libwebsockets.h defines the same macros itself, so",
        " * including this file is never required. */",
        "#ifndef LWS_CONFIG_H_RS",
        "#define LWS_CONFIG_H_RS",
        "",
    ] + version + [""] + features + ["", "#endif", ""])


def subheader(name):
    return (f"/* {name}: lws 4.3 spreads its API over libwebsockets/lws-*.h; here it is all in\n"
            " * libwebsockets.h, which this includes, so a program including this file directly\n"
            " * still builds. */\n#include <libwebsockets.h>\n")


def pc_dir(path, prefix):
    """A path under the prefix written as ${prefix}/..., as pkg-config files do."""
    if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
        return "${prefix}" + path[len(prefix.rstrip("/")):]
    return path


def pkgconfig(a):
    head = [f"prefix={a.prefix}", "exec_prefix=${prefix}",
            f"libdir={pc_dir(a.libdir, a.prefix)}", f"includedir={pc_dir(a.includedir, a.prefix)}", ""]
    deps = " ".join("-l" + d for d in STATIC_DEPS)
    shared = head + [
        "Name: libwebsockets",
        "Description: Websockets server and client library (the Rust implementation of lws 4.3)",
        f"Version: {a.version}",
        "Libs: -L${libdir} -lwebsockets",
        f"Libs.private: {deps}",
        "Cflags: -I${includedir}", ""]
    static = head + [
        "Name: libwebsockets_static",
        "Description: Websockets server and client static library (the Rust implementation of lws 4.3)",
        f"Version: {a.version}",
        "Libs: -L${libdir} -l:libwebsockets.a",
        f"Libs.private: {deps}",
        "Cflags: -I${includedir}", ""]
    return "\n".join(shared), "\n".join(static)


def cmake_files(a):
    cmakedir = os.path.join(a.libdir, "cmake", "libwebsockets")
    subst = {
        "VERSION": a.version,
        "SOVERSION": a.soversion,
        "REL_INCLUDEDIR": os.path.relpath(a.includedir, cmakedir),
        "REL_LIBDIR": os.path.relpath(a.libdir, cmakedir),
        "STATIC_DEPS": ";".join(STATIC_DEPS),
    }
    out = {}
    for name in ("libwebsockets-config.cmake", "libwebsockets-config-version.cmake",
                 "LibwebsocketsTargets.cmake", "LwsCheckRequirements.cmake"):
        text = open(os.path.join(ROOT, "cmake", name + ".in")).read()
        text = re.sub(r"@([A-Z_]+)@", lambda m: subst[m.group(1)], text)
        out[name] = text
    return out


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lws-config", metavar="HEADER")
    ap.add_argument("--out")
    ap.add_argument("--header", default=os.path.join(ROOT, "include", "libwebsockets.h"))
    ap.add_argument("--prefix")
    ap.add_argument("--libdir")
    ap.add_argument("--includedir")
    ap.add_argument("--version")
    ap.add_argument("--soversion")
    a = ap.parse_args()
    if a.lws_config:
        sys.stdout.write(lws_config(a.lws_config))
        return 0
    missing = [k for k in ("out", "prefix", "libdir", "includedir", "version", "soversion")
               if not getattr(a, k)]
    if missing:
        ap.error("missing " + ", ".join("--" + k for k in missing))
    for k in ("prefix", "libdir", "includedir"):
        if not os.path.isabs(getattr(a, k)):
            ap.error(f"--{k} must be absolute")
    write(os.path.join(a.out, "include", "lws_config.h"), lws_config(a.header))
    for name in open(os.path.join(ROOT, "abi", "lws-4.3-subheaders.txt")).read().split():
        write(os.path.join(a.out, "include", "libwebsockets", name), subheader(name))
    shared, static = pkgconfig(a)
    write(os.path.join(a.out, "pkgconfig", "libwebsockets.pc"), shared)
    write(os.path.join(a.out, "pkgconfig", "libwebsockets_static.pc"), static)
    for name, text in cmake_files(a).items():
        write(os.path.join(a.out, "cmake", name), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
