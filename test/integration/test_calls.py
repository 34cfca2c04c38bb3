"""Calls through the trunk with real peers: SIPp plays the customer's PBX and the carriers on
their own loopback addresses; every test checks the exact CDR rows it produced.

  Answered = 0, Busy = 1, NoAnswer = 2, Failed = 3, Cancelled = 4, Rejected = 5
  hangup_by: None = 0, Caller = 1, Callee = 2, System = 3;  direction: Outbound 0, Inbound 1"""
import json
import time
import unittest

from calls import (CARRIER_A_IP, CARRIER_B_IP, PBX_IP, REMOTE_IP, Peer, cdrs, entity_id,
                   provision, setup_toml)
import subprocess

from harness import BINARY, Trunkline, UdpPeer, free_port

BRANCH_IP = "127.0.0.6"

ANSWERED, BUSY, NOANSWER, FAILED, CANCELLED, REJECTED = range(6)
CALLER, CALLEE, SYSTEM = 1, 2, 3


class CallTestBase(unittest.TestCase):
    channels = 0
    cps = 0
    config_text = None
    extra_setup = ""
    route_ring_timeout = 60

    def setUp(self):
        self.pbx_port = free_port(PBX_IP)
        self.a_port = free_port(CARRIER_A_IP)
        self.b_port = free_port(CARRIER_B_IP)
        self.tl = Trunkline(config_text=self.config_text)
        provision(self.tl.data_dir,
                  setup_toml(self.pbx_port, self.a_port, self.b_port, self.channels, cps=self.cps,
                             extra=self.extra_setup, route_ring_timeout=self.route_ring_timeout))
        self.tl.start()
        self.target = f"127.0.0.1:{self.tl.port}"
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.stop()
        self.assertEqual(self.tl.stop(), 0, self.tl.log_text()[-5000:])

    def peer(self, *a, **kw):
        p = Peer(*a, **kw)
        self.peers.append(p)
        return p

    def finish(self):
        """Stops trunkline (a clean shutdown writes every CDR) and returns the CDR rows."""
        self.assertEqual(self.tl.stop(), 0, self.tl.log_text()[-5000:])
        return cdrs(self.tl.data_dir)

    def assert_ok(self, rc, *peers):
        self.assertEqual(rc, 0, "\n".join(p.report() for p in peers) + "\n" + self.tl.log_text()[-4000:])



