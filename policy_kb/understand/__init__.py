"""The understanding layer: a message (plus the question being asked, the facts so far and today) → profile facts.

Each fact carries its value, the span it came from and the kind of statement it was — a value, a negation, an
"unknown" (不清楚/忘了), or a correction (不对，是…). Values that cannot be stored (zero, negative, absurd,
vague, a unit price without an area, a future entry date) are problems, not facts: the caller re-asks and stores
nothing. Partly known facts are intervals: a year alone is 1 January – 31 December (clipped at today), "80到100万"
is a range of rent; the engine reasons over the whole interval. Conventions (tests/policy_kb/understanding):
X多/X几 is [X, X + one step of its last non-zero digit] (一百多万 → 100–200万), neighbouring digits are a range
(七八十万, 三四月份), half a year ×2 and an N-year total ÷N, a quarter is its three months, 大概/约 mark a value (or
an area, or a date) approximate; "不是X，是Y" / "是Y，不是X" read only Y, and correct a fact given before.

No Rasa here: the NLU component (bot/nlu/policy_entities.py), the form (actions/eligibility.py) and the question
answerers call ``understand``. Word lists live beside the patterns that use them; nothing here is shown to people
(the replies' wording is in data/messages.yaml).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .answers import _bare_year, _mask_not_x, _mask_questions, _period_swap, _read_unknown, _yes_no
from .dates import _read_dates
from .lexicon import CORRECTION_RE, EVENT_WORDS, PERIOD_SWAP, PERIOD_SWAP_BACK, RENT_WORDS, VAGUE_RE, _contrast
from .money import _read_money, _target
from .values import (
    BOOL_FACTS,
    CORRECTION,
    DATE_FACTS,
    LEVEL_FACTS,
    MAX_YUAN_PER_YEAR,
    MONEY_FACTS,
    NEGATION,
    UNKNOWN,
    VALUE,
    DateSpan,
    Fact,
    Problem,
    Range,
    Understanding,
    clean,
    normalise,
)
from .words import QUESTION, _read_booleans, _read_count, _read_name, _read_words

__all__ = [
    "BOOL_FACTS",
    "CORRECTION",
    "DATE_FACTS",
    "LEVEL_FACTS",
    "MAX_YUAN_PER_YEAR",
    "MONEY_FACTS",
    "NEGATION",
    "UNKNOWN",
    "VALUE",
    "DateSpan",
    "Fact",
    "Problem",
    "Range",
    "Understanding",
    "clean",
    "normalise",
    "understand",
]


# --------------------------------------------------------------------------------------------------- entry point
def understand(
    text: str,
    asked: str | None = None,
    known: dict[str, Any] | None = None,
    today: date | None = None,
    future_ok: bool = False,
) -> Understanding:
    """Every profile fact in ``text``. ``asked`` is the fact the bot just asked for; ``known`` the facts so far
    (in the order they were given, most recent last); ``today`` resolves 去年/今年 and rejects future dates —
    unless ``future_ok`` (a what-if: "要是我们明年才入驻呢" is a date to assume, not a mistake)."""
    if today is None:
        raise ValueError("understand() needs today (the rules never read the clock)")
    known = dict(known or {})
    raw = clean(text)[:1000]
    s = normalise(raw)
    u = Understanding(
        raw,
        correction=bool(CORRECTION_RE.search(s) or PERIOD_SWAP.search(s) or PERIOD_SWAP_BACK.search(s)),
        future_ok=future_ok,
    )
    masked = _mask_questions(_mask_not_x(s))
    _period_swap(u, s, known)
    _read_booleans(u, masked)
    _read_dates(u, masked, asked, known, today)
    _read_money(u, masked, asked, known)
    _read_words(u, masked, asked)
    _read_count(u, masked, asked, known, _contrast(s))
    _read_name(u, s)
    _bare_year(u, s, asked, today)
    _yes_no(u, s, asked)
    _read_unknown(u, s, asked, known)
    _vague_money(u, s, asked)
    _implied(u)
    _kinds(u, known, _contrast(s))
    return u


def _same(f: Fact, old: Any) -> bool:
    new = f.json_value()
    if isinstance(old, Range):
        old = old.to_json()
    if isinstance(old, DateSpan):
        old = old.iso()
    if isinstance(old, (list, tuple)) and len(old) == 2:
        if f.name == "entry_date":
            old = DateSpan(date.fromisoformat(str(old[0])), date.fromisoformat(str(old[1]))).iso()
        else:
            old = old[0] if old[0] == old[1] else list(old)
    return new == old or str(new) == str(old)


def _vague_money(u: Understanding, s: str, asked: str | None) -> None:
    """几十万 / 不少钱 about the rent or the event cost: a vague amount, re-asked."""
    m = VAGUE_RE.search(s)
    if not m:
        return
    target = _target(s, m.start(), m.end(), {"annual_rent": RENT_WORDS, "event_cost": EVENT_WORDS})
    if target is None and asked in MONEY_FACTS:
        target = asked
    if target is None or u.fact(target) is not None or QUESTION.search(s[m.end() : m.end() + 3]):
        return
    u.problem(target, "vague", m.group())


def _implied(u: Understanding) -> None:
    """A dated entry says the institution is in the port: the profile adds in_talent_port, so it is not a
    separate fact here (已经入驻了，2024年3月进来的 → entry_date only)."""
    entry, port = u.fact("entry_date"), u.fact("in_talent_port")
    if entry is not None and entry.value is not None and port is not None and port.value is True:
        u.facts.remove(port)


def _kinds(u: Understanding, known: dict[str, Any], contrast: bool) -> None:
    """A fact that replaces one already given, in a message that says so (不对/改成, or "不是X，是Y" about a value
    given before), is a correction."""
    for f in u.facts:
        if f.kind == UNKNOWN:
            continue
        if (u.correction and (f.name in known or not known)) or (
            contrast and f.name in known and not _same(f, known[f.name])
        ):
            f.kind = CORRECTION
