#!/usr/bin/env python3
"""Builds and runs the C API tests (`make capi`; `make test` runs it).

    run_capi_tests.py [NAME ...]     run only these tests / checks

Tests (see capi-tests/README.md for the conventions):
  capi-tests/X.c            compiled to build/capi/X and run; if capi-tests/X.py exists it is
                            a driver, run as `python3 capi-tests/X.py build/capi/X`
  capi-tests/Y.py (no Y.c)  a driver on its own, e.g. exercising build/examples/*
  examples-c/E.c            compiled to build/examples/E (drivers run them)
A test passes when it exits 0 within the time limit and, if capi-tests/X.expected exists,
its stdout equals that file byte for byte.  stdout goes to build/capi/X.out, stderr to
build/capi/X.err.

Built-in checks, reported like tests:
  abi      struct layouts and constant values of include/libwebsockets.h against abi/*.tsv
           (tools/gen_abi_test.py), plus the header compiled as C (-pedantic-errors), as
           C++, and included twice
  exports  every symbol libwebsockets.so exports is an lws 4.3 function; SONAME
  matrix   MATRIX.md agrees with abi/lws-4.3-symbols.tsv and the library (tools/check_matrix.py)
  docs     every function the header declares and the library exports, every enum value,
           struct member and src/abi/consts.rs constant has a comment right above its
           declaration (tools/check_header_docs.py)
  man      the man pages tools/gen_man_pages.py makes from the header (what `make install`
           puts in share/man/man3) render with `groff -man -ww` and `man -l` without a
           warning; every documented, implemented exported function has its page
  install  `make install` into a temporary prefix: lws 4.3's layout, programs built with
           pkg-config (shared and --static) and with CMake (find_package,
           require_lws_config) load ours, not the system's lws; `make uninstall`
           (tools/install_check.py)
  deb      `make deb`; the packages replace a stand-in libwebsockets-dev in a throwaway
           dpkg root, programs build against it; apt-get -s swaps the system's lws for ours

Environment:
  CC, CXX         compilers (cc, g++)
  LWS_INCLUDE     directory holding libwebsockets.h (include/)
  LWS_LIBDIR      directory holding libwebsockets.so (target/release); setting either runs
                  the tests against another libwebsockets (a differential run): exports,
                  matrix, docs, man, install and deb, which are about this project's build, are
                  skipped
  LWS_BUILD       build directory (build/)
                  (tests get LWS_HEADER_VERSION, MAJOR.MINOR of the header they are built
                  against, so drivers check 4.3-only behaviour against 4.3 only)
  VALGRIND=1      run every C test under valgrind (drivers get the prefix in LWS_WRAP)
  CAPI_TIMEOUT    seconds per test (120)
  CAPI_RESULTS    also write each result (compiled, exit status, verdict) to this JSON
                  file (tools/run_differential.py reads it)
"""
import difflib, glob, json, os, re, shlex, shutil, signal, subprocess, sys, tempfile, time

import install_check

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "capi-tests")
EXAMPLES = os.path.join(ROOT, "examples-c")
INCLUDE = os.path.abspath(os.environ.get("LWS_INCLUDE") or os.path.join(ROOT, "include"))
LIBDIR = os.path.abspath(os.environ.get("LWS_LIBDIR") or os.path.join(ROOT, "target", "release"))
OURS = not (os.environ.get("LWS_INCLUDE") or os.environ.get("LWS_LIBDIR"))
BUILD = os.path.abspath(os.environ.get("LWS_BUILD") or os.path.join(ROOT, "build"))
CAPI_OUT = os.path.join(BUILD, "capi")
EX_OUT = os.path.join(BUILD, "examples")
CC = shlex.split(os.environ.get("CC") or "cc")
CXX = shlex.split(os.environ.get("CXX") or "g++")
PYTHON = sys.executable or "python3"
TIMEOUT = float(os.environ.get("CAPI_TIMEOUT") or 120)
VALGRIND = ["valgrind", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "-q",
            # ring's AEAD assembly: see the file.
            "--suppressions=" + os.path.join(TESTS, "valgrind.supp")]
