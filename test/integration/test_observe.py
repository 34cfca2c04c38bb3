"""Observability against the real binary: /metrics parsed strictly (every line valid, TYPE
before samples) and its counters checked against SIPp calls and their CDRs; a held call
listed, inspected and hung up through the API (SIPp sees the BYE, the CDR says so); key
scoping between two accounts; registrations after a REGISTER; the bandwidth calculator
against the CLI."""
import http.client
import json
import math
import re
import subprocess
import time
import unittest

from calls import CARRIER_A_IP, PBX_IP, Peer, cdrs, entity_id, provision, setup_toml
from harness import BINARY, Trunkline, free_port

BRANCH_IP = "127.0.0.6"
ANSWERED, BUSY = 0, 1
SYSTEM = 3

# A second account whose key must see nothing of acme's.
GLOBEX = """
[[accounts]]
name = "globex"
country = "US"

[[trunks]]
account = "globex"
name = "globex-pbx"
ips = ["127.0.0.9/32"]
"""

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{(.*)\}})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)')
_TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_exposition(text):
    """Strict reader of the text format 0.0.4: returns ({(name, labels): value}, {family: type}).
    Fails on any line that is not HELP, TYPE or a sample of the family last TYPEd."""
    assert text.endswith("\n"), "exposition must end with a newline"
    samples, types, helped = {}, {}, set()
    current = None
    for n, line in enumerate(text[:-1].split("\n"), 1):
        where = f"line {n}: {line!r}"
        assert line, f"empty {where}"
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert re.fullmatch(_NAME, name), where
            assert name not in helped, f"second HELP, {where}"
            helped.add(name)
            continue
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            assert len(parts) == 4 and parts[3] in _TYPES, where
            assert parts[2] not in types, f"second TYPE, {where}"
            types[parts[2]] = parts[3]
            current = parts[2]
            continue
        assert not line.startswith("#"), where
        m = _SAMPLE.match(line)
        assert m, where
        name, labels_text, value = m.groups()
        assert current is not None, f"sample before any TYPE, {where}"
        allowed = {current}
        if types[current] == "histogram":
            allowed = {current + "_bucket", current + "_sum", current + "_count"}
        assert name in allowed, f"sample outside its family {current}, {where}"
        labels = {}
        rest = labels_text or ""
        while rest:
            lm = _LABEL.match(rest)
            assert lm, f"bad labels, {where}"
            assert lm.group(1) not in labels, where
            labels[lm.group(1)] = lm.group(2).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
            rest = rest[lm.end():]
        v = float(value.replace("+Inf", "inf").replace("-Inf", "-inf"))
        key = (name, tuple(sorted(labels.items())))
        assert key not in samples, f"duplicate sample, {where}"
        samples[key] = v
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted((k, str(v)) for k, v in labels.items()))), 0.0)


