"""IAM (awsQuery, Version=2010-05-08) for localaws: roles, attached managed policies, role tags (OIDC
providers live in iam_oidc.py and join OPERATIONS below),
and the trust-policy evaluation STS uses for AssumeRole / AssumeRoleWithWebIdentity.

Each account has its own roles. Permission policies are stored, never evaluated (every principal of
an account is an administrator of it). Policy documents go back URL-encoded as IAM sends them.
Must not render XML itself: handlers return dicts for the Query layer.
"""

import fnmatch
import json
import re
import urllib.parse

from .protocols import ApiError, iso, q_list, q_struct_list
from .store import rand_upper
from .util import check_tags

_ROLE_NAME = re.compile(r"^[\w+=,.@-]+$")
_PATH = re.compile(r"^(/|/[\u0021-\u007E]*/)$")
_POLICY_ARN = re.compile(r"^arn:aws:iam::(aws|\d{12}):policy(/[\u0021-\u007E]*)?/([\w+=,.@-]+)$")
MAX_ATTACHED = 10

# AWS managed policies that exist in the emulator (path, name).
AWS_MANAGED_POLICIES = [
    ("/", "AdministratorAccess"), ("/", "PowerUserAccess"), ("/", "ReadOnlyAccess"),
    ("/job-function/", "ViewOnlyAccess"), ("/job-function/", "Billing"), ("/", "IAMFullAccess"),
    ("/", "AmazonEKSClusterPolicy"), ("/", "AmazonEKSServicePolicy"),
    ("/", "AmazonEKSVPCResourceController"), ("/", "AmazonEKSWorkerNodePolicy"),
    ("/", "AmazonEKS_CNI_Policy"), ("/", "AmazonEC2ContainerRegistryReadOnly"),
    ("/", "AmazonEC2ContainerRegistryPullOnly"), ("/", "AmazonSSMManagedInstanceCore"),
    ("/", "AmazonEKSComputePolicy"), ("/", "AmazonEKSBlockStoragePolicy"),
    ("/", "AmazonEKSLoadBalancingPolicy"), ("/", "AmazonEKSNetworkingPolicy"),
    ("/", "AmazonEKSWorkerNodeMinimalPolicy"), ("/service-role/", "AmazonEBSCSIDriverPolicy"),
    ("/service-role/", "AmazonEFSCSIDriverPolicy"), ("/", "CloudWatchAgentServerPolicy"),
    ("/", "AWSXrayWriteOnlyAccess"), ("/", "AmazonS3ReadOnlyAccess"),
    ("/", "AmazonS3FullAccess"), ("/", "AmazonRoute53FullAccess"),
    ("/", "AWSSecretsManagerClientReadOnlyAccess"), ("/", "AWSCodeCommitReadOnly"),
    ("/", "AWSMarketplaceMeteringRegisterUsage"),
]
_MANAGED = {"arn:aws:iam::aws:policy%s%s" % (p, n): n for p, n in AWS_MANAGED_POLICIES}


def validation(message):
    return ApiError("ValidationError", message, 400)


def _required(params, name, field):
    value = params.get(name)
    if value is None:
        raise validation("1 validation error detected: Value null at '%s' failed to satisfy "
                         "constraint: Member must not be null" % field)
    return value


def _role_name(params):
    name = _required(params, "RoleName", "roleName")
    if not 1 <= len(name) <= 64:
        raise validation("1 validation error detected: Value '%s' at 'roleName' failed to satisfy "
                         "constraint: Member must have length less than or equal to 64" % name)
    if not _ROLE_NAME.match(name):
        raise validation("1 validation error detected: Value '%s' at 'roleName' failed to satisfy "
                         "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
                         % name)
    return name


def parse_policy(text, trust):
    """Validate a policy document; returns the parsed dict or raises MalformedPolicyDocument."""
    if len(text) > 131072:
        raise ApiError("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048", 409)
    try:
        doc = json.loads(text)
    except ValueError:
        raise ApiError("MalformedPolicyDocument", "This policy contains invalid Json", 400)
    if not isinstance(doc, dict) or "Statement" not in doc:
        raise ApiError("MalformedPolicyDocument", "Syntax errors in policy.", 400)
    if doc.get("Version") not in (None, "2012-10-17", "2008-10-17"):
        raise ApiError("MalformedPolicyDocument", "The policy must contain a valid version "
                       "string", 400)
    stmts = doc["Statement"]
    stmts = stmts if isinstance(stmts, list) else [stmts]
    for s in stmts:
        if not isinstance(s, dict) or s.get("Effect") not in ("Allow", "Deny"):
            raise ApiError("MalformedPolicyDocument", "Syntax errors in policy.", 400)
        if "Action" not in s and "NotAction" not in s:
            raise ApiError("MalformedPolicyDocument", "Policy statement must contain actions.", 400)
        if trust:
            if "Resource" in s:
                raise ApiError("MalformedPolicyDocument", "Has prohibited field Resource", 400)
            if "Principal" not in s:
                raise ApiError("MalformedPolicyDocument", "AssumeRolepolicy contained an invalid "
                               "principal: Missing Principal.", 400)
            _check_principal_syntax(s["Principal"])
    return doc


