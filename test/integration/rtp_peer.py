"""A Python RTP endpoint for media-path tests: one UDP socket that sends RTP packets with a
real header (RFC 3550 §5.1) and records every datagram it receives with its source address
and the IP TOS byte the packet arrived with (IP_RECVTOS; on loopback the sender's marking is
kept), so tests can assert what reached whom, from where, and with which DSCP.

Loopback only, every wait bounded; nothing runs in the background."""
import select
import socket
import struct
import time

# Linux values (not every Python exports them).
IP_RECVTOS = getattr(socket, "IP_RECVTOS", 13)
IP_TOS = getattr(socket, "IP_TOS", 1)
IPV6_RECVTCLASS = getattr(socket, "IPV6_RECVTCLASS", 66)
IPV6_TCLASS = getattr(socket, "IPV6_TCLASS", 67)

RTP_HEADER = struct.Struct("!BBHII")


class Datagram:
    """One received datagram: bytes, source (ip, port), TOS byte (None if not reported)."""

    def __init__(self, data, src, tos, at):
        self.data, self.src, self.tos, self.at = data, src, tos, at

    @property
    def dscp(self):
        return None if self.tos is None else self.tos >> 2

    def rtp(self):
        """(payload type, sequence, timestamp, ssrc, payload) or None if not RTP version 2."""
        if len(self.data) < RTP_HEADER.size or self.data[0] >> 6 != 2:
            return None
        b0, b1, seq, ts, ssrc = RTP_HEADER.unpack_from(self.data)
        start = RTP_HEADER.size + 4 * (b0 & 0x0F)
        return (b1 & 0x7F, seq, ts, ssrc, self.data[start:])


def enable_recv_tos(sock):
    """Ask the kernel to report each received packet's TOS / traffic class byte."""
    if sock.family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVTCLASS, 1)
    else:
        sock.setsockopt(socket.IPPROTO_IP, IP_RECVTOS, 1)


def recv_with_tos(sock, bufsize=65535):
    """recvmsg() one datagram; returns a Datagram with the TOS byte from the ancillary data."""
    data, anc, _flags, src = sock.recvmsg(bufsize, socket.CMSG_SPACE(4))
    tos = None
    for level, ctype, cdata in anc:
        if level == socket.IPPROTO_IP and ctype == IP_TOS and cdata:
            tos = cdata[0]  # IP_TOS ancillary data is one byte
        elif level == socket.IPPROTO_IPV6 and ctype == IPV6_TCLASS and len(cdata) >= 4:
            tos = struct.unpack("i", cdata[:4])[0]
    return Datagram(data, src[:2], tos, time.monotonic())


class RtpPeer:
    """One RTP socket on `ip` (port 0 = any free port), with its own SSRC and sequence."""

    def __init__(self, ip="127.0.0.1", port=0, ssrc=0x1234ABCD, pt=0, marker=b"\xd5"):
        self.sock = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, port))
        enable_recv_tos(self.sock)
        self.ip, self.port = self.sock.getsockname()[:2]
        self.ssrc, self.pt, self.seq, self.ts = ssrc, pt, 1000, 160000
        self.marker = marker  # fills the payload, so packets say who sent them
        self.received = []
        self.sent = 0

    def packet(self, payload=None, ssrc=None):
        self.seq = (self.seq + 1) & 0xFFFF
        self.ts = (self.ts + 160) & 0xFFFFFFFF
        body = payload if payload is not None else self.marker * 160
        header = RTP_HEADER.pack(0x80, self.pt & 0x7F, self.seq, self.ts,
                                 self.ssrc if ssrc is None else ssrc)
        return header + body

    def send(self, dest, count=1, gap=0.0, ssrc=None):
        """Sends `count` packets of 20 ms PCMU to dest (ip, port), `gap` seconds apart."""
        for i in range(count):
            self.sock.sendto(self.packet(ssrc=ssrc), dest)
            self.sent += 1
            if gap and i + 1 < count:
                time.sleep(gap)

    def collect(self, quiet=0.3, limit=5.0, max_packets=5000):
        """Reads until nothing arrives for `quiet` s (or `limit` s in all, or max_packets);
        appends to and returns self.received's new entries."""
        new = []
        deadline = time.monotonic() + limit
        while len(new) < max_packets:
            left = min(quiet, deadline - time.monotonic())
            if left <= 0:
                break
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                break
            new.append(recv_with_tos(self.sock))
        self.received += new
        return new

    def wait_for(self, count, limit=5.0):
        """Reads until `count` datagrams arrived in all (or `limit` s); returns the new ones."""
        new = []
        deadline = time.monotonic() + limit
        while len(self.received) + len(new) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                break
            new.append(recv_with_tos(self.sock))
        self.received += new
        return new

    def close(self):
        self.sock.close()


def exchange(pairs, count, gap=0.01):
    """Each (peer, dest) in `pairs` sends `count` packets, interleaved, `gap` s apart: a
    two-way call in miniature. Received packets wait in the sockets' buffers (collect them)."""
    for _ in range(count):
        for peer, dest in pairs:
            peer.send(dest)
        time.sleep(gap)


def payloads(datagrams):
    return [d.rtp()[4] for d in datagrams if d.rtp()]
