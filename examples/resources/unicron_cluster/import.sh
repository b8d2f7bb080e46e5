# A cluster is imported by its id, <account_id>/<name>.
terraform import unicron_cluster.dev 222222222222/data-science-dev
