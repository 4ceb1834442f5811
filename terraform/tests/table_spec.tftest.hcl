# The table_spec output: what singletable's TableSpec.from_terraform reads, so the code and the module
# cannot drift apart silently (tests/unit/test_terraform_bridge.py reads the same shape).
mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }
}

variables {
  table_name = "test-table"
}

run "defaults" {
  command = plan

  assert {
    condition = (
      output.table_spec.name == "test-table" && output.table_spec.partition_key == "PK" &&
      output.table_spec.sort_key == "SK" && output.table_spec.ttl_attribute == "expires_at" &&
      output.table_spec.billing_mode == "PAY_PER_REQUEST" && output.table_spec.point_in_time_recovery &&
      output.table_spec.encryption && output.table_spec.deletion_protection &&
      output.table_spec.stream_view_type == null
    )
    error_message = "table_spec carries the module's defaults"
  }

  assert {
    condition = (
      length(output.table_spec.indexes) == 1 && output.table_spec.indexes[0].name == "GSI1" &&
      output.table_spec.indexes[0].hash_key == "SK" && output.table_spec.indexes[0].range_key == "PK" &&
      output.table_spec.indexes[0].projection_type == "ALL"
    )
    error_message = "table_spec lists GSI1 inverted"
  }
}

run "settings_follow_the_inputs" {
  command = plan

  variables {
    ttl_enabled                         = false
    stream_enabled                      = true
    stream_view_type                    = "NEW_AND_OLD_IMAGES"
    enable_point_in_time_recovery       = false
    gsi1_projection_type                = "INCLUDE"
    gsi1_non_key_attributes             = ["name"]
    additional_global_secondary_indexes = [{ name = "GSI2", hash_key = "GSI2PK" }]
  }

  assert {
    condition = (
      output.table_spec.ttl_attribute == null && output.table_spec.stream_view_type == "NEW_AND_OLD_IMAGES" &&
      !output.table_spec.point_in_time_recovery && one(output.table_spec.indexes[0].non_key_attributes) == "name" &&
      output.table_spec.indexes[1].name == "GSI2" && output.table_spec.indexes[1].range_key == null
    )
    error_message = "table_spec follows the inputs"
  }
}

run "no_table_no_spec" {
  command = plan

  variables {
    create_table = false
  }

  assert {
    condition     = output.table_spec == null
    error_message = "without a table there is no spec"
  }
}
