"""General assembly: voters by college, and the tally that applies the colleges' weights.

Inside a college each voter has one vote, whatever their shares; the college's result is the share
of "for" among the votes cast (abstentions are not votes cast, as the law has it since 2019); the
assembly's result weighs each college's result by the college's weight, over the colleges where
votes were cast.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import InvalidInput

from .errors import InvalidCollegeWeights
from .models import Cooperative
from .selectors import voters_at
from .services.setup import college_weight_problems

# Compared as exact fractions: 28-digit decimals round 2/3 down (or 1/2 up) and would turn an
# exact two-thirds into a rejection (or an exact half into a simple majority).
MAJORITIES = {"simple": Fraction(1, 2), "two_thirds": Fraction(2, 3)}


@dataclass(frozen=True)
class CollegeResult:
    college_id: int
    name: str
    weight: int
    voters: int
    votes_for: int
    votes_against: int
    abstentions: int

    @property
    def cast(self) -> int:
        return self.votes_for + self.votes_against

    @property
    def share_for(self) -> Decimal | None:
        return None if self.cast == 0 else Decimal(self.votes_for) / Decimal(self.cast)


@dataclass(frozen=True)
class Tally:
    colleges: list[CollegeResult]
    weighted_for: Decimal | None  # 0..1, None when no vote was cast anywhere
    majority: str
    adopted: bool

    @property
    def percent_for(self) -> Decimal | None:
        if self.weighted_for is None:
            return None
        return (self.weighted_for * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(fields={field: [_("A whole number, 0 or more.")]})
    return value


def tally(
    *,
    cooperative: Cooperative,
    votes: dict[int, dict[str, Any]],
    majority: str = "simple",
    on: datetime.date | None = None,
) -> Tally:
    """Weigh per-college votes {college_id: {"for", "against", "abstain"}}.

    Raises InvalidCollegeWeights (weights not valid), InvalidInput (unknown college, negative
    counts, more votes than the college has voters, unknown majority).
    """
    if majority not in MAJORITIES:
        raise InvalidInput(fields={"majority": [_("Choose simple or two_thirds.")]})
    problems = college_weight_problems(cooperative)
    if problems:
        raise InvalidCollegeWeights(" ".join(problems))
    by_college = {entry.college.pk: entry for entry in voters_at(cooperative, on)}
    unknown = set(votes) - set(by_college)
    if unknown:
        raise InvalidInput(fields={"votes": [_("Unknown college: %(ids)s.") % {"ids": sorted(unknown)}]})
    results = []
    for college_id, entry in by_college.items():
        counts = votes.get(college_id, {})
        votes_for = _count(counts.get("for", 0), f"votes.{college_id}.for")
        against = _count(counts.get("against", 0), f"votes.{college_id}.against")
        abstain = _count(counts.get("abstain", 0), f"votes.{college_id}.abstain")
        if votes_for + against + abstain > len(entry.voters):
            raise InvalidInput(
                fields={
                    f"votes.{college_id}": [
                        ngettext(
                            "The college “%(name)s” has %(voters)d voter: one vote each.",
                            "The college “%(name)s” has %(voters)d voters: one vote each.",
                            len(entry.voters),
                        )
                        % {"name": entry.college.name, "voters": len(entry.voters)}
                    ]
                }
            )
        results.append(
            CollegeResult(
                college_id=college_id,
                name=entry.college.name,
                weight=entry.college.weight,
                voters=len(entry.voters),
                votes_for=votes_for,
                votes_against=against,
                abstentions=abstain,
            )
        )
    expressed = [result for result in results if result.cast > 0]
    total_weight = sum(result.weight for result in expressed)
    weighted = None
    adopted = False
    if total_weight:
        exact = (
            sum((Fraction(result.weight * result.votes_for, result.cast) for result in expressed), Fraction(0))
            / total_weight
        )
        weighted = Decimal(exact.numerator) / Decimal(exact.denominator)
        threshold = MAJORITIES[majority]
        adopted = exact > threshold if majority == "simple" else exact >= threshold
    return Tally(colleges=results, weighted_for=weighted, majority=majority, adopted=adopted)
