"""The REST API against the real binary: a real SQLite file, keys made with the CLI, and
real HTTP on loopback. CRUD of every entity with validation errors, key scoping between
two accounts, revocation, rate limiting, hostile HTTP, and the OpenAPI document against
the routes the server really answers."""
import http.client
import json
import re
import socket
import subprocess
import time
import unittest

from harness import BINARY, Trunkline, free_port


def cli(data_dir, *args, stdin=None):
    return subprocess.run([BINARY, *args, "--data-dir", data_dir], input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)


def start_node(extra_api=""):
    port = free_port()
    cfg = f'[api]\nlisten = "127.0.0.1:{port}"\n{extra_api}'
    tl = Trunkline(config_text=cfg).start()
    tl.api_port = port
    return tl


class Api:
    """A tiny HTTP/1.1 client over one keep-alive connection (http.client, stdlib)."""

    def __init__(self, port, key=None):
        self.port = port
        self.key = key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def call(self, method, path, body=None, key="default", headers=None, raw=None):
        h = {"Accept": "application/json"}
        k = self.key if key == "default" else key
        if k:
            h["Authorization"] = f"Bearer {k}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=h)
                resp = self.conn.getresponse()
                text = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                if attempt:
                    raise
        # JSON bodies only (GET /metrics answers in Prometheus' text format).
        resp.json = json.loads(text) if text and "json" in (resp.getheader("Content-Type") or "") else None
        resp.text = text
        return resp

    def close(self):
        self.conn.close()


