#!/usr/bin/env python3
"""Calls through the trunk, side by side with Kamailio (issue: Calls, benchmark).

    SIPp UAC (PBX, digest MD5) -> server -> SIPp UAS (carrier), all on loopback.

The server is Trunkline (B2BUA, digest, limits, routing, CDR written to SQLite) or Kamailio
(Debian package; stateful record-routing proxy with digest auth, bench/calls/kamailio.cfg.in).
Both get the same SIPp scenarios (test/integration/scenarios/calls/uac_call.xml and
bench/calls/uas_answer_rr.xml, which echoes Record-Route): INVITE, 407, ACK, INVITE with credentials, 100/180/200, ACK, hold, BYE, 200.

Measured per run, for the server only (every thread of every process in its process group,
from /proc/<pid>/task/<tid>/schedstat, in ns): CPU time per completed call at a fixed
offered rate. A run counts only if SIPp reports zero failed calls; Trunkline's CDR rows are
counted afterwards and must equal the completed calls.

Phases (all in one invocation, so the ratios come from the same machine state):
  1. --rounds rounds, alternating Trunkline and Kamailio: --calls calls at --rate CPS held
     --hold-ms each (about rate * hold concurrent calls).
  2. Trunkline with --held calls established and held by a second SIPp (PSS of the process
     before and after: memory per established call), then phase 1's load again on top:
     CPU per call at (held + rate*hold) concurrent calls, compared with phase 1's.
  3. (optional, --max-rate) the highest zero-failure rate of a short ladder of rates.

Bounded: every SIPp has -m and -timeout; servers are stopped by PID (process group we
created with setsid). Traffic stays on 127.0.0.0/8.

Usage: bench/calls/run_call_bench.py [--binary PATH] [--rate 500] [--calls 10000] ...
Builds a Release trunkline in build-bench-calls/ unless --binary is given.
"""
import argparse
import csv
import glob
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCEN = os.path.join(ROOT, "test", "integration", "scenarios", "calls")
SERVER_IP, PBX_IP, CARRIER_IP, PBX2_IP = "127.0.0.1", "127.0.0.5", "127.0.0.3", "127.0.0.6"
USER, PASSWORD, REALM = "bench-pbx", "bench-secret", "trunkline"
SIPP = shutil.which("sipp")
MEDIA = False  # --media: Trunkline anchors media (allocates relay ports per call) as well
KAMAILIO = shutil.which("kamailio") or "/usr/sbin/kamailio"


def free_port(host):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def group_pids(pgid):
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # field 5 (pgrp) of stat, after the comm
                pids.append(int(d))
        except (OSError, IndexError, ValueError):
            pass
    return pids


def cpu_ns(pgid):
    """CPU time of every thread of every live process in the group (schedstat: ns on CPU)."""
    total = 0
    for pid in group_pids(pgid):
        for tid in glob.glob(f"/proc/{pid}/task/*"):
            try:
                with open(os.path.join(tid, "schedstat")) as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return total


def pss_kib(pgid):
    """Proportional set size of the group (shared pages split, not double counted)."""
    total = 0
    for pid in group_pids(pgid):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


