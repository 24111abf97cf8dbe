"""Demo campaigns for `seed_demo`: two live, one paid out, one waiting for a moderator.

Everything goes through the services, as owners, backers and moderators would; only the display
dates of the finished campaign are moved into the past afterwards (they are not ledger rows).
"""

from __future__ import annotations

import contextlib
import datetime
from typing import Any

from django.utils import timezone
from djmoney.money import Money

from core.errors import ApplicationError
from crowdfunding.models import Campaign
from crowdfunding.services.campaigns import campaign_approve, campaign_create, campaign_submit
from crowdfunding.services.closing import campaign_close
from crowdfunding.services.pledges import pledge_create, pool_create
from crowdfunding.services.tiers import tier_create
from members.models import Member

FABLAB_STORY = (
    "La Ruche ouvre un fablab partagé au cœur des Achards : imprimante 3D, découpeuse laser, "
    "établi de réparation et un repair café chaque mois.\n\n"
    "Votre soutien paie les machines et la première année d’entretien. Si l’objectif n’est pas "
    "atteint à la date limite, rien n’est prélevé : votre montant est seulement réservé sur votre compte."
)

CHANTIER_STORY = (
    "Un samedi par mois, on remet en état le lavoir et le jardin partagé du bourg. Promettez des "
    "heures : elles seront versées à l’association qui coordonne le chantier."
)

FOUR_STORY = "Le four à pain communal du Girouard reprend du service : une fournée par semaine, ouverte à tous."

SERRE_STORY = "Une serre partagée pour produire des plants bio et les échanger sur le SEL."


def _campaign(owner: Member, *, start: datetime.datetime, days: int, **fields: Any) -> Campaign:
    return campaign_create(
        owner=owner,
        starts_at=start,
        deadline=start + datetime.timedelta(days=days),
        commune=owner.commune,
        actor=owner.user,
        **fields,
    )


def _back(campaign: Campaign, members: dict[str, Member], pledges: list[tuple[str, str, str | None]]) -> None:
    tiers = {tier.title: tier for tier in campaign.tiers.all()}
    for username, amount, tier_title in pledges:
        backer = members[username]
        # A member short of funds simply does not back this one.
        with contextlib.suppress(ApplicationError):
            pledge_create(
                campaign=campaign,
                backer=backer,
                amount=Money(amount, campaign.unit),
                tier=tiers.get(tier_title) if tier_title else None,
                anonymous=username == "hugo",
                actor=backer.user,
            )


def seed_campaigns(*, admin: Any, now: datetime.datetime | None = None) -> None:
    """Create the demo campaigns once (nothing happens if any campaign exists)."""
    if Campaign.objects.exists():
        return
    now = now or timezone.now()
    members = {member.user.username: member for member in Member.objects.select_related("user", "commune")}
    start = now - datetime.timedelta(days=5)

    fablab = _campaign(
        members["laruche"],
        start=start,
        days=30,
        title="Un fablab partagé à La Ruche",
        summary="Imprimante 3D, découpeuse laser et repair café pour tout le Pays des Achards.",
        story=FABLAB_STORY,
        unit="ACH",
        goal=Money("1500", "ACH"),
        stretch_goal=Money("2200", "ACH"),
        funding_model=Campaign.Model.ALL_OR_NOTHING,
    )
    for title, minimum, stock, description in [
        ("Merci sur le mur des soutiens", "10", None, "Votre nom sur le mur du fablab."),
        ("Initiation à la découpe laser", "30", 12, "Deux heures avec un animateur."),
        ("Un an d’accès au fablab", "80", 5, "Accès libre aux machines pendant un an."),
    ]:
        tier_create(
            campaign=fablab,
            title=title,
            minimum=Money(minimum, "ACH"),
            stock=stock,
            description=description,
            estimated_delivery=(now + datetime.timedelta(days=90)).date(),
            actor=fablab.owner.user,
        )
    campaign_submit(campaign=fablab, actor=fablab.owner.user)
    campaign_approve(campaign=fablab, actor=admin)
    pool_create(
        campaign=fablab,
        sponsor=members["brasserie"],
        ratio="1",
        per_backer_cap=Money("20", "ACH"),
        total_cap=Money("300", "ACH"),
        show_name=True,  # a business sponsoring for its image
        actor=members["brasserie"].user,
    )
    _back(
        fablab,
        members,
        [
            ("camille", "30", "Initiation à la découpe laser"),
            ("louis", "15", "Merci sur le mur des soutiens"),
            ("alice", "80", "Un an d’accès au fablab"),
            ("hugo", "25", None),
            ("lea", "40", "Initiation à la découpe laser"),
            ("boulangerie", "100", "Merci sur le mur des soutiens"),
            ("lina", "50", None),
            ("victor", "30", "Merci sur le mur des soutiens"),
        ],
    )

    chantier = _campaign(
        members["cafe"],
        start=start,
        days=20,
        title="Chantier participatif au lavoir",
        summary="Des heures du temps partagé pour remettre en état le lavoir et le jardin du bourg.",
        story=CHANTIER_STORY,
        unit="HRS",
        goal=Money("40", "HRS"),
        funding_model=Campaign.Model.KEEP_IT_ALL,
    )
    campaign_submit(campaign=chantier, actor=chantier.owner.user)
    campaign_approve(campaign=chantier, actor=admin)
    _back(chantier, members, [("camille", "3", None), ("louis", "2", None), ("jules", "4", None)])

    four = _campaign(
        members["pizzeria"],
        start=now - datetime.timedelta(minutes=5),
        days=1,
        title="Le four à pain du Girouard",
        summary="Remettre en chauffe le four communal pour une fournée par semaine.",
        story=FOUR_STORY,
        unit="ACH",
        goal=Money("120", "ACH"),
        funding_model=Campaign.Model.ALL_OR_NOTHING,
    )
    campaign_submit(campaign=four, actor=four.owner.user)
    campaign_approve(campaign=four, actor=admin)
    _back(four, members, [("rose", "50", None), ("adam", "40", None), ("marius", "35", None)])
    campaign_close(campaign=four, now=four.deadline + datetime.timedelta(seconds=1))
    # Shown as a campaign that ended three weeks ago (display dates only; the ledger keeps its own).
    ended = now - datetime.timedelta(days=21)
    Campaign.objects.filter(pk=four.pk).update(
        starts_at=ended - datetime.timedelta(days=30),
        deadline=ended,
        decided_at=ended,
        paid_out_at=ended + datetime.timedelta(minutes=1),
    )

    serre = _campaign(
        members["jardins"],
        start=now + datetime.timedelta(days=3),
        days=45,
        title="Une serre partagée aux Jardins",
        summary="Des plants bio pour tout le monde, échangés sur le SEL.",
        story=SERRE_STORY,
        unit="ACH",
        goal=Money("900", "ACH"),
        funding_model=Campaign.Model.ALL_OR_NOTHING,
    )
    campaign_submit(campaign=serre, actor=serre.owner.user)
