//! Generates libwebsockets.h with cbindgen, completes it with the declarations of lws's
//! public headers that the Rust sources do not define (from abi/lws-4.3-decls.tsv),
//! compiles the C varargs shim and the not-yet entry points, and gives the shared object
//! lws's soname.
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=abi/lws-4.3-decls.tsv");
    println!("cargo:rerun-if-changed=abi/lws-4.3-macros.tsv");
    println!("cargo:rerun-if-changed=abi/lws-4.3-symbols.tsv");
    println!("cargo:rerun-if-changed=abi/notyet-fail.tsv");
    println!("cargo:rerun-if-changed=abi/c-docs.tsv");
    println!("cargo:rerun-if-changed=abi/decl-docs.tsv");

    // The header is written next to the build's other outputs; `make header` copies it
    // into include/ and `make test` fails if the committed copy differs.
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen failed")
        .write(&mut generated);
    let text = String::from_utf8(generated).expect("cbindgen wrote UTF-8");
    let (text, stubs) = complete(&dir, &text);
    let header = out.join("libwebsockets.h");
    std::fs::write(&header, &text).expect("write header");
    let target_dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| dir.join("target"));
    let _ = std::fs::create_dir_all(&target_dir);
    let _ = std::fs::copy(&header, target_dir.join("libwebsockets.h"));

    // Rust cannot define C variadic functions on stable: _lws_log() and lws_snprintf()
    // are a few lines of C that format and hand over to Rust.  The exported functions
    // not implemented yet are C too (notyet.c, generated below): they only log once and
    // return lws's failure value, and C needs none of the argument types to do that.
    println!("cargo:rerun-if-changed=src/capi/varargs.c");
    let notyet = out.join("notyet.c");
    std::fs::write(&notyet, stubs.c).expect("write notyet.c");
    cc::Build::new()
        .file("src/capi/varargs.c")
        .file(&notyet)
        .flag("-fvisibility=hidden")
        .link_lib_modifier("+whole-archive")
        .compile("lwsvarargs");

    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libwebsockets.so.19");
    // rustc exports the Rust `#[no_mangle]` functions itself; this adds the C ones and
    // hides the two internal hooks varargs.c calls.
    println!("cargo:rerun-if-changed=src/capi/exports.map");
    let map = std::fs::read_to_string(dir.join("src/capi/exports.map")).expect("exports.map");
    let map = map.replacen("global:", &format!("global:\n{}", stubs.exports), 1);
    let map_path = out.join("exports.map");
    std::fs::write(&map_path, map).expect("write exports.map");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        map_path.display()
    );
}

struct Stubs {
    c: String,
    exports: String,
}

fn tsv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .skip(1)
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every identifier of `s`, and those followed by `(` (functions and function-like
/// macros) apart.
fn identifiers(s: &str) -> (HashSet<String>, HashSet<String>) {
    let (mut all, mut called) = (HashSet::new(), HashSet::new());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if is_ident(b[i] as char) && (i == 0 || !is_ident(b[i - 1] as char)) {
            let start = i;
            while i < b.len() && is_ident(b[i] as char) {
                i += 1;
            }
            let w = &s[start..i];
            let mut j = i;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            if j < b.len() && b[j] == b'(' {
                called.insert(w.to_owned());
            }
            all.insert(w.to_owned());
        } else {
            i += 1;
        }
    }
    (all, called)
}

