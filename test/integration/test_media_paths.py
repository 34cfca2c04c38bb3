"""Media paths through the real binary, with Python playing both ends (sip_peer.py for the
signalling, rtp_peer.py for RTP) so each test decides exactly who sends what, when, and from
where, and checks every packet that arrives: its payload (each sender fills its payloads
with its own marker byte), its source address, and its DSCP.

  PBX 127.0.0.2 --SIP--> Trunkline 127.0.0.1 --SIP--> carrier 127.0.0.3
  PBX RTP <-> relay leg A (127.0.0.1:a)        relay leg B (127.0.0.1:b) <-> carrier RTP

Nothing leaves loopback: when the PBX's SDP names an address it is not at (10.1.2.3), the
carrier never sends before the test has seen the relay learn the PBX's real source."""
import time
import unittest

from calls import CARRIER_A_IP, PBX_IP, cdrs, provision, setup_toml
from harness import Trunkline, free_port
from rtp_peer import RtpPeer, exchange, payloads
from sip_peer import SipPeer, UacDialog, UasDialog, audio_of, sdp

MEDIA_CONFIG = """
[api]
enabled = false

[media]
port_min = 43000
port_max = 43999
no_media_timeout_s = 30
"""
ANSWERED = 0
EF_TOS = 46 << 2  # DSCP EF in the TOS byte
CS3_TOS = 24 << 2
PBX_MARK, CARRIER_MARK, STRANGER_MARK = b"\x11", b"\x22", b"\x66"
PRIVATE_IP = "10.1.2.3"  # an address the PBX claims and is not at; never sent to


