"""API of the network of tiers-lieux, one module per part (each exports urlpatterns): `catalogue`
(public: places and resources), `availability` (a resource's free times), `geojson` (the places as a
map's open data), `occupancy` (the network's occupancy as open data) and `bookings` (booking,
cancelling, checking in)."""
