# State of this tenant alone: one S3 object per tenant workspace, key = tenants/<tenant>/.
# The bucket is shared; S3-native locking (use_lockfile, Terraform >= 1.10) guards applies.
# Drift runs read it with -lock=false and never write it.
terraform {
  backend "s3" {
    bucket       = "example-platform-terraform-state"
    key          = "tenants/payments/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}
