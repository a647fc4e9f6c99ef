#!/usr/bin/env python3
"""Turns the doc comments of include/libwebsockets.h into one HTML API reference page.

The header's comments are the Rust sources' `///` doc comments (cbindgen) and build.rs's
notes, so this page says exactly what the header says, laid out for reading: an index,
then every documented function with its prototype, every documented struct, union and
enum with its members, and the documented constants.  `make install` puts it in share/doc/libwebsockets/.

    python3 tools/header_docs_html.py [--header include/libwebsockets.h] --out FILE.html
"""
import argparse
import html
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_header_docs import PROTO  # noqa: E402  (one definition of "a prototype")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCK = re.compile(r"(?:typedef\s+)?(struct|union|enum)\s*(\w+)?\s*\{")


def comment_text(lines):
    """The text of a comment block's lines, without the comment markers."""
    out = []
    for l in lines:
        s = l.strip()
        s = re.sub(r"^/\*\*?", "", s)
        s = re.sub(r"\*/$", "", s)
        s = re.sub(r"^\* ?", "", s) if not s.startswith("*/") else ""
        s = re.sub(r"^// ?", "", s)
        out.append(s.strip())
    return "\n".join(out).strip()


def parse(text):
    """[(kind, name, comment, declaration, [(member, comment)])], in header order."""
    items = []
    lines = text.splitlines()
    i, pending, in_define = 0, None, False
    while i < len(lines):
        line, s = lines[i], lines[i].strip()
        i += 1
        if in_define or s.startswith("#"):
            in_define = s.endswith("\\")
            pending = None
            continue
        if s.startswith("/*") or s.startswith("//"):
            block = [line]
            if s.startswith("/*"):
                while "*/" not in block[-1][block[-1].find("/*") + 2:] and i < len(lines):
                    block.append(lines[i])
                    i += 1
            pending = comment_text(block)
            continue
        if not s:
            pending = None
            continue
        m = BLOCK.match(line)
        if m and line[0] not in " \t":
            kind, name = m.group(1), m.group(2)
            depth, body, members, mcomment = line.count("{") - line.count("}"), [line], [], None
            while depth > 0 and i < len(lines):
                ml = lines[i]
                i += 1
                body.append(ml)
                ms = ml.strip()
                if ms.startswith("/*"):
                    cb = [ml]
                    while "*/" not in cb[-1][cb[-1].find("/*") + 2:] and i < len(lines):
                        cb.append(lines[i])
                        body.append(lines[i])
                        i += 1
                    mcomment = comment_text(cb)
                    continue
                depth += ml.count("{") - ml.count("}")
                if depth >= 1 and ms and mcomment:
                    # a nested body on one line (`union { ... } u;`) is named after it
                    flat = re.sub(r"\{.*\}", "", ms)
                    mm = re.search(r"(\w+)\s*(?:=|,|;|\[|:\s*\d|\)\s*\()", flat)
                    members.append((mm.group(1) if mm else ms, mcomment))
                mcomment = None
            if name is None:
                # `typedef enum { ... } name;` is named at its end; an anonymous enum's
                # values are constants (name "")
                mt = re.match(r"\s*\}\s*(\w+)\s*;", body[-1])
                name = mt.group(1) if mt and line.startswith("typedef") else ""
            if pending or members:
                decl = "\n".join(l for l in body if not l.strip().startswith(("/*", "*")))
                items.append((kind, name, pending or "", decl, members))
            pending = None
            continue
        m = PROTO.match(line)
        if m and line[0] not in " \t":
            decl = [line]
            while not decl[-1].rstrip().endswith(";") and i < len(lines):
                decl.append(lines[i])
                i += 1
            if pending:
                items.append(("function", m.group(1), pending, "\n".join(decl), []))
        pending = None
    return items


