"""Rating proved through real calls: rate decks built through the API (JSON entries and a CSV
import), assigned to the account and the carrier, then SIPp calls through the real binary; the
CDRs from GET /v1/cdrs must carry the exact amounts computed here, independently, with Python
integers from the CDR's own billable_s and the decks' rules (src/billing/README.md):

  billed  = the call's seconds after the minimum and the initial/subsequent increments
  amount  = round_half_up((connect_fee_sub * 60 + per_minute_sub * billed) / (60 * 10,000))

with per_minute/connect_fee in sub-units (1/10,000 of a minor unit), rounded once per side.
GET /v1/usage must then add up to the same CDRs, and account keys stay inside their account."""
import datetime
import http.client
import json
import subprocess
import time
import unittest

from calls import CARRIER_A_IP, PBX_IP, Peer, provision, setup_toml
from harness import BINARY, Trunkline, free_port

SUB_PER_MINOR = 10_000
MINOR_PER_MAJOR = 100

# A second account (only its key is used: it must not read acme's usage) and a route for a
# destination no deck prices.
EXTRA = """
[[accounts]]
name = "globex"
country = "US"

[[trunks]]
account = "globex"
name = "globex-pbx"
ips = ["127.0.0.9/32"]

[[routes]]
prefix = "44"
carriers = [{ name = "carrier-a", priority = 1 }]
"""

RATED_DEST = "+14155551234"     # price: 1415 (not 1, not the future 14155); cost: 14155 (not 1)
UNRATED_DEST = "+442071234567"  # routed (prefix 44) but in no deck
HOLD_MS = 2500                  # the PBX hangs up this long after the answer

CSV_HEADER = "prefix,per_minute,connect_fee,initial_s,subsequent_s,minimum_s,effective_from,effective_to"


