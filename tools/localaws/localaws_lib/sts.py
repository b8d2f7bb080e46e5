"""STS (awsQuery, Version=2011-06-15) for localaws: GetCallerIdentity, AssumeRole (cross-account,
trust policies, propagation delay of new account roles) and AssumeRoleWithWebIdentity (unsigned).

Minted credentials are stored as sessions and are then accepted by the SigV4 verifier for every
service. Web identity tokens are parsed, not cryptographically verified (no IdP keys exist here).
"""

import base64
import json
import re

from . import iam
from .protocols import ApiError, iso
from .store import rand_secret, rand_session_token, rand_upper

_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
_ROLE_ARN = re.compile(r"^arn:aws:iam::\d{12}:role/[\u0021-\u007E]+$")


def _validation(msg):
    return ApiError("ValidationError", msg, 400)


def get_caller_identity(ctx, params):
    p = ctx.principal
    return {"UserId": p["user_id"], "Account": p["account"], "Arn": p["arn"]}


def _common(params):
    arn = params.get("RoleArn")
    if arn is None:
        raise _validation("1 validation error detected: Value null at 'roleArn' failed to satisfy "
                          "constraint: Member must not be null")
    if not 20 <= len(arn) <= 2048 or not _ROLE_ARN.match(arn):
        raise _validation("%s is invalid" % arn)
    name = params.get("RoleSessionName")
    if name is None:
        raise _validation("1 validation error detected: Value null at 'roleSessionName' failed to "
                          "satisfy constraint: Member must not be null")
    if not _SESSION_NAME.match(name):
        raise _validation("1 validation error detected: Value '%s' at 'roleSessionName' failed to "
                          "satisfy constraint: Member must satisfy regular expression pattern: "
                          "[\\w+=,.@-]*" % name)
    dur = params.get("DurationSeconds", "3600")
    if not dur.isdigit() or not 900 <= int(dur) <= 43200:
        raise _validation("1 validation error detected: Value '%s' at 'durationSeconds' failed to "
                          "satisfy constraint: Member must have value greater than or equal to 900"
                          % dur)
    return arn, name, int(dur)


def _mint(ctx, account, role, session_name, duration, extra=None):
    akid = "ASIA" + rand_upper(16)
    secret = rand_secret(40)
    token = rand_session_token()
    expires = ctx.now + duration
    role_name = role["RoleName"]
    principal = {"account": account, "kind": "assumed-role",
                 "arn": "arn:aws:sts::%s:assumed-role/%s/%s" % (account, role_name, session_name),
                 "user_id": "%s:%s" % (role["RoleId"], session_name), "role_arn": role["Arn"],
                 "session": session_name}
    ctx.state["sessions"][akid] = {"secret": secret, "token": token, "expires": expires,
                                   "principal": principal}
    # Drop sessions expired for more than a day so the state stays small.
    for k in [k for k, s in ctx.state["sessions"].items() if s["expires"] < ctx.now - 86400]:
        del ctx.state["sessions"][k]
    ctx.dirty()
    out = {"Credentials": {"AccessKeyId": akid, "SecretAccessKey": secret, "SessionToken": token,
                           "Expiration": iso(expires)},
           "AssumedRoleUser": {"AssumedRoleId": principal["user_id"], "Arn": principal["arn"]}}
    if extra:
        out.update(extra)
    return out


def _denied(caller_arn, action, role_arn):
    return ApiError("AccessDenied", "User: %s is not authorized to perform: %s on resource: %s"
                    % (caller_arn, action, role_arn), 403)


def _target_role(ctx, arn, caller_arn, action):
    account, role = iam.find_role_by_arn(ctx.store, arn)
    if role is None or not ctx.store.account_active(account) or role["ready_at"] > ctx.now:
        raise _denied(caller_arn, action, arn)
    from .admin import propagation_held
    if role["ready_at"] > role["CreateDate"] and propagation_held(ctx.store):
        raise _denied(caller_arn, action, arn)  # an access role still "propagating" (admin hold)
    return account, role


