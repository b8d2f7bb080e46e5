"""End to end: an endpoint that echoes the request (a proxy, a misconfigured endpoint) cannot get
the provider's credentials into Terraform's output or trace log. The Organizations endpoint here
answers every request with 400 and puts the request's session token into x-amzn-RequestId and its
Authorization line and token into the error message; apply must fail with a diagnostic that shows
none of the access key id, secret key, session token or signature, and so must TF_LOG=TRACE.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_tenant_echo*' -v
"""
import http.server
import json
import os
import re
import secrets
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_tenant  # noqa: E402  (used as test_tenant.X so its tests are not collected twice)
import test_tenant_secrets  # noqa: E402


class EchoHandler(http.server.BaseHTTPRequestHandler):
    seen = []  # Authorization values received

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        auth = self.headers.get("Authorization", "")
        token = self.headers.get("X-Amz-Security-Token", "")
        EchoHandler.seen.append(auth)
        body = json.dumps({"__type": "ValidationException",
                           "message": "echo: Authorization: %s X-Amz-Security-Token: %s"
                                      % (auth, token)}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", token)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class TenantEchoTest(harness.ProviderTestCase):

    def test_echoed_credentials_never_shown(self):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = "http://127.0.0.1:%d" % server.server_address[1]
        akid = "AKIAECHO" + secrets.token_hex(6).upper()
        secret = secrets.token_urlsafe(30)
        token = "IQoJb3JpZ2luX2VjECHO" + secrets.token_urlsafe(48)
        t = test_tenant.Tenant(envs=[{"name": "dev"}], access=[])
        w = self.workdir({"main.tf": t.hcl(url)},
                         env={"AWS_ACCESS_KEY_ID": akid, "AWS_SECRET_ACCESS_KEY": secret,
                              "AWS_SESSION_TOKEN": token, "AWS_REGION": "us-east-1",
                              "TF_LOG_PROVIDER": "TRACE"})
        r = w.tf("apply", "-auto-approve", "-no-color", "-input=false")
        out = harness.strip_ansi(r.stdout + r.stderr)
        self.assertNotEqual(r.returncode, 0, out)
        self.assertIn("ValidationException", out)
        self.assertIn("[REDACTED]", out)  # the echoed message is shown, without the secrets
        self.assertTrue(EchoHandler.seen, "the endpoint was never called")
        sigs = set()
        for auth in EchoHandler.seen:
            self.assertIn("Credential=%s/" % akid, auth)  # what the server was sent
            sigs.update(re.findall(r"Signature=([0-9a-f]{64})", auth))
        self.assertTrue(sigs)
        trace = w.trace()
        self.assertRegex(trace, r"http request: .*\berror_code=ValidationException\b")
        for where, text in (("terraform output", out), ("trace log", trace)):
            for value, what in [(akid, "access key id"), (secret, "secret key"),
                                (token, "session token")] + [(s, "signature") for s in sigs]:
                self.assertNotIn(value, text, "%s appears in %s" % (what, where))
            for shape in test_tenant_secrets.AUTH_SHAPES:
                for m in re.finditer(shape, text):
                    # "X-Amz-Security-Token: [REDACTED]" is the echo with its value removed
                    self.assertTrue(text.startswith("[REDACTED]", m.end() - 1),
                                    "%s shows an authorization value: %r"
                                    % (where, text[max(0, m.start() - 80):m.end() + 80]))


if __name__ == "__main__":
    unittest.main()
