#!/usr/bin/env python3
"""Cluster refresh benchmark (issue 13): for each N, a fresh tools/localaws, N tenants (one
environment each) each with a unicron_cluster of two managed node groups and three add-ons, one
of each kind (vpc-cni as an EKS add-on, the managed Argo CD capability, argo-workflows delivered
by Argo CD), created by one apply; then `terraform plan -refresh-only -parallelism=P` against
localaws --latency-ms timed. Prints, per N: wall time, AWS and Kubernetes calls per cluster (the
cluster, its add-ons and its tenant together) by operation, the latency bound (calls x latency /
P), the ratio of the wall time to it; the provider's peak RSS and CPU from one more refresh
through a wrapper (kept off the timed runs).
Prints figures, asserts nothing (wall times are noisy on a loaded machine; call counts are exact).

Usage: python3 bench/cluster_bench.py [--clusters 10,50] [--latency-ms 20] [--parallelism 10]
                                      [--repeats 1] [--bin PATH]
Standard library only; needs `terraform` on PATH and the built provider. No network.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import awsapi  # noqa: E402
import refresh_bench  # noqa: E402

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


def main():
    refresh_bench.run(__doc__, "cluster refresh bench", "clusters", "10,50", config,
                      "cluster (with its tenant and 3 add-ons)")

if __name__ == "__main__":
    main()
