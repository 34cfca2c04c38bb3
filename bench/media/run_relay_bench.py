#!/usr/bin/env python3
"""Media relay cost per packet, side by side with rtpengine (bench/media/README.md).

    rtp_load side A  ->  relay (leg A port ... leg B port)  ->  rtp_load side B   and back

The relay is Trunkline's MediaEngine (bench_relay_server: N sessions of one stream, created
through the engine's API) or rtpengine (Debian rtpengine-daemon, user space only:
--table=-1, driven through its ng control protocol: one offer and one answer per call, with
SDP whose c=/m= lines name the generator's sockets). Both get the same N G.711 calls at
50 packets per second each way from the same generator (rtp_load), on 127.0.0.0/8 only.

Measured per run: CPU time of every thread of the relay process over the measurement window
(/proc/PID/task/*/schedstat, read by the generator at the window's edges) divided by the
packets relayed in it; loss (packets scheduled in the window that never came out of the
relay); latency (receive time minus the send time in the payload). A run of rtp_load
without a relay (--direct) gives the generator's own latency floor.

Phases, in one invocation so that every ratio comes from the same machine state:
  0. per fixed load in --calls: the latency floor (no relay), then
  1. --rounds rounds alternating Trunkline and rtpengine: CPU per packet (median, ratio),
     latency;
  2. (unless --no-ladder) a ladder of call counts (--ladder) for each relay: the highest
     count with loss under --max-loss (0.1%); a relay leaves the ladder at its first failure
     (or at a void step, where the generator could not offer the load);
  3. (with --syscalls, run before the ladder) system calls per relayed packet of each relay
     (perf stat on the syscall tracepoints).

Every process is started by this script in its own session and stopped by its PID; every
wait is bounded.

Usage: bench/media/run_relay_bench.py [--build-dir DIR] [--calls 200,500] [--rounds 3]
           [--duration 20] [--ladder 500,1000,1500,2000] [--threads 1] [--rt-prio 10]
           [--syscalls] [--out FILE]
"""
import argparse
import json
import os
import re
import secrets
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RELAY_IP, GEN_A_IP, GEN_B_IP = "127.0.0.10", "127.0.0.11", "127.0.0.12"
GEN_PORT, GEN_SOCKETS = 15000, 32
TL_PORTS = (20000, 39999)
RTPE_PORTS = (40000, 59999)
RTPENGINE = shutil.which("rtpengine") or "/usr/bin/rtpengine"


# ---- bencode (the ng protocol's encoding) ------------------------------------------------

def bencode(v):
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted(((k.encode() if isinstance(k, str) else k), val) for k, val in v.items())
        return b"d" + b"".join(bencode(k) + bencode(val) for k, val in items) + b"e"
    raise TypeError(f"cannot bencode {type(v)}")


