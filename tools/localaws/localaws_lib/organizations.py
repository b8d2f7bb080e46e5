"""AWS Organizations (awsJson1_1, target prefix AWSOrganizationsV20161128) for localaws.

Accounts (async CreateAccount, CloseAccount with a closure quota), OUs, roots, parents and tags.
A new account gets its own IAM state with the access role the management account may assume after
the role-propagation delay. Must not speak the wire format itself: it returns dicts and raises ApiError.
"""

import os
import re

from . import iam
from .protocols import ApiError, epoch
from .store import MGMT_ACCOUNT, rand_lower
from .util import check_tags, paginate

TARGET_PREFIX = "AWSOrganizationsV20161128."
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
_ROOT_ID = re.compile(r"^r-[0-9a-z]{4,32}$")
_CAR_ID = re.compile(r"^car-[a-z0-9]{8,32}$")
_EMAIL = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
_NAME = re.compile(r"^[\u0020-\u007E]+$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_STATE_TO_STATUS = {"ACTIVE": "ACTIVE", "PENDING_CLOSURE": "PENDING_CLOSURE",
                    "SUSPENDED": "SUSPENDED", "CLOSED": "SUSPENDED"}


def invalid(reason, message):
    return ApiError("InvalidInputException", message, 400, {"Reason": reason})


def constraint(reason, message):
    return ApiError("ConstraintViolationException", message, 400, {"Reason": reason})


def _require(body, name, pattern=None, what=None):
    value = body.get(name)
    if value is None or value == "":
        raise invalid("INPUT_REQUIRED", "You must specify a value for %s." % name)
    if not isinstance(value, str):
        raise ApiError("SerializationException", "Expected a string for %s." % name, 400)
    if pattern is not None and not pattern.match(value):
        raise invalid("INVALID_PATTERN", "You specified an invalid value for %s%s."
                      % (name, (" (" + what + ")") if what else ""))
    return value


def _page_args(body, limit=20):
    mr = body.get("MaxResults")
    if mr is None:
        mr = limit
    if not isinstance(mr, int) or isinstance(mr, bool) or mr < 1 or mr > limit:
        raise invalid("MAX_VALUE_EXCEEDED" if isinstance(mr, int) and mr > limit
                      else "MIN_VALUE_EXCEEDED",
                      "MaxResults must be between 1 and %d." % limit)
    return mr, body.get("NextToken")


def _bad_token():
    return invalid("INVALID_NEXT_TOKEN", "You specified an invalid value for nextToken.")


def _paged(body, key, items, salt, view=None):
    """-> {key: one page of items (each through view, when given), "NextToken": ... when more
    remain}, paged by MaxResults / NextToken in body; salt ties a token to one list."""
    mr, tok = _page_args(body)
    page, nxt = paginate(items, mr, tok, salt, _bad_token)
    out = {key: [view(x) for x in page] if view else page}
    if nxt:
        out["NextToken"] = nxt
    return out


def _tags_in(raw):
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise ApiError("SerializationException", "Tags must be a list.", 400)
    tags = {}
    for t in raw:
        if not isinstance(t, dict) or not isinstance(t.get("Key"), str) or \
                not isinstance(t.get("Value"), str):
            raise invalid("INPUT_REQUIRED", "Each tag needs a Key and a Value.")
        if t["Key"] in tags:
            raise invalid("DUPLICATE_TAG_KEY", "Duplicate tag key %s." % t["Key"])
        tags[t["Key"]] = t["Value"]

    def err(msg):
        if msg.startswith("Number"):
            return constraint("MAX_TAG_LIMIT_EXCEEDED", "You have exceeded the allowed number of "
                              "tags for a resource. " + msg)
        if "reserved prefix" in msg:
            return invalid("INVALID_SYSTEM_TAGS_PARAMETER", msg)
        return invalid("INVALID_INPUT", msg)
    check_tags(tags, err)
    return tags


def _tags_out(tags):
    return [{"Key": k, "Value": v} for k, v in tags.items()]


# ---------------------------------------------------------------- helpers over the tree

def _root_id(st):
    return next(iter(st["roots"]))


def _parent_exists(st, pid):
    return pid in st["roots"] or pid in st["ous"]


def _path(st, node_id):
    """Organizations `Paths` entry: o-x/r-x/ou-.../<id>/"""
    chain = [node_id]
    cur = st["accounts"][node_id]["ParentId"] if node_id in st["accounts"] else \
        st["ous"][node_id]["ParentId"]
    while cur in st["ous"]:
        chain.append(cur)
        cur = st["ous"][cur]["ParentId"]
    chain.append(cur)
    return st["org"]["Id"] + "/" + "/".join(reversed(chain)) + "/"


