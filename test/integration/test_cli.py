"""The binary's command line, config validation, data directory, and clean shutdown."""
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import unittest

from harness import BINARY, TMP_ROOT, Trunkline, UdpPeer, free_port, status_line


def run(*args, timeout=20):
    return subprocess.run([BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout)


def expected_bps(payload_bytes, ptime_ms, ip=20, link=18, extra=0):
    """The documented formula (src/media/README.md): (payload + RTP 12 + UDP 8 + IP + link
    + extra) bytes x 8 bits x (1000 / ptime) packets per second, per call and direction."""
    return (payload_bytes + 12 + 8 + ip + link + extra) * 8 * 1000 / ptime_ms


class BandwidthTest(unittest.TestCase):
    def bw(self, *args):
        p = run("bandwidth", "--json", *args)
        self.assertEqual(p.returncode, 0, p.stderr)

        return json.loads(p.stdout)

    def test_matches_the_formula(self):
        r = self.bw("--codec", "PCMU", "--ptime", "20", "--calls", "20")
        self.assertEqual(r["frame_bytes"], 218)
        self.assertAlmostEqual(r["per_call_bps"], expected_bps(160, 20))  # 87.2 kbit/s
        self.assertAlmostEqual(r["total_bps"], 20 * expected_bps(160, 20))  # 1.744 Mbit/s
        self.assertAlmostEqual(r["total_both_directions_bps"], 40 * expected_bps(160, 20))
        r = self.bw("--codec", "G729", "--ptime", "20")
        self.assertAlmostEqual(r["per_call_bps"], expected_bps(20, 20))  # 31.2 kbit/s
        r = self.bw("--codec", "PCMA", "--ptime", "30", "--ipv6", "--vlan", "1", "--srtp")
        self.assertAlmostEqual(r["per_call_bps"], expected_bps(240, 30, ip=40, link=22, extra=10))
        r = self.bw("--codec", "PCMU", "--link", "none")
        self.assertAlmostEqual(r["per_call_bps"], 80000)

    def test_text_output_and_bad_input(self):
        p = run("bandwidth", "--codec", "PCMU", "--calls", "20")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("87.2 kbit/s each way", p.stdout)
        self.assertIn("20 calls: 1.744 Mbit/s each way", p.stdout)
        p = run("bandwidth", "--codec", "speex")
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown codec 'speex'", p.stderr)
        p = run("bandwidth", "--codec", "PCMU", "--ptime", "0")
        self.assertEqual(p.returncode, 2)
        self.assertIn("ptime", p.stderr)


class CliTest(unittest.TestCase):
    def tmp(self):
        os.makedirs(TMP_ROOT, exist_ok=True)
        return tempfile.mkdtemp(prefix="tl-cli-", dir=TMP_ROOT)

    def test_version_and_help(self):
        p = run("--version")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout.strip(), r"^trunkline \d+\.\d+\.\d+$")
        p = run("--help")
        self.assertEqual(p.returncode, 0)
        for word in ("--listen", "--config", "--data-dir", "check-config"):
            self.assertIn(word, p.stdout)

    def test_check_config_reports_file_line_and_problem(self):
        d = self.tmp()
        bad = os.path.join(d, "bad.toml")
        with open(bad, "w") as f:
            f.write('[node]\ndata_dir = "x"\n\n[sip]\nlisten = ["udp:127.0.0.1:5060"]\nt1_ms = "fast"\n')
        p = run("check-config", "--config", bad)
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"{bad}:6: 't1_ms' must be an integer", p.stderr)
        good = os.path.join(d, "good.toml")
        with open(good, "w") as f:
            f.write('[sip]\nlisten = ["udp:127.0.0.1:5070", "tcp:[::1]:5070"]\n')
        p = run("check-config", "--config", good)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("listen tcp:[::1]:5070", p.stdout)

    def test_bad_config_stops_startup(self):
        d = self.tmp()
        bad = os.path.join(d, "bad.toml")
        with open(bad, "w") as f:
            f.write('[sip]\nlisten = ["udp:127.0.0.1:5060"]\nmystery = 1\n')
        p = run("--config", bad, "--data-dir", os.path.join(d, "data"))
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"{bad}:3: unknown key 'mystery' in [sip]", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(d, "data")))

    def test_bad_listen_on_command_line(self):
        p = run("--listen", "udp:not-an-ip:5060", "--data-dir", os.path.join(self.tmp(), "d"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("--listen: invalid listen address 'udp:not-an-ip:5060'", p.stderr)

    def test_data_dir_database_and_clean_shutdown(self):
        tl = Trunkline().start()
        db = os.path.join(tl.data_dir, "trunkline.db")
        self.assertTrue(os.path.exists(db))
        rc = tl.stop()
        self.assertEqual(rc, 0, tl.log_text())
        self.assertIn("stopped", tl.log_text())
        con = sqlite3.connect(db)
        (version,) = con.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        self.assertGreaterEqual(version, 1)
        con.close()

    def test_sigint_is_a_clean_shutdown_too(self):
        tl = Trunkline().start()
        tl.proc.send_signal(signal.SIGINT)
        self.assertEqual(tl.proc.wait(10), 0, tl.log_text())
        tl.stop()

    def test_second_instance_on_same_data_dir_refused(self):
        with Trunkline() as first:
            p = run("--data-dir", first.data_dir, "--listen", f"udp:127.0.0.1:{free_port()}")
            self.assertEqual(p.returncode, 1)
            self.assertIn("in use by another trunkline", p.stdout + p.stderr)
            # The first instance is unaffected.
            peer = UdpPeer()
            peer.send(f"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{peer.port};branch=z9hG4bK-x1\r\n"
                      "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: cli@x\r\nCSeq: 1 OPTIONS\r\n"
                      "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", first.port)
            self.assertEqual(status_line(peer.recv()), "SIP/2.0 200 OK")
            peer.close()

    def test_port_in_use_is_a_clear_startup_error(self):
        with Trunkline() as first:
            p = run("--data-dir", os.path.join(self.tmp(), "d"), "--listen", f"udp:127.0.0.1:{first.port}")
            self.assertEqual(p.returncode, 1)
            self.assertIn(f"udp:127.0.0.1:{first.port}", p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
