"""Close every campaign past its deadline (the beat task runs the same service every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from crowdfunding.models import Campaign
from crowdfunding.services.campaigns import campaigns_open_due
from crowdfunding.services.closing import campaigns_close_due


class Command(BaseCommand):
    help = "Decide the campaigns past their deadline, settle their pledges and pay out the successful ones."

    def handle(self, *args: Any, **options: Any) -> None:
        opened = campaigns_open_due()
        last_shown: dict[int, int] = {}

        def progress(campaign: Campaign, done: int, total: int) -> None:
            # A line per campaign at 0 %, every 10 % and 100 %: enough to follow a large close.
            step = max(1, total // 10)
            if done == total or done - last_shown.get(campaign.pk, 0) >= step:
                last_shown[campaign.pk] = done
                self.stdout.write(f"  campaign #{campaign.pk} “{campaign.title}”: {done}/{total} pledges settled")

        report = campaigns_close_due(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"{opened} campaign(s) opened; {report.campaigns} campaign(s) with closing work: "
                f"{report.decided} decided, {report.pledges_settled} pledge(s) settled, "
                f"{report.pledges_refused} refused (retried next run), {report.paid_out} paid out."
            )
        )
