locals {
  provisioned = var.billing_mode == "PROVISIONED"
  scaling     = local.provisioned && var.autoscaling_enabled # capacity is the autoscaler's
  autoscaled  = var.create_table && local.scaling            # ...and its targets exist
  on_demand_cap = !local.provisioned && (
    var.on_demand_max_read_request_units != null || var.on_demand_max_write_request_units != null
  )

  # GSI1 is the reverse-lookup index of the single-table design: inverted (hash SK, range PK: every
  # item), or sparse (its own GSI1PK/GSI1SK, copies of SK/PK written only for entities that need it).
  gsi1_sparse = var.gsi1_key_mode == "sparse"
  indexes = concat(
    [{
      name               = "GSI1"
      hash_key           = local.gsi1_sparse ? "GSI1PK" : "SK"
      range_key          = local.gsi1_sparse ? "GSI1SK" : "PK"
      projection_type    = var.gsi1_projection_type
      non_key_attributes = var.gsi1_non_key_attributes
      read_capacity      = var.gsi1_read_capacity
      write_capacity     = var.gsi1_write_capacity
    }],
    [for g in var.additional_global_secondary_indexes : {
      name               = g.name
      hash_key           = g.hash_key
      range_key          = g.range_key
      projection_type    = g.projection_type
      non_key_attributes = g.non_key_attributes
      read_capacity      = g.read_capacity
      write_capacity     = g.write_capacity
    }],
  )
  index_names = [for i in local.indexes : i.name]
  lsi_names   = [for l in var.local_secondary_indexes : l.name]

  # Every key attribute is declared once; PK and SK are strings (validated for additional GSIs).
  extra_key_types = {
    for pair in concat(
      flatten([for g in var.additional_global_secondary_indexes : concat(
        [{ name = g.hash_key, type = g.hash_key_type }],
        g.range_key == null ? [] : [{ name = g.range_key, type = g.range_key_type }],
      )]),
      [for l in var.local_secondary_indexes : { name = l.range_key, type = l.range_key_type }],
    ) : pair.name => pair.type...
  }
  attributes = merge(
    { for name, types in local.extra_key_types : name => types[0] },
    { PK = "S", SK = "S" },
    local.gsi1_sparse ? { GSI1PK = "S", GSI1SK = "S" } : {},
  )

  # Autoscaling settings per index: an autoscaling_indexes entry wins, else the table's.
  index_scaling = {
    for i in local.indexes : i.name => {
      read  = try(coalesce(var.autoscaling_indexes[i.name].read, var.autoscaling_read), var.autoscaling_read)
      write = try(coalesce(var.autoscaling_indexes[i.name].write, var.autoscaling_write), var.autoscaling_write)
    }
  }

  # Capacity at creation: the explicit value, else (autoscaled) the autoscaling minimum.
  initial_table_read  = local.scaling ? coalesce(var.read_capacity, var.autoscaling_read.min_capacity) : var.read_capacity
  initial_table_write = local.scaling ? coalesce(var.write_capacity, var.autoscaling_write.min_capacity) : var.write_capacity
  initial_index_capacity = {
    for i in local.indexes : i.name => {
      read = local.scaling ? coalesce(i.read_capacity, local.index_scaling[i.name].read.min_capacity) : (
        local.provisioned ? coalesce(i.read_capacity, var.read_capacity) : null
      )
      write = local.scaling ? coalesce(i.write_capacity, local.index_scaling[i.name].write.min_capacity) : (
        local.provisioned ? coalesce(i.write_capacity, var.write_capacity) : null
      )
    }
  }
}

############################################################################
# Not fighting the autoscaler, with one table resource.
#
# While autoscaling is on, Application Auto Scaling owns the capacity. Instead of a second, lifecycle-
# ignoring copy of the table (terraform-aws-modules' approach, which moves the table to another address
# and so replaces it when autoscaling is toggled), the module reads the live capacity of the table and
# of each GSI at plan time and writes exactly that back into the configuration: the plan shows no
# capacity change, whatever the autoscaler did. On the first apply (no table yet), or for a GSI that does
# not exist yet, the initial capacity above is used. With autoscaling off, the configured capacity is
# applied as usual. These reads happen only when autoscaling is enabled.
############################################################################

