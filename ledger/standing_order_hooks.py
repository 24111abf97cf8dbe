"""What an app hears about the standing orders it made (a plan of a place: "subscription:12").

An app registers callbacks for the prefix of the `purpose` it gives its orders (`register` from
its AppConfig.ready; "subscription:12" → prefix "subscription"). The ledger calls them INSIDE the
database transaction that records the outcome, so the app's effect commits with the payment (or
the miss, or the end) exactly once, and rolls back with it:

- `on_paid(order, execution)`: a period was paid; `execution.transaction` is the payment;
- `on_missed(order, execution, final)`: an attempt failed; `final` when no retry is left for that period;
- `on_stopped(order)`: the order was cancelled, or ended (end date or count reached).

An exception raised by a callback rolls the whole outcome back (the beat tries again later).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.models import StandingOrder, StandingOrderExecution


@dataclass(frozen=True)
class Hooks:
    on_paid: Callable[..., Any] | None = None
    on_missed: Callable[..., Any] | None = None
    on_stopped: Callable[..., Any] | None = None


_hooks: dict[str, Hooks] = {}


def register(
    prefix: str,
    *,
    on_paid: Callable[..., Any] | None = None,
    on_missed: Callable[..., Any] | None = None,
    on_stopped: Callable[..., Any] | None = None,
) -> None:
    """Register the callbacks of the orders whose purpose is `prefix` or starts with `prefix:`."""
    if not prefix or ":" in prefix:
        raise ValueError(f"a purpose prefix has no colon: {prefix!r}")
    _hooks[prefix] = Hooks(on_paid=on_paid, on_missed=on_missed, on_stopped=on_stopped)


def _hooks_of(order: StandingOrder) -> Hooks | None:
    if not order.purpose:
        return None
    return _hooks.get(order.purpose.split(":", 1)[0])


def paid(order: StandingOrder, execution: StandingOrderExecution) -> None:
    """Tell the order's app a period was paid (inside the payment's transaction)."""
    hooks = _hooks_of(order)
    if hooks is not None and hooks.on_paid is not None:
        hooks.on_paid(order, execution)


def missed(order: StandingOrder, execution: StandingOrderExecution, final: bool) -> None:
    """Tell the order's app an attempt failed (inside the transaction recording the miss)."""
    hooks = _hooks_of(order)
    if hooks is not None and hooks.on_missed is not None:
        hooks.on_missed(order, execution, final)


def stopped(order: StandingOrder) -> None:
    """Tell the order's app the order is over (cancelled or ended), inside that transaction."""
    hooks = _hooks_of(order)
    if hooks is not None and hooks.on_stopped is not None:
        hooks.on_stopped(order)
