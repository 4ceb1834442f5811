variable "table_name" {
  description = "Name of the DynamoDB table."
  type        = string
  default     = "singletable-global-example"
}

variable "replica_region" {
  description = "Region of the replica (not var.region)."
  type        = string
  default     = "eu-west-1"
}

variable "alarm_sns_topic_arns" {
  description = "SNS topics the alarms notify; empty = alarms without notifications."
  type        = list(string)
  default     = []
}

variable "deletion_protection_enabled" {
  description = "Refuse DeleteTable until this is false and applied."
  type        = bool
  default     = true
}

variable "region" {
  description = "AWS region of the table."
  type        = string
  default     = "us-east-1"
}

variable "endpoint" {
  description = "Endpoint URL of a local engine (plan only there); null (the default) means real AWS."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = { "app" = "singletable-example" }
}
