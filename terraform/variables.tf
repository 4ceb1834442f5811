############################################################################
# Table
############################################################################

variable "table_name" {
  description = "Name of the DynamoDB table: 3 to 255 characters of letters, digits, '_', '-' and '.'."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.table_name))
    error_message = "table_name must be 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' or '.'."
  }
}

variable "billing_mode" {
  description = "PAY_PER_REQUEST (on-demand, the default: no capacity to plan) or PROVISIONED (read/write capacity units, optionally autoscaled)."
  type        = string
  default     = "PAY_PER_REQUEST"
  nullable    = false

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing_mode)
    error_message = "billing_mode must be \"PAY_PER_REQUEST\" or \"PROVISIONED\"."
  }
}

variable "table_class" {
  description = "STANDARD, or STANDARD_INFREQUENT_ACCESS (storage about 60% cheaper, reads and writes about 25% dearer: for tables whose storage cost dominates)."
  type        = string
  default     = "STANDARD"
  nullable    = false

  validation {
    condition     = contains(["STANDARD", "STANDARD_INFREQUENT_ACCESS"], var.table_class)
    error_message = "table_class must be \"STANDARD\" or \"STANDARD_INFREQUENT_ACCESS\"."
  }
}

variable "tags" {
  description = "Tags for the table, its autoscaling targets and the IAM policies the module creates."
  type        = map(string)
  default     = {}
  nullable    = false
}

############################################################################
# Capacity (PROVISIONED)
############################################################################

variable "read_capacity" {
  description = "Table read capacity units. Required with PROVISIONED unless autoscaling_enabled (then the autoscaling read min_capacity is the starting point); must be left null with PAY_PER_REQUEST."
  type        = number
  default     = null

  validation {
    condition     = var.read_capacity == null ? true : (var.read_capacity >= 1 && floor(var.read_capacity) == var.read_capacity)
    error_message = "read_capacity must be a whole number of at least 1."
  }

  validation {
    condition     = !(var.billing_mode == "PAY_PER_REQUEST" && var.read_capacity != null)
    error_message = "read_capacity is set but billing_mode is PAY_PER_REQUEST: remove read_capacity, or set billing_mode = \"PROVISIONED\"."
  }

  validation {
    condition     = !(var.billing_mode == "PROVISIONED" && !var.autoscaling_enabled && var.read_capacity == null)
    error_message = "billing_mode = \"PROVISIONED\" needs read_capacity (for example read_capacity = 5), or autoscaling_enabled = true to start from the autoscaling minimum."
  }
}

variable "write_capacity" {
  description = "Table write capacity units. Required with PROVISIONED unless autoscaling_enabled (then the autoscaling write min_capacity is the starting point); must be left null with PAY_PER_REQUEST."
  type        = number
  default     = null

  validation {
    condition     = var.write_capacity == null ? true : (var.write_capacity >= 1 && floor(var.write_capacity) == var.write_capacity)
    error_message = "write_capacity must be a whole number of at least 1."
  }

  validation {
    condition     = !(var.billing_mode == "PAY_PER_REQUEST" && var.write_capacity != null)
    error_message = "write_capacity is set but billing_mode is PAY_PER_REQUEST: remove write_capacity, or set billing_mode = \"PROVISIONED\"."
  }

  validation {
    condition     = !(var.billing_mode == "PROVISIONED" && !var.autoscaling_enabled && var.write_capacity == null)
    error_message = "billing_mode = \"PROVISIONED\" needs write_capacity (for example write_capacity = 5), or autoscaling_enabled = true to start from the autoscaling minimum."
  }
}

variable "gsi1_read_capacity" {
  description = "GSI1 read capacity units with PROVISIONED; null means the table's read capacity. Must be null with PAY_PER_REQUEST."
  type        = number
  default     = null

  validation {
    condition     = var.gsi1_read_capacity == null ? true : (var.gsi1_read_capacity >= 1 && floor(var.gsi1_read_capacity) == var.gsi1_read_capacity)
    error_message = "gsi1_read_capacity must be a whole number of at least 1."
  }

  validation {
    condition     = !(var.billing_mode == "PAY_PER_REQUEST" && var.gsi1_read_capacity != null)
    error_message = "gsi1_read_capacity is set but billing_mode is PAY_PER_REQUEST: remove gsi1_read_capacity, or set billing_mode = \"PROVISIONED\"."
  }
}

variable "gsi1_write_capacity" {
  description = "GSI1 write capacity units with PROVISIONED; null means the table's write capacity. Must be null with PAY_PER_REQUEST."
  type        = number
  default     = null

  validation {
    condition     = var.gsi1_write_capacity == null ? true : (var.gsi1_write_capacity >= 1 && floor(var.gsi1_write_capacity) == var.gsi1_write_capacity)
    error_message = "gsi1_write_capacity must be a whole number of at least 1."
  }

  validation {
    condition     = !(var.billing_mode == "PAY_PER_REQUEST" && var.gsi1_write_capacity != null)
    error_message = "gsi1_write_capacity is set but billing_mode is PAY_PER_REQUEST: remove gsi1_write_capacity, or set billing_mode = \"PROVISIONED\"."
  }
}

############################################################################
# On-demand cost cap (PAY_PER_REQUEST)
############################################################################

