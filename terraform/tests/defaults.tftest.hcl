# Tests of every variable branch, offline: the aws provider is mocked. Runs are plan-only where every
# asserted value is known at plan; "apply" against the mock creates nothing and invents computed values.
mock_provider "aws" {}

variables {
  table_name = "test-table"
}

run "seed_defaults" {
  command = plan

  variables {
    table_name                    = "my-app-main-table"
    billing_mode                  = "PAY_PER_REQUEST"
    enable_point_in_time_recovery = true
    enable_encryption             = true
  }

  assert {
    condition     = aws_dynamodb_table.this[0].billing_mode == "PAY_PER_REQUEST"
    error_message = "the seed table is on-demand, with no capacity"
  }
  assert {
    condition     = aws_dynamodb_table.this[0].hash_key == "PK" && aws_dynamodb_table.this[0].range_key == "SK"
    error_message = "keys are PK (hash) and SK (range)"
  }
  assert {
    condition     = { for a in aws_dynamodb_table.this[0].attribute : a.name => a.type } == { PK = "S", SK = "S" }
    error_message = "only PK and SK are declared, both strings"
  }
  assert {
    condition = [for g in aws_dynamodb_table.this[0].global_secondary_index : [g.name, g.hash_key, g.range_key, g.projection_type]] == [
      ["GSI1", "SK", "PK", "ALL"]
    ]
    error_message = "GSI1 inverts the keys (hash SK, range PK) and projects ALL"
  }
  assert {
    condition     = aws_dynamodb_table.this[0].point_in_time_recovery[0].enabled
    error_message = "PITR is on by default"
  }
  assert {
    condition     = aws_dynamodb_table.this[0].server_side_encryption[0].enabled
    error_message = "SSE with the AWS managed key by default"
  }
  assert {
    condition     = aws_dynamodb_table.this[0].ttl[0].enabled && aws_dynamodb_table.this[0].ttl[0].attribute_name == "expires_at"
    error_message = "TTL on expires_at by default"
  }
  assert {
    condition     = aws_dynamodb_table.this[0].deletion_protection_enabled
    error_message = "deletion protection is on by default"
  }
  assert {
    condition     = !aws_dynamodb_table.this[0].stream_enabled
    error_message = "streams are off by default"
  }
  assert {
    condition     = aws_dynamodb_table.this[0].table_class == "STANDARD" && length(aws_dynamodb_table.this[0].on_demand_throughput) == 0
    error_message = "STANDARD class, no on-demand cap by default"
  }
  assert {
    condition     = length(aws_appautoscaling_target.this) == 0 && length(aws_appautoscaling_policy.this) == 0
    error_message = "no autoscaling for an on-demand table"
  }
  assert {
    condition     = length(aws_iam_policy.read_only) == 0 && length(aws_iam_policy.read_write) == 0
    error_message = "IAM policies are only output unless create_iam_policies"
  }
  assert {
    condition     = length(data.aws_dynamodb_tables.existing) == 0 && length(data.aws_dynamodb_table.live) == 0
    error_message = "no live capacity lookups without autoscaling"
  }
  assert {
    condition     = output.index_names == tolist(["GSI1"]) && output.ttl_attribute_name == "expires_at"
    error_message = "outputs name the indexes and the TTL attribute"
  }
  assert {
    condition = output.key_attributes == {
      partition_key = "PK", sort_key = "SK", indexes = { GSI1 = { partition_key = "SK", sort_key = "PK" } }
    }
    error_message = "key_attributes describes the table and GSI1"
  }
  assert {
    condition     = output.stream_arn == null
    error_message = "no stream ARN without a stream"
  }
}

run "provisioned_fixed_capacity" {
  command = plan

  variables {
    billing_mode        = "PROVISIONED"
    read_capacity       = 10
    write_capacity      = 4
    gsi1_write_capacity = 2
  }

  assert {
    condition     = aws_dynamodb_table.this[0].read_capacity == 10 && aws_dynamodb_table.this[0].write_capacity == 4
    error_message = "table capacity as configured"
  }
  assert {
    condition     = [for g in aws_dynamodb_table.this[0].global_secondary_index : [g.read_capacity, g.write_capacity]] == [[10, 2]]
    error_message = "GSI1 inherits the table read capacity and takes its own write capacity"
  }
  assert {
    condition     = length(aws_appautoscaling_target.this) == 0
    error_message = "no autoscaling unless asked"
  }
}

run "gsi1_include_projection" {
  command = plan

  variables {
    gsi1_projection_type    = "INCLUDE"
    gsi1_non_key_attributes = ["name", "email"]
  }

  assert {
    condition = [for g in aws_dynamodb_table.this[0].global_secondary_index : [g.projection_type, g.non_key_attributes]] == [
      ["INCLUDE", toset(["name", "email"])]
    ]
    error_message = "GSI1 projects the listed attributes"
  }
}

run "gsi1_keys_only_projection" {
  command = plan

  variables {
    gsi1_projection_type = "KEYS_ONLY"
  }

  assert {
    condition     = one(aws_dynamodb_table.this[0].global_secondary_index).projection_type == "KEYS_ONLY"
    error_message = "GSI1 projects keys only"
  }
}

