"""Pages of the local currency and the time bank, one module per flow (each exports urlpatterns),
and their forms (`forms_*`)."""
