"""STS (AssumeRole across accounts, propagation delay, trust policies, web identity) and IAM roles
(create/get/trust/attach/detach/tags/delete) over awsQuery with XML answers."""

import base64
import json
import time
import urllib.parse
import xml.etree.ElementTree as ET

from .harness import MGMT, NS, EmulatorTest, x


def code(body, service):
    ns = "{%s}" % NS[service]
    return ET.fromstring(body).find("%sError/%sCode" % (ns, ns)).text


def jwt(claims):
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")  # noqa
    return "%s.%s.%s" % (enc({"alg": "RS256", "kid": "k"}), enc(claims), "c2ln")


class StsIam(EmulatorTest):
    ARGS = ("--role-propagation-ms", "400")

    def test_access_role_propagation_then_cross_account(self):
        # held: the new role is still "propagating" however long the account creation took
        hold = {"kind": "role_propagation", "hold": True}
        self.assertEqual(self.emu.admin_post("/_localaws/hold", hold)[0], 200)
        acct = self.new_account()
        arn = "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % acct
        st, _, body = self.emu.query("sts", "AssumeRole", {"RoleArn": arn,
                                                           "RoleSessionName": "early"})
        self.assertEqual((st, code(body, "sts")), (403, "AccessDenied"))
        self.assertEqual(self.emu.admin_post("/_localaws/hold", dict(hold, hold=False))[0], 200)
        creds = self.assume(acct)
        self.assertTrue(creds[0].startswith("ASIA"))
        st, _, root = self.emu.xml("sts", "GetCallerIdentity", creds=creds)
        self.assertEqual(x(root, "GetCallerIdentityResult/Account", "sts"), acct)
        self.assertEqual(x(root, "GetCallerIdentityResult/Arn", "sts"),
                         "arn:aws:sts::%s:assumed-role/OrganizationAccountAccessRole/test" % acct)
        self.assertRegex(x(root, "GetCallerIdentityResult/UserId", "sts"), r"^AROA[A-Z0-9]+:test$")
        # the tenant sees its own IAM, not the management account's
        st, _, root = self.emu.xml("iam", "GetRole", {"RoleName": "OrganizationAccountAccessRole"},
                                   creds=creds)
        self.assertEqual(st, 200)
        doc = json.loads(urllib.parse.unquote(x(root, "GetRoleResult/Role/AssumeRolePolicyDocument",
                                                "iam")))
        self.assertEqual(doc["Statement"][0]["Principal"]["AWS"], "arn:aws:iam::000000000000:root")
        st, _, body = self.emu.query("iam", "GetRole", {"RoleName": "OrganizationAccountAccessRole"})
        self.assertEqual((st, code(body, "iam")), (404, "NoSuchEntity"))

    def test_trust_policy_and_chaining(self):
        acct, creds = self.tenant()
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % acct},
            "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "xid"}}}]}
        st, _, _ = self.emu.query("iam", "CreateRole", {
            "RoleName": "dev", "AssumeRolePolicyDocument": json.dumps(trust)}, creds)
        self.assertEqual(st, 200)
        arn = "arn:aws:iam::%s:role/dev" % acct
        # management account is not trusted by "dev"
        st, _, body = self.emu.query("sts", "AssumeRole", {"RoleArn": arn,
                                                           "RoleSessionName": "mgmt"})
        self.assertEqual((st, code(body, "sts")), (403, "AccessDenied"))
        # tenant principal without the external id: refused; with it: accepted (role chaining)
        st, _, body = self.emu.query("sts", "AssumeRole", {"RoleArn": arn,
                                                           "RoleSessionName": "ss"}, creds)
        self.assertEqual(st, 403)
        st, _, body = self.emu.query("sts", "AssumeRole", {
            "RoleArn": arn, "RoleSessionName": "ss", "ExternalId": "xid"}, creds)
        self.assertEqual(st, 200, body)
        st, _, body = self.emu.query("sts", "AssumeRole", {
            "RoleArn": arn, "RoleSessionName": "ss", "ExternalId": "xid",
            "DurationSeconds": "7200"}, creds)
        self.assertEqual((st, code(body, "sts")), (400, "ValidationError"))
        st, _, body = self.emu.query("sts", "AssumeRole", {
            "RoleArn": "arn:aws:iam::%s:role/none" % acct, "RoleSessionName": "ss"}, creds)
        self.assertEqual(st, 403)
        st, _, body = self.emu.query("sts", "AssumeRole", {"RoleArn": arn, "RoleSessionName": "x"})
        self.assertEqual(code(body, "sts"), "ValidationError")

    def test_web_identity_is_unsigned(self):
        acct, creds = self.tenant()
        issuer = "oidc.eks.us-east-1.amazonaws.com/id/ABCDEF"
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::%s:oidc-provider/%s" % (acct, issuer)},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {issuer + ":sub": "system:serviceaccount:ci:runner"}}}]}
        self.emu.query("iam", "CreateRole", {"RoleName": "ci",
                                             "AssumeRolePolicyDocument": json.dumps(trust)}, creds)
        arn = "arn:aws:iam::%s:role/ci" % acct
        token = jwt({"iss": "https://" + issuer, "sub": "system:serviceaccount:ci:runner",
                     "aud": "sts.amazonaws.com", "exp": int(time.time()) + 600})
        st, _, body = self.emu.query("sts", "AssumeRoleWithWebIdentity", {
            "RoleArn": arn, "RoleSessionName": "ci", "WebIdentityToken": token}, creds=None)
        self.assertEqual(st, 200, body)
        root = ET.fromstring(body)
        r = "AssumeRoleWithWebIdentityResult/"
        self.assertEqual(x(root, r + "SubjectFromWebIdentityToken", "sts"),
                         "system:serviceaccount:ci:runner")
        self.assertEqual(x(root, r + "Provider", "sts"), issuer)
        new = tuple(x(root, r + "Credentials/" + k, "sts")
                    for k in ("AccessKeyId", "SecretAccessKey", "SessionToken"))
        st, _, root = self.emu.xml("sts", "GetCallerIdentity", creds=new)
        self.assertEqual(x(root, "GetCallerIdentityResult/Account", "sts"), acct)
        bad = jwt({"iss": "https://" + issuer, "sub": "other", "exp": int(time.time()) + 600})
        st, _, body = self.emu.query("sts", "AssumeRoleWithWebIdentity", {
            "RoleArn": arn, "RoleSessionName": "ci", "WebIdentityToken": bad}, creds=None)
        self.assertEqual((st, code(body, "sts")), (403, "AccessDenied"))
        old = jwt({"iss": "https://" + issuer, "sub": "system:serviceaccount:ci:runner",
                   "exp": int(time.time()) - 10})
        st, _, body = self.emu.query("sts", "AssumeRoleWithWebIdentity", {
            "RoleArn": arn, "RoleSessionName": "ci", "WebIdentityToken": old}, creds=None)
        self.assertEqual(code(body, "sts"), "ExpiredTokenException")
        st, _, body = self.emu.query("sts", "AssumeRoleWithWebIdentity", {
            "RoleArn": arn, "RoleSessionName": "ci", "WebIdentityToken": "notajwt"}, creds=None)
        self.assertEqual(code(body, "sts"), "InvalidIdentityToken")
        # AssumeRole itself must be signed
        st, _, body = self.emu.query("sts", "AssumeRole", {"RoleArn": arn,
                                                           "RoleSessionName": "x1"}, creds=None)
        self.assertEqual(code(body, "sts"), "MissingAuthenticationToken")

    def test_role_lifecycle(self):
        acct, creds = self.tenant()
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"},
            "Action": "sts:AssumeRole"}]})
        st, _, root = self.emu.xml("iam", "CreateRole", {
            "RoleName": "svc", "Path": "/platform/", "AssumeRolePolicyDocument": trust,
            "Description": "d", "Tags.member.1.Key": "k", "Tags.member.1.Value": "v"}, creds)
        self.assertEqual(st, 200)
        role = "CreateRoleResult/Role/"
        self.assertEqual(x(root, role + "Arn", "iam"), "arn:aws:iam::%s:role/platform/svc" % acct)
        self.assertRegex(x(root, role + "RoleId", "iam"), r"^AROA[A-Z0-9]{17}$")
        self.assertRegex(x(root, role + "CreateDate", "iam"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        encoded = x(root, role + "AssumeRolePolicyDocument", "iam")
        self.assertTrue(encoded.startswith("%7B"))
        self.assertEqual(json.loads(urllib.parse.unquote(encoded)), json.loads(trust))
        st, _, body = self.emu.query("iam", "CreateRole", {"RoleName": "svc",
                                                           "AssumeRolePolicyDocument": trust}, creds)
        self.assertEqual((st, code(body, "iam")), (409, "EntityAlreadyExists"))
        st, _, body = self.emu.query("iam", "CreateRole", {"RoleName": "bad name!",
                                                           "AssumeRolePolicyDocument": trust}, creds)
        self.assertEqual((st, code(body, "iam")), (400, "ValidationError"))
        st, _, body = self.emu.query("iam", "CreateRole", {"RoleName": "x",
                                                           "AssumeRolePolicyDocument": "{"}, creds)
        self.assertEqual(code(body, "iam"), "MalformedPolicyDocument")
        # trust update
        trust2 = trust.replace("eks.amazonaws.com", "ec2.amazonaws.com")
        st, _, _ = self.emu.query("iam", "UpdateAssumeRolePolicy", {"RoleName": "svc",
                                                                    "PolicyDocument": trust2}, creds)
        self.assertEqual(st, 200)
        _, _, root = self.emu.xml("iam", "GetRole", {"RoleName": "svc"}, creds)
        self.assertIn("ec2.amazonaws.com", urllib.parse.unquote(
            x(root, "GetRoleResult/Role/AssumeRolePolicyDocument", "iam")))
        # policies
        pol = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"
        st, _, body = self.emu.query("iam", "AttachRolePolicy", {"RoleName": "svc",
                                                                 "PolicyArn": pol}, creds)
        self.assertEqual(st, 200)
        st, _, body = self.emu.query("iam", "AttachRolePolicy", {
            "RoleName": "svc", "PolicyArn": "arn:aws:iam::aws:policy/NoSuchPolicy"}, creds)
        self.assertEqual((st, code(body, "iam")), (404, "NoSuchEntity"))
        _, _, root = self.emu.xml("iam", "ListAttachedRolePolicies", {"RoleName": "svc"}, creds)
        ns = "{%s}" % NS["iam"]
        members = root.findall(".//%sAttachedPolicies/%smember" % (ns, ns))
        self.assertEqual([m.find(ns + "PolicyArn").text for m in members], [pol])
        self.assertEqual(members[0].find(ns + "PolicyName").text, "AmazonEKSClusterPolicy")
        st, _, body = self.emu.query("iam", "DeleteRole", {"RoleName": "svc"}, creds)
        self.assertEqual((st, code(body, "iam")), (409, "DeleteConflict"))
        # tags
        self.emu.query("iam", "TagRole", {"RoleName": "svc", "Tags.member.1.Key": "a",
                                          "Tags.member.1.Value": "1"}, creds)
        self.emu.query("iam", "UntagRole", {"RoleName": "svc", "TagKeys.member.1": "k"}, creds)
        _, _, root = self.emu.xml("iam", "ListRoleTags", {"RoleName": "svc"}, creds)
        tags = {m.find(ns + "Key").text: m.find(ns + "Value").text
                for m in root.findall(".//%sTags/%smember" % (ns, ns))}
        self.assertEqual(tags, {"a": "1"})
        self.assertEqual(x(root, "ListRoleTagsResult/IsTruncated", "iam"), "false")
        st, _, body = self.emu.query("iam", "DetachRolePolicy", {"RoleName": "svc",
                                                                 "PolicyArn": pol}, creds)
        self.assertEqual(st, 200)
        st, _, body = self.emu.query("iam", "DetachRolePolicy", {"RoleName": "svc",
                                                                 "PolicyArn": pol}, creds)
        self.assertEqual((st, code(body, "iam")), (404, "NoSuchEntity"))
        st, _, body = self.emu.query("iam", "DeleteRole", {"RoleName": "svc"}, creds)
        self.assertEqual(st, 200)
        root = ET.fromstring(body)
        self.assertEqual(root.tag, "{%s}DeleteRoleResponse" % NS["iam"])
        st, _, body = self.emu.query("iam", "GetRole", {"RoleName": "svc"}, creds)
        self.assertEqual(st, 404)

    def test_mgmt_can_edit_tenant_iam_out_of_band(self):
        acct, creds = self.tenant()
        st, _, _ = self.emu.query("iam", "UpdateAssumeRolePolicy", {
            "RoleName": "OrganizationAccountAccessRole",
            "PolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"},
                "Action": "sts:AssumeRole"}, {"Effect": "Deny", "Principal": {"AWS": "*"},
                                              "Action": "sts:AssumeRole"}]})}, creds)
        self.assertEqual(st, 200)
        st, _, _ = self.emu.query("sts", "AssumeRole", {
            "RoleArn": "arn:aws:iam::%s:role/OrganizationAccountAccessRole" % acct,
            "RoleSessionName": "denied"}, MGMT)
        self.assertEqual(st, 403)
