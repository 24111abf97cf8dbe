"""Pages of membership: the member's own membership page."""
