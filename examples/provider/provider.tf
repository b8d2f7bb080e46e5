terraform {
  required_version = ">= 1.5"

  required_providers {
    unicron = {
      # Your company's own hostname and namespace (private registry or network mirror),
      # never the bare "unicron/unicron", which would mean registry.terraform.io.
      source  = "registry.example.com/platform/unicron"
      version = "~> 0.1"
    }
  }
}

# Credentials come from the usual AWS sources (environment, shared config profile, web
# identity, container or instance role); none are written here.
provider "unicron" {
  region  = "us-east-1"
  profile = "platform-management"

  # The role the provider works as in the organization's management account.
  assume_role {
    role_arn     = "arn:aws:iam::111111111111:role/platform-terraform"
    session_name = "terraform-unicron"
    duration     = "1h"
  }

  # Role the provider assumes inside every tenant account it creates or manages.
  account_access_role_name = "OrganizationAccountAccessRole"

  retry_mode  = "adaptive"
  max_retries = 25

  default_tags = {
    "managed-by" = "terraform"
    "platform"   = "unicron"
  }
}