class MediaPathTest(unittest.TestCase):
    config = MEDIA_CONFIG

    def setUp(self):
        self.pbx_port = free_port(PBX_IP)
        self.a_port = free_port(CARRIER_A_IP)
        self.tl = Trunkline(config_text=self.config)
        provision(self.tl.data_dir, setup_toml(self.pbx_port, self.a_port, free_port("127.0.0.4")))
        self.tl.start()
        self.target = ("127.0.0.1", self.tl.port)
        self.pbx = SipPeer(PBX_IP, self.pbx_port, "pbx", record_tos=True)
        self.carrier = SipPeer(CARRIER_A_IP, self.a_port, "carrier", record_tos=True)
        self.pbx_rtp = RtpPeer(PBX_IP, ssrc=0x0A0A0A0A, marker=PBX_MARK)
        self.carrier_rtp = RtpPeer(CARRIER_A_IP, ssrc=0x0B0B0B0B, marker=CARRIER_MARK)
        self.closables = [self.pbx, self.carrier, self.pbx_rtp, self.carrier_rtp]

    def tearDown(self):
        for c in self.closables:
            c.close()
        self.tl.stop()

    def log_tail(self):
        return self.tl.log_text()[-4000:]

    # ---- call flows, written like a ladder diagram

    def start_call(self, pbx_media_ip=PBX_IP):
        """PBX INVITE -> Trunkline -> carrier; returns the two dialogs (not answered yet)."""
        dlg = UacDialog(self.pbx, self.target, "+14155551234")
        dlg.invite(sdp(pbx_media_ip, self.pbx_rtp.port))
        uas = UasDialog.accept(self.carrier)
        offer = audio_of(uas.invite.body)
        self.assertEqual(offer[0], "127.0.0.1", uas.invite.body)  # only the relay is named
        self.assertNotIn(pbx_media_ip, uas.invite.body)
        self.relay_b = (offer[0], offer[1])
        return dlg, uas

    def answer(self, dlg, uas):
        uas.respond(200, sdp(CARRIER_A_IP, self.carrier_rtp.port, session="carrier"))
        ok = dlg.wait_response({200})
        dlg.ack()
        uas.wait_ack()
        ans = audio_of(ok.body)
        self.assertEqual(ans[0], "127.0.0.1", ok.body)
        self.assertNotIn(CARRIER_A_IP, ok.body)
        self.relay_a = (ans[0], ans[1])
        return ok

    def call(self, pbx_media_ip=PBX_IP):
        dlg, uas = self.start_call(pbx_media_ip)
        uas.respond(180)
        dlg.wait_response({180})
        self.answer(dlg, uas)
        return dlg, uas

    def hang_up(self, dlg, uas):
        dlg.bye()
        uas.answer_bye()
        self.assertEqual(self.tl.stop(), 0, self.log_tail())
        (row,) = cdrs(self.tl.data_dir)
        self.assertEqual(row["disposition"], ANSWERED, row)
        self.assertEqual(row["media_anchored"], 1, row)
        return row

    def reinvite(self, dlg, uas, pbx_dir, carrier_dir, version):
        """PBX re-INVITE with `pbx_dir`; the carrier answers `carrier_dir`. Returns what each
        side received (the carrier's offer, the PBX's answer) as (addr, port, direction)."""
        dlg.invite(sdp(PBX_IP, self.pbx_rtp.port, pbx_dir, version=version))
        reinv = uas.wait_request("INVITE")
        uas.respond(200, sdp(CARRIER_A_IP, self.carrier_rtp.port, carrier_dir, version=version,
                             session="carrier"), req=reinv)
        ok = dlg.wait_response({200})
        dlg.ack()
        uas.wait_ack()
        for body, foreign in ((reinv.body, PBX_IP), (ok.body, CARRIER_A_IP)):
            self.assertNotIn(foreign, body)
        return audio_of(reinv.body), audio_of(ok.body)

    # ---- checks

    def assert_got(self, peer, mark, count, source, limit=3.0):
        """`peer` received exactly `count` packets carrying `mark`, all from `source`."""
        peer.wait_for(len(peer.received) + count, limit)
        peer.collect(quiet=0.3)
        got = [d for d in peer.received if d.rtp() and d.rtp()[4][:1] == mark]
        self.assertEqual(len(got), count, f"{len(got)} of {count} packets arrived\n{self.log_tail()}")
        self.assertEqual({d.src for d in got}, {source})
        peer.received.clear()
        return got

    def assert_nothing(self, peer, quiet=0.5):
        peer.collect(quiet=quiet)
        self.assertEqual(payloads(peer.received)[:1], [], f"{len(peer.received)} packets arrived")
        peer.received.clear()

    def both_ways(self, count=25):
        exchange([(self.pbx_rtp, self.relay_a), (self.carrier_rtp, self.relay_b)], count)

    # ---- tests

    def test_hold_stops_the_held_direction_and_resume_restarts_it(self):
        dlg, uas = self.call()
        self.both_ways()
        self.assert_got(self.carrier_rtp, PBX_MARK, 25, self.relay_b)
        self.assert_got(self.pbx_rtp, CARRIER_MARK, 25, self.relay_a)

        # Hold (RFC 3264 §8.4): the PBX offers sendonly, the carrier answers recvonly. Each side
        # sees the same relay address and port as before, and the direction meant for it.
        offer, answer = self.reinvite(dlg, uas, "sendonly", "recvonly", 2)
        self.assertEqual(offer, self.relay_b + ("sendonly",))
        self.assertEqual(answer, self.relay_a + ("recvonly",))
        # The PBX plays music on hold; the carrier keeps sending too (some do): only the
        # PBX's direction is relayed.
        self.both_ways()
        self.assert_got(self.carrier_rtp, PBX_MARK, 25, self.relay_b)
        self.assert_nothing(self.pbx_rtp)

        # Resume: sendrecv both ways again, audio flows both ways on the same ports.
        offer, answer = self.reinvite(dlg, uas, "sendrecv", "sendrecv", 3)
        self.assertEqual(offer, self.relay_b + ("sendrecv",))
        self.assertEqual(answer, self.relay_a + ("sendrecv",))
        self.both_ways()
        self.assert_got(self.carrier_rtp, PBX_MARK, 25, self.relay_b)
        self.assert_got(self.pbx_rtp, CARRIER_MARK, 25, self.relay_a)

        # Inactive both ways (the carrier holds too): nothing is relayed either way.
        offer, answer = self.reinvite(dlg, uas, "inactive", "inactive", 4)
        self.assertEqual((offer[2], answer[2]), ("inactive", "inactive"))
        self.both_ways(10)
        self.assert_nothing(self.carrier_rtp)
        self.assert_nothing(self.pbx_rtp)

        row = self.hang_up(dlg, uas)
        # The relay counted every packet each side sent, relayed or held back.
        self.assertEqual(row["caller_rtp_packets"], self.pbx_rtp.sent, row)
        self.assertEqual(row["callee_rtp_packets"], self.carrier_rtp.sent, row)

    def test_early_media_reaches_the_caller_before_the_answer(self):
        dlg, uas = self.start_call()
        uas.respond(183, sdp(CARRIER_A_IP, self.carrier_rtp.port, session="carrier"))
        early = dlg.wait_response({183})
        self.assertTrue(early.tag("to"))  # the early dialog, with Trunkline's own tag
        self.assertNotEqual(early.tag("to"), uas.to_tag)
        addr = audio_of(early.body)
        self.assertEqual(addr[0], "127.0.0.1", early.body)
        self.assertNotIn(CARRIER_A_IP, early.body)
        self.relay_a = addr[:2]

        # Ringback from the carrier; the 200 has not even been sent yet.
        self.carrier_rtp.send(self.relay_b, 20, gap=0.01)
        self.assert_got(self.pbx_rtp, CARRIER_MARK, 20, self.relay_a)
        self.assertFalse([m for m in self.pbx.log if m.status == 200], "a 200 arrived early")

        ok = self.answer(dlg, uas)
        self.assertEqual(audio_of(ok.body)[:2], self.relay_a)  # the same relay stream
        self.both_ways(10)
        self.assert_got(self.carrier_rtp, PBX_MARK, 10, self.relay_b)
        self.assert_got(self.pbx_rtp, CARRIER_MARK, 10, self.relay_a)
        row = self.hang_up(dlg, uas)
        self.assertEqual(row["callee_rtp_packets"], 30, row)

    def latch_pbx(self, count=12):
        """The PBX sends first; the carrier receiving it proves the relay accepted (latched)
        the PBX's real source on leg A. Only then may anything travel towards the PBX."""
        self.pbx_rtp.send(self.relay_a, count, gap=0.01)
        self.assert_got(self.carrier_rtp, PBX_MARK, count, self.relay_b)

    def test_latching_learns_the_real_source_of_a_private_address(self):
        dlg, uas = self.call(pbx_media_ip=PRIVATE_IP)
        self.latch_pbx()
        # The carrier's audio goes where the PBX's packets came from: all of it arrives, so
        # none went to 10.1.2.3.
        self.carrier_rtp.send(self.relay_b, 30, gap=0.005)
        self.assert_got(self.pbx_rtp, CARRIER_MARK, 30, self.relay_a)
        self.both_ways(10)
        self.assert_got(self.carrier_rtp, PBX_MARK, 10, self.relay_b)
        self.assert_got(self.pbx_rtp, CARRIER_MARK, 10, self.relay_a)
        self.hang_up(dlg, uas)

    def test_latching_after_a_ring_longer_than_the_latch_window(self):
        # The relay learns an unsignalled source only inside a window (2 s) that opens when
        # signalling gives the address. A NAT'd PBX sends nothing until the answer; with a
        # 3 s ring, the answer gives it a window of its own (RelayWorker::updateLeg). Nothing
        # is sent towards the PBX unless the relay has shown it learned the PBX's source.
        dlg, uas = self.start_call(pbx_media_ip=PRIVATE_IP)
        uas.respond(180)
        dlg.wait_response({180})
        time.sleep(3)
        self.answer(dlg, uas)
        self.latch_pbx()
        self.carrier_rtp.send(self.relay_b, 20, gap=0.005)
        self.assert_got(self.pbx_rtp, CARRIER_MARK, 20, self.relay_a)
        self.hang_up(dlg, uas)

    def test_a_spoofed_source_cannot_take_over_a_latched_stream(self):
        dlg, uas = self.call(pbx_media_ip=PRIVATE_IP)
        self.latch_pbx()  # 12 packets: over the window's 10, so the latch is locked
        stranger = RtpPeer(PBX_IP, ssrc=self.pbx_rtp.ssrc, marker=STRANGER_MARK)
        self.closables.append(stranger)
        stranger.seq = self.pbx_rtp.seq  # continues the PBX's own sequence and timestamps
        stranger.ts = self.pbx_rtp.ts
        stranger.send(self.relay_a, 30, gap=0.005)
        self.assert_nothing(self.carrier_rtp)  # not injected
        self.carrier_rtp.send(self.relay_b, 20, gap=0.005)
        self.assert_got(self.pbx_rtp, CARRIER_MARK, 20, self.relay_a)  # not hijacked
        self.assert_nothing(stranger)
        self.pbx_rtp.send(self.relay_a, 5)  # and the PBX still gets through
        self.assert_got(self.carrier_rtp, PBX_MARK, 5, self.relay_b)
        row = self.hang_up(dlg, uas)
        self.assertEqual(row["caller_rtp_packets"], 17, row)  # the stranger's 30 not counted

    def test_the_signalled_source_wins_over_a_stranger_in_the_window(self):
        # The PBX's SDP names its real address; a stranger's packets reach the relay first.
        dlg, uas = self.call()
        stranger = RtpPeer(PBX_IP, ssrc=self.pbx_rtp.ssrc, marker=STRANGER_MARK)
        self.closables.append(stranger)
        stranger.send(self.relay_a, 3)
        self.carrier_rtp.collect(quiet=0.3)
        self.carrier_rtp.received.clear()
        self.latch_pbx(5)
        self.carrier_rtp.send(self.relay_b, 20, gap=0.005)
        self.assert_got(self.pbx_rtp, CARRIER_MARK, 20, self.relay_a)
        self.assert_nothing(stranger)
        stranger.send(self.relay_a, 10)
        self.assert_nothing(self.carrier_rtp)
        self.hang_up(dlg, uas)

    def test_rtp_leaves_the_relay_with_dscp_ef(self):
        dlg, uas = self.call()
        self.both_ways(20)
        for peer, mark, relay in ((self.carrier_rtp, PBX_MARK, self.relay_b),
                                  (self.pbx_rtp, CARRIER_MARK, self.relay_a)):
            got = self.assert_got(peer, mark, 20, relay)
            self.assertEqual({d.tos for d in got}, {EF_TOS})
        self.hang_up(dlg, uas)

    def test_sip_leaves_with_dscp_cs3_by_default(self):
        dlg, uas = self.call()
        # The INVITE to the carrier and every response to the PBX carry CS3.
        self.assertEqual(uas.invite.tos, CS3_TOS)
        self.assertEqual({m.tos for m in self.pbx.log}, {CS3_TOS})
        self.assertEqual(options_tos(self.tl.port), CS3_TOS)
        self.hang_up(dlg, uas)


