from django.urls import path

from ._placeholder import coming_soon

urlpatterns = [
    path("payments/payment-request-list/", coming_soon, name="payment-request-list"),
]
