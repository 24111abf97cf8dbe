"""API of the network of tiers-lieux, one module per part (each exports urlpatterns): `catalogue`
(public: places, resources and their availability), `geojson` (the places as a map's open data) and
`bookings` (a member's bookings, the managers' check-in, no-show and cancel)."""
