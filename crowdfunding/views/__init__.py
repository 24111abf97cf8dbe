"""Pages of the crowdfunding app."""