variable "on_demand_max_read_request_units" {
  description = "With PAY_PER_REQUEST: the most read request units per second the table (and each index) may consume, a cap on the bill; requests above it are throttled. null = no cap."
  type        = number
  default     = null

  validation {
    condition     = var.on_demand_max_read_request_units == null ? true : (var.on_demand_max_read_request_units >= 1 && floor(var.on_demand_max_read_request_units) == var.on_demand_max_read_request_units)
    error_message = "on_demand_max_read_request_units must be a whole number of at least 1 (or null for no cap)."
  }

  validation {
    condition     = !(var.billing_mode == "PROVISIONED" && var.on_demand_max_read_request_units != null)
    error_message = "on_demand_max_read_request_units only applies to billing_mode = \"PAY_PER_REQUEST\": remove it, or cap a PROVISIONED table with the autoscaling max_capacity instead."
  }
}

variable "on_demand_max_write_request_units" {
  description = "With PAY_PER_REQUEST: the most write request units per second the table (and each index) may consume, a cap on the bill; requests above it are throttled. null = no cap."
  type        = number
  default     = null

  validation {
    condition     = var.on_demand_max_write_request_units == null ? true : (var.on_demand_max_write_request_units >= 1 && floor(var.on_demand_max_write_request_units) == var.on_demand_max_write_request_units)
    error_message = "on_demand_max_write_request_units must be a whole number of at least 1 (or null for no cap)."
  }

  validation {
    condition     = !(var.billing_mode == "PROVISIONED" && var.on_demand_max_write_request_units != null)
    error_message = "on_demand_max_write_request_units only applies to billing_mode = \"PAY_PER_REQUEST\": remove it, or cap a PROVISIONED table with the autoscaling max_capacity instead."
  }
}

############################################################################
# Autoscaling (PROVISIONED)
############################################################################

variable "autoscaling_enabled" {
  description = "Target-tracking autoscaling of read and write capacity for the table and every GSI (PROVISIONED only). Toggling it never replaces the table."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = !(var.autoscaling_enabled && var.billing_mode != "PROVISIONED")
    error_message = "autoscaling_enabled = true needs billing_mode = \"PROVISIONED\" (an on-demand table scales by itself): set billing_mode = \"PROVISIONED\" or autoscaling_enabled = false."
  }
}

