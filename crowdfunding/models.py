"""Models of `crowdfunding`: arrive with the issue that builds this app."""
