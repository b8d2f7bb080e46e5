"""A small AWS API client for the end-to-end tests: the out-of-band changes an operator makes
(tag, move or close an account, delete or edit an IAM role in a tenant account, change an EKS
cluster's logging, delete a node group or an access entry) and the reads that check what the
provider did, sent to tools/localaws over real HTTP with SigV4.

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
        st, _, b = self._raw_headers(method, path, body, headers, timeout)
        return st, b

    def _raw_headers(self, method, path, body=b"", headers=None, timeout=30):
        """-> (status, {lower-case header: value}, body)."""
        conn = http.client.HTTPConnection(self.hostname, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def _signed(self, service, headers, body):
        h = {"Host": self.host_port}
        h.update(headers)
        akid, secret, token = self.creds
        h = signer.sign_headers("POST", "/", "", h, body, akid, secret, self.region, service,
                                token)
        return self._raw("POST", "/", body, h)

    def _signed_rest(self, service, method, path, query, body):
        data = b"" if body is None else json.dumps(body).encode()
        h = {"Host": self.host_port}
        if body is not None:
            h["Content-Type"] = "application/json"
        akid, secret, token = self.creds
        h = signer.sign_headers(method, path, query, h, data, akid, secret, self.region, service,
                                token)
        return self._raw_headers(method, path + ("?" + query if query else ""), data, h)

    def eks(self, method, path, body=None, query=None, op=None):
        """One EKS (restJson1) call. path: already percent-encoded once (see eks_path);
        query: dict. The decoded answer, or AwsError (code from x-amzn-ErrorType / the body)."""
        return self._with_retries(lambda: self._eks(method, path, body, query, op))

    def _eks(self, method, path, body, query, op):
        qs = urllib.parse.urlencode(sorted((query or {}).items()), quote_via=urllib.parse.quote)
        st, hdrs, b = self._signed_rest("eks", method, path, qs, body)
        doc = json.loads(b) if b.strip() else {}
        if st >= 300:
            code = hdrs.get("x-amzn-errortype") or doc.get("__type") or doc.get("code") or "?"
            raise AwsError(op or "%s %s" % (method, path), st, _eks_code(str(code)),
                           doc.get("message") or doc.get("Message") or "")
        return doc

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
    def admin(self, method, path, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        st, b = self._raw(method, path, data, headers)
        if st != 200:
            raise AwsError(path, st, "admin", b.decode(errors="replace"))
        return json.loads(b)

    def hold(self, account, cluster, kind, name=None, hold=True):
        """The emulator's hold knob: keeps kind/name of the cluster (and its updates) in its
        transitional state until released (docs/localaws.md, admin surface)."""
        body = {"account": account, "region": self.region, "cluster": cluster, "kind": kind,
                "hold": hold}
        if name is not None:
            body["name"] = name
        return self.admin("POST", "/_localaws/hold", body)

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
    def caller_identity(self):
        root = self.query("sts", "GetCallerIdentity")
        return {"Account": _text(root, "Account"), "Arn": _text(root, "Arn")}

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

    def role_tags(self, name):
        """ListRoleTags (every page) as a dict."""
        tags, marker = {}, None
        while True:
            p = {"RoleName": name}
            if marker:
                p["Marker"] = marker
            root = self.query("iam", "ListRoleTags", p)
            found = _find(root, "Tags")
            for m in (found if found is not None else []):
                tags[_text(m, "Key")] = _text(m, "Value")
            if (_text(root, "IsTruncated") or "false") != "true":
                return tags
            marker = _text(root, "Marker")

    def delete_role(self, name):
        """Detaches every managed policy, then deletes the role."""
        for arn in self.list_attached_role_policies(name):
            self.query("iam", "DetachRolePolicy", {"RoleName": name, "PolicyArn": arn})
        self.query("iam", "DeleteRole", {"RoleName": name})

    def create_role(self, name, trusted_service=None, trusted_aws=None):
        """A role trusting a service ("eks.amazonaws.com") or an AWS principal; returns its
        ARN."""
        principal = {"Service": trusted_service} if trusted_service else {
            "AWS": trusted_aws or "arn:aws:iam::%s:root" % MGMT_ACCOUNT}
        doc = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}
        root = self.query("iam", "CreateRole", {
            "RoleName": name, "AssumeRolePolicyDocument": json.dumps(doc)})
        return _text(root, "Role", "Arn")

    def list_roles(self):
        """Every role name of the account (all pages)."""
        names, marker = [], None
        while True:
            p = {"Marker": marker} if marker else {}
            root = self.query("iam", "ListRoles", p)
            roles = _find(root, "Roles")
            for m in (roles if roles is not None else []):
                names.append(_text(m, "RoleName"))
            if (_text(root, "IsTruncated") or "false") != "true":
                return sorted(names)
            marker = _text(root, "Marker")

    def list_oidc_providers(self):
        """ARNs of the account's IAM OIDC identity providers."""
        root = self.query("iam", "ListOpenIDConnectProviders")
        lst = _find(root, "OpenIDConnectProviderList")
        return sorted(_text(m, "Arn") for m in (lst if lst is not None else []))

    def get_oidc_provider(self, arn):
        """{"Url", "ClientIDList", "ThumbprintList"} or None when it does not exist."""
        try:
            root = self.query("iam", "GetOpenIDConnectProvider",
                              {"OpenIDConnectProviderArn": arn})
        except AwsError as e:
            if e.code == "NoSuchEntity":
                return None
            raise
        def members(name):
            el = _find(root, name)
            return [m.text or "" for m in (el if el is not None else [])]
        return {"Url": _text(root, "Url"), "ClientIDList": members("ClientIDList"),
                "ThumbprintList": members("ThumbprintList")}

    def delete_oidc_provider(self, arn):
        self.query("iam", "DeleteOpenIDConnectProvider", {"OpenIDConnectProviderArn": arn})

    # ------------------------------------------------------------------ EKS
    def _eks_paged(self, path, key, query=None, op=None):
        out, token = [], None
        while True:
            q = dict(query or {})
            if token:
                q["nextToken"] = token
            doc = self.eks("GET", path, query=q, op=op)
            out += doc.get(key, [])
            token = doc.get("nextToken")
            if not token:
                return out

    def list_clusters(self):
        return self._eks_paged("/clusters", "clusters", op="ListClusters")

    def describe_cluster(self, name):
        """The cluster, or None when it does not exist."""
        try:
            return self.eks("GET", eks_path("clusters", name), op="DescribeCluster")["cluster"]
        except AwsError as e:
            if e.code == "ResourceNotFoundException":
                return None
            raise

    def update_cluster_config(self, name, body):
        return self.eks("POST", eks_path("clusters", name, "update-config"), body,
                        op="UpdateClusterConfig")["update"]

    def set_logging(self, name, types, enabled):
        return self.update_cluster_config(name, {"logging": {"clusterLogging": [
            {"types": list(types), "enabled": enabled}]}})

    def list_updates(self, name, nodegroup=None):
        q = {"nodegroupName": nodegroup} if nodegroup else {}
        return self._eks_paged(eks_path("clusters", name, "updates"), "updateIds", q,
                               op="ListUpdates")

    def describe_update(self, name, update_id, nodegroup=None):
        q = {"nodegroupName": nodegroup} if nodegroup else {}
        return self.eks("GET", eks_path("clusters", name, "updates", update_id), query=q,
                        op="DescribeUpdate")["update"]

    def updates(self, name, nodegroup=None):
        """Every update of the cluster (or of one node group), DescribeUpdate answers."""
        return [self.describe_update(name, u, nodegroup)
                for u in self.list_updates(name, nodegroup)]

    def list_nodegroups(self, cluster):
        return sorted(self._eks_paged(eks_path("clusters", cluster, "node-groups"), "nodegroups",
                                      op="ListNodegroups"))

    def describe_nodegroup(self, cluster, name):
        """The node group, or None when it does not exist."""
        try:
            return self.eks("GET", eks_path("clusters", cluster, "node-groups", name),
                            op="DescribeNodegroup")["nodegroup"]
        except AwsError as e:
            if e.code == "ResourceNotFoundException":
                return None
            raise

    def delete_cluster(self, name):
        return self.eks("DELETE", eks_path("clusters", name), op="DeleteCluster")["cluster"]

    def wait_cluster_gone(self, name, wait_s=60.0):
        deadline = time.monotonic() + wait_s
        while self.describe_cluster(name) is not None:
            if time.monotonic() > deadline:
                raise AssertionError("cluster %s still exists" % name)
            time.sleep(0.05)

    def delete_nodegroup(self, cluster, name):
        return self.eks("DELETE", eks_path("clusters", cluster, "node-groups", name),
                        op="DeleteNodegroup")["nodegroup"]

    def update_nodegroup_config(self, cluster, name, body):
        return self.eks("POST", eks_path("clusters", cluster, "node-groups", name,
                                         "update-config"), body,
                        op="UpdateNodegroupConfig")["update"]

    def wait_nodegroup(self, cluster, name, status, wait_s=60.0):
        """Polls until the node group has status (or is gone, for status None)."""
        deadline = time.monotonic() + wait_s
        while True:
            ng = self.describe_nodegroup(cluster, name)
            got = ng["status"] if ng else None
            if got == status:
                return ng
            if time.monotonic() > deadline:
                raise AssertionError("node group %s is %s, not %s" % (name, got, status))
            time.sleep(0.05)

    def wait_cluster_update(self, cluster, update_id, nodegroup=None, wait_s=60.0):
        deadline = time.monotonic() + wait_s
        while True:
            u = self.describe_update(cluster, update_id, nodegroup)
            if u["status"] != "InProgress":
                return u
            if time.monotonic() > deadline:
                raise AssertionError("update %s still in progress" % update_id)
            time.sleep(0.05)

    def list_access_entries(self, cluster):
        return sorted(self._eks_paged(eks_path("clusters", cluster, "access-entries"),
                                      "accessEntries", op="ListAccessEntries"))

    def delete_access_entry(self, cluster, principal_arn):
        self.eks("DELETE", eks_path("clusters", cluster, "access-entries", principal_arn),
                 op="DeleteAccessEntry")

    def associated_access_policies(self, cluster, principal_arn):
        """[{"policyArn", "accessScope": {"type", "namespaces"}}] of one access entry."""
        return self._eks_paged(eks_path("clusters", cluster, "access-entries", principal_arn,
                                        "access-policies"), "associatedAccessPolicies",
                               op="ListAssociatedAccessPolicies")

    def eks_tags(self, arn):
        return self.eks("GET", eks_path("tags", arn), op="ListTagsForResource").get("tags", {})

    def eks_tag(self, arn, tags):
        self.eks("POST", eks_path("tags", arn), {"tags": dict(tags)}, op="TagResource")

    def cluster_versions(self, include_all=True):
        """DescribeClusterVersions (every page): the clusterVersions list."""
        q = {"clusterType": "eks"}
        if include_all:
            q["includeAll"] = "true"
        return self._eks_paged("/cluster-versions", "clusterVersions", q,
                               op="DescribeClusterVersions")

    def update_assume_role_policy(self, name, document):
        """document: a dict (sent as compact JSON) or a JSON string."""
        if not isinstance(document, str):
            document = json.dumps(document, separators=(",", ":"))
        self.query("iam", "UpdateAssumeRolePolicy", {"RoleName": name,
                                                     "PolicyDocument": document})


def eks_path(*segments):
    """A restJson1 path from raw segments, each percent-encoded once (an ARN's ':' and '/'
    included), as the SDKs put them on the wire."""
    return "/" + "/".join(urllib.parse.quote(seg, safe="") for seg in segments)


def _eks_code(code):
    """The error name of x-amzn-ErrorType ("Name:http://internal..."), or a __type."""
    return code.split(":", 1)[0].rsplit("#", 1)[-1]


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