def assume_role(ctx, params):
    arn, session, duration = _common(params)
    caller = ctx.principal
    ext = params.get("ExternalId")
    if ext is not None and not re.match(r"^[\w+=,.@:/-]{2,1224}$", ext):
        raise _validation("1 validation error detected: Value '%s' at 'externalId' failed to "
                          "satisfy constraint" % ext)
    account, role = _target_role(ctx, arn, caller["arn"], "sts:AssumeRole")
    who = {"kind": "aws", "arn": caller["arn"], "account": caller["account"],
           "role_arn": caller.get("role_arn")}
    context = {"sts:ExternalId": ext, "aws:PrincipalArn": caller.get("role_arn") or caller["arn"],
               "aws:PrincipalAccount": caller["account"]}
    context = {k: v for k, v in context.items() if v is not None}
    if not iam.trust_allows(role, who, "sts:AssumeRole", context):
        raise _denied(caller["arn"], "sts:AssumeRole", arn)
    if duration > role["MaxSessionDuration"]:
        raise _validation("The requested DurationSeconds exceeds the MaxSessionDuration set for "
                          "this role.")
    if caller["kind"] == "assumed-role" and duration > 3600:
        raise _validation("The requested DurationSeconds exceeds the 1 hour session limit for "
                          "roles assumed by role chaining.")
    extra = {}
    if params.get("Policy") or any(k.startswith("Tags.member.") for k in params):
        extra["PackedPolicySize"] = 6
    if params.get("SourceIdentity"):
        extra["SourceIdentity"] = params["SourceIdentity"]
    return _mint(ctx, account, role, session, duration, extra)


def _b64url_json(part):
    pad = "=" * (-len(part) % 4)
    return json.loads(base64.urlsafe_b64decode(part + pad))


def assume_role_with_web_identity(ctx, params):
    arn, session, duration = _common(params)
    token = params.get("WebIdentityToken")
    if token is None:
        raise _validation("1 validation error detected: Value null at 'webIdentityToken' failed "
                          "to satisfy constraint: Member must not be null")
    if not 4 <= len(token) <= 20000:
        raise _validation("1 validation error detected: Value at 'webIdentityToken' failed to "
                          "satisfy constraint: Member must have length less than or equal to 20000")
    parts = token.strip().split(".")
    try:
        if len(parts) != 3:
            raise ValueError("parts")
        claims = _b64url_json(parts[1])
        if not isinstance(claims, dict) or not isinstance(claims.get("iss"), str):
            raise ValueError("iss")
    except (ValueError, TypeError):
        raise ApiError("InvalidIdentityToken", "Couldn't parse the web identity token.", 400)
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and exp < ctx.now:
        raise ApiError("ExpiredTokenException", "Token expired: current date/time %d must be "
                       "before the expiration date/time %d" % (ctx.now, exp), 400)
    issuer = claims["iss"]
    host = re.sub(r"^https://", "", issuer).rstrip("/")
    aud = claims.get("aud")
    aud_list = aud if isinstance(aud, list) else ([aud] if isinstance(aud, str) else [])
    caller_arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (arn.split(":")[4],
                                                         arn.rsplit("/", 1)[1], session)
    account, role = _target_role(ctx, arn, caller_arn, "sts:AssumeRoleWithWebIdentity")
    who = {"kind": "web", "provider_arn": "arn:aws:iam::%s:oidc-provider/%s" % (account, host),
           "provider_host": host}
    context = {host + ":sub": claims.get("sub"), host + ":aud": aud_list or None,
               host + ":amr": claims.get("amr")}
    context = {k: v for k, v in context.items() if v is not None}
    if not iam.trust_allows(role, who, "sts:AssumeRoleWithWebIdentity", context):
        raise ApiError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity",
                       403)
    if duration > role["MaxSessionDuration"]:
        raise _validation("The requested DurationSeconds exceeds the MaxSessionDuration set for "
                          "this role.")
    extra = {"SubjectFromWebIdentityToken": claims.get("sub", ""), "Provider": host}
    if aud_list:
        extra["Audience"] = aud_list[0]
    return _mint(ctx, account, role, session, duration, extra)


OPERATIONS = {
    "GetCallerIdentity": get_caller_identity,
    "AssumeRole": assume_role,
    "AssumeRoleWithWebIdentity": assume_role_with_web_identity,
}
UNSIGNED_OPERATIONS = {"AssumeRoleWithWebIdentity"}
