"""SRTP (SDES, RFC 4568) through the real binary, per-trunk and per-carrier policy.

Small Python SIP endpoints do the signalling for the PBX (127.0.0.2) and the carrier
(127.0.0.3); the media on each side is test/tools/srtp_peer (libsrtp2), listening on the
port its side's SDP names and started with what that side was told (relay port, our key). Each peer sends numbered packets with a known payload pattern and checks
what arrives, so "payloadOk == received" means the relay decrypted (or encrypted) right.

  CDR disposition: Answered = 0, Failed = 3."""
import base64
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from calls import CARRIER_A_IP, PBX_IP, cdrs, provision, setup_toml
from harness import BINARY, TMP_ROOT, Trunkline, free_port

ANSWERED, FAILED = 0, 3
SUITE = "AES_CM_128_HMAC_SHA1_80"
SRTP_PEER = os.environ.get("TL_SRTP_PEER", os.path.join(
    os.path.dirname(os.path.abspath(BINARY)), "../../test/tools/srtp_peer"))

MEDIA_CONFIG = """
[media]
port_min = 43000
port_max = 43499
no_media_timeout_s = 10
"""


def new_key():
    return base64.b64encode(os.urandom(30)).decode()  # 16-byte key + 14-byte salt


def sdp_body(user, ip, media_port, proto, key):
    crypto = f"a=crypto:1 {SUITE} inline:{key}\r\n" if key else ""
    return (f"v=0\r\no={user} 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
            f"m=audio {media_port} {proto} 0\r\na=rtpmap:0 PCMU/8000\r\n{crypto}a=sendrecv\r\n")


def media_of(msg):
    """(port, proto, tag-1 key or None) of a message's SDP; the key of the line with tag 1
    (what we offered first, or what was answered)."""
    body = msg.split("\r\n\r\n", 1)[1] if "\r\n\r\n" in msg else ""
    m = re.search(r"^m=audio (\d+) (\S+)", body, re.M)
    c = re.search(r"^a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)", body, re.M)
    return (int(m.group(1)), m.group(2), c.group(3) if c else None) if m else None


