# PITR period, LSIs, timeouts, the resource-based policy, create_table and the version-gated inputs.
mock_provider "aws" {
  override_resource {
    target          = aws_dynamodb_table.this[0]
    override_during = plan
    values          = { arn = "arn:aws:dynamodb:us-east-1:111122223333:table/test-table" }
  }
}

variables {
  table_name = "test-table"
}

run "defaults_add_nothing" {
  command = plan

  assert {
    condition     = length(aws_dynamodb_table.this[0].local_secondary_index) == 0 && length(aws_dynamodb_resource_policy.this) == 0
    error_message = "no LSI, no resource policy by default (the PITR period is left to AWS: computed)"
  }
  assert {
    condition     = aws_dynamodb_table.this[0].timeouts == null || aws_dynamodb_table.this[0].timeouts.create == null
    error_message = "the provider's default timeouts"
  }
  assert {
    condition     = length(output.local_secondary_indexes) == 0 && output.resource_policy_revision_id == null
    error_message = "no LSI or policy outputs"
  }
}

run "pitr_period" {
  command = plan

  variables {
    point_in_time_recovery_period_in_days = 7
  }

  assert {
    condition     = aws_dynamodb_table.this[0].point_in_time_recovery[0].enabled && aws_dynamodb_table.this[0].point_in_time_recovery[0].recovery_period_in_days == 7
    error_message = "PITR keeps 7 days"
  }
}

run "local_secondary_indexes" {
  command = apply # the LSI set has computed members until applied

  # Values at apply only: a plan-time override would be invented twice, at plan and again at apply.
  override_resource {
    target = aws_dynamodb_table.this[0]
    values = { arn = "arn:aws:dynamodb:us-east-1:111122223333:table/test-table" }
  }

  variables {
    additional_global_secondary_indexes = [{ name = "GSI2", hash_key = "GSI2PK", range_key = "created_at", range_key_type = "N" }]
    local_secondary_indexes = [
      { name = "ByCreated", range_key = "created_at", range_key_type = "N" },
      { name = "ByStatus", range_key = "status", projection_type = "INCLUDE", non_key_attributes = ["total"] },
    ]
  }

  assert {
    condition = { for l in aws_dynamodb_table.this[0].local_secondary_index : l.name => [l.range_key, l.projection_type] } == {
      ByCreated = ["created_at", "ALL"], ByStatus = ["status", "INCLUDE"]
    }
    error_message = "each LSI with its sort key and projection"
  }
  assert {
    condition = { for a in aws_dynamodb_table.this[0].attribute : a.name => a.type } == {
      PK = "S", SK = "S", GSI2PK = "S", created_at = "N", status = "S"
    }
    error_message = "LSI sort keys are declared once, shared with a GSI key of the same type"
  }
  assert {
    condition = output.local_secondary_indexes == tomap({
      ByCreated = { partition_key = "PK", sort_key = "created_at" }, ByStatus = { partition_key = "PK", sort_key = "status" }
    })
    error_message = "LSI keys are output"
  }
  assert {
    condition = jsondecode(output.iam_policy_read_only_json).Statement[1].Resource == [
      "arn:aws:dynamodb:us-east-1:111122223333:table/test-table/index/GSI1",
      "arn:aws:dynamodb:us-east-1:111122223333:table/test-table/index/GSI2",
      "arn:aws:dynamodb:us-east-1:111122223333:table/test-table/index/ByCreated",
      "arn:aws:dynamodb:us-east-1:111122223333:table/test-table/index/ByStatus",
    ]
    error_message = "the policies allow Query on the LSIs too"
  }
}

run "timeouts" {
  command = plan

  variables {
    timeouts = { create = "2h", delete = "20m" }
  }

  assert {
    condition     = aws_dynamodb_table.this[0].timeouts.create == "2h" && aws_dynamodb_table.this[0].timeouts.delete == "20m" && aws_dynamodb_table.this[0].timeouts.update == null
    error_message = "timeouts as given, the rest the provider's"
  }
}

