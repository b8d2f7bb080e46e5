"""End to end: no secret reaches Terraform's trace log or the state. A tenant is applied, re-planned
and destroyed (close mode) with TF_LOG=TRACE and TF_LOG_PROVIDER=TRACE, so the trace holds the
provider's own stderr lines (every HTTP attempt, credential refreshes, AssumeRole waits) next to
Terraform's. The provider runs on temporary credentials minted by localaws (its management key
"test" / "test" is not distinctive), and then mints one session per member account itself; every
secret access key and session token localaws issued must be absent from the trace, the state
files and Terraform's output, and so must anything shaped like an Authorization header value.

Run: UNICRON_PROVIDER_BIN=build/terraform-provider-unicron python3 -m unittest discover \
     -s tests/e2e -p 'test_tenant*' -v
"""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awsapi  # noqa: E402
import test_tenant  # noqa: E402  (used as test_tenant.X so its tests are not collected twice)

OPERATOR_ROLE = "unicron-e2e-operator"

# What a signed or bearer-authenticated request carries and a log must never show.
AUTH_SHAPES = [
    r"AWS4-HMAC-SHA256\s+Credential=",  # Authorization header value
    r"Signature=[0-9a-f]{64}",  # its signature (also X-Amz-Signature of a presigned URL)
    r"X-Amz-Security-Token[=:]\s*\S",  # the session token as header or query parameter
    r"k8s-aws-v1\.[A-Za-z0-9_-]{20}",  # an EKS bearer token
    r"Bearer\s+[A-Za-z0-9._~+/=-]{20}",  # any bearer Authorization value
]


class TenantSecretsTest(test_tenant.TenantTestCase):

    def operator_credentials(self):
        """Temporary credentials of a role in the management account, minted by localaws: a
        random secret key and session token that only this provider process is given."""
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Principal": {"AWS": "arn:aws:iam::%s:root" % awsapi.MGMT_ACCOUNT}}]}
        self.api.query("iam", "CreateRole", {"RoleName": OPERATOR_ROLE,
                                             "AssumeRolePolicyDocument": json.dumps(trust)})
        arn = "arn:aws:iam::%s:role/%s" % (awsapi.MGMT_ACCOUNT, OPERATOR_ROLE)
        akid, secret, token = self.api.assume_role(arn, "operator")
        self.assertTrue(akid and secret and token)
        return akid, secret, token

    def issued_secrets(self):
        """{value: what it is} for every secret key and session token localaws ever issued."""
        out = {}
        for akid, s in self.api.state()["sessions"].items():
            out[s["secret"]] = "secret access key of %s" % akid
            if s.get("token"):
                out[s["token"]] = "session token of %s" % akid
        return out

    def test_no_secret_in_trace_log_or_state(self):
        self.start_localaws()
        akid, secret, token = self.operator_credentials()
        t = test_tenant.Tenant(close_on_deletion=True)
        w = self.tenant_workdir(t)
        # the provider's only credentials are the operator's session (environment, as a CI
        # runner would pass them); its provider-level log is TRACE as well
        w.env.update({"AWS_ACCESS_KEY_ID": akid, "AWS_SECRET_ACCESS_KEY": secret,
                      "AWS_SESSION_TOKEN": token, "TF_LOG": "TRACE",
                      "TF_LOG_PROVIDER": "TRACE"})
        outputs = [self.apply(w)]
        ids = self.account_ids(w)
        rc, out = self.plan(w)
        outputs.append(out)
        self.assertEqual(rc, 0, out)
        rc, out = self.tf(w, "destroy", "-auto-approve")
        outputs.append(out)
        self.assertEqual(rc, 0, "destroy failed:\n" + out)
        self.assertTrue(self.state_has_no_resources(w))

        secrets = self.issued_secrets()
        # the operator's session, and one session per member account minted by the provider
        self.assertIn(secret, secrets)
        self.assertIn(token, secrets)
        minted_by_provider = [a for a, s in self.api.state()["sessions"].items()
                              if s["principal"]["account"] in ids.values()]
        self.assertGreaterEqual(len(minted_by_provider), len(ids), "no member sessions minted")

        trace = w.trace()
        # the trace really holds the provider's stderr at debug level: its HTTP attempt lines,
        # including the AssumeRole calls that minted the member sessions
        # (Terraform rewrites the provider's JSON lines as "message: key=value ...")
        for op in ("AssumeRole", "CreateAccount", "CloseAccount"):
            self.assertTrue(re.search(r"http request: .*\boperation=%s\b" % op, trace),
                            "the trace has no provider log line of a %s request" % op)

        texts = {"Terraform trace log": trace, "terraform output": "\n".join(outputs)}
        for name in ("terraform.tfstate", "terraform.tfstate.backup"):
            p = os.path.join(w.path, name)
            if os.path.exists(p):
                with open(p) as f:
                    texts[name] = f.read()
        self.assertIn("terraform.tfstate.backup", texts, "destroy keeps the prior state")
        for where, text in texts.items():
            for value, what in secrets.items():
                self.assertNotIn(value, text, "%s appears in %s" % (what, where))
                # a log line escapes '/' and '+' in JSON strings: look for the pieces too
                for piece in re.split(r"[/+=]", value):
                    if len(piece) >= 16:
                        self.assertNotIn(piece, text, "part of %s appears in %s" % (what, where))
            for shape in AUTH_SHAPES:
                m = re.search(shape, text)
                self.assertIsNone(m, "%s shows an authorization value: %r"
                                  % (where, m and text[max(0, m.start() - 80):m.end() + 80]))


if __name__ == "__main__":
    unittest.main()
