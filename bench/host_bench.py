#!/usr/bin/env python3
"""Plugin-host benchmark: prints the provider's median exec-to-handshake time next to the
process floor (/bin/echo started the same way, printing a line of the same shape), its median
exec-to-ready time (the handshake line, then an mTLS connection as Terraform makes it, until
the server's first HTTP/2 SETTINGS frame arrives: the gRPC server is serving) with the CPU
time the process has used by then (all threads, stopped with SIGTERM right after), the ratio of
`terraform plan` wall time with the provider to the same plan shape built from Terraform's
own `terraform_data` (measured in alternation in one run), and the provider's max RSS during a
plan. Targets (reported, never asserted): handshake <= 2x the floor (<= 5 ms on a fast
machine), ratio <= 2.0, RSS <= 25 MB.

Without --bin it measures the dev build (build/terraform-provider-unicron) and, when it exists,
the release binary users run (scripts/release.sh leaves it in $UNICRON_RELEASE_WORK/build,
default build-release/build); the handshakes of all binaries and the floor alternate.

Usage: bench/host_bench.py [--bin PATH]... [--handshakes N] [--plans N]
Standard library only; needs `terraform` and `openssl` on PATH. No network (dev_overrides).
"""
import argparse
import base64
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

PROVIDER_TF = """
terraform {
  required_providers {
    unicron = { source = "unicron/unicron" }
  }
}
provider "unicron" {
  region = "eu-west-1"
}
resource "unicron_tenant" "t" {
  name           = "bench-team"
  email_template = "aws+{tenant}-{environment}@example.com"
  environment {
    name = "dev"
  }
}
resource "unicron_cluster" "c" {
  account_id = unicron_tenant.t.environment[0].account_id
  name       = "bench-dev"
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
}
resource "unicron_addon" "a" {
  cluster_id = unicron_cluster.c.id
  name       = "coredns"
}
"""

# The same shape: three resources, each depending on the previous one's unknown output.
BASELINE_TF = """
resource "terraform_data" "t" {
  input = "bench-team"
}
resource "terraform_data" "c" {
  input = terraform_data.t.id
}
resource "terraform_data" "a" {
  input = terraform_data.c.id
}
"""


def client_cert(tmp):
    key, crt = os.path.join(tmp, "c.key"), os.path.join(tmp, "c.crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-521", "-nodes", "-keyout", key, "-out", crt,
                    "-days", "1", "-subj", "/O=HashiCorp/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    with open(crt) as f:
        return f.read()


FLOOR = "/bin/echo"


def handshake_once(argv, env):
    """Milliseconds from the start of argv to its first line on stdout (the handshake)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline()
    dt = (time.perf_counter() - t0) * 1000
    if not line.startswith(b"1|"):
        raise SystemExit("no handshake from %s: %r" % (argv[0], line))
    p.terminate()
    p.wait()
    p.stdout.close()
    return dt


def ready_once(argv, env, tmp):
    """Milliseconds from the start of argv until, after its handshake line, an mTLS connection
    with the line's certificate and PLUGIN_CLIENT_CERT's key has carried the HTTP/2 preface and
    brought back the server's SETTINGS frame; and the CPU milliseconds (user + system, every
    thread) the process has used when it has been stopped with SIGTERM right after."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        fields = p.stdout.readline().decode().strip().split("|")
        der = base64.b64decode(fields[5] + "=" * (-len(fields[5]) % 4))
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.set_alpn_protocols(["h2"])
        ctx.load_verify_locations(cadata=der)
        ctx.load_cert_chain(os.path.join(tmp, "c.crt"), os.path.join(tmp, "c.key"))
        raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        raw.settimeout(10)
        raw.connect(fields[3])
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            # The HTTP/2 client preface and an empty SETTINGS frame.
            s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
            frame = s.recv(9)
        dt = (time.perf_counter() - t0) * 1000
        if len(frame) < 4 or frame[3] != 0x04:
            raise SystemExit("no SETTINGS frame from %s: %r" % (argv[0], frame))
        p.terminate()
        _, status, usage = os.wait4(p.pid, 0)  # wait() would not give the rusage
        p.returncode = os.waitstatus_to_exitcode(status)
        return dt, (usage.ru_utime + usage.ru_stime) * 1000
    finally:
        if p.returncode is None:  # left early: stop it all the same
            p.terminate()
            p.wait()
        p.stdout.close()