class Api:
    def __init__(self, port):
        self.port = port

    def call(self, method, path, key=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            h = {"Authorization": f"Bearer {key}"} if key else {}
            conn.request(method, path, headers=h)
            resp = conn.getresponse()
            resp.text = resp.read().decode()
            ctype = resp.getheader("Content-Type") or ""
            resp.json = json.loads(resp.text) if resp.text and "json" in ctype else None
            return resp
        finally:
            conn.close()


class ObserveTest(unittest.TestCase):
    metrics_auth = None

    def setUp(self):
        self.pbx_port = free_port(PBX_IP)
        self.a_port = free_port(CARRIER_A_IP)
        self.b_port = free_port(CARRIER_A_IP)
        self.api_port = free_port()
        # SIPp answers only the first challenge and knows only MD5.
        cfg = '[sip]\ndigest_algorithms = ["MD5", "SHA-256"]\n\n'
        cfg += f'[api]\nlisten = "127.0.0.1:{self.api_port}"\nrate_limit = 1000\nburst = 1000\n'
        if self.metrics_auth:
            cfg += f'metrics_auth = "{self.metrics_auth}"\n'
        self.tl = Trunkline(config_text=cfg)
        provision(self.tl.data_dir, setup_toml(self.pbx_port, self.a_port, self.b_port, extra=GLOBEX))
        self.tl.start()
        self.target = f"127.0.0.1:{self.tl.port}"
        self.api = Api(self.api_port)
        self.admin = self.key("--admin", "--name", "it")
        self.acme = self.key("--account", "acme")
        self.globex = self.key("--account", "globex")
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.stop()
        self.assertEqual(self.tl.stop(), 0, self.tl.log_text()[-5000:])

    def key(self, *args):
        p = subprocess.run([BINARY, "apikey", "create", *args, "--data-dir", self.tl.data_dir],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def peer(self, *a, **kw):
        p = Peer(*a, **kw)
        self.peers.append(p)
        return p

    def assert_ok(self, rc, *peers):
        self.assertEqual(rc, 0, "\n".join(p.report() for p in peers) + "\n" + self.tl.log_text()[-4000:])

    def scrape(self, key="admin"):
        r = self.api.call("GET", "/metrics", self.admin if key == "admin" else key)
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(r.getheader("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        return parse_exposition(r.text)

    def wait_for(self, what, predicate, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            got = what()
            if predicate(got):
                return got
            if time.monotonic() > deadline:
                self.fail(f"condition not met within {timeout}s; last: {got}")
            time.sleep(0.1)


class MetricsTest(ObserveTest):
    def test_metrics_need_an_admin_key_and_count_calls_exactly(self):
        self.assertEqual(self.api.call("GET", "/metrics").status, 401)
        self.assertEqual(self.api.call("GET", "/metrics", self.acme).status, 403)
        before, types = self.scrape()
        self.assertEqual(types["trunkline_calls_total"], "counter")
        self.assertEqual(types["trunkline_call_pdd_seconds"], "histogram")
        self.assertEqual(types["process_cpu_seconds_total"], "counter")
        for name in ("process_resident_memory_bytes", "process_open_fds", "process_start_time_seconds",
                     "trunkline_calls_active", "trunkline_cdr_queue_depth", "trunkline_registrations"):
            self.assertEqual(types[name], "gauge", name)
        self.assertGreater(value(before, "process_resident_memory_bytes"), 0)

        carrier = self.peer("uas_answer.xml", CARRIER_A_IP, self.a_port, calls=2).start()
        pbx = self.peer("uac_call.xml", PBX_IP, self.pbx_port, self.target, calls=2,
                        extra=["-s", "4155551234", "-d", "300"])
        self.assert_ok(pbx.run(), pbx, carrier)
        self.assert_ok(carrier.wait(), carrier)
        busy = self.peer("uas_reject_486.xml", CARRIER_A_IP, self.a_port).start()
        pbx2 = self.peer("uac_fail.xml", PBX_IP, free_port(PBX_IP), self.target, extra=["-s", "4155551234"])
        self.assert_ok(pbx2.run(), pbx2, busy)
        self.assert_ok(busy.wait(), busy)

        # The CDR writer commits within its window and the SIP counters are published every
        # 200 ms: wait until both caught up, then every counter must have moved exactly.
        after, _ = self.wait_for(
            self.scrape, lambda s: value(s[0], "trunkline_cdr_written_total") >= 3
            and value(s[0], "trunkline_b2bua_invites_total") >= 3)
        trunk = entity_id(self.tl.data_dir, "trunks", "pbx")
        carrier_a = entity_id(self.tl.data_dir, "carriers", "carrier-a")

        def delta(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        out = dict(direction="outbound", trunk=trunk)
        self.assertEqual(delta("trunkline_calls_started_total", **out), 3)
        self.assertEqual(delta("trunkline_calls_total", **out, disposition="answered", code=200), 2)
        self.assertEqual(delta("trunkline_calls_total", **out, disposition="busy", code=486), 1)
        self.assertEqual(sum(v for (n, _), v in after.items() if n == "trunkline_calls_total"), 3)
        self.assertEqual(delta("trunkline_carrier_attempts_total", carrier=carrier_a, code=200), 2)
        self.assertEqual(delta("trunkline_carrier_attempts_total", carrier=carrier_a, code=486), 1)
        self.assertEqual(delta("trunkline_b2bua_invites_total"), 3)
        self.assertEqual(delta("trunkline_cdr_written_total"), 3)
        self.assertEqual(value(after, "trunkline_calls_active"), 0)
        self.assertGreaterEqual(delta("trunkline_sip_transactions_total", role="server"), 3)
        self.assertGreaterEqual(delta("trunkline_sip_transactions_total", role="client"), 3)
        self.assertGreater(delta("trunkline_sip_messages_total", direction="in"), 0)

        # Talk time and PDD agree with the CDRs the API serves.
        rows = self.api.call("GET", "/v1/cdrs", self.admin).json["items"]
        self.assertEqual(len(rows), 3)
        talk = sum(r["duration_ms"] for r in rows) / 1000
        self.assertAlmostEqual(delta("trunkline_call_answered_seconds_total", **out), talk, places=3)
        self.assertAlmostEqual(delta("trunkline_carrier_answered_seconds_total", carrier=carrier_a),
                               talk, places=3)
        alerted = [r for r in rows if r["ring_ms"] > 0 or r["answer_ms"] > 0]
        self.assertEqual(delta("trunkline_call_pdd_seconds_count", **out), len(alerted))
        self.assertEqual(delta("trunkline_call_pdd_seconds_bucket", **out, le="+Inf"), len(alerted))
        pdd = sum(((r["ring_ms"] or r["answer_ms"]) - r["start_ms"]) / 1000 for r in alerted)
        self.assertTrue(math.isclose(delta("trunkline_call_pdd_seconds_sum", **out), pdd, abs_tol=1e-3))
        # No label carries a number a customer dialled.
        for (name, labels), _ in after.items():
            for _, v in labels:
                self.assertNotIn("4155551234", v, name)


class PublicMetricsTest(ObserveTest):
    metrics_auth = "none"

    def test_metrics_without_a_key_when_configured(self):
        r = self.api.call("GET", "/metrics")
        self.assertEqual(r.status, 200, r.text)
        parse_exposition(r.text)
        # Everything else still needs a key.
        self.assertEqual(self.api.call("GET", "/v1/calls").status, 401)


class LiveCallsTest(ObserveTest):
    def test_held_call_listed_inspected_and_hung_up_through_the_api(self):
        carrier = self.peer("uas_answer.xml", CARRIER_A_IP, self.a_port).start()
        pbx = self.peer("uac_callee_hangs_up.xml", PBX_IP, self.pbx_port, self.target,
                        extra=["-s", "4155551234"]).start()
        listed = self.wait_for(lambda: self.api.call("GET", "/v1/calls?state=answered", self.acme).json,
                               lambda j: j and j["count"] == 1)
        call = listed["items"][0]
        self.assertEqual(call["direction"], "outbound")
        self.assertEqual(call["trunk_id"], entity_id(self.tl.data_dir, "trunks", "pbx"))
        self.assertEqual(call["to_e164"], "+14155551234")
        self.assertGreater(call["answer_ms"], 0)
        self.assertEqual(call["current_target"]["carrier_id"],
                         entity_id(self.tl.data_dir, "carriers", "carrier-a"))
        self.assertEqual(call["current_target"]["target"], f"udp:{CARRIER_A_IP}:{self.a_port}")
        uuid = call["uuid"]
        self.assertEqual(value(self.scrape()[0], "trunkline_calls_active"), 1)

        # Another account's key: the call does not exist.
        self.assertEqual(self.api.call("GET", "/v1/calls", self.globex).json["count"], 0)
        self.assertEqual(self.api.call("GET", f"/v1/calls/{uuid}", self.globex).status, 404)
        self.assertEqual(self.api.call("DELETE", f"/v1/calls/{uuid}", self.globex).status, 404)
        one = self.api.call("GET", f"/v1/calls/{uuid}", self.acme)
        self.assertEqual(one.status, 200)
        self.assertEqual(one.json["uuid"], uuid)
        self.assertEqual(one.json["state"], "answered")

        self.assertEqual(self.api.call("DELETE", f"/v1/calls/{uuid}", self.acme).status, 204)
        self.assert_ok(pbx.wait(), pbx, carrier)  # the PBX got our BYE and answered it
        self.assert_ok(carrier.wait(), carrier)   # and so did the carrier
        self.wait_for(lambda: self.api.call("GET", "/v1/calls", self.admin).json["count"], lambda n: n == 0)
        self.assertEqual(self.api.call("GET", f"/v1/calls/{uuid}", self.acme).status, 404)
        self.assertEqual(self.api.call("DELETE", f"/v1/calls/{uuid}", self.acme).status, 404)
        self.assertEqual(self.tl.stop(), 0, self.tl.log_text()[-5000:])
        (row,) = cdrs(self.tl.data_dir)
        self.assertEqual(row["call_uuid"], uuid)
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertEqual(row["hangup_by"], SYSTEM)
        self.assertEqual(row["final_reason"], "hung up via API")
        self.assertEqual(row["final_code"], 200)


class RegistrationsTest(ObserveTest):
    def test_registration_listed_for_its_account_only(self):
        port = free_port(BRANCH_IP)
        reg = self.peer("uac_register.xml", BRANCH_IP, port, self.target,
                        extra=["-au", "branch-pbx", "-ap", "branch-pass"])
        self.assert_ok(reg.run(), reg)
        items = self.wait_for(lambda: self.api.call("GET", "/v1/registrations", self.admin).json["items"],
                              lambda i: len(i) == 1)
        g = items[0]
        self.assertEqual(g["trunk_id"], entity_id(self.tl.data_dir, "trunks", "branch"))
        self.assertEqual(g["account_id"], entity_id(self.tl.data_dir, "accounts", "acme"))
        self.assertIn(f"{BRANCH_IP}:{port}", g["contact"])
        self.assertEqual(g["received"], f"udp:{BRANCH_IP}:{port}")
        self.assertGreater(g["expires_at_ms"], time.time() * 1000)
        self.assertEqual(len(self.api.call("GET", "/v1/registrations", self.acme).json["items"]), 1)
        self.assertEqual(self.api.call("GET", "/v1/registrations", self.globex).json["items"], [])
        self.wait_for(lambda: value(self.scrape()[0], "trunkline_registrations"), lambda v: v == 1)


class BandwidthTest(ObserveTest):
    def test_same_figures_as_the_cli(self):
        for args, query in ((["--codec", "G729", "--ptime", "30", "--calls", "12"], "codec=G729&ptime=30&calls=12"),
                            (["--codec", "PCMA", "--calls", "100", "--ipv6", "--srtp", "--vlan", "1"],
                             "codec=PCMA&calls=100&ipv6=true&srtp=true&vlans=1"),
                            (["--codec", "opus", "--bitrate", "24000", "--link", "ethernet-wire"],
                             "codec=opus&bitrate=24000&link=ethernet-wire")):
            p = subprocess.run([BINARY, "bandwidth", *args, "--json"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, timeout=20)
            self.assertEqual(p.returncode, 0, p.stderr)
            r = self.api.call("GET", "/v1/bandwidth?" + query, self.globex)
            self.assertEqual(r.status, 200, r.text)
            self.assertEqual(r.json, json.loads(p.stdout), query)
        bad = self.api.call("GET", "/v1/bandwidth?codec=nope&ptime=5000", self.acme)
        self.assertEqual(bad.status, 400)
        self.assertEqual(sorted(e["field"] for e in bad.json["errors"]), ["codec", "ptime"])


if __name__ == "__main__":
    unittest.main()
