#!/usr/bin/env python3
"""CDR query latency at 1,000,000 rows, directly and over HTTP (issue 5).

1. bench_cdr_query fills a SQLite file through the real schema and store (--rows CDRs,
   a year of start times, Zipf-distributed accounts, attempts rows), measures the store's
   query() for a set of filtered pages, prints EXPLAIN QUERY PLAN for every statement it
   ran and fails (exit 2) when one scans a CDR table without an index.
2. The real trunkline binary is started on that file with the API on; the same kinds of
   pages are fetched with GET /v1/cdrs (admin key, one keep-alive connection, sequential:
   the latency of one request, not of a queue), including a cursor walk 100 pages deep and
   a CSV page. Every response is checked (status 200, rows match the filter).

Usage: bench/api/run_cdr_query.py [--rows 1000000] [--iterations 200] [--build-dir DIR]
"""
import argparse
import csv
import http.client
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import tlapi
from tlapi import cb

YEAR_START_MS = 1735689600000  # 2025-01-01T00:00:00Z, as bench_cdr_query generates
DAY_MS = 86_400_000
YEAR_MS = 365 * DAY_MS
BIG_ACCOUNT = 1  # the largest account of the generator's Zipf traffic
BIG_TRUNKS = (1, 2)  # its trunks (1 + account % 4 of them, numbered from 1)


