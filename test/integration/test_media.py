"""Anchored media through the real binary: SIPp plays the PBX (127.0.0.2) and the carrier
(127.0.0.3) with real RTP; Trunkline rewrites every SDP to its relay on 127.0.0.1 and
relays the packets. Each test checks what each side was told and the CDR's media figures.

  CDR disposition NoMedia = 6; hangup_by System = 3."""
import http.client
import json
import math
import os
import re
import subprocess
import time
import unittest

from calls import CARRIER_A_IP, PBX_IP, Peer, cdrs, provision, setup_toml
from harness import BINARY, Trunkline, free_port

ANSWERED, NO_MEDIA = 0, 6
CALLER, SYSTEM = 1, 3

MEDIA_CONFIG = """
[media]
port_min = 42000
port_max = 42999
no_media_timeout_s = 5
"""


def tone_ulaw(path, seconds=5, hz=1000):
    """A 1 kHz tone as raw G.711 mu-law (what SIPp's rtp_stream sends as PCMU payload)."""
    def ulaw(sample):
        sign = 0x80 if sample < 0 else 0
        s = min(abs(sample), 32635) + 0x84
        exp = 7
        for e in range(7, -1, -1):
            if s & (0x4000 >> (7 - e)):
                exp = e
                break
        mant = (s >> (exp + 3)) & 0x0F
        return ~(sign | (exp << 4) | mant) & 0xFF
    with open(path, "wb") as f:
        f.write(bytes(ulaw(int(8000 * math.sin(2 * math.pi * hz * n / 8000)))
                      for n in range(8000 * seconds)))


def sdp_of(log, first_line_prefix):
    """The SDP body of the first message in a SIPp trace whose first line starts with the prefix."""
    log = log.replace("\r\n", "\n")
    for block in log.split("\n\n-----"):
        i = block.find(first_line_prefix)
        if i < 0:
            continue
        msg = block[i:]
        body = msg.split("\n\n", 1)
        if len(body) == 2 and "m=audio" in body[1]:
            return body[1]
    return ""


def audio_address(sdp):
    c = re.search(r"c=IN IP4 (\S+)", sdp)
    m = re.search(r"m=audio (\d+)", sdp)
    return (c.group(1) if c else None, int(m.group(1)) if m else None)


