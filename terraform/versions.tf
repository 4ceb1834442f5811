terraform {
  # 1.9 is the first release whose variable validations may refer to other variables; the module
  # relies on that to reject wrong combinations at plan time with a message that says what to change.
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # on_demand_throughput (table and index) needs a recent 5.x; tested with 5.100.0. 6.x is admitted.
      version = ">= 5.80.0, < 7.0.0"
    }
  }
}