def _check_principal_syntax(p):
    if p == "*":
        return
    if not isinstance(p, dict) or not p:
        raise ApiError("MalformedPolicyDocument", "Invalid principal in policy", 400)
    for kind, vals in p.items():
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise ApiError("MalformedPolicyDocument", "Invalid principal in policy: \"%s\"" % kind,
                           400)
        for v in vals if isinstance(vals, list) else [vals]:
            if not isinstance(v, str):
                raise ApiError("MalformedPolicyDocument", "Invalid principal in policy", 400)
            if kind == "AWS" and v != "*" and not re.match(r"^\d{12}$", v) and \
                    not re.match(r"^arn:aws:(iam|sts)::\d{12}:\S+$", v):
                raise ApiError("MalformedPolicyDocument", "Invalid principal in policy: \"AWS\":"
                               "\"%s\"" % v, 400)


# ---------------------------------------------------------------- trust evaluation

def _as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _action_matches(stmt, action):
    if "Action" in stmt:
        return any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _as_list(stmt["Action"]))
    return not any(fnmatch.fnmatchcase(action.lower(), a.lower())
                   for a in _as_list(stmt.get("NotAction")))


def _principal_matches(p, who):
    """who: {"kind": "aws"|"service"|"web", ...}"""
    if p == "*":
        return True
    if not isinstance(p, dict):
        return False
    if who["kind"] == "aws":
        for v in _as_list(p.get("AWS")):
            if v == "*" or v == who["arn"] or v == who.get("role_arn"):
                return True
            if v in (who["account"], "arn:aws:iam::%s:root" % who["account"]):
                return True
        return False
    if who["kind"] == "service":
        return who["service"] in _as_list(p.get("Service"))
    if who["kind"] == "web":
        for v in _as_list(p.get("Federated")):
            if v == who["provider_arn"] or v == who.get("provider_host"):
                return True
        return False
    return False


def _condition_matches(cond, context):
    if not cond:
        return True
    if not isinstance(cond, dict):
        return False
    for op, tests in cond.items():
        if not isinstance(tests, dict):
            return False
        for key, expected in tests.items():
            actual = context.get(key)
            if actual is None:
                actual = context.get(key.lower())
            expected = [str(e) for e in _as_list(expected)]
            actuals = _as_list(actual)
            if op in ("StringEquals", "ForAnyValue:StringEquals"):
                ok = any(a in expected for a in actuals)
            elif op in ("StringLike", "ForAnyValue:StringLike"):
                ok = any(fnmatch.fnmatchcase(a, e) for a in actuals for e in expected)
            elif op == "StringNotEquals":
                ok = actual is not None and all(a not in expected for a in actuals)
            elif op == "StringEqualsIgnoreCase":
                ok = any(a.lower() in [e.lower() for e in expected] for a in actuals)
            else:
                ok = False
            if not ok:
                return False
    return True


def trust_allows(role, who, action, context):
    doc = json.loads(role["AssumeRolePolicyDocument"])
    allowed = False
    for s in _as_list(doc.get("Statement")):
        if not _action_matches(s, action) or not _principal_matches(s.get("Principal"), who):
            continue
        if not _condition_matches(s.get("Condition"), context):
            continue
        if s.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


# ---------------------------------------------------------------- roles

def new_role(store, account, name, path, trust_text, description, max_session, tags, now):
    role_id = "AROA" + rand_upper(17)
    role = {"RoleName": name, "RoleId": role_id, "Path": path,
            "Arn": "arn:aws:iam::%s:role%s%s" % (account, path, name), "CreateDate": now,
            "AssumeRolePolicyDocument": trust_text, "Description": description,
            "MaxSessionDuration": max_session, "Tags": tags, "Attached": [], "ready_at": now}
    store.iam(account)["roles"][name] = role
    store.dirty = True
    return role


