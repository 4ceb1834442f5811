# Every validation block in variables.tf fails at plan, named in expect_failures. Runs group
# independent mistakes (each listed variable must fail, and nothing else may) to keep the suite quick;
# additional_global_secondary_indexes has one run per rule since its rules share one variable.
mock_provider "aws" {}

variables {
  table_name = "test-table"
}

# billing_mode must be one of two values
run "billing_mode_invalid" {
  command = plan

  variables {
    billing_mode = "ON_DEMAND"
  }

  expect_failures = [var.billing_mode]
}

# capacities with PAY_PER_REQUEST; bad name, class and caps; GSI1 attributes without INCLUDE
run "on_demand_table_rejects_provisioned_settings" {
  command = plan

  variables {
    table_name                        = "a b"
    table_class                       = "GLACIER"
    read_capacity                     = 5
    write_capacity                    = 5
    gsi1_read_capacity                = 5
    gsi1_write_capacity               = 5
    on_demand_max_read_request_units  = 0
    on_demand_max_write_request_units = 0
    gsi1_non_key_attributes           = ["name"]
  }

  expect_failures = [
    var.table_name,
    var.table_class,
    var.read_capacity,
    var.write_capacity,
    var.gsi1_read_capacity,
    var.gsi1_write_capacity,
    var.on_demand_max_read_request_units,
    var.on_demand_max_write_request_units,
    var.gsi1_non_key_attributes,
  ]
}

# autoscaling an on-demand table (alone: a variable whose validation fails makes the validations that
# refer to it unknown, so it cannot share a run with read_capacity / write_capacity)
run "autoscaling_on_demand_table" {
  command = plan

  variables {
    autoscaling_enabled = true
  }

  expect_failures = [var.autoscaling_enabled]
}

# values outside their sets or formats
run "malformed_values" {
  command = plan

  variables {
    gsi1_projection_type   = "SOME"
    kms_key_arn            = "my-key"
    ttl_attribute_name     = ""
    stream_enabled         = true
    stream_view_type       = "ALL"
    iam_policy_name_prefix = "has space"
    iam_policy_path        = "services"
  }

  expect_failures = [
    var.gsi1_projection_type,
    var.kms_key_arn,
    var.ttl_attribute_name,
    var.stream_view_type,
    var.iam_policy_name_prefix,
    var.iam_policy_path,
  ]
}

# INCLUDE without attributes, a key without encryption, TTL on a key attribute
run "wrong_combinations" {
  command = plan

  variables {
    gsi1_projection_type = "INCLUDE"
    enable_encryption    = false
    kms_key_arn          = "arn:aws:kms:us-east-1:111122223333:key/abcd"
    ttl_attribute_name   = "SK"
  }

  expect_failures = [
    var.gsi1_non_key_attributes,
    var.kms_key_arn,
    var.ttl_attribute_name,
  ]
}

# PROVISIONED without capacities; zero GSI1 capacities; on-demand caps
run "provisioned_without_capacity" {
  command = plan

  variables {
    billing_mode                      = "PROVISIONED"
    gsi1_read_capacity                = 0
    gsi1_write_capacity               = 0
    on_demand_max_read_request_units  = 100
    on_demand_max_write_request_units = 100
  }

  expect_failures = [
    var.read_capacity,
    var.write_capacity,
    var.gsi1_read_capacity,
    var.gsi1_write_capacity,
    var.on_demand_max_read_request_units,
    var.on_demand_max_write_request_units,
  ]
}

# capacity units are whole numbers of at least 1
run "capacity_not_whole_or_zero" {
  command = plan

  variables {
    billing_mode   = "PROVISIONED"
    read_capacity  = 2.5
    write_capacity = 0
  }

  expect_failures = [
    var.read_capacity,
    var.write_capacity,
  ]
}

# per-index autoscaling needs autoscaling_enabled
run "autoscaling_indexes_without_autoscaling" {
  command = plan

  variables {
    billing_mode        = "PROVISIONED"
    read_capacity       = 5
    write_capacity      = 5
    autoscaling_indexes = { GSI1 = {} }
  }

  expect_failures = [var.autoscaling_indexes]
}

# min > max (table read), target above 90 (table write), an unknown index
run "autoscaling_min_above_max" {
  command = plan

  variables {
    billing_mode        = "PROVISIONED"
    autoscaling_enabled = true
    autoscaling_read    = { min_capacity = 50, max_capacity = 10 }
    autoscaling_write   = { target_utilization = 95 }
    autoscaling_indexes = { GSI9 = {} }
  }

  expect_failures = [
    var.autoscaling_read,
    var.autoscaling_write,
    var.autoscaling_indexes,
  ]
}

