"""TLS material for the Kubernetes API endpoints of emulated clusters, made with the `openssl` command.

One CA per emulator state (kept in the state file) signs one server certificate for IP:127.0.0.1 and
DNS:localhost. Generated lazily (first CreateCluster or first TLS connection) so start-up stays fast.
DescribeCluster returns base64(CA PEM) as certificateAuthority.data. Must not serve anything itself.
"""

import base64
import os
import shutil
import ssl
import subprocess
import tempfile
import threading

_lock = threading.Lock()
_context = None
_context_key = None

_SERVER_EXT = """basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
"""


def _run(args, cwd):
    subprocess.run(["openssl"] + args, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def generate():
    """-> {"ca_pem", "cert_pem", "key_pem"} (strings)."""
    d = tempfile.mkdtemp(prefix="localaws-tls-")
    try:
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        _run(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "3650",
              "-subj", "/CN=localaws cluster CA", "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign",
              "-addext", "subjectKeyIdentifier=hash"], d)
        _run(["req"] + ec + ["-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost"], d)
        with open(os.path.join(d, "ext.cnf"), "w") as f:
            f.write(_SERVER_EXT)
        serial = "0x" + os.urandom(16).hex()
        _run(["x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
              "-set_serial", serial, "-days", "825", "-out", "srv.pem", "-extfile", "ext.cnf"], d)
        read = lambda n: open(os.path.join(d, n)).read()  # noqa: E731
        return {"ca_pem": read("ca.pem"), "cert_pem": read("srv.pem"), "key_pem": read("srv.key")}
    finally:
        shutil.rmtree(d, ignore_errors=True)


def ensure(store):
    with _lock:
        if store.tls is None:
            store.tls = generate()
            store.dirty = True
        return store.tls


def ca_data(store):
    return base64.b64encode(ensure(store)["ca_pem"].encode()).decode()


def server_context(store):
    """An ssl.SSLContext for the server side, rebuilt only when the material changes."""
    global _context, _context_key
    tls = ensure(store)
    with _lock:
        if _context is not None and _context_key == tls["cert_pem"]:
            return _context
        d = tempfile.mkdtemp(prefix="localaws-tls-")
        try:
            cert = os.path.join(d, "cert.pem")
            key = os.path.join(d, "key.pem")
            with open(cert, "w") as f:
                f.write(tls["cert_pem"] + tls["ca_pem"])
            with open(key, "w") as f:
                f.write(tls["key_pem"])
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(cert, key)
        finally:
            shutil.rmtree(d, ignore_errors=True)
        _context, _context_key = ctx, tls["cert_pem"]
        return ctx
