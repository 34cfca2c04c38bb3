"""OPTIONS pings from real peers (SIPp, sipsak) over UDP, TCP and IPv6 get 200 OK."""
import shutil
import subprocess
import unittest

from harness import Trunkline, sipp, free_port


class OptionsTest(unittest.TestCase):
    def check_sipp(self, tl, transport, host="127.0.0.1", calls=1):
        p = sipp("options.xml", tl.port, transport=transport, host=host, calls=calls)
        self.assertEqual(p.returncode, 0, f"sipp failed:\n{p.stdout.decode()}\n{p.errors}\n{tl.log_text()}")
        return p

    def test_udp(self):
        with Trunkline() as tl:
            p = self.check_sipp(tl, "u1", calls=5)
            self.assertIn("SIP/2.0 200 OK", p.messages)
            self.assertIn("Server: Trunkline", p.messages)

    def test_tcp(self):
        with Trunkline() as tl:
            self.check_sipp(tl, "t1", calls=5)

    def test_ipv6_udp_and_tcp(self):
        with Trunkline(host="::1") as tl:
            self.check_sipp(tl, "u1", host="::1")
            self.check_sipp(tl, "t1", host="::1")

    @unittest.skipIf(shutil.which("sipsak") is None, "sipsak not installed")
    def test_sipsak(self):
        with Trunkline() as tl:
            p = subprocess.run(["sipsak", "-s", f"sip:ping@127.0.0.1:{tl.port}", "-l", str(free_port()), "-vv"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
            out = p.stdout.decode("utf-8", "replace")
            self.assertEqual(p.returncode, 0, out)
            self.assertIn("200 OK", out)

    def test_only_configured_addresses_listen(self):
        api_port = free_port()
        with Trunkline(listen=None, config_text=f'[api]\nlisten = "127.0.0.1:{api_port}"\n') as tl:
            # SIP on UDP and TCP on the given port and the API where the config says; nothing
            # else (no TLS port, no media ports while no call is up).
            out = subprocess.run(["ss", "-lntupH"], stdout=subprocess.PIPE, text=True).stdout
            ours = sorted(l.split()[0] + " " + l.split()[4]
                          for l in out.splitlines() if f"pid={tl.proc.pid}," in l)
            self.assertEqual(ours, sorted([f"udp 127.0.0.1:{tl.port}", f"tcp 127.0.0.1:{tl.port}",
                                           f"tcp 127.0.0.1:{api_port}"]), out)

if __name__ == "__main__":
    unittest.main()
