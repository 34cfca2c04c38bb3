#!/usr/bin/env python3
"""Self cost (instructions) per source line and per function from a callgrind out file.

callgrind_annotate shows per-line costs but no line numbers, and charges inlined helpers
(chars.h) to the helper's line; this prints "file:line" with the enclosing function, so a
hotspot can be handed over as a location. Costs are divided by N (iterations) if given.

  callgrind_lines.py CALLGRIND_OUT [N] [--top K] [--filter SUBSTR]
Needs a file written with the default positions (no --dump-instr=yes).
"""
import argparse
import collections
import re


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("n", nargs="?", type=float, default=1.0)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--filter", default="")
    a = ap.parse_args()

    names = {}

    def resolve(kind, s):
        m = re.match(r"\((\d+)\)(?:\s+(.*))?", s)
        if not m:
            return s
        d = names.setdefault(kind, {})
        if m.group(2) is not None:
            d[m.group(1)] = m.group(2)
        return d.get(m.group(1), "?")

    by_line = collections.Counter()
    by_fn_line = collections.Counter()
    by_fn = collections.Counter()
    fl = fi = fn = "?"
    last = 0
    skip = False
    with open(a.out, errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line:
                continue
            if line.startswith(("fl=", "fi=", "fe=")):
                v = resolve("fl", line[3:])
                if line.startswith("fl="):
                    fl = fi = v
                else:
                    fi = v
                continue
            if line.startswith("fn="):
                fn = resolve("fn", line[3:])
                fi = fl
                continue
            if line.startswith(("cfl=", "cfi=")):
                resolve("fl", line[4:])
                continue
            if line.startswith("cfn="):
                resolve("fn", line[4:])
                continue
            if line.startswith("calls="):
                skip = True  # next cost line is the call's inclusive cost
                continue
            if not (line[0].isdigit() or line[0] in "+-*"):
                continue
            parts = line.split()
            p = parts[0]
            ln = last if p == "*" else (last + int(p) if p[0] in "+-" else int(p))
            last = ln
            if skip:
                skip = False
                continue
            c = int(parts[1]) if len(parts) > 1 else 0
            by_line[(fi, ln)] += c
            short = fn.replace("(anonymous namespace)", "{anon}").split("(")[0]
            by_fn_line[(short, fi, ln)] += c
            by_fn[short] += c

    total = sum(by_line.values()) or 1
    print(f"total {total / a.n:,.0f} instructions per iteration (N={a.n:g}; includes start-up)")
    print("\n-- self cost by function")
    for k, c in [x for x in by_fn.most_common() if a.filter in x[0]][: a.top]:
        print(f"{c / a.n:9.0f} {100 * c / total:5.1f}%  {k}")
    print("\n-- self cost by function and source line (inlined helpers at their own line)")
    for (fnn, f, l), c in [x for x in by_fn_line.most_common() if a.filter in x[0][1] or a.filter in x[0][0]][: a.top]:
        print(f"{c / a.n:9.0f} {100 * c / total:5.1f}%  {f}:{l}  [{fnn}]")


if __name__ == "__main__":
    main()
