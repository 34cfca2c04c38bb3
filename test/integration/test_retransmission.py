"""A retransmitted request is answered with the same response and processed once
(RFC 3261 §17.2): the second answer is byte-identical, including the To tag we generated."""
import unittest

from harness import Trunkline, UdpPeer, status_line, header, rand_token


class RetransmissionTest(unittest.TestCase):
    def request(self, tl, peer, method):
        branch = "z9hG4bK-" + rand_token()
        return (f"{method} sip:+15551234567@127.0.0.1:{tl.port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{peer.port};branch={branch}\r\n"
                "Max-Forwards: 70\r\n"
                f"From: <sip:pbx@127.0.0.1>;tag={rand_token()}\r\n"
                f"To: <sip:+15551234567@127.0.0.1>\r\n"
                f"Call-ID: {rand_token()}@127.0.0.1\r\n"
                f"CSeq: 1 {method}\r\n"
                f"Contact: <sip:pbx@127.0.0.1:{peer.port}>\r\n"
                "Content-Length: 0\r\n\r\n")

    def test_options_retransmission(self):
        with Trunkline() as tl:
            peer = UdpPeer()
            msg = self.request(tl, peer, "OPTIONS")
            peer.send(msg, tl.port)
            first = peer.recv()
            peer.send(msg, tl.port)
            second = peer.recv()
            self.assertEqual(status_line(first), "SIP/2.0 200 OK")
            self.assertEqual(first, second)
            self.assertIn(";tag=", header(first, "To"))
            # A new transaction (new branch, new CSeq) is processed anew: a new To tag.
            peer.send(self.request(tl, peer, "OPTIONS"), tl.port)
            third = peer.recv()
            self.assertNotEqual(header(first, "To"), header(third, "To"))
            peer.close()

    def test_invite_final_response_retransmitted_until_ack(self):
        with Trunkline() as tl:
            peer = UdpPeer()
            msg = self.request(tl, peer, "INVITE")
            peer.send(msg, tl.port)
            first = peer.recv()
            if status_line(first) == "SIP/2.0 100 Trying":  # the B2BUA says it is working on it
                first = peer.recv()
            self.assertEqual(status_line(first), "SIP/2.0 407 Proxy Authentication Required")
            self.assertIn("Digest", header(first, "Proxy-Authenticate"))
            # Without an ACK the server transaction retransmits the final response (timer G).
            again = peer.recv(timeout=2.0)
            self.assertEqual(first, again)
            # A retransmitted INVITE gets the same final response again, processed once.
            peer.send(msg, tl.port)
            self.assertEqual(peer.recv(), first)
            # ACK for the non-2xx: absorbed; retransmissions stop.
            to = header(first, "To")
            ack = msg.replace("INVITE sip:", "ACK sip:", 1).replace("CSeq: 1 INVITE", "CSeq: 1 ACK")
            ack = "\r\n".join(f"To: {to}" if l.startswith("To:") else l for l in ack.split("\r\n"))
            peer.send(ack, tl.port)
            # Drain a retransmission that may have crossed the ACK, then expect silence.
            late = peer.recv(timeout=1.2)
            if late is not None:
                self.assertEqual(late, first)
            self.assertIsNone(peer.recv(timeout=2.5))
            peer.close()


if __name__ == "__main__":
    unittest.main()
