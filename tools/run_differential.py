#!/usr/bin/env python3
"""The differential run (`make differential`; `make test` runs it): every test of
capi-tests/ is built and run twice, against the original libwebsockets (Debian's lws
4.1.6: /usr/include, /usr/lib/x86_64-linux-gnu) and against ours, and the two transcripts
must be identical, test by test.  The approach of rustls-openssl-compat: the original
library is the specification.

    run_differential.py [NAME ...]      only these tests

Each side is a run of tools/run_capi_tests.py (LWS_INCLUDE, LWS_LIBDIR, LWS_BUILD), the
two at once: build/diff-orig/ and build/diff-ours/ hold the binaries (examples-c/ too, so
drivers exercise each side's own build of them), NAME.out and NAME.err.  A test's
transcript is its stdout (for a driver, the driver's stdout, which includes the server's)
followed by one line for how it ended: `[exit 0]`, `[exit -11]`, `[timed out]` or
`[does not compile]`.

Markers, one per line anywhere in capi-tests/NAME.c or NAME.py (in a comment):

  lws-diff: ours-only: REASON
      the test uses lws 4.3 API or behaviour 4.1.6 lacks: it counts against ours alone
      (it must pass there) and need not compile against the original.  It is still tried
      against the original: a marked test whose transcripts turn out identical fails, so
      the marker stays honest.  (A test marked as a whole has no line markers.)
  lws-diff: ours-only `REGEX`: REASON
      only the transcript lines matching REGEX (Python re.search) are 4.3 behaviour: they
      are taken out of both transcripts before comparing; the rest must be identical.  A
      line marker without which the transcripts would be identical fails the run.
  lws-diff: known-difference: DESCRIPTION
  lws-diff: known-difference `REGEX`: DESCRIPTION
      our bug, not fixed yet: the whole transcript (or the lines matching REGEX) may
      differ.  The suite passes, but every run prints each known difference with its
      diff; once the difference is gone the test fails until the marker is removed.
  lws-diff: normalize `REGEX`: WHY
      output that legitimately depends on the run: each match is replaced by `<...>` in
      both transcripts before anything else.

A test that does not compile against the original fails unless marked ours-only; so does
one that fails against ours (whatever the original does).  Every run ends with the list
of ours-only reasons and of known differences (diffs cut to a few lines; in full in
build/differential.txt).
Environment: LWS_ORIG_INCLUDE, LWS_ORIG_LIBDIR (the original), CAPI_TIMEOUT, CC.
Exit status 1 if any test failed, 2 on bad markers or a missing original library.
"""
import difflib, glob, json, os, re, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(ROOT, "capi-tests")
EXAMPLES = os.path.join(ROOT, "examples-c")
RUNNER = os.path.join(ROOT, "tools", "run_capi_tests.py")
ORIG_INCLUDE = os.environ.get("LWS_ORIG_INCLUDE") or "/usr/include"
ORIG_LIBDIR = os.environ.get("LWS_ORIG_LIBDIR") or "/usr/lib/x86_64-linux-gnu"
SIDES = {
    "orig": (ORIG_INCLUDE, ORIG_LIBDIR, os.path.join(ROOT, "build", "diff-orig")),
    "ours": (os.path.join(ROOT, "include"), os.path.join(ROOT, "target", "release"),
             os.path.join(ROOT, "build", "diff-ours")),
}
MARKER = re.compile(r"lws-diff:\s*(?P<kind>[a-z-]+)\s*(?:`(?P<re>[^`]*)`)?\s*:\s*(?P<text>.*?)\s*(?:\*/)?\s*$")
KINDS = ("ours-only", "known-difference", "normalize")
SHOW_LINES = 12     # of each known difference's diff in the summary (all in build/differential.txt)


class Marker:
    def __init__(self, where, kind, regex, text):
        self.where, self.kind, self.text = where, kind, text
        self.regex = re.compile(regex) if regex is not None else None
        self.pattern = regex


def read_markers(name):
    """The lws-diff markers of capi-tests/NAME.c and NAME.py; raises ValueError if one is
    malformed."""
    out = []
    for ext in (".c", ".py"):
        path = os.path.join(TESTS, name + ext)
        if not os.path.exists(path):
            continue
        for n, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
            if "lws-diff:" not in line:
                continue
            where = f"capi-tests/{name}{ext}:{n}"
            m = MARKER.search(line)
            if not m or m.group("kind") not in KINDS or not m.group("text"):
                raise ValueError(f"{where}: not a marker: `lws-diff: KIND [`REGEX`]: TEXT` with "
                                 f"KIND one of {', '.join(KINDS)}:\n    {line.strip()}")
            if m.group("kind") == "normalize" and m.group("re") is None:
                raise ValueError(f"{where}: normalize needs a `REGEX`")
            try:
                out.append(Marker(where, m.group("kind"), m.group("re"), m.group("text")))
            except re.error as e:
                raise ValueError(f"{where}: bad regex: {e}")
    whole = [m for m in out if m.regex is None]
    if len(whole) > 1:
        raise ValueError(f"{whole[1].where}: a test has at most one whole-test marker")
    lines = [m for m in out if m.regex is not None and m.kind != "normalize"]
    if whole and lines:
        raise ValueError(f"{lines[0].where}: a test marked as a whole ({whole[0].kind}) has no "
                         "line markers")
    return out


