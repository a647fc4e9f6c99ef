#!/usr/bin/env python3
"""Header documentation coverage.  Each of these must have a comment right above it in
include/libwebsockets.h:

  - every function the header declares and libwebsockets.so exports;
  - every value of every enum written out over several lines (cbindgen's part of the
    header: the enums the Rust sources define), and every member of every struct or
    union written out over several lines (the Rust-defined structs and the hand-written
    ones of cbindgen.toml, such as lws_http_mount);
  - every constant src/abi/*.rs defines (the LWS_SERVER_OPTION_* and LLL_* bits, lws's
    anonymous enums, ...), which the header has as `#define`s.

The comments come from the Rust `///` doc comments (cbindgen, `documentation = true`):
on the functions, structs and members in src/, on the enums and constants through
abi/callback-docs.tsv and abi/enum-docs.tsv (tools/gen_abi_consts.py); for the functions
not implemented yet, from build.rs's one-line note.  What lacks one is listed.  The
declarations build.rs copies from abi/lws-4.3-decls.tsv in one line each (the types
of features not implemented) are not covered.  Used by the `docs` built-in check of
tools/run_capi_tests.py and on its own:

    python3 tools/check_header_docs.py [--header include/libwebsockets.h]
                                       [--lib target/release/libwebsockets.so]

Exit status 0 when all of them are documented, 1 otherwise.
"""
import argparse
import glob
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


BODY = re.compile(r"^(?:typedef\s+)?(struct|union|enum)\s+(\w+)?\s*\{\s*$")
FNPTR = re.compile(r"\(\s*\*\s*(\w+)\s*\)\s*\(")
MEMBER = re.compile(r"(\w+)\s*(?::\s*\d+\s*)?(?:\[[^\]]*\]\s*)*[;,=]")
ENUM_VALUE = re.compile(r"^(\w+)\s*(?:=.*)?,?$")


def members(header_text):
    """[(container, member name, documented?)] for every value of an enum and every member
    of a struct or union whose body spans several lines (a nested anonymous struct or
    union counts as a member of its own, by the name after its closing brace, and its
    members are listed too).  A member is documented when the line before it ends a
    comment block; preprocessor lines in the body are passed over."""
    out = []
    lines = header_text.splitlines()
    i = 0
    while i < len(lines):
        m = BODY.match(lines[i])
        i += 1
        if not m:
            continue
        kind, name = m.group(1), m.group(2) or "(anonymous)"
        container = f"{kind} {name}"
        depth, prev_comment, in_comment = 1, False, False
        while depth > 0 and i < len(lines):
            s = lines[i].strip()
            i += 1
            if in_comment:
                if "*/" in s:
                    in_comment = False
                    prev_comment = s.endswith("*/")
                continue
            if s.startswith("/*"):
                if "*/" not in s[2:]:
                    in_comment = True
                else:
                    prev_comment = s.endswith("*/")
                continue
            if s.startswith("//"):
                prev_comment = True
                continue
            if not s or s.startswith("#"):
                continue
            if s.endswith("{"):
                # a nested anonymous struct/union: documented by the comment before it,
                # named at its closing brace
                depth += 1
                out.append([container, None, prev_comment, depth])
                prev_comment = False
                continue
            if s.startswith("}"):
                depth -= 1
                if depth >= 1:
                    mm = re.match(r"\}\s*(\w+)?", s)
                    for e in reversed(out):
                        if e[1] is None and e[3] == depth + 1:
                            e[1] = mm.group(1) or "(anonymous)"
                            break
                prev_comment = False
                continue
            if kind == "enum":
                mm = ENUM_VALUE.match(s)
            else:
                # a function pointer's parameters may run over several lines
                while s.count("(") > s.count(")") and i < len(lines):
                    s += " " + lines[i].strip()
                    i += 1
                # a nested body on one line (`union { ... } u;`) is named after it
                flat = re.sub(r"\{.*\}", "", s)
                mm = FNPTR.search(flat) or MEMBER.search(flat)
            out.append([container, mm.group(1) if mm else s, prev_comment, depth])
            prev_comment = False
    return [(c, n, d) for c, n, d, _ in out]


def defines(header_text, names):
    """{name: documented?} for the `#define NAME` lines of `names`; documented when the
    line before it ends a comment block."""
    out = {}
    prev_comment = False
    for line in header_text.splitlines():
        s = line.strip()
        m = re.match(r"#\s*define\s+(\w+)", s)
        if m and m.group(1) in names:
            out.setdefault(m.group(1), prev_comment)
        prev_comment = s.endswith("*/") or s.startswith("//")
    return out


def consts_names():
    """The constants src/abi/*.rs define (src/abi/consts.rs, from tools/gen_abi_consts.py,
    and the hand-written ones): the lws constants cbindgen writes as #defines."""
    out = set()
    for path in glob.glob(os.path.join(ROOT, "src", "abi", "*.rs")):
        with open(path) as f:
            out |= set(re.findall(r"^pub const (\w+):", f.read(), re.M))
    return out


def check_values(header):
    """(undocumented "container: name" strings, how many were checked): enum values,
    struct and union members, and the constants of src/abi/consts.rs."""
    with open(header) as f:
        text = f.read()
    ms = members(text)
    missing = [f"{c}: {n}" for c, n, d in ms if not d]
    names = consts_names()
    ds = defines(text, names)
    missing += [f"#define {n}" for n in sorted(ds) if not ds[n]]
    missing += [f"#define {n} (not in the header)" for n in sorted(names - set(ds))]
    return missing, len(ms) + len(names)


SAMPLE = """\
/*
 A documented enum.
 */
enum sample_e {
        /*
         documented
         */
        SAMPLE_A = 0,
        SAMPLE_B = 1,
};
struct sample_s {
        /* documented */
        int (*cb)(struct lws *wsi,
                  int reason);
        int (*bare)(int a,
                    int b);
        union {
                int x;
        } u;
        unsigned int bits:1;
};
/* documented */
#define SAMPLE_C 1
#define SAMPLE_D 2
"""


def selftest():
    """The parser must find what is missing in SAMPLE, so a change of the header's shape
    cannot make the check pass by finding nothing.  Returns an error text or None."""
    got = [(c, n) for c, n, d in members(SAMPLE) if not d]
    want = [("enum sample_e", "SAMPLE_B"), ("struct sample_s", "bare"),
            ("struct sample_s", "u"), ("struct sample_s", "x"), ("struct sample_s", "bits")]
    ds = defines(SAMPLE, {"SAMPLE_C", "SAMPLE_D"})
    if sorted(got) != sorted(want) or ds != {"SAMPLE_C": True, "SAMPLE_D": False}:
        return f"check_header_docs.py's parser is broken: found {got}, {ds}"
    return None


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
    err = selftest()
    if err:
        print(err)
        return 1
    missing, n = check(a.header, a.lib)
    print(f"exported functions declared in the header: {n}; with a comment: {n - len(missing)}")
    vmissing, vn = check_values(a.header)
    print(f"enum values, struct members and constants: {vn}; with a comment: {vn - len(vmissing)}")
    if missing:
        print(f"undocumented functions ({len(missing)}): " + " ".join(missing))
    if vmissing:
        print(f"undocumented values and members ({len(vmissing)}):\n  " + "\n  ".join(vmissing))
    return 1 if missing or vmissing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