class CallsTest(CallTestBase):
    def test_outbound_answered_caller_hangs_up(self):
        carrier = self.peer("uas_answer.xml", CARRIER_A_IP, self.a_port).start()
        pbx = self.peer("uac_call.xml", PBX_IP, self.pbx_port, self.target,
                        extra=["-s", "4155551234", "-d", "1200"])
        self.assert_ok(pbx.run(), pbx, carrier)
        self.assert_ok(carrier.wait(), carrier)
        # Topology hiding: no header the carrier sees carries the PBX's address (the SDP
        # still does until media is anchored: the media issue rewrites o=/c=).
        seen = carrier.log()
        signalling = [l for l in seen.splitlines() if not l.startswith(("o=", "c="))]
        self.assertFalse([l for l in signalling if PBX_IP in l], seen)
        self.assertIn("INVITE sip:+14155551234@127.0.0.3", seen)
        (row,) = self.finish()
        self.assertEqual(row["direction"], 0)
        self.assertEqual(row["trunk_id"], entity_id(self.tl.data_dir, "trunks", "pbx"))
        self.assertEqual(row["to_e164"], "+14155551234")
        self.assertEqual(row["from_e164"], "+14155550100")
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertEqual(row["final_code"], 200)
        self.assertEqual(row["hangup_by"], CALLER)
        self.assertGreater(row["answer_ms"], 0)
        self.assertGreaterEqual(row["end_ms"], row["answer_ms"])
        self.assertGreaterEqual(row["billable_s"], 1)
        self.assertEqual([a["sip_code"] for a in row["attempts"]], [200])
        self.assertEqual(row["attempts"][0]["carrier_id"], entity_id(self.tl.data_dir, "carriers", "carrier-a"))

    def test_outbound_answered_callee_hangs_up(self):
        carrier = self.peer("uas_answer_then_bye.xml", CARRIER_A_IP, self.a_port).start()
        pbx = self.peer("uac_callee_hangs_up.xml", PBX_IP, self.pbx_port, self.target,
                        extra=["-s", "4155551234"])
        self.assert_ok(pbx.run(), pbx, carrier)
        self.assert_ok(carrier.wait(), carrier)
        (row,) = self.finish()
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertEqual(row["hangup_by"], CALLEE)
        self.assertGreaterEqual(row["end_ms"] - row["answer_ms"], 500)

    def test_failover_503_then_second_carrier_answers(self):
        a = self.peer("uas_reject_503.xml", CARRIER_A_IP, self.a_port).start()
        b = self.peer("uas_answer.xml", CARRIER_B_IP, self.b_port).start()
        pbx = self.peer("uac_call.xml", PBX_IP, self.pbx_port, self.target,
                        extra=["-s", "+14155551234", "-d", "500"])
        self.assert_ok(pbx.run(), pbx, a, b)
        self.assert_ok(a.wait(), a)
        self.assert_ok(b.wait(), b)
        (row,) = self.finish()
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertEqual([a_["sip_code"] for a_ in row["attempts"]], [503, 200])

    def test_busy_is_not_failed_over(self):
        a = self.peer("uas_reject_486.xml", CARRIER_A_IP, self.a_port).start()
        pbx = self.peer("uac_fail.xml", PBX_IP, self.pbx_port, self.target, extra=["-s", "4155551234"])
        self.assert_ok(pbx.run(), pbx, a)
        self.assertIn("SIP/2.0 486", pbx.log())
        (row,) = self.finish()
        self.assertEqual(row["disposition"], BUSY)
        self.assertEqual(row["final_code"], 486)
        self.assertEqual([a_["sip_code"] for a_ in row["attempts"]], [486])

    def test_inbound_did_to_ip_trunk(self):
        pbx = self.peer("uas_answer.xml", PBX_IP, self.pbx_port).start()
        carrier = self.peer("uac_call.xml", CARRIER_A_IP, self.a_port, self.target,
                            extra=["-s", "14155550100", "-d", "500"])
        self.assert_ok(carrier.run(), carrier, pbx)
        self.assert_ok(pbx.wait(), pbx)
        self.assertIn("INVITE sip:+14155550100@127.0.0.2", pbx.log())
        (row,) = self.finish()
        self.assertEqual(row["direction"], 1)
        self.assertEqual(row["to_e164"], "+14155550100")
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertEqual(row["hangup_by"], CALLER)

    def test_cancel_before_answer(self):
        carrier = self.peer("uas_ring_cancelled.xml", CARRIER_A_IP, self.a_port).start()
        pbx = self.peer("uac_cancel.xml", PBX_IP, self.pbx_port, self.target, extra=["-s", "4155551234"])
        self.assert_ok(pbx.run(), pbx, carrier)
        self.assert_ok(carrier.wait(), carrier)
        (row,) = self.finish()
        self.assertEqual(row["disposition"], CANCELLED)
        self.assertEqual(row["final_code"], 487)
        self.assertEqual(row["answer_ms"], 0)

    def test_hold_and_resume_reinvites_are_relayed(self):
        carrier = self.peer("uas_hold.xml", CARRIER_A_IP, self.a_port).start()
        pbx = self.peer("uac_hold.xml", PBX_IP, self.pbx_port, self.target, extra=["-s", "4155551234"])
        self.assert_ok(pbx.run(), pbx, carrier)
        self.assert_ok(carrier.wait(), carrier)
        self.assertEqual(carrier.log().count("a=sendonly"), 1)  # the hold offer got through
        (row,) = self.finish()
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertEqual(row["hangup_by"], CALLER)

    def test_config_change_reaches_running_server(self):
        # No route for +44 yet: 404. Add a default route with the CLI while running.
        pbx = self.peer("uac_fail.xml", PBX_IP, self.pbx_port, self.target, extra=["-s", "+442079460000"])
        self.assert_ok(pbx.run(), pbx)
        self.assertIn("SIP/2.0 404", pbx.log())
        provision(self.tl.data_dir, setup_toml(self.pbx_port, self.a_port, self.b_port, self.channels,
                                               extra='\n[[routes]]\nprefix = ""\ncarriers = ["carrier-b"]\n'))
        time.sleep(2.5)  # the server polls the database for changes every second
        b = self.peer("uas_reject_486.xml", CARRIER_B_IP, self.b_port).start()
        pbx2 = self.peer("uac_fail.xml", PBX_IP, self.pbx_port, self.target, extra=["-s", "+442079460000"])
        self.assert_ok(pbx2.run(), pbx2, b)
        self.assertIn("SIP/2.0 486", pbx2.log())


