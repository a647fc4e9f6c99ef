#!/usr/bin/env python3
"""Generate the C ABI test (build/capi/abi.c) from the lws v4.3 tables in abi/.

    gen_abi_test.py [--cc CC] [--include DIR] [--out FILE]

What the generated program checks, against a libwebsockets.h found in --include:
  * every struct of abi/lws-4.3-layout.tsv that the header defines: offsetof() and
    sizeof() of every member, sizeof() of the struct (the table's last member end,
    rounded up to the struct's alignment); a bitfield member (the table gives the byte
    holding it) is checked at run time: setting it in a zeroed struct must change that
    byte and no other;
  * every constant of abi/lws-4.3-constants.tsv and abi/extra-constants.tsv that the
    header declares (enum or #define alike): its value;
  * that the REQUIRED structs exist, and that every constant of the REQUIRED_HEADERS is
    declared;
  * every function the header declares that has a prototype in abi/lws-4.3-prototypes.tsv:
    lws's prototype, redeclared after the header, must not conflict with ours (the
    compiler's own type compatibility rules, so typedef spellings do not matter);
  * with --only-lws-functions: the header declares no function that is not an lws 4.3
    function (abi/lws-4.3-symbols.tsv), e.g. no internal hook.
All checks run at run time so one run reports every mismatch.  The program prints a
transcript ending in the counts, and exits 1 if anything failed.

Which structs, members and constants the header declares is found by compiling a probe
(one item per line, no -Werror) and reading the compiler's errors per line: this works
for an enum constant as well as a #define, and for any header (ours, or lws's own for a
differential run).
"""
import argparse, csv, os, re, shlex, subprocess, sys
from collections import OrderedDict

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

REQUIRED_STRUCTS = [
    "lws_context_creation_info", "lws_protocols", "lws_extension",
    "lws_protocol_vhost_options", "lws_http_mount", "lws_client_connect_info",
    "lws_retry_bo", "lws_sorted_usec_list", "lws_dll2", "lws_dll2_owner", "lws_tokens",
    "lws_pollargs", "lws_token_limits",
]
REQUIRED_HEADERS = [
    "libwebsockets.h", "lws-callbacks.h", "lws-write.h", "lws-logs.h",
    "lws-context-vhost.h", "lws-ws-close.h", "lws-timeout-timer.h", "lws-client.h",
    "lws-http.h", "lws-writeable.h",
]


SIZEOF = {}  # struct -> sizeof, where the layout table gives it
SYMBOLS = set()  # the functions lws 4.3's library exports
LINK_REFS = False  # reference every exported function (the program is linked with ours)


