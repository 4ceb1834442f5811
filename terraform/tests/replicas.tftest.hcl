# Global tables: replica_regions, its validations, and the IAM policies covering every replica. The
# provider is mocked, its region fixed to us-east-1 and the table ARN fixed at plan.
mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
  override_resource {
    target          = aws_dynamodb_table.this[0]
    override_during = plan
    values          = { arn = "arn:aws:dynamodb:us-east-1:111122223333:table/test-table" }
  }
}

variables {
  table_name       = "test-table"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"
}

run "no_replicas_by_default" {
  command = plan

  assert {
    condition     = length(aws_dynamodb_table.this[0].replica) == 0 && length(output.replica_arns) == 0
    error_message = "a single-region table by default"
  }
  assert {
    condition     = output.region == "us-east-1"
    error_message = "the region output is the provider's region"
  }
}

run "two_replicas" {
  command = plan

  variables {
    replica_regions = [
      { region_name = "eu-west-1" },
      { region_name = "ap-southeast-2", point_in_time_recovery = false, propagate_tags = false },
    ]
  }

  assert {
    condition = { for r in aws_dynamodb_table.this[0].replica : r.region_name => [r.point_in_time_recovery, r.propagate_tags] } == {
      "eu-west-1"      = [true, true]
      "ap-southeast-2" = [false, false]
    }
    error_message = "replica PITR follows the table unless overridden; tags propagate by default"
  }
  assert {
    condition = output.replica_arns == tomap({
      "eu-west-1"      = "arn:aws:dynamodb:eu-west-1:111122223333:table/test-table"
      "ap-southeast-2" = "arn:aws:dynamodb:ap-southeast-2:111122223333:table/test-table"
    })
    error_message = "replica ARNs are the table's with the replica's region"
  }
  assert {
    condition = jsondecode(output.iam_policy_read_write_json).Statement[0].Resource == [
      "arn:aws:dynamodb:us-east-1:111122223333:table/test-table",
      "arn:aws:dynamodb:eu-west-1:111122223333:table/test-table",
      "arn:aws:dynamodb:ap-southeast-2:111122223333:table/test-table",
    ]
    error_message = "the read-write policy covers the table in every region"
  }
  assert {
    condition = jsondecode(output.iam_policy_read_only_json).Statement[1].Resource == [
      "arn:aws:dynamodb:us-east-1:111122223333:table/test-table/index/GSI1",
      "arn:aws:dynamodb:eu-west-1:111122223333:table/test-table/index/GSI1",
      "arn:aws:dynamodb:ap-southeast-2:111122223333:table/test-table/index/GSI1",
    ]
    error_message = "the read-only policy covers the indexes in every region"
  }
}

run "replicas_with_customer_keys" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/aaaa"
    replica_regions = [
      { region_name = "eu-west-1", kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/bbbb" },
    ]
  }

  assert {
    condition     = one(aws_dynamodb_table.this[0].replica).kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/bbbb"
    error_message = "each replica is encrypted with its own regional key"
  }
  assert {
    condition = jsondecode(output.iam_policy_read_write_json).Statement[2].Resource == [
      "arn:aws:kms:us-east-1:111122223333:key/aaaa", "arn:aws:kms:eu-west-1:111122223333:key/bbbb",
    ]
    error_message = "the policies allow every region's key, through DynamoDB only"
  }
}

run "provisioned_autoscaled_global_table" {
  command = plan

  variables {
    billing_mode        = "PROVISIONED"
    autoscaling_enabled = true
    replica_regions     = [{ region_name = "eu-west-1" }]
  }

  assert {
    condition     = length(aws_dynamodb_table.this[0].replica) == 1 && length(aws_appautoscaling_target.this) == 4
    error_message = "a provisioned global table autoscales"
  }
}

run "replica_region_invalid" {
  command = plan
  variables {
    replica_regions = [{ region_name = "Europe" }]
  }
  expect_failures = [var.replica_regions]
}

run "replica_region_twice" {
  command = plan
  variables {
    replica_regions = [{ region_name = "eu-west-1" }, { region_name = "eu-west-1" }]
  }
  expect_failures = [var.replica_regions]
}

run "replica_key_in_another_region" {
  command = plan
  variables {
    replica_regions = [{ region_name = "eu-west-1", kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/bbbb" }]
  }
  expect_failures = [var.replica_regions]
}

run "replica_without_key_on_a_customer_key_table" {
  command = plan
  variables {
    kms_key_arn     = "arn:aws:kms:us-east-1:111122223333:key/aaaa"
    replica_regions = [{ region_name = "eu-west-1" }]
  }
  expect_failures = [var.replica_regions]
}

run "replica_key_without_encryption" {
  command = plan
  variables {
    enable_encryption = false
    replica_regions   = [{ region_name = "eu-west-1", kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/bbbb" }]
  }
  expect_failures = [var.replica_regions]
}

run "replicas_without_stream" {
  command = plan
  variables {
    stream_enabled  = false
    replica_regions = [{ region_name = "eu-west-1" }]
  }
  expect_failures = [var.replica_regions]
}

run "replicas_with_keys_only_stream" {
  command = plan
  variables {
    stream_view_type = "KEYS_ONLY"
    replica_regions  = [{ region_name = "eu-west-1" }]
  }
  expect_failures = [var.replica_regions]
}

run "provisioned_global_table_without_autoscaling" {
  command = plan
  variables {
    billing_mode    = "PROVISIONED"
    read_capacity   = 5
    write_capacity  = 5
    replica_regions = [{ region_name = "eu-west-1" }]
  }
  expect_failures = [var.replica_regions]
}

run "replica_settings_the_provider_lacks" {
  command = plan
  variables {
    replica_regions = [{ region_name = "eu-west-1", deletion_protection_enabled = true, consistency_mode = "STRONG" }]
  }
  expect_failures = [var.replica_regions]
}

run "replica_in_the_tables_own_region" {
  command = plan
  variables {
    replica_regions = [{ region_name = "us-east-1" }]
  }
  expect_failures = [aws_dynamodb_table.this]
}
