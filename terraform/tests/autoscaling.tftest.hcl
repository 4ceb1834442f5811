# Autoscaling: one target and policy per table/index and direction, and the live-capacity adoption
# that keeps terraform from fighting the autoscaler (see main.tf). The provider is mocked.
mock_provider "aws" {}

variables {
  table_name          = "test-table"
  billing_mode        = "PROVISIONED"
  autoscaling_enabled = true
  autoscaling_read    = { min_capacity = 5, max_capacity = 200, target_utilization = 70 }
  autoscaling_write   = { min_capacity = 3, max_capacity = 50, target_utilization = 50, scale_in_cooldown = 300 }
  additional_global_secondary_indexes = [
    { name = "GSI2", hash_key = "GSI2PK", range_key = "GSI2SK" },
  ]
  autoscaling_indexes = {
    GSI2 = { read = { min_capacity = 1, max_capacity = 10, target_utilization = 40 } }
  }
}

run "targets_and_policies_for_table_and_every_gsi" {
  command = plan

  assert {
    condition = sort(keys(aws_appautoscaling_target.this)) == sort([
      "table/read", "table/write", "index/GSI1/read", "index/GSI1/write", "index/GSI2/read", "index/GSI2/write",
    ])
    error_message = "the table and every GSI scale in both directions"
  }
  assert {
    condition     = sort(keys(aws_appautoscaling_policy.this)) == sort(keys(aws_appautoscaling_target.this))
    error_message = "one policy per target"
  }
  assert {
    condition = (
      aws_appautoscaling_target.this["table/read"].resource_id == "table/test-table" &&
      aws_appautoscaling_target.this["table/read"].scalable_dimension == "dynamodb:table:ReadCapacityUnits" &&
      aws_appautoscaling_target.this["index/GSI2/write"].resource_id == "table/test-table/index/GSI2" &&
      aws_appautoscaling_target.this["index/GSI2/write"].scalable_dimension == "dynamodb:index:WriteCapacityUnits"
    )
    error_message = "targets point at the table and its indexes"
  }
  assert {
    condition = (
      aws_appautoscaling_target.this["table/read"].min_capacity == 5 && aws_appautoscaling_target.this["table/read"].max_capacity == 200 &&
      aws_appautoscaling_target.this["index/GSI1/read"].max_capacity == 200 &&
      aws_appautoscaling_target.this["index/GSI2/read"].min_capacity == 1 && aws_appautoscaling_target.this["index/GSI2/read"].max_capacity == 10 &&
      aws_appautoscaling_target.this["index/GSI2/write"].max_capacity == 50
    )
    error_message = "indexes use the table's settings unless overridden, per direction"
  }
  assert {
    condition = (
      aws_appautoscaling_policy.this["table/write"].policy_type == "TargetTrackingScaling" &&
      aws_appautoscaling_policy.this["table/write"].target_tracking_scaling_policy_configuration[0].target_value == 50 &&
      aws_appautoscaling_policy.this["table/write"].target_tracking_scaling_policy_configuration[0].scale_in_cooldown == 300 &&
      aws_appautoscaling_policy.this["table/write"].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "DynamoDBWriteCapacityUtilization" &&
      aws_appautoscaling_policy.this["index/GSI2/read"].target_tracking_scaling_policy_configuration[0].target_value == 40 &&
      aws_appautoscaling_policy.this["index/GSI2/read"].name == "test-table-index-GSI2-read"
    )
    error_message = "target tracking on the utilisation metric with the configured target and cooldowns"
  }
  assert {
    condition     = aws_dynamodb_table.this[0].read_capacity == 5 && aws_dynamodb_table.this[0].write_capacity == 3
    error_message = "a new autoscaled table starts at the autoscaling minimum"
  }
  assert {
    condition = { for g in aws_dynamodb_table.this[0].global_secondary_index : g.name => [g.read_capacity, g.write_capacity] } == {
      GSI1 = [5, 3], GSI2 = [1, 3]
    }
    error_message = "each new index starts at its own autoscaling minimum"
  }
  assert {
    condition     = length(data.aws_dynamodb_tables.existing) == 1 && length(data.aws_dynamodb_table.live) == 0
    error_message = "the live table is looked for, and not found (the mock lists no tables)"
  }
}

run "account_without_tables" {
  command = plan

  override_data {
    target = data.aws_dynamodb_tables.existing[0]
    values = { names = null }
  }

  assert {
    condition     = length(data.aws_dynamodb_table.live) == 0 && aws_dynamodb_table.this[0].read_capacity == 5
    error_message = "an account with no tables at all (names is null) starts at the minimum"
  }
}

run "explicit_initial_capacity" {
  command = plan

  variables {
    read_capacity  = 20
    write_capacity = 10
  }

  assert {
    condition     = aws_dynamodb_table.this[0].read_capacity == 20 && aws_dynamodb_table.this[0].write_capacity == 10
    error_message = "an explicit starting capacity within [min, max] is used"
  }
}

run "adopts_live_capacity_so_terraform_does_not_fight_the_autoscaler" {
  command = plan

  override_data {
    target = data.aws_dynamodb_tables.existing[0]
    values = { names = ["other-table", "test-table"] }
  }

  override_data {
    target = data.aws_dynamodb_table.live[0]
    values = {
      read_capacity  = 42
      write_capacity = 17
      global_secondary_index = [
        { name = "GSI1", hash_key = "SK", range_key = "PK", projection_type = "ALL", non_key_attributes = [], read_capacity = 33, write_capacity = 9, on_demand_throughput = [] },
      ]
    }
  }

  assert {
    condition     = length(data.aws_dynamodb_table.live) == 1
    error_message = "the live table is read when it exists"
  }
  assert {
    condition     = aws_dynamodb_table.this[0].read_capacity == 42 && aws_dynamodb_table.this[0].write_capacity == 17
    error_message = "the table keeps whatever capacity the autoscaler set"
  }
  assert {
    condition = { for g in aws_dynamodb_table.this[0].global_secondary_index : g.name => [g.read_capacity, g.write_capacity] } == {
      GSI1 = [33, 9], GSI2 = [1, 3]
    }
    error_message = "live indexes keep their capacity; an index that does not exist yet starts at its minimum"
  }
}

run "live_on_demand_table_switching_to_provisioned_starts_at_minimum" {
  command = plan

  override_data {
    target = data.aws_dynamodb_tables.existing[0]
    values = { names = ["test-table"] }
  }

  override_data {
    target = data.aws_dynamodb_table.live[0]
    values = { read_capacity = 0, write_capacity = 0, global_secondary_index = [] }
  }

  assert {
    condition     = aws_dynamodb_table.this[0].read_capacity == 5 && aws_dynamodb_table.this[0].write_capacity == 3
    error_message = "a live capacity of 0 (on-demand) is not adopted"
  }
}

run "autoscaling_off_applies_configured_capacity_and_skips_lookups" {
  command = plan

  variables {
    autoscaling_enabled = false
    autoscaling_indexes = {}
    read_capacity       = 8
    write_capacity      = 2
  }

  assert {
    condition     = aws_dynamodb_table.this[0].read_capacity == 8 && length(aws_appautoscaling_target.this) == 0
    error_message = "without autoscaling the configured capacity is applied and no targets exist"
  }
  assert {
    condition     = length(data.aws_dynamodb_tables.existing) == 0
    error_message = "no live lookups without autoscaling"
  }
}
