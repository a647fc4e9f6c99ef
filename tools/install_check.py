"""The `install` and `deb` built-in checks of tools/run_capi_tests.py.

install: `make install` into a temporary prefix, then
  - the tree is lws 4.3's layout (INSTALLED below), the .so stripped with a debug link, the
    .a without debug info or LLVM bitcode and with only the lws API global;
  - capi-tests/install-project/prog.c built with `pkg-config libwebsockets` (shared) and
    `pkg-config --static libwebsockets_static`, and the CMake project beside it
    (find_package(libwebsockets CONFIG), require_lws_config, the targets websockets and
    websockets_shared); each program runs and prints lws_get_library_version(), which must
    be ours ("-rs") and equal lws_config.h's LWS_LIBRARY_VERSION, and the shared ones load
    the prefix's libwebsockets.so.19 (ldd).  Debian's libwebsockets-dev being installed
    too is the point: every file must still come from the prefix;
  - require_lws_config(... requirements) stops CMake when a requirement is not met;
  - `make install-debug` adds the .so's debug info where gdb looks for it;
  - `make uninstall` leaves no file behind.
deb: `make deb`, then the packages installed with dpkg into a throwaway root (its own
  dpkg database, no maintainer scripts: nothing of the real system is touched) where a
  stand-in libwebsockets-dev is installed first and must be replaced; the same programs
  built against that root, with pkg-config (PKG_CONFIG_SYSROOT_DIR) and CMake; and
  `apt-get -s` (a simulation) must swap the system's libwebsockets-dev for ours.  The real
  system keeps Debian's libwebsockets-dev, which the differential run needs.
"""
import os, re, shlex, shutil, subprocess, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROJECT = os.path.join(ROOT, "capi-tests", "install-project")
SUBHEADERS = open(os.path.join(ROOT, "abi", "lws-4.3-subheaders.txt")).read().split()

# What `make install` must put under the prefix (lws 4.3's own layout), besides the
# libwebsockets/lws-*.h sub-headers.
INSTALLED = [
    "include/libwebsockets.h", "include/lws_config.h",
    "lib/libwebsockets.so.19", "lib/libwebsockets.so", "lib/libwebsockets.a",
    "lib/pkgconfig/libwebsockets.pc", "lib/pkgconfig/libwebsockets_static.pc",
    "lib/cmake/libwebsockets/libwebsockets-config.cmake",
    "lib/cmake/libwebsockets/libwebsockets-config-version.cmake",
    "lib/cmake/libwebsockets/LibwebsocketsTargets.cmake",
    "lib/cmake/libwebsockets/LwsCheckRequirements.cmake",
    "share/doc/libwebsockets/README.md", "share/doc/libwebsockets/MATRIX.md",
    "share/doc/libwebsockets/api-reference.html",
    # the man pages (tools/gen_man_pages.py): the overview and a function and a struct page
    "share/man/man3/libwebsockets.3", "share/man/man3/lws_create_context.3",
    "share/man/man3/lws_context_creation_info.3",
]


class Fail(Exception):
    pass


def sh(cmd, env=None, cwd=None, ok=True, timeout=300):
    """Runs cmd; returns (rc, stdout+stderr as text).  ok=True: a failure raises Fail."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd,
                           timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Fail(f"{shlex.join(cmd)}: {e}")
    out = p.stdout + p.stderr
    if ok and p.returncode != 0:
        raise Fail(f"{shlex.join(cmd)} exited {p.returncode}:\n" + indent(out))
    return p.returncode, out


def indent(s, n=40):
    lines = s.rstrip("\n").splitlines()
    if len(lines) > n:
        lines = [f"... ({len(lines) - n} lines before)"] + lines[-n:]
    return "\n".join("    " + l for l in lines)


def need(tool, package):
    if not shutil.which(tool):
        raise Fail(f"{tool} not found: install it (apt-get install {package}); .ci/run does")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "LD_LIBRARY_PATH", "PKG_CONFIG_PATH",
                        "PKG_CONFIG_LIBDIR", "PKG_CONFIG_SYSROOT_DIR", "CMAKE_PREFIX_PATH")}
    env.update(extra)
    return env


def sections(path):
    return set(re.findall(r"^\s*\[\s*\d+\]\s+(\S+)", sh(["readelf", "-S", "-W", path])[1], re.M))


def globals_defined(path):
    out = sh(["readelf", "-s", "-W", path])[1]
    syms = set()
    for l in out.splitlines():
        f = l.split()
        if len(f) >= 8 and f[4] in ("GLOBAL", "WEAK") and f[6] != "UND":
            syms.add(f[7].split("@")[0])
    return syms


def loads_from(exe, libdir, env):
    """The libwebsockets.so.19 that exe loads, per ldd; Fail unless it is libdir's."""
    out = sh(["ldd", exe], env=env)[1]
    line = next((l.strip() for l in out.splitlines() if "libwebsockets" in l), "")
    want = os.path.join(libdir, "libwebsockets.so.19")
    if want not in line:
        raise Fail(f"{os.path.basename(exe)} does not load {want}: ldd says `{line}`")
    return line.split(" (")[0]


