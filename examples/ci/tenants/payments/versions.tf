terraform {
  required_version = ">= 1.10"

  required_providers {
    unicron = {
      # Installed from the release's provider mirror: see the CLI configuration that
      # actions/setup-unicron (GitHub) or the unicron-terraformrc ConfigMap (Argo) writes.
      source = "unicron/unicron"
    }
  }
}

# Credentials come from the environment: GitHub OIDC or IRSA / EKS Pod Identity set
# AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (or the container credentials variables).
provider "unicron" {
  region = "us-east-1"

  default_tags = {
    "managed-by" = "terraform"
  }
}
