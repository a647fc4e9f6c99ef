#!/usr/bin/env python3
"""Writes section-3 man pages from the doc comments of include/libwebsockets.h, the same
text the HTML reference (tools/header_docs_html.py) is made from:

    libwebsockets.3          the overview: how a program uses the library, every function
                             grouped by the lws 4.3 sub-header that declares it, the types,
                             the documented constants, what is not implemented yet
    NAME.3                   one page per documented, implemented function (lws_write.3, ...)
    NAME.3                   one page per documented struct, union and enum, with its members
                             or values (lws_context_creation_info.3, lws_write_protocol.3, ...);
                             a type named like a function gets its typedef's name (lws_tokenize_t.3)

    gen_man_pages.py [--header include/libwebsockets.h] --out DIR
    gen_man_pages.py [--header include/libwebsockets.h] --list     the page file names

Plain roff with the man macros and nothing else, so `man -l`, groff and mandoc all render
it; the pages are checked with `groff -man -ww` by the `man` built-in check of
tools/run_capi_tests.py.  `make install` puts them in share/man/man3/.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from header_docs_html import defines, parse  # noqa: E402  (one reading of the header's comments)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOT_YET = re.compile(r"^(\w+)\(\): not implemented yet")


def esc(s):
    """Text made safe for roff: backslashes, and a line may not start with . or '."""
    return s.replace("\\", "\\e")


def line(s):
    s = esc(s)
    return "\\&" + s if s[:1] in (".", "'") else s


def prose(text):
    """A comment's text as roff paragraphs: its lines joined, `code` in bold, a blank
    line starting a new paragraph."""
    out = []
    for para in re.split(r"\n\s*\n", text.strip()):
        t = " ".join(l.strip() for l in para.splitlines() if l.strip())
        # a Rust doc heading ("# Safety") starts a subsection: the caller's contract
        h = re.match(r"#+ (\w+)\s*(.*)", t)
        if h:
            out.append(f'.SS "{h.group(1)}"')
            t = h.group(2)
            if not t:
                continue
        t = esc(t)
        t = re.sub(r"`([^`]+)`", lambda m: "\\fB" + m.group(1) + "\\fR", t)
        if out and not out[-1].startswith(".SS"):
            out.append(".PP")
        out.append(t if t[:1] not in (".", "'") else "\\&" + t)
    return out


def first_sentence(text):
    """Up to the first `.`, `:` or `;` that ends a clause outside parentheses."""
    t = " ".join(text.split())
    depth, end = 0, len(t)
    for i, c in enumerate(t):
        if c in "([":
            depth += 1
        elif c in ")]":
            depth = max(0, depth - 1)
        elif c in ".:;" and depth == 0 and (i + 1 == len(t) or t[i + 1] == " "):
            end = i
            break
    return t[:end].replace("`", "")


def strip_comments(decl):
    """A declaration without its comments and blank lines."""
    decl = re.sub(r"/\*.*?\*/", "", decl, flags=re.S)
    return "\n".join(l.rstrip() for l in decl.splitlines() if l.strip())


def code_block(text):
    out = [".PP", ".nf", ".ft B"]
    out += [line(l.replace("\t", "        ")) for l in text.splitlines()]
    out += [".ft R", ".fi"]
    return out


def th(name, version):
    # left-adjusted and unhyphenated: the pages are mostly identifiers
    return [f'.TH "{name}" 3 "" "libwebsockets {version}" "libwebsockets API"', ".ad l", ".nh"]


def bodies(text):
    """{name: the declaration of the struct, union or enum as the header writes it}, for
    the ones written over several lines at the top level."""
    out = {}
    lines = text.splitlines()
    for i, l in enumerate(lines):
        m = re.match(r"^(?:typedef\s+)?(?:struct|union|enum)\s*(\w+)?\s*\{\s*$", l)
        if not m:
            continue
        depth, body = 0, []
        for l2 in lines[i:]:
            body.append(l2)
            depth += l2.count("{") - l2.count("}")
            if depth <= 0 and len(body) > 1:
                break
        name = m.group(1)
        if not name:
            mt = re.match(r"\s*\}\s*(\w+)\s*;", body[-1])
            name = mt.group(1) if mt else None
        if name and name not in out:
            out[name] = "\n".join(body)
    return out


def groups():
    """{function: the lws 4.3 header declaring it} from abi/lws-4.3-decls.tsv."""
    out = {}
    path = os.path.join(ROOT, "abi", "lws-4.3-decls.tsv")
    for l in open(path):
        parts = l.rstrip("\n").split("\t")
        if len(parts) >= 3 and parts[0] == "fn" and parts[1].startswith("fn:"):
            out[parts[1][3:]] = parts[2]
    return out


