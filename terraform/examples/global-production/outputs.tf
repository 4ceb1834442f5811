output "table_arn" {
  description = "ARN of the table."
  value       = module.table.table_arn
}

output "replica_arns" {
  description = "ARNs of the replicas, keyed by region."
  value       = module.table.replica_arns
}

output "alarm_arns" {
  description = "CloudWatch alarm ARNs."
  value       = module.table.alarm_arns
}

output "iam_policy_read_write_json" {
  description = "Policy covering the table and its indexes in every region."
  value       = module.table.iam_policy_read_write_json
}
