"""Helpers for call tests: a provisioned trunkline on 127.0.0.1 with a PBX at 127.0.0.2 and
carriers at 127.0.0.3 / 127.0.0.4 (distinct loopback addresses, so source-address
identification is exercised for real), SIPp peers on each, and CDR reads from the SQLite file."""
import os
import sqlite3
import subprocess
import tempfile
import time

from harness import BINARY, SCENARIOS, SIPP, TMP_ROOT, Trunkline, free_port

PBX_IP, CARRIER_A_IP, CARRIER_B_IP, REMOTE_IP = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"


def setup_toml(pbx_port, a_port, b_port, channels=0, extra="", cps=0, route_ring_timeout=60):
    return f"""
[[accounts]]
name = "acme"
country = "US"

[[trunks]]
account = "acme"
name = "pbx"
ips = ["{PBX_IP}/32"]
host = "{PBX_IP}"
port = {pbx_port}
transport = "udp"
channels = {channels}
cps = {cps}

[[trunks]]
account = "acme"
name = "remote"
credentials = [{{ username = "remote-pbx", password = "s3cret-pass", realm = "trunkline" }}]

[[trunks]]
account = "acme"
name = "branch"
registration = true
credentials = [{{ username = "branch-pbx", password = "branch-pass", realm = "trunkline" }}]

[[carriers]]
name = "carrier-a"
gateways = ["udp:{CARRIER_A_IP}:{a_port}:prio=1"]
inbound_ips = ["{CARRIER_A_IP}/32"]
probe_interval = 0

[[carriers]]
name = "carrier-b"
gateways = ["udp:{CARRIER_B_IP}:{b_port}:prio=1"]
probe_interval = 0

[[routes]]
prefix = "1"
carriers = [{{ name = "carrier-a", priority = 1 }}, {{ name = "carrier-b", priority = 2 }}]
ring_timeout = {route_ring_timeout}

[[numbers]]
e164 = "+14155550100"
account = "acme"
trunk = "pbx"
ring_timeout = 5

[[numbers]]
e164 = "+14155550200"
account = "acme"
trunk = "branch"
{extra}
"""


class Peer:
    """A SIPp process playing a PBX or carrier: started in the background (UAS) or run to
    completion (UAC). Stopped by PID only."""

    def __init__(self, scenario, ip, port, target=None, calls=1, timeout=30, extra=()):
        self.workdir = tempfile.mkdtemp(prefix="sipp-", dir=TMP_ROOT)
        self.args = [SIPP, "-sf", os.path.join(SCENARIOS, "calls", scenario), "-i", ip, "-p", str(port),
                     "-m", str(calls), "-timeout", f"{timeout}s", "-timeout_error", "-nostdin",
                     "-trace_msg", "-trace_err", "-recv_timeout", "20000"] + list(extra)
        if target:
            self.args.append(target)
        self.proc = None
        self.timeout = timeout

    def start(self):
        self.out = open(os.path.join(self.workdir, "stdout"), "wb")
        self.proc = subprocess.Popen(self.args, cwd=self.workdir, stdout=self.out, stderr=subprocess.STDOUT)
        time.sleep(0.3)  # let it bind before anyone calls it
        return self

    def wait(self):
        try:
            rc = self.proc.wait(self.timeout + 15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait(5)
        self.out.close()
        return rc

    def run(self):
        return self.start().wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def log(self, suffix="_messages.log"):
        for name in os.listdir(self.workdir):
            if name.endswith(suffix):
                with open(os.path.join(self.workdir, name), "rb") as f:
                    return f.read().decode("utf-8", "replace")
        return ""

    def report(self):
        return f"--- sipp {' '.join(self.args)}\n{self.log('_errors.log')}\n{self.log()[-3000:]}"


def provision(data_dir, text):
    os.makedirs(TMP_ROOT, exist_ok=True)
    path = os.path.join(tempfile.mkdtemp(prefix="setup-", dir=TMP_ROOT), "setup.toml")
    with open(path, "w") as f:
        f.write(text)
    p = subprocess.run([BINARY, "provision", "apply", path, "--data-dir", data_dir],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
    assert p.returncode == 0, p.stdout
    return p.stdout


def cdrs(data_dir):
    con = sqlite3.connect(os.path.join(data_dir, "trunkline.db"))
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("SELECT * FROM cdrs ORDER BY id")]
    for r in rows:
        r["attempts"] = [dict(a) for a in con.execute(
            "SELECT * FROM cdr_attempts WHERE cdr_id = ? ORDER BY seq", (r["id"],))]
    con.close()
    return rows


def entity_id(data_dir, table, name):
    con = sqlite3.connect(os.path.join(data_dir, "trunkline.db"))
    (i,) = con.execute(f"SELECT id FROM {table} WHERE name = ?", (name,)).fetchone()
    con.close()
    return i
