#!/usr/bin/env python3
"""Converts C-surface files from `ffi!("name", fail, {..})` / `need!("name", p, fail)` to
`entry!({..})` / `need!(p)` (see src/capi/mod.rs): the name comes from the item, the
failure value from the return type, or `entry!(fail = N, ..)` where lws fails with
another number.  Sites it cannot convert (a failure value that is an argument or a
non-NULL pointer, a name that is not the enclosing function's) are left as they are
and still build: the old macros remain.  Review the diff, then cargo fmt.

    python3 tools/entry_convert.py src/capi/FILE.rs ...
"""
import re, sys
NULLS = {'null_mut()', 'ptr::null_mut()', 'core::ptr::null_mut()', 'null()', 'ptr::null()', 'core::ptr::null()'}
SIGNED = {'c_longlong', 'c_int', 'lws_tokenize_elem', 'lws_fileofs_t', 'lws_usec_t', 'i32', 'i64', 'isize', 'c_long'}
UNSIGNED = {'c_uint', 'c_ulong', 'u32', 'u64', 'usize', 'u8', 'c_uchar', 'u16'}
def default_of(ret):
    if ret is None: return '()'
    if ret.startswith('*'): return 'NULL'
    if ret in SIGNED: return '-1'
    if ret in UNSIGNED: return '0'
    raise SystemExit('unknown ret ' + ret)
def norm(f, ret):
    f = f.strip()
    if ret is not None and ret.startswith('*') and f in NULLS: return 'NULL'
    return f
stats = {'entry': 0, 'override': 0, 'kept': 0, 'need': 0, 'need_explicit': 0}
for p in sys.argv[1:]:
    t = open(p).read()
    out = []
    pos = 0
    for m in re.finditer(r'ffi!\("([A-Za-z_0-9]+)", (.*?), \{\n', t):
        name, fail = m.group(1), m.group(2)
        # enclosing signature: last 'fn NAME(' before m
        fstart = t.rfind('fn ' + name + '(', 0, m.start())
        if fstart < 0 or t.rfind('fn ', 0, m.start()) != fstart:
            print('skip (name is not the enclosing fn):', p, name)
            stats['kept'] += 1
            continue
        sig = t[fstart:m.start()]
        last = [l for l in sig.split('\n') if l.strip()][-1].strip()
        rm = re.search(r'\)\s*->\s*(.+?)\s*\{$', last)
        ret = rm.group(1).strip() if rm else None
        d = default_of(ret)
        nf = norm(fail, ret)
        if nf == d:
            rep = 'entry!({\n'; efail = d; stats['entry'] += 1
        elif re.fullmatch(r'-?\d+', nf) and ret is not None and not ret.startswith('*'):
            rep = 'entry!(fail = %s, {\n' % nf; efail = nf; stats['override'] += 1
        else:
            stats['kept'] += 1
            continue
        # body extent: up to the matching '    })\n}' closing of this fn
        bend = t.index('\n    })\n}', m.end())
        body = t[m.end():bend]
        def nrep(mm):
            nm, x, f = mm.group(1), mm.group(2), mm.group(3)
            if nm != name or not re.fullmatch(r'[A-Za-z_][A-Za-z_0-9]*', x):
                return mm.group(0)
            if f is None or norm(f, ret) == efail:
                stats['need'] += 1
                return 'need!(%s);' % x
            stats['need_explicit'] += 1
            return 'need!(%s, %s);' % (x, f)
        body = re.sub(r'need!\("([A-Za-z_0-9]+)", ([^,()]+?)(?:, (.+?))?\);', nrep, body)
        out.append((m.start(), bend, rep + body))
    for s, e, r in reversed(out):
        t = t[:s] + r + t[e:]
    open(p, 'w').write(t)
print(stats)