def major_to_sub(text):
    """A decimal string of major units ("0.2575") as exact sub-units, without floats."""
    whole, _, frac = text.partition(".")
    assert len(frac) <= 6, text
    per_major = MINOR_PER_MAJOR * SUB_PER_MINOR
    return int(whole or "0") * per_major + int((frac + "000000")[:6]) * (per_major // 10**6)


def billed_seconds(billable_s, initial_s, subsequent_s, minimum_s):
    if billable_s == 0:
        return 0
    t = max(billable_s, minimum_s)
    if t <= initial_s:
        return initial_s
    blocks = -(-(t - initial_s) // subsequent_s)  # ceiling, integers only
    return initial_s + blocks * subsequent_s


def amount_minor(entry, billable_s):
    """(billed seconds, amount in minor units) for one side, half up once at the end."""
    billed = billed_seconds(billable_s, entry["initial_s"], entry["subsequent_s"], entry["minimum_s"])
    if billed == 0:
        return 0, 0  # no deck here charges the fee on a zero-length call
    num = major_to_sub(entry["connect_fee"]) * 60 + major_to_sub(entry["per_minute"]) * billed
    den = 60 * SUB_PER_MINOR
    q, r = divmod(num, den)
    return billed, q + (1 if 2 * r >= den else 0)


def utc_date(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d")


class Api:
    """One-request-per-connection HTTP client (stdlib), bodies as JSON or raw bytes."""

    def __init__(self, port):
        self.port = port

    def call(self, method, path, key, body=None, raw=None, content_type=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            h = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
            data = raw
            if body is not None:
                data = json.dumps(body).encode()
                h["Content-Type"] = "application/json"
            if content_type:
                h["Content-Type"] = content_type
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            resp.text = resp.read().decode()
            ctype = resp.getheader("Content-Type") or ""
            resp.json = json.loads(resp.text) if resp.text and "json" in ctype else None
            return resp
        finally:
            conn.close()


class BillingTest(unittest.TestCase):
    def setUp(self):
        self.pbx_port = free_port(PBX_IP)
        self.a_port = free_port(CARRIER_A_IP)
        self.b_port = free_port(CARRIER_A_IP)
        self.api_port = free_port()
        cfg = f'[api]\nlisten = "127.0.0.1:{self.api_port}"\nrate_limit = 1000\nburst = 1000\n'
        self.tl = Trunkline(config_text=cfg)
        provision(self.tl.data_dir, setup_toml(self.pbx_port, self.a_port, self.b_port, extra=EXTRA))
        self.tl.start()
        self.target = f"127.0.0.1:{self.tl.port}"
        self.api = Api(self.api_port)
        self.admin = self.key("--admin", "--name", "it")
        self.acme_key = self.key("--account", "acme")
        self.globex_key = self.key("--account", "globex")
        self.peers = []
        self.acme_id = self.find_id("/v1/accounts", "acme")
        self.globex_id = self.find_id("/v1/accounts", "globex")
        self.carrier_id = self.find_id("/v1/carriers", "carrier-a")
        self.make_decks()

    def tearDown(self):
        for p in self.peers:
            p.stop()
        self.assertEqual(self.tl.stop(), 0, self.tl.log_text()[-5000:])

    # --- helpers -------------------------------------------------------------------------

    def key(self, *args):
        p = subprocess.run([BINARY, "apikey", "create", *args, "--data-dir", self.tl.data_dir],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def req(self, method, path, status, body=None, key=None, **kw):
        r = self.api.call(method, path, key or self.admin, body=body, **kw)
        self.assertEqual(r.status, status, f"{method} {path}: {r.text}")
        return r.json

    def find_id(self, collection, name):
        items = self.req("GET", f"{collection}?limit=100", 200)["items"]
        (found,) = [i["id"] for i in items if i["name"] == name]
        return found

    def add_rate(self, deck_id, **fields):
        rate = self.req("POST", f"/v1/rate-decks/{deck_id}/rates", 201, fields)
        self.assertEqual(rate["prefix"], fields["prefix"])
        return rate

    def make_decks(self):
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.switch = (now + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")

        # Price deck (what acme pays): 60/60 with a connection fee and a 90 s minimum.
        price = self.req("POST", "/v1/rate-decks", 201,
                         {"name": "retail", "kind": "price", "currency": "USD"})
        self.price_deck = price["id"]
        self.price_catch_all = self.add_rate(self.price_deck, prefix="1", per_minute="0.9",
                                             connect_fee="0", initial_s=60, subsequent_s=60)
        # The entry in force until `switch`, then its successor: a call now must use the first.
        self.price_current = self.add_rate(self.price_deck, prefix="1415", per_minute="0.2575",
                                           connect_fee="0.05", initial_s=60, subsequent_s=60,
                                           minimum_s=90, effective_to=self.switch)
        self.price_future = self.add_rate(self.price_deck, prefix="1415", per_minute="5",
                                          connect_fee="1", initial_s=60, subsequent_s=60,
                                          effective_from=self.switch)
        # A longer prefix not valid yet: the longest prefix *in effect* (1415) must win.
        self.price_future_longer = self.add_rate(self.price_deck, prefix="14155", per_minute="7",
                                                 effective_from=self.switch)
        self.assertIsNone(self.price_current["effective_from"])
        self.assertIsNotNone(self.price_future["effective_from"])

        # Cost deck (what carrier-a charges), per second, from CSV.
        cost = self.req("POST", "/v1/rate-decks", 201,
                        {"name": "carrier-a-cost", "kind": "cost", "currency": "USD"})
        self.cost_deck = cost["id"]
        bad = "\r\n".join([CSV_HEADER, "1,0.02,,1,1,,,", "14155,0.1234567,0,1,1,0,,", ""])
        r = self.api.call("POST", f"/v1/rate-decks/{self.cost_deck}/rates", self.admin,
                          raw=bad.encode(), content_type="text/csv")
        self.assertEqual(r.status, 422, r.text)
        self.assertEqual(r.getheader("Content-Type"), "application/problem+json")
        self.assertTrue(r.json["detail"].startswith("line 3:"), r.json)
        self.assertIn("per_minute", r.json["detail"])
        self.assertEqual([e["field"] for e in r.json["errors"]], ["line 3.per_minute"])
        # All or nothing: the good line 2 was not stored either.
        self.assertEqual(self.req("GET", f"/v1/rate-decks/{self.cost_deck}", 200)["rate_count"], 0)
        self.assertEqual(self.req("GET", f"/v1/rate-decks/{self.cost_deck}/rates", 200)["items"], [])

        good = "\n".join([CSV_HEADER, "1,0.02,,1,1,,,", "", "14155,0.5,0.001,1,1,0,,"]) + "\n"
        res = self.req("POST", f"/v1/rate-decks/{self.cost_deck}/rates", 200,
                       raw=good.encode(), content_type="text/csv")
        self.assertEqual(res, {"imported": 2, "replaced": False})
        entries = {e["prefix"]: e for e in
                   self.req("GET", f"/v1/rate-decks/{self.cost_deck}/rates", 200)["items"]}
        self.assertEqual(sorted(entries), ["1", "14155"])
        self.cost_catch_all, self.cost_dest = entries["1"], entries["14155"]
        self.assertEqual(major_to_sub(self.cost_dest["per_minute"]), major_to_sub("0.5"))
        self.assertEqual((self.cost_dest["initial_s"], self.cost_dest["subsequent_s"]), (1, 1))

        # A deck of the wrong kind is refused; then the right assignments.
        applied = self.applied_count()
        r = self.api.call("PATCH", f"/v1/accounts/{self.acme_id}", self.admin,
                          body={"price_deck_id": self.cost_deck})
        self.assertEqual(r.status, 422, r.text)
        acct = self.req("PATCH", f"/v1/accounts/{self.acme_id}", 200,
                        {"price_deck_id": self.price_deck})
        self.assertEqual(acct["price_deck_id"], self.price_deck)
        car = self.req("PATCH", f"/v1/carriers/{self.carrier_id}", 200,
                       {"cost_deck_id": self.cost_deck})
        self.assertEqual(car["cost_deck_id"], self.cost_deck)
        # The call stack's refresher (1 s ticks) reloads the rating book when rating_version
        # moved, then the configuration; the assignment also moved the configuration, so its
        # "configuration vN applied" line proves a tick after the change. The rating read of
        # that tick may have raced the last PATCH's commit: leave one more tick.
        deadline = time.monotonic() + 15
        while self.applied_count() <= applied and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreater(self.applied_count(), applied, self.tl.log_text()[-3000:])
        time.sleep(1.5)

    def applied_count(self):
        return sum(" applied: " in l for l in self.tl.log_text().splitlines()
                   if "configuration v" in l)

    def call(self, dest, hold_ms=HOLD_MS):
        carrier = Peer("uas_answer.xml", CARRIER_A_IP, self.a_port)
        self.peers.append(carrier)
        carrier.start()
        pbx = Peer("uac_call.xml", PBX_IP, self.pbx_port, self.target,
                   extra=["-s", dest, "-d", str(hold_ms)])
        self.peers.append(pbx)
        rc = pbx.run()
        self.assertEqual(rc, 0, pbx.report() + carrier.report() + self.tl.log_text()[-4000:])
        self.assertEqual(carrier.wait(), 0, carrier.report())

    def cdrs(self, count):
        """The CDRs once `count` are written (the writer commits within ~100 ms; bounded)."""
        deadline = time.monotonic() + 10
        while True:
            items = self.req("GET", "/v1/cdrs?limit=100", 200)["items"]
            if len(items) >= count or time.monotonic() > deadline:
                self.assertEqual(len(items), count, items)
                return sorted(items, key=lambda c: c["id"])
            time.sleep(0.1)

    def assert_rated(self, cdr):
        self.assertEqual(cdr["disposition"], "answered", cdr)
        self.assertEqual(cdr["to_e164"], RATED_DEST)
        billable = cdr["billable_s"]
        # SIPp held the call ~2.5 s; billable seconds round the talk time up.
        self.assertGreaterEqual(billable, 2, cdr)
        self.assertLess(billable, 90, cdr)  # else the minimum would not be exercised
        price_billed, price = amount_minor(self.price_current, billable)
        cost_billed, cost = amount_minor(self.cost_dest, billable)
        # 60/60 with a 90 s minimum bills two full minutes; per second bills what was used.
        self.assertEqual(price_billed, 120)
        self.assertEqual(cost_billed, billable)
        g = cdr["rating"]
        self.assertTrue(g["rated"], g)
        self.assertIsNone(g["price_unrated"], g)
        self.assertIsNone(g["cost_unrated"], g)
        self.assertEqual((g["price_prefix"], g["price_rate_id"]), ("1415", self.price_current["id"]))
        self.assertEqual((g["cost_prefix"], g["cost_rate_id"]), ("14155", self.cost_dest["id"]))
        self.assertEqual((g["price_billed_s"], g["cost_billed_s"]), (price_billed, cost_billed))
        self.assertEqual((g["price_currency"], g["cost_currency"]), ("USD", "USD"))
        self.assertEqual(cdr["price_minor"], price, cdr)
        self.assertEqual(cdr["cost_minor"], cost, cdr)
        self.assertEqual(cdr["margin_minor"], price - cost, cdr)
        self.assertEqual(cdr["currency"], "USD")
        return cost, price

    def assert_unrated(self, cdr):
        self.assertEqual(cdr["disposition"], "answered", cdr)
        self.assertEqual(cdr["to_e164"], UNRATED_DEST)
        self.assertGreaterEqual(cdr["billable_s"], 1)
        # No currency when neither side is rated (null, as in GET /v1/usage).
        self.assertIsNone(cdr["currency"])
        g = cdr["rating"]
        # Both decks are assigned and were consulted: neither has an entry for 44.
        self.assertTrue(g["rated"], g)
        self.assertEqual(g["price_unrated"], "NoMatch", g)
        self.assertEqual(g["cost_unrated"], "NoMatch", g)
        for k in ("price_currency", "cost_currency", "price_rate_id", "cost_rate_id"):
            self.assertIsNone(g[k], g)
        for k in ("price_minor", "cost_minor", "margin_minor"):
            self.assertIsNone(cdr[k], cdr)

    # --- tests ---------------------------------------------------------------------------

    def test_rated_call_has_exact_amounts(self):
        self.call(RATED_DEST)
        (cdr,) = self.cdrs(1)
        cost, price = self.assert_rated(cdr)
        # The arithmetic above is not vacuous for this deck: the price is a half that
        # rounds up (0.05 USD fee + 2 min at 0.2575 = 56.5 cents -> 57).
        self.assertEqual(price, 57)
        self.assertGreater(cost, 0)
        # The CSV export carries the same amounts.
        r = self.api.call("GET", "/v1/cdrs?format=csv", self.admin)
        self.assertEqual(r.status, 200, r.text)
        header, row = [l.split(",") for l in r.text.split("\r\n") if l]
        got = dict(zip(header, row))
        self.assertEqual((got["cost_minor"], got["price_minor"], got["margin_minor"], got["currency"]),
                         (str(cost), str(price), str(price - cost), "USD"))

    def test_destination_no_deck_matches_is_unrated(self):
        self.call(UNRATED_DEST, hold_ms=1000)
        (cdr,) = self.cdrs(1)
        self.assert_unrated(cdr)

    def test_usage_adds_up_to_the_cdrs_and_keys_stay_in_their_account(self):
        self.call(RATED_DEST)
        self.call(UNRATED_DEST, hold_ms=1000)
        rows = self.cdrs(2)
        cost, price = self.assert_rated(rows[0])
        self.assert_unrated(rows[1])
        self.assertTrue(all(c["account_id"] == self.acme_id for c in rows))
        # The number filter (calling or called E.164) picks one of the two calls.
        only = self.req("GET", "/v1/cdrs?number=%2B442071234567", 200)["items"]
        self.assertEqual([c["id"] for c in only], [rows[1]["id"]])
        bad = self.req("GET", "/v1/cdrs?number=442071234567", 400)
        self.assertIn("number", json.dumps(bad))

        first, last = utc_date(min(c["start_ms"] for c in rows)), utc_date(max(c["start_ms"] for c in rows))
        q = f"/v1/usage?from={first}&to={last}"
        usage = self.req("GET", q + f"&account_id={self.acme_id}", 200)
        items = usage["items"]
        self.assertTrue(items, usage)
        self.assertTrue(all(i["account_id"] == self.acme_id for i in items), items)
        self.assertEqual(sum(i["calls"] for i in items), len(rows))
        self.assertEqual(sum(i["answered"] for i in items),
                         sum(c["disposition"] == "answered" for c in rows))
        self.assertEqual(sum(i["billable_s"] for i in items), sum(c["billable_s"] for c in rows))
        self.assertEqual(sum(i["cost_minor"] for i in items), cost)
        self.assertEqual(sum(i["price_minor"] for i in items), price)
        self.assertEqual(sum(i["margin_minor"] or 0 for i in items), price - cost)
        usd = [i for i in items if i["currency"] == "USD"]
        self.assertTrue(usd, items)
        self.assertTrue(all(i["cost_currency"] == "USD" for i in usd), usd)
        self.assertEqual(sum(i["margin_minor"] for i in usd), price - cost)

        # The acme key: its own usage is the same; decks and globex's usage are refused.
        own = self.req("GET", q, 200, key=self.acme_key)
        self.assertEqual(own["items"], items)
        for path in ("/v1/rate-decks", f"/v1/rate-decks/{self.price_deck}",
                     f"/v1/rate-decks/{self.price_deck}/rates"):
            r = self.api.call("GET", path, self.acme_key)
            self.assertEqual(r.status, 403, f"{path}: {r.text}")
        r = self.api.call("POST", "/v1/rate-decks", self.acme_key,
                          body={"name": "mine", "kind": "price", "currency": "USD"})
        self.assertEqual(r.status, 403, r.text)
        r = self.api.call("GET", q + f"&account_id={self.globex_id}", self.acme_key)
        self.assertEqual(r.status, 403, r.text)
        # And globex's key sees none of acme's calls.
        self.assertEqual(self.req("GET", q, 200, key=self.globex_key)["items"], [])
        r = self.api.call("GET", q + f"&account_id={self.acme_id}", self.globex_key)
        self.assertEqual(r.status, 403, r.text)
        self.assertEqual(self.req("GET", "/v1/cdrs", 200, key=self.globex_key)["items"], [])


if __name__ == "__main__":
    unittest.main()
