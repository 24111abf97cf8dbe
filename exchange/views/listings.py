from django.urls import path

from ._placeholder import coming_soon

urlpatterns = [path("marketplace/", coming_soon, name="listing-search")]
