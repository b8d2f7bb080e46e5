# The provider talks to tools/localaws here, so the demo needs no AWS account:
#   python3 tools/localaws/localaws.py --port 4566
# Against real AWS, drop `endpoints` and the static keys and use a profile or the usual
# AWS_* environment variables instead.
provider "unicron" {
  region     = "us-east-1"
  access_key = "test" # localaws' management account
  secret_key = "test"

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
