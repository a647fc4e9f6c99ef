#!/usr/bin/env python3
"""Read every declaration lws 4.3's public headers make in the default Linux build off
those headers, into abi/lws-4.3-decls.tsv and abi/lws-4.3-macros.tsv (tables of facts,
like the other abi/ tables).

    gen_abi_decls.py --lws-include DIR

DIR holds lws 4.3's libwebsockets.h and libwebsockets/; its lws_config.h is made from
abi/lws-4.3-config-defines.txt, as tools/gen_abi_prototypes.py does.  clang parses the
headers and prints each top-level declaration in its own normalised form (no comments,
no formatting of lws's, parameter names dropped); the tables keep, in lws's order:

  lws-4.3-decls.tsv   kind, names, header, decl: every struct, union, enum, typedef,
                      function and variable declared by an lws header, one line each.
  lws-4.3-macros.tsv  name, params, value: every macro an lws header defines (value only
                      for object-like macros; function-like ones list their parameters,
                      their bodies are ours to write, in cbindgen.toml).

build.rs turns the first table into the part of our header that the Rust sources do not
define (declarations only), and the abi check proves the two agree.
"""
import argparse, json, os, re, subprocess, sys, tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tools"))
from gen_abi_prototypes import config_h  # noqa: E402

CLANG = os.environ.get("CLANG", "clang-14")


def lws_header(path):
    m = re.search(r"(libwebsockets/(?:[\w-]+/)*[\w.-]+\.h|libwebsockets\.h|lws_config\.h)$", path or "")
    return os.path.basename(m.group(1)) if m else None


def ast_nodes(args):
    out = subprocess.run([CLANG, "-Xclang", "-ast-dump=json", "-fsyntax-only", "-x", "c",
                          "-"] + args, input="#include <libwebsockets.h>\n",
                         capture_output=True, text=True, check=True)
    cur = None
    for n in json.loads(out.stdout)["inner"]:
        loc = n.get("loc", {})
        f = loc.get("file") or (loc.get("spellingLoc") or {}).get("file") or \
            (loc.get("expansionLoc") or {}).get("file")
        if f:
            cur = f
        if n.get("isImplicit"):
            continue
        yield lws_header(cur), n


def printed_chunks(args):
    """Top-level declarations as clang prints them, split at ';' outside braces."""
    out = subprocess.run([CLANG, "-Xclang", "-ast-print", "-fsyntax-only", "-x", "c", "-"]
                         + args, input="#include <libwebsockets.h>\n",
                         capture_output=True, text=True, check=True).stdout
    chunks, cur, depth, paren = [], [], 0, 0
    for ch in out:
        cur.append(ch)
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "(":
            paren += 1
        elif ch == ")":
            paren -= 1
        elif ch == ";" and depth == 0 and paren == 0:
            chunks.append(" ".join("".join(cur).split()))
            cur = []
    return chunks


def strip_param_names(decl, fnname):
    """clang prints parameter names; the table keeps types only (as gcc -aux-info)."""
    return decl


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lws-include", required=True)
    a = ap.parse_args()
    inc = os.path.abspath(a.lws_include)
    with tempfile.TemporaryDirectory() as tmp:
        config_h(os.path.join(tmp, "lws_config.h"))
        args = ["-I" + inc, "-I" + tmp]
        names = {}  # (kind, name) -> header, for declarations made in lws's headers
        fn_types = {}
        complete = set()  # records lws's headers define, not only name
        records = []  # (struct, [(member, type)]) for the layout table
        for hdr, n in ast_nodes(args):
            if not hdr or hdr == "lws_config.h":
                continue
            k, name = n["kind"], n.get("name")
            if k == "FunctionDecl":
                names[("fn", name)] = hdr
                fn_types[name] = n["type"]["qualType"]
            elif k == "TypedefDecl":
                names[("typedef", name)] = hdr
            elif k == "RecordDecl" and name:
                names[(n["tagUsed"], name)] = hdr
                if n.get("completeDefinition"):
                    complete.add(name)
                    if n["tagUsed"] == "struct":
                        records.append((name, [(m["name"], m["type"]["qualType"])
                                               for m in n.get("inner", [])
                                               if m["kind"] == "FieldDecl" and m.get("name")
                                               and not m.get("isBitfield")]))
            elif k == "EnumDecl":
                if name:
                    names[("enum", name)] = hdr
                for m in n.get("inner", []):
                    if m["kind"] == "EnumConstantDecl":
                        names[("enumerator", m["name"])] = hdr
            elif k == "VarDecl":
                names[("var", name)] = hdr
        rows = []
        seen = set()
        for c in printed_chunks(args):
            kinds = classify(c)
            mine = [(k, nm) for k, nm in kinds if (k, nm) in names]
            if "{" in c and kinds and kinds[0][0] in ("struct", "union") and \
                    kinds[0][1] not in complete:
                continue  # a system type lws only names (struct addrinfo)
            if not mine:
                continue
            hdr = names[mine[0]]
            kind = mine[0][0]
            if kind == "enumerator":
                kind = "enum"  # an anonymous enum: its enumerators are its names
            if kind == "fn":
                c = fn_decl(mine[0][1], fn_types[mine[0][1]], c)
            key = (kind, c)
            if key in seen:
                continue
            seen.add(key)
            rows.append((kind, ",".join("%s:%s" % x for x in mine), hdr, c))
        rows = explicit_enum_values(rows, args, tmp)
        missing = set(names) - {x for r in rows for x in
                                (tuple(y.split(":", 1)) for y in r[1].split(","))}
        missing = {m for m in missing if m[0] != "enumerator"}
        if missing:
            print("not found in clang's print:", sorted(missing)[:20], file=sys.stderr)
        with open(os.path.join(TOP, "abi", "lws-4.3-decls.tsv"), "w") as f:
            f.write("# Every top-level declaration of lws v4.3.10's public headers (default Linux "
                    "build), as clang prints it, in lws's order; read by tools/gen_abi_decls.py\n")
            f.write("kind\tnames\theader\tdecl\n")
            for r in rows:
                f.write("\t".join(r) + "\n")
        macros(args, tmp)
        layouts(args, tmp, records)
        print("%d declarations" % len(rows))


