# The provider talks to tools/localaws here, so the demo needs no AWS account:
#   python3 tools/localaws/localaws.py --port 4566
#   export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test   # localaws' management account
# Credentials come from the usual AWS sources (here the environment), never from this file.
# Against real AWS, drop `endpoints` and use a profile or the usual AWS_* variables.
provider "unicron" {
  region = "us-east-1"

  endpoints {
    organizations = var.aws_endpoint
    sts           = var.aws_endpoint
    iam           = var.aws_endpoint
    eks           = var.aws_endpoint
  }

  retry_mode = "adaptive"

  # Added to every account, cluster and node group (a resource's own tags win).
  default_tags = {
    "managed-by" = "terraform"
    "platform"   = "unicron"
  }
}
