# Platform components on one tenant cluster, installed like apps from an app store: EKS add-ons,
# the managed Argo CD capability, and two Helm charts that Argo CD delivers. The cluster
# (cluster_id = "<account_id>/<cluster name>") comes from unicron_cluster, or any EKS cluster in
# a tenant account the provider can reach through the account-access role.
#
#   terraform apply -var cluster_id=123456789012/data-dev && terraform plan -detailed-exitcode

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

variable "cluster_id" {
  description = "The cluster: <account_id>/<cluster name> (unicron_cluster.<name>.id)."
  type        = string
}

variable "idc_instance_arn" {
  description = "IAM Identity Center instance the Argo CD capability signs users in with."
  type        = string
  default     = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
}

provider "unicron" {
  region     = "us-east-1"
  access_key = "test" # localaws' management account; use a profile against real AWS
  secret_key = "test"

  endpoints {
    organizations = var.aws_endpoint
    sts           = var.aws_endpoint
    iam           = var.aws_endpoint
    eks           = var.aws_endpoint
  }
}

# EKS managed add-ons: the version follows the cluster's Kubernetes version unless pinned.
resource "unicron_addon" "vpc_cni" {
  cluster_id = var.cluster_id
  name       = "vpc-cni"
  configuration = jsonencode({
    env = { ENABLE_PREFIX_DELEGATION = "true" }
  })
}

resource "unicron_addon" "coredns" {
  cluster_id = var.cluster_id
  name       = "coredns" # DEGRADED until a node group is ACTIVE: a warning, never a timeout
}

# Managed Argo CD, run by EKS; every argocd-kind component needs it first.
resource "unicron_addon" "argo_cd" {
  cluster_id = var.cluster_id
  name       = "argo-cd"
  configuration = jsonencode({
    awsIdc = { idcInstanceArn = var.idc_instance_arn }
  })
}

# Helm charts from the catalog, delivered as Argo CD Applications.
resource "unicron_addon" "spark_operator" {
  cluster_id = var.cluster_id
  name       = "spark-operator"
  configuration = jsonencode({
    spark = { jobNamespaces = ["spark-jobs"] }
  })
  depends_on = [unicron_addon.argo_cd]
}

resource "unicron_addon" "argo_workflows" {
  cluster_id = var.cluster_id
  name       = "argo-workflows"
  depends_on = [unicron_addon.argo_cd]
}

# The store itself, browsable from HCL and `terraform console`.
data "unicron_addon_catalog" "charts" {
  kind = "argocd"
}

output "chart_components" {
  value = data.unicron_addon_catalog.charts.names
}

output "argo_cd_status" {
  value = unicron_addon.argo_cd.status
}
