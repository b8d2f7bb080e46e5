"""SigV4 over real HTTP: accepted signatures in every region, and each rejection in each protocol's
wire shape (Query XML, awsJson __type, restJson x-amzn-ErrorType)."""

import json
import time
import xml.etree.ElementTree as ET

from . import sigv4_signer as signer
from .harness import MGMT, NS, EmulatorTest, x


def query_code(body, service="iam"):
    root = ET.fromstring(body)
    ns = "{%s}" % NS[service]
    return (root.tag, root.find("%sError/%sCode" % (ns, ns)).text,
            root.find("%sRequestId" % ns).text)


class Auth(EmulatorTest):
    def test_any_region_in_scope_is_accepted(self):
        for region in ("us-east-1", "eu-west-1", "ap-southeast-2"):
            st, _, root = self.emu.xml("sts", "GetCallerIdentity", creds=MGMT, region=region)
            self.assertEqual(st, 200)
            self.assertEqual(x(root, "GetCallerIdentityResult/Account", "sts"), "000000000000")
            st, _, _ = self.emu.org("DescribeOrganization", region=region)
            self.assertEqual(st, 200)
            st, _, _ = self.emu.xml("iam", "ListRoles", creds=MGMT, region=region)
            self.assertEqual(st, 200)

    def test_caller_identity_shapes(self):
        st, h, body = self.emu.query("sts", "GetCallerIdentity")
        root = ET.fromstring(body)
        self.assertEqual(root.tag, "{%s}GetCallerIdentityResponse" % NS["sts"])
        self.assertEqual(x(root, "GetCallerIdentityResult/Arn", "sts"),
                         "arn:aws:iam::000000000000:user/admin")
        self.assertEqual(x(root, "ResponseMetadata/RequestId", "sts"), h["x-amzn-requestid"])
        st, h, body = self.emu.query("sts", "GetCallerIdentity", accept="application/json")
        doc = json.loads(body)
        self.assertEqual(doc["GetCallerIdentityResponse"]["GetCallerIdentityResult"]["Account"],
                         "000000000000")

    def test_wrong_secret(self):
        bad = ("test", "nottest", None)
        st, h, body = self.emu.query("iam", "ListRoles", creds=bad)
        self.assertEqual(st, 403)
        tag, code, rid = query_code(body)
        self.assertEqual((tag, code), ("{%s}ErrorResponse" % NS["iam"], "SignatureDoesNotMatch"))
        self.assertEqual(rid, h["x-amzn-requestid"])
        st, h, doc = self.emu.org("ListAccounts", creds=bad)
        self.assertEqual((st, doc["__type"]), (400, "InvalidSignatureException"))
        self.assertIn("Message", doc)
        st, h, doc = self.emu.eks("GET", "/clusters", creds=bad)
        self.assertEqual(st, 403)
        self.assertTrue(h["x-amzn-errortype"].startswith("InvalidSignatureException"))
        self.assertIn("message", doc)

    def test_unknown_access_key(self):
        bad = ("AKIAUNKNOWN", "x", None)
        st, _, body = self.emu.query("sts", "GetCallerIdentity", creds=bad)
        self.assertEqual((st, query_code(body, "sts")[1]), (403, "InvalidClientTokenId"))
        st, _, doc = self.emu.org("ListAccounts", creds=bad)
        self.assertEqual(doc["__type"], "UnrecognizedClientException")
        st, h, _ = self.emu.eks("GET", "/clusters", creds=bad)
        self.assertTrue(h["x-amzn-errortype"].startswith("UnrecognizedClientException"))

    def test_altered_signed_header(self):
        hdrs = signer.sign_headers("POST", "/", "", {
            "Host": self.emu.host, "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSOrganizationsV20161128.ListAccounts"}, b"{}", "test", "test",
            "us-east-1", "organizations")
        hdrs["X-Amz-Target"] = "AWSOrganizationsV20161128.ListRoots"
        st, _, body = self.emu.raw("POST", "/", b"{}", hdrs)
        self.assertEqual(json.loads(body)["__type"], "InvalidSignatureException")
        # an unsigned extra header is ignored
        hdrs["X-Amz-Target"] = "AWSOrganizationsV20161128.ListAccounts"
        hdrs["X-Extra"] = "whatever"
        st, _, body = self.emu.raw("POST", "/", b"{}", hdrs)
        self.assertEqual(st, 200, body)

    def test_altered_body(self):
        hdrs = signer.sign_headers("POST", "/", "", {
            "Host": self.emu.host, "Content-Type": "application/x-www-form-urlencoded"},
            b"Action=ListRoles&Version=2010-05-08", "test", "test", "us-east-1", "iam")
        st, _, body = self.emu.raw("POST", "/", b"Action=ListRoles&Version=2010-05-08&X=1", hdrs)
        self.assertEqual((st, query_code(body)[1]), (403, "SignatureDoesNotMatch"))

    def test_expired_date(self):
        old = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 20 * 60))
        st, _, body = self.emu.signed("POST", "/", "", {
            "Content-Type": "application/x-www-form-urlencoded"},
            b"Action=GetCallerIdentity&Version=2011-06-15", MGMT, "us-east-1", "sts",
            amz_date=old)
        self.assertEqual(st, 403)
        root = ET.fromstring(body)
        ns = "{%s}" % NS["sts"]
        self.assertEqual(root.find(ns + "Error/" + ns + "Code").text, "SignatureDoesNotMatch")
        self.assertIn("Signature expired", root.find(ns + "Error/" + ns + "Message").text)

    def test_incomplete_signature(self):
        st, _, body = self.emu.raw("POST", "/", b"Action=ListRoles&Version=2010-05-08", {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request",
            "X-Amz-Date": "20260101T000000Z"})
        self.assertEqual((st, query_code(body)[1]), (400, "IncompleteSignature"))
        st, _, body = self.emu.raw("POST", "/", b"{}", {
            "X-Amz-Target": "AWSOrganizationsV20161128.ListAccounts",
            "Authorization": "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00"})
        self.assertEqual(json.loads(body)["__type"], "IncompleteSignatureException")

    def test_missing_authentication(self):
        st, _, body = self.emu.raw("POST", "/", b"Action=ListRoles&Version=2010-05-08",
                                   {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((st, query_code(body)[1]), (403, "MissingAuthenticationToken"))
        st, h, _ = self.emu.raw("GET", "/clusters")
        self.assertTrue(h["x-amzn-errortype"].startswith("MissingAuthenticationTokenException"))

    def test_credential_scope_must_name_the_service(self):
        st, _, body = self.emu.signed("POST", "/", "", {
            "Content-Type": "application/x-www-form-urlencoded"},
            b"Action=ListRoles&Version=2010-05-08", MGMT, "us-east-1", "sts")
        self.assertEqual((st, query_code(body)[1]), (403, "SignatureDoesNotMatch"))

    def test_session_credentials_need_the_token_and_expire(self):
        acct, creds = self.tenant()
        st, _, _ = self.emu.xml("sts", "GetCallerIdentity", creds=creds)
        self.assertEqual(st, 200)
        st, _, body = self.emu.query("sts", "GetCallerIdentity", creds=(creds[0], creds[1], None))
        self.assertEqual(query_code(body, "sts")[1], "InvalidClientTokenId")
        st, _, body = self.emu.query("sts", "GetCallerIdentity",
                                     creds=(creds[0], creds[1], creds[2][:-4] + "AAAA"))
        self.assertEqual(query_code(body, "sts")[1], "InvalidClientTokenId")
        # (ExpiredToken itself is checked in test_state_file, which can age a session)
        st, _, root = self.emu.xml("sts", "AssumeRole", {
            "RoleArn": "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % acct,
            "RoleSessionName": "short", "DurationSeconds": "900"})
        self.assertEqual(st, 200)
        exp = x(root, "AssumeRoleResult/Credentials/Expiration", "sts")
        self.assertRegex(exp, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def test_presigned_get_caller_identity(self):
        q = signer.presign("GET", self.emu.host, "/", "Action=GetCallerIdentity&Version=2011-06-15",
                           {}, "test", "test", "us-east-1", "sts", 60)
        st, _, body = self.emu.raw("GET", "/?" + q, headers={"Host": self.emu.host})
        self.assertEqual(st, 200, body)
        q2 = q.replace("Version=2011-06-15", "Version=2011-06-15&Extra=1")
        st, _, body = self.emu.raw("GET", "/?" + q2, headers={"Host": self.emu.host})
        self.assertEqual(st, 403)

    def test_unknown_routes(self):
        st, h, _ = self.emu.eks("GET", "/nothing-here")
        self.assertEqual(st, 404)
        st, _, doc = self.emu.org("NoSuchOperation")
        self.assertEqual(doc["__type"], "UnknownOperationException")
        st, _, body = self.emu.query("iam", "NoSuchAction")
        self.assertEqual((st, query_code(body)[1]), (400, "InvalidAction"))
