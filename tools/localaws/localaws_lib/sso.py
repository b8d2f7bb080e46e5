"""IAM Identity Center (AWS SSO) for localaws: the access portal's GetRoleCredentials
(GET /federation/credentials, the access token in the x-amz-sso_bearer_token header) and SSO
OIDC's CreateToken with the refresh_token grant (POST /token), both unsigned as on AWS.

`aws sso login` needs a browser; the admin call POST /_localaws/sso/login stands in for it and
answers with the document the AWS CLI writes to ~/.aws/sso/cache/<sha1>.json, so a test writes
that file and the provider finds a logged-in session. Role credentials are minted like STS
sessions, so every other service accepts them.
"""

import json
from urllib.parse import parse_qs

from . import iam, sts
from .protocols import ApiError, iso, rest_error
from .store import rand_lower, rand_secret

PORTAL_PATH = "/federation/credentials"
OIDC_TOKEN_PATH = "/token"
DEFAULT_EXPIRES_IN = 8 * 3600


def is_sso_request(method, path):
    return (method == "GET" and path == PORTAL_PATH) or (method == "POST" and
                                                         path == OIDC_TOKEN_PATH)


def _state(store):
    return store.state.setdefault("sso", {"tokens": {}, "refresh": {}})


def _new_token(store, now, assignments, expires_in, client):
    st = _state(store)
    token = "aoa" + rand_secret(60).replace("/", "x").replace("+", "y")
    refresh = "aor" + rand_secret(60).replace("/", "x").replace("+", "y")
    st["tokens"][token] = {"expires": now + expires_in, "assignments": assignments,
                           "client": client}
    st["refresh"][refresh] = {"assignments": assignments, "client": client,
                              "expires_in": expires_in}
    store.dirty = True
    return token, refresh


def admin_login(store, body, now):
    """POST /_localaws/sso/login {"assignments": [{"accountId", "roleName"}], "expiresIn",
    "startUrl", "region"} -> (status, doc): the CLI's token cache document."""
    try:
        doc = json.loads(body or b"{}")
        assignments = [[a["accountId"], a["roleName"]] for a in doc.get("assignments", [])]
        expires_in = int(doc.get("expiresIn", DEFAULT_EXPIRES_IN))
    except (ValueError, TypeError, KeyError, AttributeError):
        return 400, {"message": "body must be {\"assignments\": [{\"accountId\", \"roleName\"}],"
                                " \"expiresIn\": seconds}"}
    client = {"id": "cid-" + rand_lower(20), "secret": rand_secret(40)}
    token, refresh = _new_token(store, now, assignments, expires_in, client)
    return 200, {"startUrl": doc.get("startUrl", "https://d-0000000000.awsapps.com/start"),
                 "region": doc.get("region", "us-east-1"), "accessToken": token,
                 "expiresAt": iso(now + expires_in), "clientId": client["id"],
                 "clientSecret": client["secret"],
                 "registrationExpiresAt": iso(now + 90 * 86400), "refreshToken": refresh}


def admin_expire(store, now):
    """POST /_localaws/sso/expire: every access token expires now (a session that ended)."""
    for t in _state(store)["tokens"].values():
        t["expires"] = min(t["expires"], now)
    store.dirty = True
    return 200, {"expired": True}


def _portal_error(code, status, message):
    return ApiError(code, message, status)


def get_role_credentials(ctx, query, headers):
    token = ctx.header("x-amz-sso_bearer_token")
    q = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    account, role_name = q.get("account_id"), q.get("role_name")
    if not account or not role_name:
        raise _portal_error("InvalidRequestException", 400,
                            "account_id and role_name are required")
    rec = _state(ctx.store)["tokens"].get(token or "")
    if rec is None or rec["expires"] <= ctx.now:
        raise _portal_error("UnauthorizedException", 401,
                            "Session token not found or invalid")
    if [account, role_name] not in rec["assignments"]:
        raise _portal_error("ForbiddenException", 403, "No access")
    _, role = iam.find_role_by_arn(ctx.store, "arn:aws:iam::%s:role/%s" % (account, role_name))
    if role is None or not ctx.store.account_active(account):
        raise _portal_error("ResourceNotFoundException", 404, "Could not find role")
    minted = sts._mint(ctx, account, role, "sso-user", 3600)["Credentials"]
    return {"roleCredentials": {"accessKeyId": minted["AccessKeyId"],
                                "secretAccessKey": minted["SecretAccessKey"],
                                "sessionToken": minted["SessionToken"],
                                "expiration": int((ctx.now + 3600) * 1000)}}


def create_token(ctx, body):
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        raise _portal_error("InvalidRequestException", 400, "body is not JSON")
    if doc.get("grantType") != "refresh_token":
        raise _portal_error("UnsupportedGrantTypeException", 400,
                            "localaws supports the refresh_token grant only")
    st = _state(ctx.store)
    rec = st["refresh"].get(doc.get("refreshToken") or "")
    if (rec is None or rec["client"]["id"] != doc.get("clientId") or
            rec["client"]["secret"] != doc.get("clientSecret")):
        raise _portal_error("InvalidGrantException", 400, "Invalid refresh token provided")
    del st["refresh"][doc["refreshToken"]]  # refresh tokens rotate, as AWS's do
    token, refresh = _new_token(ctx.store, ctx.now, rec["assignments"], rec["expires_in"],
                                rec["client"])
    return {"accessToken": token, "tokenType": "Bearer", "expiresIn": rec["expires_in"],
            "refreshToken": refresh}


def handle(ctx, method, path, query, body):
    """-> (status, headers, body bytes) in restJson1's shape."""
    try:
        if method == "GET":
            doc = get_role_credentials(ctx, query, ctx.headers)
        else:
            doc = create_token(ctx, body)
        return 200, {"Content-Type": "application/json",
                     "x-amzn-RequestId": ctx.request_id}, json.dumps(doc).encode()
    except ApiError as e:
        return rest_error(e, ctx.request_id)