class Sipp:
    def __init__(self, workdir, name, scenario, ip, port, target=None, extra=()):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.args = [SIPP, "-sf", os.path.join(SCEN, scenario), "-i", ip, "-p", str(port),
                     "-nostdin", "-trace_err", "-trace_stat", "-stf", "stat.csv", "-fd", "1",
                     "-max_recv_loops", "10000", "-max_sched_loops", "10000"] + list(extra)
        if target:
            self.args.append(target)
        self.proc = None

    def start(self):
        self.out = open(os.path.join(self.dir, "stdout"), "wb")
        self.proc = subprocess.Popen(self.args, cwd=self.dir, stdout=self.out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise RuntimeError(f"sipp did not finish in {timeout}s: {' '.join(self.args)}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the group we created: sipp only
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)

    def stats(self):
        """Last row of SIPp's statistics file as a dict (cumulative counters)."""
        path = os.path.join(self.dir, "stat.csv")
        for _ in range(50):
            if os.path.exists(path):
                break
            time.sleep(0.1)
        with open(path, newline="") as f:
            rows = list(csv.reader(f, delimiter=";"))
        if len(rows) < 2:
            return {}
        return dict(zip(rows[0], rows[-1]))


class Server:
    """A server under test in its own session (process group = its pid)."""

    name = "?"

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()

    def wait_ready(self, timeout=20):
        """An OPTIONS answered with 200 means it is serving."""
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((PBX_IP, 0))
        s.settimeout(0.3)
        deadline = time.monotonic() + timeout
        n = 0
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited: {open(self.log_path).read()[-3000:]}")
                n += 1
                lp = s.getsockname()[1]
                msg = (f"OPTIONS sip:{SERVER_IP}:{self.port} SIP/2.0\r\n"
                       f"Via: SIP/2.0/UDP {PBX_IP}:{lp};branch=z9hG4bK-ready{n}\r\n"
                       f"From: <sip:probe@{PBX_IP}>;tag=r{n}\r\nTo: <sip:{SERVER_IP}>\r\n"
                       f"Call-ID: ready{n}@bench\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                       f"Content-Length: 0\r\n\r\n")
                s.sendto(msg.encode(), (SERVER_IP, self.port))
                try:
                    data = s.recv(65535).decode("utf-8", "replace")
                    if data.startswith("SIP/2.0 200"):
                        return
                except socket.timeout:
                    pass
            raise RuntimeError(f"{self.name} not ready: {open(self.log_path).read()[-3000:]}")
        finally:
            s.close()


class TrunklineServer(Server):
    name = "trunkline"

    def __init__(self, binary, workdir, carrier_port, name="trunkline"):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="trunkline-", dir=workdir)  # fresh database each time
        self.port = free_port(SERVER_IP)
        self.data = os.path.join(self.dir, "data")
        cfg = os.path.join(self.dir, "trunkline.toml")
        with open(cfg, "w") as f:
            f.write(f'[node]\nlog_level = "warn"\nthreads = 1\n\n[sip]\n'
                    f'listen = ["udp:{SERVER_IP}:{self.port}"]\n'
                    f'digest_algorithms = ["MD5", "SHA-256"]\n\n[api]\nenabled = false\n\n'
                    f'[media]\nenabled = {"true" if MEDIA else "false"}\n')
        setup = os.path.join(self.dir, "setup.toml")
        with open(setup, "w") as f:
            f.write(f"""
[[accounts]]
name = "bench"
country = "US"

[[trunks]]
account = "bench"
name = "pbx"
credentials = [{{ username = "{USER}", password = "{PASSWORD}", realm = "{REALM}" }}]

[[carriers]]
name = "carrier"
gateways = ["udp:{CARRIER_IP}:{carrier_port}:prio=1"]
probe_interval = 0

[[routes]]
prefix = ""
carriers = ["carrier"]
""")
        subprocess.run([binary, "provision", "apply", setup, "--data-dir", self.data],
                       check=True, stdout=subprocess.DEVNULL)
        self.log_path = os.path.join(self.dir, "log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary, "--config", cfg, "--data-dir", self.data],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.wait_ready()

    def cdr_count(self):
        con = sqlite3.connect(os.path.join(self.data, "trunkline.db"))
        (n,) = con.execute("SELECT COUNT(*) FROM cdrs WHERE disposition = 0").fetchone()
        con.close()
        return n


class KamailioServer(Server):
    name = "kamailio"

    def __init__(self, workdir, carrier_port, children):
        self.dir = tempfile.mkdtemp(prefix="kamailio-", dir=workdir)
        self.port = free_port(SERVER_IP)
        with open(os.path.join(ROOT, "bench", "calls", "kamailio.cfg.in")) as f:
            text = f.read()
        ha1 = hashlib.md5(f"{USER}:{REALM}:{PASSWORD}".encode()).hexdigest()
        for k, v in {"PORT": self.port, "CHILDREN": children, "SECRET": secrets.token_hex(16),
                     "USER": USER, "HA1": ha1, "CARRIER": f"{CARRIER_IP}:{carrier_port}"}.items():
            text = text.replace(f"@{k}@", str(v))
        cfg = os.path.join(self.dir, "kamailio.cfg")
        with open(cfg, "w") as f:
            f.write(text)
        check = subprocess.run([KAMAILIO, "-c", "-f", cfg], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"kamailio config check failed:\n{check.stdout[-3000:]}")
        self.log_path = os.path.join(self.dir, "log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([KAMAILIO, "-f", cfg, "-DD", "-E", "-m", "1024", "-M", "32",
                                      "-Y", self.dir, "-P", os.path.join(self.dir, "pid")],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.wait_ready()

    def cdr_count(self):
        return None


def uac(workdir, name, server, rate, calls, hold_ms, limit, timeout):
    port = free_port(PBX_IP)
    return Sipp(workdir, name, "uac_call.xml", PBX_IP, port, f"{SERVER_IP}:{server.port}",
                extra=["-s", "+14155551234", "-au", USER, "-ap", PASSWORD, "-r", str(rate),
                       "-m", str(calls), "-d", str(hold_ms), "-l", str(limit),
                       "-timeout", f"{timeout}s", "-timeout_error", "-recv_timeout", "10000"])


def thread_cpu_ns(pgid):
    """CPU time per thread over the group ("main" = each process's first thread; the others
    by name and id), for the per-thread split."""
    out = {}
    for pid in group_pids(pgid):
        for tid in glob.glob(f"/proc/{pid}/task/*"):
            try:
                with open(os.path.join(tid, "comm")) as f:
                    name = f.read().strip()
                t = int(os.path.basename(tid))
                name = "main" if t == pid else f"{name}/{t - pid}"
                with open(os.path.join(tid, "schedstat")) as f:
                    out[name] = out.get(name, 0) + int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    return out


def start_attached(cmd, server, tag, workdir):
    """--attach: a profiler (perf, strace) on the server for one measured run, in a group of
    its own so it is stopped (SIGINT, which both tools handle) by that group only."""
    if not cmd or server.name not in cmd.get("servers", ()):
        return None
    text = cmd["cmd"].format(pid=server.proc.pid, tag=tag, dir=workdir)
    out = open(os.path.join(workdir, f"{tag}.attach.txt"), "wb")
    proc = subprocess.Popen(text, shell=True, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    time.sleep(0.5)  # let it attach before the load starts
    return proc, out


def stop_attached(att):
    if not att:
        return
    proc, out = att
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    out.close()


def load_run(workdir, tag, server, args):
    """One measured run; returns a dict of results or raises when calls failed."""
    timeout = int(args.calls / args.rate + args.hold_ms / 1000 + 60)
    p = uac(workdir, tag, server, args.rate, args.calls, args.hold_ms, args.calls, timeout)
    att = start_attached(getattr(args, "attach_cmd", None), server, tag, workdir)
    before = cpu_ns(server.proc.pid)
    threads_before = thread_cpu_ns(server.proc.pid)
    t0 = time.monotonic()
    p.start()
    rc = p.wait(timeout + 30)
    wall = time.monotonic() - t0
    time.sleep(0.5)  # the CDR writer's last batch (20 ms) is part of the cost
    used = cpu_ns(server.proc.pid) - before
    threads_after = thread_cpu_ns(server.proc.pid)
    stop_attached(att)
    st = p.stats()
    ok, failed = int(st.get("SuccessfulCall(C)", 0)), int(st.get("FailedCall(C)", 0))
    res = {"server": server.name, "tag": tag, "rc": rc, "ok": ok, "failed": failed,
           "cpu_s": used / 1e9, "wall_s": wall,
           "cpu_us_per_call": used / 1e3 / ok if ok else float("nan")}
    if ok:
        res["threads_us_per_call"] = {
            name: round((ns - threads_before.get(name, 0)) / 1e3 / ok, 1)
            for name, ns in sorted(threads_after.items())}
    print(json.dumps(res), flush=True)
    return res


def build_release():
    bdir = os.path.join(ROOT, "build-bench-calls")
    subprocess.run(["cmake", "-S", ROOT, "-B", bdir, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                    "-DTL_BUILD_TESTS=OFF", "-DTL_BUILD_BENCH=OFF"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", bdir, "trunkline"], check=True)
    return os.path.join(bdir, "src", "app", "trunkline")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--binary", help="trunkline binary (default: build a Release one)")
    ap.add_argument("--rate", type=int, default=500, help="offered calls per second")
    ap.add_argument("--calls", type=int, default=10000, help="calls per measured run")
    ap.add_argument("--hold-ms", type=int, default=200, help="call duration (ms)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per server")
    ap.add_argument("--held", type=int, default=10000, help="calls held for the memory phase (0 = skip)")
    ap.add_argument("--held-rate", type=int, default=500, help="rate at which the held calls are set up")
    ap.add_argument("--kamailio-children", type=int, default=1,
                    help="Kamailio UDP workers (1, like --threads 1 for Trunkline: more workers reorder 180/200, which SIPp rejects)")
    ap.add_argument("--max-rate", default="", help="comma-separated rates to try for the zero-failure ceiling")
    ap.add_argument("--servers", default="trunkline,kamailio",
                    help="phase 1 servers, comma-separated (trunkline alone for quick iterations; "
                         "the ratio needs both)")
    ap.add_argument("--attach", default="",
                    help="command run beside each measured Trunkline run of phase 1, e.g. "
                         "'perf record -e cpu-clock -g -p {pid} -o {dir}/{tag}.perf' or "
                         "'strace -c -f -p {pid}'; its output goes to <workdir>/<tag>.attach.txt "
                         "(use --keep)")
    ap.add_argument("--baseline", default="",
                    help="a second trunkline binary (e.g. the commit before a change) measured in "
                         "the same phase 1 rotation: A/B under the same machine state")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--media", action="store_true",
                    help="Trunkline anchors media too (relay ports per call; SIPp sends no RTP). "
                         "Off by default: Kamailio, a signalling proxy, relays no media either")
    args = ap.parse_args()
    global MEDIA
    MEDIA = args.media
    servers = [x for x in args.servers.split(",") if x]
    if any(x not in ("trunkline", "kamailio") for x in servers):
        sys.exit("--servers: trunkline and/or kamailio")
    if args.baseline:
        servers.insert(0, "baseline")
    if not SIPP:
        sys.exit("sipp not found (Debian package sip-tester)")
    if "kamailio" in servers and not os.path.exists(KAMAILIO):
        sys.exit("kamailio not found: scripts/install-deps.sh --bench installs it (Debian package)")
    binary = args.binary or build_release()
    workdir = tempfile.mkdtemp(prefix="tl-callbench-")
    print(f"# workdir {workdir}; trunkline {binary}; {subprocess.run([KAMAILIO, '-v'], stdout=subprocess.PIPE, text=True).stdout.splitlines()[0]}")
    carrier_port = free_port(CARRIER_IP)
    carrier = Sipp(workdir, "carrier", os.path.join(ROOT, "bench", "calls", "uas_answer_rr.xml"),
                   CARRIER_IP, carrier_port,
                   extra=["-timeout", "3600s"]).start()
    results = {"trunkline": [], "kamailio": [], "baseline": []}
    try:
        time.sleep(0.5)
        # Phase 1: alternate, a fresh server per run (same starting state every time).
        for r in range(args.rounds):
            makers = {"trunkline": lambda: TrunklineServer(binary, workdir, carrier_port),
                      "baseline": lambda: TrunklineServer(args.baseline, workdir, carrier_port,
                                                          name="baseline"),
                      "kamailio": lambda: KamailioServer(workdir, carrier_port,
                                                         args.kamailio_children)}
            for name in servers:
                srv = makers[name]()
                try:
                    warm = uac(workdir, f"{srv.name}-warm{r}", srv, args.rate, min(1000, args.calls),
                               args.hold_ms, args.calls, 120)
                    warm.start().wait(200)
                    sub = argparse.Namespace(**vars(args))
                    sub.attach_cmd = {"cmd": args.attach, "servers": ("trunkline",)} if args.attach else None
                    res = load_run(workdir, f"{srv.name}-r{r}", srv, sub)
                finally:
                    srv.stop()
                if srv.name in ("trunkline", "baseline"):
                    res["cdrs"] = srv.cdr_count()  # answered CDR rows, warm-up included
                    print(f"# {res['tag']}: {res['cdrs']} answered CDRs in the database", flush=True)
                results[srv.name].append(res)

        summary = {}
        for name, runs in results.items():
            good = [x["cpu_us_per_call"] for x in runs if x["failed"] == 0 and x["rc"] == 0]
            summary[name] = {"runs": runs, "median_cpu_us_per_call":
                             statistics.median(good) if good else None}
        t, k = summary["trunkline"]["median_cpu_us_per_call"], summary["kamailio"]["median_cpu_us_per_call"]
        if t and k:
            print(f"# phase 1: CPU per completed call at {args.rate} CPS, {args.hold_ms} ms calls: "
                  f"trunkline {t:.1f} us, kamailio {k:.1f} us, ratio trunkline/kamailio {t / k:.3f}")
        elif len(servers) == 1 and (t or k):
            print(f"# phase 1: CPU per completed call at {args.rate} CPS, {args.hold_ms} ms calls: "
                  f"{servers[0]} {t or k:.1f} us (one server only: no ratio)")
        else:
            print("# phase 1: a server had failed calls; see the runs")
        b = summary["baseline"]["median_cpu_us_per_call"]
        if b and t:
            print(f"# phase 1: baseline {b:.1f} us" + (f" (ratio to kamailio {b / k:.3f})" if k else "")
                  + f"; trunkline/baseline {t / b:.3f}")

        # Phase 2: memory per held call, and CPU per call with them held.
        if args.held:
            srv = TrunklineServer(binary, workdir, carrier_port)
            try:
                warm = uac(workdir, "mem-warm", srv, args.rate, min(1000, args.calls), args.hold_ms,
                           args.calls, 120)
                warm.start().wait(200)
                light = load_run(workdir, "light", srv, args)
                time.sleep(1)
                base = pss_kib(srv.proc.pid)
                hold_s = int(args.held / args.held_rate + args.calls / args.rate + 120)
                held = uac(workdir, "held", srv, args.held_rate, args.held, hold_s * 1000, args.held,
                           hold_s + 120).start()
                deadline = time.monotonic() + args.held / args.held_rate + 60
                current = 0
                while time.monotonic() < deadline:
                    time.sleep(1)
                    st = held.stats()
                    current = int(st.get("CurrentCall", 0) or 0)
                    created = int(st.get("OutgoingCall(C)", 0) or 0)
                    if created >= args.held and current >= args.held:
                        break
                time.sleep(3)  # the last ones answered and ACKed
                st = held.stats()
                loaded = pss_kib(srv.proc.pid)
                per_call = (loaded - base) * 1024 / max(1, args.held)
                print(f"# phase 2: {st.get('CurrentCall')} calls held (failed so far "
                      f"{st.get('FailedCall(C)')}); PSS {base} KiB -> {loaded} KiB: "
                      f"{per_call:.0f} bytes per established call", flush=True)
                heavy = load_run(workdir, "heavy", srv, args)
                held.stop()
                summary["memory"] = {"held": args.held, "pss_base_kib": base, "pss_loaded_kib": loaded,
                                     "bytes_per_call": per_call, "held_failed": st.get("FailedCall(C)")}
                summary["concurrency"] = {"light": light, "heavy": heavy,
                                          "ratio": heavy["cpu_us_per_call"] / light["cpu_us_per_call"]}
                print(f"# phase 2: CPU per call with ~{args.rate * args.hold_ms // 1000} concurrent "
                      f"{light['cpu_us_per_call']:.1f} us, with {args.held} more held "
                      f"{heavy['cpu_us_per_call']:.1f} us: ratio {summary['concurrency']['ratio']:.3f}")
            finally:
                srv.stop()

        # Phase 3: zero-failure ceiling (short runs, each server fresh).
        if args.max_rate:
            ceiling = {}
            for name in ("trunkline", "kamailio"):
                best = 0
                for rate in [int(x) for x in args.max_rate.split(",")]:
                    srv = (TrunklineServer(binary, workdir, carrier_port) if name == "trunkline"
                           else KamailioServer(workdir, carrier_port, args.kamailio_children))
                    try:
                        sub = argparse.Namespace(**vars(args))
                        sub.rate, sub.calls = rate, rate * 10
                        res = load_run(workdir, f"{name}-max{rate}", srv, sub)
                    finally:
                        srv.stop()
                    if res["failed"] or res["rc"]:
                        break
                    best = rate
                ceiling[name] = best
            summary["ceiling"] = ceiling
            print(f"# phase 3: highest zero-failure rate tried: {ceiling}")
        print("# summary " + json.dumps({k: v for k, v in summary.items()}, default=str))
    finally:
        carrier.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
