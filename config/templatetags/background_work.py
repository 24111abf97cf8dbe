"""`{% background_work_banner %}`: says plainly, on the staff's and auditors' pages, that background
work (exports, sweeps, seals) is stopped and since when; renders nothing while a worker runs."""

from __future__ import annotations

from typing import Any

from django import template

from core.heartbeat import background_work_status

register = template.Library()


@register.inclusion_tag("includes/background_work_banner.html")
def background_work_banner(variant: str = "page") -> dict[str, Any]:
    """`variant="admin"` renders it as the admin's own warning message."""
    return {"work": background_work_status(), "variant": variant}
