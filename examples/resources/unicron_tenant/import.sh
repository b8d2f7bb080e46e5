# A tenant is imported by its name: the accounts tagged unicron:tenant = "<name>".
terraform import unicron_tenant.data_science data-science
