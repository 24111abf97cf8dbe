"""What keeps a member from leaving: a registry of obstacle providers, one per app.

members imports only core, so each app registers, in its `AppConfig.ready`, the providers of its
own `leaving.py` (like core.inbox's providers and members.personal_data's sections):

```python
def ready(self) -> None:
    from members.leaving import register

    from .leaving import obstacles

    register(obstacles)
```

A provider takes a member and returns its `Obstacle`s, each found through that app's own
selectors. The codes are a contract (the API answers the first one as its `code`): `CODES` lists
them in the order they are shown, the one the member must see first (staff cannot leave here)
first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

STAFF_ACCOUNT = "staff_account"
BALANCES_NOT_ZERO = "balances_not_zero"
HOLDS_PENDING = "holds_pending"
SHARES_HELD = "shares_held"
REQUESTS_PENDING = "requests_pending"
CAMPAIGNS_RUNNING = "campaigns_running"
EXCHANGES_OPEN = "exchanges_open"
BOOKINGS_UPCOMING = "bookings_upcoming"

CODES = (
    STAFF_ACCOUNT,
    BALANCES_NOT_ZERO,
    HOLDS_PENDING,
    SHARES_HELD,
    REQUESTS_PENDING,
    CAMPAIGNS_RUNNING,
    EXCHANGES_OPEN,
    BOOKINGS_UPCOMING,
)


@dataclass(frozen=True)
class Obstacle:
    """One thing to settle before leaving: a stable `code`, a `message` saying what to do (in the
    reader's language), the page where to do it (`url`, may be blank) and `details` (account,
    unit, amount as the reader writes it…)."""

    code: str
    message: str
    url: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "url": self.url, **self.details}


Provider = Callable[[Any], Iterable[Obstacle]]

_PROVIDERS: list[Provider] = []


def register(*providers: Provider) -> None:
    for provider in providers:
        if provider not in _PROVIDERS:
            _PROVIDERS.append(provider)


def obstacles_of(member: Any) -> list[Obstacle]:
    """Every obstacle every app finds, in the order of CODES (then the order the app gave)."""
    found = [obstacle for provider in _PROVIDERS for obstacle in provider(member)]
    for obstacle in found:
        if obstacle.code not in CODES:
            raise ValueError(f"unknown leaving obstacle code: {obstacle.code}")
    return sorted(found, key=lambda obstacle: CODES.index(obstacle.code))
