"""HTTP(S) front of localaws: one port, TLS sniffed from the first byte, requests routed the way the
AWS SDKs send them to a single endpoint override, SigV4 checked, faults injected, handlers run
under the store lock, and answers rendered in each protocol's shape.

Routing: X-Amz-Target -> Organizations (awsJson1_1); form/query Action+Version (or the credential
scope's service) -> STS / IAM (awsQuery); /clusters, /addons, /tags, /cluster-versions,
/access-policies -> EKS (restJson1); /k8s/<cluster id>/... -> that cluster's Kubernetes API;
/_localaws/... -> admin surface (history and hold in admin.py).
"""

import json
import socket
import ssl
import sys
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import admin, certs, eks, iam, kube, organizations, sigv4, sso, sts
from . import protocols as P
from .faults import Faults
from .store import Store
from .util import Ctx

MAX_BODY = 16 * 1024 * 1024
QUERY_VERSIONS = {"2011-06-15": "sts", "2010-05-08": "iam"}
QUERY_OPS = {"sts": sts.OPERATIONS, "iam": iam.OPERATIONS}


class App:
    def __init__(self, cfg):
        self.cfg = cfg
        self.store = Store(cfg)
        self.store.advancers = [organizations.advance, eks.advance, kube.advance]
        self.faults = Faults(cfg.throttle_rate, cfg.error_rate, cfg.seed)

    # ------------------------------------------------------------ entry
    def handle(self, h):
        method = h.command
        path, _, query = h.path.partition("?")
        headers = list(h.headers.items())
        try:
            body = _read_body(h)
        except ValueError as e:
            return _send(h, 413 if "large" in str(e) else 400, {"Content-Type": "text/plain"},
                         str(e).encode())
        if path.startswith("/_localaws/sso/"):
            self.faults.count_admin()
            return _send(h, *self.sso_admin(method, path, body))
        if path.startswith("/_localaws/"):
            self.faults.count_admin()
            return _send(h, *self.admin(method, path, query, body))
        if path.startswith("/k8s/"):
            return _send(h, *self.kubernetes(h, method, path, query, headers, body))
        if self.cfg.latency_ms:
            time.sleep(self.cfg.latency_ms / 1000.0)
        if sso.is_sso_request(method, path):
            return _send(h, *self.sso(method, path, query, headers, body))
        return _send(h, *self.aws(method, path, query, headers, body))

    # ------------------------------------------------------------ admin surface
    def admin(self, method, path, query="", body=b""):
        js = {"Content-Type": "application/json"}
        if path in ("/_localaws/history", "/_localaws/hold"):
            return self._admin_op(method, path, query, body)
        if path == "/_localaws/state" and method == "GET":
            with self.store.lock:
                self.store.tick(time.time())
                doc = json.dumps(self.store.state, indent=1, sort_keys=True)
                if self.store.dirty:
                    self.store.save()
            return 200, js, doc.encode()
        if path == "/_localaws/reset" and method == "POST":
            with self.store.lock:
                self.store.reset()
                self.store.save()
            self.faults.reset_stats()
            return 200, js, b'{"reset": true}'
        if path == "/_localaws/stats" and method == "GET":
            return 200, js, json.dumps(self.faults.snapshot(), sort_keys=True).encode()
        if path == "/_localaws/health" and method == "GET":
            return 200, js, b'{"ok": true}'
        return 404, js, b'{"message": "unknown admin path"}'

    def _admin_op(self, method, path, query, body):
        js = {"Content-Type": "application/json"}
        with self.store.lock:
            now = time.time()
            self.store.tick(now)
            if path == "/_localaws/history" and method == "GET":
                st, doc = admin.history(self.store, urllib.parse.parse_qs(query or ""))
            elif path == "/_localaws/hold" and method == "POST":
                try:
                    req = json.loads(body or b"{}")
                except ValueError:
                    req = None
                st, doc = admin.hold(self.store, req, now)
            else:
                st, doc = 405, {"message": "method not allowed"}
            if self.store.dirty:
                self.store.save()
        return st, js, json.dumps(doc).encode()

    def sso_admin(self, method, path, body):
        js = {"Content-Type": "application/json"}
        with self.store.lock:
            if path == "/_localaws/sso/login" and method == "POST":
                status, doc = sso.admin_login(self.store, body, time.time())
            elif path == "/_localaws/sso/expire" and method == "POST":
                status, doc = sso.admin_expire(self.store, time.time())
            else:
                status, doc = 404, {"message": "unknown admin path"}
            if self.store.dirty:
                self.store.save()
        return status, js, json.dumps(doc).encode()

    def sso(self, method, path, query, headers, body):
        """The SSO portal and OIDC: unsigned, authorised by their own tokens."""
        rid = P.new_request_id()
        with self.store.lock:
            try:
                now = time.time()
                self.store.tick(now)
                return sso.handle(Ctx(self.store, None, None, now, rid, headers), method, path,
                                  query, body)
            finally:
                if self.store.dirty:
                    self.store.save()

    # ------------------------------------------------------------ Kubernetes API
    def kubernetes(self, h, method, path, query, headers, body):
        own = {"127.0.0.1:%d" % self.cfg.port, "localhost:%d" % self.cfg.port}
        req = kube.Request(method, path, query, headers, body)
        now = time.time()
        with self.store.lock:
            try:
                self.store.tick(now)
                status, doc = kube.handle(self.store, req, now, own)
            except Exception:  # never let a bug kill the connection without an answer
                traceback.print_exc(file=sys.stderr)
                status, doc = 500, kube.status_body(500, "InternalError", "internal error")
            finally:
                if self.store.dirty:
                    self.store.save()
        self.faults.count_kube(method, status)
        return status, {"Content-Type": "application/json"}, json.dumps(doc).encode()

    # ------------------------------------------------------------ AWS APIs
    def aws(self, method, path, query, headers, body):
        rid = P.new_request_id()
        hdr = {n.lower(): v for n, v in headers}
        target = hdr.get("x-amz-target")
        info_err = None
        try:
            info = sigv4.extract(method, query, headers)
        except sigv4.AuthFailure as e:
            info, info_err = None, e
        ctype = hdr.get("content-type", "").split(";")[0].strip().lower()
        params = None
        if target is not None:
            protocol, service = P.JSON_11, "organizations"
            if not target.startswith(organizations.TARGET_PREFIX):
                return P.json11_error(P.ApiError("UnknownOperationException", "Unknown target "
                                                 "%s" % target[:100], 400), rid)
            op = target[len(organizations.TARGET_PREFIX):]
            route_args = None
        elif path in ("", "/") and (ctype == "application/x-www-form-urlencoded" or
                                    (method == "GET" and "Action=" in query)):
            protocol = P.QUERY
            params = P.parse_query_params(body if ctype == "application/x-www-form-urlencoded"
                                          else b"", query)
            service = QUERY_VERSIONS.get(params.get("Version"))
            if service is None and info is not None and info.service in QUERY_OPS:
                service = info.service
            op = params.get("Action")
            if service is None or not op:
                return P.query_error("iam", P.ApiError(
                    "MissingAction" if not op else "InvalidAction",
                    "Could not find operation %s for version %s" % (op, params.get("Version")),
                    400), rid)
            route_args = None
        elif eks.is_eks_path(path):
            protocol, service = P.REST_JSON, "eks"
            found = eks.route(method, path)
            if found is None:
                return P.rest_error(P.ApiError("UnknownOperationException", "No operation "
                                               "matches %s %s" % (method, path[:200]), 404), rid)
            op, fn, route_args = found
        else:
            return P.rest_error(P.ApiError("UnknownOperationException", "localaws does not "
                                           "serve %s %s" % (method, path[:200]), 404), rid)
        self.faults.count(service, op)
        now = time.time()
        # ---- authentication
        try:
            if info_err is not None:
                raise info_err
            if info is None:
                if service == "sts" and op in sts.UNSIGNED_OPERATIONS:
                    principal, region = None, "us-east-1"
                else:
                    raise sigv4.AuthFailure("missing", "Request is missing Authentication Token"
                                            if protocol == P.QUERY else "Missing Authentication "
                                            "Token")
            else:
                principal, region = self._authenticate(method, path, query, headers, body, info,
                                                       service, now)
        except sigv4.AuthFailure as e:
            self.faults.count_auth_failure()
            return P.render_error(protocol, service, P.auth_error(protocol, e.kind, e.message), rid)
        # ---- faults
        kind = self.faults.decide(service, op)
        if kind is not None:
            err = (P.THROTTLE if kind == "throttle" else P.TRANSIENT)[service]()
            return P.render_error(protocol, service, err, rid)
        # ---- operation
        with self.store.lock:
            try:
                self.store.tick(now)
                ctx = Ctx(self.store, principal, region, now, rid, headers)
                if protocol == P.JSON_11:
                    return self._json11(ctx, op, body, rid)
                if protocol == P.QUERY:
                    return self._query(ctx, service, op, params, hdr, rid)
                return self._rest(ctx, fn, route_args, query, body, rid)
            except P.ApiError as e:
                return P.render_error(protocol, service, e, rid)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                err = P.TRANSIENT[service]()
                err.code = {"organizations": "ServiceException", "sts": "InternalFailure",
                            "iam": "ServiceFailure", "eks": "ServerException"}[service]
                err.status, err.message = 500, "localaws internal error"
                return P.render_error(protocol, service, err, rid)
            finally:
                if self.store.dirty:
                    self.store.save()

    def _authenticate(self, method, path, query, headers, body, info, service, now):
        with self.store.lock:
            creds = self.store.credentials(info.access_key)
            creds = dict(creds) if creds else None
        invalid = "The security token included in the request is invalid."
        if creds is None:
            raise sigv4.AuthFailure("invalid_key", invalid)
        if creds["token"] is not None:
            if info.token != creds["token"]:
                raise sigv4.AuthFailure("invalid_key", invalid)
            if creds["expires"] <= now:
                raise sigv4.AuthFailure("expired_token", "The security token included in the "
                                        "request is expired")
        elif info.token:
            raise sigv4.AuthFailure("invalid_key", invalid)
        if info.service != service:
            raise sigv4.AuthFailure("signature", "Credential should be scoped to correct service: "
                                    "'%s'. " % service)
        sigv4.verify(method, path or "/", query, headers, body, info, creds["secret"], now=now,
                     max_presign_age=900 if service == "sts" else None)
        return creds["principal"], info.region

    def _json11(self, ctx, op, body, rid):
        fn = organizations.OPERATIONS.get(op)
        if fn is None:
            raise P.ApiError("UnknownOperationException", "Unknown operation %s" % op[:100], 400)
        try:
            doc = json.loads(body) if body.strip() else {}
        except ValueError:
            raise P.ApiError("SerializationException", "Start of structure or map found where "
                             "not expected.", 400)
        if not isinstance(doc, dict):
            raise P.ApiError("SerializationException", "The request body must be a JSON object.",
                             400)
        return P.json11_success(fn(ctx, doc), rid)

    def _query(self, ctx, service, op, params, hdr, rid):
        fn = QUERY_OPS[service].get(op)
        if fn is None:
            raise P.ApiError("InvalidAction", "Could not find operation %s for version %s"
                             % (op[:100], params.get("Version")), 400)
        result = fn(ctx, params)
        if service == "sts" and "application/json" in hdr.get("accept", ""):
            return P.query_json_success(op, result, rid)
        return P.query_success(service, op, result, rid)

    def _rest(self, ctx, fn, route_args, query, body, rid):
        q = urllib.parse.parse_qs(query or "", keep_blank_values=True)
        doc = {}
        if body.strip():
            try:
                doc = json.loads(body)
            except ValueError:
                raise P.ApiError("InvalidParameterException", "The request body is not valid "
                                 "JSON.", 400)
            if not isinstance(doc, dict):
                raise P.ApiError("InvalidParameterException", "The request body must be a JSON "
                                 "object.", 400)
        status, result = fn(ctx, route_args, q, doc)
        return P.rest_success(result, rid, status)