data "aws_dynamodb_tables" "existing" {
  count = local.autoscaled ? 1 : 0
}

data "aws_dynamodb_table" "live" {
  # names is null, not empty, in an account without tables.
  count = local.autoscaled && try(contains(data.aws_dynamodb_tables.existing[0].names, var.table_name), false) ? 1 : 0
  name  = var.table_name
}

locals {
  live_table_read  = try(data.aws_dynamodb_table.live[0].read_capacity, 0)
  live_table_write = try(data.aws_dynamodb_table.live[0].write_capacity, 0)
  live_index_capacity = {
    for g in try(data.aws_dynamodb_table.live[0].global_secondary_index, []) : g.name => {
      read  = g.read_capacity
      write = g.write_capacity
    }
  }

  # A live value of 0 means the live table is on-demand (switching to PROVISIONED): use the initial value.
  table_read  = local.autoscaled && local.live_table_read > 0 ? local.live_table_read : local.initial_table_read
  table_write = local.autoscaled && local.live_table_write > 0 ? local.live_table_write : local.initial_table_write
  index_capacity = {
    for name, initial in local.initial_index_capacity : name => {
      read  = local.autoscaled && try(local.live_index_capacity[name].read, 0) > 0 ? try(local.live_index_capacity[name].read, 0) : initial.read
      write = local.autoscaled && try(local.live_index_capacity[name].write, 0) > 0 ? try(local.live_index_capacity[name].write, 0) : initial.write
    }
  }
}

