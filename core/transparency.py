"""Sections of the public transparency page that other apps contribute (a registry, like inbox.py).

The page belongs to the currency (currency/views/public.py `transparency`), which imports no other
domain app; an app with open data of its own (the network of tiers-lieux: its places and their
occupancy) registers a provider in its `AppConfig.ready`:

```python
def ready(self) -> None:
    from core.transparency import register

    from .transparency import places_section

    register(places_section)
```

A provider takes no argument (the page is public: it must show nothing personal) and returns a
`Section` or None (nothing to show). The page includes the section's `template` with the section
as `section` and draws its `charts` with the page's own accessible bar charts, as `charts`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ChartBar:
    label: str  # under the bar, short ("janv.")
    value: int  # any non-negative scale: only the ratios matter
    display: str  # the figure as people read it ("42,5 %")
    long_label: str = ""  # the bar's tooltip ("janvier 2026")


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page (an HTML id)
    title: str
    description: str
    bars: Sequence[ChartBar]


@dataclass(frozen=True)
class Section:
    """One section of the page: `template` rendered with `section` (this object) and `charts`."""

    key: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    charts: Sequence[Chart] = ()


Provider = Callable[[], Section | None]

_providers: list[Provider] = []


def register(*providers: Provider) -> None:
    """Add providers (once each: registering twice, as a test reloading an app may, changes nothing)."""
    for provider in providers:
        if provider not in _providers:
            _providers.append(provider)


def registered() -> list[Provider]:
    return list(_providers)


def sections() -> list[Section]:
    """Every registered provider's section, in registration order (those with nothing to show left out)."""
    return [section for provider in _providers if (section := provider()) is not None]
