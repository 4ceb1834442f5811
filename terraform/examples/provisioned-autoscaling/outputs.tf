output "table_name" {
  description = "Name of the table."
  value       = module.table.table_name
}

output "index_names" {
  description = "GSI names."
  value       = module.table.index_names
}

output "stream_arn" {
  description = "ARN of the table's stream."
  value       = module.table.stream_arn
}

output "autoscaling_policy_arns" {
  description = "Target-tracking policies, keyed by table/index and direction."
  value       = module.table.autoscaling_policy_arns
}

output "iam_policy_read_only_arn" {
  description = "ARN of the read-only policy."
  value       = module.table.iam_policy_read_only_arn
}

output "iam_policy_read_write_arn" {
  description = "ARN of the read-write policy."
  value       = module.table.iam_policy_read_write_arn
}
