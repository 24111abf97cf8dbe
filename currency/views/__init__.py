"""Pages of the local currency, one module per flow (each exports urlpatterns), and their forms
(`forms_*`)."""
