from django.urls import path

from .views import campaigns, dashboard, editing, moderation, pledges

urlpatterns = [
    path("campaigns/", campaigns.campaign_list, name="campaign-list"),
    path("campaigns/new/", editing.campaign_create, name="campaign-create"),
    path("campaigns/mine/", campaigns.campaign_mine, name="campaign-mine"),
    path("campaigns/moderation/", moderation.campaign_moderation, name="campaign-moderation"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", editing.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/submit/", editing.campaign_submit_page, name="campaign-submit"),
    path("campaigns/<int:pk>/tiers/new/", editing.campaign_tier_create, name="campaign-tier-create"),
    path("campaigns/<int:pk>/tiers/<int:tier_id>/edit/", editing.campaign_tier_edit, name="campaign-tier-edit"),
    path("campaigns/<int:pk>/tiers/<int:tier_id>/delete/", editing.campaign_tier_delete, name="campaign-tier-delete"),
    path("campaigns/<int:pk>/images/new/", editing.campaign_image_create, name="campaign-image-create"),
    path(
        "campaigns/<int:pk>/images/<int:image_id>/delete/", editing.campaign_image_delete, name="campaign-image-delete"
    ),
    path("campaigns/<int:pk>/back/", pledges.campaign_back, name="campaign-back"),
    path("campaigns/<int:pk>/withdraw/", pledges.campaign_withdraw, name="campaign-withdraw"),
    path("campaigns/<int:pk>/pools/new/", campaigns.campaign_pool_create, name="campaign-pool-create"),
    path("campaigns/<int:pk>/pools/<int:pool_id>/close/", campaigns.campaign_pool_close, name="campaign-pool-close"),
    path("campaigns/<int:pk>/dashboard/", dashboard.campaign_dashboard, name="campaign-dashboard"),
    path("campaigns/<int:pk>/backers.csv", dashboard.campaign_backers_csv, name="campaign-backers-csv"),
    path(
        "campaigns/<int:pk>/pledges/<int:pledge_id>/delivered/",
        dashboard.campaign_pledge_delivered,
        name="campaign-pledge-delivered",
    ),
    path("campaigns/<int:pk>/updates/new/", dashboard.campaign_update_create, name="campaign-update-create"),
    path("campaigns/<int:pk>/moderation/approve/", moderation.campaign_approve_page, name="campaign-approve"),
    path("campaigns/<int:pk>/moderation/send-back/", moderation.campaign_send_back_page, name="campaign-send-back"),
    path("campaigns/<int:pk>/moderation/cancel/", moderation.campaign_cancel_page, name="campaign-cancel"),
    path("campaigns/<int:pk>/moderation/close-now/", moderation.campaign_close_now_page, name="campaign-close-now"),
]