def defines(text):
    """[(name, comment)] of the documented `#define NAME value` lines, and the values of
    documented anonymous enums, in header order: the constants."""
    out, pending = [], None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        s = lines[i].strip()
        if s.startswith("/*"):
            block = [lines[i]]
            while "*/" not in block[-1][block[-1].find("/*") + 2:] and i + 1 < len(lines):
                i += 1
                block.append(lines[i])
            pending = comment_text(block)
            i += 1
            continue
        m = re.match(r"#define\s+(\w+)\s+\S", s)
        if m and pending:
            out.append((m.group(1), pending))
        pending = None
        i += 1
    out += [(n, c) for it in parse(text) if it[0] == "enum" and not it[1] for n, c in it[4]]
    return out


def render(items, version, consts=()):
    esc = html.escape

    def prose(t):
        # `code` spans as <code>; a paragraph per blank-line-separated block; a Rust doc
        # heading ("# Safety") as a small heading
        out = []
        for para in re.split(r"\n\s*\n", t.strip()):
            p = esc(" ".join(para.split()))
            p = re.sub(r"`([^`]+)`", r"<code>\1</code>", p)
            h = re.match(r"#+ (\w+)\s*(.*)", p)
            if h:
                out.append(f"<h4>{h.group(1)}</h4>")
                p = h.group(2)
            if p:
                out.append("<p>" + p + "</p>")
        return "".join(out)

    kinds = [("function", "Functions"), ("struct", "Structs"), ("union", "Unions"),
             ("enum", "Enums")]
    out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
           f"<title>libwebsockets {esc(version)} API reference</title>",
           "<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
           "pre{background:#f4f4f4;padding:.5em;overflow-x:auto}"
           "h3{margin-top:2em;border-top:1px solid #ddd;padding-top:.5em}"
           "dt{font-family:monospace;font-weight:bold}.idx a{margin-right:.8em}</style>",
           "</head><body>",
           f"<h1>libwebsockets {esc(version)}: API reference</h1>",
           "<p>Generated from the comments of <code>libwebsockets.h</code>"
           " (tools/header_docs_html.py). The names, values and layouts are lws v4.3's;"
           " the text says what this library does, and where it differs from lws.</p>"]
    items = [it for it in items if it[1]]
    for kind, title in kinds:
        names = [it[1] for it in items if it[0] == kind]
        if names:
            out.append(f"<h2>{title} ({len(names)})</h2><div class=\"idx\">"
                       + " ".join(f"<a href=\"#{kind}-{esc(n)}\">{esc(n)}</a>" for n in names)
                       + "</div>")
    for kind, title in kinds:
        sel = [it for it in items if it[0] == kind]
        if not sel:
            continue
        out.append(f"<h2>{title}</h2>")
        for _, name, comment, decl, members in sel:
            out.append(f"<h3 id=\"{kind}-{esc(name)}\">{esc(name)}</h3>")
            if kind == "function":
                out.append(f"<pre>{esc(decl.strip())}</pre>")
            if comment:
                out.append(prose(comment))
            if members:
                out.append("<dl>" + "".join(f"<dt>{esc(m)}</dt><dd>{prose(c)}</dd>"
                                           for m, c in members) + "</dl>")
    if consts:
        out.append(f"<h2 id=\"constants\">Constants ({len(consts)})</h2><dl>"
                   + "".join(f"<dt id=\"const-{esc(n)}\">{esc(n)}</dt><dd>{prose(c)}</dd>"
                             for n, c in consts) + "</dl>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--header", default=os.path.join(ROOT, "include", "libwebsockets.h"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    text = open(a.header).read()
    m = re.search(r'#define LWS_LIBRARY_VERSION "([^"]+)"', text)
    items = parse(text)
    with open(a.out, "w") as f:
        f.write(render(items, m.group(1) if m else "", defines(text)))
    counts = {k: sum(1 for it in items if it[0] == k) for k in ("function", "struct", "enum")}
    print(f"{a.out}: {counts['function']} functions, {counts['struct']} structs, "
          f"{counts['enum']} enums")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