variable "autoscaling_read" {
  description = "Read autoscaling for the table and, unless overridden in autoscaling_indexes, every GSI: min/max capacity units, target utilisation in percent (20-90) and cooldowns in seconds."
  type = object({
    min_capacity       = optional(number, 5)
    max_capacity       = optional(number, 100)
    target_utilization = optional(number, 70)
    scale_in_cooldown  = optional(number, 60)
    scale_out_cooldown = optional(number, 60)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.autoscaling_read.min_capacity >= 1 && floor(var.autoscaling_read.min_capacity) == var.autoscaling_read.min_capacity
    error_message = "autoscaling_read.min_capacity must be a whole number of at least 1."
  }

  validation {
    condition     = var.autoscaling_read.max_capacity >= var.autoscaling_read.min_capacity
    error_message = "autoscaling_read.min_capacity is greater than autoscaling_read.max_capacity: lower min_capacity or raise max_capacity."
  }

  validation {
    condition     = var.autoscaling_read.target_utilization >= 20 && var.autoscaling_read.target_utilization <= 90
    error_message = "autoscaling_read.target_utilization must be between 20 and 90 (percent of provisioned capacity); 70 is a good start."
  }

  validation {
    condition     = var.autoscaling_read.scale_in_cooldown >= 0 && var.autoscaling_read.scale_out_cooldown >= 0
    error_message = "autoscaling_read cooldowns are seconds and cannot be negative."
  }

  validation {
    condition = !(var.autoscaling_enabled && var.read_capacity != null) ? true : (
      var.read_capacity >= var.autoscaling_read.min_capacity && var.read_capacity <= var.autoscaling_read.max_capacity
    )
    error_message = "read_capacity lies outside autoscaling_read [min_capacity, max_capacity]: move read_capacity into that range, or leave it null to start at min_capacity."
  }
}

variable "autoscaling_write" {
  description = "Write autoscaling for the table and, unless overridden in autoscaling_indexes, every GSI: min/max capacity units, target utilisation in percent (20-90) and cooldowns in seconds."
  type = object({
    min_capacity       = optional(number, 5)
    max_capacity       = optional(number, 100)
    target_utilization = optional(number, 70)
    scale_in_cooldown  = optional(number, 60)
    scale_out_cooldown = optional(number, 60)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.autoscaling_write.min_capacity >= 1 && floor(var.autoscaling_write.min_capacity) == var.autoscaling_write.min_capacity
    error_message = "autoscaling_write.min_capacity must be a whole number of at least 1."
  }

  validation {
    condition     = var.autoscaling_write.max_capacity >= var.autoscaling_write.min_capacity
    error_message = "autoscaling_write.min_capacity is greater than autoscaling_write.max_capacity: lower min_capacity or raise max_capacity."
  }

  validation {
    condition     = var.autoscaling_write.target_utilization >= 20 && var.autoscaling_write.target_utilization <= 90
    error_message = "autoscaling_write.target_utilization must be between 20 and 90 (percent of provisioned capacity); 70 is a good start."
  }

  validation {
    condition     = var.autoscaling_write.scale_in_cooldown >= 0 && var.autoscaling_write.scale_out_cooldown >= 0
    error_message = "autoscaling_write cooldowns are seconds and cannot be negative."
  }

  validation {
    condition = !(var.autoscaling_enabled && var.write_capacity != null) ? true : (
      var.write_capacity >= var.autoscaling_write.min_capacity && var.write_capacity <= var.autoscaling_write.max_capacity
    )
    error_message = "write_capacity lies outside autoscaling_write [min_capacity, max_capacity]: move write_capacity into that range, or leave it null to start at min_capacity."
  }
}

variable "autoscaling_indexes" {
  description = "Per-GSI autoscaling overrides, keyed by index name (GSI1 or an additional index); an index not listed, or a direction left null, uses autoscaling_read / autoscaling_write."
  type = map(object({
    read = optional(object({
      min_capacity       = optional(number, 5)
      max_capacity       = optional(number, 100)
      target_utilization = optional(number, 70)
      scale_in_cooldown  = optional(number, 60)
      scale_out_cooldown = optional(number, 60)
    }))
    write = optional(object({
      min_capacity       = optional(number, 5)
      max_capacity       = optional(number, 100)
      target_utilization = optional(number, 70)
      scale_in_cooldown  = optional(number, 60)
      scale_out_cooldown = optional(number, 60)
    }))
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k in keys(var.autoscaling_indexes) : contains(concat(["GSI1"], [for g in var.additional_global_secondary_indexes : g.name]), k)])
    error_message = "autoscaling_indexes has a key that names no index of this table: use \"GSI1\" or the name of one of additional_global_secondary_indexes."
  }

  validation {
    condition = alltrue(flatten([for k, v in var.autoscaling_indexes : [for s in [v.read, v.write] : s == null ? true : (
      s.min_capacity >= 1 && s.max_capacity >= s.min_capacity && s.target_utilization >= 20 && s.target_utilization <= 90 &&
      s.scale_in_cooldown >= 0 && s.scale_out_cooldown >= 0
    )]]))
    error_message = "Each autoscaling_indexes setting needs min_capacity >= 1, max_capacity >= min_capacity, target_utilization between 20 and 90 and non-negative cooldowns."
  }

  validation {
    condition     = !(length(var.autoscaling_indexes) > 0 && !var.autoscaling_enabled)
    error_message = "autoscaling_indexes is set but autoscaling_enabled = false: set autoscaling_enabled = true (with billing_mode = \"PROVISIONED\"), or remove autoscaling_indexes."
  }
}

############################################################################
# Indexes
############################################################################

variable "gsi1_key_mode" {
  description = "How GSI1 is keyed. inverted (default): hash SK, range PK, so every item is in GSI1 and a constant SK (PROFILE) puts every such item in one GSI1 partition. sparse: hash GSI1PK, range GSI1SK, attributes singletable writes (copies of SK and PK) only for entities declaring __reverse__ = True, so the others cost no GSI1 write and cannot crowd one partition. Changing it replaces GSI1 (DynamoDB rebuilds the index); the data layer reads it from the table_spec output."
  type        = string
  default     = "inverted"
  nullable    = false

  validation {
    condition     = contains(["inverted", "sparse"], var.gsi1_key_mode)
    error_message = "gsi1_key_mode must be \"inverted\" (GSI1 hash SK, range PK: every item) or \"sparse\" (GSI1 hash GSI1PK, range GSI1SK: only entities with __reverse__ = True)."
  }
}

variable "gsi1_projection_type" {
  description = "Attributes copied into GSI1 (hash SK, range PK): ALL (default: a reverse lookup returns whole items), KEYS_ONLY, or INCLUDE with gsi1_non_key_attributes."
  type        = string
  default     = "ALL"
  nullable    = false

  validation {
    condition     = contains(["ALL", "KEYS_ONLY", "INCLUDE"], var.gsi1_projection_type)
    error_message = "gsi1_projection_type must be \"ALL\", \"KEYS_ONLY\" or \"INCLUDE\"."
  }
}

variable "gsi1_non_key_attributes" {
  description = "Attributes projected into GSI1 when gsi1_projection_type = INCLUDE (and only then)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = !(var.gsi1_projection_type == "INCLUDE" && length(var.gsi1_non_key_attributes) == 0)
    error_message = "gsi1_projection_type = \"INCLUDE\" needs gsi1_non_key_attributes (the attributes to copy into GSI1), or use \"ALL\" / \"KEYS_ONLY\"."
  }

  validation {
    condition     = !(var.gsi1_projection_type != "INCLUDE" && length(var.gsi1_non_key_attributes) > 0)
    error_message = "gsi1_non_key_attributes only applies to gsi1_projection_type = \"INCLUDE\": set the projection to INCLUDE, or remove gsi1_non_key_attributes."
  }
}

variable "additional_global_secondary_indexes" {
  description = "Extra GSIs beyond GSI1 (for example GSI2 keyed on GSI2PK/GSI2SK). Key types are S, N or B; capacities apply with PROVISIONED only (null = the table's)."
  type = list(object({
    name               = string
    hash_key           = string
    hash_key_type      = optional(string, "S")
    range_key          = optional(string)
    range_key_type     = optional(string, "S")
    projection_type    = optional(string, "ALL")
    non_key_attributes = optional(list(string), [])
    read_capacity      = optional(number)
    write_capacity     = optional(number)
  }))
  default  = []
  nullable = false

  validation {
    condition     = length(var.additional_global_secondary_indexes) <= 19
    error_message = "DynamoDB allows 20 GSIs per table by default and GSI1 is one: keep additional_global_secondary_indexes to 19 or fewer."
  }

  validation {
    condition     = alltrue([for g in var.additional_global_secondary_indexes : can(regex("^[a-zA-Z0-9_.-]{3,255}$", g.name))])
    error_message = "Each additional GSI name must be 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' or '.'."
  }

  validation {
    condition = length(distinct(concat(["GSI1"], [for g in var.additional_global_secondary_indexes : g.name]))) == (
      1 + length(var.additional_global_secondary_indexes)
    )
    error_message = "Additional GSI names must be unique and must not be GSI1 (the module's inverted index): rename the duplicate."
  }

  validation {
    condition = !anytrue(flatten([for g in var.additional_global_secondary_indexes : [
      contains(["GSI1PK", "GSI1SK"], g.hash_key) && g.hash_key_type != "S",
      contains(["GSI1PK", "GSI1SK"], coalesce(g.range_key, "-")) && g.range_key_type != "S",
    ]]))
    error_message = "GSI1PK and GSI1SK are the sparse GSI1's string (S) keys: an additional GSI keyed on them must declare that key's type as \"S\"."
  }

  validation {
    condition = alltrue([for g in var.additional_global_secondary_indexes :
      contains(["S", "N", "B"], g.hash_key_type) && contains(["S", "N", "B"], g.range_key_type)
    ])
    error_message = "Additional GSI key types must be \"S\", \"N\" or \"B\"."
  }

  validation {
    condition = alltrue(flatten([for g in var.additional_global_secondary_indexes : [
      contains(["PK", "SK"], g.hash_key) ? g.hash_key_type == "S" : true,
      g.range_key != null && contains(["PK", "SK"], coalesce(g.range_key, "-")) ? g.range_key_type == "S" : true,
    ]]))
    error_message = "PK and SK are string (S) attributes of this table: an additional GSI keyed on PK or SK must declare that key's type as \"S\"."
  }

  validation {
    condition = alltrue([
      for name, types in {
        for pair in flatten([for g in var.additional_global_secondary_indexes : concat(
          [{ name = g.hash_key, type = g.hash_key_type }],
          g.range_key == null ? [] : [{ name = g.range_key, type = g.range_key_type }],
        )]) : pair.name => pair.type...
      } : length(distinct(types)) == 1
    ])
    error_message = "An attribute is used as a key by two additional GSIs with different types: give it one type (S, N or B) everywhere."
  }

  validation {
    condition = alltrue([for g in var.additional_global_secondary_indexes :
      contains(["ALL", "KEYS_ONLY", "INCLUDE"], g.projection_type) &&
      (g.projection_type == "INCLUDE") == (length(g.non_key_attributes) > 0)
    ])
    error_message = "Each additional GSI needs projection_type ALL, KEYS_ONLY or INCLUDE; INCLUDE needs non_key_attributes and the others must leave non_key_attributes empty."
  }

  validation {
    condition = alltrue([for g in var.additional_global_secondary_indexes :
      (g.read_capacity == null ? true : g.read_capacity >= 1) && (g.write_capacity == null ? true : g.write_capacity >= 1)
    ])
    error_message = "Additional GSI read_capacity / write_capacity must be at least 1 when given."
  }

  validation {
    condition = !(var.billing_mode == "PAY_PER_REQUEST" && anytrue([for g in var.additional_global_secondary_indexes :
      g.read_capacity != null || g.write_capacity != null
    ]))
    error_message = "An additional GSI sets read_capacity or write_capacity but billing_mode is PAY_PER_REQUEST: remove the index capacities, or set billing_mode = \"PROVISIONED\"."
  }
}

############################################################################
# Data protection
############################################################################

variable "enable_point_in_time_recovery" {
  description = "Continuous backups: restore the table to any second of the last 35 days."
  type        = bool
  default     = true
  nullable    = false
}

variable "enable_encryption" {
  description = "Encrypt at rest with a KMS key: the AWS managed key aws/dynamodb, or kms_key_arn when given. false falls back to DynamoDB's AWS owned key (DynamoDB always encrypts; false only gives up KMS auditing and key control)."
  type        = bool
  default     = true
  nullable    = false
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key (or key alias) for encryption at rest; null uses the AWS managed key aws/dynamodb. Needs enable_encryption = true."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null ? true : can(regex("^arn:aws[a-zA-Z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key or alias ARN, like arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab."
  }

  validation {
    condition     = !(var.kms_key_arn != null && !var.enable_encryption)
    error_message = "kms_key_arn is set but enable_encryption = false: set enable_encryption = true to use the key, or remove kms_key_arn."
  }
}

variable "deletion_protection_enabled" {
  description = "Refuse DeleteTable (also from terraform destroy) until this is set to false and applied."
  type        = bool
  default     = true
  nullable    = false
}

############################################################################
# TTL and streams
############################################################################

variable "ttl_enabled" {
  description = "Let DynamoDB delete items whose ttl_attribute_name (epoch seconds, type N) lies in the past, at no cost. Items without the attribute never expire."
  type        = bool
  default     = true
  nullable    = false
}

variable "ttl_attribute_name" {
  description = "Item attribute holding the expiry time in epoch seconds. Defaults to expires_at, the name the singletable library writes."
  type        = string
  default     = "expires_at"
  nullable    = false

  validation {
    condition     = length(var.ttl_attribute_name) >= 1 && length(var.ttl_attribute_name) <= 255
    error_message = "ttl_attribute_name must be 1 to 255 characters."
  }

  validation {
    condition     = !contains(["PK", "SK"], var.ttl_attribute_name)
    error_message = "ttl_attribute_name cannot be PK or SK: those are string keys and TTL needs a number (epoch seconds); use expires_at."
  }
}

variable "stream_enabled" {
  description = "Enable DynamoDB Streams (change data capture for Lambda, Pipes or replication)."
  type        = bool
  default     = false
  nullable    = false
}

variable "stream_view_type" {
  description = "What each stream record holds when stream_enabled: KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES."
  type        = string
  default     = "NEW_AND_OLD_IMAGES"
  nullable    = false

  validation {
    condition     = contains(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"], var.stream_view_type)
    error_message = "stream_view_type must be KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES."
  }
}

############################################################################
# IAM policies for the service that uses the table
############################################################################

variable "create_iam_policies" {
  description = "Also create the read-only and read-write policy documents as aws_iam_policy resources (the JSON is always output)."
  type        = bool
  default     = false
  nullable    = false
}

variable "iam_policy_name_prefix" {
  description = "Name prefix for the created IAM policies; null uses the table name. The policies are named <prefix>-read-only and <prefix>-read-write."
  type        = string
  default     = null

  validation {
    condition     = var.iam_policy_name_prefix == null ? true : can(regex("^[a-zA-Z0-9+=,.@_-]{1,116}$", var.iam_policy_name_prefix))
    error_message = "iam_policy_name_prefix must be 1 to 116 characters of letters, digits and +=,.@_-."
  }
}

variable "iam_policy_path" {
  description = "IAM path for the created policies."
  type        = string
  default     = "/"
  nullable    = false

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]*/)?$", var.iam_policy_path))
    error_message = "iam_policy_path must begin and end with '/', like \"/\" or \"/services/\"."
  }
}