def handshakes_ms(binaries, n, tmp):
    """Median handshake times: {(binary, tls): ms} and {FLOOR: ms}, every round running each
    binary with mTLS and in plaintext and the floor once, so that load changes hit all alike."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "PLUGIN_"))}
    base.update({"TF_PLUGIN_MAGIC_COOKIE": COOKIE, "PLUGIN_PROTOCOL_VERSIONS": "5,6",
                 "PLUGIN_UNIX_SOCKET_DIR": tmp})
    tls_env = dict(base, PLUGIN_CLIENT_CERT=client_cert(tmp))
    times = {}
    for _ in range(n):
        times.setdefault(FLOOR, []).append(
            handshake_once([FLOOR, "1|6|unix|%s/plugin0|grpc|" % tmp], base))
        for b in binaries:
            times.setdefault((b, True), []).append(handshake_once([b], tls_env))
            times.setdefault((b, False), []).append(handshake_once([b], base))
            ready, cpu = ready_once([b], tls_env, tmp)
            times.setdefault((b, "ready"), []).append(ready)
            times.setdefault((b, "cpu"), []).append(cpu)
    return {k: statistics.median(v) for k, v in times.items()}


def release_binary():
    work = os.environ.get("UNICRON_RELEASE_WORK") or os.path.join(REPO, "build-release")
    b = os.path.join(work, "build", "terraform-provider-unicron")
    return b if os.access(b, os.X_OK) else None


def workdir(tmp, name, tf, override_dir):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    with open(os.path.join(d, "main.tf"), "w") as f:
        f.write(tf)
    rc = os.path.join(d, ".terraformrc")
    with open(rc, "w") as f:
        f.write('provider_installation {\n  dev_overrides { "registry.terraform.io/unicron/'
                'unicron" = "%s" }\n  direct {}\n}\n' % override_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "AWS_"))}
    env.update({"TF_CLI_CONFIG_FILE": rc, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1",
                "HOME": d})
    return d, env


def plan_s(d, env):
    t0 = time.perf_counter()
    r = subprocess.run(["terraform", "plan", "-input=false", "-no-color", "-lock=false"],
                       cwd=d, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit("plan failed in %s:\n%s%s" % (d, r.stdout, r.stderr))
    return dt


def max_rss_mb(binary, tmp):
    """Runs one plan through a wrapper that records the provider processes' max RSS."""
    wdir = os.path.join(tmp, "rsswrap")
    os.makedirs(wdir)
    out = os.path.join(tmp, "rss.txt")
    wrapper = os.path.join(wdir, "terraform-provider-unicron")
    with open(wrapper, "w") as f:
        f.write("#!%s\nimport resource, subprocess, sys\n"
                "rc = subprocess.call([%r])\n"
                "kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
                "open(%r, 'a').write('%%d\\n' %% kb)\nsys.exit(rc)\n"
                % (sys.executable, binary, out))
    os.chmod(wrapper, 0o755)
    d, env = workdir(tmp, "rss", PROVIDER_TF, wdir)
    plan_s(d, env)
    with open(out) as f:
        return max(int(x) for x in f if x.strip()) / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", action="append",
                    help="provider binary (repeatable); default: the dev build, and the "
                         "release binary when scripts/release.sh has built one")
    ap.add_argument("--handshakes", type=int, default=40)
    ap.add_argument("--plans", type=int, default=10)
    a = ap.parse_args()
    bins = a.bin or [os.environ.get("UNICRON_PROVIDER_BIN") or
                     os.path.join(REPO, "build", "terraform-provider-unicron")]
    if not a.bin and release_binary():
        bins.append(release_binary())
    bins = [os.path.abspath(b) for b in bins]
    for b in bins:
        if not os.access(b, os.X_OK):
            raise SystemExit("provider not built: %s" % b)
    n = max(30, a.handshakes)
    tmp = tempfile.mkdtemp(prefix="uc-bench-")
    try:
        hs = handshakes_ms(bins, n, tmp)
        floor = hs[FLOOR]
        print("process floor (%s started the same way, n=%d): %.2f ms" % (FLOOR, n, floor))
        for i, binary in enumerate(bins):
            d = os.path.join(tmp, "bin%d" % i)  # dev_overrides wants a directory of its own
            os.makedirs(d)
            os.symlink(binary, os.path.join(d, "terraform-provider-unicron"))
            pd, penv = workdir(tmp, "provider%d" % i, PROVIDER_TF, d)
            bd, benv = workdir(tmp, "baseline%d" % i, BASELINE_TF, d)
            plan_s(pd, penv)  # warm caches
            plan_s(bd, benv)
            prov, base = [], []
            for _ in range(a.plans):
                prov.append(plan_s(pd, penv))
                base.append(plan_s(bd, benv))
            rss = max_rss_mb(binary, os.path.join(tmp, "rss%d" % i))
            mp, mb = statistics.median(prov), statistics.median(base)
            print("binary: %s" % binary)
            print("  exec-to-handshake median (mTLS, n=%d): %.2f ms = %.1fx the floor   "
                  "(target <= 2x, <= 5 ms)" % (n, hs[(binary, True)], hs[(binary, True)] / floor))
            print("  exec-to-handshake median (plaintext, n=%d): %.2f ms = %.1fx the floor"
                  % (n, hs[(binary, False)], hs[(binary, False)] / floor))
            print("  exec-to-ready median (mTLS connection, server's SETTINGS, n=%d): %.2f ms"
                  % (n, hs[(binary, "ready")]))
            print("  provider CPU per start to ready, then SIGTERM (all threads, median, n=%d): %.2f ms"
                  % (n, hs[(binary, "cpu")]))
            print("  terraform plan median: provider %.0f ms, terraform_data %.0f ms (n=%d each, "
                  "alternating)" % (mp * 1000, mb * 1000, a.plans))
            print("  plan ratio provider/terraform_data: %.2f   (target <= 2.0)" % (mp / mb))
            print("  provider max RSS during plan: %.1f MB   (target <= 25 MB)" % rss)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