WRAP = VALGRIND if os.environ.get("VALGRIND") not in (None, "", "0") else []
CFLAGS = ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-I" + INCLUDE]
LIBS = ["-L" + LIBDIR, "-lwebsockets", "-lpthread"]
BUILTINS = ["abi", "exports", "matrix", "docs", "man", "install", "deb"]
KNOWN_ISSUES = os.path.join(TESTS, "known-issues.txt")


_header_version = None


def header_version():
    """MAJOR.MINOR of the libwebsockets.h tests are built against (for the drivers, which
    check what lws 4.3 does differently only against a 4.3 header, as the C tests do with
    LWS_LIBRARY_VERSION_MINOR)."""
    global _header_version
    if _header_version is None:
        p = subprocess.run(CC + ["-E", "-dM", "-I" + INCLUDE, "-x", "c", "-"],
                           input="#include <libwebsockets.h>\n", capture_output=True, text=True)
        macros = dict(l.split()[1:3] for l in p.stdout.splitlines()
                      if l.startswith("#define LWS_LIBRARY_VERSION_M") and len(l.split()) >= 3)
        _header_version = "%s.%s" % (macros.get("LWS_LIBRARY_VERSION_MAJOR", "?"),
                                     macros.get("LWS_LIBRARY_VERSION_MINOR", "?"))
    return _header_version


