#!/usr/bin/env python3
"""Cluster refresh benchmark (issue 13): for each N, a fresh tools/localaws, N tenants (one
environment each) each with a unicron_cluster of two managed node groups and three add-ons, one
of each kind (vpc-cni as an EKS add-on, the managed Argo CD capability, argo-workflows delivered
by Argo CD), created by one apply; then `terraform plan -refresh-only -parallelism=P` against
localaws --latency-ms timed. Prints, per N: wall time, AWS and Kubernetes calls per cluster (the
cluster, its add-ons and its tenant together) by operation, the latency bound (calls x latency /
P), the ratio of the wall time to it, and the provider's peak RSS and CPU.
Prints figures, asserts nothing (wall times are noisy on a loaded machine; call counts are exact).

Usage: python3 bench/cluster_bench.py [--clusters 10,50] [--latency-ms 20] [--parallelism 10]
                                      [--repeats 1] [--bin PATH]
Standard library only; needs `terraform` on PATH and the built provider. No network.
"""
import argparse
import os
import resource
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import awsapi  # noqa: E402
import harness  # noqa: E402
from refresh_bench import cpu_s, ops_delta, rss_wrapper, tcp_peers  # noqa: E402

PRINCIPAL = "arn:aws:iam::%s:role/platform-admins" % awsapi.MGMT_ACCOUNT

PROVIDER = '''terraform {
  required_providers {
    unicron = { source = "unicron/unicron" }
  }
}

provider "unicron" {
  region = "us-east-1"
  endpoints {
    organizations = "%(url)s"
    sts           = "%(url)s"
    iam           = "%(url)s"
    eks           = "%(url)s"
  }
}
'''

ONE = '''
resource "unicron_tenant" "t%(i)d" {
  name           = "bench-%(i)d"
  email_template = "aws+{tenant}-{environment}@example.com"
  environment {
    name = "dev"
  }
  access {
    role       = "admin"
    principals = ["%(principal)s"]
  }
}

resource "unicron_cluster" "c%(i)d" {
  account_id         = unicron_tenant.t%(i)d.account_ids["dev"]
  name               = "bench-%(i)d"
  kubernetes_version = "1.35"
  subnet_ids         = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  node_group {
    name           = "system"
    instance_types = ["m6i.large"]
    capacity_type  = "ON_DEMAND"
    min_size       = 1
    max_size       = 3
  }
  node_group {
    name           = "batch"
    instance_types = ["m6i.2xlarge"]
    min_size       = 0
    max_size       = 10
  }
}

resource "unicron_addon" "cni%(i)d" {
  cluster_id = unicron_cluster.c%(i)d.id
  name       = "vpc-cni"
}

resource "unicron_addon" "argocd%(i)d" {
  cluster_id = unicron_cluster.c%(i)d.id
  name       = "argo-cd"
  configuration = jsonencode({
    awsIdc = { idcInstanceArn = "arn:aws:sso:::instance/ssoins-1234567890abcdef" }
  })
}

resource "unicron_addon" "wf%(i)d" {
  cluster_id = unicron_cluster.c%(i)d.id
  name       = "argo-workflows"
  depends_on = [unicron_addon.argocd%(i)d]
}
'''


def config(url, n):
    return PROVIDER % {"url": url} + "".join(ONE % {"i": i, "principal": PRINCIPAL}
                                             for i in range(n))


def point(n, a, binary, tmp):
    with harness.LocalAWS("--latency-ms", str(a.latency_ms), "--role-propagation-ms", "0",
                          async_delay_ms=5) as la:
        api = awsapi.AwsApi(la.url)
        w = harness.Workdir({"main.tf": config(la.url, n)}, localaws=la)
        w.env.pop("TF_LOG", None)
        w.env.pop("TF_LOG_PATH", None)
        try:
            t0 = time.monotonic()
            r = w.tf("apply", "-auto-approve", "-input=false", "-no-color", "-lock=false",
                     "-parallelism=%d" % a.create_parallelism, timeout=3600)
            if r.returncode != 0:
                print("N=%d: create failed:\n%s" % (n, (r.stdout + r.stderr)[-3000:]))
                return
            print("N=%d: created in %.0f s" % (n, time.monotonic() - t0), flush=True)
            wrapdir, rssfile = rss_wrapper(os.path.join(tmp, "n%d" % n), binary)
            with open(w.cli_config, "w") as f:
                f.write('provider_installation {\n  dev_overrides { "%s" = "%s" }\n'
                        '  direct {}\n}\n' % (harness.PROVIDER_ADDR, wrapdir))
            for rep in range(a.repeats):
                if os.path.exists(rssfile):
                    os.unlink(rssfile)
                conns = tcp_peers(la.port)
                la_cpu = cpu_s(la.proc.pid)
                before = api.stats()
                ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.monotonic()
                r = w.tf("plan", "-refresh-only", "-input=false", "-no-color", "-lock=false",
                         "-detailed-exitcode", "-parallelism=%d" % a.parallelism, timeout=3600)
                wall = time.monotonic() - t0
                ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                tf_cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
                after = api.stats()
                opened = tcp_peers(la.port)
                la_cpu = cpu_s(la.proc.pid) - la_cpu if la_cpu is not None else -1
                opened = len(opened - conns) if opened is not None and conns is not None else -1
                calls = after["requests"] - before["requests"]
                with open(rssfile) as f:
                    rows = [x.split() for x in f if x.strip()]
                rss = max(int(x[0]) for x in rows) / 1024.0
                cpu = sum(float(x[1]) for x in rows)
                bound = calls * a.latency_ms / 1000.0 / a.parallelism
                print("N=%d clusters refresh (%d resources): exit %d (0 = no drift), wall %.2f s, "
                      "%d calls = %.2f per cluster with its tenant and 3 add-ons, latency bound "
                      "%.2f s, ratio %.2f, provider peak RSS %.1f MB, CPU: provider %.2f s, "
                      "terraform + provider %.2f s, localaws %.2f s; %d TCP connections opened"
                      % (n, 5 * n, r.returncode, wall, calls, calls / n, bound,
                         wall / bound if bound else 0, rss, cpu, tf_cpu, la_cpu, opened),
                      flush=True)
                if rep == 0:
                    print("  per cluster: " + ", ".join(
                        "%s %.2f" % (k, v / n) for k, v in sorted(ops_delta(before,
                                                                           after).items())))
                if r.returncode not in (0, 2):
                    print((r.stdout + r.stderr)[-3000:])
        finally:
            w.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clusters", default="10,50")
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--parallelism", type=int, default=10)
    ap.add_argument("--create-parallelism", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--bin", default=os.environ.get("UNICRON_PROVIDER_BIN") or
                    os.path.join(HERE, "..", "build", "terraform-provider-unicron"))
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        raise SystemExit("provider not built: %s" % binary)
    os.environ["UNICRON_PROVIDER_BIN"] = binary
    print("cluster refresh bench: localaws --latency-ms %d, -parallelism=%d, %d CPUs, load %s; "
          "binary %s" % (a.latency_ms, a.parallelism, os.cpu_count() or 0,
                         " ".join("%.1f" % x for x in os.getloadavg()), binary), flush=True)
    tmp = tempfile.mkdtemp(prefix="uc-cluster-bench-")
    for n in (int(x) for x in a.clusters.split(",") if x.strip()):
        point(n, a, binary, tmp)


if __name__ == "__main__":
    main()
