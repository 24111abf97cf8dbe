"""REST API of the ledger: accounts, transactions, holds, transfers, units, the audit log and the books."""
