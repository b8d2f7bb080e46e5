"""End-to-end tests of the plugin host: real `terraform validate` / `plan` under protocol 6 and
5, the provider process on its own (mTLS refusal without a client certificate, socket removal
after Shutdown, SIGTERM and the death of its parent), and the ApplyResourceChange guard.

Run: UNICRON_PROVIDER_BIN=build-host/terraform-provider-unicron python3 -m unittest \
     tests/e2e/test_host_plugin.py
"""
import glob
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402

COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

# A tenant -> cluster -> add-on chain: unknown values flow from one to the next. Used when
# examples/ does not exist yet.
OWN_CONFIG = """
terraform {
  required_providers {
    unicron = { source = "unicron/unicron" }
  }
}

provider "unicron" {
  region = "eu-west-1"
}

resource "unicron_tenant" "data" {
  name           = "data-team"
  email_template = "aws+{tenant}-{environment}@example.com"
  cost_center    = "cc-1234"
  owner          = "data@example.com"

  environment {
    name = "dev"
  }
  environment {
    name = "prod"
    tier = "critical"
  }
}

resource "unicron_cluster" "dev" {
  account_id         = unicron_tenant.data.environment[0].account_id
  name               = "data-dev"
  kubernetes_version = "1.33"
  subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]

  node_group {
    name     = "general"
    min_size = 1
    max_size = 3
  }
}

resource "unicron_addon" "coredns" {
  cluster_id = unicron_cluster.dev.id
  name       = "coredns"
}
"""

# A resource whose apply does not exist yet, with nothing it depends on.
CLUSTER_ONLY_CONFIG = """
terraform {
  required_providers {
    unicron = { source = "unicron/unicron" }
  }
}

provider "unicron" {
  region = "eu-west-1"
}

resource "unicron_cluster" "dev" {
  account_id         = "123456789012"
  name               = "data-dev"
  kubernetes_version = "1.33"
  subnet_ids         = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]

  node_group {
    name     = "general"
    min_size = 1
    max_size = 3
  }
}
"""


def example_files():
    """examples/*.tf when the resources helper has written them, else OWN_CONFIG."""
    ex = os.path.join(harness.REPO, "examples")
    tfs = sorted(glob.glob(os.path.join(ex, "*.tf")))
    if tfs:
        out = {}
        for p in tfs:
            with open(p) as f:
                out[os.path.basename(p)] = f.read()
        return out
    return {"main.tf": OWN_CONFIG}


def sockets_in(d):
    return [p for p in glob.glob(os.path.join(d, "plugin*"))]


class TerraformTest(harness.ProviderTestCase):
    """validate + plan with real Terraform, once per protocol version."""

    def run_protocol(self, proto):
        sockdir = tempfile.mkdtemp(prefix="uc-sock-")
        self.addCleanup(shutil.rmtree, sockdir, True)
        w = self.workdir(example_files(), protocol=proto, env={"TMPDIR": sockdir})

        r = w.tf("validate", "-no-color")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("The configuration is valid", r.stdout)

        r = w.tf("plan", "-no-color", "-input=false")
        out = harness.strip_ansi(r.stdout)
        self.assertEqual(r.returncode, 0, out + r.stderr)
        self.assertIn("to add", out)
        self.assertIn("(known after apply)", out)
        # Every computed-only attribute of a new tenant is unknown until apply.
        self.assertRegex(out, r"\+ id\s+= \(known after apply\)")
        self.assertTraceClean(w)
        trace = w.trace()
        self.assertIn("tfplugin%d.Provider" % proto, trace)
        self.assertNotIn("plugin failed to exit gracefully", trace)
        # Every provider process removed its socket.
        self.assertEqual(sockets_in(sockdir), [])
        return w

    def test_protocol_6(self):
        self.run_protocol(6)

    def test_protocol_5(self):
        self.run_protocol(5)

    def test_apply_without_aws_is_a_diagnostic(self):
        # unicron_tenant and unicron_cluster apply for real: with no AWS to reach (a closed local
        # port) the apply ends with a diagnostic naming the AWS call and leaves no state.
        cfg = CLUSTER_ONLY_CONFIG.replace(
            'region = "eu-west-1"',
            'region = "eu-west-1"\n  access_key = "test"\n  secret_key = "test"\n'
            '  max_retries = 1\n  endpoints {\n    sts = "http://127.0.0.1:9"\n'
            '    iam = "http://127.0.0.1:9"\n    eks = "http://127.0.0.1:9"\n'
            '    organizations = "http://127.0.0.1:9"\n  }')
        w = self.workdir({"main.tf": cfg}, protocol=6)
        r = w.tf("apply", "-auto-approve", "-no-color", "-input=false")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout + r.stderr, r"AWS \w+ failed|Interrupted during AWS")
        self.assertIsNone((w.state() or {}).get("resources") or None)

    def test_unknown_resource_type_is_a_diagnostic(self):
        cfg = OWN_CONFIG.split("provider \"unicron\"")[0] + \
            'resource "unicron_nothing" "x" {}\n'
        w = self.workdir({"main.tf": cfg}, protocol=6)
        r = w.tf("validate", "-no-color")
        self.assertEqual(r.returncode, 1)
        # Terraform itself rejects a type missing from the schema, before any RPC.
        self.assertIn("unicron_nothing", r.stdout + r.stderr)


