# One data team ("tenant") on the platform: two AWS accounts, an EKS cluster in the dev
# account, and platform components on that cluster. Values the plan cannot know yet flow
# along the references: tenant account id -> cluster -> cluster id -> add-ons.

resource "unicron_tenant" "data_science" {
  name           = "data-science"
  email_template = "aws+{tenant}-{environment}@example.com"
  parent_id      = var.parent_id # an OU (ou-...) or the root (r-...); null: where CreateAccount puts them
  cost_center    = "CC-4711"
  owner          = "data-science-leads"

  environment {
    name = "dev"
    tier = "economy"
  }

  environment {
    name = "prod"
    tier = "critical"
  }

  access {
    role       = "admin"
    principals = var.platform_admins
  }

  access {
    role         = "developer"
    principals   = ["arn:aws:iam::000000000000:role/data-science-engineers"]
    environments = ["dev"]
  }

  access {
    role         = "readonly"
    principals   = ["arn:aws:iam::000000000000:role/data-science-engineers"]
    environments = ["prod"]
  }

  tags = {
    "team" = "data-science"
  }

  timeouts {
    create = "30m"
  }
}

resource "unicron_cluster" "dev" {
  account_id         = unicron_tenant.data_science.account_ids["dev"]
  name               = "data-science-dev"
  kubernetes_version = "1.35"
  tier               = "economy" # node groups default to SPOT capacity

  subnet_ids = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]

  endpoint_public_access = true
  public_access_cidrs    = ["203.0.113.0/24"]
  enabled_log_types      = ["api", "audit"]

  node_group {
    name           = "general"
    instance_types = ["m6i.large", "m5.large"]
    min_size       = 1
    max_size       = 5
    desired_size   = 2 # initial size only; the autoscaler owns it afterwards
  }

  node_group {
    name           = "spark"
    instance_types = ["r6i.2xlarge"]
    capacity_type  = "ON_DEMAND"
    min_size       = 0
    max_size       = 10
    labels = {
      "workload" = "spark"
    }
    taint {
      key    = "dedicated"
      value  = "spark"
      effect = "NO_SCHEDULE"
    }
  }

  # The tenant's access roles get EKS access entries by themselves; others are listed here
  # (each principal must exist: EKS refuses an entry for an unknown role).
  dynamic "access_entry" {
    for_each = toset(var.spark_job_submitters)
    content {
      principal_arn = access_entry.value
      policy        = "AmazonEKSEditPolicy"
      namespaces    = ["spark-jobs"]
    }
  }

  timeouts {
    create = "45m"
    update = "2h"
  }
}

# EKS managed add-ons: versions follow the cluster's Kubernetes version.
resource "unicron_addon" "vpc_cni" {
  cluster_id        = unicron_cluster.dev.id
  name              = "vpc-cni"
  resolve_conflicts = "OVERWRITE"
  configuration = jsonencode({
    env = { ENABLE_PREFIX_DELEGATION = "true" }
  })
}

resource "unicron_addon" "coredns" {
  cluster_id = unicron_cluster.dev.id
  name       = "coredns"
}

# Managed Argo CD (an EKS Capability); Helm-based components are delivered through it.
resource "unicron_addon" "argo_cd" {
  cluster_id = unicron_cluster.dev.id
  name       = "argo-cd"
  configuration = jsonencode({
    awsIdc = { idcInstanceArn = var.identity_center_instance_arn }
  })
}

resource "unicron_addon" "spark_operator" {
  cluster_id = unicron_cluster.dev.id
  name       = "spark-operator"
  version    = "2.5.2"
  configuration = jsonencode({
    spark = { jobNamespaces = ["spark-jobs"] }
  })

  depends_on = [unicron_addon.argo_cd]

  timeouts {
    create = "20m"
  }
}
