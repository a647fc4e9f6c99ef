#!/usr/bin/env python3
"""Read the prototype of every function of abi/lws-4.3-symbols.tsv off lws 4.3's own
headers, into abi/lws-4.3-prototypes.tsv (a table of facts, like the other abi/ tables).

    gen_abi_prototypes.py --lws-include DIR [--out abi/lws-4.3-prototypes.tsv]

DIR holds lws 4.3's libwebsockets.h and libwebsockets/; its lws_config.h is made from
abi/lws-4.3-config-defines.txt (the default Linux build), so the prototypes are that
build's.  The compiler prints them (gcc -aux-info) with parameter names dropped; va_list
is written back as va_list.  Functions no public header declares are left out.
The abi check (tools/run_capi_tests.py) redeclares each of these after including our
header: a compiler error ("conflicting types") is a prototype that differs from lws's.
"""
import argparse, os, re, subprocess, sys, tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def config_h(path):
    # the table keeps only the first line of a multi-line #define: drop its dangling operator
    out = []
    for l in open(os.path.join(TOP, "abi", "lws-4.3-config-defines.txt")):
        l = l.strip()
        if l:
            out.append("#define " + re.sub(r"\s*[-+*/|]?\s*\\$", "", l))
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lws-include", required=True)
    ap.add_argument("--out", default=os.path.join(TOP, "abi", "lws-4.3-prototypes.tsv"))
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    a = ap.parse_args()
    inc = os.path.abspath(a.lws_include)
    with open(os.path.join(TOP, "abi", "lws-4.3-symbols.tsv")) as f:
        syms = [l.split("\t")[0] for l in f if l.strip()][1:]
    with tempfile.TemporaryDirectory() as tmp:
        config_h(os.path.join(tmp, "lws_config.h"))
        src = os.path.join(tmp, "p.c")
        with open(src, "w") as f:
            f.write("#include <libwebsockets.h>\n")
        aux = os.path.join(tmp, "aux.txt")
        p = subprocess.run(a.cc.split() + ["-std=gnu11", "-I", tmp, "-I", inc, "-fsyntax-only",
                                           "-aux-info", aux, src], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit("gen_abi_prototypes: lws's header does not compile:\n" + p.stderr[:3000])
        protos = {}
        for l in open(aux):
            m = re.match(r"/\* (\S+):\d+:\w+ \*/ (.*)$", l.strip())
            if not m or not m.group(1).startswith(inc):
                continue
            decl = m.group(2)
            if decl.startswith("static"):
                continue
            name = re.search(r"(\w+) \(", decl).group(1)
            protos.setdefault(name, decl.replace("__va_list_tag *", "va_list"))
    with open(a.out, "w") as f:
        f.write("# The prototypes of abi/lws-4.3-symbols.tsv's functions in lws v4.3.10's headers "
                "(default Linux build), read by tools/gen_abi_prototypes.py\n")
        f.write("symbol\tprototype\n")
        for s in syms:
            if s in protos:
                f.write(f"{s}\t{protos[s]}\n")
    print(f"{sum(s in protos for s in syms)} of {len(syms)} functions have a prototype; "
          f"none for: {' '.join(s for s in syms if s not in protos)}")


if __name__ == "__main__":
    main()
