"""A small AWS API client for the end-to-end tests: the out-of-band changes an operator makes
(tag, move or close an account, delete or edit an IAM role in a tenant account) and the reads
that check what the provider did, sent to tools/localaws over real HTTP with SigV4.

Standard library only. Signs with the test-only signer tools/localaws/tests/sigv4_signer.py
(loaded by path; it is independent of the emulator). Must never import the emulator's own code:
the tests compare the provider against AWS behaviour, not against the emulator's internals.
"""
import http.client
import importlib.util
import json
import os
import time
import urllib.parse
import xml.etree.ElementTree as ET

_REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
_SIGNER_PATH = os.path.join(_REPO, "tools", "localaws", "tests", "sigv4_signer.py")
_spec = importlib.util.spec_from_file_location("unicron_e2e_sigv4_signer", _SIGNER_PATH)
signer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(signer)

MGMT_ACCOUNT = "000000000000"
MGMT_CREDS = ("test", "test", None)
ORG_TARGET = "AWSOrganizationsV20161128."
ACCOUNT_ACCESS_ROLE = "OrganizationAccountAccessRole"


class AwsError(Exception):
    """An AWS error answer: .op, .status, .code, .message."""

    def __init__(self, op, status, code, message):
        super().__init__("%s: HTTP %d %s: %s" % (op, status, code, message))
        self.op, self.status, self.code, self.message = op, status, code, message


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _find(el, *names):
    """The first descendant reached by the chain of local names (namespace-agnostic)."""
    for name in names:
        nxt = None
        for child in el.iter():
            if child is not el and _local(child.tag) == name:
                nxt = child
                break
        if nxt is None:
            return None
        el = nxt
    return el


def _text(el, *names):
    found = _find(el, *names)
    return None if found is None else (found.text or "")


# Answers an SDK retries: throttling and transient server errors (localaws --throttle-rate and
# --error-rate inject exactly these; a faulted call changes nothing).
RETRYABLE = frozenset(["TooManyRequestsException", "ServiceException", "Throttling",
                       "ThrottlingException", "ServiceUnavailable", "ServiceUnavailableException",
                       "ServiceFailure", "RequestLimitExceeded"])


