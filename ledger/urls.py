from django.urls import path

from .views import pages as views

urlpatterns = [
    path("pay/", views.pay, name="pay"),
    path("accounts/<int:account_id>/statement/", views.statement, name="statement"),
    path("accounts/<int:account_id>/statement.csv", views.statement_csv, name="statement-csv"),
]

# The audit log (staff and auditors).
from .views import log as views_log  # noqa: E402

urlpatterns += [
    path("audit/log/", views_log.audit_log, name="audit-log"),
    path("audit/log.csv", views_log.audit_log_csv, name="audit-log-csv"),
]

# The books and exports (staff and auditors).
from .views import audit as views_audit  # noqa: E402

urlpatterns += [
    path("audit/", views_audit.audit_home, name="audit-home"),
    path("audit/trial-balance/", views_audit.trial_balance, name="audit-trial-balance"),
    path("audit/trial-balance.csv", views_audit.trial_balance_csv, name="audit-trial-balance-csv"),
    path("audit/accounts/", views_audit.account_search, name="audit-accounts"),
    path("audit/accounts/<int:account_id>/", views_audit.account_statement, name="audit-statement"),
    path(
        "audit/accounts/<int:account_id>/statement.csv", views_audit.account_statement_csv, name="audit-statement-csv"
    ),
    path(
        "audit/accounts/<int:account_id>/statement.pdf", views_audit.account_statement_pdf, name="audit-statement-pdf"
    ),
    path("audit/exports/", views_audit.export_list, name="audit-exports"),
    path("audit/exports/new/", views_audit.export_create, name="audit-export-create"),
    path("audit/exports/<int:pk>/", views_audit.export_detail, name="audit-export"),
    path("audit/exports/<int:pk>/status/", views_audit.export_status, name="audit-export-status"),
    path("audit/exports/<int:pk>/download/", views_audit.export_download, name="audit-export-download"),
]

# A member's standing orders (as payer and as payee).
from .views import standing_orders as views_orders  # noqa: E402

urlpatterns += [
    path("me/standing-orders/", views_orders.standing_order_list, name="standing-orders"),
    path("me/standing-orders/new/", views_orders.standing_order_new, name="standing-order-new"),
    path("me/standing-orders/<int:pk>/", views_orders.standing_order_detail, name="standing-order"),
    path("me/standing-orders/<int:pk>/cancel/", views_orders.standing_order_cancel, name="standing-order-cancel"),
]
