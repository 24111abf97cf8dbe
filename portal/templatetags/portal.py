"""The shell's tags: the site menu and the breadcrumbs."""

from __future__ import annotations

from typing import Any

from django import template

from ..navigation import menu_for

register = template.Library()


@register.inclusion_tag("includes/site_menu.html", takes_context=True)
def site_menu(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    groups = menu_for(
        context.get("user"),
        path=getattr(request, "path", ""),
        url_name=getattr(match, "url_name", "") or "",
        inbox=context.get("inbox"),
    )
    return {"groups": groups, "user": context.get("user"), "request": request, "inbox": context.get("inbox")}


@register.inclusion_tag("includes/breadcrumbs.html")
def breadcrumbs(*trail: Any) -> dict[str, Any]:
    """`{% breadcrumbs label url label url … current_label %}`: the home page comes first by itself,
    each pair is a link, the last label is the current page (not a link)."""
    *pairs, current = trail or ("",)
    links = [{"label": pairs[i], "url": pairs[i + 1]} for i in range(0, len(pairs) - 1, 2)]
    return {"links": links, "current": current}
