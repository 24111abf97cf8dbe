"""REST API of the share register, under /api/cooperatives/."""
