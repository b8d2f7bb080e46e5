"""IAM Identity Center: the admin login stands in for `aws sso login`; the portal's
GetRoleCredentials trades its token for role credentials that the other services accept; OIDC
CreateToken refreshes it (refresh tokens rotate); expired, unknown and unassigned tokens fail
in the portal's error shapes."""

import json
import urllib.parse

from .harness import MGMT_ACCOUNT, EmulatorTest, x


class Sso(EmulatorTest):
    def login(self, assignments, expires_in=3600):
        st, _, body = self.emu.raw("POST", "/_localaws/sso/login", json.dumps({
            "assignments": [{"accountId": a, "roleName": r} for a, r in assignments],
            "expiresIn": expires_in}).encode())
        self.assertEqual(st, 200, body)
        return json.loads(body)

    def role_credentials(self, token, account, role):
        q = urllib.parse.urlencode({"account_id": account, "role_name": role})
        headers = {"x-amz-sso_bearer_token": token} if token else {}
        st, hdr, body = self.emu.raw("GET", "/federation/credentials?" + q, headers=headers)
        return st, hdr, json.loads(body)

    def test_login_then_role_credentials_work_everywhere(self):
        acct = self.new_account()
        doc = self.login([(acct, "OrganizationAccountAccessRole")])
        for k in ("accessToken", "expiresAt", "clientId", "clientSecret", "refreshToken",
                  "registrationExpiresAt", "startUrl", "region"):
            self.assertIn(k, doc)
        st, _, ans = self.role_credentials(doc["accessToken"], acct,
                                           "OrganizationAccountAccessRole")
        self.assertEqual(st, 200, ans)
        rc = ans["roleCredentials"]
        self.assertTrue(rc["accessKeyId"].startswith("ASIA"))
        self.assertIsInstance(rc["expiration"], int)
        creds = (rc["accessKeyId"], rc["secretAccessKey"], rc["sessionToken"])
        st, _, root = self.emu.xml("sts", "GetCallerIdentity", creds=creds)
        self.assertEqual(st, 200)
        self.assertEqual(x(root, "GetCallerIdentityResult/Account", "sts"), acct)

    def test_errors(self):
        acct = self.new_account()
        doc = self.login([(acct, "OrganizationAccountAccessRole")])
        st, hdr, ans = self.role_credentials("nope", acct, "OrganizationAccountAccessRole")
        self.assertEqual(st, 401)
        self.assertTrue(hdr["x-amzn-errortype"].startswith("UnauthorizedException"))
        st, hdr, _ = self.role_credentials(doc["accessToken"], MGMT_ACCOUNT, "Admin")
        self.assertEqual(st, 403)
        self.assertTrue(hdr["x-amzn-errortype"].startswith("ForbiddenException"))
        st, hdr, _ = self.role_credentials(doc["accessToken"], acct, "")
        self.assertEqual(st, 400)
        missing = self.login([(acct, "NoSuchRole")])
        st, hdr, _ = self.role_credentials(missing["accessToken"], acct, "NoSuchRole")
        self.assertEqual(st, 404)
        self.emu.raw("POST", "/_localaws/sso/expire")
        st, _, _ = self.role_credentials(doc["accessToken"], acct, "OrganizationAccountAccessRole")
        self.assertEqual(st, 401)

    def test_refresh_rotates(self):
        acct = self.new_account()
        doc = self.login([(acct, "OrganizationAccountAccessRole")])
        self.emu.raw("POST", "/_localaws/sso/expire")
        req = {"clientId": doc["clientId"], "clientSecret": doc["clientSecret"],
               "grantType": "refresh_token", "refreshToken": doc["refreshToken"]}
        st, _, body = self.emu.raw("POST", "/token", json.dumps(req).encode(),
                                   {"Content-Type": "application/json"})
        self.assertEqual(st, 200, body)
        new = json.loads(body)
        self.assertGreater(new["expiresIn"], 0)
        self.assertNotEqual(new["refreshToken"], doc["refreshToken"])
        st, _, _ = self.role_credentials(new["accessToken"], acct,
                                         "OrganizationAccountAccessRole")
        self.assertEqual(st, 200)
        # the old refresh token is spent; a wrong client secret is refused
        st, hdr, _ = self.emu.raw("POST", "/token", json.dumps(req).encode())
        self.assertEqual(st, 400)
        self.assertTrue(hdr["x-amzn-errortype"].startswith("InvalidGrantException"))
        req.update(refreshToken=new["refreshToken"], clientSecret="wrong")
        st, _, _ = self.emu.raw("POST", "/token", json.dumps(req).encode())
        self.assertEqual(st, 400)
