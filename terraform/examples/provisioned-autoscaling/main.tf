# A PROVISIONED table whose capacity Application Auto Scaling owns: the table, GSI1 and a second index
# (GSI2) each get read and write target tracking; GSI2 scales within its own, smaller range. The
# read-only and read-write IAM policies are created for the service that uses the table.

provider "aws" {
  region = var.region

  skip_credentials_validation = var.endpoint != null
  skip_requesting_account_id  = var.endpoint != null
  skip_metadata_api_check     = var.endpoint != null

  dynamic "endpoints" {
    for_each = var.endpoint == null ? [] : [var.endpoint]
    content {
      dynamodb               = endpoints.value
      applicationautoscaling = endpoints.value
      iam                    = endpoints.value
      kms                    = endpoints.value
      sts                    = endpoints.value
    }
  }
}

module "table" {
  source = "../.."

  table_name   = var.table_name
  billing_mode = "PROVISIONED"

  autoscaling_enabled = true
  autoscaling_read    = { min_capacity = 5, max_capacity = 200, target_utilization = 70 }
  autoscaling_write   = { min_capacity = 5, max_capacity = 100, target_utilization = 70 }
  autoscaling_indexes = {
    GSI2 = {
      read  = { min_capacity = 2, max_capacity = 50, target_utilization = 60 }
      write = { min_capacity = 2, max_capacity = 50, target_utilization = 60 }
    }
  }

  additional_global_secondary_indexes = [{
    name               = "GSI2"
    hash_key           = "GSI2PK"
    range_key          = "GSI2SK"
    projection_type    = "INCLUDE"
    non_key_attributes = ["name", "status"]
  }]

  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  create_iam_policies         = true
  deletion_protection_enabled = var.deletion_protection_enabled
  tags                        = var.tags
}
