terraform {
  required_version = ">= 1.5"

  required_providers {
    unicron = {
      source = "unicron/unicron"
    }
  }
}
