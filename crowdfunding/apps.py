from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrowdfundingConfig(AppConfig):
    name = "crowdfunding"
    verbose_name = _("Crowdfunding")

    def ready(self) -> None:
        from ledger import memos
        from ledger.kinds import register

        from .kinds import KINDS
        from .memos import MEMOS

        register(*KINDS)
        memos.register(*MEMOS)
