"""Small helpers shared by the service modules: the per-request context, opaque pagination tokens
and tag validation. Nothing here touches the network or knows a particular operation.
"""

import base64
import json


class Ctx:
    """One request as a handler sees it. `principal` is None only for unsigned calls."""

    def __init__(self, store, principal, region, now, request_id, headers=None, host=None):
        self.store = store
        self.state = store.state
        self.cfg = store.cfg
        self.principal = principal
        self.region = region
        self.now = now
        self.request_id = request_id
        self.headers = headers or []
        self.host = host

    @property
    def account(self):
        return self.principal["account"]

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name:
                return v
        return None

    def dirty(self):
        self.store.dirty = True


def encode_token(offset, salt):
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "s": salt}).encode()).decode()


def decode_token(token, salt):
    """-> offset, or None when the token is not one of ours."""
    try:
        doc = json.loads(base64.urlsafe_b64decode(token.encode()))
        if doc.get("s") != salt or not isinstance(doc.get("o"), int) or doc["o"] < 0:
            return None
        return doc["o"]
    except (ValueError, TypeError, AttributeError):
        return None


def paginate(items, max_results, token, salt, bad_token):
    """Slice `items`; `bad_token()` builds the error raised for a foreign token."""
    start = 0
    if token:
        start = decode_token(token, salt)
        if start is None:
            raise bad_token()
    page = items[start:start + max_results]
    nxt = encode_token(start + max_results, salt) if start + max_results < len(items) else None
    return page, nxt


def check_tags(tags, err, allow_aws_prefix=False, limit=50):
    """tags: dict. `err(msg)` builds the error to raise."""
    if len(tags) > limit:
        raise err("Number of tags exceeds the limit of %d." % limit)
    for k, v in tags.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise err("Tag keys and values must be strings.")
        if not 1 <= len(k) <= 128:
            raise err("Tag key '%s' must be between 1 and 128 characters long." % k[:140])
        if len(v) > 256:
            raise err("Tag value for key '%s' must be at most 256 characters long." % k)
        if not allow_aws_prefix and k.lower().startswith("aws:"):
            raise err("Tag keys may not start with the reserved prefix 'aws:'.")
