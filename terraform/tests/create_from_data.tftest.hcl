# Creating the table from data: import_table (S3) and point-in-time restore, with their exclusions.
mock_provider "aws" {}

variables {
  table_name = "test-table"
}

run "nothing_to_import_or_restore_by_default" {
  command = plan

  assert {
    condition = length(aws_dynamodb_table.this[0].import_table) == 0 && aws_dynamodb_table.this[0].restore_source_name == null && (
      aws_dynamodb_table.this[0].restore_source_table_arn == null && aws_dynamodb_table.this[0].restore_to_latest_time == null
    ) && aws_dynamodb_table.this[0].restore_date_time == null
    error_message = "an empty table by default"
  }
}

run "import_csv_from_s3" {
  command = plan

  variables {
    import_table = {
      input_format           = "CSV"
      input_compression_type = "GZIP"
      s3_bucket_source       = { bucket = "my-exports", key_prefix = "orders/2026-11/", bucket_owner = "111122223333" }
      input_format_options   = { csv = { delimiter = ";", header_list = ["PK", "SK", "name"] } }
    }
  }

  assert {
    condition     = [for i in aws_dynamodb_table.this[0].import_table : [i.input_format, i.input_compression_type]] == [["CSV", "GZIP"]]
    error_message = "format and compression as given"
  }
  assert {
    condition = [for s in aws_dynamodb_table.this[0].import_table[0].s3_bucket_source : [s.bucket, s.key_prefix, s.bucket_owner]] == [
      ["my-exports", "orders/2026-11/", "111122223333"]
    ]
    error_message = "the S3 source with its prefix and owner"
  }
  assert {
    condition     = aws_dynamodb_table.this[0].import_table[0].input_format_options[0].csv[0].delimiter == ";"
    error_message = "CSV options reach the import"
  }
}

run "import_dynamodb_json_uncompressed" {
  command = plan

  variables {
    import_table = { input_format = "DYNAMODB_JSON", s3_bucket_source = { bucket = "my-exports" } }
  }

  assert {
    condition = aws_dynamodb_table.this[0].import_table[0].input_compression_type == "NONE" && (
      length(aws_dynamodb_table.this[0].import_table[0].input_format_options) == 0
    )
    error_message = "no compression by default, no CSV options"
  }
}

run "restore_by_name_to_latest" {
  command = plan

  variables {
    restore_source_name    = "orders-prod"
    restore_to_latest_time = true
  }

  assert {
    condition     = aws_dynamodb_table.this[0].restore_source_name == "orders-prod" && aws_dynamodb_table.this[0].restore_to_latest_time
    error_message = "restore the named table to its latest restorable time"
  }
}

run "restore_by_arn_to_a_time" {
  command = plan

  variables {
    restore_source_table_arn = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders-prod"
    restore_date_time        = "2026-11-29T23:00:00Z"
  }

  assert {
    condition = aws_dynamodb_table.this[0].restore_source_table_arn == "arn:aws:dynamodb:eu-west-1:111122223333:table/orders-prod" && (
      aws_dynamodb_table.this[0].restore_date_time == "2026-11-29T23:00:00Z" && aws_dynamodb_table.this[0].restore_to_latest_time == null
    )
    error_message = "restore the table by ARN to the given time"
  }
}

# One run per rule: the rules share variables, and a failing variable makes those referring to it unknown.
run "import_bad_format_compression_owner" {
  command = plan
  variables {
    import_table = { input_format = "PARQUET", input_compression_type = "ZIP", s3_bucket_source = { bucket = "s3://My_Bucket", bucket_owner = "me" } }
  }
  expect_failures = [var.import_table]
}

run "import_csv_options_on_json" {
  command = plan
  variables {
    import_table = { input_format = "ION", s3_bucket_source = { bucket = "my-exports" }, input_format_options = { csv = { delimiter = "," } } }
  }
  expect_failures = [var.import_table]
}

run "import_bad_delimiter" {
  command = plan
  variables {
    import_table = { input_format = "CSV", s3_bucket_source = { bucket = "my-exports" }, input_format_options = { csv = { delimiter = "##" } } }
  }
  expect_failures = [var.import_table]
}

run "import_with_replicas" {
  command = plan
  variables {
    stream_enabled  = true
    import_table    = { input_format = "CSV", s3_bucket_source = { bucket = "my-exports" } }
    replica_regions = [{ region_name = "eu-west-1" }]
  }
  expect_failures = [var.import_table]
}

run "import_and_restore" {
  command = plan
  variables {
    import_table           = { input_format = "CSV", s3_bucket_source = { bucket = "my-exports" } }
    restore_source_name    = "orders-prod"
    restore_to_latest_time = true
  }
  expect_failures = [var.import_table]
}

run "restore_two_sources" {
  command = plan
  variables {
    restore_source_name      = "orders-prod"
    restore_source_table_arn = "arn:aws:dynamodb:eu-west-1:111122223333:table/orders-prod"
    restore_to_latest_time   = true
  }
  expect_failures = [var.restore_source_name]
}

run "restore_two_points" {
  command = plan
  variables {
    restore_source_name    = "orders-prod"
    restore_to_latest_time = true
    restore_date_time      = "2026-11-29T23:00:00Z"
  }
  expect_failures = [var.restore_to_latest_time]
}

run "restore_without_a_point" {
  command = plan
  variables {
    restore_source_name = "orders-prod"
  }
  expect_failures = [var.restore_to_latest_time]
}

run "restore_point_without_a_source" {
  command = plan
  variables {
    restore_date_time = "2026-11-29T23:00:00Z"
  }
  expect_failures = [var.restore_to_latest_time]
}

run "restore_bad_name_arn_and_time" {
  command = plan
  variables {
    restore_source_name = "a b"
    restore_date_time   = "yesterday"
  }
  expect_failures = [var.restore_source_name, var.restore_date_time]
}

run "restore_bad_arn" {
  command = plan
  variables {
    restore_source_table_arn = "orders-prod"
    restore_to_latest_time   = true
  }
  expect_failures = [var.restore_source_table_arn]
}