class ConfiguredDscpTest(unittest.TestCase):
    def check(self, config, sip_tos):
        tl = Trunkline(config_text="[api]\nenabled = false\n" + config)
        tl.start()
        try:
            self.assertEqual(options_tos(tl.port), sip_tos, tl.log_text()[-3000:])
        finally:
            self.assertEqual(tl.stop(), 0)

    def test_configured_sip_dscp(self):
        self.check("[sip]\ndscp = 40\n", 40 << 2)

    def test_sip_dscp_zero_leaves_packets_unmarked(self):
        self.check("[sip]\ndscp = 0\n", 0)

    def test_out_of_range_sip_dscp_stops_startup_with_file_and_line(self):
        tl = Trunkline(config_text="[api]\nenabled = false\n[sip]\n\ndscp = 64\n")
        with self.assertRaises(AssertionError) as ctx:
            tl.start()
        self.assertEqual(tl.stop(), 2)  # invalid configuration
        self.assertIn("trunkline.toml:5: 'dscp' = 64 is out of range [0, 63]", str(ctx.exception))


def options_tos(port):
    """The TOS byte of Trunkline's answer to an OPTIONS over UDP."""
    peer = SipPeer("127.0.0.1", free_port(), "probe", record_tos=True)
    try:
        peer.send(f"OPTIONS sip:ping@127.0.0.1:{port} SIP/2.0\r\n"
                  f"Via: SIP/2.0/UDP 127.0.0.1:{peer.port};branch=z9hG4bKdscp{port};rport\r\n"
                  f"From: <sip:probe@127.0.0.1>;tag=dscp\r\nTo: <sip:ping@127.0.0.1>\r\n"
                  f"Call-ID: dscp-{port}@probe\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
                  f"Content-Length: 0\r\n\r\n", ("127.0.0.1", port))
        resp = peer.wait(lambda m: m.is_response, "answer to OPTIONS", 5)
        return resp.tos
    finally:
        peer.close()


if __name__ == "__main__":
    unittest.main()
