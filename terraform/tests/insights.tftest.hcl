# Contributor Insights: opt-in, on the table and GSI1 by default, on the indexes asked for.
mock_provider "aws" {}

variables {
  table_name = "test-table"
}

run "off_by_default" {
  command = plan

  assert {
    condition     = length(aws_dynamodb_contributor_insights.this) == 0 && length(output.contributor_insights) == 0
    error_message = "Contributor Insights is opt-in"
  }
}

run "table_and_gsi1" {
  command = plan

  variables {
    contributor_insights_enabled = true
  }

  assert {
    condition = aws_dynamodb_contributor_insights.this["table"].table_name == "test-table" && aws_dynamodb_contributor_insights.this["table"].index_name == null && (
      aws_dynamodb_contributor_insights.this["index/GSI1"].index_name == "GSI1"
    ) && output.contributor_insights == tolist(["index/GSI1", "table"])
    error_message = "the table and GSI1"
  }
}

run "chosen_indexes" {
  command = plan

  variables {
    contributor_insights_enabled        = true
    additional_global_secondary_indexes = [{ name = "GSI2", hash_key = "GSI2PK" }]
    contributor_insights_indexes        = ["GSI2"]
  }

  assert {
    condition     = output.contributor_insights == tolist(["index/GSI2", "table"])
    error_message = "the table and the listed index only"
  }
}

run "unknown_index" {
  command = plan
  variables {
    contributor_insights_enabled = true
    contributor_insights_indexes = ["GSI9"]
  }
  expect_failures = [var.contributor_insights_indexes]
}

run "index_twice" {
  command = plan
  variables {
    contributor_insights_indexes = ["GSI1", "GSI1"]
  }
  expect_failures = [var.contributor_insights_indexes]
}