resource "aws_dynamodb_table" "this" {
  #checkov:skip=CKV_AWS_119:Encrypted with KMS by default using the AWS managed key aws/dynamodb (no key to pay for or administer); pass kms_key_arn for a customer managed key.
  count = var.create_table ? 1 : 0

  name         = var.table_name
  billing_mode = var.billing_mode
  hash_key     = "PK"
  range_key    = "SK"

  read_capacity  = local.table_read
  write_capacity = local.table_write

  table_class                 = var.table_class
  deletion_protection_enabled = var.deletion_protection_enabled

  stream_enabled   = var.stream_enabled
  stream_view_type = var.stream_enabled ? var.stream_view_type : null

  dynamic "attribute" {
    for_each = local.attributes
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "global_secondary_index" {
    for_each = local.indexes
    iterator = index
    content {
      name               = index.value.name
      hash_key           = index.value.hash_key
      range_key          = index.value.range_key
      projection_type    = index.value.projection_type
      non_key_attributes = index.value.projection_type == "INCLUDE" ? index.value.non_key_attributes : null
      read_capacity      = local.index_capacity[index.value.name].read
      write_capacity     = local.index_capacity[index.value.name].write

      dynamic "on_demand_throughput" {
        for_each = local.on_demand_cap ? [1] : []
        content {
          max_read_request_units  = var.on_demand_max_read_request_units
          max_write_request_units = var.on_demand_max_write_request_units
        }
      }
    }
  }

  dynamic "on_demand_throughput" {
    for_each = local.on_demand_cap ? [1] : []
    content {
      max_read_request_units  = var.on_demand_max_read_request_units
      max_write_request_units = var.on_demand_max_write_request_units
    }
  }

  # LSIs exist only from creation (see ignore_changes below); their hash key is the table's, PK.
  dynamic "local_secondary_index" {
    for_each = var.local_secondary_indexes
    iterator = index
    content {
      name               = index.value.name
      range_key          = index.value.range_key
      projection_type    = index.value.projection_type
      non_key_attributes = index.value.projection_type == "INCLUDE" ? index.value.non_key_attributes : null
    }
  }

  point_in_time_recovery {
    enabled                 = var.enable_point_in_time_recovery
    recovery_period_in_days = var.enable_point_in_time_recovery ? var.point_in_time_recovery_period_in_days : null
  }

  server_side_encryption {
    enabled     = var.enable_encryption
    kms_key_arn = var.enable_encryption ? var.kms_key_arn : null
  }

  ttl {
    enabled        = var.ttl_enabled
    attribute_name = var.ttl_enabled ? var.ttl_attribute_name : ""
  }

  # Global table replicas: added or removed in place (UpdateTable), never a replacement of the table.
  dynamic "replica" {
    for_each = var.replica_regions
    content {
      region_name            = replica.value.region_name
      kms_key_arn            = var.enable_encryption ? replica.value.kms_key_arn : null
      point_in_time_recovery = coalesce(replica.value.point_in_time_recovery, var.enable_point_in_time_recovery)
      propagate_tags         = replica.value.propagate_tags
    }
  }

  # Creation from data: import from S3, or a point-in-time restore (exclusive, validated).
  dynamic "import_table" {
    for_each = var.import_table == null ? [] : [var.import_table]
    content {
      input_format           = import_table.value.input_format
      input_compression_type = import_table.value.input_compression_type

      s3_bucket_source {
        bucket       = import_table.value.s3_bucket_source.bucket
        key_prefix   = import_table.value.s3_bucket_source.key_prefix
        bucket_owner = import_table.value.s3_bucket_source.bucket_owner
      }

      dynamic "input_format_options" {
        for_each = try(import_table.value.input_format_options.csv, null) == null ? [] : [import_table.value.input_format_options.csv]
        content {
          csv {
            delimiter   = input_format_options.value.delimiter
            header_list = input_format_options.value.header_list
          }
        }
      }
    }
  }

  restore_source_name      = var.restore_source_name
  restore_source_table_arn = var.restore_source_table_arn
  restore_to_latest_time   = var.restore_to_latest_time ? true : null
  restore_date_time        = var.restore_date_time

  timeouts {
    create = var.timeouts.create
    update = var.timeouts.update
    delete = var.timeouts.delete
  }

  tags = var.tags

  lifecycle {
    # Creation-only arguments (the provider replaces the table when they change): the table is created
    # from its source once, and adding, changing or removing the source afterwards must never replace it.
    # LSIs too: DynamoDB cannot add or drop one on an existing table.
    ignore_changes = [
      import_table, restore_source_name, restore_source_table_arn, restore_to_latest_time, restore_date_time,
      local_secondary_index,
    ]

    precondition {
      condition     = !contains([for r in var.replica_regions : r.region_name], data.aws_region.current.name)
      error_message = "replica_regions names the provider's own region (where the table itself lives): list only the other regions."
    }
  }
}

# create_table put the table under count: its state moves from the old address, it is not replaced.
moved {
  from = aws_dynamodb_table.this
  to   = aws_dynamodb_table.this[0]
}

############################################################################
# Autoscaling: one target and one target-tracking policy per table/index and direction.
############################################################################

locals {
  scaling_targets = local.autoscaled ? merge(
    {
      "table/read" = {
        resource_id = "table/${var.table_name}"
        dimension   = "dynamodb:table:ReadCapacityUnits"
        metric      = "DynamoDBReadCapacityUtilization"
        settings    = var.autoscaling_read
      }
      "table/write" = {
        resource_id = "table/${var.table_name}"
        dimension   = "dynamodb:table:WriteCapacityUnits"
        metric      = "DynamoDBWriteCapacityUtilization"
        settings    = var.autoscaling_write
      }
    },
    { for name in local.index_names : "index/${name}/read" => {
      resource_id = "table/${var.table_name}/index/${name}"
      dimension   = "dynamodb:index:ReadCapacityUnits"
      metric      = "DynamoDBReadCapacityUtilization"
      settings    = local.index_scaling[name].read
    } },
    { for name in local.index_names : "index/${name}/write" => {
      resource_id = "table/${var.table_name}/index/${name}"
      dimension   = "dynamodb:index:WriteCapacityUnits"
      metric      = "DynamoDBWriteCapacityUtilization"
      settings    = local.index_scaling[name].write
    } },
  ) : {}
}

resource "aws_appautoscaling_target" "this" {
  for_each = local.scaling_targets

  service_namespace  = "dynamodb"
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.dimension
  min_capacity       = each.value.settings.min_capacity
  max_capacity       = each.value.settings.max_capacity
  tags               = var.tags

  # The table (and its indexes) must exist before a scalable target can point at them.
  depends_on = [aws_dynamodb_table.this]
}

resource "aws_appautoscaling_policy" "this" {
  for_each = local.scaling_targets

  name               = "${var.table_name}-${replace(each.key, "/", "-")}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.settings.target_utilization
    scale_in_cooldown  = each.value.settings.scale_in_cooldown
    scale_out_cooldown = each.value.settings.scale_out_cooldown

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
    }
  }
}

