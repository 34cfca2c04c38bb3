"""Webhooks against the real binary: a receiver started by the test (http.server on
127.0.0.1, port 0), subscriptions made through the REST API, a SIPp call through the trunk.
The receiver checks every signature with the secret the create response returned, sees
call.started / call.answered / call.ended (the latter with the CDR), answers 500 once so
the delivery is retried and delivered on the second attempt, and the delivery log read
through the API shows both attempts. Account scoping: another account's key neither sees
nor receives the subscription's events."""
import hashlib
import hmac
import http.server
import json
import threading
import time
import unittest

from calls import CARRIER_A_IP, PBX_IP, Peer, entity_id, provision, setup_toml
from harness import Trunkline, free_port
from test_api import Api, cli

TOLERANCE_S = 300


def verify(secret, header, body, now=None):
    """The receiver side of Trunkline-Signature, as docs/api.md describes it."""
    now = int(now if now is not None else time.time())
    parts = [p.strip().split("=", 1) for p in header.split(",")]
    t = next((int(v) for k, v in parts if k == "t"), None)
    sigs = [v for k, v in parts if k == "v1"]
    if t is None or abs(now - t) > TOLERANCE_S:
        return False
    want = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(want, s) for s in sigs)


class Receiver:
    """Records every POST; answers `fail_first` 500s per event id before 200."""

    def __init__(self, fail_first=0):
        self.lock = threading.Lock()
        self.requests = []
        self.seen = {}
        self.fail_first = fail_first
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with outer.lock:
                    outer.requests.append((self.path, dict(self.headers), body))
                    eid = self.headers.get("Trunkline-Event-Id", "")
                    count = outer.seen.get(eid, 0)
                    outer.seen[eid] = count + 1
                    status = 500 if count < outer.fail_first else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for(self, pred, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if pred(list(self.requests)):
                    return list(self.requests)
            time.sleep(0.05)
        with self.lock:
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def events_of(requests, path=None):
    out = []
    for p, headers, body in requests:
        if path is None or p == path:
            out.append((headers, body, json.loads(body)))
    return out


class WebhooksTest(unittest.TestCase):
    def setUp(self):
        self.pbx_port = free_port(PBX_IP)
        self.a_port = free_port(CARRIER_A_IP)
        self.b_port = free_port("127.0.0.4")
        self.api_port = free_port()
        self.tl = Trunkline(config_text=f'[api]\nlisten = "127.0.0.1:{self.api_port}"\n'
                                        'rate_limit = 1000\nburst = 1000\n')
        provision(self.tl.data_dir, setup_toml(self.pbx_port, self.a_port, self.b_port) + """
[[accounts]]
name = "other"
country = "US"
""")
        self.tl.start()
        self.target = f"127.0.0.1:{self.tl.port}"
        p = cli(self.tl.data_dir, "apikey", "create", "--account", "acme")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.acme = Api(self.api_port, p.stdout.strip())
        p = cli(self.tl.data_dir, "apikey", "create", "--account", "other")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.other = Api(self.api_port, p.stdout.strip())
        p = cli(self.tl.data_dir, "apikey", "create", "--admin")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.admin = Api(self.api_port, p.stdout.strip())
        self.rx = Receiver(fail_first=1)
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.stop()
        for a in (self.acme, self.other, self.admin):
            a.close()
        self.rx.close()
        self.assertEqual(self.tl.stop(), 0, self.tl.log_text()[-5000:])

    def create(self, api, path, events, **extra):
        r = api.call("POST", "/v1/webhooks",
                     {"url": self.rx.url(path), "events": events, **extra})
        self.assertEqual(r.status, 201, r.json)
        return r.json

    def test_call_events_signed_retried_and_logged(self):
        hook = self.create(self.acme, "/acme",
                           ["call.started", "call.answered", "call.ended"])
        secret = hook["secret"]
        self.assertTrue(secret.startswith("whsec_"))
        other = self.create(self.other, "/other", ["call.started", "call.ended"])
        # Scoping: neither account sees the other's subscription.
        self.assertEqual(self.other.call("GET", f"/v1/webhooks/{hook['id']}").status, 404)
        self.assertEqual([h["id"] for h in self.acme.call("GET", "/v1/webhooks").json["items"]],
                         [hook["id"]])
        self.assertEqual(len(self.admin.call("GET", "/v1/webhooks").json["items"]), 2)
        self.assertNotIn("secret", self.acme.call("GET", f"/v1/webhooks/{hook['id']}").json)

        carrier = Peer("uas_answer.xml", CARRIER_A_IP, self.a_port)
        self.peers.append(carrier)
        carrier.start()
        pbx = Peer("uac_call.xml", PBX_IP, self.pbx_port, self.target,
                   extra=["-s", "4155551234", "-d", "1200"])
        self.peers.append(pbx)
        self.assertEqual(pbx.run(), 0, pbx.report() + self.tl.log_text()[-4000:])
        self.assertEqual(carrier.wait(), 0, carrier.report())

        # Every event arrives twice: 500 first, then 200 after the ~1 s backoff.
        def done(reqs):
            evs = events_of(reqs, "/acme")
            return sum(1 for _, _, j in evs if j["type"] == "call.ended") >= 2 and len(evs) >= 6
        reqs = self.rx.wait_for(done, timeout=30)
        evs = events_of(reqs, "/acme")
        self.assertTrue(done(reqs), [j["type"] for _, _, j in evs])
        for headers, body, j in evs:
            self.assertTrue(verify(secret, headers["Trunkline-Signature"], body),
                            headers["Trunkline-Signature"])
            self.assertFalse(verify("whsec_wrong", headers["Trunkline-Signature"], body))
            self.assertEqual(headers["Trunkline-Event"], j["type"])
            self.assertEqual(headers["Trunkline-Event-Id"], j["id"])
            self.assertEqual(headers["Content-Type"], "application/json")
        by_type = {}
        for headers, _, j in evs:
            by_type.setdefault(j["type"], []).append((headers["Trunkline-Attempt"], j))
        self.assertEqual(sorted(by_type), ["call.answered", "call.ended", "call.started"])
        for t, items in by_type.items():
            self.assertEqual([a for a, _ in items], ["1", "2"], t)
            self.assertEqual(items[0][1], items[1][1], "a retry resends the same body")
        acme_id = entity_id(self.tl.data_dir, "accounts", "acme")
        ended = by_type["call.ended"][0][1]
        self.assertEqual(ended["account_id"], acme_id)
        cdr = ended["data"]
        self.assertEqual(cdr["disposition"], "answered")
        self.assertEqual(cdr["final_code"], 200)
        self.assertEqual(cdr["to_e164"], "+14155551234")
        self.assertEqual(cdr["hangup_by"], "caller")
        self.assertGreaterEqual(cdr["billable_s"], 1)
        self.assertEqual([a["sip_code"] for a in cdr["attempts"]], [200])
        self.assertIn("rating", cdr)
        started = by_type["call.started"][0][1]["data"]
        self.assertEqual(started["call_uuid"], cdr["call_uuid"])
        self.assertEqual(started["end_ms"], 0)
        # The other account's receiver got nothing of acme's call.
        self.assertEqual(events_of(self.rx.requests, "/other"), [])

        # The delivery log through the API: both attempts of each event.
        r = self.acme.call("GET", f"/v1/webhooks/{hook['id']}/deliveries")
        self.assertEqual(r.status, 200, r.json)
        items = r.json["items"]
        self.assertEqual(sorted(d["type"] for d in items),
                         ["call.answered", "call.ended", "call.started"])
        for d in items:
            self.assertEqual(d["state"], "delivered", d)
            self.assertEqual(d["attempt_count"], 2)
            self.assertEqual([a["status"] for a in d["attempts"]], [500, 200])
            self.assertIsNotNone(d["delivered_ms"])
        self.assertEqual(self.other.call("GET", f"/v1/webhooks/{hook['id']}/deliveries").status,
                         404)
        self.assertEqual(
            self.other.call("GET", f"/v1/webhooks/{other['id']}/deliveries").json["items"], [])

    def test_validation_and_rotation(self):
        r = self.acme.call("POST", "/v1/webhooks",
                           {"url": "file:///etc/passwd", "events": ["call.ended", "nope"]})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.headers["Content-Type"], "application/problem+json")
        self.assertEqual(sorted(e["field"] for e in r.json["errors"]), ["events[1]", "url"])
        r = self.acme.call("POST", "/v1/webhooks",
                           {"url": self.rx.url("/x"), "events": ["carrier.down"]})
        self.assertEqual(r.status, 422)
        hook = self.create(self.admin, "/ops", ["carrier.up", "carrier.down"])
        self.assertIsNone(hook["account_id"])
        rot = self.admin.call("POST", f"/v1/webhooks/{hook['id']}/rotate-secret")
        self.assertEqual(rot.status, 200)
        self.assertNotEqual(rot.json["secret"], hook["secret"])
        self.assertEqual(self.acme.call("DELETE", f"/v1/webhooks/{hook['id']}").status, 404)
        self.assertEqual(self.admin.call("DELETE", f"/v1/webhooks/{hook['id']}").status, 204)


if __name__ == "__main__":
    unittest.main()
