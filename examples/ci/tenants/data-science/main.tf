# One tenant per workspace directory; the directory name is the tenant name the drift runner
# reports (tools/drift) and the last part of the state key (backend.tf).
resource "unicron_tenant" "this" {
  name           = "data-science"
  email_template = "aws+{tenant}-{environment}@example.com"
  parent_id      = "ou-ab12-data0001"
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
}

output "account_ids" {
  value = unicron_tenant.this.account_ids
}