variable "iam_policy_allow_scan" {
  description = "Grant dynamodb:Scan on the table and its indexes in both policies. Off by default: a single-table design reads by key and Query; a Scan reads (and bills) the whole table."
  type        = bool
  default     = false
  nullable    = false
}

############################################################################
# Global tables (replicas in other regions)
############################################################################

variable "replica_regions" {
  description = "Replicas of the table in other regions (a global table, version 2019.11.21). Each: region_name; kms_key_arn (a key in that region; required when kms_key_arn is set for the table); point_in_time_recovery (null = the table's setting); propagate_tags (default true). deletion_protection_enabled and consistency_mode need hashicorp/aws >= 6.9 / >= 6.3 and must stay null with the tested 5.x provider. Needs stream_enabled = true with NEW_AND_OLD_IMAGES, and autoscaling with PROVISIONED. Adding or removing a replica never replaces the table."
  type = list(object({
    region_name                 = string
    kms_key_arn                 = optional(string)
    point_in_time_recovery      = optional(bool)
    propagate_tags              = optional(bool, true)
    deletion_protection_enabled = optional(bool)
    consistency_mode            = optional(string)
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for r in var.replica_regions : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", r.region_name))])
    error_message = "Each replica_regions region_name must be an AWS region name, like \"eu-west-1\"."
  }

  validation {
    condition     = length(distinct([for r in var.replica_regions : r.region_name])) == length(var.replica_regions)
    error_message = "replica_regions lists a region twice: a table has at most one replica per region."
  }

  validation {
    condition = alltrue([for r in var.replica_regions : r.kms_key_arn == null ? true : can(regex(
      "^arn:aws[a-zA-Z-]*:kms:${r.region_name}:[0-9]{12}:(key|alias)/.+$", r.kms_key_arn
    ))])
    error_message = "A replica's kms_key_arn must be a KMS key or alias ARN in the replica's own region (KMS keys are regional), like arn:aws:kms:eu-west-1:111122223333:key/<id> for eu-west-1."
  }

  validation {
    condition     = !(var.kms_key_arn != null && anytrue([for r in var.replica_regions : r.kms_key_arn == null]))
    error_message = "The table uses a customer managed key (kms_key_arn), so every replica needs its own kms_key_arn in its region."
  }

  validation {
    condition     = !(!var.enable_encryption && anytrue([for r in var.replica_regions : r.kms_key_arn != null]))
    error_message = "A replica sets kms_key_arn but enable_encryption = false: set enable_encryption = true, or remove the replica keys."
  }

  validation {
    condition     = length(var.replica_regions) == 0 || (var.stream_enabled && var.stream_view_type == "NEW_AND_OLD_IMAGES")
    error_message = "Replicas are fed by the table's stream: set stream_enabled = true and stream_view_type = \"NEW_AND_OLD_IMAGES\"."
  }

  validation {
    condition     = length(var.replica_regions) == 0 || var.billing_mode == "PAY_PER_REQUEST" || var.autoscaling_enabled
    error_message = "A PROVISIONED global table needs write autoscaling in every region: set autoscaling_enabled = true, or billing_mode = \"PAY_PER_REQUEST\"."
  }

  validation {
    condition     = alltrue([for r in var.replica_regions : r.deletion_protection_enabled == null && r.consistency_mode == null])
    error_message = "replica_regions deletion_protection_enabled and consistency_mode need hashicorp/aws >= 6.9 (replica.deletion_protection_enabled) and >= 6.3 (replica.consistency_mode); this module is tested with 5.100, which has neither: leave them null (a replica's deletion protection can be set in the console or with UpdateTable in its region meanwhile)."
  }
}

############################################################################
# Create from data (creation only: ignored once the table exists)
############################################################################

variable "import_table" {
  description = "Create the table from data in S3 (ImportTable): input_format CSV, DYNAMODB_JSON or ION; input_compression_type GZIP, ZSTD or NONE; s3_bucket_source (bucket, key_prefix, bucket_owner); for CSV optionally input_format_options.csv (delimiter, header_list). Used only when the table is created: later changes (and removing it) are ignored, never a replacement. Excludes the restore_* inputs."
  type = object({
    input_format           = string
    input_compression_type = optional(string, "NONE")
    s3_bucket_source = object({
      bucket       = string
      key_prefix   = optional(string)
      bucket_owner = optional(string)
    })
    input_format_options = optional(object({
      csv = optional(object({
        delimiter   = optional(string)
        header_list = optional(list(string))
      }))
    }))
  })
  default = null

  validation {
    condition     = var.import_table == null ? true : contains(["CSV", "DYNAMODB_JSON", "ION"], var.import_table.input_format)
    error_message = "import_table.input_format must be \"CSV\", \"DYNAMODB_JSON\" or \"ION\"."
  }

  validation {
    condition     = var.import_table == null ? true : contains(["GZIP", "ZSTD", "NONE"], var.import_table.input_compression_type)
    error_message = "import_table.input_compression_type must be \"GZIP\", \"ZSTD\" or \"NONE\"."
  }

  validation {
    condition     = var.import_table == null ? true : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.import_table.s3_bucket_source.bucket))
    error_message = "import_table.s3_bucket_source.bucket must be an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-'), not an ARN or s3:// URL; put the folder in key_prefix."
  }

  validation {
    condition     = try(var.import_table.s3_bucket_source.bucket_owner, null) == null ? true : can(regex("^[0-9]{12}$", var.import_table.s3_bucket_source.bucket_owner))
    error_message = "import_table.s3_bucket_source.bucket_owner must be a 12-digit AWS account ID."
  }

  validation {
    condition     = try(var.import_table.input_format_options.csv, null) == null ? true : var.import_table.input_format == "CSV"
    error_message = "import_table.input_format_options.csv only applies to input_format = \"CSV\": remove it, or import CSV."
  }

  validation {
    condition     = try(var.import_table.input_format_options.csv.delimiter, null) == null ? true : contains([",", "\t", ":", ";", "|", " "], var.import_table.input_format_options.csv.delimiter)
    error_message = "import_table CSV delimiter must be one of , tab : ; | or space."
  }

  validation {
    condition     = !(var.import_table != null && length(var.replica_regions) > 0)
    error_message = "import_table creates a new single-region table: import first, then add replica_regions in a later apply."
  }

  validation {
    condition     = !(var.import_table != null && (var.restore_source_name != null || var.restore_source_table_arn != null))
    error_message = "A table is created from one source: import_table (S3) or a restore (restore_source_name / restore_source_table_arn), not both."
  }
}