def bdecode(data, i=0):
    """Returns (value, next index). Strings come back as str (utf-8, replacement on error)."""
    if i >= len(data):
        raise ValueError("truncated bencode")
    c = data[i:i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    if c == b"l":
        i += 1
        out = []
        while data[i:i + 1] != b"e":
            if i >= len(data):
                raise ValueError("truncated list")
            v, i = bdecode(data, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        i += 1
        out = {}
        while data[i:i + 1] != b"e":
            if i >= len(data):
                raise ValueError("truncated dict")
            k, i = bdecode(data, i)
            v, i = bdecode(data, i)
            out[k] = v
        return out, i + 1
    if c.isdigit():
        colon = data.index(b":", i)
        n = int(data[i:colon])
        s = data[colon + 1:colon + 1 + n]
        if len(s) != n:
            raise ValueError("truncated string")
        return s.decode("utf-8", "replace"), colon + 1 + n
    raise ValueError(f"bad bencode at {i}")


class NgClient:
    """ng control protocol over UDP: '<cookie> <bencoded dict>', answered with the cookie."""

    def __init__(self, addr):
        self.addr = addr
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((RELAY_IP, 0))

    def call(self, msg, timeout=2.0, tries=3):
        cookie = secrets.token_hex(6).encode()
        payload = cookie + b" " + bencode(msg)
        for _ in range(tries):
            self.sock.sendto(payload, self.addr)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                r, _, _ = select.select([self.sock], [], [], max(0.0, deadline - time.monotonic()))
                if not r:
                    break
                data, _ = self.sock.recvfrom(65536)
                c, _, body = data.partition(b" ")
                if c != cookie:
                    continue  # a late answer to an earlier try
                reply, _ = bdecode(body)
                return reply
        raise RuntimeError(f"ng: no answer to {msg.get('command')}")

    def close(self):
        self.sock.close()


def sdp_for(ip, port, session):
    return ("v=0\r\n"
            f"o=- {session} 1 IN IP4 {ip}\r\n"
            "s=-\r\n"
            f"c=IN IP4 {ip}\r\n"
            "t=0 0\r\n"
            f"m=audio {port} RTP/AVP 0\r\n"
            "a=rtpmap:0 PCMU/8000\r\n"
            "a=ptime:20\r\n"
            "a=sendrecv\r\n")


def sdp_media(sdp):
    c = re.search(r"^c=IN IP4 (\S+)", sdp, re.M)
    m = re.search(r"^m=audio (\d+) ", sdp, re.M)
    if not c or not m:
        raise RuntimeError(f"no c=/m= in SDP: {sdp!r}")
    return c.group(1), int(m.group(1))


# ---- processes ------------------------------------------------------------------------------

def stop_process(p, timeout=15):
    """Stops a process this script started, by its PID (SIGTERM, then SIGKILL)."""
    if p.poll() is not None:
        return
    try:
        os.kill(p.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=timeout)


def read_line(p, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([p.stdout], [], [], 0.5)
        if r:
            return p.stdout.readline()
        if p.poll() is not None:
            break
    raise RuntimeError("no line from child process in time")


def write_targets(path, targets):
    with open(path, "w") as f:
        for ip, a, b in targets:
            f.write(f"{ip} {a} {b}\n")


def niced(args, cmd):
    """The relay and the generator run at --nice, or SCHED_FIFO --rt-prio (the same for both
    relays): on a shared host this takes the other tenants' run-queue delay out of the
    latency and loss figures. Neither changes the CPU a packet costs."""
    if getattr(args, "rt_prio", 0):
        return ["chrt", "-f", str(args.rt_prio)] + cmd
    return ["nice", "-n", str(args.nice)] + cmd if args.nice else cmd


def run_load(args, targets_file, server_pid, calls=None, duration=None):
    cmd = [os.path.join(args.bin, "rtp_load"), "--a-ip", GEN_A_IP, "--b-ip", GEN_B_IP,
           "--port", str(GEN_PORT), "--sockets", str(GEN_SOCKETS),
           "--warmup", str(args.warmup), "--duration", str(duration or args.duration),
           "--drain-ms", "1000"]
    if targets_file:
        cmd += ["--targets", targets_file, "--server-pid", str(server_pid)]
    else:
        cmd += ["--direct", "--calls", str(calls)]
    limit = args.warmup + (duration or args.duration) + 60
    r = subprocess.run(niced(args, cmd), capture_output=True, text=True, timeout=limit)
    if r.returncode != 0:
        raise RuntimeError(f"rtp_load failed: {r.stderr.strip()}")
    return json.loads(r.stdout.strip().splitlines()[-1])


class TrunklineRelay:
    name = "trunkline"

    def __init__(self, args, calls, tmp):
        self.args, self.calls, self.tmp = args, calls, tmp

    def __enter__(self):
        cmd = [os.path.join(self.args.bin, "bench_relay_server"), "--calls", str(self.calls),
               "--workers", str(self.args.threads), "--local", RELAY_IP,
               "--peer-a", GEN_A_IP, "--peer-b", GEN_B_IP, "--peer-port", str(GEN_PORT),
               "--peer-sockets", str(GEN_SOCKETS), "--min-port", str(TL_PORTS[0]),
               "--max-port", str(TL_PORTS[1]), "--max-seconds", "900"]
        if self.args.tl_pace_us:
            cmd += ["--pace-us", str(self.args.tl_pace_us)]
        self.p = subprocess.Popen(niced(self.args, cmd), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, start_new_session=True)
        info = json.loads(read_line(self.p, 120))
        self.targets = [(RELAY_IP, a, b) for a, b in info["calls"]]
        self.pid = self.p.pid
        return self

    def finish(self):
        """Stops the server; returns its own counters."""
        try:
            self.p.stdin.write("stop\n")
            self.p.stdin.flush()
            return json.loads(read_line(self.p, 30))
        except (RuntimeError, ValueError, BrokenPipeError):
            return None

    def __exit__(self, *exc):
        stop_process(self.p)


class RtpengineRelay:
    name = "rtpengine"

    def __init__(self, args, calls, tmp):
        self.args, self.calls, self.tmp = args, calls, tmp

    def __enter__(self):
        ng_port = free_port(RELAY_IP)
        self.log = open(os.path.join(self.tmp, "rtpengine.log"), "a")
        cmd = [RTPENGINE, "--config-file=none", "--foreground", "--log-stderr",
               "--table=-1", f"--interface={RELAY_IP}", f"--listen-ng={RELAY_IP}:{ng_port}",
               f"--port-min={RTPE_PORTS[0]}", f"--port-max={RTPE_PORTS[1]}",
               f"--num-threads={self.args.threads}", "--log-level=4", "--timeout=3600",
               "--delete-delay=0"]
        self.p = subprocess.Popen(niced(self.args, cmd), stdin=subprocess.DEVNULL, stdout=self.log,
                                  stderr=self.log, start_new_session=True)
        self.pid = self.p.pid
        self.ng = NgClient((RELAY_IP, ng_port))
        for _ in range(50):  # up to ~10 s for the daemon to listen
            try:
                if self.ng.call({"command": "ping"}, timeout=0.2, tries=1).get("result") == "pong":
                    break
            except RuntimeError:
                if self.p.poll() is not None:
                    raise RuntimeError("rtpengine exited at start (see its log)")
        else:
            raise RuntimeError("rtpengine does not answer ping")
        self.targets = []
        for i in range(self.calls):
            port = GEN_PORT + i % GEN_SOCKETS
            common = {"call-id": f"relaybench-{i}", "from-tag": f"a{i}",
                      "replace": ["origin", "session-connection"], "ICE": "remove"}
            offer = self.ng.call(dict(common, command="offer", sdp=sdp_for(GEN_A_IP, port, i)))
            if offer.get("result") != "ok":
                raise RuntimeError(f"offer {i}: {offer}")
            ip_b, port_b = sdp_media(offer["sdp"])  # what B is told: send to here
            answer = self.ng.call(dict(common, command="answer", **{"to-tag": f"b{i}"},
                                       sdp=sdp_for(GEN_B_IP, port, i)))
            if answer.get("result") != "ok":
                raise RuntimeError(f"answer {i}: {answer}")
            ip_a, port_a = sdp_media(answer["sdp"])  # what A is told
            if ip_a != ip_b:
                raise RuntimeError("rtpengine answered on two addresses")
            self.targets.append((ip_a, port_a, port_b))
        return self

    def finish(self):
        return None

    def __exit__(self, *exc):
        self.ng.close()
        stop_process(self.p)
        self.log.close()


def free_port(host):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def one_run(args, relay_cls, calls, tmp, duration=None):
    with relay_cls(args, calls, tmp) as relay:
        targets = os.path.join(tmp, f"targets-{relay.name}.txt")
        write_targets(targets, relay.targets)
        res = run_load(args, targets, relay.pid, duration=duration)
        res["relay"] = relay.name
        res["server_counters"] = relay.finish()
    return res


SYSCALLS = ("epoll_wait", "epoll_pwait", "poll", "recvmmsg", "recvmsg", "recvfrom",
            "sendmmsg", "sendmsg", "sendto", "read", "write", "futex", "clock_nanosleep")


def syscall_profile(args, relay_cls, calls, tmp, seconds=5.0):
    """System calls per relayed packet, by kind (perf stat on the syscall tracepoints of the
    relay process during the window): a figure that does not move with host load."""
    perf = shutil.which("perf")
    if not perf:
        return None
    with relay_cls(args, calls, tmp) as relay:
        targets = os.path.join(tmp, f"targets-{relay.name}.txt")
        write_targets(targets, relay.targets)
        cmd = [os.path.join(args.bin, "rtp_load"), "--a-ip", GEN_A_IP, "--b-ip", GEN_B_IP,
               "--port", str(GEN_PORT), "--sockets", str(GEN_SOCKETS), "--warmup", "1",
               "--duration", str(seconds + 2), "--drain-ms", "500", "--targets", targets,
               "--server-pid", str(relay.pid)]
        load = subprocess.Popen(niced(args, cmd), stdout=subprocess.PIPE, text=True,
                                start_new_session=True)
        try:
            time.sleep(2.1)
            events = ",".join(f"syscalls:sys_enter_{n}" for n in SYSCALLS)
            r = subprocess.run([perf, "stat", "-x", ",", "-e", events, "-p", str(relay.pid),
                                "--", "sleep", str(seconds)], capture_output=True, text=True,
                               timeout=seconds + 30)
            out, _ = load.communicate(timeout=seconds + 60)
        finally:
            stop_process(load)
        relay.finish()
    res = json.loads(out.strip().splitlines()[-1])
    packets = res["offered_pps"] * seconds * (1 - res["loss_window"])
    counts = {}
    for line in r.stderr.splitlines():
        f = line.split(",")
        if len(f) > 2 and f[2].startswith("syscalls:sys_enter_") and f[0].strip().isdigit():
            counts[f[2][len("syscalls:sys_enter_"):]] = int(f[0])
    per = {k: v / packets for k, v in counts.items() if v > 0}
    return {"relay": relay_cls.name, "calls": calls, "packets": packets,
            "per_packet": per, "total_per_packet": sum(per.values())}


def fmt_run(r):
    return (f"{r['relay']:>9} calls={r['calls']:>5} cpu/pkt={r['server_cpu_ns_per_pkt'] / 1000:7.2f} us"
            f" util={r['server_cpu_util'] * 100:5.1f}%"
            f" runq={r.get('server_runq_wait_util', 0) * 100:5.1f}% loss={r['loss_window'] * 100:7.4f}%"
            f" p50={r['lat_p50_us']:8.1f} us p99={r['lat_p99_us']:8.1f} us"
            f" offered={r.get('offered_pps', 0) / 1000:.1f}k/{r.get('nominal_pps', 0) / 1000:.1f}k pps"
            f"{'' if r.get('rate_ok', True) else ' (GENERATOR BEHIND)'}"
            f" max_lag={r['max_send_lag_us'] / 1000:.1f} ms")


def summarize(report, chosen, calls, floor, rounds):
    runs_at = [r for r in report["rounds"] if r["calls"] == calls]
    med = {}
    for cls in chosen:
        runs = [r for r in runs_at if r["relay"] == cls.name]
        if runs:
            med[cls.name] = {
                "cpu_ns_per_pkt": statistics.median(r["server_cpu_ns_per_pkt"] for r in runs),
                "p50_us": statistics.median(r["lat_p50_us"] for r in runs),
                "p99_us": statistics.median(r["lat_p99_us"] for r in runs),
                "loss": max(r["loss_window"] for r in runs),
                "rate_ok": all(r.get("rate_ok", True) for r in runs)}
    report["medians"][calls] = med
    for name, m in med.items():
        print(f"median {calls} calls {name:>9}: cpu/pkt {m['cpu_ns_per_pkt'] / 1000:.2f} us,"
              f" p50 {m['p50_us']:.1f} us (floor {floor['lat_p50_us']:.1f}),"
              f" p99 {m['p99_us']:.1f} us (floor {floor['lat_p99_us']:.1f}),"
              f" worst loss {m['loss'] * 100:.4f}%{'' if m['rate_ok'] else ', generator behind'}")
    if "trunkline" in med and "rtpengine" in med:
        ratio = med["trunkline"]["cpu_ns_per_pkt"] / med["rtpengine"]["cpu_ns_per_pkt"]
        pairs = [a["server_cpu_ns_per_pkt"] / b["server_cpu_ns_per_pkt"]
                 for rnd in range(rounds)
                 for a in runs_at if a["round"] == rnd and a["relay"] == "trunkline"
                 for b in runs_at if b["round"] == rnd and b["relay"] == "rtpengine"]
        report["cpu_ratio"][calls] = {"of_medians": ratio,
                                      "paired_median": statistics.median(pairs) if pairs else None}
        print(f"CPU per packet at {calls} calls, trunkline/rtpengine = {ratio:.3f} (of medians);"
              f" per round: {', '.join(f'{p:.3f}' for p in pairs)}  (target <= 0.5)", flush=True)


def load_avg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def ensure_built(args):
    need = [os.path.join(args.bin, b) for b in ("rtp_load", "bench_relay_server")]
    if all(os.path.exists(p) for p in need) and not args.rebuild:
        return
    subprocess.run(["cmake", "-G", "Ninja", "-S", ROOT, "-B", args.build_dir,
                    "-DTL_BUILD_BENCH=ON", "-DTL_BUILD_TESTS=OFF",
                    "-DCMAKE_BUILD_TYPE=Release"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", args.build_dir, "-j2", "rtp_load", "bench_relay_server"],
                   check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-relaybench"))
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--calls", default="500",
                    help="fixed load(s) for the side-by-side rounds, comma-separated")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--threads", type=int, default=1,
                    help="Trunkline relay workers and rtpengine --num-threads")
    ap.add_argument("--ladder", default="500,1000,2000,3000,4000")
    ap.add_argument("--ladder-duration", type=float, default=10)
    ap.add_argument("--no-ladder", action="store_true")
    ap.add_argument("--max-loss", type=float, default=0.001)
    ap.add_argument("--relays", default="trunkline,rtpengine")
    ap.add_argument("--nice", type=int, default=0,
                    help="run relays and generator at this nice value (e.g. -5 on a busy host)")
    ap.add_argument("--rt-prio", type=int, default=0,
                    help="run relays and generator SCHED_FIFO at this priority (chrt -f)")
    ap.add_argument("--tl-pace-us", type=int, default=0,
                    help="experiment: drive Trunkline's worker with pollOnce() and sleep this"
                         " long after each busy round (fewer wake-ups per packet)")
    ap.add_argument("--syscalls", action="store_true",
                    help="also count system calls per packet of each relay (perf stat)")
    ap.add_argument("--out", help="write every run as JSON here")
    args = ap.parse_args()
    args.bin = os.path.join(args.build_dir, "bench")
    ensure_built(args)
    relays = {"trunkline": TrunklineRelay, "rtpengine": RtpengineRelay}
    chosen = [relays[n] for n in args.relays.split(",")]
    if RtpengineRelay in chosen and not os.path.exists(RTPENGINE):
        sys.exit("rtpengine not found: scripts/install-deps.sh --bench installs it")

    report = {"args": vars(args), "floor": None, "rounds": [], "ladder": []}
    tmp = tempfile.mkdtemp(prefix="relaybench-")
    sched = f"SCHED_FIFO {args.rt_prio}" if args.rt_prio else f"nice {args.nice}"
    print(f"# relay bench: {args.calls} calls x 2 directions x 50 pps, {args.threads} thread(s),"
          f" {sched}; load {load_avg()}; logs in {tmp}", flush=True)

    loads = [int(x) for x in str(args.calls).split(",")]
    report["floor"] = {}
    report["medians"] = {}
    report["cpu_ratio"] = {}
    for calls in loads:
        floor = run_load(args, None, 0, calls=calls)
        floor["relay"] = "none"
        report["floor"][calls] = floor
        print("floor   " + fmt_run(floor), flush=True)
        for rnd in range(args.rounds):
            order = chosen if rnd % 2 == 0 else list(reversed(chosen))
            for cls in order:
                r = one_run(args, cls, calls, tmp)
                r["round"] = rnd
                r["load"] = load_avg()
                report["rounds"].append(r)
                print(f"round {rnd} " + fmt_run(r) + f" load={r['load']}", flush=True)
        summarize(report, chosen, calls, floor, args.rounds)

    if args.syscalls:
        report["syscalls"] = []
        for cls in chosen:
            prof = syscall_profile(args, cls, int(str(args.calls).split(",")[0]), tmp)
            if prof:
                report["syscalls"].append(prof)
                kinds = ", ".join(f"{k} {v:.2f}" for k, v in sorted(prof["per_packet"].items(),
                                                                     key=lambda kv: -kv[1]))
                print(f"syscalls per packet {prof['relay']:>9} at {prof['calls']} calls:"
                      f" {prof['total_per_packet']:.2f} ({kinds})", flush=True)

    if not args.no_ladder:
        steps = [int(x) for x in args.ladder.split(",")]
        ceiling = {}
        for cls in chosen:
            ceiling[cls.name] = 0
            for n in steps:
                try:
                    r = one_run(args, cls, n, tmp, duration=args.ladder_duration)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    print(f"ladder {cls.name} {n}: failed to run: {e}", flush=True)
                    break
                r["load"] = load_avg()
                report["ladder"].append(r)
                ok = r["loss_window"] < args.max_loss
                verdict = "pass" if ok else "FAIL"
                if not r.get("rate_ok", True):
                    verdict = "VOID"  # the generator could not offer the load: no verdict
                print(f"ladder {verdict} " + fmt_run(r) + f" load={r['load']}", flush=True)
                if verdict != "pass":
                    if verdict == "VOID":
                        report.setdefault("ladder_generator_bound", {})[cls.name] = n
                    break
                ceiling[cls.name] = n
        report["ceiling"] = ceiling
        print("highest call count with loss < "
              f"{args.max_loss * 100:g}%: " + ", ".join(f"{k} {v}" for k, v in ceiling.items()))

    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
