# An add-on is imported by its id, <cluster_id>/<name> (the cluster id is <account_id>/<name>).
terraform import unicron_addon.vpc_cni 222222222222/data-science-dev/vpc-cni
