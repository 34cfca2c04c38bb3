"""Transcoding through the real binary (issue 4): the PBX (SIPp, 127.0.0.2) offers PCMU only
and sends a 1 kHz tone; the carrier (SIPp answering on 127.0.0.3) takes only PCMA, or only
G.729, and its media port is this test's own RTP endpoint, which decodes what arrives and
checks the tone survived — frequency (Goertzel) and level — and sends audio back.

    PBX --PCMU 20 ms--> Trunkline relay --PCMA 20 ms / G.729 30 ms--> test endpoint
"""
import math
import os
import socket
import struct
import time
import unittest

from calls import CARRIER_A_IP, PBX_IP, Peer, cdrs, provision, setup_toml
from harness import Trunkline, free_port
from test_media import audio_address, sdp_of, tone_ulaw

MEDIA_CONFIG = """
[media]
port_min = 43000
port_max = 43999
no_media_timeout_s = 10
"""


def alaw_decode(code):
    """G.711 A-law to linear (ITU-T G.711 table; even bits inverted on the wire)."""
    code ^= 0x55
    sign = code & 0x80
    exp = (code >> 4) & 0x07
    mant = code & 0x0F
    mag = (mant << 4) + 8 if exp == 0 else ((mant << 4) + 0x108) << (exp - 1)
    return mag if sign else -mag


def alaw_encode(sample):
    sign = 0x80 if sample >= 0 else 0
    mag = min(abs(sample), 32767) >> 3
    if mag < 32:
        code = mag >> 1
    else:
        exp = mag.bit_length() - 5
        code = (exp << 4) | ((mag >> exp) & 0x0F)
    return (sign | code) ^ 0x55


def goertzel_share(samples, hz, rate=8000):
    """Share of the signal's power at `hz` (1.0 = a pure tone)."""
    w = 2 * math.pi * hz / rate
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + 2 * math.cos(w) * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - 2 * math.cos(w) * s1 * s2
    total = sum(x * x for x in samples)
    return 2 * power / (len(samples) * total) if total else 0.0


def rms(samples):
    return math.sqrt(sum(x * x for x in samples) / len(samples)) if samples else 0.0


class RtpEndpoint:
    """The carrier's media: collects RTP from the relay and answers each packet with one of
    its own (A-law tone) to where it came from, so the reverse direction runs too."""

    def __init__(self, ip):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.port = self.sock.getsockname()[1]
        self.packets = []
        self.seq = 1

    def run(self, seconds, reply_pt=8, reply_bytes=160):
        self.sock.settimeout(0.2)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                data, src = self.sock.recvfrom(2048)
            except socket.timeout:
                if self.packets:
                    break  # the stream stopped (the call is ending)
                continue
            self.packets.append(data)
            if reply_pt is not None:
                tone = bytes(alaw_encode(int(6000 * math.sin(2 * math.pi * 400 * (self.seq * reply_bytes + n) / 8000)))
                             for n in range(reply_bytes))
                hdr = struct.pack("!BBHII", 0x80, reply_pt, self.seq & 0xFFFF, self.seq * reply_bytes, 0xCA7)
                self.sock.sendto(hdr + tone, src)
                self.seq += 1

    def close(self):
        self.sock.close()


def parse_rtp(p):
    b0, b1, seq, ts, ssrc = struct.unpack("!BBHII", p[:12])
    cc = b0 & 0x0F
    return {"pt": b1 & 0x7F, "marker": bool(b1 & 0x80), "seq": seq, "ts": ts, "ssrc": ssrc,
            "payload": p[12 + 4 * cc:]}