def create_org_access_role(store, account, name, mgmt_account, now, ready_at):
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % mgmt_account},
        "Action": "sts:AssumeRole"}]})
    role = new_role(store, account, name, "/", trust, None, 3600, {}, now)
    role["Attached"] = ["arn:aws:iam::aws:policy/AdministratorAccess"]
    role["ready_at"] = ready_at
    return role


def find_role_by_arn(store, arn):
    m = re.match(r"^arn:aws:iam::(\d{12}):role(/(?:[\u0021-\u007E]*/)?)?([\w+=,.@-]+)$", arn or "")
    if not m:
        return None, None
    account, name = m.group(1), m.group(3)
    role = store.state["iam"].get(account, {"roles": {}})["roles"].get(name)
    if role is None or role["Arn"] != arn:
        return account, None
    return account, role


def role_view(role):
    out = {"Path": role["Path"], "RoleName": role["RoleName"], "RoleId": role["RoleId"],
           "Arn": role["Arn"], "CreateDate": iso(role["CreateDate"]),
           "AssumeRolePolicyDocument": urllib.parse.quote(role["AssumeRolePolicyDocument"], safe="")}
    if role.get("Description") is not None:
        out["Description"] = role["Description"]
    out["MaxSessionDuration"] = role["MaxSessionDuration"]
    if role["Tags"]:
        out["Tags"] = [{"Key": k, "Value": v} for k, v in role["Tags"].items()]
    out["RoleLastUsed"] = {}
    return out


def _get_role(ctx, params):
    name = _role_name(params)
    role = ctx.store.iam(ctx.account)["roles"].get(name)
    if role is None:
        raise ApiError("NoSuchEntity", "The role with name %s cannot be found." % name, 404)
    return role


def _tags_param(params):
    raw = q_struct_list(params, "Tags", ("Key", "Value")) or []
    tags = {}
    for t in raw:
        if "Key" not in t:
            raise validation("1 validation error detected: Value null at 'tags.member.key' failed "
                             "to satisfy constraint: Member must not be null")
        tags[t["Key"]] = t.get("Value", "")

    def err(msg):
        if msg.startswith("Number"):
            return ApiError("LimitExceeded", "The number of tags has reached the maximum limit.",
                            409)
        return ApiError("InvalidInput", msg, 400)
    check_tags(tags, err)
    return tags


def create_role(ctx, params):
    name = _role_name(params)
    path = params.get("Path", "/")
    if not 1 <= len(path) <= 512 or not _PATH.match(path):
        raise validation("1 validation error detected: Value '%s' at 'path' failed to satisfy "
                         "constraint: Member must satisfy regular expression pattern: "
                         "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)" % path)
    trust = _required(params, "AssumeRolePolicyDocument", "assumeRolePolicyDocument")
    parse_policy(trust, trust=True)
    desc = params.get("Description")
    if desc is not None and len(desc) > 1000:
        raise validation("1 validation error detected: Value at 'description' failed to satisfy "
                         "constraint: Member must have length less than or equal to 1000")
    msd = params.get("MaxSessionDuration", "3600")
    if not msd.isdigit() or not 3600 <= int(msd) <= 43200:
        raise validation("1 validation error detected: Value '%s' at 'maxSessionDuration' failed "
                         "to satisfy constraint: Member must have value between 3600 and 43200"
                         % msd)
    tags = _tags_param(params)
    roles = ctx.store.iam(ctx.account)["roles"]
    if any(r.lower() == name.lower() for r in roles):
        raise ApiError("EntityAlreadyExists", "Role with name %s already exists." % name, 409)
    role = new_role(ctx.store, ctx.account, name, path, trust, desc, int(msd), tags, ctx.now)
    return {"Role": role_view(role)}


def get_role(ctx, params):
    return {"Role": role_view(_get_role(ctx, params))}


def list_roles(ctx, params):
    prefix = params.get("PathPrefix", "/")
    roles = sorted((r for r in ctx.store.iam(ctx.account)["roles"].values()
                    if r["Path"].startswith(prefix)), key=lambda r: r["RoleName"])
    return _paged(params, "Roles", [role_view(r) for r in roles])


def update_role(ctx, params):
    role = _get_role(ctx, params)
    if "Description" in params:
        role["Description"] = params["Description"]
    if "MaxSessionDuration" in params:
        msd = params["MaxSessionDuration"]
        if not msd.isdigit() or not 3600 <= int(msd) <= 43200:
            raise validation("1 validation error detected: Value '%s' at 'maxSessionDuration' "
                             "failed to satisfy constraint: Member must have value between 3600 "
                             "and 43200" % msd)
        role["MaxSessionDuration"] = int(msd)
    ctx.dirty()
    return {}