def account_view(st, acct):
    state = acct["State"]
    return {
        "Id": acct["Id"], "Arn": acct["Arn"], "Email": acct["Email"], "Name": acct["Name"],
        "Status": _STATE_TO_STATUS.get(state, state), "State": state,
        "JoinedMethod": acct["JoinedMethod"], "JoinedTimestamp": epoch(acct["JoinedTimestamp"]),
        "Paths": [_path(st, acct["Id"])],
    }


def _status_view(req):
    out = {"Id": req["Id"], "AccountName": req["AccountName"], "State": req["State"],
           "RequestedTimestamp": epoch(req["RequestedTimestamp"])}
    if req["State"] != "IN_PROGRESS":
        out["CompletedTimestamp"] = epoch(req["CompletedTimestamp"])
    if req.get("AccountId"):
        out["AccountId"] = req["AccountId"]
    if req.get("FailureReason"):
        out["FailureReason"] = req["FailureReason"]
    return out


def _ou_view(ou):
    return {"Id": ou["Id"], "Arn": ou["Arn"], "Name": ou["Name"]}


def _new_account_id(st):
    while True:
        candidate = str(100000000000 + int.from_bytes(os.urandom(6), "big")
                        % 900000000000)
        if candidate not in st["accounts"] and candidate != MGMT_ACCOUNT:
            return candidate


def _emails_in_use(st):
    used = {a["Email"].lower() for a in st["accounts"].values()}
    return used


# ---------------------------------------------------------------- time-driven state

def advance(store, now):
    """Finishes due CreateAccount requests and suspends due closing accounts. Returns the next
    due time (Store.tick), None while held."""
    from .admin import organizations_held
    st = store.state
    if organizations_held(store):
        return None
    nxt = float("inf")
    for req in st["create_requests"].values():
        if req["State"] != "IN_PROGRESS":
            continue
        if req["complete_at"] > now:
            nxt = min(nxt, req["complete_at"])
            continue
        done = req["complete_at"]
        req["CompletedTimestamp"] = done
        store.dirty = True
        if req["Email"].lower() in _emails_in_use(st):
            req["State"] = "FAILED"
            req["FailureReason"] = "EMAIL_ALREADY_EXISTS"
            continue
        acct_id = _new_account_id(st)
        org = st["org"]
        st["accounts"][acct_id] = {
            "Id": acct_id,
            "Arn": "arn:aws:organizations::%s:account/%s/%s" % (MGMT_ACCOUNT, org["Id"], acct_id),
            "Email": req["Email"], "Name": req["AccountName"], "State": "ACTIVE",
            "JoinedMethod": "CREATED", "JoinedTimestamp": done, "ParentId": _root_id(st),
            "Tags": dict(req.get("Tags", {})),
        }
        ready = done + store.cfg.role_propagation_ms / 1000.0
        iam.create_org_access_role(store, acct_id, req["RoleName"], MGMT_ACCOUNT, done, ready)
        req["State"] = "SUCCEEDED"
        req["AccountId"] = acct_id
    for acct in st["accounts"].values():
        if acct["State"] != "PENDING_CLOSURE":
            continue
        if acct.get("suspend_at", 0) <= now:
            acct["State"] = "SUSPENDED"
            store.dirty = True
        else:
            nxt = min(nxt, acct["suspend_at"])
    return nxt


# ---------------------------------------------------------------- operations

def _require_mgmt(ctx):
    if ctx.account != MGMT_ACCOUNT:
        raise ApiError("AccessDeniedException", "You don't have permissions to access this "
                       "resource.", 400)


def create_account(ctx, body):
    _require_mgmt(ctx)
    st = ctx.state
    email = _require(body, "Email")
    if not 6 <= len(email) <= 64 or not _EMAIL.match(email):
        raise invalid("INVALID_PATTERN", "You specified an invalid value for Email.")
    name = _require(body, "AccountName")
    if not 1 <= len(name) <= 50 or not _NAME.match(name):
        raise invalid("INVALID_PATTERN", "You specified an invalid value for AccountName.")
    role = body.get("RoleName") or "OrganizationAccountAccessRole"
    if not isinstance(role, str) or not _ROLE_NAME.match(role):
        raise invalid("INVALID_ROLE_NAME", "You specified an invalid value for RoleName.")
    billing = body.get("IamUserAccessToBilling", "ALLOW")
    if billing not in ("ALLOW", "DENY"):
        raise invalid("INVALID_ENUM", "You specified an invalid value for IamUserAccessToBilling.")
    tags = _tags_in(body.get("Tags"))
    rid = "car-" + rand_lower(32)
    req = {"Id": rid, "AccountName": name, "Email": email, "RoleName": role, "State": "IN_PROGRESS",
           "RequestedTimestamp": ctx.now, "complete_at": ctx.now + ctx.cfg.delay, "Tags": tags,
           "IamUserAccessToBilling": billing}
    st["create_requests"][rid] = req
    ctx.dirty()
    return {"CreateAccountStatus": _status_view(req)}


