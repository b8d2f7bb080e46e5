"""An independent SigV4 *signer* for the localaws tests (header signing, presigned URLs, EKS tokens).

Written separately from the emulator's verifier (localaws_lib/sigv4.py) and never imported by it,
so that a mistake in one cannot hide the same mistake in the other.
"""

import base64
import datetime
import hashlib
import hmac
import urllib.parse

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


def _enc(s):
    out = []
    for b in s.encode("utf-8"):
        c = chr(b)
        out.append(c if c in UNRESERVED else "%%%02X" % b)
    return "".join(out)


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def _stamp(now):
    dt = datetime.datetime.fromtimestamp(now, datetime.timezone.utc) if now is not None \
        else datetime.datetime.now(datetime.timezone.utc)
    return dt.strftime("%Y%m%dT%H%M%SZ")


def _canonical_path(path):
    # the path goes on the wire as given; non-S3 services encode every segment once more
    return "/".join(_enc(seg) for seg in (path or "/").split("/"))


def _canonical_query(query):
    pairs = []
    for part in filter(None, (query or "").split("&")):
        k, _, v = part.partition("=")
        pairs.append((_enc(urllib.parse.unquote(k)), _enc(urllib.parse.unquote(v))))
    return "&".join("%s=%s" % kv for kv in sorted(pairs))


def _key(secret, day, region, service):
    k = _hmac(("AWS4" + secret).encode("utf-8"), day)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


def sign_headers(method, path, query, headers, body, access_key, secret, region, service,
                 token=None, now=None, amz_date=None):
    """headers: dict (must contain Host). Returns a new dict with X-Amz-Date, the token and
    Authorization added. Every header passed in is signed."""
    amz_date = amz_date or _stamp(now)
    h = dict(headers)
    h["X-Amz-Date"] = amz_date
    if token:
        h["X-Amz-Security-Token"] = token
    names = sorted({k.lower() for k in h})
    lower = {}
    for k, v in h.items():
        lower[k.lower()] = " ".join(str(v).split())
    creq = "\n".join([method, _canonical_path(path), _canonical_query(query),
                      "".join("%s:%s\n" % (n, lower[n]) for n in names), ";".join(names),
                      hashlib.sha256(body or b"").hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)
    sts = "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (amz_date, scope,
                                           hashlib.sha256(creq.encode()).hexdigest())
    sig = hmac.new(_key(secret, amz_date[:8], region, service), sts.encode(),
                   hashlib.sha256).hexdigest()
    h["Authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        access_key, scope, ";".join(names), sig)
    return h


def presign(method, host, path, query, extra_headers, access_key, secret, region, service,
            expires=60, token=None, now=None, amz_date=None, body=b""):
    """Returns the query string (with X-Amz-Signature) of a presigned URL."""
    amz_date = amz_date or _stamp(now)
    scope = "%s/%s/%s/aws4_request" % (amz_date[:8], region, service)
    hdrs = {"host": host}
    hdrs.update({k.lower(): v for k, v in (extra_headers or {}).items()})
    names = sorted(hdrs)
    params = [("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
              ("X-Amz-Credential", "%s/%s" % (access_key, scope)),
              ("X-Amz-Date", amz_date), ("X-Amz-Expires", str(expires)),
              ("X-Amz-SignedHeaders", ";".join(names))]
    if token:
        params.append(("X-Amz-Security-Token", token))
    q = "&".join(filter(None, [query] + ["%s=%s" % (k, _enc(v)) for k, v in params]))
    creq = "\n".join([method, _canonical_path(path), _canonical_query(q),
                      "".join("%s:%s\n" % (n, hdrs[n]) for n in names), ";".join(names),
                      hashlib.sha256(body or b"").hexdigest()])
    sts = "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (amz_date, scope,
                                           hashlib.sha256(creq.encode()).hexdigest())
    sig = hmac.new(_key(secret, amz_date[:8], region, service), sts.encode(),
                   hashlib.sha256).hexdigest()
    return q + "&X-Amz-Signature=" + sig


def eks_token(cluster_name, access_key, secret, token=None, region="us-east-1",
              host=None, now=None, scheme="https"):
    host = host or "sts.%s.amazonaws.com" % region
    q = presign("GET", host, "/", "Action=GetCallerIdentity&Version=2011-06-15",
                {"x-k8s-aws-id": cluster_name}, access_key, secret, region, "sts", 60, token, now)
    url = "%s://%s/?%s" % (scheme, host, q)
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