def problem_fields(resp):
    return sorted(e["field"] for e in (resp.json or {}).get("errors", []))


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tl = start_node("rate_limit = 1000\nburst = 1000\n")
        p = cli(cls.tl.data_dir, "apikey", "create", "--admin", "--name", "it")
        assert p.returncode == 0, p.stderr
        cls.admin_key = p.stdout.strip()
        assert re.fullmatch(r"tlk_[0-9a-f]{16}_[0-9a-f]{64}", cls.admin_key), p.stdout

    @classmethod
    def tearDownClass(cls):
        rc = cls.tl.stop()
        assert rc == 0, cls.tl.log_text()

    def setUp(self):
        self.api = Api(self.tl.api_port, self.admin_key)

    def tearDown(self):
        self.api.close()

    def created(self, path, body, key="default"):
        r = self.api.call("POST", path, body, key=key)
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(r.getheader("Location"), f"{path}/{r.json['id']}")
        return r.json

    def wait_log(self, pattern, timeout=8.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.tl.log_text()):
                return True
            time.sleep(0.1)
        return False

    def test_health_without_key(self):
        r = self.api.call("GET", "/healthz", key=None)
        self.assertEqual((r.status, r.json), (200, {"status": "ok"}))
        r = self.api.call("GET", "/readyz", key=None)
        self.assertEqual((r.status, r.json), (200, {"status": "ready"}))
        self.assertIn(f"api http://127.0.0.1:{self.tl.api_port}", self.tl.log_text())

    def test_crud_of_every_entity_reaches_the_running_node(self):
        api = self.api
        acct = self.created("/v1/accounts", {"name": "crud-acme", "country": "us"})
        self.assertEqual(acct["country"], "US")
        trunk = self.created("/v1/trunks", {
            "account_id": acct["id"], "name": "pbx1", "ips": ["203.0.113.0/24"],
            "host": "203.0.113.10", "channel_limit": 30, "codecs": ["pcmu", "PCMA"],
            "caller_id_policy": "account"})
        self.assertEqual(trunk["codecs"], ["PCMU", "PCMA"])
        branch = self.created("/v1/trunks", {
            "account_id": acct["id"], "name": "branch", "registration": True,
            "credentials": [{"username": "crud-branch", "password": "change-me"}]})
        self.assertEqual(branch["credentials"], [{"username": "crud-branch", "realm": "trunkline"}])
        self.assertNotIn(b"change-me", api.call("GET", f"/v1/trunks/{branch['id']}").text)
        carrier = self.created("/v1/carriers", {
            "name": "crud-telco", "gateways": [{"host": "198.51.100.7", "weight": 10},
                                               {"host": "198.51.100.8", "priority": 2}],
            "inbound_ips": ["198.51.100.0/24"]})
        route = self.created("/v1/routes", {"prefix": "1", "targets": [{"carrier_id": carrier["id"]}],
                                            "failover_codes": [408, 503]})
        number = self.created("/v1/numbers", {
            "e164": "+14155550100", "trunk_id": trunk["id"],
            "backups": [{"type": "trunk", "trunk_id": branch["id"]},
                        {"type": "external", "number": "+14155550199"}]})
        self.assertEqual(number["account_id"], acct["id"])
        # The running node applies the change without a restart.
        self.assertTrue(self.wait_log(r"configuration v\d+ applied: [1-9]\d* trunks, [1-9]\d* numbers"),
                        self.tl.log_text()[-2000:])

        # Reads.
        self.assertEqual(api.call("GET", f"/v1/accounts/{acct['id']}").json, acct)
        self.assertEqual(api.call("GET", f"/v1/numbers/{number['id']}").json, number)
        self.assertEqual(api.call("GET", f"/v1/routes/{route['id']}").json, route)
        # Updates (PATCH: fields present replace, arrays whole).
        r = api.call("PATCH", f"/v1/trunks/{trunk['id']}", {"cps_limit": 5, "ips": ["203.0.113.7"]})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual((r.json["cps_limit"], r.json["ips"], r.json["name"]), (5, ["203.0.113.7/32"], "pbx1"))
        r = api.call("PATCH", f"/v1/carriers/{carrier['id']}", {"enabled": False})
        self.assertEqual((r.status, r.json["enabled"], len(r.json["gateways"])), (200, False, 2))
        r = api.call("PATCH", f"/v1/numbers/{number['id']}", {"ring_timeout_s": 15, "backups": []})
        self.assertEqual((r.status, r.json["ring_timeout_s"], r.json["backups"]), (200, 15, []))
        r = api.call("PATCH", f"/v1/routes/{route['id']}", {"targets": [{"carrier_id": carrier["id"], "weight": 3}]})
        self.assertEqual((r.status, r.json["targets"][0]["weight"]), (200, 3))
        r = api.call("PATCH", f"/v1/accounts/{acct['id']}", {"enabled": False})
        self.assertEqual((r.status, r.json["enabled"]), (200, False))
        r = api.call("PUT", f"/v1/accounts/{acct['id']}", {"enabled": True})
        self.assertEqual(r.status, 405)
        self.assertIn("PATCH", r.getheader("Allow"))

        # Conflicts: duplicate number, removing what is still referenced.
        r = api.call("POST", "/v1/numbers", {"e164": "+14155550100", "trunk_id": branch["id"]})
        self.assertEqual(r.status, 409, r.text)
        self.assertEqual(r.getheader("Content-Type"), "application/problem+json")
        self.assertEqual(api.call("DELETE", f"/v1/trunks/{trunk['id']}").status, 409)
        self.assertEqual(api.call("DELETE", f"/v1/carriers/{carrier['id']}").status, 409)
        self.assertEqual(api.call("DELETE", f"/v1/accounts/{acct['id']}").status, 409)

        # Deletes, in dependency order.
        for path in (f"/v1/numbers/{number['id']}", f"/v1/routes/{route['id']}",
                     f"/v1/carriers/{carrier['id']}", f"/v1/trunks/{trunk['id']}",
                     f"/v1/trunks/{branch['id']}", f"/v1/accounts/{acct['id']}"):
            r = api.call("DELETE", path)
            self.assertEqual(r.status, 204, f"{path}: {r.text}")
            self.assertEqual(api.call("GET", path).status, 404, path)

    def test_validation_errors_name_the_fields(self):
        api = self.api
        acct = self.created("/v1/accounts", {"name": "val-acme"})
        cases = [
            ("/v1/accounts", {"name": "no spaces allowed", "country": "USA"}, ["country", "name"]),
            ("/v1/trunks", {"account_id": acct["id"], "name": "t", "ips": ["10.0.0.1/8"], "port": 0,
                            "transport": "carrier-pigeon"}, ["ips[0]", "port", "transport"]),
            ("/v1/trunks", {"account_id": acct["id"], "name": "t"}, ["ips"]),
            ("/v1/numbers", {"e164": "4155550100", "trunk_id": 999999}, ["e164", "trunk_id"]),
            ("/v1/carriers", {"name": "c", "gateways": [{"host": "198.51.100.1", "port": 70000}]},
             ["gateways[0].port"]),
            ("/v1/routes", {"prefix": "+1", "targets": []}, ["prefix", "targets"]),
            ("/v1/keys", {"scope": "superuser"}, ["scope"]),
        ]
        for path, body, want in cases:
            r = api.call("POST", path, body)
            self.assertEqual(r.status, 422, f"{path} {body}: {r.text}")
            self.assertEqual(r.getheader("Content-Type"), "application/problem+json")
            self.assertEqual(r.json["type"], "/problems/validation")
            self.assertEqual(r.json["status"], 422)
            self.assertTrue(r.json["detail"])
            self.assertEqual(problem_fields(r), want, r.text)
        r = api.call("POST", "/v1/accounts", {"name": "x", "colour": "blue", "size": 3})
        self.assertEqual(r.status, 400)
        self.assertEqual((r.json["type"], problem_fields(r)), ("/problems/unknown-field", ["colour", "size"]))
        r = api.call("POST", "/v1/accounts", raw=b'{"name": ', headers={"Content-Type": "application/json"})
        self.assertEqual((r.status, r.json["type"]), (400, "/problems/invalid-json"))
        r = api.call("POST", "/v1/accounts", raw=b'name=x', headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 415)

    def test_pagination(self):
        for i in range(5):
            self.created("/v1/accounts", {"name": f"page-{i}"})
        seen, cursor = [], None
        for _ in range(20):
            r = self.api.call("GET", "/v1/accounts?limit=2" + (f"&cursor={cursor}" if cursor else ""))
            self.assertEqual(r.status, 200)
            self.assertLessEqual(len(r.json["items"]), 2)
            seen += [a["id"] for a in r.json["items"]]
            cursor = r.json["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, sorted(set(seen)))
        self.assertGreaterEqual(len(seen), 5)
        self.assertEqual(self.api.call("GET", "/v1/accounts?limit=9999").status, 400)

    def test_key_scoping_between_two_accounts(self):
        api = self.api
        a = self.created("/v1/accounts", {"name": "scope-a"})
        b = self.created("/v1/accounts", {"name": "scope-b"})
        key_a = self.created("/v1/keys", {"scope": f"account:{a['id']}", "name": "a"})["key"]
        p = cli(self.tl.data_dir, "apikey", "create", "--account", "scope-b")
        self.assertEqual(p.returncode, 0, p.stderr)
        key_b = p.stdout.strip()
        trunk_b = self.created("/v1/trunks", {"name": "pbx", "ips": ["192.0.2.0/24"]}, key=key_b)
        self.assertEqual(trunk_b["account_id"], b["id"])
        trunk_a = self.created("/v1/trunks", {"name": "pbx", "ips": ["198.51.100.0/24"]}, key=key_a)
        num_b = self.created("/v1/numbers", {"e164": "+12125550100", "trunk_id": trunk_b["id"]}, key=key_b)

        # A sees none of B's resources: 404 exactly as for a missing one.
        for path in (f"/v1/trunks/{trunk_b['id']}", f"/v1/numbers/{num_b['id']}", f"/v1/accounts/{b['id']}"):
            r = api.call("GET", path, key=key_a)
            self.assertEqual(r.status, 404, path)
            missing = api.call("GET", re.sub(r"\d+$", "999999", path), key=key_a)
            self.assertEqual(r.json["title"], missing.json["title"])
        self.assertEqual(api.call("PATCH", f"/v1/trunks/{trunk_b['id']}", {"enabled": False}, key=key_a).status, 404)
        self.assertEqual(api.call("DELETE", f"/v1/numbers/{num_b['id']}", key=key_a).status, 404)
        self.assertTrue(api.call("GET", f"/v1/trunks/{trunk_b['id']}").json["enabled"])
        # ...and cannot create in B or point at B's trunk.
        r = api.call("POST", "/v1/trunks", {"account_id": b["id"], "name": "evil", "ips": ["10.0.0.0/8"]}, key=key_a)
        self.assertEqual((r.status, problem_fields(r)), (422, ["account_id"]))
        r = api.call("POST", "/v1/numbers", {"e164": "+12125550101", "trunk_id": trunk_b["id"]}, key=key_a)
        self.assertEqual((r.status, problem_fields(r)), (422, ["trunk_id"]))
        # Lists are filtered to the key's account.
        self.assertEqual([t["id"] for t in api.call("GET", "/v1/trunks", key=key_a).json["items"]], [trunk_a["id"]])
        self.assertEqual([x["id"] for x in api.call("GET", "/v1/numbers", key=key_a).json["items"]], [])
        self.assertEqual([x["id"] for x in api.call("GET", "/v1/accounts", key=key_b).json["items"]], [b["id"]])
        # Operator resources and key management are admin-only.
        for method, path in (("GET", "/v1/carriers"), ("GET", "/v1/routes"), ("GET", "/v1/keys"),
                             ("POST", "/v1/accounts")):
            r = api.call(method, path, {} if method == "POST" else None, key=key_a)
            self.assertEqual(r.status, 403, f"{method} {path}")
        self.assertEqual(api.call("GET", "/v1/keys/self", key=key_a).json["scope"], f"account:{a['id']}")

    def test_revocation_by_api_and_by_cli(self):
        api = self.api
        made = self.created("/v1/keys", {"scope": "admin", "name": "temp"})
        key = made["key"]
        self.assertEqual(api.call("GET", "/v1/accounts", key=key).status, 200)
        self.assertNotIn("key", api.call("GET", f"/v1/keys/{made['id']}").json)
        self.assertEqual(api.call("DELETE", f"/v1/keys/{made['id']}").status, 204)
        r = api.call("GET", "/v1/accounts", key=key)
        self.assertEqual(r.status, 401)
        self.assertIn("revoked", r.json["detail"])
        self.assertIn("Bearer", r.getheader("WWW-Authenticate"))

        p = cli(self.tl.data_dir, "apikey", "create", "--admin", "--name", "cli-temp")
        key2 = p.stdout.strip()
        self.assertEqual(api.call("GET", "/v1/accounts", key=key2).status, 200)
        listed = cli(self.tl.data_dir, "apikey", "list", "--json")
        entry = [k for k in json.loads(listed.stdout) if key2.startswith(f"tlk_{k['public_id']}_")][0]
        self.assertNotIn(key2, listed.stdout)
        p = cli(self.tl.data_dir, "apikey", "revoke", "--id", str(entry["id"]))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(api.call("GET", "/v1/accounts", key=key2).status, 401)

        for bad in (None, "tlk_0000000000000000_" + "0" * 64, "not-a-key"):
            self.assertEqual(api.call("GET", "/v1/accounts", key=bad).status, 401)

    def test_openapi_document_matches_the_routes(self):
        r = self.api.call("GET", "/v1/openapi.json", key=None)
        self.assertEqual(r.status, 200)
        doc = r.json
        self.assertTrue(doc["openapi"].startswith("3.0"))
        methods = {"get", "post", "patch", "put", "delete"}
        documented = {(p, m) for p, item in doc["paths"].items() for m in item if m in methods}
        self.assertGreaterEqual(len(documented), 30)
        for path, method in sorted(documented):
            url = path.replace("{id}", "999999")
            body = {} if method in ("post", "patch") else None
            r = self.api.call(method.upper(), url, body)
            # Routed: whatever the answer, it is not "no such resource path" or "method".
            self.assertNotEqual(r.status, 405, f"{method} {path}")
            if r.status == 404:
                self.assertNotIn("no resource at", r.json["detail"], f"{method} {path}")
            public = path in ("/healthz", "/readyz", "/v1/openapi.json")
            r = self.api.call(method.upper(), url, body, key=None)
            self.assertEqual(r.status == 401, not public, f"{method} {path} without key: {r.status}")
        # Methods the document does not list are not routed.
        for path, item in doc["paths"].items():
            for method in methods - set(item):
                r = self.api.call(method.upper(), path.replace("{id}", "1"), {} if method in ("post", "patch", "put") else None)
                self.assertEqual(r.status, 405, f"{method} {path}")
        self.assertEqual(self.api.call("GET", "/v1/nothing-here").status, 404)

    def test_hostile_http(self):
        def raw(data, read_all=True):
            s = socket.create_connection(("127.0.0.1", self.tl.api_port), timeout=5)
            s.sendall(data)
            out = b""
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    out += chunk
                    if not read_all:
                        break
            except socket.timeout:
                pass
            s.close()
            return out.decode("utf-8", "replace")

        out = raw(b"POST /v1/accounts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        self.assertTrue(out.startswith("HTTP/1.1 411 "), out)
        self.assertIn("Content-Length", out)
        out = raw(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Pad: " + b"a" * 20000 + b"\r\n\r\n")
        self.assertTrue(out.startswith("HTTP/1.1 431 "), out)
        out = raw(b"POST /v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
        self.assertTrue(out.startswith("HTTP/1.1 413 "), out)
        out = raw(b"GET /healthz HTTP/1.1\nHost: x\n\n")
        self.assertTrue(out.startswith("HTTP/1.1 400 "), out)
        out = raw(b"\x16\x03\x01\x02\x00\x01\r\n\r\n")  # a TLS hello-ish line on plain HTTP
        self.assertTrue(out.startswith("HTTP/1.1 400 "), out)
        # Pipelined requests on one connection come back in order.
        out = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /v1/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        statuses = re.findall(r"HTTP/1.1 (\d{3})", out)
        self.assertEqual(statuses, ["200", "200", "404"], out)
        self.assertLess(out.index('"ok"'), out.index('"ready"'))
        # The server is still fine.
        self.assertEqual(self.api.call("GET", "/healthz", key=None).status, 200)


class ApiRateLimitTest(unittest.TestCase):
    def test_429_with_retry_after_per_key(self):
        tl = start_node("rate_limit = 1\nburst = 3\n")
        try:
            key1 = cli(tl.data_dir, "apikey", "create", "--admin").stdout.strip()
            key2 = cli(tl.data_dir, "apikey", "create", "--admin").stdout.strip()
            api = Api(tl.api_port, key1)
            statuses = [api.call("GET", "/v1/accounts").status for _ in range(6)]
            self.assertEqual(statuses[:3], [200, 200, 200])
            self.assertIn(429, statuses[3:])
            r = api.call("GET", "/v1/accounts")
            self.assertEqual(r.status, 429)
            self.assertGreaterEqual(int(r.getheader("Retry-After")), 1)
            self.assertEqual(r.json["type"], "/problems/rate-limited")
            # Another key has its own bucket; health checks are not limited.
            self.assertEqual(api.call("GET", "/v1/accounts", key=key2).status, 200)
            self.assertEqual(api.call("GET", "/healthz", key=None).status, 200)
            time.sleep(int(r.getheader("Retry-After")) + 0.2)
            self.assertEqual(api.call("GET", "/v1/accounts").status, 200)
            api.close()
        finally:
            self.assertEqual(tl.stop(), 0, tl.log_text())

    def test_configured_address_in_use_is_fatal_and_the_api_can_be_off(self):
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        try:
            tl = Trunkline(config_text=f'[api]\nlisten = "127.0.0.1:{port}"\n')
            p = subprocess.run(tl.args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
            self.assertEqual(p.returncode, 1)
            self.assertIn(f"[api] listen 127.0.0.1:{port}", p.stderr)
            off = Trunkline(config_text="[api]\nenabled = false\n").start()
            self.assertNotIn(" api http", off.log_text())
            self.assertEqual(off.stop(), 0)
        finally:
            blocker.close()


if __name__ == "__main__":
    unittest.main()