run "additional_gsis" {
  command = apply # the GSI set has computed members until applied

  variables {
    additional_global_secondary_indexes = [
      { name = "GSI2", hash_key = "GSI2PK", range_key = "GSI2SK", range_key_type = "N" },
      { name = "ByStatus", hash_key = "status", projection_type = "KEYS_ONLY" },
      { name = "ByStatusDate", hash_key = "status", range_key = "SK" },
    ]
  }

  assert {
    condition = { for a in aws_dynamodb_table.this[0].attribute : a.name => a.type } == {
      PK = "S", SK = "S", GSI2PK = "S", GSI2SK = "N", status = "S"
    }
    error_message = "each key attribute is declared once with its type"
  }
  assert {
    condition     = output.index_names == tolist(["GSI1", "GSI2", "ByStatus", "ByStatusDate"])
    error_message = "GSI1 first, then the additional indexes in order"
  }
  assert {
    condition     = output.key_attributes.indexes.ByStatus.partition_key == "status" && output.key_attributes.indexes.ByStatus.sort_key == null
    error_message = "a hash-only index has no sort key"
  }
  assert {
    condition     = length(aws_dynamodb_table.this[0].global_secondary_index) == 4
    error_message = "four GSIs"
  }
}

run "streams_enabled" {
  command = plan

  variables {
    stream_enabled   = true
    stream_view_type = "KEYS_ONLY"
  }

  assert {
    condition     = aws_dynamodb_table.this[0].stream_enabled && aws_dynamodb_table.this[0].stream_view_type == "KEYS_ONLY"
    error_message = "stream on with the requested view"
  }
}

run "ttl_disabled" {
  command = plan

  variables {
    ttl_enabled = false
  }

  assert {
    condition     = !aws_dynamodb_table.this[0].ttl[0].enabled && aws_dynamodb_table.this[0].ttl[0].attribute_name == ""
    error_message = "TTL off"
  }
  assert {
    condition     = output.ttl_attribute_name == null
    error_message = "no TTL attribute output when TTL is off"
  }
}

run "ttl_custom_attribute" {
  command = plan

  variables {
    ttl_attribute_name = "ttl"
  }

  assert {
    condition     = aws_dynamodb_table.this[0].ttl[0].attribute_name == "ttl"
    error_message = "TTL attribute as configured"
  }
}

run "encryption_aws_owned_key" {
  command = plan

  variables {
    enable_encryption = false
  }

  assert {
    condition     = !aws_dynamodb_table.this[0].server_side_encryption[0].enabled
    error_message = "enable_encryption = false falls back to the AWS owned key"
  }
}

run "encryption_customer_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = aws_dynamodb_table.this[0].server_side_encryption[0].kms_key_arn == "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    error_message = "the customer managed key is used"
  }
}

run "pitr_off_deletion_protection_off" {
  command = plan

  variables {
    enable_point_in_time_recovery = false
    deletion_protection_enabled   = false
  }

  assert {
    condition     = !aws_dynamodb_table.this[0].point_in_time_recovery[0].enabled && !aws_dynamodb_table.this[0].deletion_protection_enabled
    error_message = "both can be turned off"
  }
}

run "infrequent_access_class_and_tags" {
  command = plan

  variables {
    table_class = "STANDARD_INFREQUENT_ACCESS"
    tags        = { team = "data", env = "test" }
  }

  assert {
    condition     = aws_dynamodb_table.this[0].table_class == "STANDARD_INFREQUENT_ACCESS"
    error_message = "table class as configured"
  }
  assert {
    condition     = aws_dynamodb_table.this[0].tags["team"] == "data" && aws_dynamodb_table.this[0].tags["env"] == "test"
    error_message = "tags reach the table"
  }
}

run "on_demand_cap" {
  command = plan

  variables {
    on_demand_max_read_request_units  = 1000
    on_demand_max_write_request_units = 200
  }

  assert {
    condition = aws_dynamodb_table.this[0].on_demand_throughput[0].max_read_request_units == 1000 && (
      aws_dynamodb_table.this[0].on_demand_throughput[0].max_write_request_units == 200
    )
    error_message = "the table is capped"
  }
  assert {
    condition     = one(aws_dynamodb_table.this[0].global_secondary_index).on_demand_throughput[0].max_write_request_units == 200
    error_message = "the indexes are capped too"
  }
}

run "create_table_off_creates_nothing" {
  command = plan

  variables {
    create_table        = false
    billing_mode        = "PROVISIONED"
    autoscaling_enabled = true
    create_iam_policies = true
  }

  assert {
    condition = length(aws_dynamodb_table.this) == 0 && length(aws_appautoscaling_target.this) == 0 && (
      length(aws_iam_policy.read_only) == 0 && length(data.aws_dynamodb_tables.existing) == 0
    )
    error_message = "create_table = false creates no table, autoscaling or policies, and looks nothing up"
  }
  assert {
    condition = output.table_arn == null && output.table_name == null && length(output.index_names) == 0 && (
      output.iam_policy_read_write_json == null && output.key_attributes == null && length(output.replica_arns) == 0
    )
    error_message = "every output is null or empty"
  }
}

run "create_table_on_by_default" {
  command = plan

  assert {
    condition     = length(aws_dynamodb_table.this) == 1
    error_message = "the table is created by default"
  }
}
