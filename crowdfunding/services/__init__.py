"""Every write of the crowdfunding app (campaigns, pledges and matchfunding, closing, news)."""
