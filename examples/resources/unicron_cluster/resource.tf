resource "unicron_cluster" "dev" {
  account_id         = "222222222222" # e.g. unicron_tenant.data_science.account_ids["dev"]
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

  timeouts {
    create = "45m"
    update = "2h"
  }
}
