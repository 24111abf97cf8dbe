"""Every write of the SEL marketplace: `listings` (listings, photos, moderation, expiry),
`exchanges` (the exchange state machine and its holds, its table and roles in `transitions`) and
`reviews` (the parties' messages and reviews)."""
