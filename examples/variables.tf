variable "aws_endpoint" {
  description = "Base URL of the AWS APIs (tools/localaws by default)."
  type        = string
  default     = "http://127.0.0.1:4566"
}

variable "parent_id" {
  description = "OU (ou-...) or root (r-...) for the tenant's accounts; null leaves them where CreateAccount puts them (the root)."
  type        = string
  default     = null
}

variable "platform_admins" {
  description = "IAM principals of the platform team, admins in every tenant account."
  type        = list(string)
  default     = ["arn:aws:iam::000000000000:role/platform-admins"]
}

variable "identity_center_instance_arn" {
  description = "IAM Identity Center instance that signs users in to the managed Argo CD."
  type        = string
  default     = "arn:aws:sso:::instance/ssoins-0000000000000000"
}

variable "spark_job_submitters" {
  description = "IAM roles (in the tenant's dev account) that may submit Spark jobs in the spark-jobs namespace, e.g. a CI role."
  type        = list(string)
  default     = []
}
