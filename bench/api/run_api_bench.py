#!/usr/bin/env python3
"""API latency under load while calls flow, and what that load costs the calls (issue 5).

    SIPp UAC (PBX, digest MD5) -> trunkline -> SIPp UAS (carrier)   calls at --rate CPS
    wrk -> GET /v1/cdrs?limit=100 and GET /v1/accounts              phase B only

One invocation, --rounds rounds of two phases, A then B, each on a fresh node (same
starting state: the same seeded database, a warm-up of calls):
  A  --calls calls at --rate CPS, no API traffic;
  B  the same calls, with two wrk processes (--connections each, one per endpoint, admin
     key, no per-key rate limit) running for the whole call run (bounded by -d).
Measured per phase: the CPU time of the SIP handling thread (the signalling shard runs on
the main thread; per-thread schedstat, ns) per completed call, the whole process's per
call, every thread role's, and wrk's p50/p99 latency and requests per second. Reported:
medians over rounds and the ratio B/A of SIP CPU per call (target: <= 1.10).

The database is seeded with --seed-cdrs CDRs by bench_cdr_query (so the CDR page is read
from a table of realistic size), copied into each node. A run with a failed call does not
count. Everything is on loopback and bounded; processes are stopped by the process groups
this runner created.

Usage: bench/api/run_api_bench.py [--build-dir build-apibench] [--rate 100] [--calls 3000]
"""
import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import tlapi
from tlapi import cb


def measure_phase(workdir, tag, server, args, with_api):
    duration = math.ceil(args.calls / args.rate + args.hold_ms / 1000)
    timeout = int(duration + 60)
    uac = cb.uac(workdir, tag, server, args.rate, args.calls, args.hold_ms, args.calls, timeout)
    wrks = []
    if with_api:
        wrks = [tlapi.Wrk(server, "/v1/cdrs?limit=100", args.connections, duration),
                tlapi.Wrk(server, "/v1/accounts", args.connections, duration)]
    before = tlapi.thread_groups(server.proc.pid)
    total_before = cb.cpu_ns(server.proc.pid)
    t0 = time.monotonic()
    for w in wrks:
        w.start()
    uac.start()
    rc = uac.wait(timeout + 30)
    wall = time.monotonic() - t0
    time.sleep(0.5)  # the CDR writer's last batch belongs to the calls
    after = tlapi.thread_groups(server.proc.pid)
    total = cb.cpu_ns(server.proc.pid) - total_before
    # The thread counters are read before wrk ends (it runs for about the call run's
    # length): the window is the calls', whatever the API does after it is not counted.
    api = [w.finish() for w in wrks]
    st = uac.stats()
    ok, failed = int(st.get("SuccessfulCall(C)", 0)), int(st.get("FailedCall(C)", 0))
    per = {k: (after.get(k, 0) - before.get(k, 0)) / 1e3 / ok if ok else float("nan")
           for k in sorted(set(after) | set(before))}
    res = {"tag": tag, "api": with_api, "rc": rc, "ok": ok, "failed": failed,
           "wall_s": round(wall, 2),
           "sip_us_per_call": round(per.get("sip", float("nan")), 2),
           "process_us_per_call": round(total / 1e3 / ok, 2) if ok else float("nan"),
           "threads_us_per_call": {k: round(v, 2) for k, v in per.items()},
           "wrk": api}
    print(json.dumps(res), flush=True)
    return res