variable "restore_source_name" {
  description = "Create the table as a point-in-time restore of this table (same account and region). Creation only: later changes are ignored. Excludes restore_source_table_arn and import_table; needs restore_to_latest_time or restore_date_time."
  type        = string
  default     = null

  validation {
    condition     = var.restore_source_name == null ? true : can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.restore_source_name))
    error_message = "restore_source_name must be a table name: 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' or '.'."
  }

  validation {
    condition     = !(var.restore_source_name != null && var.restore_source_table_arn != null)
    error_message = "Give the restore source once: restore_source_name (same region) or restore_source_table_arn (also cross-region), not both."
  }
}

variable "restore_source_table_arn" {
  description = "Create the table as a point-in-time restore of the table with this ARN (also another region). Creation only: later changes are ignored. Excludes restore_source_name and import_table; needs restore_to_latest_time or restore_date_time."
  type        = string
  default     = null

  validation {
    condition     = var.restore_source_table_arn == null ? true : can(regex("^arn:aws[a-zA-Z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[a-zA-Z0-9_.-]{3,255}$", var.restore_source_table_arn))
    error_message = "restore_source_table_arn must be a DynamoDB table ARN, like arn:aws:dynamodb:eu-west-1:111122223333:table/orders."
  }
}

variable "restore_to_latest_time" {
  description = "With restore_source_name or restore_source_table_arn: restore to the latest restorable time. Excludes restore_date_time. Creation only."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = !(var.restore_to_latest_time && var.restore_date_time != null)
    error_message = "Restore to one point: restore_to_latest_time = true or restore_date_time, not both."
  }

  validation {
    condition     = var.restore_source_name != null || var.restore_source_table_arn != null ? (var.restore_to_latest_time || var.restore_date_time != null) : !(var.restore_to_latest_time || var.restore_date_time != null)
    error_message = "A restore needs a source and a point: restore_source_name or restore_source_table_arn, with restore_to_latest_time = true or restore_date_time."
  }
}

