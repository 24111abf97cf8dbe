"""Models of `cooperative`: arrive with the issue that builds this app."""