# a minimum of 0 (table read and write, and an index)
run "autoscaling_min_zero" {
  command = plan

  variables {
    billing_mode        = "PROVISIONED"
    autoscaling_enabled = true
    autoscaling_read    = { min_capacity = 0 }
    autoscaling_write   = { min_capacity = 0 }
    autoscaling_indexes = { GSI1 = { read = { min_capacity = 9, max_capacity = 3 } } }
  }

  expect_failures = [
    var.autoscaling_read,
    var.autoscaling_write,
    var.autoscaling_indexes,
  ]
}

# target below 20 (read), negative cooldown (write)
run "autoscaling_target_and_cooldowns" {
  command = plan

  variables {
    billing_mode        = "PROVISIONED"
    autoscaling_enabled = true
    autoscaling_read    = { target_utilization = 10 }
    autoscaling_write   = { scale_out_cooldown = -5 }
  }

  expect_failures = [
    var.autoscaling_read,
    var.autoscaling_write,
  ]
}

# negative cooldown (read), min > max (write)
run "autoscaling_negative_cooldown_and_write_min_above_max" {
  command = plan

  variables {
    billing_mode        = "PROVISIONED"
    autoscaling_enabled = true
    autoscaling_read    = { scale_in_cooldown = -1 }
    autoscaling_write   = { min_capacity = 50, max_capacity = 10 }
  }

  expect_failures = [
    var.autoscaling_read,
    var.autoscaling_write,
  ]
}

# read_capacity above max, write_capacity below min
run "starting_capacity_outside_autoscaling_range" {
  command = plan

  variables {
    billing_mode        = "PROVISIONED"
    autoscaling_enabled = true
    read_capacity       = 500
    write_capacity      = 1
    autoscaling_write   = { min_capacity = 2 }
  }

  expect_failures = [
    var.autoscaling_read,
    var.autoscaling_write,
  ]
}

run "too_many_gsis" {
  command = plan

  variables {
    additional_global_secondary_indexes = [for i in range(20) : { name = "GSI${i + 2}", hash_key = "K${i}" }]
  }

  expect_failures = [var.additional_global_secondary_indexes]
}

run "gsi_name_invalid" {
  command = plan

  variables {
    additional_global_secondary_indexes = [{ name = "G", hash_key = "K" }]
  }

  expect_failures = [var.additional_global_secondary_indexes]
}

run "gsi_name_duplicate" {
  command = plan

  variables {
    additional_global_secondary_indexes = [{ name = "GSI2", hash_key = "A" }, { name = "GSI2", hash_key = "B" }]
  }

  expect_failures = [var.additional_global_secondary_indexes]
}

run "gsi_named_gsi1" {
  command = plan

  variables {
    additional_global_secondary_indexes = [{ name = "GSI1", hash_key = "A" }]
  }

  expect_failures = [var.additional_global_secondary_indexes]
}

run "gsi_key_type_invalid" {
  command = plan

  variables {
    additional_global_secondary_indexes = [{ name = "GSI2", hash_key = "A", hash_key_type = "BOOL" }]
  }

  expect_failures = [var.additional_global_secondary_indexes]
}

run "gsi_on_pk_not_string" {
  command = plan

  variables {
    additional_global_secondary_indexes = [{ name = "GSI2", hash_key = "A", range_key = "PK", range_key_type = "N" }]
  }

  expect_failures = [var.additional_global_secondary_indexes]
}

run "gsi_attribute_two_types" {
  command = plan

  variables {
    additional_global_secondary_indexes = [{ name = "GSI2", hash_key = "A" }, { name = "GSI3", hash_key = "A", hash_key_type = "N" }]
  }

  expect_failures = [var.additional_global_secondary_indexes]
}

run "gsi_include_without_attributes" {
  command = plan

  variables {
    additional_global_secondary_indexes = [{ name = "GSI2", hash_key = "A", projection_type = "INCLUDE" }]
  }

  expect_failures = [var.additional_global_secondary_indexes]
}

run "gsi_capacity_with_pay_per_request" {
  command = plan

  variables {
    additional_global_secondary_indexes = [{ name = "GSI2", hash_key = "A", write_capacity = 5 }]
  }

  expect_failures = [var.additional_global_secondary_indexes]
}

run "gsi_capacity_zero" {
  command = plan

  variables {
    billing_mode                        = "PROVISIONED"
    read_capacity                       = 5
    write_capacity                      = 5
    additional_global_secondary_indexes = [{ name = "GSI2", hash_key = "A", read_capacity = 0 }]
  }

  expect_failures = [var.additional_global_secondary_indexes]
}