def describe_create_account_status(ctx, body):
    _require_mgmt(ctx)
    rid = _require(body, "CreateAccountRequestId", _CAR_ID)
    req = ctx.state["create_requests"].get(rid)
    if req is None:
        raise ApiError("CreateAccountStatusNotFoundException", "We can't find an create account "
                       "request with the CreateAccountRequestId that you specified.", 400)
    return {"CreateAccountStatus": _status_view(req)}


def list_create_account_status(ctx, body):
    _require_mgmt(ctx)
    states = body.get("States")
    if states is not None:
        if not isinstance(states, list) or any(s not in ("IN_PROGRESS", "SUCCEEDED", "FAILED")
                                               for s in states):
            raise invalid("INVALID_ENUM", "You specified an invalid value for States.")
    reqs = sorted(ctx.state["create_requests"].values(), key=lambda r: r["RequestedTimestamp"])
    if states:
        reqs = [r for r in reqs if r["State"] in states]
    return _paged(body, "CreateAccountStatuses", reqs, "lcas", _status_view)


def _get_account(ctx, body, field="AccountId"):
    acct_id = _require(body, field, _ACCOUNT_ID)
    acct = ctx.state["accounts"].get(acct_id)
    if acct is None:
        raise ApiError("AccountNotFoundException", "You specified an account that doesn't exist.",
                       400)
    return acct


def describe_account(ctx, body):
    _require_mgmt(ctx)
    return {"Account": account_view(ctx.state, _get_account(ctx, body))}


def _sorted_accounts(st):
    return sorted(st["accounts"].values(), key=lambda a: (a["JoinedTimestamp"], a["Id"]))


def list_accounts(ctx, body):
    _require_mgmt(ctx)
    return _paged(body, "Accounts", _sorted_accounts(ctx.state), "la",
                  lambda a: account_view(ctx.state, a))


def _parent_id_arg(ctx, body, name, missing_error="ParentNotFoundException"):
    pid = _require(body, name)
    if not (_ROOT_ID.match(pid) or _OU_ID.match(pid)):
        raise invalid("INVALID_PATTERN", "You specified an invalid value for %s." % name)
    if not _parent_exists(ctx.state, pid):
        raise ApiError(missing_error, "We can't find a root or OU with the ParentId that you "
                       "specified.", 400)
    return pid


def list_accounts_for_parent(ctx, body):
    _require_mgmt(ctx)
    pid = _parent_id_arg(ctx, body, "ParentId")
    accts = [a for a in _sorted_accounts(ctx.state) if a["ParentId"] == pid]
    return _paged(body, "Accounts", accts, "lafp" + pid,
                  lambda a: account_view(ctx.state, a))


def list_parents(ctx, body):
    _require_mgmt(ctx)
    st = ctx.state
    child = _require(body, "ChildId")
    if not (_ACCOUNT_ID.match(child) or _OU_ID.match(child)):
        raise invalid("INVALID_PATTERN", "You specified an invalid value for ChildId.")
    node = st["accounts"].get(child) or st["ous"].get(child)
    if node is None:
        raise ApiError("ChildNotFoundException", "We can't find an organizational unit (OU) or "
                       "AWS account with the ChildId that you specified.", 400)
    pid = node["ParentId"]
    parents = [{"Id": pid, "Type": "ROOT" if pid in st["roots"] else "ORGANIZATIONAL_UNIT"}]
    return _paged(body, "Parents", parents, "lp")


def list_children(ctx, body):
    _require_mgmt(ctx)
    st = ctx.state
    pid = _parent_id_arg(ctx, body, "ParentId")
    ctype = body.get("ChildType")
    if ctype not in ("ACCOUNT", "ORGANIZATIONAL_UNIT"):
        raise invalid("INVALID_ENUM", "You specified an invalid value for ChildType.")
    if ctype == "ACCOUNT":
        kids = [{"Id": a["Id"], "Type": "ACCOUNT"} for a in _sorted_accounts(st)
                if a["ParentId"] == pid]
    else:
        kids = [{"Id": o["Id"], "Type": "ORGANIZATIONAL_UNIT"} for o in st["ous"].values()
                if o["ParentId"] == pid]
    return _paged(body, "Children", kids, "lc" + pid + ctype)