class FastTimersTest(CallTestBase):
    """T1 = 100 ms so that timer B (64*T1) gives up on a silent carrier in 6.4 s."""
    config_text = "[sip]\nt1_ms = 100\n"

    def test_every_carrier_down_gives_503(self):
        # Nothing listens at either carrier: ICMP port unreachable / timeouts → 503 to the caller.
        pbx = self.peer("uac_fail.xml", PBX_IP, self.pbx_port, self.target, extra=["-s", "4155551234"],
                        timeout=80)
        self.assert_ok(pbx.run(), pbx)
        self.assertIn("SIP/2.0 503", pbx.log())
        (row,) = self.finish()
        self.assertEqual(row["disposition"], FAILED)
        self.assertEqual(len(row["attempts"]), 2)



class RingTimeoutTest(CallTestBase):
    """The route gives each carrier 2 s to answer."""
    route_ring_timeout = 2

    def test_first_carrier_rings_without_answer_then_second_answers(self):
        # Carrier A rings (180) and never answers: at 2 s it is CANCELled, B gets the call.
        a = self.peer("uas_ring_cancelled.xml", CARRIER_A_IP, self.a_port).start()
        b = self.peer("uas_answer.xml", CARRIER_B_IP, self.b_port).start()
        pbx = self.peer("uac_call.xml", PBX_IP, self.pbx_port, self.target,
                        extra=["-s", "+14155551234", "-d", "500"])
        self.assert_ok(pbx.run(), pbx, a, b)
        self.assert_ok(a.wait(), a)
        self.assert_ok(b.wait(), b)
        self.assertIn("CANCEL sip:", a.log())
        (row,) = self.finish()
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertEqual(row["hangup_by"], CALLER)
        attempts = row["attempts"]
        self.assertEqual([x["sip_code"] for x in attempts], [0, 200])
        self.assertEqual(attempts[0]["reason"], "ring timeout")
        self.assertEqual(attempts[0]["carrier_id"], entity_id(self.tl.data_dir, "carriers", "carrier-a"))
        self.assertEqual(attempts[1]["carrier_id"], entity_id(self.tl.data_dir, "carriers", "carrier-b"))
        # The first attempt lasted the ring timeout (give or take scheduling).
        self.assertGreaterEqual(attempts[0]["end_ms"] - attempts[0]["start_ms"], 1900)

    def test_first_carrier_silent_then_second_answers(self):
        # Carrier A never answers at all (not even 100 Trying): a UDP socket that swallows.
        silent = UdpPeer(CARRIER_A_IP)
        self.addCleanup(silent.close)
        provision(self.tl.data_dir, f"""
[[carriers]]
name = "carrier-a"
gateways = ["udp:{CARRIER_A_IP}:{silent.port}:prio=1"]
inbound_ips = ["{CARRIER_A_IP}/32"]
probe_interval = 0
""")
        time.sleep(2.5)  # the running node picks the change up within a second
        b = self.peer("uas_answer.xml", CARRIER_B_IP, self.b_port).start()
        pbx = self.peer("uac_call.xml", PBX_IP, self.pbx_port, self.target,
                        extra=["-s", "+14155551234", "-d", "500"])
        self.assert_ok(pbx.run(), pbx, b)
        self.assert_ok(b.wait(), b)
        self.assertIn("INVITE sip:+14155551234@", silent.recv(1.0) or "")
        (row,) = self.finish()
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertEqual([x["sip_code"] for x in row["attempts"]], [0, 200])
        self.assertEqual(row["attempts"][0]["reason"], "ring timeout")


