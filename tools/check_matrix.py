#!/usr/bin/env python3
"""Checks MATRIX.md against abi/lws-4.3-symbols.tsv and the built library.

    check_matrix.py [--lib target/release/libwebsockets.so] [--matrix MATRIX.md]

  * every function of the tsv has exactly one row, in the tsv's order, with the tsv's
    program count; no row names anything else;
  * state is `done`, `partial` or `not yet`;
  * every `done` or `partial` function is exported by the library; every exported
    function has a row (a `not yet` row may be exported: it must fail cleanly);
  * a `done` row names a test file that exists and mentions the function; a `partial`
    row naming a test obeys the same rule.
Exit 1 with the list of problems.
"""
import argparse, os, re, subprocess, sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATES = ("done", "partial", "not yet")


def cell(s):
    s = s.strip()
    if len(s) >= 2 and s[0] == "`" and s[-1] == "`":
        s = s[1:-1]
    return s


def exported(lib):
    p = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"check_matrix: nm -D {lib} failed: {p.stderr.strip()}")
    out = set()
    for l in p.stdout.splitlines():
        parts = l.split()
        # functions only: lws's exported data objects (lws_cache_ops_heap, ...) are
        # checked by the exports check against abi/lws-4.3-decls.tsv's variables
        if len(parts) >= 2 and parts[-2] in ("T", "W", "i"):
            out.add(parts[-1].split("@")[0])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", default=os.path.join(TOP, "target", "release", "libwebsockets.so"))
    ap.add_argument("--matrix", default=os.path.join(TOP, "MATRIX.md"))
    a = ap.parse_args()

    with open(os.path.join(TOP, "abi", "lws-4.3-symbols.tsv")) as f:
        tsv = [l.rstrip("\n").split("\t") for l in f if l.strip() and not l.startswith("#")][1:]
    order = [r[0] for r in tsv]
    programs = {r[0]: r[1] for r in tsv}

    rows, problems = [], []
    with open(a.matrix) as f:
        for n, line in enumerate(f, 1):
            if not line.startswith("|"):
                            continue
            cells = [c for c in line.rstrip("\n").strip().strip("|").split("|")]
            if len(cells) != 4:
                problems.append(f"MATRIX.md:{n}: expected 4 columns, found {len(cells)}")
                continue
            cells = [cell(c) for c in cells]
            if cells[0] == "function" or set(cells[0]) <= set("-: "):
                continue
            rows.append((n, *cells))

    seen = {}
    for n, fn, prog, state, test in rows:
        if fn in seen:
            problems.append(f"MATRIX.md:{n}: {fn} appears again (first at line {seen[fn]})")
            continue
        seen[fn] = n
        if fn not in programs:
            problems.append(f"MATRIX.md:{n}: {fn} is not an lws 4.3 function (abi/lws-4.3-symbols.tsv)")
            continue
        if prog != programs[fn]:
            problems.append(f"MATRIX.md:{n}: {fn}: programs is {prog}, the tsv says {programs[fn]}")
        if state not in STATES:
            problems.append(f"MATRIX.md:{n}: {fn}: state '{state}' is not one of done, partial, not yet")
        if state == "done" or (state == "partial" and test != "-"):
            if test == "-" or not test:
                problems.append(f"MATRIX.md:{n}: {fn} is done but names no test")
            else:
                path = os.path.join(TOP, test)
                if not os.path.isfile(path):
                    problems.append(f"MATRIX.md:{n}: {fn}: test {test} does not exist")
                elif not re.search(r"(?<![A-Za-z0-9_])" + re.escape(fn) + r"(?![A-Za-z0-9_])",
                                   open(path, errors="replace").read()):
                    problems.append(f"MATRIX.md:{n}: {fn}: test {test} does not mention {fn}")
    missing = [s for s in order if s not in seen]
    for s in missing:
        problems.append(f"MATRIX.md: no row for {s}")
    listed = [r[1] for r in rows if r[1] in programs]
    if not missing and listed != order:
        first = next(i for i, (x, y) in enumerate(zip(listed, order)) if x != y)
        problems.append(f"MATRIX.md: rows are not in the tsv's order (from {listed[first]}, "
                        f"expected {order[first]})")

    if not os.path.exists(a.lib):
        problems.append(f"{a.lib} does not exist: build it first (make lib)")
        exp = set()
    else:
        exp = exported(a.lib)
        state = {r[1]: r[3] for r in rows}
        for s in sorted(exp):
            # declared by lws's headers, exported by lws only in a build with extensions
            # (not among lws's default exports, so not a row of the matrix)
            # lws functions its default build does not export but a build with the
            # feature does: extensions, and the libuv event loop (LWS_WITH_LIBUV)
            if s in ("lws_ext_parse_options", "lws_uv_getloop",
                     "lws_libuv_static_refcount_add", "lws_libuv_static_refcount_del"):
                continue
            if s not in state:
                problems.append(f"{s} is exported but has no row in MATRIX.md")
        for s, st in state.items():
            if st in ("done", "partial") and s not in exp:
                problems.append(f"{s} is {st} in MATRIX.md but the library does not export it")

    count = {s: sum(1 for r in rows if r[3] == s) for s in STATES}
    if problems:
        print(f"MATRIX.md: {len(problems)} problem(s):")
        for p in problems:
            print("  " + p)
        return 1
    print(f"MATRIX.md: {len(rows)} functions: {count['done']} done, {count['partial']} partial, "
          f"{count['not yet']} not yet; {len(exp)} exported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