/// Names the text defines: struct/union/enum bodies and typedefs.
fn defined(s: &str) -> (HashSet<String>, HashSet<String>) {
    let (mut tags, mut typedefs) = (HashSet::new(), HashSet::new());
    for kw in ["struct ", "union ", "enum "] {
        let mut rest = s;
        while let Some(p) = rest.find(kw) {
            let after = &rest[p + kw.len()..];
            let name: String = after.chars().take_while(|&c| is_ident(c)).collect();
            let tail = after[name.len()..].trim_start();
            if !name.is_empty() && tail.starts_with('{') {
                tags.insert(format!("{}{}", kw.trim(), name));
            }
            rest = &rest[p + kw.len()..];
        }
    }
    // typedef statements: up to the `;` that ends them outside braces
    let mut rest = s;
    while let Some(p) = rest.find("typedef ") {
        let st = &rest[p..];
        let (mut depth, mut end) = (0i32, st.len());
        for (i, c) in st.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ';' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let stmt = &st[..end];
        let flat: String = {
            // drop bodies: their member names are not the typedef's
            let (mut d, mut o) = (0, String::new());
            for c in stmt.chars() {
                if c == '{' {
                    d += 1;
                }
                if d == 0 {
                    o.push(c);
                }
                if c == '}' {
                    d -= 1;
                }
            }
            o
        };
        let name = typedef_name(&flat);
        if let Some(n) = name {
            typedefs.insert(n);
        }
        rest = &st[end.min(st.len())..];
        if rest.is_empty() {
            break;
        }
        rest = &rest[1..];
    }
    (tags, typedefs)
}

fn typedef_name(flat: &str) -> Option<String> {
    // `typedef R (*name)(...)` / `typedef R (name)(...)` / `typedef R name(...)` / `typedef T name`
    if let Some(p) = flat.find('(') {
        let inner = flat[p + 1..]
            .trim_start()
            .trim_start_matches('*')
            .trim_start();
        let n: String = inner.chars().take_while(|&c| is_ident(c)).collect();
        if !n.is_empty() && inner[n.len()..].trim_start().starts_with(')') {
            return Some(n);
        }
        let before = flat[..p].trim_end();
        let n: String = before.chars().rev().take_while(|&c| is_ident(c)).collect();
        return Some(n.chars().rev().collect());
    }
    let mut t = flat.trim_end();
    while t.ends_with(']') {
        t = t[..t.rfind('[').unwrap_or(0)].trim_end();
    }
    let n: String = t.chars().rev().take_while(|&c| is_ident(c)).collect();
    (!n.is_empty()).then(|| n.chars().rev().collect())
}

