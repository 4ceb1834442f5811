output "table_name" {
  description = "Name of the table."
  value       = one(aws_dynamodb_table.this[*].name)
}

output "table_arn" {
  description = "ARN of the table."
  value       = one(aws_dynamodb_table.this[*].arn)
}

output "table_id" {
  description = "ID of the table (its name)."
  value       = one(aws_dynamodb_table.this[*].id)
}

output "stream_arn" {
  description = "ARN of the table's stream; null when stream_enabled = false."
  value       = var.stream_enabled ? one(aws_dynamodb_table.this[*].stream_arn) : null
}

output "stream_label" {
  description = "Timestamp label of the table's stream; null when stream_enabled = false."
  value       = var.stream_enabled ? one(aws_dynamodb_table.this[*].stream_label) : null
}

output "index_names" {
  description = "Names of the global secondary indexes, GSI1 first."
  value       = var.create_table ? local.index_names : []
}

output "index_arns" {
  description = "ARNs of the global secondary indexes, in index_names order."
  value       = local.index_arns
}

output "key_attributes" {
  description = "Key attribute names: the table's partition and sort keys and each GSI's, keyed by index name."
  value = !var.create_table ? null : {
    partition_key = "PK"
    sort_key      = "SK"
    indexes       = { for i in local.indexes : i.name => { partition_key = i.hash_key, sort_key = i.range_key } }
  }
}

output "hash_key" {
  description = "The table's partition key attribute (PK)."
  value       = one(aws_dynamodb_table.this[*].hash_key)
}

output "range_key" {
  description = "The table's sort key attribute (SK)."
  value       = one(aws_dynamodb_table.this[*].range_key)
}

output "ttl_attribute_name" {
  description = "The TTL attribute (epoch seconds); null when ttl_enabled = false."
  value       = var.create_table && var.ttl_enabled ? var.ttl_attribute_name : null
}

output "billing_mode" {
  description = "The table's billing mode."
  value       = one(aws_dynamodb_table.this[*].billing_mode)
}

output "autoscaling_policy_arns" {
  description = "Target-tracking policy ARNs keyed by \"table/read\", \"index/GSI1/write\" and so on; empty without autoscaling."
  value       = { for k, p in aws_appautoscaling_policy.this : k => p.arn }
}

output "iam_policy_read_only_json" {
  description = "Least-privilege IAM policy (JSON) to read the table and query its indexes: no dynamodb:*, no Scan unless iam_policy_allow_scan."
  value       = local.iam_policy_read_only
}

output "iam_policy_read_write_json" {
  description = "Least-privilege IAM policy (JSON) to read and write items and query the indexes: no table administration, no Scan unless iam_policy_allow_scan."
  value       = local.iam_policy_read_write
}

output "iam_policy_read_only_arn" {
  description = "ARN of the read-only aws_iam_policy; null unless create_iam_policies."
  value       = one(aws_iam_policy.read_only[*].arn)
}

output "iam_policy_read_write_arn" {
  description = "ARN of the read-write aws_iam_policy; null unless create_iam_policies."
  value       = one(aws_iam_policy.read_write[*].arn)
}

output "replica_arns" {
  description = "ARNs of the table's replicas, keyed by region; empty without replica_regions. The IAM policy outputs cover them (and their indexes)."
  value       = local.replica_arns
}

output "region" {
  description = "Region of the table (the provider's region); replicas are in replica_arns."
  value       = var.create_table ? data.aws_region.current.name : null
}

output "local_secondary_indexes" {
  description = "Local secondary indexes and their keys (partition key PK, own sort key), keyed by name; empty without local_secondary_indexes. The IAM policies allow Query on them."
  value       = var.create_table ? { for l in var.local_secondary_indexes : l.name => { partition_key = "PK", sort_key = l.range_key } } : {}
}

output "resource_policy_revision_id" {
  description = "Revision of the table's resource-based policy; null without resource_policy."
  value       = one(aws_dynamodb_resource_policy.this[*].revision_id)
}

output "alarm_arns" {
  description = "CloudWatch alarm ARNs keyed by \"table/read-throttles\", \"index/GSI1/write-capacity\", \"table/system-errors\", \"replica/eu-west-1/replication-latency\" and so on; empty unless alarms_enabled."
  value = merge(
    { for k, a in aws_cloudwatch_metric_alarm.metric : k => a.arn },
    { for k, a in aws_cloudwatch_metric_alarm.capacity : k => a.arn },
    { for a in aws_cloudwatch_metric_alarm.system_errors : "table/system-errors" => a.arn },
  )
}

output "contributor_insights" {
  description = "Where Contributor Insights is on: \"table\" and \"index/<name>\" keys; empty unless contributor_insights_enabled."
  value       = sort(keys(aws_dynamodb_contributor_insights.this))
}

output "table_spec" {
  description = "The table as singletable's TableSpec.from_terraform reads it: keys, indexes, TTL, billing, PITR, encryption, deletion protection, stream."
  value = !var.create_table ? null : {
    name          = var.table_name
    partition_key = "PK"
    sort_key      = "SK"
    gsi1_key_mode = var.gsi1_key_mode
    indexes = [for i in local.indexes : {
      name               = i.name
      hash_key           = i.hash_key
      range_key          = i.range_key
      projection_type    = i.projection_type
      non_key_attributes = i.projection_type == "INCLUDE" ? i.non_key_attributes : []
    }]
    ttl_attribute          = var.ttl_enabled ? var.ttl_attribute_name : null
    billing_mode           = var.billing_mode
    read_capacity          = local.table_read
    write_capacity         = local.table_write
    point_in_time_recovery = var.enable_point_in_time_recovery
    encryption             = var.enable_encryption
    kms_key_arn            = var.kms_key_arn
    deletion_protection    = var.deletion_protection_enabled
    stream_view_type       = var.stream_enabled ? var.stream_view_type : null
    tags                   = var.tags
  }
}