def table(name):
    with open(os.path.join(TOP, "abi", name)) as f:
        lines = [l for l in f if l.strip() and not l.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def load():
    structs = OrderedDict()  # name -> [(member, decl, offset, size, is_bitfield)]
    for r in table("lws-4.3-layout.tsv") + table("lws-4.3-layout-extra.tsv"):
        if r["member"] == "(sizeof)":
            SIZEOF[r["struct"]] = int(r["size"])
            continue
        bit = re.search(r":\s*\d+\s*$", r["declaration"]) is not None
        structs.setdefault(r["struct"], []).append(
            (r["member"], r["declaration"], int(r["offset"]), int(r["size"]), bit))
    consts = OrderedDict()  # name -> (value, [headers])
    for r in table("lws-4.3-constants.tsv") + table("extra-constants.tsv"):
        name, value = r["name"], int(r["value"])
        if name in consts:
            if consts[name][0] != value:
                sys.exit(f"gen_abi_test: {name} has two values in the tables")
            consts[name][1].append(r["header"])
        else:
            consts[name] = (value, [r["header"]])
    # the enumerators of every enum lws's headers declare (values written out in the table)
    for r in table("lws-4.3-decls.tsv"):
        if r["kind"] != "enum":
            continue
        body = r["decl"][r["decl"].find("{") + 1:r["decl"].rfind("}")]
        for item in body.split(","):
            if "=" in item:
                name, value = (x.strip() for x in item.split("=", 1))
                if name not in consts:
                    consts[name] = (int(value), [r["header"]])
    return structs, consts


def type_name(decl, member):
    """The type of a member declaration: the declaration without the member's name
    (`int (*reboot)(void)` -> `int (*)(void)`, `uint32_t a[7]` -> `uint32_t [7]`)."""
    spans = [m.span() for m in re.finditer(r"\b" + re.escape(member) + r"\b", decl)]
    a, b = spans[-1]
    return decl[:a] + decl[b:]


def probe(cc, include, workdir, structs, consts):
    """Compile one probe; return the set of item keys whose line drew an error."""
    lines = ["#include <libwebsockets.h>", "#include <stddef.h>"]
    keys = {}

    def add(key, code):
        lines.append(code)
        keys[len(lines)] = key

    for s, members in structs.items():
        add(("struct", s), f"size_t lws_probe_s{len(lines)} = sizeof(struct {s});")
        for m, _decl, _off, _size, bit in members:
            if bit:
                add(("member", s, m),
                    f"void lws_probe_f{len(lines)}(struct {s} *p) {{ p->{m} = 1; }}")
            else:
                add(("member", s, m),
                    f"size_t lws_probe_m{len(lines)} = offsetof(struct {s}, {m});")
                add(("type", s, m),
                    f"_Static_assert(__builtin_types_compatible_p(__typeof__(((struct {s} *)0)->{m}), "
                    f"{type_name(_decl, m)}), \"\");")
    for c in consts:
        add(("const", c), f"long long lws_probe_c{len(lines)} = (long long)({c});")
    src = os.path.join(workdir, "abi-probe.c")
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    cmd = shlex.split(cc) + ["-std=gnu11", "-w", "-fmax-errors=0", "-ftrack-macro-expansion=0",
                             "-fno-diagnostics-show-caret", "-I", include, "-c", src,
                             "-o", os.devnull]
    p = subprocess.run(cmd, capture_output=True, text=True)
    bad = {}
    pat = re.compile(r"^" + re.escape(src) + r":(\d+):(?:\d+:)? (?:fatal )?error: (.*)$")
    other = []
    for l in p.stderr.splitlines():
        m = pat.match(l)
        if m and int(m.group(1)) in keys:
            bad.setdefault(keys[int(m.group(1))], m.group(2))
        elif "error:" in l:
            other.append(l)
    if other:
        # an error outside the probe lines: the header itself does not compile
        sys.exit("gen_abi_test: the header does not compile:\n" + "\n".join(other[:20]))
    return bad


def declared_functions(cc, include, workdir):
    """{name: declaration} of the non-static functions declared by the headers in include."""
    src = os.path.join(workdir, "abi-decls.c")
    aux = os.path.join(workdir, "abi-decls.aux")
    with open(src, "w") as f:
        f.write("#include <libwebsockets.h>\n")
    p = subprocess.run(shlex.split(cc) + ["-std=gnu11", "-w", "-I", include, "-fsyntax-only",
                                         "-aux-info", aux, src], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("gen_abi_test: the header does not compile:\n" + p.stderr[:3000])
    inc = os.path.realpath(include) + os.sep
    out = {}
    for l in open(aux):
        m = re.match(r"/\* (\S+):\d+:\w+ \*/ (.*)$", l.strip())
        if not m or not os.path.realpath(m.group(1)).startswith(inc):
            continue
        decl = m.group(2)
        if decl.startswith("static"):
            continue
        name = re.search(r"(\w+) \(", decl)
        if name:
            out.setdefault(name.group(1), decl.replace("__va_list_tag *", "va_list"))
    return out


def check_prototypes(cc, include, workdir, protos, declared):
    """Redeclares lws's prototype of each declared function; {name: error} for conflicts."""
    names = [n for n in protos if n in declared]
    tags = sorted({t for n in names for t in re.findall(r"\bstruct\s+(\w+)", protos[n])})
    lines = ["#include <libwebsockets.h>"] + [f"struct {t};" for t in tags]
    where = {}
    for n in names:
        lines.append(protos[n])
        where[len(lines)] = n
    src = os.path.join(workdir, "abi-protos.c")
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    p = subprocess.run(shlex.split(cc) + ["-std=gnu11", "-w", "-fmax-errors=0",
                                         "-ftrack-macro-expansion=0", "-fno-diagnostics-show-caret",
                                         "-I", include, "-fsyntax-only", src],
                       capture_output=True, text=True)
    pat = re.compile(r"^" + re.escape(src) + r":(\d+):(?:\d+:)? (?:fatal )?error: (.*)$")
    bad = {}
    for l in p.stderr.splitlines():
        m = pat.match(l)
        if m and int(m.group(1)) in where:
            bad.setdefault(where[int(m.group(1))], m.group(2))
    return names, bad


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generate(structs, consts, bad, funcs):
    o = []
    w = o.append
    w("/* Generated by tools/gen_abi_test.py from the abi/ tables: do not edit. */")
    w("#include <libwebsockets.h>")
    w("#include <stddef.h>")
    w("#include <stdio.h>")
    w("#include <string.h>")
    w("")
    w("static int failures, checks;")
    w("")
    w("static void chk(const char *what, long long ours, long long lws)")
    w("{")
    w("\tchecks++;")
    w("\tif (ours != lws) {")
    w('\t\tprintf("MISMATCH %s: ours %lld, lws 4.3 %lld\\n", what, ours, lws);')
    w("\t\tfailures++;")
    w("\t}")
    w("}")
    w("")
    w("static void __attribute__((unused)) fail(const char *what)")
    w("{")
    w('\tprintf("FAIL %s\\n", what);')
    w("\tfailures++;")
    w("}")
    w("")
    w("/* a bitfield set to 1 in a zeroed struct must land in byte `at` and nowhere else */")
    w("static void chk_bits(const char *what, const unsigned char *b, size_t n, size_t at)")
    w("{")
    w("\tsize_t i;")
    w("")
    w("\tchecks++;")
    w("\tfor (i = 0; i < n; i++)")
    w("\t\tif ((i == at) != (b[i] != 0)) {")
    w('\t\t\tprintf("MISMATCH %s: setting it changed byte %zu, lws 4.3 has it in byte %zu\\n",')
    w("\t\t\t       what, i, at);")
    w("\t\t\tfailures++;")
    w("\t\t\treturn;")
    w("\t\t}")
    w("}")
    w("")
    w("#define ROUNDUP(n, a) ((((n) + (a) - 1) / (a)) * (a))")
    w("")
    n_structs = n_members = n_consts = 0
    absent_structs, absent_consts = [], []
    body = []
    b = body.append
    untyped = []
    for s, members in structs.items():
        if ("struct", s) in bad:
            if s in REQUIRED_STRUCTS:
                b(f'\tfail({c_str(f"struct {s} is required but the header does not define it")});')
            else:
                absent_structs.append(s)
            continue
        n_structs += 1
        b(f"\t/* struct {s} */")
        end = 0
        for m, decl, off, size, bit in members:
            end = max(end, off + size)
            if ("member", s, m) in bad:
                b(f'\tfail({c_str(f"struct {s} has no member {m} (lws 4.3: {decl}): " + bad[("member", s, m)])});')
                continue
            n_members += 1
            if bit:
                b("\t{")
                b(f"\t\tstruct {s} v;")
                b("\t\tmemset(&v, 0, sizeof(v));")
                b(f"\t\tv.{m} = 1;")
                b(f'\t\tchk_bits({c_str(f"struct {s}: bitfield {m}")}, (const unsigned char *)&v, sizeof(v), {off});')
                b("\t}")
            else:
                err = bad.get(("type", s, m))
                if err and "static assert" in err:
                    want = type_name(decl, m).strip()
                    b(f'\tfail({c_str(f"struct {s}: {m} does not have the type of lws 4.3: {want}")});')
                elif err:
                    untyped.append(f"{s}.{m}")
                else:
                    b("\tchecks++;")
                b(f'\tchk({c_str(f"offsetof(struct {s}, {m})")}, (long long)offsetof(struct {s}, {m}), {off});')
                b(f'\tchk({c_str(f"sizeof(struct {s}.{m}) ({decl})")}, (long long)sizeof(((struct {s} *)0)->{m}), {size});')
        if s in SIZEOF:
            b(f'\tchk({c_str(f"sizeof(struct {s})")}, (long long)sizeof(struct {s}), {SIZEOF[s]});')
        else:
            b(f'\tchk({c_str(f"sizeof(struct {s})")}, (long long)sizeof(struct {s}), '
              f"(long long)ROUNDUP({end}, _Alignof(struct {s})));")
    required_const = 0
    for c, (value, headers) in consts.items():
        req = any(h in REQUIRED_HEADERS for h in headers)
        required_const += req
        if ("const", c) in bad:
            if req:
                b(f'\tfail({c_str(f"{c} ({headers[0]}) is required but the header does not declare it")});')
            else:
                absent_consts.append(c)
            continue
        n_consts += 1
        b(f'\tchk({c_str(c)}, (long long)({c}), {value}LL);')
    declared, protos, checked, conflicts, foreign = funcs
    for n in checked:
        if n in conflicts:
            b(f'\tfail({c_str(f"prototype of {n}: ours `{declared[n]}`, lws 4.3 `{protos[n]}`: {conflicts[n]}")});')
    for n in foreign:
        b(f'\tfail({c_str(f"the header declares {n}, which is not an lws 4.3 function")});')
    # lws's type of every exported function our header declares, asserted at compile time,
    # and a reference to each so the program does not link if one is not exported
    exported = [n for n in sorted(SYMBOLS) if n in declared and n in protos] if LINK_REFS else []
    typed = 0
    for n in exported:
        d = protos[n].strip().rstrip(";")
        if d.startswith("extern "):
            d = d[len("extern "):]
        m = re.match(r"^(.*?)\b" + re.escape(n) + r"\s*(\(.*\))$", d)
        if not m or "(" in m.group(1) or n in conflicts:
            continue
        typed += 1
        o.append(f"typedef {m.group(1)} lws43_type_{n}{m.group(2)};")
        o.append(f"_Static_assert(__builtin_types_compatible_p(__typeof__({n}), lws43_type_{n}), "
                 f"{c_str(n + ' has a type other than lws 4.3s')});")
    o.append("static void (*const lws_refs[])(void) = {")
    for n in exported:
        o.append(f"\t(void (*)(void)){n},")
    o.append("};")
    o.append("")
    o.append("int main(void)")
    o.append("{")
    o.append(f'\tprintf("exported functions referenced: %zu, types asserted against lws 4.3: {typed}\\n", '
             f"sizeof(lws_refs) / sizeof(lws_refs[0]));")
    o.extend(body)
    if absent_structs:
        o.append(f'\tprintf("optional structs the header does not define (%d): %s\\n", '
                 f'{len(absent_structs)}, {c_str(" ".join(absent_structs))});')
    if untyped:
        o.append(f'\tprintf("member types not compared (a type our header does not have) (%d): %s\\n", '
                 f'{len(untyped)}, {c_str(" ".join(untyped))});')
    if absent_consts:
        o.append(f'\tprintf("optional constants the header does not declare (%d): %s\\n", '
                 f'{len(absent_consts)}, {c_str(" ".join(absent_consts))});')
    o.append(f'\tprintf("functions declared: {len(declared)}, prototypes checked against lws 4.3: '
             f'{len(checked)}, differing: {len(conflicts)}\\n");')
    o.append(f'\tprintf("structs: %d of {len(structs)} checked ({len(REQUIRED_STRUCTS)} required), '
             f'members: %d, constants: %d of {len(consts)} checked ({required_const} required), '
             f'%d checks, %d failed\\n", {n_structs}, {n_members}, {n_consts}, checks, failures);')
    o.append("\treturn failures ? 1 : 0;")
    o.append("}")
    return "\n".join(o) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--include", default=os.path.join(TOP, "include"))
    ap.add_argument("--out", default=os.path.join(TOP, "build", "capi", "abi.c"))
    ap.add_argument("--only-lws-functions", action="store_true",
                    help="fail for a declared function that is not in abi/lws-4.3-symbols.tsv")
    ap.add_argument("--link-refs", action="store_true",
                    help="assert each exported function's type and reference it (link with ours)")
    a = ap.parse_args()
    global LINK_REFS
    LINK_REFS = a.link_refs
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    structs, consts = load()
    missing = [s for s in REQUIRED_STRUCTS if s not in structs]
    if missing:
        sys.exit("gen_abi_test: required structs missing from the layout table: " + " ".join(missing))
    work = os.path.dirname(os.path.abspath(a.out))
    bad = probe(a.cc, a.include, work, structs, consts)
    protos = {r["symbol"]: r["prototype"] for r in table("lws-4.3-prototypes.tsv")}
    symbols = {r["symbol"] for r in table("lws-4.3-symbols.tsv")}
    SYMBOLS.update(symbols)
    # every function lws's headers declare is an lws function, exported or not
    symbols |= {r["names"].split(":", 1)[1] for r in table("lws-4.3-decls.tsv") if r["kind"] == "fn"}
    for r in table("lws-4.3-decls.tsv"):
        if r["kind"] == "fn":
            protos.setdefault(r["names"].split(":", 1)[1], r["decl"])
    declared = declared_functions(a.cc, a.include, work)
    checked, conflicts = check_prototypes(a.cc, a.include, work, protos, declared)
    foreign = sorted(n for n in declared if n not in symbols) if a.only_lws_functions else []
    with open(a.out, "w") as f:
        f.write(generate(structs, consts, bad, (declared, protos, checked, conflicts, foreign)))


if __name__ == "__main__":
    main()