def move_account(ctx, body):
    _require_mgmt(ctx)
    st = ctx.state
    acct = _get_account(ctx, body)
    src = _require(body, "SourceParentId")
    dst = _require(body, "DestinationParentId")
    for name, value in (("SourceParentId", src), ("DestinationParentId", dst)):
        if not (_ROOT_ID.match(value) or _OU_ID.match(value)):
            raise invalid("INVALID_PATTERN", "You specified an invalid value for %s." % name)
    if not _parent_exists(st, src) or acct["ParentId"] != src:
        raise ApiError("SourceParentNotFoundException", "We can't find a source root or OU with "
                       "the ParentId that you specified.", 400)
    if not _parent_exists(st, dst):
        raise ApiError("DestinationParentNotFoundException", "We can't find the destination "
                       "container (a root or OU) with the ParentId that you specified.", 400)
    if src == dst:
        raise ApiError("DuplicateAccountException", "That account is already present in the "
                       "specified destination.", 400)
    acct["ParentId"] = dst
    ctx.dirty()
    return {}


def close_account(ctx, body):
    _require_mgmt(ctx)
    st = ctx.state
    acct = _get_account(ctx, body)
    if acct["Id"] == MGMT_ACCOUNT:
        raise constraint("CANNOT_CLOSE_MANAGEMENT_ACCOUNT", "You attempted to close the "
                         "management account. You must remove all member accounts and then "
                         "delete the organization instead.")
    if acct["State"] != "ACTIVE":
        raise ApiError("AccountAlreadyClosedException", "You have already closed the account.",
                       400)
    window = ctx.cfg.close_account_window_s
    st["closures"] = [t for t in st["closures"] if t > ctx.now - window]
    if len(st["closures"]) >= ctx.cfg.close_account_quota:
        raise constraint("CLOSE_ACCOUNT_QUOTA_EXCEEDED", "You have exceeded close account quota "
                         "for the past 30 days.")
    st["closures"].append(ctx.now)
    acct["State"] = "PENDING_CLOSURE"
    acct["suspend_at"] = ctx.now + ctx.cfg.delay
    acct["closed_at"] = ctx.now
    ctx.dirty()
    return {}


def _tag_target(ctx, body):
    st = ctx.state
    rid = _require(body, "ResourceId")
    if _ACCOUNT_ID.match(rid):
        node = st["accounts"].get(rid)
    elif _OU_ID.match(rid):
        node = st["ous"].get(rid)
    elif _ROOT_ID.match(rid):
        node = st["roots"].get(rid)
    elif re.match(r"^p-[0-9a-zA-Z_]{8,128}$", rid):
        node = None
    else:
        raise invalid("INVALID_PATTERN", "You specified an invalid value for ResourceId.")
    if node is None:
        raise ApiError("TargetNotFoundException", "We can't find a root, OU, account, or policy "
                       "with the TargetId that you specified.", 400)
    return node


def tag_resource(ctx, body):
    _require_mgmt(ctx)
    node = _tag_target(ctx, body)
    if body.get("Tags") is None:
        raise invalid("INPUT_REQUIRED", "You must specify a value for Tags.")
    tags = _tags_in(body.get("Tags"))
    merged = dict(node["Tags"])
    merged.update(tags)
    if len(merged) > 50:
        raise constraint("MAX_TAG_LIMIT_EXCEEDED", "You have exceeded the allowed number of tags "
                         "for a resource.")
    node["Tags"] = merged
    ctx.dirty()
    return {}


def untag_resource(ctx, body):
    _require_mgmt(ctx)
    node = _tag_target(ctx, body)
    keys = body.get("TagKeys")
    if not isinstance(keys, list) or any(not isinstance(k, str) for k in keys):
        raise invalid("INPUT_REQUIRED", "You must specify a value for TagKeys.")
    for k in keys:
        node["Tags"].pop(k, None)
    ctx.dirty()
    return {}


def list_tags_for_resource(ctx, body):
    _require_mgmt(ctx)
    node = _tag_target(ctx, body)
    tags = _tags_out(node["Tags"])
    page, nxt = paginate(tags, 20, body.get("NextToken"), "lt" + body["ResourceId"], _bad_token)
    out = {"Tags": page}
    if nxt:
        out["NextToken"] = nxt
    return out


def describe_organization(ctx, body):
    if not ctx.store.account_active(ctx.account) and ctx.account != MGMT_ACCOUNT:
        raise ApiError("AWSOrganizationsNotInUseException", "Your account is not a member of an "
                       "organization.", 400)
    org = dict(ctx.state["org"])
    org["AvailablePolicyTypes"] = [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]
    return {"Organization": org}