def run_prog(exe, env, lines, label):
    rc, out = sh([exe], env=env, ok=False, timeout=60)
    lines.append(f"{label}: {out.strip()} [exit {rc}]")
    if rc != 0 or not out.startswith("library ") or "-rs," not in out:
        raise Fail(f"{label}: {os.path.basename(exe)} failed (exit {rc}): {out.strip()}")


def not_dynamic(exe):
    if "libwebsockets" in sh(["readelf", "-d", exe])[1]:
        raise Fail(f"{os.path.basename(exe)} was to be linked statically but needs a shared libwebsockets")


def build_pkgconfig(cc, pcenv, work, lines, runenv, libdir, tag):
    """prog.c against `pkg-config libwebsockets` and `pkg-config --static libwebsockets_static`."""
    src = os.path.join(PROJECT, "prog.c")
    for pc, static in (("libwebsockets", False), ("libwebsockets_static", True)):
        flags = sh(["pkg-config", "--cflags", "--libs"] + (["--static"] if static else []) + [pc],
                   env=pcenv)[1].strip()
        ver = sh(["pkg-config", "--modversion", pc], env=pcenv)[1].strip()
        lines.append(f"{tag}pkg-config {'--static ' if static else ''}{pc} {ver}: {flags}")
        exe = os.path.join(work, f"prog-pc-{'static' if static else 'shared'}")
        sh(cc + ["-std=gnu11", "-Wall", "-Wextra", "-Werror", src, "-o", exe] + shlex.split(flags))
        if static:
            not_dynamic(exe)
            run_prog(exe, clean_env(), lines, f"{tag}  static program")
        else:
            lines.append(f"{tag}  ldd: {loads_from(exe, libdir, runenv)}")
            run_prog(exe, runenv, lines, f"{tag}  shared program")


def build_cmake(prefix, work, lines, libdir, tag):
    """The CMake project in capi-tests/install-project against CMAKE_PREFIX_PATH=prefix."""
    bdir = os.path.join(work, "cmake-build")
    env = clean_env()
    _, out = sh(["cmake", "-S", PROJECT, "-B", bdir, "-DCMAKE_PREFIX_PATH=" + prefix,
                 "-DCMAKE_BUILD_TYPE=Release"], env=env)
    found = re.search(r"lws-install-check: found (.*)", out)
    status = re.search(r"lws-install-check: (requirements=.*)", out)
    if not found or not status:
        raise Fail("the CMake project did not report what it found:\n" + indent(out))
    where = found.group(1).strip()
    if not os.path.realpath(where).startswith(os.path.realpath(prefix) + "/"):
        raise Fail(f"find_package(libwebsockets) found {where}, not the package under {prefix}")
    lines.append(f"{tag}cmake: libwebsockets_DIR {os.path.relpath(where, prefix)} (under the prefix)")
    lines.append(f"{tag}  require_lws_config: {status.group(1).strip()}")
    want = ("requirements=1 optional=0 optional2=0 met=1 HAS_LWS_ROLE_WS=1 "
            "HAS_LWS_PLAT_FREERTOS=0")
    if status.group(1).strip() != want:
        raise Fail(f"require_lws_config answered `{status.group(1).strip()}`, want `{want}`")
    sh(["cmake", "--build", bdir], env=env)
    shared, static = os.path.join(bdir, "prog-shared"), os.path.join(bdir, "prog-static")
    # no LD_LIBRARY_PATH: CMake's build RPATH must point at the prefix
    lines.append(f"{tag}  ldd prog-shared: {loads_from(shared, libdir, env)}")
    run_prog(shared, env, lines, f"{tag}  prog-shared")
    not_dynamic(static)
    run_prog(static, env, lines, f"{tag}  prog-static (target websockets)")


