from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("pay/", views.pay, name="pay"),
    path("accounts/<int:account_id>/statement/", views.statement, name="statement"),
    path("accounts/<int:account_id>/statement.csv", views.statement_csv, name="statement-csv"),
]
