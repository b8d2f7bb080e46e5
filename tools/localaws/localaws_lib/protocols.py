"""Wire shapes of the three AWS protocols localaws speaks: awsJson1_1, awsQuery (XML) and restJson1.

It turns handler results and ApiError exceptions into (status, headers, body) exactly as each
protocol's real services answer, and parses Query form parameters. It must not hold state or know
any operation's semantics.
"""

import json
import time
import urllib.parse
import uuid
from xml.sax.saxutils import escape

JSON_11 = "awsJson1_1"
QUERY = "awsQuery"
REST_JSON = "restJson1"

NAMESPACES = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}
EKS_ERROR_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.eks/"


class ApiError(Exception):
    """An AWS error: `code` as the protocol puts it on the wire, HTTP `status`, extra body `fields`."""

    def __init__(self, code, message, status=400, fields=None, sender=True, headers=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields or {}
        self.sender = sender
        self.headers = headers or {}


def new_request_id():
    return str(uuid.uuid4())


def iso(t):
    """ISO-8601 text with seconds precision, as STS and IAM send it."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def epoch(t):
    """JSON epoch-seconds number as awsJson/restJson send it (milliseconds precision)."""
    return round(float(t), 3)


# ---------------------------------------------------------------- awsQuery

def parse_query_params(body, raw_query):
    params = {}
    for source in (raw_query or "", body.decode("utf-8", "replace") if body else ""):
        for k, v in urllib.parse.parse_qsl(source, keep_blank_values=True):
            params[k] = v
    return params


def q_list(params, name):
    """Name.member.N=value -> [value...] ordered by N; None when the list is absent."""
    prefix = name + ".member."
    items = []
    for k, v in params.items():
        if k.startswith(prefix) and k[len(prefix):].isdigit():
            items.append((int(k[len(prefix):]), v))
    if not items:
        return [] if params.get(name) == "" else None
    return [v for _, v in sorted(items)]


def q_struct_list(params, name, members):
    """Name.member.N.Field=value -> [{Field: value}] ordered by N."""
    prefix = name + ".member."
    found = {}
    for k, v in params.items():
        if not k.startswith(prefix):
            continue
        idx, _, field = k[len(prefix):].partition(".")
        if idx.isdigit() and field in members:
            found.setdefault(int(idx), {})[field] = v
    if not found:
        return [] if params.get(name) == "" else None
    return [found[i] for i in sorted(found)]


def xml_elem(name, value):
    if value is None:
        return ""
    if isinstance(value, dict):
        inner = "".join(xml_elem(k, v) for k, v in value.items())
    elif isinstance(value, list):
        inner = "".join(xml_elem("member", v) for v in value)
    elif isinstance(value, bool):
        inner = "true" if value else "false"
    else:
        inner = escape(str(value))
    return "<%s>%s</%s>" % (name, inner, name)


def query_success(service, op, result, request_id):
    ns = NAMESPACES[service]
    body = '<%sResponse xmlns="%s">' % (op, ns)
    if result is not None:
        body += xml_elem(op + "Result", result)
    body += "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>" % (
        request_id, op)
    return 200, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body.encode()


def query_json_success(op, result, request_id):
    """STS answers JSON when asked with Accept: application/json (the EKS token verifier does)."""
    doc = {op + "Response": {op + "Result": result, "ResponseMetadata": {"RequestId": request_id}}}
    return 200, {"Content-Type": "application/json", "x-amzn-RequestId": request_id}, \
        json.dumps(doc).encode()


def query_error(service, err, request_id):
    ns = NAMESPACES.get(service, NAMESPACES["iam"])
    body = ('<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message>'
            '</Error><RequestId>%s</RequestId></ErrorResponse>') % (
        ns, "Sender" if err.sender else "Receiver", escape(err.code), escape(err.message), request_id)
    headers = {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}
    headers.update(err.headers)
    return err.status, headers, body.encode()


# ---------------------------------------------------------------- awsJson1_1

def json11_success(result, request_id):
    return 200, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id}, \
        json.dumps(result if result is not None else {}).encode()


def json11_error(err, request_id):
    doc = {"__type": err.code, "Message": err.message}
    doc.update(err.fields)
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id}
    headers.update(err.headers)
    return err.status, headers, json.dumps(doc).encode()


# ---------------------------------------------------------------- restJson1

def rest_success(result, request_id, status=200):
    return status, {"Content-Type": "application/json", "x-amzn-RequestId": request_id}, \
        json.dumps(result if result is not None else {}).encode()


def rest_error(err, request_id):
    doc = {"message": err.message}
    doc.update(err.fields)
    headers = {"Content-Type": "application/json", "x-amzn-RequestId": request_id,
               "x-amzn-ErrorType": err.code + EKS_ERROR_SUFFIX}
    headers.update(err.headers)
    return err.status, headers, json.dumps(doc).encode()


def render_error(protocol, service, err, request_id):
    if protocol == QUERY:
        return query_error(service, err, request_id)
    if protocol == JSON_11:
        return json11_error(err, request_id)
    return rest_error(err, request_id)


# ---------------------------------------------------------------- auth errors per protocol

# kind -> (code, status) per protocol. Query codes are the short codes STS/IAM send;
# awsJson (Organizations) answers 400, EKS (restJson) answers 403.
_AUTH_CODES = {
    QUERY: {
        "incomplete": ("IncompleteSignature", 400),
        "invalid_key": ("InvalidClientTokenId", 403),
        "signature": ("SignatureDoesNotMatch", 403),
        "expired_signature": ("SignatureDoesNotMatch", 403),
        "expired_token": ("ExpiredToken", 403),
        "missing": ("MissingAuthenticationToken", 403),
    },
    JSON_11: {
        "incomplete": ("IncompleteSignatureException", 400),
        "invalid_key": ("UnrecognizedClientException", 400),
        "signature": ("InvalidSignatureException", 400),
        "expired_signature": ("InvalidSignatureException", 400),
        "expired_token": ("ExpiredTokenException", 400),
        "missing": ("MissingAuthenticationTokenException", 400),
    },
    REST_JSON: {
        "incomplete": ("IncompleteSignatureException", 403),
        "invalid_key": ("UnrecognizedClientException", 403),
        "signature": ("InvalidSignatureException", 403),
        "expired_signature": ("InvalidSignatureException", 403),
        "expired_token": ("ExpiredTokenException", 403),
        "missing": ("MissingAuthenticationTokenException", 403),
    },
}


def auth_error(protocol, kind, message):
    code, status = _AUTH_CODES[protocol][kind]
    return ApiError(code, message, status)


# Throttling and transient faults per service (aws-apis.md section 8.1).
THROTTLE = {
    "organizations": lambda: ApiError("TooManyRequestsException",
                                      "AWS Organizations can't complete your request because it "
                                      "is already processing too many requests. Try again later.",
                                      400, {"Type": "RequestLimitExceeded"}),
    "sts": lambda: ApiError("Throttling", "Rate exceeded", 400),
    "iam": lambda: ApiError("Throttling", "Rate exceeded", 400),
    "eks": lambda: ApiError("ThrottlingException", "Rate exceeded", 429),
}
TRANSIENT = {
    "organizations": lambda: ApiError("ServiceException", "AWS Organizations can't complete your "
                                      "request because of an internal service error. Try again "
                                      "later.", 500, sender=False),
    "sts": lambda: ApiError("ServiceUnavailable", "Service is unavailable. Please try again "
                            "later.", 503, sender=False),
    "iam": lambda: ApiError("ServiceFailure", "The request processing has failed because of an "
                            "unknown error, exception or failure.", 500, sender=False),
    "eks": lambda: ApiError("ServiceUnavailableException", "The service is unavailable. Try again "
                            "later.", 503, sender=False),
}
