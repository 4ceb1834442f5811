# An on-demand global table in production: a replica in a second region with its own PITR, a shorter
# PITR window, a local secondary index, CloudWatch alarms (throttles, system errors, replication
# latency) and Contributor Insights on the table and GSI1. Applied to AWS as is; against the local
# engine it is planned only (the engine serves one region, no CloudWatch, no Contributor Insights).

provider "aws" {
  region = var.region

  skip_credentials_validation = var.endpoint != null
  skip_requesting_account_id  = var.endpoint != null
  skip_metadata_api_check     = var.endpoint != null

  dynamic "endpoints" {
    for_each = var.endpoint == null ? [] : [var.endpoint]
    content {
      dynamodb   = endpoints.value
      cloudwatch = endpoints.value
      iam        = endpoints.value
      kms        = endpoints.value
      sts        = endpoints.value
    }
  }
}

module "table" {
  source = "../.."

  table_name = var.table_name

  # Replicas are fed by the stream.
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"
  replica_regions  = [{ region_name = var.replica_region }]

  point_in_time_recovery_period_in_days = 14

  local_secondary_indexes = [{ name = "ByCreated", range_key = "created_at", range_key_type = "N" }]

  alarms_enabled       = true
  alarm_sns_topic_arns = var.alarm_sns_topic_arns

  contributor_insights_enabled = true

  deletion_protection_enabled = var.deletion_protection_enabled
  tags                        = var.tags
}
