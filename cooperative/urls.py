from django.urls import URLPattern, URLResolver, path

from .views import approvals, exports, member, people, register

urlpatterns: list[URLPattern | URLResolver] = [
    # The member's side.
    path("cooperatives/", member.cooperative_list, name="cooperative-list"),
    path("cooperatives/<int:pk>/", member.cooperative_detail, name="cooperative-detail"),
    path("cooperatives/<int:pk>/subscribe/", member.subscribe, name="cooperative-subscribe"),
    path("cooperatives/<int:pk>/my-shares/", member.my_shares, name="cooperative-my-shares"),
    path("cooperatives/<int:pk>/my-shares/redeem/", member.redemption_request_page, name="cooperative-redeem"),
    path(
        "cooperatives/<int:pk>/my-shares/requests/<int:request_id>/cancel/",
        member.subscription_request_cancel_page,
        name="cooperative-request-cancel",
    ),
    path(
        "cooperatives/<int:pk>/certificates/<int:number>.pdf", exports.certificate_pdf, name="cooperative-certificate"
    ),
    # The administrators' side (auditors read it).
    path("cooperatives/<int:pk>/approvals/", approvals.approvals, name="cooperative-approvals"),
    path(
        "cooperatives/<int:pk>/subscriptions/<int:request_id>/approve/",
        approvals.subscription_approve,
        name="cooperative-subscription-approve",
    ),
    path(
        "cooperatives/<int:pk>/subscriptions/<int:request_id>/reject/",
        approvals.subscription_reject,
        name="cooperative-subscription-reject",
    ),
    path(
        "cooperatives/<int:pk>/subscriptions/<int:request_id>/pay/",
        approvals.subscription_pay,
        name="cooperative-subscription-pay",
    ),
    path(
        "cooperatives/<int:pk>/redemptions/<int:request_id>/approve/",
        approvals.redemption_approve,
        name="cooperative-redemption-approve",
    ),
    path(
        "cooperatives/<int:pk>/redemptions/<int:request_id>/reject/",
        approvals.redemption_reject,
        name="cooperative-redemption-reject",
    ),
    path(
        "cooperatives/<int:pk>/redemptions/<int:request_id>/pay/",
        approvals.redemption_pay,
        name="cooperative-redemption-pay",
    ),
    path("cooperatives/<int:pk>/register/", register.register, name="cooperative-register"),
    path(
        "cooperatives/<int:pk>/register/<int:number>/cancel/",
        register.movement_cancel_page,
        name="cooperative-movement-cancel",
    ),
    path("cooperatives/<int:pk>/register.csv", exports.register_csv, name="cooperative-register-csv"),
    path("cooperatives/<int:pk>/register.pdf", exports.register_pdf_page, name="cooperative-register-pdf"),
    path("cooperatives/<int:pk>/holdings/", register.holdings, name="cooperative-holdings"),
    path("cooperatives/<int:pk>/holdings.csv", exports.holdings_csv, name="cooperative-holdings-csv"),
    path("cooperatives/<int:pk>/capital/", register.capital, name="cooperative-capital"),
    path("cooperatives/<int:pk>/colleges/", people.colleges, name="cooperative-colleges"),
    path("cooperatives/<int:pk>/shareholders/", people.shareholders, name="cooperative-shareholders"),
    path("cooperatives/<int:pk>/transfer/", people.transfer, name="cooperative-transfer"),
    path("cooperatives/<int:pk>/assembly/", people.assembly, name="cooperative-assembly"),
]
