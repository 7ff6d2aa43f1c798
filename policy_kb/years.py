"""The years a measure is laid out in: 三、2's subsidy years ("前三年度") and 三、5/三、6's award year ("当年度").

《办法》三、2 says only "给予前三年度每年 30% 的租金补贴"; it does not say how a 年度 is counted. The years here are
counted from the entry date, as the engine's subsidy window is (entry date + 3 years, ``add_years``); the report says
with them that the way they are counted is the 区人社局's 实施细则's. Nothing here reads the clock or words anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .understand import DateSpan, Range

PAST, CURRENT, FUTURE = "past", "current", "future"


def add_years(d: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a year that has none."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


@dataclass(frozen=True)
class SubsidyYear:
    n: int  # 1, 2, 3
    start: date
    end: date  # the last day: the day before the next year starts
    status: str  # past / current / future, relative to today
    per_year: int | Range | None = None  # yuan; a Range when the rent is one; None when the rent is not known
    later: str = ""  # a later text version changes the measure from within this year: its label (no amount)

    def to_dict(self) -> dict[str, Any]:
        lo, hi = (self.per_year.lo, self.per_year.hi) if isinstance(self.per_year, Range) else (self.per_year, None)
        out = {
            "n": self.n,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "status": self.status,
            "per_year": lo,
            "per_year_max": hi if hi != lo else None,
        }
        if self.later:
            out["later_version"] = self.later
        return out


@dataclass(frozen=True)
class AwardYear:
    fact: str  # the profile fact the year comes from: honour_year / recognition_year
    year: int

    def to_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "year": self.year}


def status_on(start: date, end: date, today: date) -> str:
    if end < today:
        return PAST
    return CURRENT if start <= today else FUTURE


def subsidy_years(entry: DateSpan, today: date, count: int, per_year: int | Range | None) -> list[SubsidyYear]:
    """The ``count`` years counted from an exact entry date: year k runs from entry + (k−1) years to the day before
    entry + k years, so the last day of the last year is the day before the engine's window end (on which
    ``within_years`` fails). An entry known only to a month or a year gives no list (``[]``): where each year starts
    and ends, and which one today is in, turns on the day; the report keeps the window text
    (``money.rent_window_span``), which says the window is estimated from the entry time."""
    if not entry.exact:
        return []
    starts = [add_years(entry.start, k) for k in range(count + 1)]
    years = []
    for k in range(count):
        start, end = starts[k], starts[k + 1] - timedelta(days=1)
        years.append(SubsidyYear(k + 1, start, end, status_on(start, end, today), per_year))
    return years
