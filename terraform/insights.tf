############################################################################
# Contributor Insights on the table and the chosen GSIs (opt-in).
############################################################################

locals {
  insights_targets = var.create_table && var.contributor_insights_enabled ? merge(
    { "table" = null },
    { for name in var.contributor_insights_indexes : "index/${name}" => name },
  ) : {}
}

resource "aws_dynamodb_contributor_insights" "this" {
  for_each = local.insights_targets

  table_name = one(aws_dynamodb_table.this[*].name)
  index_name = each.value
}