class TranscodeTest(unittest.TestCase):
    def setUp(self):
        self.pbx_port = free_port(PBX_IP)
        self.a_port = free_port(CARRIER_A_IP)
        self.tl = Trunkline(config_text=MEDIA_CONFIG)
        provision(self.tl.data_dir, setup_toml(self.pbx_port, self.a_port, free_port("127.0.0.4")))
        self.tl.start()
        self.target = f"127.0.0.1:{self.tl.port}"
        self.peers = []
        self.rtp = RtpEndpoint(CARRIER_A_IP)

    def tearDown(self):
        for p in self.peers:
            p.stop()
        self.rtp.close()
        self.tl.stop()

    def call(self, carrier_scenario, ptime, reply_pt):
        carrier = Peer(carrier_scenario, CARRIER_A_IP, self.a_port,
                       extra=["-set", "mport", str(self.rtp.port), "-set", "ptime", str(ptime)])
        self.peers.append(carrier)
        carrier.start()
        media_port = free_port(PBX_IP)
        pbx = Peer("../media/uac_rtp.xml", PBX_IP, self.pbx_port, self.target,
                   extra=["-s", "+14155551234", "-mi", PBX_IP, "-mp", str(media_port)])
        self.peers.append(pbx)
        tone_ulaw(os.path.join(pbx.workdir, "tone.ulaw"))
        pbx.start()
        self.rtp.run(12, reply_pt=reply_pt)
        ok = pbx.wait() == 0 and carrier.wait() == 0
        self.assertTrue(ok, "\n".join(p.report() for p in (pbx, carrier)) + self.tl.log_text()[-4000:])
        return pbx, carrier

    def check_stream(self, pt, payload_bytes, ts_step):
        pkts = [parse_rtp(p) for p in self.rtp.packets]
        self.assertGreater(len(pkts), 1500 // (ts_step // 8), "too little audio reached the carrier")
        self.assertEqual({p["pt"] for p in pkts}, {pt})
        self.assertEqual(len({p["ssrc"] for p in pkts}), 1)  # one source: the transcoder
        self.assertEqual({len(p["payload"]) for p in pkts}, {payload_bytes})
        for a, b in zip(pkts, pkts[1:]):
            self.assertEqual((b["seq"] - a["seq"]) & 0xFFFF, 1)
            self.assertEqual((b["ts"] - a["ts"]) & 0xFFFFFFFF, ts_step)
        return pkts

    def test_pcmu_caller_pcma_carrier_tone_survives(self):
        pbx, carrier = self.call("../media/uas_transcode_pcma.xml", 20, reply_pt=8)
        offer = sdp_of(carrier.log(), "INVITE sip:")
        answer = sdp_of(pbx.log(), "SIP/2.0 200")
        # The carrier was offered PCMU and what we can transcode to; the PBX hears only PCMU.
        self.assertRegex(offer, r"m=audio \d+ RTP/AVP 0 101 8 18 ")
        self.assertRegex(answer, r"m=audio \d+ RTP/AVP 0( 101)?\r?\n")
        self.assertNotIn("PCMA", answer)
        self.assertEqual(audio_address(answer)[0], "127.0.0.1")

        pkts = self.check_stream(pt=8, payload_bytes=160, ts_step=160)
        pcm = [alaw_decode(c) for p in pkts[5:-5] for c in p["payload"]]
        self.assertGreater(goertzel_share(pcm, 1000), 0.9)   # still a 1 kHz tone
        self.assertLess(goertzel_share(pcm, 1300), 0.02)
        level = rms(pcm)
        self.assertAlmostEqual(level, 8000 / math.sqrt(2), delta=0.1 * 8000 / math.sqrt(2))

        # The reverse direction (A-law from the carrier → µ-law to the PBX) ran too.
        self.assertEqual(self.tl.stop(), 0)
        rows = cdrs(self.tl.data_dir)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["disposition"], 0)  # answered
        # The relay received the carrier's A-law replies (one per packet it got) and the
        # PBX's µ-law stream; both directions were relayed through the transcoders.
        self.assertGreater(rows[0]["callee_rtp_packets"], len(pkts) // 2)
        self.assertGreater(rows[0]["caller_rtp_packets"], len(pkts) // 2)

    def test_pcmu_caller_g729_carrier_ptime_30(self):
        self.call("../media/uas_transcode_g729.xml", 30, reply_pt=None)
        # 30 ms of G.729 is three 10-byte frames, 240 timestamp units.
        self.check_stream(pt=18, payload_bytes=30, ts_step=240)


if __name__ == "__main__":
    unittest.main()