class InboundBackupTest(CallTestBase):
    """DID +14155550300 belongs to the PBX trunk, with backups: another trunk, then an
    external number reached through carrier B (its own route)."""
    def setUp(self):
        self.pbx2_port = free_port(BRANCH_IP)
        self.extra_setup = f"""
[[trunks]]
account = "acme"
name = "pbx2"
ips = ["{BRANCH_IP}/32"]
host = "{BRANCH_IP}"
port = {self.pbx2_port}

[[numbers]]
e164 = "+14155550300"
account = "acme"
trunk = "pbx"
ring_timeout = 2
backups = ["trunk:pbx2", "external:+14155550199"]

[[routes]]
prefix = "1415555019"
carriers = ["carrier-b"]
"""
        super().setUp()

    def test_unreachable_trunk_goes_to_backup_trunk(self):
        # Nothing answers at the PBX's address: after the DID's 2 s ring timeout, pbx2 rings.
        pbx2 = self.peer("uas_answer.xml", BRANCH_IP, self.pbx2_port).start()
        carrier = self.peer("uac_call.xml", CARRIER_A_IP, self.a_port, self.target,
                            extra=["-s", "14155550300", "-d", "500"])
        self.assert_ok(carrier.run(), carrier, pbx2)
        self.assert_ok(pbx2.wait(), pbx2)
        self.assertIn("INVITE sip:+14155550300@" + BRANCH_IP, pbx2.log())
        (row,) = self.finish()
        self.assertEqual(row["direction"], 1)
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertEqual(row["trunk_id"], entity_id(self.tl.data_dir, "trunks", "pbx"))
        attempts = row["attempts"]
        self.assertEqual([x["sip_code"] for x in attempts], [0, 200])
        self.assertEqual(attempts[0]["trunk_id"], entity_id(self.tl.data_dir, "trunks", "pbx"))
        self.assertEqual(attempts[1]["trunk_id"], entity_id(self.tl.data_dir, "trunks", "pbx2"))

    def test_busy_trunks_go_to_external_backup_through_a_carrier(self):
        # The PBX and pbx2 are busy: the external backup (a mobile) is called via carrier B.
        pbx = self.peer("uas_reject_486.xml", PBX_IP, self.pbx_port).start()
        pbx2 = self.peer("uas_reject_486.xml", BRANCH_IP, self.pbx2_port).start()
        b = self.peer("uas_answer.xml", CARRIER_B_IP, self.b_port).start()
        carrier = self.peer("uac_call.xml", CARRIER_A_IP, self.a_port, self.target,
                            extra=["-s", "14155550300", "-d", "500"])
        self.assert_ok(carrier.run(), carrier, pbx, pbx2, b)
        for p in (pbx, pbx2, b):
            self.assert_ok(p.wait(), p)
        self.assertIn("INVITE sip:+14155550199@" + CARRIER_B_IP, b.log())
        (row,) = self.finish()
        self.assertEqual(row["disposition"], ANSWERED)
        attempts = row["attempts"]
        self.assertEqual([x["sip_code"] for x in attempts], [486, 486, 200])
        self.assertEqual(attempts[2]["carrier_id"], entity_id(self.tl.data_dir, "carriers", "carrier-b"))


