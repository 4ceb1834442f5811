# The seed's table: its terraform.tfvars (kept verbatim) drives the module. Apply to AWS as is, or to
# a local engine by setting endpoint (for example: -var endpoint=http://127.0.0.1:4566).

provider "aws" {
  region = var.region

  # Only with a local endpoint: no real account to validate credentials against.
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

  table_name                    = var.table_name
  billing_mode                  = var.billing_mode
  enable_point_in_time_recovery = var.enable_point_in_time_recovery
  enable_encryption             = var.enable_encryption

  # The seed's "# or PROVISIONED": a provisioned seed table autoscales (5-100 units, 70% target).
  autoscaling_enabled = var.billing_mode == "PROVISIONED"

  deletion_protection_enabled = var.deletion_protection_enabled
  tags                        = var.tags
}
