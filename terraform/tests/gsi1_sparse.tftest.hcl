# gsi1_key_mode: the inverted GSI1 by default, the sparse one (own GSI1PK/GSI1SK keys) on request.
# singletable's spec.SPARSE_GSI1 is the same index (tests/integration/test_lint_terraform.py checks both).
mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
}

variables {
  table_name = "test-table"
}

run "inverted_by_default" {
  command = plan

  assert {
    condition = (
      output.table_spec.gsi1_key_mode == "inverted" && output.table_spec.indexes[0].hash_key == "SK" &&
      output.table_spec.indexes[0].range_key == "PK" &&
      join(",", sort([for a in aws_dynamodb_table.this[0].attribute : a.name])) == "PK,SK"
    )
    error_message = "GSI1 is inverted by default and declares no attribute of its own"
  }
}

run "sparse" {
  command = plan

  variables {
    gsi1_key_mode = "sparse"
  }

  assert {
    condition = (
      output.table_spec.gsi1_key_mode == "sparse" && output.table_spec.indexes[0].name == "GSI1" &&
      output.table_spec.indexes[0].hash_key == "GSI1PK" && output.table_spec.indexes[0].range_key == "GSI1SK" &&
      output.key_attributes.indexes["GSI1"].partition_key == "GSI1PK"
    )
    error_message = "the sparse GSI1 is keyed on GSI1PK/GSI1SK"
  }

  assert {
    condition = (
      join(",", sort([for a in aws_dynamodb_table.this[0].attribute : "${a.name}:${a.type}"])) ==
      "GSI1PK:S,GSI1SK:S,PK:S,SK:S"
    )
    error_message = "the sparse GSI1's keys are declared string attributes"
  }
}

run "bad_mode" {
  command = plan

  variables {
    gsi1_key_mode = "both"
  }

  expect_failures = [var.gsi1_key_mode]
}