def type_refs(decl, pages):
    """Pages of the structs, unions and enums a declaration names."""
    refs = []
    for m in re.finditer(r"\b(?:struct|union|enum)\s+(\w+)", decl):
        p = pages.get(m.group(1))
        if p and p not in refs:
            refs.append(p)
    return refs


def see_also(refs, self_name):
    names = ["libwebsockets"] + [r for r in refs if r != self_name]
    out = [".SH SEE ALSO"]
    for k, n in enumerate(names):
        out.append(f".BR {n} (3){',' if k < len(names) - 1 else ''}")
    return out


def render_all(text):
    """{file name: page text}."""
    vm = re.search(r'#define LWS_LIBRARY_VERSION "([^"]+)"', text)
    version = vm.group(1) if vm else ""
    items = parse(text)
    fns = [it for it in items if it[0] == "function" and not NOT_YET.match(it[2])]
    not_yet = sorted({it[1] for it in items if it[0] == "function" and NOT_YET.match(it[2])})
    fn_names = {it[1] for it in fns}
    types = [it for it in items if it[0] in ("struct", "union", "enum") and it[1]]
    # page name of each type: its own name unless a function has it
    pages, raw = {}, bodies(text)
    for kind, name, comment, decl, members in types:
        pages[name] = name + "_t" if name in fn_names else name
    # every documented constant and enum value, for the pages that name a family of them
    known = list(defines(text))
    for kind, name, comment, decl, members in types:
        if kind == "enum":
            known += members
    out = {}

    def families(texts, own=()):
        """A section per family of constants the texts name as PREFIX_* (LWS_SERVER_OPTION_*,
        LCCSCF_*, LLL_*...), listing them with their comments, unless the page itself
        lists them (an enum's own values)."""
        sec = []
        prefixes = []
        for tx in texts:
            for pre in re.findall(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_)\*", tx):
                if pre not in prefixes:
                    prefixes.append(pre)
        for pre in prefixes:
            vals = [(n, c) for n, c in known if n.startswith(pre) and n not in own]
            seen, uniq = set(), []
            for n, c in vals:
                if n not in seen:
                    seen.add(n)
                    uniq.append((n, c))
            if uniq:
                sec.append(f'.SH "{pre}* VALUES"')
                for n, c in uniq:
                    sec += [".TP", f".B {n}"] + prose(c)
        return sec

    for kind, name, comment, decl, members in fns:
        page = th(name, version)
        page += [".SH NAME", f"{name} \\- {esc(first_sentence(comment))}"]
        page += [".SH SYNOPSIS", ".nf", ".B #include <libwebsockets.h>", ".fi"]
        page += code_block(" ".join(l.strip() for l in decl.splitlines()).replace("( ", "("))
        page += [".SH DESCRIPTION"] + prose(comment)
        page += families([comment])
        page += see_also(type_refs(decl, pages), None)
        out[name + ".3"] = "\n".join(page) + "\n"

    for kind, name, comment, decl, members in types:
        pname = pages[name]
        page = th(pname, version)
        what = first_sentence(comment) if comment else f"the {kind} {name}"
        page += [".SH NAME", f"{pname} \\- {esc(what)}"]
        page += [".SH SYNOPSIS", ".nf", ".B #include <libwebsockets.h>", ".fi"]
        page += code_block(strip_comments(raw.get(name, decl)))
        if comment:
            page += [".SH DESCRIPTION"] + prose(comment)
        if members:
            page.append(".SH VALUES" if kind == "enum" else ".SH MEMBERS")
            for m, c in members:
                page += [".TP", f".B {m}"] + prose(c)
        page += families([comment] + [c for _, c in members], {m for m, _ in members})
        page += see_also(type_refs(decl, pages), pname)
        out[pname + ".3"] = "\n".join(page) + "\n"

    out["libwebsockets.3"] = overview(version, fns, types, pages, not_yet, defines(text))
    return out


