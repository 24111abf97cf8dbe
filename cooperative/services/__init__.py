"""Every write of the share register (setup, movements, members' requests)."""
