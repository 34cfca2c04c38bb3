"""Integration-test harness: starts the real trunkline binary on free loopback ports and
drives it with real peers (SIPp, raw sockets, TLS clients). Every process started here is
stopped by PID; every wait is bounded."""
import os
import random
import shutil
import signal
import socket
import string
import subprocess
import tempfile
import time
import unittest

BINARY = os.environ.get("TL_BINARY", os.path.join(os.path.dirname(__file__), "../../build/src/app/trunkline"))
TMP_ROOT = os.environ.get("TL_TMP", tempfile.gettempdir())
SCENARIOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios")
SIPP = shutil.which("sipp")


def free_port(host="127.0.0.1"):
    """A port free for both UDP and TCP on `host` (SIP listens on both with one number)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(50):
        t = socket.socket(family, socket.SOCK_STREAM)
        t.bind((host, 0))
        port = t.getsockname()[1]
        u = socket.socket(family, socket.SOCK_DGRAM)
        try:
            u.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise RuntimeError("no free port")


def rand_token(n=10):
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


class Trunkline:
    """One trunkline process with its own data directory and log file."""

    def __init__(self, listen=None, extra_args=(), config_text=None, host="127.0.0.1"):
        self.host = host
        self.port = free_port(host)
        h = f"[{host}]" if ":" in host else host
        self.listen = listen or [f"udp:{h}:{self.port}", f"tcp:{h}:{self.port}"]
        os.makedirs(TMP_ROOT, exist_ok=True)
        self.workdir = tempfile.mkdtemp(prefix="tl-it-", dir=TMP_ROOT)
        self.data_dir = os.path.join(self.workdir, "data")
        self.log_path = os.path.join(self.workdir, "trunkline.log")
        self.args = [BINARY, "--data-dir", self.data_dir, "--log-level", "debug"]
        if config_text is not None:
            cfg = os.path.join(self.workdir, "trunkline.toml")
            with open(cfg, "w") as f:
                f.write(config_text)
            self.args += ["--config", cfg]
        for spec in self.listen:
            self.args += ["--listen", spec]
        self.args += list(extra_args)
        self.proc = None

    def start(self, ready_timeout=15.0):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"trunkline exited with {self.proc.returncode}:\n{self.log_text()}")
            if "ready" in self.log_text():
                return self
            time.sleep(0.05)
        self.stop()
        raise AssertionError(f"trunkline not ready within {ready_timeout}s:\n{self.log_text()}")

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout=10.0):
        """SIGTERM, wait (bounded); returns the exit code. Kills only our own PID."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                raise AssertionError("trunkline did not stop within %ss of SIGTERM" % timeout)
        self.log.close()
        return self.proc.returncode

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def sipp(scenario, target_port, transport="u1", host="127.0.0.1", calls=1, timeout=20,
         extra=(), rate=None):
    """Runs a SIPp scenario file from scenarios/ against trunkline; returns CompletedProcess.
    SIPp's own exit code says whether every call followed the scenario."""
    if SIPP is None:
        raise unittest.SkipTest("sipp not installed")
    workdir = tempfile.mkdtemp(prefix="sipp-", dir=TMP_ROOT)
    h = f"[{host}]" if ":" in host else host
    args = [SIPP, "-sf", os.path.join(SCENARIOS, scenario), "-m", str(calls), "-t", transport,
            "-i", host, "-p", str(free_port(host)), "-timeout", f"{timeout}s",
            "-timeout_error", "-nostdin", "-trace_err", "-trace_msg",
            "-max_recv_loops", "1000", "-recv_timeout", "5000"]
    if rate:
        args += ["-r", str(rate)]
    args += list(extra) + [f"{h}:{target_port}"]
    p = subprocess.run(args, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout + 30)
    p.workdir = workdir
    p.messages = _read_first(workdir, "_messages.log")
    p.errors = _read_first(workdir, "_errors.log")
    return p


def _read_first(d, suffix):
    for name in os.listdir(d):
        if name.endswith(suffix):
            with open(os.path.join(d, name), "rb") as f:
                return f.read().decode("utf-8", "replace")
    return ""


class UdpPeer:
    """A raw UDP SIP peer for byte-exact checks (retransmissions, malformed input)."""

    def __init__(self, host="127.0.0.1"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.host = host

    def send(self, data, port, host=None):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendto(data, (host or self.host, port))

    def recv(self, timeout=3.0):
        """Next datagram, or None when nothing arrives within `timeout`."""
        self.sock.settimeout(timeout)
        try:
            data, _ = self.sock.recvfrom(65535)
            return data.decode("utf-8", "replace")
        except socket.timeout:
            return None

    def close(self):
        self.sock.close()


def status_line(resp):
    return resp.split("\r\n", 1)[0] if resp else None


def header(resp, name):
    """Value of the first header `name` (case-insensitive) in a response text."""
    for line in resp.split("\r\n")[1:]:
        if not line:
            break
        k, _, v = line.partition(":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return None
