"""Bad input gets a clear answer and loses nothing: malformed requests get 400 with a reason
naming the problem (505 for a wrong version, 513 when too large), malformed responses and
garbage are dropped, and the node keeps serving."""
import os
import random
import socket
import unittest

from harness import Trunkline, UdpPeer, sipp, status_line, header, rand_token


def options(port, branch=None, extra="", mf=70, peer_port=40000, method="OPTIONS", cseq_method=None,
            version="SIP/2.0", transport="UDP"):
    branch = branch or "z9hG4bK-" + rand_token()
    return (f"{method} sip:127.0.0.1:{port} {version}\r\n"
            f"Via: SIP/2.0/{transport} 127.0.0.1:{peer_port};branch={branch};rport\r\n"
            f"Max-Forwards: {mf}\r\n"
            f"From: <sip:pbx@127.0.0.1>;tag={rand_token()}\r\n"
            f"To: <sip:127.0.0.1:{port}>\r\n"
            f"Call-ID: {rand_token()}@127.0.0.1\r\n"
            f"CSeq: 1 {cseq_method or method}\r\n"
            f"{extra}"
            f"Content-Length: 0\r\n\r\n")


class MalformedTest(unittest.TestCase):
    def setUp(self):
        self.tl = Trunkline(config_text="[sip]\nmax_message_size = 4096\n").start()
        self.peer = UdpPeer()

    def tearDown(self):
        self.peer.close()
        rc = self.tl.stop()
        self.assertEqual(rc, 0, self.tl.log_text())

    def ask(self, msg, timeout=3.0):
        self.peer.send(msg, self.tl.port)
        return self.peer.recv(timeout)

    def assert_alive(self):
        r = self.ask(options(self.tl.port, peer_port=self.peer.port))
        self.assertEqual(status_line(r), "SIP/2.0 200 OK", self.tl.log_text())

    def test_malformed_invite_sipp_gets_400_naming_problem(self):
        p = sipp("malformed_invite.xml", self.tl.port)
        self.assertEqual(p.returncode, 0, f"{p.stdout.decode()}\n{p.errors}\n{self.tl.log_text()}")

    def test_bad_content_length(self):
        msg = options(self.tl.port, peer_port=self.peer.port).replace("Content-Length: 0", "Content-Length: abc")
        r = self.ask(msg)
        self.assertTrue(status_line(r).startswith("SIP/2.0 400 "), r)
        self.assertIn("Content-Length", status_line(r))

    def test_missing_call_id(self):
        msg = "\r\n".join(l for l in options(self.tl.port, peer_port=self.peer.port).split("\r\n")
                          if not l.startswith("Call-ID"))
        r = self.ask(msg)
        self.assertTrue(status_line(r).startswith("SIP/2.0 400 "), r)
        self.assertIn("Call-ID", status_line(r))

    def test_wrong_version_gets_505(self):
        r = self.ask(options(self.tl.port, peer_port=self.peer.port, version="SIP/7.0"))
        self.assertEqual(status_line(r), "SIP/2.0 505 Version Not Supported")

    def test_too_large_gets_513(self):
        big = options(self.tl.port, peer_port=self.peer.port, extra="X-Pad: " + "a" * 5000 + "\r\n")
        r = self.ask(big)
        self.assertEqual(status_line(r), "SIP/2.0 513 Message Too Large")

    def test_max_forwards_zero_gets_483(self):
        r = self.ask(options(self.tl.port, peer_port=self.peer.port, method="INVITE", mf=0))
        self.assertEqual(status_line(r), "SIP/2.0 483 Too Many Hops")

    def test_request_through_us_again_gets_482(self):
        msg = options(self.tl.port, peer_port=self.peer.port, method="INVITE").replace(
            "Max-Forwards", f"Via: SIP/2.0/UDP 127.0.0.1:{self.tl.port};branch=z9hG4bK-ours\r\nMax-Forwards", 1)
        r = self.ask(msg)
        self.assertEqual(status_line(r), "SIP/2.0 482 Loop Detected")

    def test_unknown_method_501_and_unsupported_require_420(self):
        r = self.ask(options(self.tl.port, peer_port=self.peer.port, method="FROBNICATE"))
        self.assertEqual(status_line(r), "SIP/2.0 501 Not Implemented")
        self.assertIn("INVITE", header(r, "Allow"))
        r = self.ask(options(self.tl.port, peer_port=self.peer.port, extra="Require: x-unknown-ext\r\n"))
        self.assertEqual(status_line(r), "SIP/2.0 420 Bad Extension")
        self.assertEqual(header(r, "Unsupported"), "x-unknown-ext")

    def test_malformed_response_is_dropped(self):
        self.peer.send("SIP/2.0 2000 Bad\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\n\r\n", self.tl.port)
        self.assertIsNone(self.peer.recv(1.0))
        self.assert_alive()

    def test_garbage_never_crashes(self):
        rnd = random.Random(4475)
        base = options(self.tl.port, peer_port=self.peer.port).encode()
        for i in range(300):
            kind = i % 3
            if kind == 0:
                data = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 1500)))
            elif kind == 1:
                data = base[: rnd.randint(0, len(base))]
            else:
                b = bytearray(base)
                for _ in range(rnd.randint(1, 20)):
                    b[rnd.randrange(len(b))] = rnd.getrandbits(8)
                data = bytes(b)
            self.peer.send(data, self.tl.port)
        # Drain whatever answers came back, then prove the node is still serving.
        while self.peer.recv(0.5) is not None:
            pass
        self.assert_alive()
        self.assertIsNone(self.tl.proc.poll())

    def test_tcp_garbage_and_oversize_stream(self):
        s = socket.create_connection(("127.0.0.1", self.tl.port), timeout=5)
        s.sendall(b"INVITE sip:x SIP/2.0\r\nX: " + b"a" * 10000)
        s.settimeout(5)
        data = b""
        try:
            while True:  # read until the node closes the connection
                chunk = s.recv(65535)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
        except socket.timeout:
            self.fail("the node kept an oversized stream open")
        finally:
            s.close()
        # Oversized stream input: the connection is closed (with a 513 if an answer was possible).
        self.assertTrue(data == b"" or data.startswith(b"SIP/2.0 513"), data)
        self.assert_alive()


if __name__ == "__main__":
    unittest.main()