/// The declarations of lws's headers that `text` (cbindgen's output) lacks, inserted at
/// the trailer's `@LWS_DECLS@` mark, in lws's own order; and the C stubs for the exported
/// functions no Rust code defines.
fn complete(dir: &Path, text: &str) -> (String, Stubs) {
    let decls = tsv(&dir.join("abi/lws-4.3-decls.tsv"));
    let macros = tsv(&dir.join("abi/lws-4.3-macros.tsv"));
    let exported: HashSet<String> = tsv(&dir.join("abi/lws-4.3-symbols.tsv"))
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let fail_rows = tsv(&dir.join("abi/notyet-fail.tsv"));
    let fails: Vec<(String, String)> = fail_rows
        .iter()
        .map(|r| (r[0].clone(), r.get(1).cloned().unwrap_or_default()))
        .collect();
    let varargs = std::fs::read_to_string(dir.join("src/capi/varargs.c")).unwrap();
    // The header comments of the functions varargs.c defines (cbindgen never sees them).
    let c_docs: Vec<Vec<String>> = tsv(&dir.join("abi/c-docs.tsv"));
    // The comments of the table's enums and structs, their values and members.
    let d_docs: HashMap<String, String> = tsv(&dir.join("abi/decl-docs.tsv"))
        .into_iter()
        .map(|r| (r[0].clone(), r.get(1).cloned().unwrap_or_default()))
        .collect();
    let (idents, _) = identifiers(text);
    // functions already declared: names before `(` outside the preprocessor's lines
    let mut code = String::new();
    let mut cont = false;
    for l in text.lines() {
        let pp = cont || l.trim_start().starts_with('#');
        cont = pp && l.ends_with('\\');
        if !pp {
            code.push_str(l);
            code.push('\n');
        }
    }
    let (_, called) = identifiers(&code);
    let (_, c_defined) = identifiers(&varargs);
    let (mut tags, mut typedefs) = defined(text);
    let mut frag = String::new();
    let mut stubs = Stubs {
        c: String::from(
            "/* Generated by build.rs from abi/lws-4.3-decls.tsv: the exported lws functions\n \
             * this library does not implement yet.  Each logs once, then fails as lws does.\n \
             * The arguments are not read, so only the return type's class matters. */\n\
             #include <stddef.h>\n#include <stdint.h>\n\
             #define VISIBLE __attribute__((visibility(\"default\")))\n\
             extern void _lws_log(int filter, const char *format, ...);\n\
             static void not_yet(const char *name, int *once)\n{\n\
             \tif (!*once) {\n\t\t*once = 1;\n\
             \t\t_lws_log(1, \"%s: not implemented yet in this library\\n\", name);\n\t}\n}\n",
        ),
        exports: String::new(),
    };
    // names an enumerator must not take: #defines and enumerators the text already has
    let mut enumerators: HashSet<String> = HashSet::new();
    for l in text.lines() {
        if let Some(r) = l.trim_start().strip_prefix("#define ") {
            enumerators.insert(r.chars().take_while(|&c| is_ident(c)).collect());
        }
    }
    // enum bodies carry their values' doc comments: read the names without them
    let bare = strip_comments(text);
    let mut rest = bare.as_str();
    while let Some(p) = rest.find("enum ") {
        let after = &rest[p..];
        let (Some(o), Some(c)) = (after.find('{'), after.find('}')) else {
            break;
        };
        if o < c && !after[5..o].contains(';') && !after[5..o].contains('(') {
            for item in after[o + 1..c].split(',') {
                let n: String = item.trim().chars().take_while(|&c| is_ident(c)).collect();
                if !n.is_empty() {
                    enumerators.insert(n);
                }
            }
        }
        rest = &after[5..];
    }
    // The parts of lws's API its default build leaves out (no function of the sub-header
    // is exported): a note before the first declaration taken from each.
    let (mut with_fns, mut with_exports): (HashSet<&str>, HashSet<&str>) = Default::default();
    for r in decls.iter().filter(|r| r[0] == "fn") {
        with_fns.insert(r[2].as_str());
        let name = r[1].split_once(':').map_or("", |n| n.1);
        // exported by lws, or implemented here all the same
        if exported.contains(name) || called.contains(name) || c_defined.contains(name) {
            with_exports.insert(r[2].as_str());
        }
    }
    // a sub-header of types only (lws-callbacks.h...) says nothing of what is built
    let left_out: HashSet<&str> = with_fns.difference(&with_exports).copied().collect();
    let mut announced: HashSet<String> = HashSet::new();
    let mut last: Option<(&str, usize)> = None;
    for r in &decls {
        announce(&mut frag, &mut announced, last, &left_out, &d_docs);
        last = Some((r[2].as_str(), frag.len()));
        let (kind, names, decl) = (&r[0], &r[1], &r[3]);
        let names: Vec<(&str, &str)> = names.split(',').filter_map(|n| n.split_once(':')).collect();
        match kind.as_str() {
            "fn" => {
                let name = names[0].1;
                if called.contains(name) {
                    continue;
                }
                if exported.contains(name) && !c_defined.contains(name) {
                    let fail = stub(&mut stubs, name, decl, &fails);
                    let _ = writeln!(
                        frag,
                        "/** {name}(): not implemented yet in this library (MATRIX.md): logs \
                         once at error level and returns {fail}, lws's failure value. */"
                    );
                } else if let Some(d) = c_docs.iter().find(|d| d[0] == name) {
                    let _ = writeln!(frag, "/** {} */", d[1]);
                }
                let _ = writeln!(frag, "{decl}");
            }
            "var" => {
                if !idents.contains(names[0].1) {
                    let _ = writeln!(frag, "extern {}", decl.trim_start_matches("extern "));
                }
            }
            "typedef" => {
                if !typedefs.contains(names[0].1) {
                    typedefs.insert(names[0].1.to_owned());
                    let _ = writeln!(frag, "{decl}");
                }
            }
            "enum" => {
                let tag = names.iter().find(|n| n.0 == "enum").map(|n| n.1);
                let tdef = names.iter().find(|n| n.0 == "typedef").map(|n| n.1);
                let have_tag = tag.is_some_and(|t| tags.contains(&format!("enum{t}")));
                if !have_tag {
                    // enumerators some other declaration already gives are left out
                    let open = decl.find('{').unwrap();
                    let close = decl.rfind('}').unwrap();
                    let all: Vec<&str> = decl[open + 1..close]
                        .split(',')
                        .map(str::trim)
                        .filter(|i| !i.is_empty())
                        .collect();
                    let items: Vec<&str> = all
                        .iter()
                        .copied()
                        .filter(|i| !enumerators.contains(i.split('=').next().unwrap().trim()))
                        .collect();
                    for i in &items {
                        enumerators.insert(i.split('=').next().unwrap().trim().to_owned());
                    }
                    if let (None, Some(td), true) = (tag, tdef, items.len() == all.len()) {
                        // a typedef'd anonymous enum, whole: the typedef names the enum
                        if !typedefs.contains(td) {
                            typedefs.insert(td.to_owned());
                            let head = documented_head(&d_docs, td);
                            let body = enum_body(&d_docs, &items);
                            let _ = writeln!(frag, "{head}typedef enum {{{body}}} {td};");
                        }
                        continue;
                    }
                    if let Some(t) = tag {
                        tags.insert(format!("enum{t}"));
                        let head = documented_head(&d_docs, t);
                        let body = enum_body(&d_docs, &items);
                        let _ = writeln!(frag, "{head}enum {t} {{{body}}};");
                    } else if !items.is_empty() {
                        let body = enum_body(&d_docs, &items);
                        let _ = writeln!(frag, "enum {{{body}}};");
                    }
                }
                if let (Some(td), false) = (tdef, tdef.is_some_and(|t| typedefs.contains(t))) {
                    typedefs.insert(td.to_owned());
                    match tag {
                        Some(t) => {
                            let _ = writeln!(frag, "typedef enum {t} {td};");
                        }
                        None => {
                            // an anonymous enum's typedef: the enum is the int it names
                            let _ = writeln!(frag, "typedef int {td};");
                        }
                    }
                }
            }
            _ => {
                // struct or union: a definition (maybe with a typedef) or a forward one
                let kw = kind.as_str();
                let tag = names.iter().find(|n| n.0 == kw).map(|n| n.1);
                let tdef = names.iter().find(|n| n.0 == "typedef").map(|n| n.1);
                let body = decl.find('{').map(|o| &decl[o..=decl.rfind('}').unwrap()]);
                let have_tag = tag.is_some_and(|t| tags.contains(&format!("{kw}{t}")));
                let have_td = tdef.is_some_and(|t| typedefs.contains(t));
                match (tag, body) {
                    (Some(t), Some(b)) => {
                        if !have_tag {
                            tags.insert(format!("{kw}{t}"));
                            let head = documented_head(&d_docs, t);
                            let b = struct_body(&d_docs, t, b);
                            let _ = writeln!(frag, "{head}{kw} {t} {b};");
                        }
                        if let (Some(td), false) = (tdef, have_td) {
                            typedefs.insert(td.to_owned());
                            let _ = writeln!(frag, "typedef {kw} {t} {td};");
                        }
                    }
                    (None, Some(_)) => {
                        if let (Some(td), false) = (tdef, have_td) {
                            typedefs.insert(td.to_owned());
                            let _ = writeln!(frag, "{decl}");
                        }
                    }
                    (Some(t), None) => {
                        if let (Some(td), false) = (tdef, have_td) {
                            typedefs.insert(td.to_owned());
                            let _ = writeln!(frag, "typedef {kw} {t} {td};");
                        } else if !have_tag && tdef.is_none() {
                            let _ = writeln!(frag, "{kw} {t};");
                        }
                    }
                    (None, None) => {}
                }
            }
        }
    }
    announce(&mut frag, &mut announced, last, &left_out, &d_docs);
    // Exported by lws but declared by no public header: a stub of the class given.
    let declared: HashSet<&str> = decls
        .iter()
        .filter(|r| r[0] == "fn")
        .map(|r| r[1].split_once(':').unwrap().1)
        .collect();
    for r in &fail_rows {
        let class = r.get(2).map(String::as_str).unwrap_or("");
        if class.is_empty() || declared.contains(r[0].as_str()) || called.contains(&r[0]) {
            continue;
        }
        let ret = match class {
            "ptr" => "void *",
            "uint" => "unsigned",
            "int" => "int",
            _ => "void",
        };
        let fail = stub(&mut stubs, &r[0], &format!("{ret} {}(void);", r[0]), &fails);
        if let Some(decl) = r.get(3).filter(|d| !d.is_empty()) {
            let _ = writeln!(
                frag,
                "/** {}(): not implemented yet in this library (MATRIX.md): logs once at \
                 error level and returns {fail}, lws's failure value. */\n{decl}",
                r[0]
            );
        }
    }
    // Object-like macros with a value that nothing above defines yet.
    let mut defs = String::new();
    for m in &macros {
        let (name, params, value) = (&m[0], &m[1], &m[2]);
        let mark = format!("#define {name}");
        let defined_here = text.lines().any(|l| {
            l.trim_start().starts_with(&mark)
                && !l.trim_start()[mark.len()..].starts_with(|c: char| is_ident(c))
        });
        if params.is_empty() && !value.is_empty() && !defined_here {
            let _ = writeln!(defs, "#define {name} {value}");
        }
    }
    let frag = format!(
        "/* The rest of lws v4.3's public declarations, from abi/lws-4.3-decls.tsv (build.rs):\n \
         * the types this library does not use yet and the functions it does not export or\n \
         * does not implement yet (MATRIX.md says which). */\n\n{defs}{frag}"
    );
    let text = text.replacen("/* @LWS_DECLS@ */", &frag, 1);
    (text, stubs)
}

