# The Helm components of the catalog that support Kubernetes 1.35.
data "unicron_addon_catalog" "charts" {
  kind               = "argocd"
  kubernetes_version = "1.35"
}

output "chart_components" {
  value = data.unicron_addon_catalog.charts.names
}
