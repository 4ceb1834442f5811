# terraform.tfvars
table_name = "my-app-main-table"
billing_mode = "PAY_PER_REQUEST"    # or "PROVISIONED" 
enable_point_in_time_recovery = true
enable_encryption = true
