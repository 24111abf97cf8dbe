"""`{{ minor|credits:unit }}` (places.credits_format) and `{% place_passes place %}`: the plans and
carnets on sale at a place (and the network's), on its page."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from places.credits_format import credits_text
from places.selectors.passes import pass_offers_on_sale, plans_on_sale

register = template.Library()


@register.filter
def credits(minor: int | None, unit: str) -> str:
    return credits_text(minor, unit)


@register.inclusion_tag("places/_passes_section.html", takes_context=True)
def place_passes(context: Any, place: Any) -> dict[str, Any]:
    here = Q(place_id=place.pk) | Q(place__isnull=True)
    return {
        "place": place,
        "plans": list(plans_on_sale().filter(here)),
        "offers": list(pass_offers_on_sale().filter(here)),
        "user": context.get("user"),
    }