class AwsApi:
    """One set of credentials against one localaws URL. Thread-compatible (no shared state
    beyond the immutable configuration). retries: how often a RETRYABLE answer is retried
    (0 = never), with a short fixed pause."""

    def __init__(self, url, creds=MGMT_CREDS, region="us-east-1", retries=0):
        u = urllib.parse.urlsplit(url)
        self.url = url
        self.host_port = u.netloc
        self.hostname = u.hostname
        self.port = u.port
        self.creds = creds
        self.region = region
        self.retries = retries

    def _with_retries(self, call):
        for attempt in range(self.retries + 1):
            try:
                return call()
            except AwsError as e:
                if e.code not in RETRYABLE or attempt == self.retries:
                    raise
                time.sleep(0.02)

    # ------------------------------------------------------------------ transport
    def _raw(self, method, path, body=b"", headers=None, timeout=30):
        conn = http.client.HTTPConnection(self.hostname, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def _signed(self, service, headers, body):
        h = {"Host": self.host_port}
        h.update(headers)
        akid, secret, token = self.creds
        h = signer.sign_headers("POST", "/", "", h, body, akid, secret, self.region, service,
                                token)
        return self._raw("POST", "/", body, h)

    def org(self, op, body=None):
        """One Organizations (awsJson1.1) call; the decoded answer, or AwsError."""
        return self._with_retries(lambda: self._org(op, body))

    def _org(self, op, body):
        data = json.dumps(body or {}).encode()
        st, b = self._signed("organizations", {
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": ORG_TARGET + op}, data)
        doc = json.loads(b) if b else {}
        if st != 200:
            code = str(doc.get("__type", "?")).rsplit("#", 1)[-1]
            raise AwsError(op, st, code, doc.get("Message") or doc.get("message") or "")
        return doc

    def query(self, service, action, params=None):
        """One STS / IAM (Query) call; the parsed XML root, or AwsError."""
        return self._with_retries(lambda: self._query(service, action, params))

    def _query(self, service, action, params):
        p = {"Action": action, "Version": "2011-06-15" if service == "sts" else "2010-05-08"}
        p.update(params or {})
        data = urllib.parse.urlencode(p, quote_via=urllib.parse.quote).encode()
        st, b = self._signed(service, {
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, data)
        root = ET.fromstring(b)
        if st != 200:
            raise AwsError(action, st, _text(root, "Error", "Code") or "?",
                           _text(root, "Error", "Message") or "")
        return root

    # ------------------------------------------------------------------ admin surface
    def admin(self, method, path):
        st, b = self._raw(method, path)
        if st != 200:
            raise AwsError(path, st, "admin", b.decode(errors="replace"))
        return json.loads(b)

    def state(self):
        return self.admin("GET", "/_localaws/state")

    def stats(self):
        return self.admin("GET", "/_localaws/stats")

    # ------------------------------------------------------------------ Organizations
    def _paged(self, op, body, key):
        out, token = [], None
        while True:
            b = dict(body)
            if token:
                b["NextToken"] = token
            doc = self.org(op, b)
            out += doc.get(key, [])
            token = doc.get("NextToken")
            if not token:
                return out

    def list_roots(self):
        return self._paged("ListRoots", {}, "Roots")

    def root_id(self):
        return self.list_roots()[0]["Id"]

    def create_ou(self, parent_id, name):
        """Creates an OU; returns its id."""
        doc = self.org("CreateOrganizationalUnit", {"ParentId": parent_id, "Name": name})
        return doc["OrganizationalUnit"]["Id"]

    def list_accounts(self):
        return self._paged("ListAccounts", {}, "Accounts")

    def create_account(self, email, name, tags=None, wait_s=15.0):
        """CreateAccount, polled until it ends; returns the new account id (AwsError with the
        FailureReason as code when it fails)."""
        body = {"Email": email, "AccountName": name}
        if tags:
            body["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        status = self.org("CreateAccount", body)["CreateAccountStatus"]
        deadline = time.monotonic() + wait_s
        while status["State"] == "IN_PROGRESS" and time.monotonic() < deadline:
            time.sleep(0.05)
            status = self.org("DescribeCreateAccountStatus", {
                "CreateAccountRequestId": status["Id"]})["CreateAccountStatus"]
        if status["State"] != "SUCCEEDED":
            raise AwsError("CreateAccount", 200, status.get("FailureReason") or status["State"],
                           "account %s not created" % email)
        return status["AccountId"]

    def describe_account(self, account_id):
        return self.org("DescribeAccount", {"AccountId": account_id})["Account"]

    def parent_of(self, account_id):
        parents = self._paged("ListParents", {"ChildId": account_id}, "Parents")
        if len(parents) != 1:
            raise AssertionError("account %s has parents %r" % (account_id, parents))
        return parents[0]["Id"]

    def move_account(self, account_id, destination_id, source_id=None):
        if source_id is None:
            source_id = self.parent_of(account_id)
        self.org("MoveAccount", {"AccountId": account_id, "SourceParentId": source_id,
                                 "DestinationParentId": destination_id})

    def close_account(self, account_id):
        self.org("CloseAccount", {"AccountId": account_id})

    def tag_resource(self, resource_id, tags):
        self.org("TagResource", {"ResourceId": resource_id,
                                 "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]})

    def untag_resource(self, resource_id, keys):
        self.org("UntagResource", {"ResourceId": resource_id, "TagKeys": list(keys)})

    def tags_of(self, resource_id):
        """ListTagsForResource as a dict."""
        tags = self._paged("ListTagsForResource", {"ResourceId": resource_id}, "Tags")
        return {t["Key"]: t["Value"] for t in tags}

    # ------------------------------------------------------------------ STS
    def assume_role(self, role_arn, session_name="unicron-e2e"):
        root = self.query("sts", "AssumeRole", {"RoleArn": role_arn,
                                                "RoleSessionName": session_name})
        return (_text(root, "Credentials", "AccessKeyId"),
                _text(root, "Credentials", "SecretAccessKey"),
                _text(root, "Credentials", "SessionToken"))

    def in_account(self, account_id, role_name=ACCOUNT_ACCESS_ROLE, wait_s=15.0):
        """An AwsApi acting inside account_id through its account-access role. Retries the
        AccessDenied of a role that has not propagated yet, for up to wait_s seconds."""
        arn = "arn:aws:iam::%s:role/%s" % (account_id, role_name)
        deadline = time.monotonic() + wait_s
        while True:
            try:
                return AwsApi(self.url, self.assume_role(arn), self.region, self.retries)
            except AwsError as e:
                if e.code != "AccessDenied" or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    # ------------------------------------------------------------------ IAM
    def get_role(self, name):
        """The role as {"RoleName", "Arn", "Path", "AssumeRolePolicyDocument" (parsed JSON)},
        or None when it does not exist."""
        try:
            root = self.query("iam", "GetRole", {"RoleName": name})
        except AwsError as e:
            if e.code == "NoSuchEntity":
                return None
            raise
        doc = urllib.parse.unquote(_text(root, "Role", "AssumeRolePolicyDocument") or "")
        return {"RoleName": _text(root, "Role", "RoleName"), "Arn": _text(root, "Role", "Arn"),
                "Path": _text(root, "Role", "Path"),
                "AssumeRolePolicyDocument": json.loads(doc) if doc else None}

    def list_attached_role_policies(self, name):
        """Sorted list of the attached managed policy ARNs."""
        arns, marker = [], None
        while True:
            p = {"RoleName": name}
            if marker:
                p["Marker"] = marker
            root = self.query("iam", "ListAttachedRolePolicies", p)
            attached = _find(root, "AttachedPolicies")
            for m in (attached if attached is not None else []):
                arns.append(_text(m, "PolicyArn"))
            if (_text(root, "IsTruncated") or "false") != "true":
                return sorted(arns)
            marker = _text(root, "Marker")

    def delete_role(self, name):
        """Detaches every managed policy, then deletes the role."""
        for arn in self.list_attached_role_policies(name):
            self.query("iam", "DetachRolePolicy", {"RoleName": name, "PolicyArn": arn})
        self.query("iam", "DeleteRole", {"RoleName": name})

    def update_assume_role_policy(self, name, document):
        """document: a dict (sent as compact JSON) or a JSON string."""
        if not isinstance(document, str):
            document = json.dumps(document, separators=(",", ":"))
        self.query("iam", "UpdateAssumeRolePolicy", {"RoleName": name,
                                                     "PolicyDocument": document})


def trust_principals(document):
    """The set of AWS principals an Allow statement for sts:AssumeRole grants in a trust policy
    document (parsed JSON), normalised to strings."""
    out = set()
    for st in (document or {}).get("Statement", []):
        if st.get("Effect") != "Allow":
            continue
        actions = st.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if "sts:AssumeRole" not in actions and "sts:*" not in actions:
            continue
        aws = (st.get("Principal") or {}).get("AWS", [])
        out.update([aws] if isinstance(aws, str) else aws)
    return out


# ---------------------------------------------------------------------- EKS and Kubernetes
# (additive: the add-on tests build tenant clusters out of band and read what the provider made)

def _eks_call(api, method, path, body=None, query=""):
    data = json.dumps(body).encode() if body is not None else b""
    h = {"Host": api.host_port}
    if body is not None:
        h["Content-Type"] = "application/json"
    akid, secret, token = api.creds
    h = signer.sign_headers(method, path, query, h, data, akid, secret, api.region, "eks", token)
    st, b = api._raw(method, path + ("?" + query if query else ""), data, h)
    doc = json.loads(b) if b else {}
    if st >= 300:
        code = str(doc.get("__type") or doc.get("code") or "").rsplit("#", 1)[-1]
        if not code:  # restJson1 names throttling and server faults by the status alone
            code = ("ThrottlingException" if st == 429 else
                    "ServiceUnavailableException" if st >= 500 else "?")
        raise AwsError(method + " " + path, st, code, doc.get("message") or "")
    return doc


def eks(api, method, path, body=None, query=""):
    """One EKS (restJson1) call with api's credentials; the decoded answer, or AwsError."""
    return api._with_retries(lambda: _eks_call(api, method, path, body, query))


def wait_until(fn, timeout_s=60.0, what="condition"):
    """Polls fn() until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout_s
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.1)


def _role(api, name, service):
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service},
        "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
    if api.get_role(name) is None:
        api.query("iam", "CreateRole", {"RoleName": name,
                                        "AssumeRolePolicyDocument": json.dumps(trust)})
    return api.get_role(name)["Arn"]


def create_cluster(api, name, version="1.34"):
    """An ACTIVE EKS cluster in api's account (made with a role trusted by EKS); the Cluster."""
    role = _role(api, name + "-cluster-role", "eks.amazonaws.com")
    eks(api, "POST", "/clusters", {"name": name, "roleArn": role, "version": version,
                                   "resourcesVpcConfig": {"subnetIds": ["subnet-a", "subnet-b"]}})
    return wait_until(lambda: _cluster_if(api, name, "ACTIVE"), what="cluster " + name)


def _cluster_if(api, name, status):
    c = eks(api, "GET", "/clusters/" + name)["cluster"]
    return c if c["status"] == status else None


def create_nodegroup(api, cluster, name):
    """An ACTIVE managed node group; the Nodegroup."""
    role = _role(api, cluster + "-node-role", "ec2.amazonaws.com")
    eks(api, "POST", "/clusters/%s/node-groups" % cluster, {
        "nodegroupName": name, "nodeRole": role, "subnets": ["subnet-a"],
        "scalingConfig": {"minSize": 1, "maxSize": 2, "desiredSize": 1}})
    return wait_until(lambda: _ng_if(api, cluster, name), what="node group " + name)


def _ng_if(api, cluster, name):
    ng = eks(api, "GET", "/clusters/%s/node-groups/%s" % (cluster, name))["nodegroup"]
    return ng if ng["status"] == "ACTIVE" else None


def upgrade_cluster(api, name, version):
    """UpdateClusterVersion and wait until the cluster is ACTIVE at that version."""
    eks(api, "POST", "/clusters/%s/updates" % name, {"version": version})
    return wait_until(lambda: (lambda c: c if c["status"] == "ACTIVE" and c["version"] == version
                               else None)(eks(api, "GET", "/clusters/" + name)["cluster"]),
                      what="upgrade of " + name)


def kube(api, cluster, method, path, body=None, ctype=None):
    """One Kubernetes API call to the cluster as api's principal (EKS token, the cluster's CA);
    (HTTP status, decoded body)."""
    import base64
    import ssl
    c = eks(api, "GET", "/clusters/" + cluster)["cluster"]
    akid, secret, token = api.creds
    tok = signer.eks_token(cluster, akid, secret, token, region=api.region)
    ctx = ssl.create_default_context(
        cadata=base64.b64decode(c["certificateAuthority"]["data"]).decode())
    u = urllib.parse.urlsplit(c["endpoint"])
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=30)
    hdrs = {"Authorization": "Bearer " + tok, "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = ctype or "application/json"
    try:
        conn.request(method, u.path + path, body=data, headers=hdrs)
        r = conn.getresponse()
        raw = r.read()
        return r.status, json.loads(raw) if raw else None
    finally:
        conn.close()