class CarrierStatusTest(CallTestBase):
    """OPTIONS probing with T1 = 50 ms (Timer F = 3.2 s) and `carrier status` from the CLI."""
    config_text = "[sip]\nt1_ms = 50\n"

    def status(self):
        p = subprocess.run([BINARY, "carrier", "status", "--json", "--data-dir", self.tl.data_dir],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout)
        return {r["carrier"]: r for r in json.loads(p.stdout)}

    def test_probed_gateways_health_is_visible_from_the_cli(self):
        silent = UdpPeer(CARRIER_A_IP)     # carrier A: never answers
        alive = UdpPeer(CARRIER_B_IP)      # carrier B: answers OPTIONS with 200
        self.addCleanup(silent.close)
        self.addCleanup(alive.close)
        provision(self.tl.data_dir, f"""
[[carriers]]
name = "carrier-a"
gateways = ["udp:{CARRIER_A_IP}:{silent.port}:prio=1"]
probe_interval = 1
down_after = 1

[[carriers]]
name = "carrier-b"
gateways = ["udp:{CARRIER_B_IP}:{alive.port}:prio=1"]
probe_interval = 1
""")
        deadline = time.monotonic() + 20
        answered = 0
        rows = {}
        while time.monotonic() < deadline:
            req = alive.recv(0.2)
            if req and req.startswith("OPTIONS "):
                answered += 1
                alive.send(ok_response(req), self.tl.port, "127.0.0.1")
            rows = self.status()
            if (rows["carrier-a"]["state"] == "down" and rows["carrier-b"]["state"] == "up"
                    and rows["carrier-b"]["last_probe"].startswith("200")):
                break
        self.assertGreater(answered, 0)
        self.assertEqual(rows["carrier-a"]["state"], "down", rows)
        self.assertTrue(rows["carrier-a"]["last_probe"].startswith("no answer"), rows)
        self.assertEqual(rows["carrier-a"]["failures"], "1", rows)
        self.assertEqual(rows["carrier-b"]["state"], "up", rows)
        self.assertTrue(rows["carrier-b"]["last_probe"].startswith("200"), rows)
        self.assertEqual(rows["carrier-b"]["gateway"], f"udp:{CARRIER_B_IP}:{alive.port}")
        # Stopped, the node's last word stays readable and says it is old news later.
        self.finish()
        self.assertIn(self.status()["carrier-a"]["state"], ("down", "down (stale: node stopped?)"))


def ok_response(request):
    """A 200 to a SIP request received as text: its Via/From/To/Call-ID/CSeq echoed."""
    lines = request.split("\r\n")
    keep = [l for l in lines[1:] if l.split(":", 1)[0].lower() in ("via", "v", "from", "f", "to", "t",
                                                                   "call-id", "i", "cseq")]
    return "SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + "\r\nContent-Length: 0\r\n\r\n"


