"""Pages of the cooperative share register."""
