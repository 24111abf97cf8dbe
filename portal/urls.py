from django.urls import URLPattern, path

from . import views

urlpatterns: list[URLPattern] = [
    # The home page keeps the name the dashboard always had: {% url 'dashboard' %} is "/" still.
    path("", views.home, name="home"),
    path("", views.home, name="dashboard"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("legal-notice/", views.legal_notice, name="legal-notice"),
    path("privacy/", views.privacy, name="privacy"),
    path("site-map/", views.site_map, name="site-map"),
    path("contact/", views.contact, name="contact"),
]
