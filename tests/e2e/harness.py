"""Shared harness for the end-to-end tests: the real `terraform` binary, the built provider,
and (when a test needs AWS) a fresh tools/localaws on a free port.

Terraform finds the provider through `dev_overrides` in a private CLI config file, so no
`terraform init` and no network are needed. Every test works in its own temporary directory.
This module must not know about any particular resource: tests bring their own configurations.
Test modules sit beside it and `import harness` (the suite runs with
`python3 -m unittest discover -s tests/e2e`).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROVIDER_ADDR = "registry.terraform.io/unicron/unicron"


def provider_binary():
    """Absolute path of the provider under test (UNICRON_PROVIDER_BIN, else build/)."""
    path = os.environ.get("UNICRON_PROVIDER_BIN") or os.path.join(
        REPO, "build", "terraform-provider-unicron")
    return os.path.abspath(path)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalAWS:
    """A tools/localaws process on a free port; stop() or use as a context manager."""

    def __init__(self, *extra_args, async_delay_ms=50):
        self.port = free_port()
        self.stderr_text = ""
        self.url = "http://127.0.0.1:%d" % self.port
        args = [sys.executable, os.path.join(REPO, "tools", "localaws", "localaws.py"),
                "--port", str(self.port), "--async-delay-ms", str(async_delay_ms)]
        args += list(extra_args)
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        line = self.proc.stdout.readline().strip()
        expected = "localaws ready on %s" % self.url
        if line != expected:
            self.stop()
            raise RuntimeError("localaws did not start: %r, stderr: %s"
                               % (line, self.stderr_text))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # the process is gone: keep what it said on stderr, then close both pipes
        if self.proc.stderr is not None and not self.proc.stderr.closed:
            self.stderr_text = self.proc.stderr.read()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Workdir:
    """A temporary Terraform working directory wired to the built provider."""

    def __init__(self, files=None, protocol=None, localaws=None, env=None):
        self.path = tempfile.mkdtemp(prefix="unicron-e2e-")
        self.cli_config = os.path.join(self.path, ".terraformrc")
        with open(self.cli_config, "w") as f:
            f.write('provider_installation {\n'
                    '  dev_overrides { "%s" = "%s" }\n'
                    '  direct {}\n'
                    '}\n' % (PROVIDER_ADDR, os.path.dirname(provider_binary())))
        self.trace_log = os.path.join(self.path, "terraform-trace.log")
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("TF_") or k.startswith("AWS_"):
                del self.env[k]
        self.env.update({
            "TF_CLI_CONFIG_FILE": self.cli_config,
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "TF_LOG": "TRACE",
            "TF_LOG_PATH": self.trace_log,
            "HOME": self.path,
        })
        if protocol:
            self.env["UNICRON_PLUGIN_PROTOCOL"] = str(protocol)
        if localaws:
            self.env.update({
                "AWS_ENDPOINT_URL": localaws.url,
                "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_REGION": "us-east-1",
            })
        if env:
            self.env.update(env)
        for name, text in (files or {}).items():
            self.write(name, text)

    def write(self, name, text):
        full = os.path.join(self.path, name)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)

    def tf(self, *args, timeout=300, env=None):
        """Runs terraform; returns CompletedProcess with .returncode, .stdout, .stderr."""
        e = dict(self.env)
        if env:
            e.update(env)
        return subprocess.run(["terraform"] + list(args), cwd=self.path, env=e,
                              capture_output=True, text=True, timeout=timeout)

    def trace(self):
        try:
            with open(self.trace_log) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def state(self):
        """The parsed terraform.tfstate, or None."""
        p = os.path.join(self.path, "terraform.tfstate")
        if not os.path.exists(p):
            return None
        with open(p) as f:
            return json.load(f)

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def client_cert(d, name="client"):
    """A self-signed EC certificate like the one go-plugin makes for Terraform (openssl CLI),
    written to d: (certificate path, key path)."""
    key = os.path.join(d, name + ".key")
    crt = os.path.join(d, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", crt,
                    "-days", "1", "-subj", "/O=HashiCorp/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost",
                    "-addext", "extendedKeyUsage=clientAuth,serverAuth",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "keyUsage=critical,digitalSignature,keyCertSign"],
                   check=True, capture_output=True)
    return crt, key


def strip_ansi(text):
    out, i = [], 0
    while i < len(text):
        if text[i] == "\x1b":
            j = i + 1
            while j < len(text) and not text[j].isalpha():
                j += 1
            i = j + 1
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


class ProviderTestCase(unittest.TestCase):
    """Base class: skips everything when the provider has not been built."""

    @classmethod
    def setUpClass(cls):
        if not os.access(provider_binary(), os.X_OK):
            raise unittest.SkipTest("provider not built: %s" % provider_binary())
        if shutil.which("terraform") is None:
            raise unittest.SkipTest("terraform not on PATH")

    def workdir(self, files=None, **kw):
        w = Workdir(files, **kw)
        self.addCleanup(w.cleanup)
        return w

    def assertTraceClean(self, w):
        """Terraform's trace must hold no complaint about the provider's plans or results."""
        log = w.trace()
        for bad in ("inconsistent", "invalid plan", "Provider produced invalid",
                    "produced an unexpected new value"):
            self.assertNotIn(bad, log, "trace log complains: %s" % bad)
