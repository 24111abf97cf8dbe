"""REST API of crowdfunding, under /api/campaigns/: campaigns, tiers, pledges, pools, updates, images."""
