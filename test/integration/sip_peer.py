"""A small SIP user agent over UDP for media-path tests, so one Python test can play the PBX
and the carrier and decide exactly when each side sends RTP relative to the signalling
(early media before the answer, RTP from somewhere else than the SDP says, re-INVITEs).

It implements only what those flows need (RFC 3261 in a straight line: INVITE, provisional
and final responses, ACK, re-INVITE, BYE; no retransmission of our own requests, which is
fine on loopback with bounded waits). Received messages that a wait does not want are kept
and offered to the next wait, so nothing is lost to ordering. Every wait is bounded."""
import re
import select
import socket
import time

from harness import rand_token
from rtp_peer import enable_recv_tos, recv_with_tos

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "c": "content-type"}


class SipMessage:
    def __init__(self, text, src=None, tos=None):
        self.text = text
        self.src = src
        self.tos = tos
        head, _, self.body = text.replace("\r\n", "\n").partition("\n\n")
        lines = head.split("\n")
        self.first_line = lines[0]
        self.headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:  # continuation line
                name, value = self.headers[-1]
                self.headers[-1] = (name, value + " " + line.strip())
                continue
            name, _, value = line.partition(":")
            name = name.strip().lower()
            self.headers.append((COMPACT.get(name, name), value.strip()))

    @property
    def is_response(self):
        return self.first_line.startswith("SIP/2.0 ")

    @property
    def status(self):
        return int(self.first_line.split()[1]) if self.is_response else None

    @property
    def method(self):
        if self.is_response:
            return self.header("cseq").split()[1]
        return self.first_line.split()[0]

    def header(self, name):
        name = name.lower()
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def all(self, name):
        return [v for n, v in self.headers if n == name.lower()]

    def uri_of(self, name):
        """The URI inside <...> of a header (Contact), or its value up to ';'."""
        v = self.header(name) or ""
        m = re.search(r"<([^>]+)>", v)
        return m.group(1) if m else v.split(";")[0].strip()

    def tag(self, name):
        m = re.search(r";\s*tag=([^;>\s]+)", self.header(name) or "")
        return m.group(1) if m else None


def sdp(ip, port, direction="sendrecv", version=1, session="pbx"):
    return (f"v=0\r\no={session} 4242 {version} IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
            f"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na={direction}\r\n")


def audio_of(body):
    """(connection address, audio port, direction attribute) of an SDP body."""
    c = re.search(r"^c=IN IP[46] (\S+)", body, re.M)
    m = re.search(r"^m=audio (\d+)", body, re.M)
    d = re.search(r"^a=(sendrecv|sendonly|recvonly|inactive)\s*$", body, re.M)
    return (c.group(1) if c else None, int(m.group(1)) if m else None,
            d.group(1) if d else "sendrecv")


class SipPeer:
    """One UDP SIP socket (a PBX or a carrier) with a backlog of unclaimed messages."""

    def __init__(self, ip, port, user="pbx", record_tos=False):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, port))
        if record_tos:
            enable_recv_tos(self.sock)
        self.ip, self.port, self.user = ip, port, user
        self.backlog = []
        self.log = []  # every message received, in order

    def close(self):
        self.sock.close()

    def send(self, text, dest):
        self.sock.sendto(text.replace("\r\n", "\n").replace("\n", "\r\n").encode(), dest)

    def wait(self, pred, what, timeout=5.0):
        """The first message (backlog first) for which pred(msg) holds; AssertionError naming
        `what` and everything seen if none arrives within `timeout` seconds."""
        for i, m in enumerate(self.backlog):
            if pred(m):
                return self.backlog.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                seen = "\n".join(m.first_line for m in self.log[-20:])
                raise AssertionError(f"{self.ip}:{self.port}: no {what} within {timeout}s; seen:\n{seen}")
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                continue
            d = recv_with_tos(self.sock)
            text = d.data.decode("utf-8", "replace")
            if not text.strip():
                continue  # keep-alive
            m = SipMessage(text, d.src, d.tos)
            self.log.append(m)
            if pred(m):
                return m
            self.backlog.append(m)

    def response(self, code, req, to_tag=None, body="", reason=None):
        """A response to `req` (its Via, From, To, Call-ID, CSeq copied back)."""
        reasons = {100: "Trying", 180: "Ringing", 183: "Session Progress", 200: "OK"}
        to = req.header("to")
        if to_tag and ";tag=" not in to:
            to += f";tag={to_tag}"
        lines = [f"SIP/2.0 {code} {reason or reasons.get(code, 'Whatever')}"]
        lines += [f"Via: {v}" for v in req.all("via")]
        lines += [f"From: {req.header('from')}", f"To: {to}", f"Call-ID: {req.header('call-id')}",
                  f"CSeq: {req.header('cseq')}",
                  f"Contact: <sip:{self.user}@{self.ip}:{self.port}>"]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body.encode())}")
        return "\r\n".join(lines) + "\r\n\r\n" + body

    def reply(self, req, code, to_tag=None, body="", reason=None):
        self.send(self.response(code, req, to_tag, body, reason), req.src)


