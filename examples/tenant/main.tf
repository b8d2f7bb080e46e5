# One data team ("tenant") and nothing else: three AWS accounts (dev, staging, prod) with cost
# tags and IAM access roles. The README demo applies this against tools/localaws:
#
#   python3 tools/localaws/localaws.py --port 4566 &
#   export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test   # localaws' keys, never in HCL
#   terraform init && terraform apply && terraform plan -detailed-exitcode
#
# Credentials come from the environment or a profile like any AWS tool (docs/index.md).
# localaws' management account is 000000000000 and accepts the keys test / test. Its
# organization root id is random per run, so parent_id is left unset here: the accounts stay
# where CreateAccount puts them (the root). Set parent_id to an OU id ("ou-...") to place them.

terraform {
  required_providers {
    unicron = {
      source = "unicron/unicron"
    }
  }
}

variable "aws_endpoint" {
  description = "Base URL of the AWS APIs (tools/localaws by default; also AWS_ENDPOINT_URL)."
  type        = string
  default     = "http://127.0.0.1:4566"
}

provider "unicron" {
  region = "us-east-1"

  endpoints {
    organizations = var.aws_endpoint
    sts           = var.aws_endpoint
    iam           = var.aws_endpoint
  }

  default_tags = {
    "managed-by" = "terraform"
  }
}

resource "unicron_tenant" "data_science" {
  name           = "data-science"
  email_template = "aws+{tenant}-{environment}@example.com"
  cost_center    = "CC-4711"
  owner          = "data-science-leads"

  environment {
    name = "dev"
    tier = "economy"
  }

  environment {
    name = "staging"
  }

  environment {
    name = "prod"
    tier = "critical"
  }

  access {
    role       = "admin"
    principals = ["arn:aws:iam::000000000000:role/platform-admins"]
  }

  access {
    role         = "developer"
    principals   = ["arn:aws:iam::000000000000:role/data-science-engineers"]
    environments = ["dev", "staging"]
  }

  access {
    role       = "readonly"
    principals = ["arn:aws:iam::000000000000:role/data-science-analysts"]
  }

  tags = {
    "team" = "data-science"
  }

  timeouts {
    create = "30m"
    delete = "30m"
  }
}

output "account_ids" {
  description = "Account id of each environment."
  value       = unicron_tenant.data_science.account_ids
}

output "access_role_arns" {
  description = "The role the provider assumes inside each account."
  value       = { for e in unicron_tenant.data_science.environment : e.name => e.access_role_arn }
}

output "account_states" {
  description = "State of each account (ACTIVE, PENDING_CLOSURE, SUSPENDED)."
  value       = { for e in unicron_tenant.data_science.environment : e.name => e.state }
}