def hdr(msg, name):
    for line in msg.split("\r\n")[1:]:
        if not line:
            break
        k, _, v = line.partition(":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return None


class SipSocket:
    """A bare UDP SIP endpoint (the peers here need only one dialog each)."""

    def __init__(self, ip, port=0):
        self.ip = ip
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, port))
        self.port = self.sock.getsockname()[1]
        self.log = []

    def send(self, text, addr):
        self.log.append(text)
        self.sock.sendto(text.encode(), addr)

    def recv(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data, addr = self.sock.recvfrom(65535)
        except socket.timeout:
            return None, None
        text = data.decode("utf-8", "replace")
        self.log.append(text)
        return text, addr

    def close(self):
        self.sock.close()


class Carrier(threading.Thread):
    """Answers one INVITE with its SDP (plain or SRTP with its own key), then the BYE."""

    def __init__(self, ip, port, media_port, key):
        super().__init__(daemon=True)
        self.sip = SipSocket(ip, port)
        self.media_port, self.key = media_port, key
        self.offer = None  # (port, proto, key) of the INVITE's SDP
        self.offered = threading.Event()
        self.done = False

    def run(self):
        deadline = time.monotonic() + 30
        answer = None
        while time.monotonic() < deadline and not self.done:
            msg, addr = self.sip.recv(0.5)
            if msg is None:
                continue
            first = msg.split("\r\n", 1)[0]
            if first.startswith("INVITE "):
                if answer is None:
                    self.offer = media_of(msg)
                    self.offered.set()
                    body = sdp_body("carrier", self.sip.ip, self.media_port,
                                    "RTP/SAVP" if self.key else "RTP/AVP", self.key)
                    answer = self.response(msg, "200 OK", f"Contact: <sip:carrier@{self.sip.ip}:{self.sip.port}>\r\n"
                                           "Content-Type: application/sdp\r\n", body)
                self.sip.send(answer, addr)
            elif first.startswith("BYE "):
                self.sip.send(self.response(msg, "200 OK"), addr)
                self.done = True

    @staticmethod
    def response(req, status, extra="", body=""):
        to = hdr(req, "To")
        if ";tag=" not in to:
            to += ";tag=carrier1"
        return (f"SIP/2.0 {status}\r\nVia: {hdr(req, 'Via')}\r\nFrom: {hdr(req, 'From')}\r\nTo: {to}\r\n"
                f"Call-ID: {hdr(req, 'Call-ID')}\r\nCSeq: {hdr(req, 'CSeq')}\r\n{extra}"
                f"Content-Length: {len(body)}\r\n\r\n{body}")


class Pbx:
    """The customer's PBX calling out through its trunk: INVITE with SDP, ACK, later BYE."""

    def __init__(self, ip, target_port):
        self.sip = SipSocket(ip)
        self.target = ("127.0.0.1", target_port)
        self.call_id = f"srtp-{os.getpid()}-{time.monotonic_ns()}@{ip}"
        self.from_ = f"<sip:+14155550100@{ip}>;tag=pbx1"
        self.ruri = f"sip:+14155551234@127.0.0.1:{target_port}"

    def request(self, method, ruri, cseq, to, branch, body="", extra=""):
        ctype = "Content-Type: application/sdp\r\n" if body else ""
        return (f"{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {self.sip.ip}:{self.sip.port};branch={branch};rport\r\n"
                f"Max-Forwards: 70\r\nFrom: {self.from_}\r\nTo: {to}\r\nCall-ID: {self.call_id}\r\n"
                f"CSeq: {cseq} {method}\r\nContact: <sip:pbx@{self.sip.ip}:{self.sip.port}>\r\n{extra}{ctype}"
                f"Content-Length: {len(body)}\r\n\r\n{body}")

    def invite(self, body):
        """Sends the INVITE until a final response; ACKs it. Returns the final response."""
        to = f"<sip:+14155551234@127.0.0.1:{self.target[1]}>"
        branch = "z9hG4bK-inv-" + str(time.monotonic_ns())
        invite = self.request("INVITE", self.ruri, 1, to, branch, body)
        deadline = time.monotonic() + 20
        provisional = False
        while time.monotonic() < deadline:
            if not provisional:
                self.sip.send(invite, self.target)
            msg, _ = self.sip.recv(0.5)
            if msg is None or not msg.startswith("SIP/2.0 "):
                continue
            code = int(msg.split(" ", 2)[1])
            if code < 200:
                provisional = True
                continue
            self.to = hdr(msg, "To")
            if code >= 300:  # §17.1.1.3: same branch, hop by hop
                self.sip.send(self.request("ACK", self.ruri, 1, self.to, branch), self.target)
            else:
                contact = re.search(r"<([^>]+)>", hdr(msg, "Contact") or f"<{self.ruri}>").group(1)
                self.remote = contact
                self.sip.send(self.request("ACK", contact, 1, self.to, "z9hG4bK-ack-" + str(time.monotonic_ns())),
                              self.target)
            return msg
        return None

    def bye(self):
        bye = self.request("BYE", self.remote, 2, self.to, "z9hG4bK-bye-" + str(time.monotonic_ns()))
        for _ in range(10):
            self.sip.send(bye, self.target)
            msg, _ = self.sip.recv(0.5)
            while msg is not None and not (msg.startswith("SIP/2.0 ") and "BYE" in (hdr(msg, "CSeq") or "")):
                msg, _ = self.sip.recv(0.5)
            if msg is not None:
                return msg
        return None


@unittest.skipUnless(os.path.exists(SRTP_PEER), f"srtp_peer not built ({SRTP_PEER})")
class SrtpTest(unittest.TestCase):
    def setUp(self):
        self.pbx_port = free_port(PBX_IP)
        self.a_port = free_port(CARRIER_A_IP)
        self.tl = Trunkline(config_text=MEDIA_CONFIG)
        self.procs, self.socks = [], []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait(5)
        for s in self.socks:
            s.close()
        self.tl.stop()

    def start(self, trunk_srtp, carrier_srtp):
        text = setup_toml(self.pbx_port, self.a_port, free_port("127.0.0.4"))
        text = text.replace('name = "pbx"\n', f'name = "pbx"\nsrtp = "{trunk_srtp}"\n', 1)
        text = text.replace('name = "carrier-a"\n', f'name = "carrier-a"\nsrtp = "{carrier_srtp}"\n', 1)
        provision(self.tl.data_dir, text)
        self.tl.start()

    def media_peer(self, listen, send_to, send_key, recv_key):
        args = [SRTP_PEER, "--listen", listen, "--send-to", send_to, "--count", "100",
                "--interval-ms", "20", "--expect", "80", "--timeout-ms", "5000"]
        args += ["--suite", SUITE, "--key", send_key] if send_key else ["--suite", "none"]
        args += ["--recv-suite", SUITE, "--recv-key", recv_key] if recv_key else ["--recv-suite", "none"]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.procs.append(p)
        return p

    @staticmethod
    def summary(proc):
        out, err = proc.communicate(timeout=20)
        lines = [l for l in out.splitlines() if l.startswith("{")]
        assert lines, out + err
        return json.loads(lines[-1])

    def call(self, pbx_srtp, carrier_srtp):
        """One answered call with audio both ways; returns what each side was told and
        what each side's media peer received."""
        pbx_media, carrier_media = free_port(PBX_IP), free_port(CARRIER_A_IP)
        pbx_key = new_key() if pbx_srtp else None
        carrier_key = new_key() if carrier_srtp else None
        carrier = Carrier(CARRIER_A_IP, self.a_port, carrier_media, carrier_key)
        self.socks.append(carrier.sip)
        carrier.start()
        pbx = Pbx(PBX_IP, self.tl.port)
        self.socks.append(pbx.sip)
        final = pbx.invite(sdp_body("pbx", PBX_IP, pbx_media, "RTP/SAVP" if pbx_srtp else "RTP/AVP", pbx_key))
        self.assertIsNotNone(final, self.tl.log_text()[-3000:])
        self.assertTrue(final.startswith("SIP/2.0 200"), final + self.tl.log_text()[-3000:])
        self.assertTrue(carrier.offered.wait(5))
        offer, answer = carrier.offer, media_of(final)
        # The PBX sends with its key and decrypts with ours from the answer; the carrier
        # likewise with the tag-1 key of our offer.
        pbx_peer = self.media_peer(f"{PBX_IP}:{pbx_media}", f"127.0.0.1:{answer[0]}", pbx_key,
                                   answer[2] if pbx_srtp else None)
        carrier_peer = self.media_peer(f"{CARRIER_A_IP}:{carrier_media}", f"127.0.0.1:{offer[0]}",
                                       carrier_key, offer[2] if carrier_srtp else None)
        pbx_report, carrier_report = self.summary(pbx_peer), self.summary(carrier_peer)
        bye = pbx.bye()
        self.assertIsNotNone(bye)
        self.assertTrue(bye.startswith("SIP/2.0 200"), bye)
        carrier.join(10)
        return dict(pbx=pbx_report, carrier=carrier_report, offer=offer, answer=answer, pbx_key=pbx_key,
                    carrier_key=carrier_key, pbx_log="".join(pbx.sip.log), carrier_log="".join(carrier.sip.log))

    def assert_audio(self, report):
        self.assertGreaterEqual(report["received"], 80, report)
        self.assertEqual(report["payloadOk"], report["received"], report)  # decrypted content
        self.assertEqual(report["dropped"], {}, report)

    def test_srtp_pbx_to_plain_carrier_audio_both_ways(self):
        self.start("required", "off")
        c = self.call(pbx_srtp=True, carrier_srtp=False)
        # The carrier was offered plain RTP; the PBX got RTP/SAVP with a key of ours.
        self.assertEqual(c["offer"][1], "RTP/AVP")
        self.assertIsNone(c["offer"][2])
        self.assertNotIn("a=crypto", c["carrier_log"])
        self.assertEqual(c["answer"][1], "RTP/SAVP")
        self.assertIsNotNone(c["answer"][2])
        self.assertNotEqual(c["answer"][2], c["pbx_key"])
        self.assert_audio(c["pbx"])      # what the carrier sent, encrypted by the relay
        self.assert_audio(c["carrier"])  # what the PBX sent, decrypted by the relay
        self.assertEqual(self.tl.stop(), 0)
        (row,) = cdrs(self.tl.data_dir)
        self.assertEqual(row["disposition"], ANSWERED)
        self.assertGreaterEqual(row["caller_rtp_packets"], 80, row)
        self.assertGreaterEqual(row["callee_rtp_packets"], 80, row)

    def test_srtp_on_both_legs_is_reencrypted_with_each_legs_keys(self):
        self.start("required", "required")
        c = self.call(pbx_srtp=True, carrier_srtp=True)
        self.assertEqual(c["offer"][1], "RTP/SAVP")
        self.assertEqual(c["answer"][1], "RTP/SAVP")
        self.assertNotIn(c["offer"][2], (c["pbx_key"], c["carrier_key"]))
        self.assertNotIn(c["answer"][2], (c["pbx_key"], c["carrier_key"], c["offer"][2]))
        self.assert_audio(c["pbx"])
        self.assert_audio(c["carrier"])
        self.assertNotIn(c["pbx_key"], c["carrier_log"])  # no key crosses legs
        self.assertNotIn(c["carrier_key"], c["pbx_log"])

    def test_required_trunk_offering_plain_rtp_gets_488_and_a_cdr(self):
        self.start("required", "off")
        pbx = Pbx(PBX_IP, self.tl.port)
        self.socks.append(pbx.sip)
        final = pbx.invite(sdp_body("pbx", PBX_IP, free_port(PBX_IP), "RTP/AVP", None))
        self.assertIsNotNone(final)
        self.assertTrue(final.startswith("SIP/2.0 488"), final)
        self.assertEqual(self.tl.stop(), 0)
        (row,) = cdrs(self.tl.data_dir)
        self.assertEqual(row["final_code"], 488, row)
        self.assertEqual(row["disposition"], FAILED, row)
        self.assertEqual(row["attempts"][0]["sip_code"], 488, row)
        self.assertIn("SRTP is required", self.tl.log_text())
        self.assertEqual(row["attempts"][0]["reason"], "SRTP required: offer without usable crypto", row)

    def test_required_carrier_answering_plain_rtp_is_released_and_the_caller_gets_488(self):
        # Issue 4: the carrier (srtp = required) answers our RTP/SAVP offer with plain
        # RTP/AVP. Its 2xx is ACKed and BYEd; the caller never gets a 2xx without usable
        # media but 488 (no failover: 488 is not in the default failover codes).
        self.start("off", "required")
        carrier = Carrier(CARRIER_A_IP, self.a_port, free_port(CARRIER_A_IP), None)
        self.socks.append(carrier.sip)
        carrier.start()
        pbx = Pbx(PBX_IP, self.tl.port)
        self.socks.append(pbx.sip)
        final = pbx.invite(sdp_body("pbx", PBX_IP, free_port(PBX_IP), "RTP/AVP", None))
        self.assertIsNotNone(final, self.tl.log_text()[-3000:])
        self.assertTrue(final.startswith("SIP/2.0 488"), final)
        self.assertTrue(carrier.offered.wait(5))
        self.assertEqual(carrier.offer[1], "RTP/SAVP")
        self.assertIsNotNone(carrier.offer[2])
        carrier.join(10)  # it ends when it has answered our BYE
        self.assertTrue(carrier.done, "".join(carrier.sip.log))
        requests = [m.split(" ", 1)[0] for m in carrier.sip.log if not m.startswith("SIP/2.0")]
        self.assertIn("ACK", requests)
        self.assertLess(requests.index("ACK"), requests.index("BYE"))  # §13.2.2.4: ACK, then BYE
        self.assertEqual(self.tl.stop(), 0)
        (row,) = cdrs(self.tl.data_dir)
        self.assertEqual(row["final_code"], 488, row)
        self.assertEqual(row["disposition"], FAILED, row)
        self.assertEqual(len(row["attempts"]), 1, row)
        self.assertEqual(row["attempts"][0]["sip_code"], 488, row)
        self.assertEqual(row["attempts"][0]["reason"], "SRTP required: answer without usable crypto", row)


if __name__ == "__main__":
    unittest.main()