FN_ATTRS = re.compile(r"__attribute__\(\((?:[^()]|\([^()]*\))*\)\)\s*")


def fn_decl(name, qtype, printed):
    """`ret name(types)` from clang's function type, so parameter names are not kept."""
    m = re.match(r"^(.*?)\s*\((.*)\)$", qtype)
    ret, params = m.group(1), m.group(2)
    if "(*)" in ret or "(" in ret:
        return FN_ATTRS.sub("", printed)  # a function returning a function pointer
    sep = "" if ret.endswith("*") else " "
    params = params.replace("struct __va_list_tag *", "va_list")
    return "%s%s%s(%s);" % (ret, sep, name, params or "void")


def classify(c):
    """(kind, name) pairs a printed declaration defines or declares."""
    out = []
    body = re.sub(r"\{.*\}", "{}", c)  # member lists do not name top-level things
    for m in re.finditer(r"\b(struct|union|enum)\s+(\w+)\s*\{", c):
        out.append((m.group(1), m.group(2)))
        break
    if not out:
        m = re.match(r"^(?:typedef\s+)?(?:const\s+)?(struct|union|enum)\s+(\w+)\s*;$", c)
        if m:
            out.append((m.group(1), m.group(2)))
    if c.startswith("enum") or re.match(r"^typedef enum", c):
        for m in re.finditer(r"[{,]\s*(\w+)\s*(?:=[^,}]*)?(?=[,}])", c[c.find("{"):] if "{" in c else ""):
            out.append(("enumerator", m.group(1)))
    if body.startswith("typedef"):
        m = re.search(r"\(\s*\*?\s*(\w+)\s*\)\s*\(", body) or \
            re.search(r"(\w+)\s*\((?:[^()]|\([^()]*\))*\)\s*(?:__attribute__.*)?;$", body) or \
            re.search(r"(\w+)\s*(?:\[[^\]]*\])*\s*;$", body)
        if m:
            out.append(("typedef", m.group(1)))
    elif "(" in body and not body.startswith(("struct", "union", "enum")) or \
            re.match(r"^(?:extern\s+)?(?:const\s+)?(?:struct|union|enum)\s+\w+\s*\*?\s*\w+\s*\(", body):
        m = re.search(r"(\w+)\s*\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)\s*(?:__attribute__.*)?;$", body)
        if m and not re.match(r"^extern\s+const\b.*\w+\s*\[", body):
            out.append(("fn", m.group(1)))
    if body.startswith("extern") or re.match(r"^(?:const\s+)?(?:struct\s+)?\w+\s+\*?\s*\w+\s*(?:\[\d*\])?;$", body):
        m = re.search(r"(\w+)\s*(?:\[[^\]]*\])?\s*;$", body)
        if m:
            out.append(("var", m.group(1)))
    return out


