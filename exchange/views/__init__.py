"""Pages of the marketplace, one module per part (each exports urlpatterns), and their forms (`forms_*`)."""
