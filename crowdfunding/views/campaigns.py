"""Placeholder pages: replaced by the real ones."""

from django.http import HttpRequest, HttpResponse


def _todo(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return HttpResponse("todo")


campaign_list = campaign_create = campaign_mine = campaign_moderation = campaign_detail = _todo
campaign_edit = campaign_back = campaign_dashboard = campaign_backers_csv = campaign_update_create = _todo
