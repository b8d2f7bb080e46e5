output "account_ids" {
  description = "AWS account id of each environment."
  value       = unicron_tenant.data_science.account_ids
}

output "cluster_endpoint" {
  description = "Kubernetes API of the dev cluster."
  value       = unicron_cluster.dev.endpoint
}

output "kubeconfig" {
  description = "kubeconfig of the dev cluster (aws eks get-token exec auth; no secret in it)."
  value       = unicron_cluster.dev.kubeconfig
}

output "spark_operator_version" {
  description = "Chart version of the Spark operator."
  value       = unicron_addon.spark_operator.version
}
