# An EKS managed add-on: its version follows the cluster's Kubernetes version.
resource "unicron_addon" "vpc_cni" {
  cluster_id        = "222222222222/data-science-dev" # e.g. unicron_cluster.dev.id
  name              = "vpc-cni"
  resolve_conflicts = "OVERWRITE"
  configuration = jsonencode({
    env = { ENABLE_PREFIX_DELEGATION = "true" }
  })
}

# A Helm component delivered by the managed Argo CD, pinned to a chart version.
resource "unicron_addon" "spark_operator" {
  cluster_id = "222222222222/data-science-dev"
  name       = "spark-operator"
  version    = "2.5.2"
  configuration = jsonencode({
    spark = { jobNamespaces = ["spark-jobs"] }
  })

  timeouts {
    create = "20m"
  }
}
