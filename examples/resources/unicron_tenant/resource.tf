resource "unicron_tenant" "data_science" {
  name           = "data-science"
  email_template = "aws+{tenant}-{environment}@example.com"
  parent_id      = "ou-ab12-cdef5678" # an OU (or the organization root, r-...)
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
    principals = ["arn:aws:iam::111111111111:role/platform-admins"]
  }

  access {
    role         = "developer"
    principals   = ["arn:aws:iam::111111111111:role/data-science-engineers"]
    environments = ["dev"]
  }

  tags = {
    "team" = "data-science"
  }

  timeouts {
    create = "30m"
  }
}
