"""REST API of membership, under /api/members/: joining, one's own member, renewing, closing."""