variable "restore_date_time" {
  description = "With restore_source_name or restore_source_table_arn: the point to restore to, an RFC 3339 time such as 2026-11-29T23:00:00Z (within the source's PITR window). Excludes restore_to_latest_time. Creation only."
  type        = string
  default     = null

  validation {
    condition     = var.restore_date_time == null ? true : can(formatdate("YYYY", var.restore_date_time))
    error_message = "restore_date_time must be an RFC 3339 time, like 2026-11-29T23:00:00Z."
  }
}

############################################################################
# Module switch
############################################################################

variable "create_table" {
  description = "Create the table and everything around it (autoscaling, IAM policies, resource policy, alarms, insights). false creates nothing and every output is null or empty: for modules instantiated per environment. Turning it off destroys the table (deletion protection refuses until lifted)."
  type        = bool
  default     = true
  nullable    = false
}

variable "region" {
  description = "Region to manage the resources in (the resource-level region argument of hashicorp/aws >= 6.0). Gated: the module is tested with 5.100, which lacks it, so it must stay null; set the region on the provider instead."
  type        = string
  default     = null

  validation {
    condition     = var.region == null
    error_message = "region needs hashicorp/aws >= 6.0 (resource-level region); this module is tested with 5.100: leave region null and configure the region on the aws provider passed to the module."
  }
}

