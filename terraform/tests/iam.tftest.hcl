# The least-privilege policy documents and the optional aws_iam_policy resources. The provider is
# mocked; the table ARN is fixed (already at plan) so that the documents can be compared.
mock_provider "aws" {
  override_resource {
    target          = aws_dynamodb_table.this[0]
    override_during = plan
    values          = { arn = "arn:aws:dynamodb:us-east-1:111122223333:table/test-table" }
  }
}

variables {
  table_name = "test-table"
  additional_global_secondary_indexes = [
    { name = "GSI2", hash_key = "GSI2PK", range_key = "GSI2SK" },
  ]
}

run "read_only_and_read_write_documents" {
  command = plan

  assert {
    condition = jsondecode(output.iam_policy_read_only_json).Statement == [
      {
        Sid      = "ReadTable", Effect = "Allow",
        Action   = ["dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query"],
        Resource = ["arn:aws:dynamodb:us-east-1:111122223333:table/test-table"]
      },
      {
        Sid = "QueryIndexes", Effect = "Allow", Action = ["dynamodb:Query"],
        Resource = [
          "arn:aws:dynamodb:us-east-1:111122223333:table/test-table/index/GSI1",
          "arn:aws:dynamodb:us-east-1:111122223333:table/test-table/index/GSI2",
        ]
      },
    ]
    error_message = "read-only: item reads on the table, Query on each named index, nothing else"
  }
  assert {
    condition = jsondecode(output.iam_policy_read_write_json).Statement[0].Action == [
      "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
      "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
    ]
    error_message = "read-write: item reads and writes, no table administration, no Scan"
  }
  assert {
    condition = alltrue([for doc in [output.iam_policy_read_only_json, output.iam_policy_read_write_json] :
      alltrue([for st in jsondecode(doc).Statement : alltrue([for a in st.Action :
        !strcontains(a, "*") && a != "dynamodb:Scan" && a != "dynamodb:DeleteTable" && a != "dynamodb:UpdateTable"
      ])])
    ])
    error_message = "no wildcard action, no Scan, no table administration"
  }
  assert {
    condition = alltrue([for doc in [output.iam_policy_read_only_json, output.iam_policy_read_write_json] :
      alltrue([for st in jsondecode(doc).Statement : alltrue([for r in st.Resource :
        startswith(r, "arn:aws:dynamodb:us-east-1:111122223333:table/test-table") && !strcontains(r, "*")
      ])])
    ])
    error_message = "resources are the table and its named indexes only"
  }
  assert {
    condition     = length(aws_iam_policy.read_only) == 0 && output.iam_policy_read_only_arn == null
    error_message = "no aws_iam_policy unless asked"
  }
}

run "scan_only_when_asked" {
  command = plan

  variables {
    iam_policy_allow_scan = true
  }

  assert {
    condition = (
      contains(jsondecode(output.iam_policy_read_only_json).Statement[0].Action, "dynamodb:Scan") &&
      contains(jsondecode(output.iam_policy_read_only_json).Statement[1].Action, "dynamodb:Scan") &&
      contains(jsondecode(output.iam_policy_read_write_json).Statement[0].Action, "dynamodb:Scan")
    )
    error_message = "Scan on the table and the indexes when iam_policy_allow_scan"
  }
}

run "customer_key_statement" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = (
      jsondecode(output.iam_policy_read_write_json).Statement[2].Resource == ["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"] &&
      jsondecode(output.iam_policy_read_write_json).Statement[2].Condition.StringLike["kms:ViaService"] == "dynamodb.*.amazonaws.com"
    )
    error_message = "with a customer managed key, the key may be used only through DynamoDB"
  }
  assert {
    condition = (
      jsondecode(output.iam_policy_read_only_json).Statement[2].Action == ["kms:Decrypt", "kms:DescribeKey"] &&
      jsondecode(output.iam_policy_read_only_json).Statement[2].Resource == ["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"] &&
      jsondecode(output.iam_policy_read_only_json).Statement[2].Condition.StringLike["kms:ViaService"] == "dynamodb.*.amazonaws.com"
    )
    error_message = "read-only with a customer managed key: Decrypt and DescribeKey through DynamoDB, nothing that encrypts"
  }
  assert {
    condition = jsondecode(output.iam_policy_read_write_json).Statement[2].Action == [
      "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*",
    ]
    error_message = "read-write with a customer managed key: decrypt, and make and re-encrypt data keys"
  }
  assert {
    condition     = length(jsondecode(output.iam_policy_read_only_json).Statement) == 3 && length(jsondecode(output.iam_policy_read_write_json).Statement) == 3
    error_message = "one KMS statement per policy"
  }
}

run "create_policies" {
  command = apply # the policy ARNs exist only after (mocked) creation

  # Values at apply only: a plan-time override would be invented twice, at plan and again at apply.
  override_resource {
    target = aws_dynamodb_table.this[0]
    values = { arn = "arn:aws:dynamodb:us-east-1:111122223333:table/test-table" }
  }

  variables {
    create_iam_policies = true
    iam_policy_path     = "/services/"
    tags                = { team = "data" }
  }

  assert {
    condition = (
      aws_iam_policy.read_only[0].name == "test-table-read-only" &&
      aws_iam_policy.read_write[0].name == "test-table-read-write" &&
      aws_iam_policy.read_write[0].path == "/services/" &&
      aws_iam_policy.read_write[0].policy == output.iam_policy_read_write_json &&
      aws_iam_policy.read_only[0].tags["team"] == "data"
    )
    error_message = "both policies are created from the output documents"
  }
  assert {
    condition     = output.iam_policy_read_only_arn != null && output.iam_policy_read_write_arn != null
    error_message = "their ARNs are output"
  }
}

run "policy_name_prefix" {
  command = plan

  variables {
    create_iam_policies    = true
    iam_policy_name_prefix = "orders-svc"
  }

  assert {
    condition     = aws_iam_policy.read_only[0].name == "orders-svc-read-only"
    error_message = "the prefix names the policies"
  }
}
