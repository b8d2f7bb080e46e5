# A data team with its own EKS cluster: the tenant (one dev account), then a cluster in that
# account with two managed node groups (on-demand for system pods, SPOT for batch jobs) and
# access for one more principal. The tenant's admin / developer / readonly roles get their EKS
# access entries without being listed here. The README demo applies this after examples/tenant,
# against tools/localaws:
#
#   python3 tools/localaws/localaws.py --port 4566 &
#   export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test   # localaws' keys, never in HCL
#   terraform init && terraform apply && terraform plan -detailed-exitcode
#   terraform output -raw kubeconfig > kubeconfig   # exec auth: no token is stored in it
#
# Credentials come from the environment or a profile like any AWS tool (docs/index.md).

terraform {
  required_providers {
    unicron = {
      source = "unicron/unicron"
    }
  }
}

variable "aws_endpoint" {
  description = "Base URL of the AWS APIs (tools/localaws by default; also AWS_ENDPOINT_URL)."
  type        = string
  default     = "http://127.0.0.1:4566"
}

variable "cluster_viewers" {
  description = "IAM principals that may read everything in the cluster (they must exist)."
  type        = list(string)
  default     = ["arn:aws:iam::000000000000:user/admin"] # localaws' management user
}

provider "unicron" {
  region = "us-east-1"

  endpoints {
    organizations = var.aws_endpoint
    sts           = var.aws_endpoint
    iam           = var.aws_endpoint
    eks           = var.aws_endpoint
  }

  default_tags = {
    "managed-by" = "terraform"
  }
}

resource "unicron_tenant" "ml" {
  name           = "ml-research"
  email_template = "aws+{tenant}-{environment}@example.com"
  cost_center    = "CC-5150"
  owner          = "ml-research-leads"

  environment {
    name = "dev"
    tier = "economy"
  }

  access {
    role       = "admin"
    principals = ["arn:aws:iam::000000000000:role/platform-admins"]
  }

  access {
    role       = "developer"
    principals = ["arn:aws:iam::000000000000:role/ml-research-engineers"]
  }

  tags = {
    "team" = "ml-research"
  }
}

resource "unicron_cluster" "dev" {
  account_id         = unicron_tenant.ml.account_ids["dev"]
  name               = "ml-research-dev"
  kubernetes_version = "1.35"    # upgraded in place, one minor at a time, when raised
  tier               = "economy" # node groups without capacity_type run on SPOT

  subnet_ids        = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  enabled_log_types = ["api", "audit", "authenticator"]

  node_group {
    name           = "system"
    instance_types = ["m6i.large"]
    capacity_type  = "ON_DEMAND"
    min_size       = 1
    max_size       = 3
  }

  node_group {
    name           = "batch"
    instance_types = ["m6i.2xlarge", "m6a.2xlarge", "m5.2xlarge"] # several types help SPOT
    min_size       = 0
    max_size       = 20
    desired_size   = 1 # initial size only; the cluster autoscaler owns it afterwards
    labels = {
      "workload" = "batch"
    }
    taint {
      key    = "spot"
      value  = "true"
      effect = "NO_SCHEDULE"
    }
  }

  dynamic "access_entry" {
    for_each = toset(var.cluster_viewers)
    content {
      principal_arn = access_entry.value
      policy        = "AmazonEKSViewPolicy"
    }
  }

  tags = {
    "team" = "ml-research"
  }

  timeouts {
    create = "45m"
    update = "2h"
    delete = "30m"
  }
}

output "cluster_endpoint" {
  description = "Kubernetes API server of the dev cluster."
  value       = unicron_cluster.dev.endpoint
}

output "oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster, for IAM roles for service accounts."
  value       = unicron_cluster.dev.oidc_provider_arn
}

output "node_groups" {
  description = "Capacity type and Kubernetes version of each node group."
  value       = { for g in unicron_cluster.dev.node_group : g.name => "${g.capacity_type} ${g.version}" }
}

output "kubeconfig" {
  description = "kubeconfig for the cluster (aws eks get-token exec auth; no secret in it)."
  value       = unicron_cluster.dev.kubeconfig
}
