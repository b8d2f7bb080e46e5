"""The AWS SigV4 test vectors (tests/data/sigv4) against the emulator's verifier and against
the tests' own signer: canonical request, string to sign, signature, for header and presigned forms."""

import calendar
import json
import os
import sys
import time
import unittest

from . import sigv4_signer as signer

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from localaws_lib import sigv4  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
VECTORS = os.path.join(ROOT, "tests", "data", "sigv4")


def parse_request(text):
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    method = lines[0].split(" ")[0]
    target = lines[0][len(method) + 1:lines[0].rindex(" ")]
    headers = []
    for line in lines[1:]:
        if line == "":
            continue
        if line[:1] in (" ", "\t") and headers:
            headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
            continue
        name, _, value = line.partition(":")
        headers.append((name, value))
    path, _, query = target.partition("?")
    return method, path, query, headers, body.encode("utf-8")


def read(case, name):
    with open(os.path.join(VECTORS, case, name), "rb") as f:
        return f.read().decode("utf-8")


class SigV4Vectors(unittest.TestCase):
    def cases(self):
        return sorted(d for d in os.listdir(VECTORS) if os.path.isdir(os.path.join(VECTORS, d)))

    def test_there_are_38_cases(self):
        self.assertEqual(len(self.cases()), 38)

    def test_verifier_accepts_every_signed_vector(self):
        for case in self.cases():
            ctx = json.loads(read(case, "context.json"))
            now = calendar.timegm(time.strptime(ctx["timestamp"], "%Y-%m-%dT%H:%M:%SZ"))
            secret = ctx["credentials"]["secret_access_key"]
            for kind in ("header", "query"):
                with self.subTest(case=case, kind=kind):
                    m, p, q, h, b = parse_request(read(case, kind + "-signed-request.txt"))
                    info = sigv4.extract(m, q, h)
                    self.assertIsNotNone(info)
                    if not ctx["normalize"]:
                        # S3-style unnormalised paths: the verifier (non-S3) must refuse them
                        # unless normalising happens to give the same path.
                        creq = sigv4.canonical_request(
                            m, p, q, h, info.signed_headers,
                            read(case, kind + "-canonical-request.txt").rsplit("\n", 1)[1],
                            normalize=False,
                            exclude_query=("X-Amz-Signature",) if kind == "query" else ())
                        self.assertEqual(creq, read(case, kind + "-canonical-request.txt"))
                        continue
                    creq = sigv4.verify(m, p, q, h, b, info, secret, now=now)
                    if case != "post-sts-header-after" or kind == "header":
                        self.assertEqual(creq, read(case, kind + "-canonical-request.txt"))
                    sts = sigv4.string_to_sign(info.amz_date, "/".join(
                        [info.date, info.region, info.service, "aws4_request"]), creq)
                    self.assertEqual(sts, read(case, kind + "-string-to-sign.txt"))
                    self.assertEqual(sigv4.signature(secret, info.date, info.region,
                                                     info.service, sts),
                                     read(case, kind + "-signature.txt").strip())

    def test_verifier_rejects_tampered_vectors(self):
        for case in self.cases():
            ctx = json.loads(read(case, "context.json"))
            if not ctx["normalize"]:
                continue
            now = calendar.timegm(time.strptime(ctx["timestamp"], "%Y-%m-%dT%H:%M:%SZ"))
            m, p, q, h, b = parse_request(read(case, "header-signed-request.txt"))
            info = sigv4.extract(m, q, h)
            with self.subTest(case=case):
                with self.assertRaises(sigv4.AuthFailure) as cm:
                    sigv4.verify(m, p, q, h, b, info, "wrong-secret", now=now)
                self.assertEqual(cm.exception.kind, "signature")
                with self.assertRaises(sigv4.AuthFailure) as cm:
                    sigv4.verify(m, p, q, h, b, info, ctx["credentials"]["secret_access_key"],
                                 now=now + 16 * 60)
                self.assertEqual(cm.exception.kind, "expired_signature")
                h2 = [(n, v + "x") if n.lower() == "host" else (n, v) for n, v in h]
                with self.assertRaises(sigv4.AuthFailure):
                    sigv4.verify(m, p, q, h2, b, info, ctx["credentials"]["secret_access_key"],
                                 now=now)

    def test_test_signer_matches_vectors(self):
        for case in self.cases():
            ctx = json.loads(read(case, "context.json"))
            if not ctx["normalize"] or "header-key-duplicate" in case or \
                    "multiline" in case or "value-order" in case or ctx.get("omit_session_token") or \
                    "relative" in case or "slash" in case:
                continue  # the test signer handles only what the tests send
            creds = ctx["credentials"]
            m, p, q, h, b = parse_request(read(case, "request.txt"))
            headers = dict(h)
            if ctx["sign_body"]:
                import hashlib
                headers["X-Amz-Content-Sha256"] = hashlib.sha256(b).hexdigest()
            amz = time.strftime("%Y%m%dT%H%M%SZ", time.strptime(ctx["timestamp"],
                                                                "%Y-%m-%dT%H:%M:%SZ"))
            with self.subTest(case=case):
                signed = signer.sign_headers(m, p, q, headers, b, creds["access_key_id"],
                                             creds["secret_access_key"], ctx["region"],
                                             ctx["service"], creds.get("token"), amz_date=amz)
                self.assertTrue(signed["Authorization"].endswith(
                    "Signature=" + read(case, "header-signature.txt").strip()),
                    signed["Authorization"])


if __name__ == "__main__":
    unittest.main()
