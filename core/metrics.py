"""The ledger's Prometheus counters, on the ground floor so that the ledger can count what it posts
without importing the wiring: config/metrics.py connects the signals that feed them and serves
them with the rest at /metrics (its docstring says how several processes add up)."""

from __future__ import annotations

from prometheus_client import Counter

POSTINGS = Counter(
    "bocage_ledger_postings",
    "Ledger transactions by unit, kind and outcome (posted: committed; refused: a business rule said no).",
    ["unit", "kind", "outcome"],
)
HOLDS = Counter("bocage_ledger_holds", "Hold events by unit: created, captured, voided, expired.", ["unit", "event"])


def record_postings(*, unit: str, kind: str, outcome: str = "posted", count: int = 1) -> None:
    """Count postings; call it from `on_commit` for committed ones, or with outcome="refused"."""
    POSTINGS.labels(unit=unit, kind=kind, outcome=outcome).inc(count)


def record_hold(*, unit: str, event: str) -> None:
    HOLDS.labels(unit=unit, event=event).inc()
