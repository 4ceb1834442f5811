############################################################################
# CloudWatch alarms (opt-in): throttling, system errors, capacity headroom, replication latency.
############################################################################

locals {
  alarms_on = var.create_table && var.alarms_enabled

  # The operations whose SystemErrors are summed into one alarm (metric math takes at most 10 metrics).
  system_error_operations = [
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan",
    "BatchGetItem", "BatchWriteItem", "TransactGetItems", "TransactWriteItems",
  ]

  # One entry per alarm. Each is a single metric (metric_name, statistic, dimensions) or, with math set,
  # a metric-math expression over metrics.
  throttle_alarms = merge(
    {
      for dir in ["read", "write"] : "table/${dir}-throttles" => {
        description = "${title(dir)} requests to table ${var.table_name} are throttled."
        metric_name = dir == "read" ? "ReadThrottleEvents" : "WriteThrottleEvents"
        statistic   = "Sum"
        dimensions  = { TableName = var.table_name }
        threshold   = var.alarm_throttle_events_threshold
      }
    },
    {
      for pair in setproduct(local.index_names, ["read", "write"]) : "index/${pair[0]}/${pair[1]}-throttles" => {
        description = "${title(pair[1])} requests to index ${pair[0]} of table ${var.table_name} are throttled."
        metric_name = pair[1] == "read" ? "ReadThrottleEvents" : "WriteThrottleEvents"
        statistic   = "Sum"
        dimensions  = { TableName = var.table_name, GlobalSecondaryIndexName = pair[0] }
        threshold   = var.alarm_throttle_events_threshold
      }
    },
  )

  replication_alarms = {
    for r in var.replica_regions : "replica/${r.region_name}/replication-latency" => {
      description = "Replication from table ${var.table_name} to ${r.region_name} lags more than ${var.alarm_replication_latency_threshold_ms} ms."
      metric_name = "ReplicationLatency"
      statistic   = "Average"
      dimensions  = { TableName = var.table_name, ReceivingRegion = r.region_name }
      threshold   = var.alarm_replication_latency_threshold_ms
    }
  }

  single_metric_alarms = local.alarms_on ? merge(local.throttle_alarms, local.replication_alarms) : {}

  # Consumed / provisioned in percent, per table and index and direction (PROVISIONED only).
  capacity_alarms = local.alarms_on && local.provisioned ? merge(
    {
      for dir in ["read", "write"] : "table/${dir}-capacity" => {
        description = "Table ${var.table_name} consumes more than ${var.alarm_consumed_capacity_threshold_percent}% of its provisioned ${dir} capacity."
        direction   = dir == "read" ? "Read" : "Write"
        dimensions  = { TableName = var.table_name }
      }
    },
    {
      for pair in setproduct(local.index_names, ["read", "write"]) : "index/${pair[0]}/${pair[1]}-capacity" => {
        description = "Index ${pair[0]} of table ${var.table_name} consumes more than ${var.alarm_consumed_capacity_threshold_percent}% of its provisioned ${pair[1]} capacity."
        direction   = pair[1] == "read" ? "Read" : "Write"
        dimensions  = { TableName = var.table_name, GlobalSecondaryIndexName = pair[0] }
      }
    },
  ) : {}

  alarm_actions = var.alarm_sns_topic_arns
}

resource "aws_cloudwatch_metric_alarm" "metric" {
  for_each = local.single_metric_alarms

  alarm_name          = "${var.table_name}-${replace(each.key, "/", "-")}"
  alarm_description   = each.value.description
  namespace           = "AWS/DynamoDB"
  metric_name         = each.value.metric_name
  statistic           = each.value.statistic
  dimensions          = each.value.dimensions
  period              = var.alarm_period_seconds
  evaluation_periods  = var.alarm_evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  # No data means no throttling (or no replication traffic): not an alarm.
  treat_missing_data = "notBreaching"
  actions_enabled    = true
  alarm_actions      = local.alarm_actions
  ok_actions         = local.alarm_actions
  tags               = var.tags

  depends_on = [aws_dynamodb_table.this]
}

resource "aws_cloudwatch_metric_alarm" "system_errors" {
  count = local.alarms_on ? 1 : 0

  alarm_name          = "${var.table_name}-table-system-errors"
  alarm_description   = "DynamoDB returns HTTP 500 errors (SystemErrors) on table ${var.table_name}."
  evaluation_periods  = var.alarm_evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "errors"
    expression  = "SUM(METRICS())"
    label       = "SystemErrors (all operations)"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = local.system_error_operations
    content {
      id          = "m${metric_query.key}"
      return_data = false
      metric {
        namespace   = "AWS/DynamoDB"
        metric_name = "SystemErrors"
        dimensions  = { TableName = var.table_name, Operation = metric_query.value }
        period      = var.alarm_period_seconds
        stat        = "Sum"
      }
    }
  }

  depends_on = [aws_dynamodb_table.this]
}

resource "aws_cloudwatch_metric_alarm" "capacity" {
  for_each = local.capacity_alarms

  alarm_name          = "${var.table_name}-${replace(each.key, "/", "-")}"
  alarm_description   = each.value.description
  evaluation_periods  = var.alarm_evaluation_periods
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alarm_consumed_capacity_threshold_percent
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  # Consumed units are a sum over the period; provisioned units are per second.
  metric_query {
    id          = "utilization"
    expression  = "100 * (consumed / PERIOD(consumed)) / provisioned"
    label       = "Consumed ${lower(each.value.direction)} capacity, % of provisioned"
    return_data = true
  }

  metric_query {
    id          = "consumed"
    return_data = false
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "Consumed${each.value.direction}CapacityUnits"
      dimensions  = each.value.dimensions
      period      = var.alarm_period_seconds
      stat        = "Sum"
    }
  }

  metric_query {
    id          = "provisioned"
    return_data = false
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "Provisioned${each.value.direction}CapacityUnits"
      dimensions  = each.value.dimensions
      period      = var.alarm_period_seconds
      stat        = "Average"
    }
  }

  depends_on = [aws_dynamodb_table.this]
}