class UacDialog:
    """The PBX's side of one call placed through Trunkline (target = Trunkline's address)."""

    def __init__(self, peer, target, to_user, from_user="+14155550100"):
        self.peer, self.target = peer, target
        self.call_id = rand_token(16) + "@pbx"
        self.from_tag = rand_token(8)
        self.to_user, self.from_user = to_user, from_user
        self.cseq = 0
        self.remote_uri = f"sip:{to_user}@{target[0]}:{target[1]}"
        self.to_tag = None

    def _request(self, method, uri, cseq, body="", branch=None):
        p = self.peer
        to = f"<sip:{self.to_user}@{self.target[0]}:{self.target[1]}>"
        if self.to_tag:
            to += f";tag={self.to_tag}"
        lines = [f"{method} {uri} SIP/2.0",
                 f"Via: SIP/2.0/UDP {p.ip}:{p.port};branch=z9hG4bK{branch or rand_token(12)};rport",
                 f"From: <sip:{self.from_user}@{p.ip}:{p.port}>;tag={self.from_tag}",
                 f"To: {to}", f"Call-ID: {self.call_id}", f"CSeq: {cseq} {method}",
                 f"Contact: <sip:{p.user}@{p.ip}:{p.port}>", "Max-Forwards: 70"]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body.encode())}")
        p.send("\r\n".join(lines) + "\r\n\r\n" + body, self.target)

    def _mine(self, method, cseq):
        return lambda m: (m.is_response and m.header("call-id") == self.call_id
                          and m.header("cseq") == f"{cseq} {method}")

    def invite(self, body):
        """Sends the INVITE (or a re-INVITE once the dialog exists); returns its CSeq."""
        self.cseq += 1
        uri = self.remote_uri
        self._request("INVITE", uri, self.cseq, body)
        self.invite_cseq = self.cseq
        return self.cseq

    def wait_response(self, codes, timeout=5.0):
        """The next response to the pending INVITE whose status is in `codes` (others before
        it that are in 100..199 are skipped; a final one not in `codes` fails)."""
        cseq = self.invite_cseq
        mine = self._mine("INVITE", cseq)
        while True:
            m = self.peer.wait(mine, f"response {codes} to INVITE {cseq}", timeout)
            if m.status in codes:
                if m.status >= 200 or m.tag("to"):
                    self.to_tag = self.to_tag or m.tag("to")
                if m.status >= 200:
                    contact = m.uri_of("contact")
                    if contact:
                        self.remote_uri = contact
                return m
            if m.status >= 200:
                raise AssertionError(f"INVITE {cseq} got {m.first_line}, wanted {codes}:\n{m.text}")

    def ack(self):
        self._request("ACK", self.remote_uri, self.invite_cseq)

    def bye(self, timeout=5.0):
        self.cseq += 1
        self._request("BYE", self.remote_uri, self.cseq)
        return self.peer.wait(self._mine("BYE", self.cseq), "200 to BYE", timeout)


class UasDialog:
    """The carrier's side of a call Trunkline places: built from the INVITE it received."""

    def __init__(self, peer, invite):
        self.peer, self.invite = peer, invite
        self.to_tag = rand_token(8)
        self.call_id = invite.header("call-id")

    @classmethod
    def accept(cls, peer, timeout=5.0):
        inv = peer.wait(lambda m: not m.is_response and m.method == "INVITE", "INVITE", timeout)
        return cls(peer, inv)

    def respond(self, code, body="", req=None):
        self.peer.reply(req or self.invite, code, self.to_tag, body)

    def wait_request(self, method, timeout=5.0):
        return self.peer.wait(lambda m: not m.is_response and m.method == method
                              and m.header("call-id") == self.call_id, method, timeout)

    def wait_ack(self, timeout=5.0):
        return self.wait_request("ACK", timeout)

    def answer_bye(self, timeout=5.0):
        bye = self.wait_request("BYE", timeout)
        self.peer.reply(bye, 200)
        return bye