def explicit_enum_values(rows, args, tmp):
    """Enumerators get their values written out (compiled and printed against lws's
    headers), so a declaration stays right when some of its enumerators are left out."""
    enums = [n.split(":", 1)[1] for r in rows if r[0] == "enum" for n in r[1].split(",")
             if n.startswith("enumerator:")]
    src = os.path.join(tmp, "vals.c")
    with open(src, "w") as f:
        f.write("#include <libwebsockets.h>\n#include <stdio.h>\nint main(void) {\n")
        for e in enums:
            f.write('printf("%%s %%lld\\n", "%s", (long long)%s);\n' % (e, e))
        f.write("return 0; }\n")
    exe = os.path.join(tmp, "vals")
    subprocess.run(["cc", "-w", "-o", exe, src] + args, check=True)
    vals = dict(l.split() for l in subprocess.run([exe], capture_output=True, text=True,
                                                    check=True).stdout.splitlines())
    out = []
    for r in rows:
        if r[0] == "enum":
            head, body, tail = re.match(r"^(.*?\{)(.*)(\}.*)$", r[3]).groups()
            items = [i.strip() for i in body.split(",") if i.strip()]
            body = " " + ", ".join("%s = %s" % (i.split("=")[0].strip(),
                                                vals[i.split("=")[0].strip()]) for i in items) + " "
            r = (r[0], r[1], r[2], head + body + tail)
        out.append(r)
    return out


def member_decl(name, qtype):
    if "(*)" in qtype:
        return qtype.replace("(*)", "(*%s)" % name, 1)
    m = re.match(r"^(.*?)\s*((?:\[\d*\])+)$", qtype)
    if m:
        return "%s %s%s" % (m.group(1), name, m.group(2))
    return "%s %s" % (qtype, name)


def layouts(args, tmp, records):
    """Offsets and sizes of the members of every struct lws's headers define that
    abi/lws-4.3-layout.tsv does not already hold, compiled against lws's headers, into
    abi/lws-4.3-layout-extra.tsv (same columns; bitfield members are left out)."""
    with open(os.path.join(TOP, "abi", "lws-4.3-layout.tsv")) as f:
        have = {l.split("\t")[0] for l in f}
    records = [r for r in records if r[0] not in have and r[1]]
    src = os.path.join(tmp, "lay.c")
    with open(src, "w") as f:
        f.write("#include <libwebsockets.h>\n#include <stdio.h>\n#include <stddef.h>\n"
                "int main(void) {\n")
        for s, members in records:
            f.write('printf("0 %%zu\\n", sizeof(struct %s));\n' % s)
            for m, _t in members:
                f.write('printf("%%zu %%zu\\n", offsetof(struct %s, %s), '
                        'sizeof(((struct %s *)0)->%s));\n' % (s, m, s, m))
        f.write("return 0; }\n")
    exe = os.path.join(tmp, "lay")
    subprocess.run(["cc", "-w", "-o", exe, src] + args, check=True)
    vals = iter(subprocess.run([exe], capture_output=True, text=True,
                               check=True).stdout.splitlines())
    with open(os.path.join(TOP, "abi", "lws-4.3-layout-extra.tsv"), "w") as f:
        f.write("# The structs of lws v4.3.10's public headers that lws-4.3-layout.tsv leaves "
                "out (bitfield members too), compiled against them by tools/gen_abi_decls.py\n")
        f.write("struct\tmember\tdeclaration\toffset\tsize\n")
        for s, members in records:
            f.write("\t".join((s, "(sizeof)", "", "0", next(vals).split()[1])) + "\n")
            for m, t in members:
                off, size = next(vals).split()
                f.write("\t".join((s, m, member_decl(m, t), off, size)) + "\n")


def macros(args, tmp):
    out = subprocess.run([CLANG, "-E", "-dD", "-x", "c", "-"] + args,
                         input="#include <libwebsockets.h>\n", capture_output=True,
                         text=True, check=True).stdout
    cur, rows, seen = None, [], set()
    lines = out.split("\n")
    for line in lines:
        m = re.match(r'# \d+ "([^"]+)"', line)
        if m:
            cur = lws_header(m.group(1))
            continue
        m = re.match(r"#define (\w+)(\([^)]*\))?\s*(.*)$", line)
        if not m or not cur or cur == "lws_config.h" or m.group(1) in seen:
            continue
        seen.add(m.group(1))
        name, params, value = m.group(1), m.group(2) or "", m.group(3)
        rows.append((name, params, "" if params else " ".join(value.split()), cur))
    with open(os.path.join(TOP, "abi", "lws-4.3-macros.tsv"), "w") as f:
        f.write("# Every macro lws v4.3.10's public headers define (default Linux build), not "
                "lws_config.h's; values of object-like ones; read by tools/gen_abi_decls.py\n")
        f.write("name\tparams\tvalue\theader\n")
        for r in rows:
            f.write("\t".join(r) + "\n")


if __name__ == "__main__":
    main()
