# One tenant per workspace directory; the directory name is the tenant name the drift runner
# reports (tools/drift) and the last part of the state key (backend.tf).
resource "unicron_tenant" "this" {
  name           = "payments"
  email_template = "aws+{tenant}-{environment}@example.com"
  parent_id      = "ou-ab12-fin00001"
  cost_center    = "CC-2001"
  owner          = "payments-leads"

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
    principals   = ["arn:aws:iam::111111111111:role/payments-engineers"]
    environments = ["dev"]
  }

  tags = {
    "team" = "payments"
  }
}

output "account_ids" {
  value = unicron_tenant.this.account_ids
}