/// Once the declarations of one lws sub-header have written something at `last.1`, puts
/// the note on that sub-header before them, the first time: its text in
/// abi/decl-docs.tsv, else, for a sub-header that declares functions of which lws's
/// default build exports none, a generated one.  A blank line follows, so the note is no declaration's own.
fn announce(
    frag: &mut String,
    announced: &mut HashSet<String>,
    last: Option<(&str, usize)>,
    left_out: &HashSet<&str>,
    docs: &HashMap<String, String>,
) {
    let Some((h, at)) = last else { return };
    if frag.len() == at || announced.contains(h) || h == "libwebsockets.h" {
        return;
    }
    let text = match docs.get(h) {
        Some(d) => d.clone(),
        None if left_out.contains(h) => format!(
            "From lws 4.3's {h}: a part of the API that lws's default Linux build leaves out \
             (it exports none of its functions) and that this library does not implement \
             either. Declared so that programs naming these types and functions compile."
        ),
        None => return,
    };
    announced.insert(h.to_owned());
    frag.insert_str(at, &format!("{}\n", c_comment(&text, "")));
}

/// `s` without its `/* ... */` comments.
fn strip_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find("/*") {
        out.push_str(&rest[..p]);
        match rest[p + 2..].find("*/") {
            Some(e) => rest = &rest[p + 2 + e + 2..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `text` as a C comment in cbindgen's style (`/*`, the text wrapped, ` */`), indented.
fn c_comment(text: &str, indent: &str) -> String {
    let mut out = format!("{indent}/*\n");
    let mut line = String::new();
    for w in text.split_whitespace() {
        if !line.is_empty() && indent.len() + 1 + line.len() + 1 + w.len() > 92 {
            let _ = writeln!(out, "{indent} {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent} {line}");
    }
    let _ = writeln!(out, "{indent} */");
    out
}

/// The comment above a table declaration: its text in abi/decl-docs.tsv, if any.
fn documented_head(docs: &HashMap<String, String>, name: &str) -> String {
    docs.get(name).map(|d| c_comment(d, "")).unwrap_or_default()
}

/// An enum's body: on one line as the table has it, or, when abi/decl-docs.tsv describes
/// any of its values, one value per line under its comment (a value it leaves out then
/// has none, which the header docs check reports).
fn enum_body(docs: &HashMap<String, String>, items: &[&str]) -> String {
    let name = |i: &str| i.split('=').next().unwrap().trim().to_owned();
    if !items.iter().any(|i| docs.contains_key(&name(i))) {
        return format!(" {} ", items.join(", "));
    }
    let mut out = String::from("\n");
    for i in items {
        if let Some(d) = docs.get(&name(i)) {
            out.push_str(&c_comment(d, "        "));
        }
        let _ = writeln!(out, "        {i},");
    }
    out
}

/// A struct's or union's `{ ... }`: as the table has it, or, when abi/decl-docs.tsv
/// describes any of its members (`tag.member`), one member per line under its comment.
fn struct_body(docs: &HashMap<String, String>, tag: &str, body: &str) -> String {
    let inner = &body[1..body.len() - 1];
    // the members: split at `;` outside nested braces and parentheses
    let (mut members, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' | '(' => depth += 1,
            '}' | ')' => depth -= 1,
            ';' if depth == 0 => {
                members.push(inner[start..=i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let member_name = |m: &str| -> String {
        // a function pointer's name is inside `(*name)`; otherwise the last identifier
        // outside a nested body, array bounds and bit widths
        if let Some(p) = m.find("(*") {
            return m[p + 2..].chars().take_while(|&c| is_ident(c)).collect();
        }
        let m = match m.rfind('}') {
            Some(p) => &m[p + 1..],
            None => m,
        };
        let m = m.split(['[', ':', ';']).next().unwrap().trim_end();
        let n: String = m.chars().rev().take_while(|&c| is_ident(c)).collect();
        n.chars().rev().collect()
    };
    let key = |m: &str| format!("{tag}.{}", member_name(m));
    if !members.iter().any(|m| docs.contains_key(&key(m))) {
        return body.to_owned();
    }
    let mut out = String::from("{\n");
    for m in members {
        if let Some(d) = docs.get(&key(m)) {
            out.push_str(&c_comment(d, "        "));
        }
        let _ = writeln!(out, "        {m}");
    }
    out.push('}');
    out
}

/// Writes the stub and returns what it returns, for the header's comment.
fn stub(stubs: &mut Stubs, name: &str, decl: &str, fails: &[(String, String)]) -> String {
    let ret = decl[..decl.find(&format!("{name}(")).unwrap()].trim();
    let (cret, val) = if ret == "void" {
        ("void", String::new())
    } else if ret.ends_with('*') || ret.ends_with("_fd_t") {
        ("void *", "NULL".into())
    } else if ret.starts_with("unsigned")
        || ret.starts_with("uint")
        || ret == "size_t"
        || ret == "lws_filepos_t"
    {
        ("uint64_t", "0".into())
    } else {
        ("int64_t", "-1".into())
    };
    let val = fails
        .iter()
        .find(|f| f.0 == name)
        .map(|f| f.1.clone())
        .unwrap_or(val);
    let ret_stmt = if cret == "void" {
        String::new()
    } else {
        format!("\treturn {val};\n")
    };
    let _ = write!(
        stubs.c,
        "VISIBLE {cret} {name}(void)\n{{\n\tstatic int once;\n\tnot_yet(\"{name}\", &once);\n{ret_stmt}}}\n"
    );
    let _ = writeln!(stubs.exports, "    {name};");
    if cret == "void" {
        "nothing".into()
    } else {
        val
    }
}
