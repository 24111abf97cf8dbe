"""Every write of the SEL marketplace: `listings` (listings, photos, moderation) and `exchanges`
(the exchange state machine, its holds, messages and reviews)."""
