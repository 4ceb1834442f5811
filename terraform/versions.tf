terraform {
  # 1.9 is the first release whose variable validations may refer to other variables; the module
  # relies on that to reject wrong combinations at plan time with a message that says what to change.
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # point_in_time_recovery.recovery_period_in_days (hashicorp/terraform-provider-aws#41484, merged May
      # 2025) is in 5.98 at the latest, hence the floor (on_demand_throughput needed 5.80);
      # tested with 5.100.0, the newest 5.x. 6.x is admitted; its newer table arguments (replica
      # deletion protection 6.9, consistency mode 6.3, warm_throughput 6.13, resource-level region 6.0)
      # are gated inputs that must stay null until the module is tested with 6.x.
      version = ">= 5.98.0, < 7.0.0"
    }
  }
}
