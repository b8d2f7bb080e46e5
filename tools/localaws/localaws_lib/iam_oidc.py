"""IAM OpenID Connect identity providers (awsQuery, Version=2010-05-08) for localaws: create, get,
list, delete, client ids, thumbprints and tags, per account.

ARN arn:aws:iam::<account>:oidc-provider/<issuer host and path>; one provider per URL. The emulator
does not fetch the issuer's keys (ThumbprintList is optional, as in IAM since 2024). Handlers return
dicts for the Query layer and raise ApiError.
"""

import re

from .protocols import ApiError, iso, q_list

_ARN = re.compile(r"^arn:aws:iam::(\d{12}):oidc-provider/(.+)$")
_THUMB = re.compile(r"^[0-9A-Fa-f]{40}$")
MAX_CLIENT_IDS = 100
MAX_THUMBPRINTS = 5


def _iam():
    from . import iam
    return iam


def _providers(ctx):
    return ctx.store.iam(ctx.account).setdefault("oidc", {})


def _url(params):
    iam = _iam()
    url = iam._required(params, "Url", "url")
    if not 1 <= len(url) <= 255:
        raise iam.validation("1 validation error detected: Value at 'url' failed to satisfy "
                             "constraint: Member must have length less than or equal to 255")
    if not url.startswith("https://") or len(url) <= len("https://") or "?" in url or \
            "#" in url:
        raise ApiError("InvalidInput", "Invalid Open ID Connect Provider URL: the URL must "
                       "begin with https:// and have no query or fragment", 400)
    return url.rstrip("/")


def _client_ids(params, name="ClientIDList"):
    ids = q_list(params, name) or []
    if len(ids) > MAX_CLIENT_IDS:
        raise ApiError("LimitExceeded", "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider:"
                       " %d" % MAX_CLIENT_IDS, 409)
    for i in ids:
        if not 1 <= len(i) <= 255:
            raise _iam().validation("1 validation error detected: Value at 'clientIDList' failed "
                                    "to satisfy constraint: Member must have length between 1 "
                                    "and 255")
    return list(dict.fromkeys(ids))


def _thumbprints(params, required=False):
    prints = q_list(params, "ThumbprintList")
    if prints is None:
        if required:
            _iam()._required(params, "ThumbprintList", "thumbprintList")
        return []
    if len(prints) > MAX_THUMBPRINTS:
        raise ApiError("LimitExceeded", "Thumbprint list must contain fewer than %d entries."
                       % (MAX_THUMBPRINTS + 1), 409)
    for t in prints:
        if not _THUMB.match(t):
            raise _iam().validation("1 validation error detected: Value '%s' at "
                                    "'thumbprintList' failed to satisfy constraint: Member must "
                                    "have length 40" % t)
    return [t.lower() for t in prints]


def _get(ctx, params):
    arn = _iam()._required(params, "OpenIDConnectProviderArn", "openIDConnectProviderArn")
    m = _ARN.match(arn)
    if not m:
        raise ApiError("InvalidInput", "ARN %s is not valid." % arn, 400)
    p = _providers(ctx).get(arn) if m.group(1) == ctx.account else None
    if p is None:
        raise ApiError("NoSuchEntity", "OpenIDConnect Provider not found for arn %s" % arn, 404)
    return p


def _tags_list(p):
    return [{"Key": k, "Value": v} for k, v in p["Tags"].items()]


def create_provider(ctx, params):
    url = _url(params)
    ids = _client_ids(params)
    prints = _thumbprints(params)
    tags = _iam()._tags_param(params)
    arn = "arn:aws:iam::%s:oidc-provider/%s" % (ctx.account, url[len("https://"):])
    providers = _providers(ctx)
    if arn in providers:
        raise ApiError("EntityAlreadyExists", "Provider with url %s already exists." % url, 409)
    providers[arn] = {"Arn": arn, "Url": url[len("https://"):], "ClientIDList": ids,
                      "ThumbprintList": prints, "CreateDate": ctx.now, "Tags": tags}
    ctx.dirty()
    out = {"OpenIDConnectProviderArn": arn}
    if tags:
        out["Tags"] = _tags_list(providers[arn])
    return out


def get_provider(ctx, params):
    p = _get(ctx, params)
    out = {"Url": p["Url"], "ClientIDList": p["ClientIDList"],
           "ThumbprintList": p["ThumbprintList"], "CreateDate": iso(p["CreateDate"])}
    if p["Tags"]:
        out["Tags"] = _tags_list(p)
    return out


def list_providers(ctx, params):
    return {"OpenIDConnectProviderList": [{"Arn": a} for a in sorted(_providers(ctx))]}


def delete_provider(ctx, params):
    p = _get(ctx, params)
    del _providers(ctx)[p["Arn"]]
    ctx.dirty()
    return None


def add_client_id(ctx, params):
    p = _get(ctx, params)
    cid = _iam()._required(params, "ClientID", "clientID")
    if not 1 <= len(cid) <= 255:
        raise _iam().validation("1 validation error detected: Value at 'clientID' failed to "
                                "satisfy constraint: Member must have length between 1 and 255")
    if cid not in p["ClientIDList"]:
        if len(p["ClientIDList"]) >= MAX_CLIENT_IDS:
            raise ApiError("LimitExceeded", "Cannot exceed quota for "
                           "ClientIdsPerOpenIdConnectProvider: %d" % MAX_CLIENT_IDS, 409)
        p["ClientIDList"].append(cid)
        ctx.dirty()
    return None


def remove_client_id(ctx, params):
    p = _get(ctx, params)
    cid = _iam()._required(params, "ClientID", "clientID")
    if cid in p["ClientIDList"]:
        p["ClientIDList"].remove(cid)
        ctx.dirty()
    return None


def update_thumbprint(ctx, params):
    p = _get(ctx, params)
    p["ThumbprintList"] = _thumbprints(params, required=True)
    ctx.dirty()
    return None


def tag_provider(ctx, params):
    p = _get(ctx, params)
    tags = _iam()._tags_param(params)
    if not tags:
        raise _iam().validation("1 validation error detected: Value null at 'tags' failed to "
                                "satisfy constraint: Member must not be null")
    merged = dict(p["Tags"])
    merged.update(tags)
    if len(merged) > 50:
        raise ApiError("LimitExceeded", "The number of tags has reached the maximum limit.", 409)
    p["Tags"] = merged
    ctx.dirty()
    return None


def untag_provider(ctx, params):
    p = _get(ctx, params)
    keys = q_list(params, "TagKeys")
    if keys is None:
        raise _iam().validation("1 validation error detected: Value null at 'tagKeys' failed to "
                                "satisfy constraint: Member must not be null")
    for k in keys:
        p["Tags"].pop(k, None)
    ctx.dirty()
    return None


def list_provider_tags(ctx, params):
    return _iam()._paged(params, "Tags", _tags_list(_get(ctx, params)))


OPERATIONS = {
    "CreateOpenIDConnectProvider": create_provider,
    "GetOpenIDConnectProvider": get_provider,
    "ListOpenIDConnectProviders": list_providers,
    "DeleteOpenIDConnectProvider": delete_provider,
    "AddClientIDToOpenIDConnectProvider": add_client_id,
    "RemoveClientIDFromOpenIDConnectProvider": remove_client_id,
    "UpdateOpenIDConnectProviderThumbprint": update_thumbprint,
    "TagOpenIDConnectProvider": tag_provider,
    "UntagOpenIDConnectProvider": untag_provider,
    "ListOpenIDConnectProviderTags": list_provider_tags,
}