run "resource_policy" {
  command = plan

  variables {
    resource_policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid    = "ReadFromAnalytics", Effect = "Allow", Principal = { AWS = "arn:aws:iam::444455556666:root" },
        Action = ["dynamodb:GetItem", "dynamodb:Query"], Resource = "arn:aws:dynamodb:us-east-1:111122223333:table/test-table"
      }]
    })
  }

  assert {
    condition = aws_dynamodb_resource_policy.this[0].resource_arn == "arn:aws:dynamodb:us-east-1:111122223333:table/test-table" && (
      jsondecode(aws_dynamodb_resource_policy.this[0].policy).Statement[0].Sid == "ReadFromAnalytics"
    )
    error_message = "the policy is attached to the table"
  }
}

run "resource_policy_not_without_table" {
  command = plan

  variables {
    create_table    = false
    resource_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
  }

  assert {
    condition     = length(aws_dynamodb_resource_policy.this) == 0
    error_message = "create_table = false creates no policy either"
  }
}

run "pitr_period_invalid" {
  command = plan
  variables {
    point_in_time_recovery_period_in_days = 36
  }
  expect_failures = [var.point_in_time_recovery_period_in_days]
}

run "pitr_period_without_pitr" {
  command = plan
  variables {
    enable_point_in_time_recovery         = false
    point_in_time_recovery_period_in_days = 7
  }
  expect_failures = [var.point_in_time_recovery_period_in_days]
}

run "gated_inputs_refused" {
  command = plan
  variables {
    warm_throughput             = { read_units_per_second = 20000, write_units_per_second = 5000 }
    region                      = "eu-west-1"
    global_table_witness_region = "us-west-2"
  }
  expect_failures = [var.warm_throughput, var.region, var.global_table_witness_region]
}

run "warm_throughput_below_floor" {
  command = plan
  variables {
    warm_throughput = { read_units_per_second = 100 }
  }
  expect_failures = [var.warm_throughput]
}

run "resource_policy_not_a_policy" {
  command = plan
  variables {
    resource_policy = "{\"Effect\": \"Allow\"}"
  }
  expect_failures = [var.resource_policy]
}

run "timeouts_invalid" {
  command = plan
  variables {
    timeouts = { create = "2 hours" }
  }
  expect_failures = [var.timeouts]
}

run "lsi_too_many" {
  command = plan
  variables {
    local_secondary_indexes = [for i in range(6) : { name = "LSI${i}x", range_key = "a${i}" }]
  }
  expect_failures = [var.local_secondary_indexes]
}

run "lsi_bad_name" {
  command = plan
  variables {
    local_secondary_indexes = [{ name = "a b", range_key = "x" }]
  }
  expect_failures = [var.local_secondary_indexes]
}

run "lsi_name_taken_by_a_gsi" {
  command = plan
  variables {
    local_secondary_indexes = [{ name = "GSI1", range_key = "x" }]
  }
  expect_failures = [var.local_secondary_indexes]
}

run "lsi_on_the_table_sort_key" {
  command = plan
  variables {
    local_secondary_indexes = [{ name = "BySK", range_key = "SK" }]
  }
  expect_failures = [var.local_secondary_indexes]
}

run "lsi_bad_projection" {
  command = plan
  variables {
    local_secondary_indexes = [{ name = "ByX", range_key = "x", projection_type = "INCLUDE" }]
  }
  expect_failures = [var.local_secondary_indexes]
}

run "lsi_key_type_conflicts_with_a_gsi" {
  command = plan
  variables {
    additional_global_secondary_indexes = [{ name = "GSI2", hash_key = "x", hash_key_type = "S" }]
    local_secondary_indexes             = [{ name = "ByX", range_key = "x", range_key_type = "N" }]
  }
  expect_failures = [var.local_secondary_indexes]
}
