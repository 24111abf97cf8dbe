"""Pages of members: API tokens and the second factor (security)."""
