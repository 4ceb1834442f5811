# CloudWatch alarms: opt-in, one per table/index and direction, capacity alarms only when provisioned,
# replication latency per replica, the SNS topics on every alarm; and the alarm inputs' validations.
mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
}

variables {
  table_name                          = "test-table"
  additional_global_secondary_indexes = [{ name = "GSI2", hash_key = "GSI2PK" }]
}

run "no_alarms_by_default" {
  command = plan

  assert {
    condition = length(aws_cloudwatch_metric_alarm.metric) == 0 && length(aws_cloudwatch_metric_alarm.capacity) == 0 && (
      length(aws_cloudwatch_metric_alarm.system_errors) == 0
    )
    error_message = "alarms are opt-in"
  }
}

run "on_demand_alarms" {
  command = plan

  variables {
    alarms_enabled       = true
    alarm_sns_topic_arns = ["arn:aws:sns:us-east-1:111122223333:dynamodb-alerts"]
  }

  assert {
    condition = toset(keys(aws_cloudwatch_metric_alarm.metric)) == toset([
      "table/read-throttles", "table/write-throttles",
      "index/GSI1/read-throttles", "index/GSI1/write-throttles",
      "index/GSI2/read-throttles", "index/GSI2/write-throttles",
    ])
    error_message = "read and write throttle alarms for the table and each GSI"
  }
  assert {
    condition = aws_cloudwatch_metric_alarm.metric["index/GSI2/write-throttles"].dimensions == tomap({ TableName = "test-table", GlobalSecondaryIndexName = "GSI2" }) && (
      aws_cloudwatch_metric_alarm.metric["index/GSI2/write-throttles"].metric_name == "WriteThrottleEvents"
    ) && aws_cloudwatch_metric_alarm.metric["table/read-throttles"].alarm_name == "test-table-table-read-throttles"
    error_message = "index alarms watch the index's metric"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.capacity) == 0
    error_message = "no consumed-vs-provisioned alarm on an on-demand table"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.system_errors) == 1 && length(aws_cloudwatch_metric_alarm.system_errors[0].metric_query) == 11
    error_message = "one system errors alarm summing ten operations"
  }
  assert {
    condition = alltrue([for a in concat(values(aws_cloudwatch_metric_alarm.metric), aws_cloudwatch_metric_alarm.system_errors) :
      a.alarm_actions == toset(["arn:aws:sns:us-east-1:111122223333:dynamodb-alerts"]) && a.ok_actions == a.alarm_actions && a.actions_enabled
    ])
    error_message = "every alarm notifies the SNS topic, on alarm and on recovery"
  }
}

run "provisioned_alarms" {
  command = plan

  variables {
    billing_mode                              = "PROVISIONED"
    read_capacity                             = 5
    write_capacity                            = 5
    alarms_enabled                            = true
    alarm_consumed_capacity_threshold_percent = 90
  }

  assert {
    condition = toset(keys(aws_cloudwatch_metric_alarm.capacity)) == toset([
      "table/read-capacity", "table/write-capacity",
      "index/GSI1/read-capacity", "index/GSI1/write-capacity",
      "index/GSI2/read-capacity", "index/GSI2/write-capacity",
    ])
    error_message = "consumed-vs-provisioned alarms for the table and each GSI"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.capacity["table/write-capacity"].threshold == 90
    error_message = "the threshold as configured"
  }
  assert {
    condition = toset([for q in aws_cloudwatch_metric_alarm.capacity["index/GSI1/read-capacity"].metric_query : q.id]) == toset(["utilization", "consumed", "provisioned"]) && (
      alltrue([for q in aws_cloudwatch_metric_alarm.capacity["index/GSI1/read-capacity"].metric_query : q.id == "utilization" ? true : (
        q.metric[0].dimensions == tomap({ TableName = "test-table", GlobalSecondaryIndexName = "GSI1" })
      )])
    )
    error_message = "consumed and provisioned of the same index"
  }
}

run "replica_latency_alarms" {
  command = plan

  variables {
    stream_enabled                         = true
    replica_regions                        = [{ region_name = "eu-west-1" }, { region_name = "ap-southeast-2" }]
    alarms_enabled                         = true
    alarm_replication_latency_threshold_ms = 30000
  }

  assert {
    condition = aws_cloudwatch_metric_alarm.metric["replica/eu-west-1/replication-latency"].dimensions == tomap({ TableName = "test-table", ReceivingRegion = "eu-west-1" }) && (
      aws_cloudwatch_metric_alarm.metric["replica/ap-southeast-2/replication-latency"].threshold == 30000
    )
    error_message = "one replication latency alarm per replica"
  }
}

run "no_alarms_without_table" {
  command = plan

  variables {
    create_table   = false
    alarms_enabled = true
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.metric) == 0 && length(aws_cloudwatch_metric_alarm.system_errors) == 0
    error_message = "create_table = false creates no alarm"
  }
}

run "alarm_inputs_invalid" {
  command = plan
  variables {
    alarms_enabled                            = true
    alarm_sns_topic_arns                      = ["dynamodb-alerts"]
    alarm_period_seconds                      = 45
    alarm_evaluation_periods                  = 0
    alarm_throttle_events_threshold           = -1
    alarm_consumed_capacity_threshold_percent = 120
    alarm_replication_latency_threshold_ms    = 0
  }
  expect_failures = [
    var.alarm_sns_topic_arns,
    var.alarm_period_seconds,
    var.alarm_evaluation_periods,
    var.alarm_throttle_events_threshold,
    var.alarm_consumed_capacity_threshold_percent,
    var.alarm_replication_latency_threshold_ms,
  ]
}

run "topics_without_alarms" {
  command = plan
  variables {
    alarm_sns_topic_arns = ["arn:aws:sns:us-east-1:111122223333:dynamodb-alerts"]
  }
  expect_failures = [var.alarm_sns_topic_arns]
}