def check_items(path, body, want):
    doc = json.loads(body)
    items = doc["items"]
    for it in items:
        for k, v in want.items():
            if k in ("from", "to", "cursor"):
                continue
            if str(it.get(k)) != str(v):
                raise AssertionError(f"{path}: item {it.get('id')} has {k}={it.get(k)!r}, want {v!r}")
        if "from" in want and not (want["from"] <= it["start_ms"] < want["to"]):
            raise AssertionError(f"{path}: item {it.get('id')} start_ms {it['start_ms']} out of range")
    return len(items), doc.get("next_cursor")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build-dir", default=tlapi.default_build_dir())
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--iterations", type=int, default=200, help="requests per query kind")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (and database)")
    ap.add_argument("--binary", help="trunkline binary (default: <build-dir>/src/app/trunkline)")
    ap.add_argument("--data-dir", help="a directory whose trunkline.db bench_cdr_query filled "
                    "before: measured in place (--rows is then ignored)")
    args = ap.parse_args()
    binary = args.binary or os.path.join(args.build_dir, "src", "app", "trunkline")
    filler = os.path.join(args.build_dir, "bench", "api", "bench_cdr_query")
    for f in (binary, filler):
        if not os.path.exists(f):
            sys.exit(f"{f} missing: ninja -C {args.build_dir} trunkline bench_cdr_query")
    workdir = tempfile.mkdtemp(prefix="tl-cdrquery-")
    db = os.path.join(args.data_dir or workdir, "trunkline.db" if args.data_dir else "cdrs.db")
    rows = 0 if args.data_dir else args.rows
    print(f"# workdir {workdir}; database {db}; binary {binary}; direct: bench_cdr_query",
          flush=True)
    direct = subprocess.run([filler, "--db", db, "--rows", str(rows), "--iterations",
                             str(args.iterations)])
    if direct.returncode != 0:
        sys.exit(f"bench_cdr_query failed (exit {direct.returncode}): see above"
                 + (" -- a CDR query scans the table" if direct.returncode == 2 else ""))
    srv = None
    try:
        # The node's own data dir; the filled file is moved in, not copied (hundreds of MB).
        if args.data_dir:
            srv = tlapi.ApiTrunkline(binary, workdir, cb.free_port(cb.CARRIER_IP),
                                     data_dir=args.data_dir)
        else:
            srv = tlapi.ApiTrunkline(binary, workdir, cb.free_port(cb.CARRIER_IP), seed_db=db,
                                     move_seed=True)
        conn = http.client.HTTPConnection(tlapi.API_IP, srv.api_port, timeout=30)
        rng = random.Random(11)

        def window(span):
            start = YEAR_START_MS + rng.randrange(YEAR_MS - span)
            return start, start + span

        def fetch(params, csv_format=False):
            q = "&".join(f"{k}={v}" for k, v in params.items())
            path = f"/v1/cdrs?{q}&limit=100" + ("&format=csv" if csv_format else "")
            t0 = time.perf_counter()
            status, headers, body = srv.get(path, conn)
            ms = (time.perf_counter() - t0) * 1e3
            if status != 200:
                raise AssertionError(f"{path}: HTTP {status}: {body[:300]!r}")
            if csv_format:
                rows = list(csv.reader(io.StringIO(body.decode())))
                return ms, len(rows) - 1, headers.get("x-next-cursor")
            n, cursor = check_items(path, body, params)
            return ms, n, cursor

        kinds = {}

        def run(name, make, csv_format=False):
            lat, rows = [], 0
            for _ in range(args.iterations):
                ms, n, _ = fetch(make(), csv_format)
                lat.append(ms)
                rows += n
            kinds[name] = (lat, rows)

        def month_of_big():
            f, t = window(30 * DAY_MS)
            return {"account_id": BIG_ACCOUNT, "from": f, "to": t}

        run("largest account, 30 days, page 1", month_of_big)
        run("account 1-50 (uniform), 30 days, page 1",
            lambda: dict(zip(("account_id", "from", "to"), (rng.randint(1, 50), *window(30 * DAY_MS)))))
        # Cursor walk: 100 pages of the largest account's month, each page timed.
        lat, rows = [], 0
        for _ in range(max(1, args.iterations // 100)):
            params = month_of_big()
            for _page in range(100):
                ms, n, cursor = fetch(params)
                lat.append(ms)
                rows += n
                if not cursor:
                    break
                params = dict(params, cursor=cursor)
        kinds["largest account, 30 days, cursor pages 1-100"] = (lat, rows)
        run("largest account, whole year, disposition busy",
            lambda: {"account_id": BIG_ACCOUNT, "from": YEAR_START_MS, "to": YEAR_START_MS + YEAR_MS,
                     "disposition": "busy"})
        run("largest account, whole year, disposition no_media",
            lambda: {"account_id": BIG_ACCOUNT, "from": YEAR_START_MS, "to": YEAR_START_MS + YEAR_MS,
                     "disposition": "no_media"})
        run("trunk of the largest account, 7 days",
            lambda: dict(zip(("trunk_id", "from", "to"), (rng.choice(BIG_TRUNKS), *window(7 * DAY_MS)))))
        run("all accounts (admin), 1 day", lambda: dict(zip(("from", "to"), window(DAY_MS))))
        run("largest account, 30 days, CSV page", month_of_big, csv_format=True)
        # A number filter: GET /v1/cdrs has none (see README); show what the API does with one.
        status, _, body = srv.get("/v1/cdrs?number=%2B14155551234&limit=1", conn)
        print(f"# number filter: GET /v1/cdrs?number=... -> HTTP {status} "
              f"({'ignored: unfiltered page' if status == 200 else body[:120]!r})")

        print(f"\n{'HTTP GET /v1/cdrs (limit 100, keep-alive, sequential)':<56} {'runs':>5} "
              f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'rows/req':>8}")
        worst = 0
        result = []
        for name, (lat, rows) in kinds.items():
            p50, p99, mx = tlapi.pct(lat, 0.5), tlapi.pct(lat, 0.99), max(lat)
            worst = max(worst, p99)
            print(f"{name:<56} {len(lat):>5} {p50:>8.2f} {p99:>8.2f} {mx:>8.2f} {rows / len(lat):>8.1f}")
            result.append({"name": name, "runs": len(lat), "p50_ms": round(p50, 3),
                           "p99_ms": round(p99, 3), "max_ms": round(mx, 3)})
        print(f"\n# HTTP worst p99 {worst:.2f} ms (target < 50 ms): "
              f"{'met' if worst < 50 else 'NOT met'}")
        print("# result " + json.dumps({"http": result, "worst_p99_ms": round(worst, 3)}))
        conn.close()
    finally:
        if srv:
            srv.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
