#!/usr/bin/env python3
"""Header documentation coverage: every function include/libwebsockets.h declares and
libwebsockets.so exports must have a comment right above its declaration.

The comments come from the Rust `///` doc comments (cbindgen, `documentation = true`) and,
for the functions not implemented yet, from build.rs's one-line note; a function missing
from both is listed.  Used by the `docs` built-in check of tools/run_capi_tests.py and on
its own:

    python3 tools/check_header_docs.py [--header include/libwebsockets.h]
                                       [--lib target/release/libwebsockets.so]

Exit status 0 when every exported, declared function is documented, 1 otherwise.
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def exported_functions(lib):
    """The function symbols the library defines (nm -D, text)."""
    p = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip())
    out = set()
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[-2] in ("T", "W", "i"):
            out.add(parts[-1].split("@")[0])
    return out


PROTO = re.compile(r"(?!typedef\b|static\b|return\b)(?:const\s+)?"
                   r"(?:(?:struct|union|enum|unsigned|signed)\s+)?\w+[\s*]+(?:const\s*\**\s*)?"
                   r"(\w+)\s*\(")


def declarations(header_text):
    """{function name: documented?} for each top-level prototype of the header.

    A prototype starts at column 0 outside comments and preprocessor lines (macro
    bodies included) with a return type and the name before the first '(' (both the
    cbindgen part and build.rs's part put them on the first line); static inline
    helpers and typedefs are not prototypes.  It is documented when the line
    before it ends a comment block (`*/`) or is a `//` comment.
    """
    decls = {}
    in_comment = False
    prev_is_comment = False
    in_define = False
    for line in header_text.splitlines():
        s = line.strip()
        if in_comment:
            if "*/" in s:
                in_comment = False
                prev_is_comment = s.endswith("*/")
            continue
        if in_define:
            in_define = s.endswith("\\")
            prev_is_comment = False
            continue
        if s.startswith("/*"):
            if "*/" not in s[2:]:
                in_comment = True
            else:
                prev_is_comment = s.endswith("*/")
            continue
        if s.startswith("//"):
            prev_is_comment = True
            continue
        if s.startswith("#"):
            in_define = s.endswith("\\")
            prev_is_comment = False
            continue
        if not s or s.startswith('extern "C"') or s.startswith('}  // extern "C"'):
            # the C++ linkage block opens and closes around the prototypes: not a scope
            prev_is_comment = False
            continue
        m = PROTO.match(line)
        if m and m.group(1) not in ("__attribute__",):
            decls.setdefault(m.group(1), prev_is_comment)
        prev_is_comment = False
    return decls


def check(header, lib):
    """(undocumented names, count of exported and declared functions)."""
    with open(header) as f:
        decls = declarations(f.read())
    exported = exported_functions(lib)
    covered = sorted(n for n in decls if n in exported)
    return [n for n in covered if not decls[n]], len(covered)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--header", default=os.path.join(ROOT, "include", "libwebsockets.h"))
    ap.add_argument("--lib", default=os.path.join(ROOT, "target", "release", "libwebsockets.so"))
    a = ap.parse_args(argv)
    missing, n = check(a.header, a.lib)
    print(f"exported functions declared in the header: {n}; with a comment: {n - len(missing)}")
    if missing:
        print(f"undocumented ({len(missing)}): " + " ".join(missing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