def build(args):
    bdir = args.build_dir
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        subprocess.run(["cmake", "-S", tlapi.ROOT, "-B", bdir, "-G", "Ninja",
                        "-DCMAKE_BUILD_TYPE=Release", "-DTL_BUILD_BENCH=ON"], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", bdir, "-j2", "trunkline", "bench_cdr_query"], check=True)
    return (os.path.join(bdir, "src", "app", "trunkline"),
            os.path.join(bdir, "bench", "api", "bench_cdr_query"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--build-dir", default=tlapi.default_build_dir())
    ap.add_argument("--binary", help="trunkline binary (default: <build-dir>/src/app/trunkline)")
    ap.add_argument("--no-build", action="store_true", help="use the build dir as it is")
    ap.add_argument("--rate", type=int, default=100, help="offered calls per second")
    ap.add_argument("--calls", type=int, default=3000, help="calls per measured phase")
    ap.add_argument("--hold-ms", type=int, default=200, help="call duration (ms)")
    ap.add_argument("--rounds", type=int, default=3, help="A/B rounds")
    ap.add_argument("--connections", type=int, default=4,
                    help="wrk connections per endpoint (two endpoints)")
    ap.add_argument("--seed-cdrs", type=int, default=100000,
                    help="CDRs in the database before the calls (0 = empty)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    if not cb.SIPP:
        sys.exit("sipp not found (Debian package sip-tester)")
    if not tlapi.WRK:
        sys.exit("wrk not found: scripts/install-deps.sh --bench installs it (Debian package wrk)")
    if args.no_build:
        binary = os.path.join(args.build_dir, "src", "app", "trunkline")
        filler = os.path.join(args.build_dir, "bench", "api", "bench_cdr_query")
    else:
        binary, filler = build(args)
    binary = args.binary or binary
    workdir = tempfile.mkdtemp(prefix="tl-apibench-")
    print(f"# workdir {workdir}; trunkline {binary}; {subprocess.run([tlapi.WRK, '-v'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout.splitlines()[0]}")
    print(f"# {args.rounds} rounds x (A: {args.calls} calls at {args.rate} CPS, {args.hold_ms} ms; "
          f"B: the same + wrk 2 x {args.connections} connections); seeded CDRs {args.seed_cdrs}",
          flush=True)
    seed = None
    if args.seed_cdrs:
        seed = os.path.join(workdir, "seed.db")
        subprocess.run([filler, "--db", seed, "--rows", str(args.seed_cdrs), "--iterations", "0"],
                       check=True)
    carrier_port = cb.free_port(cb.CARRIER_IP)
    carrier = cb.Sipp(workdir, "carrier",
                      os.path.join(tlapi.ROOT, "bench", "calls", "uas_answer_rr.xml"),
                      cb.CARRIER_IP, carrier_port, extra=["-timeout", "3600s"]).start()
    runs = {"A": [], "B": []}
    try:
        time.sleep(0.5)
        for r in range(args.rounds):
            for phase in ("A", "B"):
                srv = tlapi.ApiTrunkline(binary, workdir, carrier_port, seed_db=seed)
                try:
                    warm = cb.uac(workdir, f"warm-{phase}{r}", srv, args.rate,
                                  min(500, args.calls), args.hold_ms, args.calls, 120)
                    warm.start().wait(200)
                    status, _, _ = srv.get("/v1/cdrs?limit=100")  # warm the API path too
                    if status != 200:
                        raise RuntimeError(f"GET /v1/cdrs: {status}")
                    runs[phase].append(measure_phase(workdir, f"{phase}{r}", srv, args,
                                                     phase == "B"))
                finally:
                    srv.stop()
        summary = summarize(runs)
        print("# summary " + json.dumps(summary), flush=True)
    finally:
        carrier.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def summarize(runs):
    good = {p: [x for x in v if x["failed"] == 0 and x["rc"] == 0 and x["ok"]]
            for p, v in runs.items()}
    out = {"rounds_counted": {p: len(v) for p, v in good.items()}}
    if not good["A"] or not good["B"]:
        print("# a phase had no run without failed calls: no ratio")
        return out
    med = lambda p, key: statistics.median(x[key] for x in good[p])  # noqa: E731
    sip_a, sip_b = med("A", "sip_us_per_call"), med("B", "sip_us_per_call")
    proc_a, proc_b = med("A", "process_us_per_call"), med("B", "process_us_per_call")
    # Ratios within a round (A and B back to back), then their median: less exposed to
    # the host's drift than a ratio of medians.
    pairs = [b["sip_us_per_call"] / a["sip_us_per_call"]
             for a, b in zip(runs["A"], runs["B"]) if a in good["A"] and b in good["B"]]
    out.update({"sip_us_per_call": {"A": sip_a, "B": sip_b},
                "process_us_per_call": {"A": proc_a, "B": proc_b},
                "sip_ratio_B_over_A_median_of_rounds": statistics.median(pairs) if pairs else None,
                "sip_ratio_of_medians": sip_b / sip_a,
                "process_ratio_of_medians": proc_b / proc_a})
    for path in ("/v1/cdrs?limit=100", "/v1/accounts"):
        w = [y for x in good["B"] for y in x["wrk"] if y["path"] == path]
        out[path] = {"rps": statistics.median(y["rps"] for y in w),
                     "p50_ms": statistics.median(y["p50_ms"] for y in w),
                     "p99_ms": statistics.median(y["p99_ms"] for y in w),
                     "p99_ms_worst_round": max(y["p99_ms"] for y in w),
                     "non_2xx": sum(y["non_2xx"] for y in w)}
        print(f"# wrk {path}: {out[path]['rps']:.0f} req/s, p50 {out[path]['p50_ms']:.2f} ms, "
              f"p99 {out[path]['p99_ms']:.2f} ms (worst round {out[path]['p99_ms_worst_round']:.2f}), "
              f"non-2xx {out[path]['non_2xx']}")
    ratio = out["sip_ratio_B_over_A_median_of_rounds"]
    print(f"# SIP thread CPU per call: A {sip_a:.1f} us, B (API load) {sip_b:.1f} us; "
          f"B/A per round, median {ratio:.3f} (target <= 1.10: {'met' if ratio <= 1.10 else 'NOT met'})")
    print(f"# whole process CPU per call: A {proc_a:.1f} us, B {proc_b:.1f} us "
          f"(B includes the API's own work)")
    return out


if __name__ == "__main__":
    main()
