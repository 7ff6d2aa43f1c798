"""What-if: the same profile with one change, assessed again, and what changed measure by measure.

"如果年租金是200万呢" after a report: the stored profile is not touched; the changed copy is assessed on the same
day, except for an entry into the talent port that has not happened yet ("要是我们明年才入驻呢"), which is assessed
as of the entry day (the last day of an entry known only to a month or a year: the first day on which the 《办法》
can say anything about it), and says so. An honour or recognition named without its year ("如果拿到市级荣誉呢") is
taken as this year's, and says so too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .engine import Assessment, MeasureResult
from .rules import Measure, RuleSet, messages
from .understand import Fact


@dataclass(frozen=True)
class Change:
    """One measure whose verdict or amount is different under the assumption."""

    id: str
    title: str
    citation: str
    verdict_before: str
    verdict_after: str
    money_before: str
    money_after: str
    window_before: str = ""
    window_after: str = ""


def _money(r: MeasureResult) -> str:
    return r.money.text if r.money else ""


def _window(r: MeasureResult) -> str:
    """三、2's subsidy period: what a what-if on the entry date moves besides the verdict."""
    return r.money.window_short if r.money else ""


def uses(m: Measure, names: set[str]) -> bool:
    """The measure reads one of these facts (a condition, its amount, its window)."""
    b = m.benefit
    read = {c.fact for c in m.conditions} | set(m.inputs) | {b.get("base"), b.get("window_from")}
    return bool(read & names)


def changes(
    before: Assessment, after: Assessment, only_using: set[str] | None = None, rules: RuleSet | None = None
) -> list[Change]:
    """The measures whose verdict or amount differs, in the text's order. ``only_using``: when the assessment day
    moved (an entry that has not happened yet), only the measures that read the changed facts — another measure
    changing with the day alone (an honour no longer 当年度) is not what the user asked about."""
    out = []
    for a in after.results:
        b = before.result(a.id)
        if b is None or (b.verdict, _money(b), _window(b)) == (a.verdict, _money(a), _window(a)):
            continue
        if only_using is not None and rules is not None:
            m = rules.measure(a.id)
            if m is not None and not uses(m, only_using):
                continue
        out.append(
            Change(a.id, a.title, a.citation, b.verdict, a.verdict, _money(b), _money(a), _window(b), _window(a))
        )
    return out


YEAR_FACTS = ("honour_year", "recognition_year")


def assessed_on(today: date, data: dict[str, Any], named: set[str] | None = None) -> date:
    """The day the changed profile is assessed on: today, or a future entry day, or the first day of a future
    year of an honour / a recognition named in the what-if (see the module's docstring)."""
    day = today
    entry = data.get("entry_date")
    if isinstance(entry, str) and data.get("in_talent_port") is not False and (named is None or "entry_date" in named):
        day = max(day, date.fromisoformat(entry.split("/")[-1]))  # an entry known to a month: its last day
    for f in YEAR_FACTS:
        year = data.get(f)
        if isinstance(year, int) and (named is None or f in named) and year > today.year:
            day = max(day, date(year, 1, 1))
    return day


def assume_this_year(data: dict[str, Any], named: set[str], today: date) -> list[str]:
    """An honour / a recognition named in the what-if (``named``) without a year is this year's ("如果拿到市级荣誉呢"
    is about getting one now, whatever year a stored one was from): the year facts set (in ``data``), and the facts
    so assumed."""
    assumed = []
    for level, year in (("honour_level", "honour_year"), ("recognition_level", "recognition_year")):
        if level in named and year not in named:
            data[year] = today.year
            assumed.append(year)
    return assumed


def still_missing(after: Assessment, named: set[str], rules: RuleSet) -> list[str]:
    """For each measure that reads an assumed fact and still needs information under the assumption: what it needs
    ("落户奖励（《办法》三、1）还需了解：设立形式"), so that "no change" is not the end of the answer."""
    from .report import fact_labels

    t = messages()["what_if"]
    out = []
    for r in after.results:
        m = rules.measure(r.id)
        if r.verdict == "need_info" and m is not None and uses(m, named) and r.missing:
            out.append(t["still_missing"].format(title=r.title, citation=r.citation, facts=fact_labels(r.missing)))
    return out


@dataclass(frozen=True)
class Scenario:
    """The profile JSON with the assumed facts in place, the day it is assessed on, and the notes that say how."""

    data: dict[str, Any]
    day: date
    notes: list[str]


def scenario(data: dict[str, Any], facts: list[Fact], today: date) -> Scenario:
    """The stored profile ``data`` with ``facts`` (the what-if's, as understood with ``future_ok``) in place: an
    entry date means in the port, not in the port means no entry date; an honour without a year is this year's;
    a future entry or year moves the day (see the module's docstring)."""
    from .report import fact_text

    named = {f.name for f in facts}
    changed = dict(data, **{f.name: f.json_value() for f in facts})
    if "entry_date" in named:
        changed["in_talent_port"] = True
    if changed.get("in_talent_port") is False:
        changed.pop("entry_date", None)
    t = messages()["what_if"]
    notes = [t["this_year"].format(year=today.year)] if assume_this_year(changed, named, today) else []
    day = assessed_on(today, changed, named)
    entry = next((f for f in facts if f.name == "entry_date"), None)
    if entry and day != today and day >= date.fromisoformat(str(changed["entry_date"]).split("/")[-1]):
        notes.append(t["on_entry_day"].format(entry=fact_text(entry)))
    elif day != today:
        notes.append(t["on_year"].format(year=day.year))
    return Scenario(changed, day, notes)


def render(said: list[str], found: list[Change], notes: list[str], kept: list[str]) -> str:
    """The answer: the assumption and the changes first, then each change, then that nothing was saved."""
    t = messages()["what_if"]
    icons, labels = messages()["verdict_icons"], messages()["verdicts"]
    head = t["head"].format(assumption="，".join(said))
    if not found:
        lines = [head + t["no_change"]]
    else:
        names = "、".join(t["name"].format(title=c.title, citation=c.citation) for c in found)
        lines = [head + t["changed"].format(n=len(found), names=names)]
        for c in found:
            lines.append(
                t["verdict"].format(
                    title=c.title,
                    citation=c.citation,
                    before=icons[c.verdict_before] + labels[c.verdict_before],
                    after=icons[c.verdict_after] + labels[c.verdict_after],
                )
                if c.verdict_before != c.verdict_after
                else t["same_verdict"].format(title=c.title, citation=c.citation)
            )
            if c.money_before != c.money_after:
                lines.append(t["money"].format(before=c.money_before or t["none"], after=c.money_after or t["none"]))
            if c.window_before != c.window_after:
                lines.append(t["window"].format(before=c.window_before or t["none"], after=c.window_after or t["none"]))
    lines.extend(notes)
    lines.append(t["kept"].format(kept="；".join(kept)) if kept else t["kept_nothing"])
    return "\n".join(lines)
