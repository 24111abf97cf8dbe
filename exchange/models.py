"""Models of `exchange`: arrive with the issue that builds this app."""
