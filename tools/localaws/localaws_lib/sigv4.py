"""SigV4 *verification* for localaws: canonical request, string to sign, header and presigned-URL checks.

It rebuilds exactly what a client signed (only the listed SignedHeaders) and compares signatures.
It must not know about services or state: credentials come from a lookup callback, errors are
returned as AuthFailure kinds that the protocol layer renders in each service's real shape.
The tests carry their own independent signer; never import this module from the test signer.
"""

import hashlib
import hmac
import re
import time
import urllib.parse

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_SKEW_SECONDS = 15 * 60
_UNRESERVED = "-_.~"
_WS = re.compile(r"\s+")
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")


class AuthFailure(Exception):
    """kind: incomplete | invalid_key | signature | expired_signature | expired_token | missing."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message


def uri_encode(text):
    """RFC 3986 encoding of every byte except the unreserved set (what SigV4 asks for)."""
    return urllib.parse.quote(text, safe=_UNRESERVED)


def _normalize_segments(path):
    out = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    norm = "/" + "/".join(out)
    if len(out) > 0 and (path.endswith("/") or path.endswith("/.") or path.endswith("/..")):
        norm += "/"
    return norm


def canonical_uri(raw_path, normalize=True):
    """raw_path is the path as it went on the wire (already percent-encoded by the client);
    each segment is encoded again, which is the non-S3 double-encoding rule."""
    path = raw_path or "/"
    if normalize:
        path = _normalize_segments(path)
    return "/".join(uri_encode(seg) for seg in path.split("/")) or "/"


def canonical_query(raw_query, exclude=()):
    pairs = []
    if raw_query:
        for item in raw_query.split("&"):
            if item == "":
                continue
            key, _, value = item.partition("=")
            key = urllib.parse.unquote(key)
            value = urllib.parse.unquote(value)
            if key in exclude:
                continue
            pairs.append((uri_encode(key), uri_encode(value)))
    pairs.sort()
    return "&".join(k + "=" + v for k, v in pairs)


def canonical_headers(headers, signed):
    """headers: list of (name, value) in arrival order; signed: lower-case names, sorted."""
    lines = []
    for name in signed:
        values = [_WS.sub(" ", v.strip()) for (n, v) in headers if n.lower() == name]
        lines.append(name + ":" + ",".join(values) + "\n")
    return "".join(lines)


def canonical_request(method, raw_path, raw_query, headers, signed, payload_hash, normalize=True,
                      exclude_query=()):
    return "\n".join([
        method.upper(),
        canonical_uri(raw_path, normalize),
        canonical_query(raw_query, exclude_query),
        canonical_headers(headers, signed),
        ";".join(signed),
        payload_hash,
    ])


def string_to_sign(amz_date, scope, creq):
    return "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(creq.encode("utf-8")).hexdigest()])


def signing_key(secret, date, region, service):
    k = hmac.new(("AWS4" + secret).encode("utf-8"), date.encode("utf-8"), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        k = hmac.new(k, part.encode("utf-8"), hashlib.sha256).digest()
    return k


def signature(secret, date, region, service, sts):
    key = signing_key(secret, date, region, service)
    return hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_amz_date(value):
    if not value or not _AMZ_DATE.match(value):
        return None
    try:
        return time.mktime(time.strptime(value, "%Y%m%dT%H%M%SZ")) - time.timezone
    except (ValueError, OverflowError):
        return None


class SignedInfo:
    """What was found in the request: credential scope parts and how it was signed."""

    def __init__(self, access_key, date, region, service, signed_headers, sig, amz_date, presigned,
                 expires=None, token=None):
        self.access_key = access_key
        self.date = date
        self.region = region
        self.service = service
        self.signed_headers = signed_headers
        self.signature = sig
        self.amz_date = amz_date
        self.presigned = presigned
        self.expires = expires
        self.token = token


def _header(headers, name):
    for n, v in headers:
        if n.lower() == name:
            return v
    return None


def _parse_credential(cred):
    parts = cred.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise AuthFailure("incomplete", "Credential should be scoped to a valid region, not '%s'. "
                          % (parts[2] if len(parts) > 2 else ""))
    return parts


def extract(method, raw_query, headers):
    """Returns SignedInfo, or None when the request carries no SigV4 authentication at all."""
    auth = _header(headers, "authorization")
    query = urllib.parse.parse_qs(raw_query or "", keep_blank_values=True)
    if auth is not None:
        auth = auth.strip()
        alg, _, rest = auth.partition(" ")
        if alg != ALGORITHM:
            raise AuthFailure("incomplete", "Unsupported AWS 'algorithm': '%s'" % alg[:64])
        fields = {}
        for item in rest.split(","):
            k, _, v = item.strip().partition("=")
            if k:
                fields[k] = v
        missing = [k for k in ("Credential", "SignedHeaders", "Signature") if not fields.get(k)]
        if missing:
            raise AuthFailure("incomplete", " ".join(
                "Authorization header requires '%s' parameter." % k for k in missing)
                + " Authorization=" + auth[:120])
        amz_date = _header(headers, "x-amz-date")
        if amz_date is None:
            raise AuthFailure("incomplete", "Authorization header requires existence of either a "
                              "'X-Amz-Date' or a 'Date' header. Authorization=" + auth[:120])
        akid, date, region, service, _ = _parse_credential(fields["Credential"])
        signed = fields["SignedHeaders"].split(";")
        return SignedInfo(akid, date, region, service, signed, fields["Signature"], amz_date.strip(),
                          False, token=_header(headers, "x-amz-security-token"))
    if "X-Amz-Algorithm" in query or "X-Amz-Signature" in query or "X-Amz-Credential" in query:
        def one(name):
            vals = query.get(name)
            return vals[0] if vals else None
        if one("X-Amz-Algorithm") != ALGORITHM:
            raise AuthFailure("incomplete", "Unsupported AWS 'algorithm': '%s'"
                              % (one("X-Amz-Algorithm") or "")[:64])
        missing = [k for k in ("X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature",
                               "X-Amz-Date") if not one(k)]
        if missing:
            raise AuthFailure("incomplete", "AWS query-string parameters must include %s."
                              % ", ".join("'%s'" % m for m in missing))
        akid, date, region, service, _ = _parse_credential(one("X-Amz-Credential"))
        expires = one("X-Amz-Expires")
        if expires is not None:
            if not expires.isdigit():
                raise AuthFailure("incomplete", "X-Amz-Expires must be a number of seconds.")
            expires = int(expires)
        return SignedInfo(akid, date, region, service, one("X-Amz-SignedHeaders").split(";"),
                          one("X-Amz-Signature"), one("X-Amz-Date"), True, expires=expires,
                          token=one("X-Amz-Security-Token"))
    return None


def verify(method, raw_path, raw_query, headers, body, info, secret, now=None,
           max_presign_age=None):
    """Check one signed request. `info` comes from extract(), `secret` from the credential store.
    Raises AuthFailure; returns the canonical request on success (useful for tests)."""
    now = time.time() if now is None else now
    t = parse_amz_date(info.amz_date)
    if t is None:
        raise AuthFailure("incomplete", "Date must be in ISO-8601 'basic format'. Got '%s'."
                          % info.amz_date[:40])
    if info.amz_date[:8] != info.date:
        raise AuthFailure("signature", "Date in Credential scope does not match YYYYMMDD from "
                          "ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'."
                          % (info.date, info.amz_date[:8], info.amz_date))
    signed = info.signed_headers
    if signed != sorted(set(signed)) or any(s != s.lower() or not s for s in signed):
        raise AuthFailure("signature", "The request signature we calculated does not match the "
                          "signature you provided. SignedHeaders must be lower-case, sorted and unique.")
    if "host" not in signed:
        raise AuthFailure("signature", "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                          "Authorization.")
    for name in signed:
        if _header(headers, name) is None:
            raise AuthFailure("signature", "The request signature we calculated does not match the "
                              "signature you provided. Signed header '%s' is missing." % name)
    if info.presigned:
        limit = max_presign_age if max_presign_age is not None else (info.expires or 0)
        if info.expires is not None and (info.expires < 1 or info.expires > 604800):
            raise AuthFailure("incomplete", "X-Amz-Expires must be between 1 and 604800 seconds.")
        if now > t + limit:
            raise AuthFailure("expired_signature", "Request has expired: %s is before now."
                              % time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t + limit)))
        if t > now + MAX_SKEW_SECONDS:
            raise AuthFailure("expired_signature", "Signature not yet current: %s is still later "
                              "than %s" % (info.amz_date, _fmt(now + MAX_SKEW_SECONDS)))
        exclude = ("X-Amz-Signature",)
    else:
        if abs(now - t) > MAX_SKEW_SECONDS:
            if t < now:
                msg = "Signature expired: %s is now earlier than %s (%s - 15 min.)" % (
                    info.amz_date, _fmt(now - MAX_SKEW_SECONDS), _fmt(now))
            else:
                msg = "Signature not yet current: %s is still later than %s (%s + 15 min.)" % (
                    info.amz_date, _fmt(now + MAX_SKEW_SECONDS), _fmt(now))
            raise AuthFailure("expired_signature", msg)
        exclude = ()
    scope = "/".join([info.date, info.region, info.service, "aws4_request"])
    attempts = [(exclude, hashlib.sha256(body or b"").hexdigest())]
    if info.presigned:
        if body:
            # Presigned URLs of non-S3 services usually sign the empty payload.
            attempts.append((exclude, EMPTY_SHA256))
        if info.token is not None:
            # Some signers append the session token after presigning (it is then not signed).
            attempts += [(exclude + ("X-Amz-Security-Token",), h) for _, h in list(attempts)]
    for excl, payload_hash in attempts:
        creq = canonical_request(method, raw_path, raw_query, headers, signed, payload_hash,
                                 normalize=True, exclude_query=excl)
        sts = string_to_sign(info.amz_date, scope, creq)
        expected = signature(secret, info.date, info.region, info.service, sts)
        if hmac.compare_digest(expected, info.signature.lower()):
            return creq
    raise AuthFailure("signature", "The request signature we calculated does not match the "
                      "signature you provided. Check your AWS Secret Access Key and signing "
                      "method. Consult the service documentation for details.")


def _fmt(t):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))