class Provider:
    """The provider started by hand with the environment Terraform gives it."""

    def __init__(self, tmp, tls=True, extra_env=None, wrapper=None):
        self.tmp = tmp
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PLUGIN_"))}
        env.update({"TF_PLUGIN_MAGIC_COOKIE": COOKIE, "PLUGIN_PROTOCOL_VERSIONS": "5,6",
                    "PLUGIN_UNIX_SOCKET_DIR": tmp})
        if tls:
            self.client_crt, self.client_key = harness.client_cert(tmp, "client")
            with open(self.client_crt) as f:
                env["PLUGIN_CLIENT_CERT"] = f.read()
        env.update(extra_env or {})
        args = [harness.provider_binary()]
        if wrapper:
            args = wrapper + args
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.line = self.proc.stdout.readline().strip()
        f = self.line.split("|")
        if len(f) != 6:
            raise AssertionError("bad handshake line %r" % self.line)
        self.fields = f
        self.socket = f[3]
        self.server_pem = None
        if f[5]:
            import base64
            der = base64.b64decode(f[5] + "=" * (-len(f[5]) % 4))
            self.server_pem = ssl.DER_cert_to_PEM_cert(der)

    def tls_connect(self, with_cert):
        """TLS over the unix socket; returns bytes read after sending an HTTP/2 preface,
        or raises ssl.SSLError / ConnectionError."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_alpn_protocols(["h2"])
        cafile = os.path.join(self.tmp, "server.pem")
        with open(cafile, "w") as f:
            f.write(self.server_pem)
        ctx.load_verify_locations(cafile)
        if with_cert:
            ctx.load_cert_chain(self.client_crt, self.client_key)
        raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        raw.settimeout(10)
        raw.connect(self.socket)
        s = ctx.wrap_socket(raw, server_hostname="localhost")
        try:
            # HTTP/2 client preface + empty SETTINGS frame.
            s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
            data = s.recv(9)
            return s.selected_alpn_protocol(), data
        finally:
            s.close()

    def wait(self, timeout=10):
        try:
            return self.proc.wait(timeout)
        finally:
            self.proc.stdout.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


class ProcessTest(harness.ProviderTestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="uc-proc-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def start(self, **kw):
        p = Provider(self.tmp, **kw)
        self.addCleanup(p.kill)
        return p

    def test_cookie_missing_prints_human_message(self):
        env = {k: v for k, v in os.environ.items() if k != "TF_PLUGIN_MAGIC_COOKIE"}
        r = subprocess.run([harness.provider_binary()], env=env, capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn("plugin", r.stderr)
        self.assertIn("not meant", r.stderr)

    def run_with(self, env_extra, args=()):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PLUGIN_"))}
        env.update({"TF_PLUGIN_MAGIC_COOKIE": COOKIE, "PLUGIN_PROTOCOL_VERSIONS": "5,6",
                    "PLUGIN_UNIX_SOCKET_DIR": self.tmp, "TF_LOG_PROVIDER": "ERROR"})
        env.update(env_extra)
        return subprocess.run([harness.provider_binary()] + list(args), env=env,
                              capture_output=True, text=True, timeout=30)

    def test_bad_client_certificate_is_refused(self):
        # The server key is made before main (a constructor's thread); a PLUGIN_CLIENT_CERT that
        # is not a certificate still ends the process with a message, no handshake, no socket.
        for bad in ("not a certificate",
                    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"):
            r = self.run_with({"PLUGIN_CLIENT_CERT": bad})
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertEqual(r.stdout, "")
            self.assertIn("PLUGIN_CLIENT_CERT is not a PEM certificate", r.stderr)
            self.assertEqual(os.listdir(self.tmp), [])

    def test_version_with_terraform_environment(self):
        # --version under the launch environment (the certificate thread runs) prints the
        # version and exits cleanly.
        with open(harness.client_cert(self.tmp, "client")[0]) as f:
            pem = f.read()
        r = self.run_with({"PLUGIN_CLIENT_CERT": pem}, ["--version"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("terraform-provider-unicron "), r.stdout)

    def test_handshake_line(self):
        p = self.start()
        self.assertEqual(p.fields[:3], ["1", "6", "unix"])
        self.assertEqual(p.fields[4], "grpc")
        self.assertTrue(p.socket.startswith(self.tmp + "/"))
        self.assertNotIn("=", p.fields[5])
        self.assertGreater(len(p.fields[5]), 50)
        p5 = self.start(extra_env={"UNICRON_PLUGIN_PROTOCOL": "5"})
        self.assertEqual(p5.fields[1], "5")

    def test_plaintext_when_tls_disabled(self):
        p = self.start(tls=False, extra_env={"TF_DISABLE_PLUGIN_TLS": "1"})
        self.assertEqual(p.fields[5], "")

    def test_tls_requires_client_certificate(self):
        p = self.start()
        alpn, data = p.tls_connect(with_cert=True)
        self.assertEqual(alpn, "h2")
        self.assertGreaterEqual(len(data), 4)
        self.assertEqual(data[3], 0x04)  # the server's SETTINGS frame
        refused = False
        try:
            _, data = p.tls_connect(with_cert=False)
            refused = (data == b"")
        except (ssl.SSLError, ConnectionError, OSError):
            refused = True
        self.assertTrue(refused, "a client without a certificate was served")
        # A certificate that is not PLUGIN_CLIENT_CERT is refused too.
        other_crt, other_key = harness.client_cert(self.tmp, "other")
        p.client_crt, p.client_key = other_crt, other_key
        refused = False
        try:
            _, data = p.tls_connect(with_cert=True)
            refused = (data == b"")
        except (ssl.SSLError, ConnectionError, OSError):
            refused = True
        self.assertTrue(refused, "a foreign client certificate was accepted")

    def test_sigterm_removes_socket(self):
        p = self.start()
        self.assertTrue(os.path.exists(p.socket))
        p.proc.send_signal(signal.SIGTERM)
        p.wait()
        self.assertFalse(os.path.exists(p.socket))

    def test_sigint_is_ignored(self):
        p = self.start()
        p.proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        self.assertIsNone(p.proc.poll())
        self.assertTrue(os.path.exists(p.socket))

    def test_parent_death_ends_provider(self):
        # An intermediate parent starts the provider, passes its handshake through, and is
        # killed; the orphaned provider must notice, exit and remove its socket.
        pidfile = os.path.join(self.tmp, "pid")
        wrapper = [sys.executable, "-c",
                   "import os,subprocess,sys,time\n"
                   "p=subprocess.Popen(sys.argv[1:])\n"
                   "open(%r,'w').write(str(p.pid))\n"
                   "time.sleep(600)\n" % pidfile]
        p = self.start(wrapper=wrapper)
        with open(pidfile) as f:
            child = int(f.read())
        self.assertTrue(os.path.exists(p.socket))
        p.proc.kill()  # the intermediate parent dies
        p.proc.wait()
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                break
            # The orphan is reaped by init; a zombie still answers kill(0).
            try:
                with open("/proc/%d/stat" % child) as f:
                    if f.read().split(")")[1].split()[0] == "Z":
                        break
            except FileNotFoundError:
                break
            time.sleep(0.05)
        else:
            os.kill(child, signal.SIGKILL)
            self.fail("provider outlived its parent")
        self.assertFalse(os.path.exists(p.socket))


if __name__ == "__main__":
    unittest.main()
