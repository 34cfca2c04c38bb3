"""Shared pieces of the bench/api runners: a Trunkline node with the REST API on, an
admin key, HTTP timing, wrk, and the per-thread CPU split.

The call machinery (SIPp, the digest-authenticated PBX, the carrier, the process-group CPU
counters) is bench/calls/run_call_bench.py's, imported, not copied.
"""
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench", "calls"))
import run_call_bench as cb  # noqa: E402  (the call bench's machinery)

API_IP = "127.0.0.1"
WRK = shutil.which("wrk")


def free_tcp_port(host=API_IP):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class ApiTrunkline(cb.TrunklineServer):
    """run_call_bench's Trunkline node (same accounts, trunk, carrier and route; media off),
    with the API listening on loopback, no per-key rate limit (the load is the point), and an
    admin key. `seed_db`: a database file copied (or moved) in before provisioning
    (pre-filled CDRs)."""

    def __init__(self, binary, workdir, carrier_port, seed_db=None, name="trunkline",
                 move_seed=False, data_dir=None):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="tlapi-", dir=workdir)
        self.port = cb.free_port(cb.SERVER_IP)
        self.api_port = free_tcp_port()
        self.data = data_dir or os.path.join(self.dir, "data")  # data_dir: used in place
        os.makedirs(self.data, exist_ok=True)
        if seed_db:
            target = os.path.join(self.data, "trunkline.db")
            for suffix in ("", "-wal"):
                if os.path.exists(seed_db + suffix):
                    if move_seed:
                        os.replace(seed_db + suffix, target + suffix)
                    else:
                        shutil.copyfile(seed_db + suffix, target + suffix)
        cfg = os.path.join(self.dir, "trunkline.toml")
        with open(cfg, "w") as f:
            f.write(f'[node]\nlog_level = "warn"\nthreads = 1\n\n[sip]\n'
                    f'listen = ["udp:{cb.SERVER_IP}:{self.port}"]\n'
                    f'digest_algorithms = ["MD5", "SHA-256"]\n\n'
                    f'[api]\nenabled = true\nlisten = "{API_IP}:{self.api_port}"\n'
                    f'rate_limit = 0\nmax_connections = 256\n\n'
                    f'[media]\nenabled = false\n')
        setup = os.path.join(self.dir, "setup.toml")
        with open(setup, "w") as f:
            f.write(f"""
[[accounts]]
name = "bench"
country = "US"

[[trunks]]
account = "bench"
name = "pbx"
credentials = [{{ username = "{cb.USER}", password = "{cb.PASSWORD}", realm = "{cb.REALM}" }}]

[[carriers]]
name = "carrier"
gateways = ["udp:{cb.CARRIER_IP}:{carrier_port}:prio=1"]
probe_interval = 0

[[routes]]
prefix = ""
carriers = ["carrier"]
""")
        subprocess.run([binary, "provision", "apply", setup, "--data-dir", self.data],
                       check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run([binary, "apikey", "create", "--admin", "--name", "bench",
                              "--data-dir", self.data], check=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True).stdout
        keys = re.findall(r"tlk_[A-Za-z0-9_]+", out)
        if not keys:
            raise RuntimeError(f"no key in 'apikey create' output: {out!r}")
        self.key = keys[0]
        self.log_path = os.path.join(self.dir, "log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([binary, "--config", cfg, "--data-dir", self.data],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.wait_ready()
        self.wait_api()

    def wait_api(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status, _, _ = self.get("/v1/accounts")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"API not answering: {open(self.log_path).read()[-3000:]}")

    def get(self, path, conn=None):
        """One GET with the admin key: (status, headers dict, body bytes)."""
        own = conn is None
        c = conn or http.client.HTTPConnection(API_IP, self.api_port, timeout=30)
        try:
            c.request("GET", path, headers={"Authorization": f"Bearer {self.key}"})
            r = c.getresponse()
            body = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, body
        finally:
            if own:
                c.close()


def thread_groups(pgid):
    """CPU ns per thread role of the node. The SIP shard runs on the main thread (tid ==
    pid, keeps the process name); app/ names the others (tl-api, tl-cdr, tl-reg,
    tl-refresh, tl-media). A thread still carrying the process name besides main is
    counted as 'unnamed'."""
    out = {}
    for name, ns in cb.thread_cpu_ns(pgid).items():
        if name == "main" or name.startswith("tl-sip"):
            role = "sip"
        else:
            base = name.split("/", 1)[0]
            role = base[3:] if base.startswith("tl-") else "unnamed"
        out[role] = out.get(role, 0) + ns
    return out


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    i = max(0, min(len(v) - 1, int(-(-p * len(v) // 1)) - 1))
    return v[i]


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


class Wrk:
    """wrk against one path, in its own process group, bounded by -d and a wait timeout."""

    def __init__(self, server, path, connections, duration_s, threads=1):
        self.path = path
        self.args = [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{duration_s}s",
                     "--latency", "--timeout", "5s", "-H", f"Authorization: Bearer {server.key}",
                     f"http://{API_IP}:{server.api_port}{path}"]
        self.duration = duration_s
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=True)
        return self

    def finish(self):
        try:
            out, _ = self.proc.communicate(timeout=self.duration + 30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            out, _ = self.proc.communicate(timeout=10)
        res = {"path": self.path, "rc": self.proc.returncode}
        m = re.search(r"Requests/sec:\s+([\d.]+)", out)
        res["rps"] = float(m.group(1)) if m else float("nan")
        for p in ("50", "99"):
            m = re.search(rf"^\s+{p}%\s+(\S+)", out, re.M)
            res[f"p{p}_ms"] = _ms(m.group(1)) if m else float("nan")
        m = re.search(r"(\d+) requests in", out)
        res["requests"] = int(m.group(1)) if m else 0
        m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        res["non_2xx"] = int(m.group(1)) if m else 0
        m = re.search(r"Socket errors: (.*)", out)
        res["socket_errors"] = m.group(1).strip() if m else ""
        if res["rc"] != 0 or not res["requests"]:
            res["output"] = out[-2000:]
        return res


def default_build_dir():
    return os.path.join(ROOT, "build-apibench")