############################################################################
# More table settings
############################################################################

variable "point_in_time_recovery_period_in_days" {
  description = "Days of continuous backups kept for point-in-time recovery, 1 to 35; null keeps AWS's default (35). Needs enable_point_in_time_recovery = true. The PITR price does not depend on it."
  type        = number
  default     = null

  validation {
    condition     = var.point_in_time_recovery_period_in_days == null ? true : (var.point_in_time_recovery_period_in_days >= 1 && var.point_in_time_recovery_period_in_days <= 35 && floor(var.point_in_time_recovery_period_in_days) == var.point_in_time_recovery_period_in_days)
    error_message = "point_in_time_recovery_period_in_days must be a whole number of days from 1 to 35."
  }

  validation {
    condition     = !(var.point_in_time_recovery_period_in_days != null && !var.enable_point_in_time_recovery)
    error_message = "point_in_time_recovery_period_in_days is set but enable_point_in_time_recovery = false: enable PITR, or remove the period."
  }
}

variable "warm_throughput" {
  description = "Pre-warmed read/write units per second for the table (read_units_per_second at least 12000, write_units_per_second at least 4000). Gated: the table's warm_throughput argument needs hashicorp/aws >= 6.13 and the module is tested with 5.100, so it must stay null; pre-warm with UpdateTable meanwhile."
  type = object({
    read_units_per_second  = optional(number)
    write_units_per_second = optional(number)
  })
  default = null

  validation {
    condition = var.warm_throughput == null ? true : (
      (try(var.warm_throughput.read_units_per_second, null) == null ? true : var.warm_throughput.read_units_per_second >= 12000) &&
      (try(var.warm_throughput.write_units_per_second, null) == null ? true : var.warm_throughput.write_units_per_second >= 4000)
    )
    error_message = "warm_throughput below DynamoDB's floor: read_units_per_second must be at least 12000 and write_units_per_second at least 4000 (every table already has those)."
  }

  validation {
    condition     = var.warm_throughput == null
    error_message = "warm_throughput needs hashicorp/aws >= 6.13 (aws_dynamodb_table.warm_throughput); this module is tested with 5.100: leave it null (pre-warm with aws dynamodb update-table --warm-throughput meanwhile)."
  }
}

variable "resource_policy" {
  description = "A resource-based policy (JSON, for example from aws_iam_policy_document) attached to the table with aws_dynamodb_resource_policy: cross-account access without assuming a role. Its Resource entries must name the table (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME, known before creation) or its indexes. null = none."
  type        = string
  default     = null

  validation {
    condition     = var.resource_policy == null ? true : can(jsondecode(var.resource_policy).Statement)
    error_message = "resource_policy must be a JSON policy document with a Statement (for example data.aws_iam_policy_document.x.json)."
  }

  validation {
    condition     = var.resource_policy == null ? true : length(var.resource_policy) <= 20480
    error_message = "resource_policy is longer than DynamoDB's 20 KB limit for a resource-based policy."
  }
}

variable "local_secondary_indexes" {
  description = "Local secondary indexes (partition key PK, their own sort key; strongly consistent reads; at most 5). DynamoDB creates LSIs only with the table: they are read at creation and later changes are ignored (they would replace the table). Sort key types S, N or B; a key must not be SK."
  type = list(object({
    name               = string
    range_key          = string
    range_key_type     = optional(string, "S")
    projection_type    = optional(string, "ALL")
    non_key_attributes = optional(list(string), [])
  }))
  default  = []
  nullable = false

  validation {
    condition     = length(var.local_secondary_indexes) <= 5
    error_message = "DynamoDB allows at most 5 local secondary indexes per table."
  }

  validation {
    condition     = alltrue([for l in var.local_secondary_indexes : can(regex("^[a-zA-Z0-9_.-]{3,255}$", l.name))])
    error_message = "Each local secondary index name must be 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' or '.'."
  }

  validation {
    condition = length(distinct(concat(["GSI1"], [for g in var.additional_global_secondary_indexes : g.name], [for l in var.local_secondary_indexes : l.name]))) == (
      1 + length(var.additional_global_secondary_indexes) + length(var.local_secondary_indexes)
    )
    error_message = "Index names must be unique across GSI1, the additional GSIs and the local secondary indexes: rename the duplicate."
  }

  validation {
    condition     = alltrue([for l in var.local_secondary_indexes : !contains(["PK", "SK"], l.range_key) && contains(["S", "N", "B"], l.range_key_type)])
    error_message = "A local secondary index sorts on its own attribute (not PK, the shared partition key, nor SK, the table's sort key), of type S, N or B."
  }

  validation {
    condition = alltrue([for l in var.local_secondary_indexes :
      contains(["ALL", "KEYS_ONLY", "INCLUDE"], l.projection_type) && (l.projection_type == "INCLUDE") == (length(l.non_key_attributes) > 0)
    ])
    error_message = "Each local secondary index needs projection_type ALL, KEYS_ONLY or INCLUDE; INCLUDE needs non_key_attributes and the others must leave them empty."
  }

  validation {
    condition = alltrue([
      for name, types in {
        for pair in concat(
          [for l in var.local_secondary_indexes : { name = l.range_key, type = l.range_key_type }],
          flatten([for g in var.additional_global_secondary_indexes : concat(
            [{ name = g.hash_key, type = g.hash_key_type }],
            g.range_key == null ? [] : [{ name = g.range_key, type = g.range_key_type }],
          )]),
        ) : pair.name => pair.type...
      } : length(distinct(types)) == 1
    ])
    error_message = "An attribute is a key of two indexes (local or global) with different types: give it one type (S, N or B) everywhere."
  }
}

