"""Test harness for localaws: start the emulator as a subprocess on a free port and talk to it over
real HTTP with the independent test signer (sigv4_signer.py), in each AWS protocol's wire format.
"""

import base64
import http.client
import json
import os
import ssl
import subprocess
import sys
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from . import sigv4_signer as signer

HERE = os.path.dirname(os.path.abspath(__file__))
LOCALAWS = os.path.join(os.path.dirname(HERE), "localaws.py")
MGMT = ("test", "test", None)
MGMT_ACCOUNT = "000000000000"
TODAY = "2026-12-15"  # pins EKS version support (1.30/1.31 unsupported, 1.32-1.34 extended)
ORG_TARGET = "AWSOrganizationsV20161128."
NS = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/",
      "iam": "https://iam.amazonaws.com/doc/2010-05-08/"}


class Emulator:
    def __init__(self, *args):
        self.args = ["--port", "0", "--async-delay-ms", "100", "--today", TODAY] + list(args)
        self.proc = None
        self.port = None

    def start(self):
        self.proc = subprocess.Popen([sys.executable, LOCALAWS] + self.args,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("localaws ready on http://127.0.0.1:"):
            self.proc.wait(30)
            err = self.proc.stderr.read()
            self.stop()
            raise RuntimeError("localaws did not start: %r %s" % (line, err))
        self.ready_line = line
        self.port = int(line.strip().rsplit(":", 1)[1])
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            for f in (self.proc.stdout, self.proc.stderr):
                if f:
                    f.close()

    @property
    def host(self):
        return "127.0.0.1:%d" % self.port

    # ---------------------------------------------------------------- raw HTTP
    def raw(self, method, path, body=b"", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def signed(self, method, path, query, headers, body, creds, region, service, amz_date=None,
               now=None):
        hdrs = {"Host": self.host}
        hdrs.update(headers)
        akid, secret, token = creds
        hdrs = signer.sign_headers(method, path, query, hdrs, body, akid, secret, region,
                                   service, token, now=now, amz_date=amz_date)
        return self.raw(method, path + ("?" + query if query else ""), body, hdrs)

    # ---------------------------------------------------------------- protocols
    def org(self, op, body=None, creds=MGMT, region="us-east-1"):
        data = json.dumps(body or {}).encode()
        st, h, b = self.signed("POST", "/", "", {"Content-Type": "application/x-amz-json-1.1",
                                                 "X-Amz-Target": ORG_TARGET + op}, data, creds,
                               region, "organizations")
        return st, h, json.loads(b) if b else {}

    def query(self, service, action, params=None, creds=MGMT, region="us-east-1", accept=None):
        p = {"Action": action, "Version": "2011-06-15" if service == "sts" else "2010-05-08"}
        p.update(params or {})
        data = urllib.parse.urlencode(p, quote_via=urllib.parse.quote).encode()
        hdrs = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        if accept:
            hdrs["Accept"] = accept
        if creds is None:
            st, h, b = self.raw("POST", "/", data, dict(hdrs, Host=self.host))
        else:
            st, h, b = self.signed("POST", "/", "", hdrs, data, creds, region, service)
        return st, h, b

    def xml(self, service, action, params=None, creds=MGMT, region="us-east-1"):
        st, h, b = self.query(service, action, params, creds, region)
        return st, h, ET.fromstring(b)

    def eks(self, method, path, body=None, query="", creds=MGMT, region="us-east-1"):
        data = json.dumps(body).encode() if body is not None else b""
        hdrs = {"Content-Type": "application/json"} if body is not None else {}
        st, h, b = self.signed(method, path, query, hdrs, data, creds, region, "eks")
        return st, h, json.loads(b) if b else {}

    def admin(self, method, path):
        st, h, b = self.raw(method, path)
        return st, json.loads(b)

    def admin_post(self, path, doc):
        st, h, b = self.raw("POST", path, json.dumps(doc).encode(),
                            {"Content-Type": "application/json"})
        return st, json.loads(b)

    # ---------------------------------------------------------------- Kubernetes
    def kube(self, endpoint, ca_data, method, path, token, body=None, ctype=None):
        ctx = ssl.create_default_context(cadata=base64.b64decode(ca_data).decode())
        u = urllib.parse.urlsplit(endpoint)
        conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=30)
        hdrs = {"Authorization": "Bearer " + token, "Accept": "application/json"}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs["Content-Type"] = ctype or "application/json"
        try:
            conn.request(method, u.path + path, body=data, headers=hdrs)
            r = conn.getresponse()
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
        finally:
            conn.close()


def x(root, path, service):
    """Find text under an XML answer with a namespace-free path like 'GetRoleResult/Role/Arn'."""
    ns = "{%s}" % NS[service]
    el = root.find("/".join(ns + p for p in path.split("/")))
    return None if el is None else el.text


def wait_for(fn, timeout=30.0, interval=0.03):
    """Polls fn until it is truthy. The bound only catches a state that never moves (states change
    after --async-delay-ms); it is generous because a loaded CI machine can stall for seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("condition not met in %.1fs (last %r)" % (timeout, last))


class EmulatorTest(unittest.TestCase):
    """One emulator per test class."""
    ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(*cls.ARGS).start()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    # ---- helpers used by several modules
    def new_account(self, email=None, name="tenant"):
        email = email or "t%d@example.com" % int(time.time() * 1e6)
        st, _, doc = self.emu.org("CreateAccount", {"Email": email, "AccountName": name})
        self.assertEqual(st, 200, doc)
        rid = doc["CreateAccountStatus"]["Id"]

        def done():
            _, _, d = self.emu.org("DescribeCreateAccountStatus", {"CreateAccountRequestId": rid})
            s = d["CreateAccountStatus"]
            return s if s["State"] != "IN_PROGRESS" else None
        status = wait_for(done)
        self.assertEqual(status["State"], "SUCCEEDED", status)
        return status["AccountId"]

    def assume(self, account, role="OrganizationAccountAccessRole", creds=MGMT, timeout=30.0):
        arn = "arn:aws:iam::%s:role/%s" % (account, role)

        def attempt():
            st, _, root = self.emu.xml("sts", "AssumeRole", {"RoleArn": arn,
                                                             "RoleSessionName": "test"}, creds)
            if st != 200:
                return None
            base = "AssumeRoleResult/Credentials/"
            return (x(root, base + "AccessKeyId", "sts"), x(root, base + "SecretAccessKey", "sts"),
                    x(root, base + "SessionToken", "sts"))
        return wait_for(attempt, timeout)

    def tenant(self):
        """A fresh account and credentials acting in it."""
        acct = self.new_account()
        return acct, self.assume(acct)

    def hold(self, account, cluster, kind, name=None, on=True, region="us-east-1",
             namespace=None):
        """Admin hold knob: keeps an object (or one not created yet) in its transitional state,
        so a test observes CREATING / UPDATING / InProgress / Progressing whatever the speed."""
        doc = {"account": account, "region": region, "cluster": cluster, "kind": kind,
               "hold": on}
        if name is not None:
            doc["name"] = name
        if namespace is not None:
            doc["namespace"] = namespace
        st, out = self.emu.admin_post("/_localaws/hold", doc)
        self.assertEqual(st, 200, out)

    def make_role(self, creds, name, service):
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": service},
            "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
        st, _, root = self.emu.xml("iam", "CreateRole", {
            "RoleName": name, "AssumeRolePolicyDocument": json.dumps(trust)}, creds)
        self.assertEqual(st, 200)
        return x(root, "CreateRoleResult/Role/Arn", "iam")

    def active_cluster(self, creds, name="demo", version=None, region="us-east-1"):
        role = self.make_role(creds, name + "-cluster-role", "eks.amazonaws.com")
        body = {"name": name, "roleArn": role,
                "resourcesVpcConfig": {"subnetIds": ["subnet-a", "subnet-b"]}}
        if version:
            body["version"] = version
        st, _, doc = self.emu.eks("POST", "/clusters", body, creds=creds, region=region)
        self.assertEqual(st, 200, doc)
        return wait_for(lambda: self._cluster_if(creds, name, "ACTIVE", region))

    def _cluster_if(self, creds, name, status, region="us-east-1"):
        st, _, doc = self.emu.eks("GET", "/clusters/" + name, creds=creds, region=region)
        return doc["cluster"] if st == 200 and doc["cluster"]["status"] == status else None