def _read_body(h):
    te = h.headers.get("Transfer-Encoding", "")
    if "chunked" in te.lower():
        chunks, total = [], 0
        while True:
            line = h.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                raise ValueError("bad chunk size")
            if size == 0:
                while h.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                break
            total += size
            if total > MAX_BODY:
                raise ValueError("request body too large")
            chunks.append(h.rfile.read(size))
            h.rfile.readline(8)
        return b"".join(chunks)
    length = h.headers.get("Content-Length")
    if not length:
        return b""
    if not length.isdigit():
        raise ValueError("bad Content-Length")
    if int(length) > MAX_BODY:
        raise ValueError("request body too large")
    return h.rfile.read(int(length))


def _send(h, status, headers, body):
    h.send_response(status)
    for k, v in headers.items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "localaws"

    def version_string(self):
        return self.server_version

    def _any(self):
        try:
            self.server.app.handle(self)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, ssl.SSLError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _any

    def log_message(self, fmt, *args):
        if self.server.app.cfg.verbose:
            sys.stderr.write("localaws: %s %s\n" % (self.address_string(), fmt % args))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, app):
        self.app = app
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        try:
            request.settimeout(300)
            # An answer is written as headers, then body: with Nagle's algorithm the body waits
            # for the client's delayed ACK of the headers (40 ms on Linux), which AWS never adds.
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            first = request.recv(1, socket.MSG_PEEK)
        except OSError:
            return
        if first != b"\x16":
            self.RequestHandlerClass(request, client_address, self)
            return
        try:
            tls = certs.server_context(self.app.store).wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if self.app.cfg.verbose:
            traceback.print_exc(file=sys.stderr)