class DigestTest(CallTestBase):
    """SIPp answers only the first challenge and knows only MD5: offer MD5 first, as an
    operator with such PBXs would (RFC 8760 order, SHA-256 first, is the default)."""
    config_text = '[sip]\ndigest_algorithms = ["MD5", "SHA-256"]\n'

    def test_digest_authenticated_caller(self):
        carrier = self.peer("uas_answer.xml", CARRIER_A_IP, self.a_port).start()
        pbx = self.peer("uac_call.xml", REMOTE_IP, free_port(REMOTE_IP), self.target,
                        extra=["-s", "4155551234", "-d", "300", "-au", "remote-pbx", "-ap", "s3cret-pass"])
        self.assert_ok(pbx.run(), pbx, carrier)
        self.assertIn("SIP/2.0 407", pbx.log())
        # The 407 challenge is a step of authentication, not a call attempt: one CDR.
        (row,) = self.finish()
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertEqual(row["trunk_id"], entity_id(self.tl.data_dir, "trunks", "remote"))


    def test_wrong_password_never_reaches_a_carrier(self):
        pbx = self.peer("uac_call.xml", REMOTE_IP, free_port(REMOTE_IP), self.target,
                        extra=["-s", "4155551234", "-au", "remote-pbx", "-ap", "wrong"], timeout=15)
        self.assertNotEqual(pbx.run(), 0)
        # Challenged again after the wrong answer (the second 407 may be retransmitted,
        # since SIPp gives up without ACKing it); never put through.
        self.assertGreaterEqual(pbx.log().count("SIP/2.0 407"), 2, pbx.log())
        self.assertNotIn("SIP/2.0 200", pbx.log())
        # Challenges write no CDR (an unauthenticated request belongs to no account).
        self.assertEqual(self.finish(), [])


    def test_registration_survives_restart_and_receives_did_calls(self):
        branch_ip = "127.0.0.6"
        branch_port = free_port(branch_ip)
        reg = self.peer("uac_register.xml", branch_ip, branch_port, self.target,
                        extra=["-au", "branch-pbx", "-ap", "branch-pass"])
        self.assert_ok(reg.run(), reg)
        # Restart: the binding comes back from the database.
        self.assertEqual(self.tl.stop(), 0, self.tl.log_text()[-3000:])
        listed = subprocess.run([BINARY, "registration", "list", "--data-dir", self.tl.data_dir],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
        self.assertIn(f"sip:branch@{branch_ip}:{branch_port}", listed.stdout)
        self.tl.start()
        self.assertIn("1 registrations restored", self.tl.log_text())
        pbx = self.peer("uas_answer.xml", branch_ip, branch_port).start()
        carrier = self.peer("uac_call.xml", CARRIER_A_IP, self.a_port, self.target,
                            extra=["-s", "+14155550200", "-d", "300"])
        self.assert_ok(carrier.run(), carrier, pbx)
        self.assert_ok(pbx.wait(), pbx)
        self.assertIn(f"INVITE sip:branch@{branch_ip}:{branch_port}", pbx.log())
        (row,) = self.finish()
        self.assertEqual(row["direction"], 1)
        self.assertEqual(row["trunk_id"], entity_id(self.tl.data_dir, "trunks", "branch"))
        self.assertEqual(row["disposition"], ANSWERED)


class ChannelLimitTest(CallTestBase):
    channels = 1

    def test_second_call_refused_while_first_is_up_then_accepted(self):
        carrier = self.peer("uas_answer.xml", CARRIER_A_IP, self.a_port, calls=2).start()
        first = self.peer("uac_call.xml", PBX_IP, self.pbx_port, self.target,
                          extra=["-s", "4155551234", "-d", "4000"]).start()
        time.sleep(1.5)  # the first call is answered and holds the trunk's only channel
        second = self.peer("uac_fail.xml", PBX_IP, free_port(PBX_IP), self.target, extra=["-s", "4155551234"])
        self.assert_ok(second.run(), second)
        self.assertIn("SIP/2.0 503 Channel Limit Reached", second.log())
        self.assertIn("Retry-After:", second.log())
        self.assert_ok(first.wait(), first, carrier)
        third = self.peer("uac_call.xml", PBX_IP, free_port(PBX_IP), self.target,
                          extra=["-s", "4155551234", "-d", "200"])
        self.assert_ok(third.run(), third, carrier)
        self.assert_ok(carrier.wait(), carrier)
        rows = sorted(self.finish(), key=lambda r: r["start_ms"])  # written in end order
        self.assertEqual([r["disposition"] for r in rows], [ANSWERED, REJECTED, ANSWERED])
        self.assertEqual(rows[1]["final_code"], 503)


class CpsLimitTest(CallTestBase):
    cps = 1

    def test_second_call_within_the_same_second_is_refused(self):
        carrier = self.peer("uas_reject_486.xml", CARRIER_A_IP, self.a_port).start()
        first = self.peer("uac_fail.xml", PBX_IP, self.pbx_port, self.target, extra=["-s", "4155551234"])
        self.assert_ok(first.run(), first, carrier)
        self.assertIn("SIP/2.0 486", first.log())
        second = self.peer("uac_fail.xml", PBX_IP, free_port(PBX_IP), self.target, extra=["-s", "4155551234"])
        self.assert_ok(second.run(), second)
        self.assertIn("SIP/2.0 503 Call Rate Limit Exceeded", second.log())
        self.assertIn("Retry-After: 1", second.log())
        rows = sorted(self.finish(), key=lambda r: r["start_ms"])
        self.assertEqual([(r["disposition"], r["final_code"]) for r in rows], [(BUSY, 486), (REJECTED, 503)])
        self.assertEqual(rows[1]["attempts"], [])


if __name__ == "__main__":
    unittest.main()
