variable "table_name" {
  description = "Name of the DynamoDB table."
  type        = string
}

variable "billing_mode" {
  description = "PAY_PER_REQUEST or PROVISIONED (PROVISIONED turns autoscaling on)."
  type        = string
  default     = "PAY_PER_REQUEST"
}

variable "enable_point_in_time_recovery" {
  description = "Continuous backups (35 days)."
  type        = bool
  default     = true
}

variable "enable_encryption" {
  description = "Encrypt at rest with the AWS managed KMS key aws/dynamodb."
  type        = bool
  default     = true
}

variable "deletion_protection_enabled" {
  description = "Refuse DeleteTable until this is false and applied."
  type        = bool
  default     = true
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "endpoint" {
  description = "Endpoint URL of a local engine serving dynamodb, application-autoscaling, iam, kms and sts on one port; null (the default) means real AWS."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = { "app" = "my-app" }
}