############################################################################
# Least-privilege IAM policies for the service that uses the table.
############################################################################

data "aws_region" "current" {}

locals {
  # A replica's ARN is the table's with the replica's region (same partition, account and name).
  table_arn = one(aws_dynamodb_table.this[*].arn) # null when create_table = false
  replica_arns = var.create_table ? {
    for r in var.replica_regions : r.region_name => replace(local.table_arn, "/^(arn:[^:]+:dynamodb:)[^:]*:/", "$${1}${r.region_name}:")
  } : {}
  table_arns = var.create_table ? concat([local.table_arn], [for r in var.replica_regions : local.replica_arns[r.region_name]]) : []
  index_arns = var.create_table ? [for name in local.index_names : "${local.table_arn}/index/${name}"] : []
  lsi_arns   = var.create_table ? [for name in local.lsi_names : "${local.table_arn}/index/${name}"] : []
  # The policies cover the table and its indexes in every region the table lives in.
  all_index_arns = flatten([for arn in local.table_arns : [for name in concat(local.index_names, local.lsi_names) : "${arn}/index/${name}"]])
  scan           = var.iam_policy_allow_scan ? ["dynamodb:Scan"] : []

  read_table_actions  = concat(["dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query"], local.scan)
  write_table_actions = ["dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
  index_actions       = concat(["dynamodb:Query"], local.scan)

  # With a customer managed key, DynamoDB calls KMS on the caller's behalf: allow only that path, and
  # only what each policy needs: a reader decrypts (DescribeKey: DynamoDB checks the key on the caller's
  # behalf); a writer also makes and re-encrypts data keys.
  kms_actions = {
    read_only  = ["kms:Decrypt", "kms:DescribeKey"]
    read_write = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
  }
  kms_statements = { for policy, actions in local.kms_actions : policy => var.enable_encryption && var.kms_key_arn != null ? [{
    Sid       = "UseTableKeyThroughDynamoDB"
    Effect    = "Allow"
    Action    = actions
    Resource  = concat([var.kms_key_arn], [for r in var.replica_regions : r.kms_key_arn])
    Condition = { StringLike = { "kms:ViaService" = "dynamodb.*.amazonaws.com" } }
  }] : [] }

  iam_policy_read_only = !var.create_table ? null : jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      { Sid = "ReadTable", Effect = "Allow", Action = local.read_table_actions, Resource = local.table_arns },
      { Sid = "QueryIndexes", Effect = "Allow", Action = local.index_actions, Resource = local.all_index_arns },
    ], local.kms_statements.read_only)
  })

  iam_policy_read_write = !var.create_table ? null : jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid      = "ReadWriteTable"
        Effect   = "Allow"
        Action   = sort(concat(local.read_table_actions, local.write_table_actions))
        Resource = local.table_arns
      },
      { Sid = "QueryIndexes", Effect = "Allow", Action = local.index_actions, Resource = local.all_index_arns },
    ], local.kms_statements.read_write)
  })

  iam_policy_name_prefix = coalesce(var.iam_policy_name_prefix, var.table_name)
}

resource "aws_iam_policy" "read_only" {
  count = var.create_table && var.create_iam_policies ? 1 : 0

  name        = "${local.iam_policy_name_prefix}-read-only"
  path        = var.iam_policy_path
  description = "Read-only access to DynamoDB table ${var.table_name} and its indexes (${join(", ", local.index_names)})."
  policy      = local.iam_policy_read_only
  tags        = var.tags
}

resource "aws_iam_policy" "read_write" {
  count = var.create_table && var.create_iam_policies ? 1 : 0

  name        = "${local.iam_policy_name_prefix}-read-write"
  path        = var.iam_policy_path
  description = "Read-write item access to DynamoDB table ${var.table_name} and its indexes (${join(", ", local.index_names)})."
  policy      = local.iam_policy_read_write
  tags        = var.tags
}

############################################################################
# Resource-based policy (cross-account access to the table)
############################################################################

resource "aws_dynamodb_resource_policy" "this" {
  count = var.create_table && var.resource_policy != null ? 1 : 0

  resource_arn = local.table_arn
  policy       = var.resource_policy
}
