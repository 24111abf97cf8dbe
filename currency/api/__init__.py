"""API of the local currency, one module per flow (each exports urlpatterns)."""