variable "timeouts" {
  description = "How long terraform waits for the table to be created, updated or deleted, as durations like \"30m\" or \"1h\"; null keeps the provider's defaults (30m, 60m, 10m). Raise create for large imports or restores."
  type = object({
    create = optional(string)
    update = optional(string)
    delete = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for t in [var.timeouts.create, var.timeouts.update, var.timeouts.delete] : t == null ? true : can(regex("^([0-9]+(\\.[0-9]+)?(h|m|s))+$", t))])
    error_message = "timeouts values are durations like \"45m\", \"2h\" or \"1h30m\"."
  }
}

############################################################################
# CloudWatch alarms (opt-in)
############################################################################

variable "alarms_enabled" {
  description = "Create CloudWatch alarms: read and write throttle events for the table and each GSI, system errors, consumed above alarm_consumed_capacity_threshold_percent of provisioned (PROVISIONED only) and replication latency per replica. Notifies alarm_sns_topic_arns."
  type        = bool
  default     = false
  nullable    = false
}

variable "alarm_sns_topic_arns" {
  description = "SNS topics notified when an alarm fires and when it recovers. Empty = alarms without notifications (state in the console only)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.alarm_sns_topic_arns : can(regex("^arn:aws[a-zA-Z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", a))])
    error_message = "alarm_sns_topic_arns must be SNS topic ARNs, like arn:aws:sns:us-east-1:111122223333:dynamodb-alerts."
  }

  validation {
    condition     = !(length(var.alarm_sns_topic_arns) > 0 && !var.alarms_enabled)
    error_message = "alarm_sns_topic_arns is set but alarms_enabled = false: set alarms_enabled = true, or remove the topics."
  }
}

variable "alarm_period_seconds" {
  description = "Length of each alarm evaluation period in seconds: 10, 30 or a multiple of 60."
  type        = number
  default     = 60
  nullable    = false

  validation {
    condition     = contains([10, 30], var.alarm_period_seconds) || (var.alarm_period_seconds >= 60 && var.alarm_period_seconds % 60 == 0)
    error_message = "alarm_period_seconds must be 10, 30 or a multiple of 60."
  }
}

variable "alarm_evaluation_periods" {
  description = "Consecutive breaching periods before an alarm fires."
  type        = number
  default     = 5
  nullable    = false

  validation {
    condition     = var.alarm_evaluation_periods >= 1 && floor(var.alarm_evaluation_periods) == var.alarm_evaluation_periods
    error_message = "alarm_evaluation_periods must be a whole number of at least 1."
  }
}

variable "alarm_throttle_events_threshold" {
  description = "Throttle events per period above which a throttle alarm fires (0: any throttling)."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.alarm_throttle_events_threshold >= 0
    error_message = "alarm_throttle_events_threshold cannot be negative."
  }
}

variable "alarm_consumed_capacity_threshold_percent" {
  description = "With PROVISIONED: alarm when consumed capacity exceeds this percentage of provisioned capacity (table and each GSI, read and write). Keep it above the autoscaling target."
  type        = number
  default     = 80
  nullable    = false

  validation {
    condition     = var.alarm_consumed_capacity_threshold_percent > 0 && var.alarm_consumed_capacity_threshold_percent <= 100
    error_message = "alarm_consumed_capacity_threshold_percent must be above 0 and at most 100."
  }
}

variable "alarm_replication_latency_threshold_ms" {
  description = "With replica_regions: alarm when the average replication latency to a replica exceeds this many milliseconds."
  type        = number
  default     = 60000
  nullable    = false

  validation {
    condition     = var.alarm_replication_latency_threshold_ms > 0
    error_message = "alarm_replication_latency_threshold_ms must be positive."
  }
}

############################################################################
# Contributor Insights (find the hot keys)
############################################################################

variable "contributor_insights_enabled" {
  description = "Enable CloudWatch Contributor Insights on the table and on contributor_insights_indexes: the most accessed and most throttled partition keys, the hot keys `singletable lint` predicts from the design. Billed per event analysed."
  type        = bool
  default     = false
  nullable    = false
}

variable "contributor_insights_indexes" {
  description = "GSIs that get Contributor Insights when contributor_insights_enabled (GSI1, the inverted index, by default)."
  type        = list(string)
  default     = ["GSI1"]
  nullable    = false

  validation {
    condition     = alltrue([for n in var.contributor_insights_indexes : contains(concat(["GSI1"], [for g in var.additional_global_secondary_indexes : g.name]), n)])
    error_message = "contributor_insights_indexes names an index this table does not have: use GSI1 or the name of one of additional_global_secondary_indexes."
  }

  validation {
    condition     = length(distinct(var.contributor_insights_indexes)) == length(var.contributor_insights_indexes)
    error_message = "contributor_insights_indexes lists an index twice."
  }
}

variable "global_table_witness_region" {
  description = "Witness region of a multi-region strongly consistent global table (one replica with consistency_mode STRONG). Gated: needs hashicorp/aws >= 6.3 (global_table_witness) and the module is tested with 5.100, so it must stay null."
  type        = string
  default     = null

  validation {
    condition     = var.global_table_witness_region == null
    error_message = "global_table_witness_region needs hashicorp/aws >= 6.3 (multi-region strong consistency); this module is tested with 5.100: leave it null."
  }
}
