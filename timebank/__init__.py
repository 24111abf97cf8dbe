"""The time bank: service records between members, volunteering rewards, hours input and the
warning near a limit. Hours (HRS) are mutual credit; every hour moves through the ledger."""