def check_requirements_fatal(cmakedir, work, lines):
    """require_lws_config with the variable `requirements` stops CMake on an unmet
    requirement (lws's contract), and passes a met one (cmake -P: no compiler needed)."""
    script = os.path.join(work, "req.cmake")
    for cfg, val, want_rc in (("LWS_PLAT_FREERTOS", 1, 1), ("LWS_ROLE_WS", 0, 1), ("LWS_ROLE_WS", 1, 0)):
        with open(script, "w") as f:
            f.write(f'include("{cmakedir}/LwsCheckRequirements.cmake")\nset(requirements 1)\n'
                    f"require_lws_config({cfg} {val} requirements)\n"
                    'message(STATUS "requirements=${requirements}")\n')
        rc, out = sh(["cmake", "-P", script], ok=False)
        said = "stops" if rc else "passes"
        lines.append(f"cmake -P: require_lws_config({cfg} {val} requirements) {said}")
        if (rc != 0) != bool(want_rc) or (rc and cfg not in out):
            raise Fail(f"require_lws_config({cfg} {val} requirements): exit {rc}, want "
                       f"{'an error naming ' + cfg if want_rc else 'success'}:\n" + indent(out))


def other_lws(lines):
    if os.path.exists("/usr/include/libwebsockets.h"):
        m = re.search(r'#define LWS_LIBRARY_VERSION "([^"]*)"',
                      open("/usr/include/lws_config.h").read() if os.path.exists("/usr/include/lws_config.h") else "")
        lines.append(f"also on this machine: /usr/include/libwebsockets.h (lws {m.group(1) if m else '?'})")


CONFIG_MACRO = re.compile(r"#define (LWS_(?:WITH|WITHOUT|ROLE|HAVE|HAS|PLAT)_\w+|LWS_MAX_SMP|LWS_LOGS_\w+)\b")


def check_lws_config(cc, prefix, lines):
    """lws_config.h must hold every configuration macro libwebsockets.h defines (it is
    cut out of the header by tools/install_files.py; this catches one left behind)."""
    inc = os.path.join(prefix, "include")
    got = {}
    for name in ("libwebsockets.h", "lws_config.h"):
        p = subprocess.run(cc + ["-E", "-dM", "-I" + inc, "-x", "c", "-"], capture_output=True,
                           text=True, input=f"#include <{name}>\n")
        if p.returncode != 0:
            raise Fail(f"{name} does not preprocess:\n" + indent(p.stderr))
        got[name] = {m.group(1) for m in map(CONFIG_MACRO.match, p.stdout.splitlines()) if m}
    missing = sorted(got["libwebsockets.h"] - got["lws_config.h"])
    if missing:
        raise Fail("lws_config.h lacks configuration macros libwebsockets.h defines: "
                   + " ".join(missing) + " (see tools/install_files.py's lws_config())")
    lines.append(f"lws_config.h: {len(got['lws_config.h'])} configuration macros, "
                 "the same as libwebsockets.h's")


def check_layout(prefix, lines):
    missing = [p for p in INSTALLED + [f"include/libwebsockets/{h}" for h in SUBHEADERS]
               if not os.path.lexists(os.path.join(prefix, p))]
    if missing:
        raise Fail("make install did not install: " + " ".join(missing))
    lib = os.path.join(prefix, "lib")
    if os.readlink(os.path.join(lib, "libwebsockets.so")) != "libwebsockets.so.19":
        raise Fail("lib/libwebsockets.so is not a link to libwebsockets.so.19")
    so, a = os.path.join(lib, "libwebsockets.so.19"), os.path.join(lib, "libwebsockets.a")
    s = sections(so)
    if any(x.startswith(".debug_") for x in s) or ".gnu_debuglink" not in s:
        raise Fail("libwebsockets.so.19 is not stripped with a .gnu_debuglink: " + " ".join(sorted(s)))
    s = sections(a)
    bad = sorted(x for x in s if x.startswith((".debug_", ".llvmbc", ".llvmcmd")))
    if bad:
        raise Fail("libwebsockets.a still has " + " ".join(bad))
    exports = globals_defined(so)
    extra = sorted(globals_defined(a) - exports)
    if extra:
        raise Fail(f"libwebsockets.a has {len(extra)} global symbols the .so does not export, e.g. "
                   + " ".join(extra[:8]))
    lines.append(f"layout: {len(INSTALLED)} files + {len(SUBHEADERS)} libwebsockets/lws-*.h; "
                 f"libwebsockets.so.19 {os.path.getsize(so) // 1024} KiB stripped, "
                 f"libwebsockets.a {os.path.getsize(a) // 1024} KiB, "
                 f"{len(exports)} global symbols in each")