def update_assume_role_policy(ctx, params):
    role = _get_role(ctx, params)
    doc = _required(params, "PolicyDocument", "policyDocument")
    parse_policy(doc, trust=True)
    role["AssumeRolePolicyDocument"] = doc
    ctx.dirty()
    return None


def delete_role(ctx, params):
    role = _get_role(ctx, params)
    if role["Attached"]:
        raise ApiError("DeleteConflict", "Cannot delete entity, must detach all policies first.",
                       409)
    del ctx.store.iam(ctx.account)["roles"][role["RoleName"]]
    ctx.dirty()
    return None


def _policy_arn(params):
    arn = _required(params, "PolicyArn", "policyArn")
    if not 20 <= len(arn) <= 2048 or not _POLICY_ARN.match(arn):
        raise ApiError("InvalidInput", "ARN %s is not valid." % arn, 400)
    return arn


def attach_role_policy(ctx, params):
    role = _get_role(ctx, params)
    arn = _policy_arn(params)
    if arn not in _MANAGED:
        raise ApiError("NoSuchEntity", "Policy %s does not exist or is not attachable." % arn, 404)
    if arn not in role["Attached"]:
        if len(role["Attached"]) >= MAX_ATTACHED:
            raise ApiError("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: %d"
                           % MAX_ATTACHED, 409)
        role["Attached"].append(arn)
        ctx.dirty()
    return None


def detach_role_policy(ctx, params):
    role = _get_role(ctx, params)
    arn = _policy_arn(params)
    if arn not in role["Attached"]:
        raise ApiError("NoSuchEntity", "Policy %s was not found." % arn, 404)
    role["Attached"].remove(arn)
    ctx.dirty()
    return None


def _paged(params, key, items):
    """-> {key: one page of items, "IsTruncated": ..., "Marker": ... when more remain}."""
    page, marker = _page(params, items)
    out = {key: page, "IsTruncated": marker is not None}
    if marker:
        out["Marker"] = marker
    return out


def _page(params, items):
    mi = params.get("MaxItems", "100")
    if not mi.isdigit() or not 1 <= int(mi) <= 1000:
        raise validation("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy "
                         "constraint: Member must have value between 1 and 1000" % mi)
    start = 0
    marker = params.get("Marker")
    if marker is not None:
        if not marker.startswith("m") or not marker[1:].isdigit():
            raise validation("Invalid Marker.")
        start = int(marker[1:])
    end = start + int(mi)
    return items[start:end], ("m%d" % end if end < len(items) else None)


def list_attached_role_policies(ctx, params):
    role = _get_role(ctx, params)
    prefix = params.get("PathPrefix", "/")
    items = []
    for arn in role["Attached"]:
        path = arn.split(":policy", 1)[1].rsplit("/", 1)[0] + "/"
        if path.startswith(prefix):
            items.append({"PolicyName": _MANAGED.get(arn, arn.rsplit("/", 1)[1]), "PolicyArn": arn})
    return _paged(params, "AttachedPolicies", items)


def tag_role(ctx, params):
    role = _get_role(ctx, params)
    tags = _tags_param(params)
    if not tags:
        raise validation("1 validation error detected: Value null at 'tags' failed to satisfy "
                         "constraint: Member must not be null")
    merged = dict(role["Tags"])
    merged.update(tags)
    if len(merged) > 50:
        raise ApiError("LimitExceeded", "The number of tags has reached the maximum limit.", 409)
    role["Tags"] = merged
    ctx.dirty()
    return None


def untag_role(ctx, params):
    role = _get_role(ctx, params)
    keys = q_list(params, "TagKeys")
    if keys is None:
        raise validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy "
                         "constraint: Member must not be null")
    for k in keys:
        role["Tags"].pop(k, None)
    ctx.dirty()
    return None


def list_role_tags(ctx, params):
    role = _get_role(ctx, params)
    return _paged(params, "Tags", [{"Key": k, "Value": v} for k, v in role["Tags"].items()])


OPERATIONS = {
    "CreateRole": create_role,
    "GetRole": get_role,
    "ListRoles": list_roles,
    "UpdateRole": update_role,
    "UpdateAssumeRolePolicy": update_assume_role_policy,
    "DeleteRole": delete_role,
    "AttachRolePolicy": attach_role_policy,
    "DetachRolePolicy": detach_role_policy,
    "ListAttachedRolePolicies": list_attached_role_policies,
    "TagRole": tag_role,
    "UntagRole": untag_role,
    "ListRoleTags": list_role_tags,
}


def _register_oidc():
    from . import iam_oidc
    OPERATIONS.update(iam_oidc.OPERATIONS)


_register_oidc()