def transcript(side_dir, name, res):
    """stdout plus the line saying how the test ended."""
    if res is None:
        return ["[not run]"]
    if res.get("compiled") is False:
        return ["[does not compile]"]
    try:
        with open(os.path.join(side_dir, "capi", name + ".out"), "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except FileNotFoundError:
        lines = []
    if res.get("timed_out"):
        lines.append("[timed out]")
    else:
        lines.append(f"[exit {res.get('rc')}]")
    return lines


VERSION = "?"


def udiff(a, b, name, n=3):
    return [l.rstrip("\n") for l in difflib.unified_diff(
        [l + "\n" for l in a], [l + "\n" for l in b],
        f"lws {VERSION}: build/diff-orig/capi/{name}.out", f"ours: build/diff-ours/capi/{name}.out",
        n=n)]


def orig_version():
    try:
        for l in open(os.path.join(ORIG_INCLUDE, "lws_config.h")):
            m = re.match(r'#define LWS_LIBRARY_VERSION "([^"]*)"', l)
            if m:
                return m.group(1).rstrip("-")
    except OSError:
        pass
    return "?"


def run_side(side, names):
    inc, lib, build = SIDES[side]
    os.makedirs(build, exist_ok=True)
    results = os.path.join(build, "results.json")
    if os.path.exists(results):
        os.remove(results)
    env = dict(os.environ, LWS_INCLUDE=inc, LWS_LIBDIR=lib, LWS_BUILD=build,
               CAPI_RESULTS=results)
    env.pop("VALGRIND", None)
    log = open(os.path.join(build, "run.log"), "w")
    examples = ["example-build/" + os.path.basename(p)[:-2]
                for p in sorted(glob.glob(os.path.join(EXAMPLES, "*.c")))]
    p = subprocess.Popen([sys.executable, RUNNER] + examples + names, stdout=log,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=ROOT)
    return p, results, log


def main(argv):
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__)
        return 0
    t0 = time.monotonic()
    c_tests = sorted(os.path.basename(p)[:-2] for p in glob.glob(os.path.join(TESTS, "*.c")))
    drivers = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(TESTS, "*.py"))
                     if not os.path.basename(p).startswith("_"))
    tests = sorted(set(c_tests) | set(drivers))
    unknown = [a for a in argv if a not in tests]
    if unknown:
        print(f"unknown test(s): {' '.join(unknown)}\navailable: {' '.join(tests)}")
        return 2
    names = argv or tests

    if not (os.path.exists(os.path.join(ORIG_INCLUDE, "libwebsockets.h")) and
            os.path.exists(os.path.join(ORIG_LIBDIR, "libwebsockets.so"))):
        print(f"differential: the original libwebsockets is missing ({ORIG_INCLUDE}/libwebsockets.h, "
              f"{ORIG_LIBDIR}/libwebsockets.so):\n    apt-get install libwebsockets-dev   "
              "(or set LWS_ORIG_INCLUDE and LWS_ORIG_LIBDIR)")
        return 2
    if not os.path.exists(os.path.join(SIDES["ours"][1], "libwebsockets.so")):
        print("differential: no target/release/libwebsockets.so: build it first (make lib)")
        return 2
    try:
        markers = {n: read_markers(n) for n in names}
    except ValueError as e:
        print(f"differential: {e}")
        return 2

    global VERSION
    version = VERSION = orig_version()
    print(f"differential: lws {version} ({ORIG_INCLUDE}, {ORIG_LIBDIR}) vs ours "
          f"(include, target/release)", flush=True)
    runs = {side: run_side(side, names) for side in SIDES}
    res = {}
    for side, (p, results, log) in runs.items():
        p.wait()
        log.close()
        try:
            with open(results) as f:
                res[side] = json.load(f)
        except (OSError, ValueError):
            print(f"differential: the {side} run produced no results; its log "
                  f"({os.path.relpath(SIDES[side][2], ROOT)}/run.log):")
            print(open(os.path.join(SIDES[side][2], "run.log")).read())
            return 1

    report = []     # everything printed, and the known differences in full

    def out(line=""):
        print(line, flush=True)
        report.append(line)

    failed, ours_only, known, compared, only = [], [], [], [], []
    # each side's examples must build: the drivers run them
    for side in SIDES:
        for ex, r in sorted(res[side].items()):
            if ex.startswith("example-build/") and not r["ok"]:
                out(f"FAIL  {ex} does not build against {side}:")
                for m in r["msg"]:
                    out("\n".join("    " + l for l in m.splitlines()))
                failed.append(ex)

    for name in names:
        problems, notes = judge(name, markers[name], res["orig"].get(name),
                                res["ours"].get(name), version)
        whole = next((m for m in markers[name] if m.regex is None), None)
        is_only = whole is not None and whole.kind == "ours-only"
        if is_only:
            ours_only.append((name, whole.text))
        for kind, m, d in notes:
            if kind == "known":
                known.append((name, m.text, d))
            else:
                ours_only.append((name, f"lines `{m.pattern}`: {m.text}"))
        if problems:
            failed.append(name)
            out(f"FAIL  {name}")
            for p in problems:
                out("\n".join("    " + l for l in p.splitlines()))
            continue
        (only if is_only else compared).append(name)
        extra = [f"{sum(1 for k, _, _ in notes if k == 'known')} known difference(s)"] \
            if any(k == "known" for k, _, _ in notes) else []
        extra += ["some lines ours-only"] if any(k == "ours-only" for k, _, _ in notes) else []
        out(f"PASS  {name:<20} {'ours-only' if is_only else 'same'}"
            + (f" ({', '.join(extra)})" if extra else ""))

    if ours_only:
        out(f"\nours-only (run against ours alone: lws {version} lacks it or does it differently):")
        for name, why in ours_only:
            out(f"    {name}: {why}")
    full = list(report)
    if known:
        head = (f"\nKNOWN DIFFERENCES from lws {version} (our bugs, not fixed yet; marked "
                "`lws-diff: known-difference` in the test):")
        out(head)
        full.append(head)
        for name, why, d in known:
            out(f"  * {name}: {why}")
            full.append(f"  * {name}: {why}")
            for i, l in enumerate(d):
                full.append("        " + l)
                if i < SHOW_LINES:
                    print("        " + l)
            if len(d) > SHOW_LINES:
                print(f"        ... {len(d) - SHOW_LINES} more lines in build/differential.txt")
    dt = time.monotonic() - t0
    out(f"\ndifferential: {len(compared)} tests compared, {len(only)} ours-only, "
        f"{len(known)} known difference(s), {len(failed)} failed ({dt:.1f}s)"
        + (f": {' '.join(failed)}" if failed else ""))
    full.append(report[-1])
    with open(os.path.join(ROOT, "build", "differential.txt"), "w") as f:
        f.write("\n".join(full) + "\n")
    return 1 if failed else 0