def overview(version, fns, types, pages, not_yet, defs):
    g = groups()
    p = th("libwebsockets", version)
    p += [".SH NAME",
          "libwebsockets \\- WebSocket, HTTP/1.1 and TLS servers and clients in C "
          "(the lws 4.3 API, implemented in Rust)"]
    p += [".SH SYNOPSIS", ".nf", ".B #include <libwebsockets.h>", ".PP",
          ".B cc prog.c $(pkg-config \\-\\-cflags \\-\\-libs libwebsockets)",
          ".B cc prog.c $(pkg-config \\-\\-static \\-\\-cflags \\-\\-libs libwebsockets_static)",
          ".fi"]
    p += [".SH DESCRIPTION"]
    p += prose(
        "This library offers the C API and ABI of libwebsockets (lws) 4.3: the same "
        "functions, structs, constants and callback order, in the same "
        "`libwebsockets.so.19`, so programs written for lws build and run against it "
        "unchanged. It is written in Rust; the C interface is a thin layer that checks "
        "its arguments and never lets a fault in the library take the program down with "
        "undefined behaviour.\n\n"
        "A program describes what it speaks in an array of `struct lws_protocols` (a name, "
        "a callback, the size of its per-connection data), ended by an all-zero entry. It "
        "zeroes a `struct lws_context_creation_info`, sets the port, the protocols, the "
        "mounts (`struct lws_http_mount`) and the LWS_SERVER_OPTION_* bits it wants, and "
        "calls lws_create_context(). Then it calls lws_service() in a loop until it is "
        "done, and lws_context_destroy().\n\n"
        "Everything that happens to a connection reaches the program as a call of its "
        "protocol's callback with a reason (`enum lws_callback_reasons`): a WebSocket "
        "connection was established, data arrived, the connection can be written to, it "
        "closed. Output is sent from the WRITEABLE reasons: the program asks for one with "
        "lws_callback_on_writable() and writes one buffer with lws_write() when it comes, "
        "leaving LWS_PRE bytes free before the data for the library's framing. Clients are "
        "made with lws_client_connect_via_info(); timers with lws_sul_schedule().\n\n"
        "Each page below says what the function or type does in this library, and where "
        "it differs from lws and why. A creation or connect option this build cannot "
        "honour is refused with an error naming it, never silently ignored. The functions "
        "listed under NOT IMPLEMENTED YET are exported so programs link, log once and "
        "return lws's failure value.")
    p += [".SH FUNCTIONS", "Grouped by the lws 4.3 header that declares them "
          "(all are declared by libwebsockets.h here)."]
    by = {}
    for it in fns:
        by.setdefault(g.get(it[1], "other"), []).append(it[1])
    for hdr in sorted(by):
        p += [f".SS {esc(hdr)}"]
        names = sorted(by[hdr])
        p += [f".BR {n} (3){',' if k < len(names) - 1 else ''}" for k, n in enumerate(names)]
    p += [".SH TYPES"]
    for kind, title in (("struct", "Structs"), ("union", "Unions"), ("enum", "Enums")):
        names = sorted(pages[it[1]] for it in types if it[0] == kind)
        if names:
            p += [f".SS {title}"]
            p += [f".BR {n} (3){',' if k < len(names) - 1 else ''}" for k, n in enumerate(names)]
    if defs:
        p += [".SH CONSTANTS"]
        for name, c in defs:
            p += [".TP", f".B {name}"] + prose(c)
    if not_yet:
        p += [".SH NOT IMPLEMENTED YET",
              "Declared and exported, but each only logs once and returns lws's failure "
              "value (MATRIX.md says what is planned):"]
        p += [".PP", ", ".join(not_yet)]
    p += [".SH FILES", "Under the installation prefix (/usr/local by default, /usr for the "
          "Debian packages):", ".TP", ".I include/libwebsockets.h",
          "The whole API, with these pages' text as comments.",
          ".TP", ".I include/lws_config.h",
          "The LWS_ROLE_* and LWS_WITH_* macros of what this build provides.",
          ".TP", ".I share/doc/libwebsockets/api-reference.html",
          "The same reference as one HTML page.",
          ".TP", ".I share/doc/libwebsockets/README.md, MATRIX.md",
          "What works, the limits, the differences from lws; every function's state. "
          "(The Debian package keeps these in share/doc/libwebsockets-rs-dev.)"]
    p += see_also(["lws_context_creation_info", "lws_protocols", "lws_callback_reasons",
                   "lws_create_context", "lws_service", "lws_write"], None)
    return "\n".join(p) + "\n"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--header", default=os.path.join(ROOT, "include", "libwebsockets.h"))
    ap.add_argument("--out")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args(argv)
    pages = render_all(open(a.header).read())
    if a.list:
        print("\n".join(sorted(pages)))
        return 0
    if not a.out:
        ap.error("--out or --list is needed")
    os.makedirs(a.out, exist_ok=True)
    for old in os.listdir(a.out):
        if old.endswith(".3"):
            os.remove(os.path.join(a.out, old))
    for name, text in pages.items():
        with open(os.path.join(a.out, name), "w") as f:
            f.write(text)
    print(f"{a.out}: {len(pages)} man pages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
