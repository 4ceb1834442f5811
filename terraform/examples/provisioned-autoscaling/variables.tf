variable "table_name" {
  description = "Name of the DynamoDB table."
  type        = string
  default     = "singletable-provisioned-example"
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
  default     = { "app" = "singletable-example" }
}
