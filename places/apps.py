from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "places"
    verbose_name = _("Places")

    def ready(self) -> None:
        from core.transparency import register as register_transparency

        from .transparency import places_section

        register_transparency(places_section)
