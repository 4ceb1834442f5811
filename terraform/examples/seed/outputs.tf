output "table_name" {
  description = "Name of the table."
  value       = module.table.table_name
}

output "table_arn" {
  description = "ARN of the table."
  value       = module.table.table_arn
}

output "index_names" {
  description = "GSI names."
  value       = module.table.index_names
}

output "key_attributes" {
  description = "Key attribute names of the table and its indexes."
  value       = module.table.key_attributes
}

output "iam_policy_read_write_json" {
  description = "Policy to attach to the dynamodb-svc role or user."
  value       = module.table.iam_policy_read_write_json
}