class MediaTest(unittest.TestCase):
    def setUp(self):
        self.pbx_port = free_port(PBX_IP)
        self.a_port = free_port(CARRIER_A_IP)
        self.api_port = free_port()
        self.tl = Trunkline(config_text=MEDIA_CONFIG + f'[api]\nlisten = "127.0.0.1:{self.api_port}"\n')
        provision(self.tl.data_dir, setup_toml(self.pbx_port, self.a_port, free_port("127.0.0.4")))
        key = subprocess.run([BINARY, "apikey", "create", "--admin", "--data-dir", self.tl.data_dir],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
        self.assertEqual(key.returncode, 0, key.stderr)
        self.key = key.stdout.strip()
        self.tl.start()
        self.target = f"127.0.0.1:{self.tl.port}"
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.stop()
        self.tl.stop()

    def peer(self, scenario, ip, port, target=None, extra=(), **kw):
        media_port = free_port(ip)
        p = Peer(scenario, ip, port, target, extra=["-mi", ip, "-mp", str(media_port)] + list(extra),
                 **kw)
        p.media_port = media_port
        self.peers.append(p)
        return p

    def get(self, path):
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=10)
        conn.request("GET", path, headers={"Authorization": f"Bearer {self.key}"})
        resp = conn.getresponse()
        body = resp.read().decode()
        conn.close()
        return resp.status, body

    def cdrs_from_api(self):
        """The running node's CDRs through the REST API (written within a commit window)."""
        deadline = time.monotonic() + 5
        while True:
            status, body = self.get("/v1/cdrs")
            self.assertEqual(status, 200, body)
            items = json.loads(body)["items"]
            if items or time.monotonic() > deadline:
                return items
            time.sleep(0.1)

    def finish(self):
        self.assertEqual(self.tl.stop(), 0, self.tl.log_text()[-5000:])
        return cdrs(self.tl.data_dir)

    def assert_ok(self, rc, *peers):
        self.assertEqual(rc, 0, "\n".join(p.report() for p in peers) + "\n" + self.tl.log_text()[-4000:])

    def test_audio_flows_both_ways_only_through_the_relay(self):
        # Carrier: answers and echoes every RTP packet back to where it came from.
        carrier = self.peer("uas_answer.xml", CARRIER_A_IP, self.a_port, extra=["-rtp_echo"]).start()
        pbx = self.peer("../media/uac_rtp.xml", PBX_IP, self.pbx_port, self.target,
                        extra=["-s", "+14155551234"])
        tone_ulaw(os.path.join(pbx.workdir, "tone.ulaw"))
        self.assert_ok(pbx.run(), pbx, carrier)
        self.assert_ok(carrier.wait(), carrier)

        # Each side was told only Trunkline's media address, never the other side's.
        offer = sdp_of(carrier.log(), "INVITE sip:")
        answer = sdp_of(pbx.log(), "SIP/2.0 200")
        self.assertEqual(audio_address(offer)[0], "127.0.0.1", offer)
        self.assertEqual(audio_address(answer)[0], "127.0.0.1", answer)
        self.assertNotIn(PBX_IP, offer)
        self.assertNotIn(str(pbx.media_port), offer)
        self.assertNotIn(CARRIER_A_IP, answer)
        self.assertNotIn(f"m=audio {carrier.media_port} ", answer)
        self.assertTrue(42000 <= audio_address(offer)[1] <= 42999, offer)
        self.assertTrue(42000 <= audio_address(answer)[1] <= 42999, answer)

        # The same record through the API while the node runs, as JSON and as CSV.
        (cdr,) = self.cdrs_from_api()
        self.assertEqual(cdr["disposition"], "answered")
        self.assertTrue(cdr["media"]["anchored"])
        self.assertGreater(cdr["media"]["from_caller"]["rtp_packets"], 100, cdr)
        self.assertGreater(cdr["media"]["from_caller"]["mos"], 4.0, cdr)
        status, csv = self.get("/v1/cdrs?format=csv&disposition=answered")
        self.assertEqual(status, 200)
        self.assertTrue(csv.startswith("id,call_uuid,"), csv)
        self.assertEqual(len(csv.strip().splitlines()), 2, csv)

        (row,) = self.finish()
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertEqual(row["media_anchored"], 1)
        # 3 s of 20 ms packets from the PBX reached the relay and went on to the carrier
        # (whose echo is the only source of packets from the callee side).
        self.assertGreater(row["caller_rtp_packets"], 100, row)
        self.assertGreater(row["callee_rtp_packets"], 100, row)
        self.assertLessEqual(row["callee_rtp_packets"], row["caller_rtp_packets"], row)
        self.assertGreater(row["caller_mos_x100"], 400, row)  # no loss on loopback
        self.assertEqual(row["quality_flags"], 0, row)

    def test_early_media_reaches_the_caller_through_the_relay(self):
        # The carrier plays 2 s of audio after its 183; the PBX echoes what it hears.
        carrier = self.peer("../media/uas_early_media.xml", CARRIER_A_IP, self.a_port)
        tone_ulaw(os.path.join(carrier.workdir, "tone.ulaw"))  # SIPp reads it at start
        carrier.start()
        pbx = self.peer("uac_call.xml", PBX_IP, self.pbx_port, self.target,
                        extra=["-s", "+14155551234", "-d", "500", "-rtp_echo"])
        self.assert_ok(pbx.run(), pbx, carrier)
        self.assert_ok(carrier.wait(), carrier)
        early = sdp_of(pbx.log(), "SIP/2.0 183")
        final = sdp_of(pbx.log(), "SIP/2.0 200")
        self.assertEqual(audio_address(early)[0], "127.0.0.1", early)
        self.assertEqual(audio_address(early), audio_address(final))  # one relay stream
        self.assertNotIn(CARRIER_A_IP, early)
        (row,) = self.finish()
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertGreater(row["ring_ms"], 0)
        # ~100 packets of early media from the callee, echoed back by the caller.
        self.assertGreater(row["callee_rtp_packets"], 50, row)
        self.assertGreater(row["caller_rtp_packets"], 50, row)

    def test_hold_and_resume_keep_the_stream_on_the_relay(self):
        carrier = self.peer("uas_hold.xml", CARRIER_A_IP, self.a_port).start()
        pbx = self.peer("uac_hold.xml", PBX_IP, self.pbx_port, self.target, extra=["-s", "4155551234"])
        self.assert_ok(pbx.run(), pbx, carrier)
        self.assert_ok(carrier.wait(), carrier)
        log = carrier.log().replace("\r\n", "\n")
        offers = [b.split("\n\n", 1)[1] for b in log.split("\n\n-----")
                  if "INVITE sip:" in b and "m=audio" in b]
        self.assertEqual(len(offers), 3, log[-3000:])  # initial, hold, resume
        addresses = {audio_address(o) for o in offers}
        self.assertEqual(len(addresses), 1, offers)  # same relay address and port throughout
        self.assertEqual(next(iter(addresses))[0], "127.0.0.1")
        self.assertIn("a=sendonly", offers[1])
        self.assertNotIn("a=sendonly", offers[2])
        versions = [int(re.search(r"o=\S+ \d+ (\d+)", o).group(1)) for o in offers]
        self.assertEqual(versions, sorted(versions))
        self.assertLess(versions[0], versions[1])  # each changed offer bumps o= (RFC 3264 §8)
        (row,) = self.finish()
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertEqual(row["media_anchored"], 1)

    def test_no_media_ends_the_answered_call_with_its_own_disposition(self):
        carrier = self.peer("uas_answer.xml", CARRIER_A_IP, self.a_port).start()
        pbx = self.peer("../media/uac_silent.xml", PBX_IP, self.pbx_port, self.target,
                        extra=["-s", "+14155551234"], timeout=40)
        # Nobody sends RTP: after 5 s the relay says so and Trunkline hangs up both sides.
        self.assert_ok(pbx.run(), pbx, carrier)
        self.assert_ok(carrier.wait(), carrier)
        self.assertIn("BYE sip:", pbx.log())
        (row,) = self.finish()
        self.assertEqual(row["disposition"], NO_MEDIA)
        self.assertEqual(row["hangup_by"], SYSTEM)
        self.assertEqual(row["caller_rtp_packets"], 0)
        self.assertGreaterEqual(row["duration_ms"], 4500)


if __name__ == "__main__":
    unittest.main()