def check_install(cc, build):
    """Returns (transcript lines, failure message or None)."""
    lines = []
    tmp = tempfile.mkdtemp(prefix="install-", dir=build)
    prefix, work = os.path.join(tmp, "prefix"), os.path.join(tmp, "work")
    os.makedirs(work)
    try:
        need("pkg-config", "pkg-config")
        need("cmake", "cmake")
        other_lws(lines)
        make = os.environ.get("MAKE") or "make"
        sh([make, "-s", "-C", ROOT, "install", "PREFIX=" + prefix], env=clean_env(), timeout=900)
        check_layout(prefix, lines)
        check_lws_config(cc, prefix, lines)
        libdir = os.path.join(prefix, "lib")
        pcenv = clean_env(PKG_CONFIG_PATH=os.path.join(libdir, "pkgconfig"))
        flags = sh(["pkg-config", "--cflags", "libwebsockets"], env=pcenv)[1].split()
        if "-I" + os.path.join(prefix, "include") not in flags:
            raise Fail(f"pkg-config --cflags libwebsockets does not point at the prefix: {flags}")
        build_pkgconfig(cc, pcenv, work, lines, clean_env(LD_LIBRARY_PATH=libdir), libdir, "")
        build_cmake(prefix, work, lines, libdir, "")
        check_requirements_fatal(os.path.join(libdir, "cmake", "libwebsockets"), work, lines)
        sh([make, "-s", "-C", ROOT, "install-debug", "PREFIX=" + prefix], env=clean_env())
        dbg = os.path.join(libdir, ".debug", "libwebsockets.so.19.debug")
        if not os.path.exists(dbg) or ".debug_info" not in sections(dbg):
            raise Fail("make install-debug did not install lib/.debug/libwebsockets.so.19.debug "
                       "with the debug info")
        lines.append("make install-debug: lib/.debug/libwebsockets.so.19.debug "
                     f"{os.path.getsize(dbg) // 1024} KiB (the .so's .gnu_debuglink names it)")
        sh([make, "-s", "-C", ROOT, "uninstall", "PREFIX=" + prefix], env=clean_env())
        left = [os.path.relpath(os.path.join(d, f), prefix)
                for d, _, fs in os.walk(prefix) for f in fs]
        left += [os.path.relpath(os.path.join(d, x), prefix) for d, ds, _ in os.walk(prefix)
                 for x in ds if os.path.islink(os.path.join(d, x))]
        if left:
            raise Fail("make uninstall left: " + " ".join(sorted(left)))
        lines.append("make uninstall: nothing left")
        return lines, None
    except Fail as e:
        return lines, str(e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


STANDIN_CONTROL = """Package: libwebsockets-dev
Version: 4.1.6-3
Architecture: {arch}
Maintainer: install check <nobody@localhost>
Description: stand-in for Debian's libwebsockets-dev (tools/install_check.py)
"""


def dpkg_root(root, args):
    """dpkg on the throwaway root's own database.  Dependencies are not there (libc6...), so
    they are forced; our packages have no maintainer scripts, so nothing runs chrooted."""
    cmd = ["dpkg", "--root=" + root, "--force-depends", "--force-not-root"] + args
    if os.geteuid() != 0:
        need("fakeroot", "fakeroot")
        cmd = ["fakeroot"] + cmd
    return sh(cmd)[1]


def dpkg_status(root, pkg):
    rc, out = sh(["dpkg-query", "--admindir=" + os.path.join(root, "var/lib/dpkg"), "-W",
                  "-f=${Status}", pkg], ok=False)
    return out.strip() if rc == 0 else "unknown"


def check_deb(cc, build):
    lines = []
    tmp = tempfile.mkdtemp(prefix="deb-", dir=build)
    out, root, work = (os.path.join(tmp, x) for x in ("out", "root", "work"))
    os.makedirs(work)
    try:
        need("dpkg-deb", "dpkg")
        need("pkg-config", "pkg-config")
        need("cmake", "cmake")
        make = os.environ.get("MAKE") or "make"
        debs = sh([make, "-s", "-C", ROOT, "deb", "DEB_OUT=" + out], env=clean_env(),
                  timeout=900)[1].split()
        debs = [os.path.join(ROOT, d) for d in debs if d.endswith(".deb")]
        lib = next((d for d in debs if re.search(r"/libwebsockets-rs\d+_", d)), None)
        dev = next((d for d in debs if "/libwebsockets-rs-dev_" in d), None)
        if not lib or not dev:
            raise Fail("make deb did not name its two packages: " + " ".join(debs))
        for d in (lib, dev):
            f = sh(["dpkg-deb", "-f", d, "Package", "Version", "Provides", "Conflicts", "Replaces"])[1]
            lines.append(os.path.basename(d) + ": " + "; ".join(f.strip().splitlines()))
        listing = sh(["dpkg-deb", "-c", dev])[1]
        if "./usr/share/man/man3/libwebsockets.3.gz" not in listing:
            raise Fail("libwebsockets-rs-dev has no usr/share/man/man3/libwebsockets.3.gz")
        lines.append("libwebsockets-rs-dev: %d man pages" % listing.count("/man3/"))
        fields = sh(["dpkg-deb", "-f", dev, "Provides", "Conflicts", "Replaces"])[1]
        for k in ("Provides", "Conflicts", "Replaces"):
            if not re.search(rf"^{k}: .*\blibwebsockets-dev\b", fields, re.M):
                raise Fail(f"libwebsockets-rs-dev's {k} does not name libwebsockets-dev:\n{fields}")

        # A throwaway root with its own dpkg database, holding a stand-in libwebsockets-dev
        # that owns the same header path as Debian's.
        admin = os.path.join(root, "var", "lib", "dpkg")
        for d in ("info", "updates", "triggers"):
            os.makedirs(os.path.join(admin, d))
        open(os.path.join(admin, "status"), "w").close()
        arch = sh(["dpkg", "--print-architecture"])[1].strip()
        sroot = os.path.join(work, "standin")
        os.makedirs(os.path.join(sroot, "DEBIAN"))
        os.makedirs(os.path.join(sroot, "usr", "include"))
        with open(os.path.join(sroot, "DEBIAN", "control"), "w") as f:
            f.write(STANDIN_CONTROL.format(arch=arch))
        with open(os.path.join(sroot, "usr", "include", "libwebsockets.h"), "w") as f:
            f.write("#error the stand-in libwebsockets-dev's header\n")
        standin = os.path.join(work, "standin.deb")
        sh(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", sroot, standin])
        dpkg_root(root, ["-i", standin])
        before = dpkg_status(root, "libwebsockets-dev")
        dpkg_root(root, ["-i", lib, dev])
        after = {p: dpkg_status(root, p) for p in ("libwebsockets-dev", "libwebsockets-rs-dev",
                                                   os.path.basename(lib).split("_")[0])}
        lines.append(f"dpkg --root: stand-in libwebsockets-dev `{before}`, after installing ours: "
                     + ", ".join(f"{p} `{s}`" for p, s in after.items()))
        standin_now = after.pop("libwebsockets-dev")
        gone = standin_now == "unknown" or standin_now.endswith(("not-installed", "config-files"))
        if before != "install ok installed" or not gone or \
                any(s != "install ok installed" for s in after.values()):
            raise Fail("dpkg did not swap the stand-in libwebsockets-dev for ours: "
                       f"before `{before}`, after `{standin_now}`, ours {after}")
        hdr = open(os.path.join(root, "usr", "include", "libwebsockets.h")).read()
        if "#error the stand-in" in hdr:
            raise Fail("/usr/include/libwebsockets.h is still the stand-in's")

        ma = os.path.basename(os.path.dirname(next(
            os.path.join(d, f) for d, _, fs in os.walk(os.path.join(root, "usr", "lib"))
            for f in fs if f == "libwebsockets.so.19")))
        libdir = os.path.join(root, "usr", "lib", ma)
        pcenv = clean_env(PKG_CONFIG_LIBDIR=os.path.join(libdir, "pkgconfig"),
                          PKG_CONFIG_SYSROOT_DIR=root)
        build_pkgconfig(cc, pcenv, work, lines, clean_env(LD_LIBRARY_PATH=libdir), libdir,
                        "root: ")
        build_cmake(os.path.join(root, "usr"), work, lines, libdir, "root: ")

        # The real system, simulated only: apt must accept ours in place of its lws.
        if shutil.which("apt-get"):
            rc, sim = sh(["apt-get", "-s", "-o", "Debug::NoLocking=1", "install", lib, dev],
                         env=clean_env(LC_ALL="C"), ok=False)
            acts = [l for l in sim.splitlines() if l.startswith(("Inst ", "Remv "))]
            lines.append("apt-get -s install (the real system, simulated): "
                         + "; ".join(a.split(" [")[0].split(" (")[0] for a in acts))
            if rc != 0 or not any(a.startswith("Inst libwebsockets-rs-dev") for a in acts):
                raise Fail("apt-get -s would not install ours:\n" + indent(sim))
            dev_installed = sh(["dpkg-query", "-W", "-f=${Status}", "libwebsockets-dev"],
                               ok=False)[1].strip() == "install ok installed"
            if dev_installed and not any(a.startswith("Remv libwebsockets-dev") for a in acts):
                raise Fail("apt-get -s installs ours beside Debian's libwebsockets-dev "
                           "instead of replacing it:\n" + indent(sim))
        return lines, None
    except Fail as e:
        return lines, str(e)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
