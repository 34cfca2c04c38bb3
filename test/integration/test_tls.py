"""OPTIONS over TLS with a certificate the test generates; the client verifies the server."""
import os
import socket
import ssl
import subprocess
import unittest

from harness import Trunkline, free_port, rand_token, status_line, header


def make_cert(d):
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=trunkline-test", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return cert, key


def read_message(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        k, _, v = line.partition(b":")
        if k.strip().lower() in (b"content-length", b"l"):
            length = int(v.strip())
    while len(body) < length:
        body += sock.recv(4096)
    return (head + b"\r\n\r\n" + body).decode()


class TlsTest(unittest.TestCase):
    def test_options_over_tls(self):
        probe = Trunkline()  # only for a work directory and a free port
        cert, key = make_cert(probe.workdir)
        port = free_port()
        cfg = f'[tls]\ncertificate = "{cert}"\nprivate_key = "{key}"\n'
        with Trunkline(listen=[f"tls:127.0.0.1:{port}"], config_text=cfg) as tl:
            ctx = ssl.create_default_context(cafile=cert)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                    self.assertIn(s.version(), ("TLSv1.2", "TLSv1.3"))
                    lport = s.getsockname()[1]
                    for i in range(3):  # several requests on one connection
                        msg = (f"OPTIONS sip:127.0.0.1:{port};transport=tls SIP/2.0\r\n"
                               f"Via: SIP/2.0/TLS 127.0.0.1:{lport};branch=z9hG4bK-{rand_token()}\r\n"
                               "Max-Forwards: 70\r\n"
                               f"From: <sips:pbx@127.0.0.1>;tag={rand_token()}\r\n"
                               f"To: <sips:127.0.0.1:{port}>\r\n"
                               f"Call-ID: {rand_token()}@127.0.0.1\r\n"
                               f"CSeq: {i + 1} OPTIONS\r\n"
                               "Content-Length: 0\r\n\r\n")
                        s.sendall(msg.encode())
                        r = read_message(s)
                        self.assertEqual(status_line(r), "SIP/2.0 200 OK", r)
                        self.assertEqual(header(r, "CSeq"), f"{i + 1} OPTIONS")

    def test_plain_tcp_to_tls_port_is_refused(self):
        probe = Trunkline()
        cert, key = make_cert(probe.workdir)
        port = free_port()
        cfg = f'[tls]\ncertificate = "{cert}"\nprivate_key = "{key}"\n'
        with Trunkline(listen=[f"tls:127.0.0.1:{port}"], config_text=cfg) as tl:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n")
                s.settimeout(5)
                try:
                    data = s.recv(100)
                except ConnectionResetError:
                    data = b""
                self.assertFalse(data.startswith(b"SIP/2.0"), data)
            self.assertIsNone(tl.proc.poll())

    def test_missing_certificate_stops_startup(self):
        port = free_port()
        tl = Trunkline(listen=[f"tls:127.0.0.1:{port}"],
                       config_text='[tls]\ncertificate = "/nonexistent/cert.pem"\nprivate_key = "/nonexistent/key.pem"\n')
        with self.assertRaises(AssertionError) as cm:
            tl.start()
        self.assertIn("/nonexistent/cert.pem", str(cm.exception))
        self.assertEqual(tl.proc.returncode, 1)


if __name__ == "__main__":
    unittest.main()