def list_roots(ctx, body):
    _require_mgmt(ctx)
    roots = [{"Id": r["Id"], "Arn": r["Arn"], "Name": r["Name"], "PolicyTypes": r["PolicyTypes"]}
             for r in ctx.state["roots"].values()]
    return _paged(body, "Roots", roots, "lr")


def create_organizational_unit(ctx, body):
    _require_mgmt(ctx)
    st = ctx.state
    pid = _parent_id_arg(ctx, body, "ParentId")
    name = _require(body, "Name")
    if not 1 <= len(name) <= 128 or not _NAME.match(name):
        raise invalid("INVALID_PATTERN", "You specified an invalid value for Name.")
    if any(o["ParentId"] == pid and o["Name"] == name for o in st["ous"].values()):
        raise ApiError("DuplicateOrganizationalUnitException", "An OU with the same name already "
                       "exists.", 400)
    depth = 1
    cur = pid
    while cur in st["ous"]:
        depth += 1
        cur = st["ous"][cur]["ParentId"]
    if depth > 5:
        raise constraint("OU_DEPTH_LIMIT_EXCEEDED", "You attempted to create an OU tree that is "
                         "too many levels deep.")
    tags = _tags_in(body.get("Tags"))
    root_part = _root_id(st)[2:]
    ou_id = "ou-%s-%s" % (root_part, rand_lower(8))
    ou = {"Id": ou_id, "Name": name, "ParentId": pid, "Tags": tags,
          "Arn": "arn:aws:organizations::%s:ou/%s/%s" % (MGMT_ACCOUNT, st["org"]["Id"], ou_id)}
    st["ous"][ou_id] = ou
    ctx.dirty()
    return {"OrganizationalUnit": _ou_view(ou)}


def _get_ou(ctx, body):
    ou_id = _require(body, "OrganizationalUnitId", _OU_ID)
    ou = ctx.state["ous"].get(ou_id)
    if ou is None:
        raise ApiError("OrganizationalUnitNotFoundException", "We can't find an OU with the "
                       "OrganizationalUnitId that you specified.", 400)
    return ou


def describe_organizational_unit(ctx, body):
    _require_mgmt(ctx)
    return {"OrganizationalUnit": _ou_view(_get_ou(ctx, body))}


def update_organizational_unit(ctx, body):
    _require_mgmt(ctx)
    ou = _get_ou(ctx, body)
    name = body.get("Name")
    if name is not None:
        if not isinstance(name, str) or not 1 <= len(name) <= 128 or not _NAME.match(name):
            raise invalid("INVALID_PATTERN", "You specified an invalid value for Name.")
        ou["Name"] = name
        ctx.dirty()
    return {"OrganizationalUnit": _ou_view(ou)}


def delete_organizational_unit(ctx, body):
    _require_mgmt(ctx)
    st = ctx.state
    ou = _get_ou(ctx, body)
    if any(a["ParentId"] == ou["Id"] for a in st["accounts"].values()) or \
            any(o["ParentId"] == ou["Id"] for o in st["ous"].values()):
        raise ApiError("OrganizationalUnitNotEmptyException", "You can't delete an OU that "
                       "contains accounts or child OUs.", 400)
    del st["ous"][ou["Id"]]
    ctx.dirty()
    return {}


def list_organizational_units_for_parent(ctx, body):
    _require_mgmt(ctx)
    pid = _parent_id_arg(ctx, body, "ParentId")
    ous = [_ou_view(o) for o in ctx.state["ous"].values() if o["ParentId"] == pid]
    return _paged(body, "OrganizationalUnits", ous, "lou" + pid)


OPERATIONS = {
    "CreateAccount": create_account,
    "DescribeCreateAccountStatus": describe_create_account_status,
    "ListCreateAccountStatus": list_create_account_status,
    "DescribeAccount": describe_account,
    "ListAccounts": list_accounts,
    "ListAccountsForParent": list_accounts_for_parent,
    "ListParents": list_parents,
    "ListChildren": list_children,
    "MoveAccount": move_account,
    "CloseAccount": close_account,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
    "DescribeOrganization": describe_organization,
    "ListRoots": list_roots,
    "CreateOrganizationalUnit": create_organizational_unit,
    "DescribeOrganizationalUnit": describe_organizational_unit,
    "UpdateOrganizationalUnit": update_organizational_unit,
    "DeleteOrganizationalUnit": delete_organizational_unit,
    "ListOrganizationalUnitsForParent": list_organizational_units_for_parent,
}