def test_env():
    env = dict(os.environ)
    # lws (and we) send every client of a vhost without a proxy of its own through the
    # one this names: the tests talk to 127.0.0.1 and must not depend on the caller's.
    env.pop("http_proxy", None)
    env["LWS_HEADER_VERSION"] = header_version()
    env["LD_LIBRARY_PATH"] = LIBDIR + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    env["LWS_BUILD"] = BUILD
    env["LWS_ROOT"] = ROOT
    env["LWS_WRAP"] = shlex.join(WRAP)
    env["PYTHONPATH"] = TESTS + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run(cmd, timeout=TIMEOUT, env=None, out=None, err=None, cwd=ROOT):
    """Runs cmd in its own process group; returns (rc, stdout, stderr, timed_out).
    Output goes through files, so a grandchild holding a pipe cannot hang us; whatever is
    left of the process group afterwards is killed."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        try:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                                 env=env, cwd=cwd, start_new_session=True)
        except OSError as e:
            return 127, b"", str(e).encode(), False
        timed_out = False
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        p.wait()
        fo.seek(0)
        fe.seek(0)
        o, e = fo.read(), fe.read()
    if out:
        with open(out, "wb") as f:
            f.write(o)
    if err:
        with open(err, "wb") as f:
            f.write(e)
    return p.returncode, o, e, timed_out


def text(b):
    return b.decode("utf-8", "replace")


def tail(s, n=60):
    lines = s.rstrip("\n").splitlines()
    if len(lines) > n:
        lines = [f"... ({len(lines) - n} lines before)"] + lines[-n:]
    return "\n".join("    " + l for l in lines)


class Result:
    def __init__(self, name):
        self.name, self.ok, self.msg, self.t0 = name, True, [], time.monotonic()
        self.transcript, self.problems = [], []
        self.compiled, self.rc, self.timed_out = None, None, False

    def fail(self, msg):
        self.ok = False
        self.msg.append(msg)
        return self

    def problem(self, line, detail=None):
        """A one-line finding of a built-in check: a failure unless capi-tests/known-issues.txt
        lists it as `NAME: line`."""
        self.problems.append((line, detail))


def apply_known_issues(res):
    """Turns a built-in check's problems into failures, except those listed in
    capi-tests/known-issues.txt (this project's own build only); a listed problem that no
    longer happens fails too, so the list stays true."""
    known = set()
    if OURS and os.path.exists(KNOWN_ISSUES):
        for l in open(KNOWN_ISSUES):
            l = l.rstrip("\n")
            if l.strip() and not l.startswith("#") and l.startswith(res.name + ": "):
                known.add(l[len(res.name) + 2:])
    seen = set()
    for line, detail in res.problems:
        seen.add(line)
        if line in known:
            res.transcript.append(line + "   [known issue]")
        else:
            res.fail(line + ("\n" + detail if detail else ""))
    for line in sorted(known - seen):
        res.fail(f"fixed: remove `{res.name}: {line}` from capi-tests/known-issues.txt")
    out = os.path.join(CAPI_OUT, res.name + ".out")
    if res.name != "matrix":
        with open(out, "w") as f:
            f.write("\n".join(res.transcript + [l for l, _ in res.problems]) + "\n")


def capi_libs(src):
    # A test that also uses another library says so in a comment: `capi-libs: -luv`
    # (or another build, `capi-libs: -fsanitize=thread`).
    with open(src, errors="replace") as f:
        m = re.search(r"capi-libs: ([-\w .=]+?)\s*\*/", f.read(4096))
    return m.group(1).split() if m else []


def compile_c(src, exe, res):
    libs = LIBS + capi_libs(src)
    rc, o, e, to = run(CC + CFLAGS + [src] + libs + ["-o", exe], timeout=300)
    if rc != 0:
        res.fail(f"compile failed: {shlex.join(CC + CFLAGS + [os.path.relpath(src, ROOT)] + libs)}\n"
                 + tail(text(o + e)))
        return False
    return True


def check_transcript(name, res, out):
    exp = os.path.join(TESTS, name + ".expected")
    if not os.path.exists(exp):
        return
    want = open(exp, "rb").read()
    if want != out:
        diff = difflib.unified_diff(text(want).splitlines(True), text(out).splitlines(True),
                                    f"capi-tests/{name}.expected", f"build/capi/{name}.out")
        res.fail("stdout differs from the expected transcript:\n" + tail("".join(diff), 80))


def run_test(name, exe):
    """A capi-tests test: exe is build/capi/NAME, or None for a driver without a .c."""
    res = Result(name)
    driver = os.path.join(TESTS, name + ".py")
    if os.path.exists(driver):
        cmd = [PYTHON, driver] + ([exe] if exe else [])
    else:
        src = os.path.join(TESTS, name + ".c")
        # A sanitizer build checks itself (valgrind cannot run it).
        sanitized = os.path.exists(src) and any(a.startswith("-fsanitize") for a in capi_libs(src))
        cmd = ([] if sanitized else WRAP) + [exe]
    rc, o, e, to = run(cmd, env=test_env(), out=os.path.join(CAPI_OUT, name + ".out"),
                       err=os.path.join(CAPI_OUT, name + ".err"))
    res.rc, res.timed_out = rc, to
    if to:
        res.fail(f"timed out after {TIMEOUT:g} s (process group killed)")
    elif rc != 0:
        res.fail(f"exit status {rc}" + (" (valgrind found errors)" if WRAP and rc == 99 else ""))
    check_transcript(name, res, o)
    if not res.ok and e.strip():
        res.msg.append(f"stderr (build/capi/{name}.err):\n" + tail(text(e)))
    return res


# ---- built-in checks ---------------------------------------------------------------

def check_abi():
    res = Result("abi")
    gen = os.path.join(CAPI_OUT, "abi.c")
    rc, o, e, _ = run([PYTHON, os.path.join(ROOT, "tools", "gen_abi_test.py"), "--cc",
                       shlex.join(CC), "--include", INCLUDE, "--out", gen]
                      + (["--only-lws-functions", "--link-refs"] if OURS else []), timeout=300)
    if rc != 0:
        return res.fail("tools/gen_abi_test.py failed:\n" + tail(text(o + e)))
    exe = os.path.join(CAPI_OUT, "abi")
    rc, o, e, _ = run(CC + CFLAGS + [gen, "-o", exe] + (LIBS if OURS else []), timeout=300)
    if rc != 0:
        return res.fail("build/capi/abi.c does not compile:\n" + tail(text(o + e)))
    rc, o, e, to = run([exe], env=test_env())
    for l in text(o).splitlines():
        if l.startswith(("FAIL ", "MISMATCH ")):
            res.problem(l)
        else:
            res.transcript.append(l)
    if (rc != 0 or to) and not res.problems:
        res.fail(f"build/capi/abi exited {rc} without saying why:\n" + tail(text(e)))

    # the header on its own: pedantic C, C++, and included twice (the guard must cover it all)
    src1 = os.path.join(CAPI_OUT, "abi-header.c")
    with open(src1, "w") as f:
        f.write("#include <libwebsockets.h>\nint main(void) { return 0; }\n")
    src2 = os.path.join(CAPI_OUT, "abi-header-twice.c")
    with open(src2, "w") as f:
        f.write("#include <libwebsockets.h>\n#include <libwebsockets.h>\n"
                "int main(void) { return 0; }\n")
    for what, cmd in [
        ("the header as C (-std=gnu11 -Wall -Wextra -Werror -pedantic-errors)",
         CC + ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-pedantic-errors", "-I" + INCLUDE,
               "-fsyntax-only", src1]),
        ("the header as C++ (-x c++ -Wall -Wextra -Werror)",
         CXX + ["-x", "c++", "-Wall", "-Wextra", "-Werror", "-I" + INCLUDE, "-fsyntax-only", src1]),
    ] + ([] if not OURS else [
        # C89 with GNU extensions: lws's own header is not -pedantic clean there either
        ("the header as C89 (-std=gnu89 -Wall -Wextra -Werror)",
         CC + ["-std=gnu89", "-Wall", "-Wextra", "-Werror", "-I" + INCLUDE, "-fsyntax-only", src1]),
        ("the header as C11 (-std=c11 -Wall -Wextra -Werror -pedantic)",
         CC + ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I" + INCLUDE,
               "-fsyntax-only", src1]),
        ("the header as C17 (-std=c17 -Wall -Wextra -Werror -pedantic)",
         CC + ["-std=c17", "-Wall", "-Wextra", "-Werror", "-pedantic", "-I" + INCLUDE,
               "-fsyntax-only", src1]),
        ("the header as C++17 (-std=c++17 -Wall -Wextra -Werror -pedantic)",
         CXX + ["-x", "c++", "-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic",
                "-I" + INCLUDE, "-fsyntax-only", src1]),
    ]) + [
        ("the header included twice",
         CC + CFLAGS + ["-fsyntax-only", src2]),
    ]:
        rc, o, e, _ = run(cmd, timeout=300)
        if rc == 0:
            res.transcript.append(f"{what}: ok")
        else:
            res.problem(f"FAIL {what}", tail(text(o + e), 12))
    return res


def declared_functions():
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import gen_abi_test
    return gen_abi_test.declared_functions(shlex.join(CC), INCLUDE, CAPI_OUT)


def nm_defined(lib):
    p = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip())
    syms = {}
    for l in p.stdout.splitlines():
        parts = l.split()
        if len(parts) < 2:
            continue
        kind, sym = parts[-2], parts[-1].split("@")[0]
        if kind in ("A",):  # version nodes, not symbols
            continue
        syms[sym] = kind
    return syms


def symbol_table():
    with open(os.path.join(ROOT, "abi", "lws-4.3-symbols.tsv")) as f:
        rows = [l.rstrip("\n").split("\t") for l in f if l.strip() and not l.startswith("#")]
    return [r[0] for r in rows[1:]]


def check_exports():
    res = Result("exports")
    lib = os.path.join(LIBDIR, "libwebsockets.so")
    if not os.path.exists(lib):
        return res.fail(f"{lib} does not exist: build it first (make lib)")
    for tool in ("nm", "readelf"):
        if not shutil.which(tool):
            return res.fail(f"{tool} not found (binutils)")
    try:
        syms = nm_defined(lib)
    except RuntimeError as e:
        return res.fail(f"nm -D failed: {e}")
    known = set(symbol_table())
    # lws's headers also declare a few data objects programs link against
    # (lws_cache_ops_heap, humanize_schema_si, ...): exported as data, as lws does
    lws_vars = set()
    with open(os.path.join(ROOT, "abi", "lws-4.3-decls.tsv")) as f:
        for l in f:
            p = l.split("\t")
            if p[0] == "var":
                lws_vars.add(p[1].split(":", 1)[1])
    # functions lws's headers declare that its default build does not export, but a
    # build with extensions does (we run permessage-deflate), or with libuv
    # (LWS_WITH_LIBUV: lws-service.h declares these when uv.h was included)
    lws_ext_fns = {"lws_ext_parse_options", "lws_uv_getloop",
                   "lws_libuv_static_refcount_add", "lws_libuv_static_refcount_del"}
    for s in sorted(syms):
        if s in lws_vars and syms[s] in ("D", "R", "B"):
            continue
        if s in lws_ext_fns and syms[s] in ("T", "W", "i"):
            continue
        if s not in known:
            res.problem(f"FAIL {s} is exported but is not an lws 4.3 function: hide it")
        elif syms[s] not in ("T", "W", "i"):
            res.problem(f"FAIL {s} is exported as data (nm type {syms[s]}), not as a function")
    declared = declared_functions()
    # three exported lws functions are declared by no public lws header either
    lws_declared = set()
    with open(os.path.join(ROOT, "abi", "lws-4.3-decls.tsv")) as f:
        for l in f:
            p = l.split("\t")
            if p[0] == "fn":
                lws_declared.add(p[1].split(":", 1)[1])
    for s in sorted(syms):
        if s in known and s not in declared and s in lws_declared:
            res.problem(f"FAIL {s} is exported but include/libwebsockets.h does not declare it")
    undeclared_unexported = sorted(s for s in declared if s in known and s not in syms)
    not_exported_by_lws = sorted(s for s in declared if s in lws_declared and s not in known)
    p = subprocess.run(["readelf", "-d", lib], capture_output=True, text=True)
    soname = [l.split("[", 1)[1].rstrip("]") for l in p.stdout.splitlines()
              if "(SONAME)" in l and "[" in l]
    if soname != ["libwebsockets.so.19"]:
        res.problem(f"FAIL the SONAME is {', '.join(soname) or 'missing'}, lws 4.3's is libwebsockets.so.19")
    if not os.path.exists(os.path.join(LIBDIR, "libwebsockets.so.19")):
        res.problem(f"FAIL {os.path.relpath(LIBDIR, ROOT)}/libwebsockets.so.19 is missing (programs "
                    "load the library by its SONAME; `make lib` makes the link)")
    res.transcript = [f"exported symbols: {len(syms)}; SONAME: {', '.join(soname) or '-'}",
                      f"declared in the header but not exported (programs using them do not "
                      f"link): {len(undeclared_unexported)}"
                      + (": " + " ".join(undeclared_unexported) if undeclared_unexported else ""),
                      f"declared as lws's headers declare them, exported by neither: "
                      f"{len(not_exported_by_lws)}"]
    with open(os.path.join(CAPI_OUT, "exports.symbols"), "w") as f:
        f.write("".join(f"{syms[s]} {s}\n" for s in sorted(syms)))
    return res


def check_matrix():
    res = Result("matrix")
    rc, o, e, _ = run([PYTHON, os.path.join(ROOT, "tools", "check_matrix.py"),
                       "--lib", os.path.join(LIBDIR, "libwebsockets.so")],
                      out=os.path.join(CAPI_OUT, "matrix.out"))
    res.transcript = text(o).splitlines()[-1:]
    if rc != 0:
        res.fail(tail(text(o + e)))
    return res


def check_docs():
    """Every function the header declares and the library exports, every value of its
    enums, every member of its structs and every constant of src/abi/consts.rs has a
    comment above it (tools/check_header_docs.py)."""
    res = Result("docs")
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import check_header_docs
    lib = os.path.join(LIBDIR, "libwebsockets.so")
    header = os.path.join(INCLUDE, "libwebsockets.h")
    err = check_header_docs.selftest()
    if err:
        return res.fail(err)
    try:
        missing, n = check_header_docs.check(header, lib)
        vmissing, vn = check_header_docs.check_values(header)
    except (OSError, RuntimeError) as e:
        return res.fail(f"cannot check the header's comments: {e}")
    res.transcript = [f"exported functions declared in the header: {n}; "
                      f"with a comment: {n - len(missing)}",
                      f"enum values, struct members and constants: {vn}; "
                      f"with a comment: {vn - len(vmissing)}"]
    if missing:
        res.fail(f"no comment above the declaration of {len(missing)} exported function(s) "
                 "(write a /// doc comment on the Rust fn, or the C comment for varargs.c's): "
                 + " ".join(missing))
    if vmissing:
        res.fail(f"no comment above {len(vmissing)} enum value(s), struct member(s) or "
                 "constant(s) (a /// doc comment on the Rust member; for src/abi/consts.rs, "
                 "a line in abi/enum-docs.tsv, then make abi-consts): " + "; ".join(vmissing))
    return res


def check_man():
    """The section-3 pages made from the header's comments: each renders without a single
    warning (groff -man -ww, and man -l where man-db is installed), has the sections a
    man page needs, and every exported function the docs check covers (implemented, not
    a not-yet stub) has a page of its own."""
    res = Result("man")
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import check_header_docs
    import gen_man_pages
    if not shutil.which("groff"):
        return res.fail("groff not found: install it (apt-get install groff-base); .ci/run does")
    out = os.path.join(BUILD, "man3")
    header = os.path.join(INCLUDE, "libwebsockets.h")
    rc, o, e, _ = run([PYTHON, os.path.join(ROOT, "tools", "gen_man_pages.py"),
                       "--header", header, "--out", out])
    if rc != 0:
        return res.fail("gen_man_pages.py failed:\n" + tail(text(o + e)))
    pages = sorted(p for p in os.listdir(out) if p.endswith(".3"))
    bad = []
    # one groff run for all pages (its warnings name the file and line)
    g = subprocess.run(["groff", "-man", "-ww", "-z", "-Tutf8"] + pages, cwd=out,
                       capture_output=True, text=True)
    if g.returncode != 0 or g.stderr.strip():
        bad.append(f"groff -man -ww: {g.stderr.strip() or g.returncode}")
    for p in pages:
        src = open(os.path.join(out, p)).read()
        if not all(s in src for s in (".TH ", ".SH NAME", ".SH SYNOPSIS", ".SH SEE ALSO")):
            bad.append(f"{p}: lacks .TH, NAME, SYNOPSIS or SEE ALSO")
    if shutil.which("man"):
        for p in ("libwebsockets.3", "lws_write.3", "lws_context_creation_info.3"):
            m = subprocess.run(["man", "-l", "-Tutf8", "--warnings=w", os.path.join(out, p)],
                               capture_output=True, text=True,
                               env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0"))
            if m.returncode != 0 or m.stderr.strip():
                bad.append(f"{p}: man -l: {m.stderr.strip() or m.returncode}")
    with open(header) as f:
        decls = check_header_docs.declarations(f.read())
    try:
        exported = check_header_docs.exported_functions(os.path.join(LIBDIR, "libwebsockets.so"))
    except (OSError, RuntimeError) as ex:
        return res.fail(f"cannot list the library's exports: {ex}")
    items = gen_man_pages.parse(open(header).read())
    not_yet = {it[1] for it in items
               if it[0] == "function" and gen_man_pages.NOT_YET.match(it[2])}
    want = sorted(n for n in decls if n in exported and decls[n] and n not in not_yet)
    missing = [n for n in want if n + ".3" not in pages]
    if missing:
        bad.append(f"{len(missing)} implemented function(s) without a page: " + " ".join(missing))
    res.transcript = [f"{len(pages)} pages ({len(want)} functions, the rest types and the "
                      "overview); groff -man -ww: no warnings"]
    if bad:
        res.fail("\n".join(bad[:40]))
    return res


def check_install():
    res = Result("install")
    res.transcript, err = install_check.check_install(CC, BUILD)
    return res.fail(err) if err else res


def check_deb():
    res = Result("deb")
    res.transcript, err = install_check.check_deb(CC, BUILD)
    return res.fail(err) if err else res


# ---- main --------------------------------------------------------------------------

def report(res, verbose_ok=False):
    dt = time.monotonic() - res.t0
    print(f"{'PASS' if res.ok else 'FAIL'}  {res.name:<28} {dt:6.2f}s", flush=True)
    if verbose_ok:
        for l in res.transcript:
            print("    " + l)
    for m in res.msg:
        for l in m.splitlines():
            print("    " + l)
    sys.stdout.flush()


def main(argv):
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    os.makedirs(CAPI_OUT, exist_ok=True)
    os.makedirs(EX_OUT, exist_ok=True)
    c_tests = sorted(os.path.basename(p)[:-2] for p in glob.glob(os.path.join(TESTS, "*.c")))
    drivers = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(TESTS, "*.py"))
                     if not os.path.basename(p).startswith("_"))
    lone = [d for d in drivers if d not in c_tests]
    examples = sorted(os.path.basename(p)[:-2] for p in glob.glob(os.path.join(EXAMPLES, "*.c")))
    clash = [n for n in c_tests + lone if n in BUILTINS]
    if clash:
        print(f"capi-tests/ may not use the built-in check names: {' '.join(clash)}")
        return 2
    everything = BUILTINS[:5] + sorted(c_tests + lone) + BUILTINS[5:]
    wanted = argv or everything
    unknown = [n for n in wanted if n not in everything and not n.startswith("example-build/")]
    if unknown:
        print(f"unknown test(s): {' '.join(unknown)}\navailable: {' '.join(everything)}")
        return 2
    print(f"capi: include {os.path.relpath(INCLUDE, ROOT)}, library {os.path.relpath(LIBDIR, ROOT)}"
          + (", under valgrind" if WRAP else ""), flush=True)
    if not os.path.exists(os.path.join(LIBDIR, "libwebsockets.so")):
        print(f"no libwebsockets.so in {LIBDIR}: build it first (make lib)")
        return 1

    results, skipped = [], 0
    t_start = time.monotonic()
    # the examples first: drivers run them
    for ex in examples:
        res = Result("example-build/" + ex)
        if os.path.exists(os.path.join(EX_OUT, ex)):
            os.remove(os.path.join(EX_OUT, ex))
        res.compiled = compile_c(os.path.join(EXAMPLES, ex + ".c"), os.path.join(EX_OUT, ex), res)
        if argv and res.name not in argv:
            if not res.ok:
                print(f"warning: examples-c/{ex}.c does not build")
            continue
        report(res)
        results.append(res)
    for name in wanted:
        if name in BUILTINS:
            if not OURS and name != "abi":
                print(f"SKIP  {name:<28} (differential run: about this project's build)")
                skipped += 1
                continue
            res = {"abi": check_abi, "exports": check_exports, "matrix": check_matrix,
                   "docs": check_docs, "man": check_man, "install": check_install,
                   "deb": check_deb}[name]()
            apply_known_issues(res)
            report(res, verbose_ok=True)
        elif name.startswith("example-build/"):
            continue
        elif name in c_tests:
            res = Result(name)
            exe = os.path.join(CAPI_OUT, name)
            for stale in (exe, os.path.join(CAPI_OUT, name + ".out"),
                          os.path.join(CAPI_OUT, name + ".err")):
                if os.path.exists(stale):
                    os.remove(stale)
            if compile_c(os.path.join(TESTS, name + ".c"), exe, res):
                t0 = res.t0
                res = run_test(name, exe)
                res.t0, res.compiled = t0, True
            else:
                res.compiled = False
            report(res)
        else:
            res = run_test(name, None)
            report(res)
        results.append(res)
    if os.environ.get("CAPI_RESULTS"):
        with open(os.environ["CAPI_RESULTS"], "w") as f:
            json.dump({r.name: {"ok": r.ok, "compiled": r.compiled, "rc": r.rc,
                                "timed_out": r.timed_out, "msg": r.msg} for r in results},
                      f, indent=1)
    failed = [r.name for r in results if not r.ok]
    print(f"capi ({time.monotonic() - t_start:.1f}s)" + (f", failed: {' '.join(failed)}" if failed else ""))
    print(f"capi: {len(results) - len(failed)} passed, {len(failed)} failed"
          + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
