"""The CLI through the API: with a node running, commands go over its control socket
(seen at once through the HTTP API and in the node's debug log); remote mode with a key
over TCP; refusals printed with the field and exit status 1; no node → the database."""
import json
import os
import re
import subprocess
import unittest
import urllib.request

from harness import BINARY, TMP_ROOT, Trunkline, free_port


def cli(*args, env=None, stdin=None, timeout=30):
    e = dict(os.environ)
    e.pop("TRUNKLINE_API", None)
    e.pop("TRUNKLINE_API_KEY", None)
    e.update(env or {})
    return subprocess.run([BINARY, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, timeout=timeout, env=e, input=stdin)


class CliApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.api_port = free_port()
        cls.tl = Trunkline(config_text=f'[api]\nlisten = "127.0.0.1:{cls.api_port}"\n').start()
        cls.dd = ["--data-dir", cls.tl.data_dir]
        cls.socket = os.path.join(cls.tl.data_dir, "trunkline.sock")

    @classmethod
    def tearDownClass(cls):
        assert cls.tl.stop() == 0, cls.tl.log_text()
        assert not os.path.exists(cls.socket), "control socket left behind"

    def http(self, path, key):
        req = urllib.request.Request(f"http://127.0.0.1:{self.api_port}{path}",
                                     headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def test_socket_is_private_and_named_in_the_log(self):
        self.assertEqual(os.stat(self.socket).st_mode & 0o777, 0o600)
        self.assertIn(f"control {self.socket}", self.tl.log_text())

    def test_every_command_goes_through_the_socket(self):
        p = cli("apikey", "create", "--admin", "--name", "it", *self.dd)
        self.assertEqual(p.returncode, 0, p.stderr)
        key = p.stdout.strip()
        self.assertRegex(key, r"^tlk_[0-9a-f]{16}_[0-9a-f]{64}$")
        steps = [
            ["account", "add", "--name", "sock-acme"],
            ["trunk", "add", "--account", "sock-acme", "--name", "pbx", "--ip", "192.0.2.0/24"],
            ["number", "add", "--e164", "+14155550123", "--account", "sock-acme", "--trunk", "pbx"],
            ["carrier", "add", "--name", "sock-telco", "--gateway", "udp:192.0.2.9:5060"],
            ["route", "add", "--prefix", "1999", "--carrier", "sock-telco"],
        ]
        for s in steps:
            p = cli(*s, *self.dd)
            self.assertEqual(p.returncode, 0, f"{s}: {p.stderr}")
        # Visible at once through the HTTP API, and the node logged the requests (the CLI
        # did not write the database itself).
        names = [a["name"] for a in self.http("/v1/accounts", key)["items"]]
        self.assertIn("sock-acme", names)
        log = self.tl.log_text()
        for path in ("/v1/accounts", "/v1/trunks", "/v1/numbers", "/v1/carriers", "/v1/routes"):
            self.assertRegex(log, rf"api: POST {re.escape(path)} → 201")
        for group in ("account", "trunk", "number", "carrier", "route", "apikey"):
            p = cli(group, "list", "--json", *self.dd)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIsInstance(json.loads(p.stdout), list)
            p = cli(group, "list", *self.dd)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertRegex(p.stdout.splitlines()[0], r"^[A-Z]")
        p = cli("carrier", "status", "--json", *self.dd)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("sock-telco", [r["carrier"] for r in json.loads(p.stdout)])
        p = cli("cdrs", "--account", "sock-acme", "--since", "1h", "--limit", "10", "--json", *self.dd)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), [])
        self.assertIn("GET /v1/cdrs", self.tl.log_text())
        for s in (["route", "remove", "--prefix", "1999"], ["number", "remove", "--e164", "+14155550123"],
                  ["trunk", "remove", "--account", "sock-acme", "--name", "pbx"],
                  ["carrier", "remove", "--name", "sock-telco"], ["account", "remove", "--name", "sock-acme"]):
            p = cli(*s, *self.dd)
            self.assertEqual(p.returncode, 0, f"{s}: {p.stderr}")
        self.assertNotIn("sock-acme", [a["name"] for a in self.http("/v1/accounts", key)["items"]])

    def test_api_refusal_names_the_field(self):
        p = cli("account", "add", "--name", "bad name!", *self.dd)
        self.assertEqual(p.returncode, 1)
        self.assertRegex(p.stderr, r"^error: .*\(field name\)\n$")
        p = cli("carrier", "remove", "--name", "no-such-carrier", *self.dd)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, "error: no carrier named 'no-such-carrier'\n")

    def test_remote_mode_with_a_key_and_revocation(self):
        key = cli("apikey", "create", "--admin", *self.dd).stdout.strip()
        keyfile = os.path.join(self.tl.workdir, "key")
        with open(keyfile, "w") as f:
            f.write(key + "\n")
        url = f"http://127.0.0.1:{self.api_port}"
        p = cli("account", "add", "--name", "remote-acme", "--api", url, "--key-file", keyfile)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = cli("account", "list", "--json", env={"TRUNKLINE_API": url, "TRUNKLINE_API_KEY": key})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("remote-acme", [a["name"] for a in json.loads(p.stdout)])
        p = cli("account", "list", "--api", url)  # no key
        self.assertEqual(p.returncode, 1)
        self.assertIn("error: ", p.stderr)
        kid = [k for k in json.loads(cli("apikey", "list", "--json", *self.dd).stdout)
               if key.startswith(f"tlk_{k['public_id']}_")][0]["id"]
        self.assertEqual(cli("apikey", "revoke", "--id", str(kid), *self.dd).returncode, 0)
        p = cli("account", "list", "--api", url, "--key-file", keyfile)
        self.assertEqual(p.returncode, 1)
        self.assertIn("revoked", p.stderr)
        p = cli("account", "list", "--api", f"http://127.0.0.1:{free_port()}", "--key-file", keyfile)
        self.assertEqual(p.returncode, 2)
        self.assertIn("unreachable", p.stderr)

    @unittest.skipIf(os.geteuid() != 0, "needs root to act as another uid")
    def test_other_uid_is_refused(self):
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", BINARY,
                            "account", "list", "--socket", self.socket, "--timeout", "5"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("cannot use the node's control socket", p.stderr)


class OfflineTest(unittest.TestCase):
    def test_no_node_means_the_database_and_the_node_sees_it(self):
        os.makedirs(TMP_ROOT, exist_ok=True)
        tl = Trunkline()
        dd = ["--data-dir", tl.data_dir]
        p = cli("account", "add", "--name", "early", *dd)  # before the node starts
        self.assertEqual(p.returncode, 0, p.stderr)
        p = cli("account", "add", "--name", "bad name!", "--offline", *dd)
        self.assertEqual(p.returncode, 1)
        self.assertIn("(field name)", p.stderr)
        with tl:
            p = cli("account", "list", "--json", *dd)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual([a["name"] for a in json.loads(p.stdout)], ["early"])
            self.assertIn("GET /v1/accounts", tl.log_text())


if __name__ == "__main__":
    unittest.main()