def judge(name, ms, orig_r, ours_r, version):
    """Compares one test's transcripts under its markers: returns (problems, notes), notes
    being ("known", marker, diff) and ("ours-only", marker, []) for the line markers that
    were needed."""
    whole = next((m for m in ms if m.regex is None), None)
    a = transcript(SIDES["orig"][2], name, orig_r)
    b = transcript(SIDES["ours"][2], name, ours_r)
    for m in ms:
        if m.kind == "normalize":
            a = [m.regex.sub("<...>", l) for l in a]
            b = [m.regex.sub("<...>", l) for l in b]
    problems, notes = [], []

    def msgs(r):
        return "\n".join("    " + l for m in (r or {}).get("msg", ["not run"])
                         for l in m.splitlines())

    ours_ok = ours_r is not None and ours_r.get("ok")
    if not ours_ok:
        problems.append("fails against ours:\n" + msgs(ours_r))

    if whole is not None and whole.kind == "ours-only":
        if ours_ok and a == b:
            problems.append(f"{whole.where}: marked ours-only, but the transcripts are "
                            f"identical against lws {version}: remove the marker")
        return problems, notes
    if (orig_r or {}).get("compiled") is False:
        problems.append(f"does not compile against lws {version}: use only API lws {version} "
                        "has, and split the rest into a test marked `lws-diff: ours-only: "
                        "REASON`\n" + msgs(orig_r))
        return problems, notes
    if not ours_ok:
        return problems, notes

    # Lines marked as 4.3 behaviour or as known differences are taken out of both sides.
    # A marker is needed when, without it (the other markers applied), the transcripts
    # differ: its difference is shown that way, in context.
    line_ms = [m for m in ms if m.kind != "normalize" and m.regex is not None]

    def without(lines, markers):
        return [l for l in lines if not any(x.regex.search(l) for x in markers)]

    for m in line_ms:
        others = [x for x in line_ms if x is not m]
        am, bm = without(a, others), without(b, others)
        if am == bm:
            problems.append(f"{m.where}: the transcripts are the same without the marker "
                            f"`{m.pattern}` ({m.kind}): remove it")
        elif m.kind == "ours-only":
            notes.append(("ours-only", m, []))
        else:
            notes.append(("known", m, udiff(am, bm, name, n=1)[2:]))
    a, b = without(a, line_ms), without(b, line_ms)

    if a != b:
        if whole is not None:   # known-difference
            notes.append(("known", whole, udiff(a, b, name)[2:]))
        else:
            problems.append("the transcripts differ:\n" + "\n".join(
                "    " + l for l in udiff(a, b, name)))
    elif whole is not None:
        problems.append(f"{whole.where}: marked known-difference, but the transcripts are "
                        "identical: the difference is fixed, remove the marker")
    return problems, notes


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
