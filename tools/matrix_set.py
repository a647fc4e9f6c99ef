#!/usr/bin/env python3
"""Sets the state and test of MATRIX.md rows: matrix_set.py STATE TEST FUNC...
(STATE is done, partial or "not yet"; TEST a path or -)."""
import re
import sys

state, test, funcs = sys.argv[1], sys.argv[2], set(sys.argv[3:])
lines = open("MATRIX.md").read().split("\n")
seen = set()
for i, line in enumerate(lines):
    m = re.match(r"\| `([^`]+)` \| (\d+) \| [^|]+ \| [^|]+ \|$", line)
    if m and m.group(1) in funcs:
        lines[i] = f"| `{m.group(1)}` | {m.group(2)} | {state} | {test} |"
        seen.add(m.group(1))
missing = funcs - seen
if missing:
    sys.exit("not in MATRIX.md: " + ", ".join(sorted(missing)))
open("MATRIX.md", "w").write("\n".join(lines))
