#!/usr/bin/env python3
"""Runs srtp_peer against itself on loopback: SRTP per suite, a wrong key (every packet
fails authentication), plain RTP, and the --expect-from filter. Usage:
test_srtp_peer.py <path to srtp_peer>. Every peer is bounded by its own --timeout-ms."""
import base64
import json
import os
import subprocess
import sys
import unittest

PEER = None
SUITES = {
    "AES_CM_128_HMAC_SHA1_80": 30,
    "AES_CM_128_HMAC_SHA1_32": 30,
    "AEAD_AES_128_GCM": 28,
    "AEAD_AES_256_GCM": 44,
}


def key(suite):
    return base64.b64encode(os.urandom(SUITES[suite])).decode()


class Receiver:
    def __init__(self, *args):
        self.proc = subprocess.Popen([PEER, "--listen", "127.0.0.1:0", *args],
                                     stdout=subprocess.PIPE, text=True)
        first = json.loads(self.proc.stdout.readline())
        self.address = first["listening"]

    def result(self):
        out, _ = self.proc.communicate(timeout=60)
        return self.proc.returncode, json.loads(out.strip().splitlines()[-1])


def send(to, *args):
    out = subprocess.run([PEER, "--listen", "127.0.0.1:0", "--send-to", to, *args],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    lines = out.strip().splitlines()
    return json.loads(lines[0])["listening"], json.loads(lines[-1])


class SrtpPeerTest(unittest.TestCase):
    def test_each_suite_round_trip(self):
        for suite in SUITES:
            with self.subTest(suite=suite):
                k = key(suite)
                rx = Receiver("--suite", suite, "--key", k, "--expect", "20",
                              "--timeout-ms", "10000")
                _, sent = send(rx.address, "--suite", suite, "--key", k, "--count", "20",
                               "--interval-ms", "1", "--ssrc", "4660")
                rc, got = rx.result()
                self.assertEqual(sent["sent"], 20)
                self.assertEqual(rc, 0, got)
                self.assertEqual(got["received"], 20)
                self.assertEqual(got["payloadOk"], 20)
                self.assertEqual(got["ssrcs"], [4660])
                self.assertEqual(got["dropped"], {})

    def test_wrong_key_fails_authentication(self):
        suite = "AES_CM_128_HMAC_SHA1_80"
        rx = Receiver("--suite", suite, "--key", key(suite), "--expect", "10",
                      "--timeout-ms", "1500")
        send(rx.address, "--suite", suite, "--key", key(suite), "--count", "10",
             "--interval-ms", "1")
        rc, got = rx.result()
        self.assertEqual(rc, 1)
        self.assertEqual(got["received"], 0)
        self.assertEqual(got["dropped"], {"auth_fail": 10})

    def test_plain_rtp_and_expect_from(self):
        rx = Receiver("--suite", "none", "--expect", "5", "--timeout-ms", "10000")
        sender, _ = send(rx.address, "--suite", "none", "--count", "5", "--interval-ms", "1",
                         "--payload-size", "80")
        rc, got = rx.result()
        self.assertEqual(rc, 0, got)
        self.assertEqual(got["payloadOk"], 5)
        self.assertEqual(got["from"], sender)

        rx = Receiver("--suite", "none", "--expect", "3", "--expect-from", "127.0.0.1:9",
                      "--timeout-ms", "1500")
        send(rx.address, "--suite", "none", "--count", "3", "--interval-ms", "1")
        rc, got = rx.result()
        self.assertEqual(rc, 1)
        self.assertEqual(got["strangers"], 3)
        self.assertEqual(got["received"], 0)


if __name__ == "__main__":
    PEER = sys.argv.pop(1)
    unittest.main(verbosity=2)
