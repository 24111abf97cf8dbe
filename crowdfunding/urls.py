from django.urls import path

from .views import campaigns as views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/mine/", views.campaign_mine, name="campaign-mine"),
    path("campaigns/moderation/", views.campaign_moderation, name="campaign-moderation"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/back/", views.campaign_back, name="campaign-back"),
    path("campaigns/<int:pk>/dashboard/", views.campaign_dashboard, name="campaign-dashboard"),
    path("campaigns/<int:pk>/backers.csv", views.campaign_backers_csv, name="campaign-backers-csv"),
    path("campaigns/<int:pk>/updates/new/", views.campaign_update_create, name="campaign-update-create"),
]
