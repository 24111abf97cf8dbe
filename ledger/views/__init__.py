"""Pages of the ledger: the dashboard, payments, statements, the audit log and the books."""
