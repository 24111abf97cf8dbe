"""Service records are not in the admin: the provider asks and the receiver decides through the
time bank's services (pages and API), and the hours they moved are read in the ledger's admin."""
