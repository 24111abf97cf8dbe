"""Reads of the marketplace that decide who sees what: `exchanges` (a member's exchanges, ratings) and
`listings` (the search, one listing for whoever may see it)."""
