"""The understanding layer's values: facts, problems, intervals of yuan and of days; input cleaning."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..numerals import FULLWIDTH

VALUE, NEGATION, UNKNOWN, CORRECTION = "value", "negation", "unknown", "correction"
MAX_YUAN_PER_YEAR = 1_000_000_000  # 10亿元: more than any rent or event cost here; larger is a unit mistake
MONEY_FACTS = ("annual_rent", "event_cost")
DATE_FACTS = ("entry_date", "honour_year", "recognition_year")
LEVEL_FACTS = ("honour_level", "recognition_level")
BOOL_FACTS = ("in_talent_port", "training_base")


# --------------------------------------------------------------------------------------------------- values
@dataclass(frozen=True)
class Range:
    """A closed interval of integers (yuan, counts): ``lo == hi`` is an exact value."""

    lo: int
    hi: int

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    def to_json(self) -> Any:
        return self.lo if self.exact else [self.lo, self.hi]


@dataclass(frozen=True)
class DateSpan:
    """A closed interval of days: a year alone is Jan 1 – Dec 31, a month its first to last day."""

    start: date
    end: date

    @property
    def exact(self) -> bool:
        return self.start == self.end

    def iso(self) -> str:
        """ISO 8601: "2024-03-05", or the interval "2024-03-01/2024-03-31"."""
        return self.start.isoformat() if self.exact else f"{self.start.isoformat()}/{self.end.isoformat()}"

    @classmethod
    def parse(cls, s: str) -> DateSpan:
        a, _, b = s.partition("/")
        start = date.fromisoformat(a)
        return cls(start, date.fromisoformat(b) if b else start)

    @classmethod
    def of(cls, year: int, month: int | None = None, day: int | None = None) -> DateSpan:
        """A day, a whole month or a whole year; ValueError for a date that does not exist (2024-13, 2月30日)."""
        if month and day:
            d = date(year, month, day)
            return cls(d, d)
        if month:
            return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))
        return cls(date(year, 1, 1), date(year, 12, 31))

    def single_year(self) -> int | None:
        return self.start.year if self.start.year == self.end.year else None


@dataclass
class Fact:
    name: str
    value: Any  # int / bool / str / Range / DateSpan; None for kind == UNKNOWN
    kind: str = VALUE
    start: int = 0
    end: int = 0
    text: str = ""
    approx: bool = False
    basis: dict[str, Any] = field(default_factory=dict)  # how a money value was read: amount, period, unit price

    def json_value(self) -> Any:
        v = self.value
        if isinstance(v, Range):
            return v.to_json()
        if isinstance(v, DateSpan):
            return v.iso()
        return v


@dataclass
class Problem:
    fact: str
    code: str  # zero / negative / too_large / vague / need_unit / need_area / future_date / bad_date / need_year
    text: str = ""  # need_rank / need_level / need_count / need_cost / need_period
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Understanding:
    text: str
    facts: list[Fact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    correction: bool = False  # the message says it corrects something (不对/改成/说错了)
    future_ok: bool = False  # a hypothesis ("要是明年才入驻呢"): a date wholly after today is read, not refused

    def fact(self, name: str) -> Fact | None:
        return next((f for f in self.facts if f.name == name), None)

    def names(self) -> list[str]:
        return [f.name for f in self.facts]

    def add(self, fact: Fact) -> None:
        if self.fact(fact.name) is None and not any(p.fact == fact.name for p in self.problems):
            self.facts.append(fact)

    def problem(self, fact: str, code: str, text: str = "", **params: Any) -> None:
        if self.fact(fact) is None and not any(p.fact == fact for p in self.problems):
            self.problems.append(Problem(fact, code, text, params))


# --------------------------------------------------------------------------------------------------- cleaning
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_FOLD = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20})
del _FOLD[0xFF0C]  # "，" stays a clause break: "2块5，800平" is two numbers, not 5,800


def clean(text: str) -> str:
    """Input as the bot may safely read it: lone surrogates, control and zero-width characters removed."""
    if not text:
        return ""
    text = _SURROGATE.sub("", text)
    text = _INVISIBLE.sub("", text)
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c)[0] != "C").strip()


def normalise(text: str) -> str:
    """Same length as ``text``: full-width → ASCII, Traditional → Simplified, so spans point into the input."""
    from ..text import to_simplified

    s = text.translate(_FOLD).translate(FULLWIDTH)
    s = "".join("，" if c == "，" else d for c, d in zip(text, s, strict=False))
    t = to_simplified(s)
    return t if len(t) == len(s) else s
