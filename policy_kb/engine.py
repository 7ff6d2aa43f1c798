"""Eligibility engine: profile + today → a verdict per measure, with reasons, missing facts and money.

Verdicts: eligible · pending (the authority must judge 经认定/经评估/符合一定条件) · not_eligible · need_info ·
not_applicable · updating (a stale rule: the new clause is quoted, nothing computed).
``today`` is always passed in; nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from . import facts
from .profile import Profile, category_clause
from .rules import Condition, Measure, RuleSet, load_rules, messages, percent_of, vocabulary, wan, wan_range
from .understand import DateSpan, Range
from .years import AwardYear, SubsidyYear, add_years, subsidy_years

ELIGIBLE, PENDING, NOT_ELIGIBLE, NEED_INFO, NOT_APPLICABLE, UPDATING = (
    "eligible",
    "pending",
    "not_eligible",
    "need_info",
    "not_applicable",
    "updating",  # the text in force changed the clause and the rule is not yet updated: no verdict, no amount
)
VERDICTS = (ELIGIBLE, PENDING, NOT_ELIGIBLE, NEED_INFO, NOT_APPLICABLE, UPDATING)

MET, FAILED, UNKNOWN, TO_VERIFY = "met", "failed", "unknown", "to_verify"


@dataclass
class Reason:
    status: str  # met / failed / unknown / to_verify
    text: str
    citation: str
    condition: str

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "text": self.text, "citation": self.citation, "condition": self.condition}


@dataclass
class Money:
    kind: str
    text: str
    min: int | None = None  # yuan
    max: int | None = None
    per_year: int | None = None  # the lower end when the base is a range
    total: int | None = None
    per_year_max: int | None = None  # set when the base is a range (80到100万): the upper end
    total_max: int | None = None
    years: int | None = None
    percent: float | None = None
    base: int | None = None
    once: bool = False
    window_start: date | None = None
    window_end: date | None = None  # for an entry known only to a month/year: from the earliest entry date
    window_end_latest: date | None = None  # … and from the latest
    window_text: str = ""
    window_short: str = ""  # the period alone, without the caveat (what-if compares it)

    def per_year_range(self) -> Range | None:
        """The yearly amount as a range (a single value when the base was exact); None when not computed."""
        if self.per_year is None:
            return None
        return Range(self.per_year, self.per_year if self.per_year_max is None else self.per_year_max)

    def total_range(self) -> Range | None:
        if self.total is None:
            return None
        return Range(self.total, self.total if self.total_max is None else self.total_max)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for k in ("window_start", "window_end", "window_end_latest"):
            if d[k] is not None:
                d[k] = d[k].isoformat()
        return d


@dataclass
class MeasureResult:
    id: str
    key: str
    title: str
    citation: str
    verdict: str
    reasons: list[Reason] = field(default_factory=list)
    to_verify: list[str] = field(default_factory=list)  # conditions the authority must judge
    missing: list[str] = field(default_factory=list)  # profile facts that would decide the verdict
    missing_for_amount: list[str] = field(default_factory=list)  # facts that only change the amount
    remedies: list[str] = field(default_factory=list)  # what would make a not-eligible measure eligible
    money: Money | None = None
    years: list[SubsidyYear] = field(default_factory=list)  # 三、2's subsidy years (exact entry date)
    award_year: AwardYear | None = None  # 三、5/三、6: the year whose honour / recognition counts ("当年度")

    @property
    def verdict_label(self) -> str:
        return str(messages()["verdicts"][self.verdict])

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "title": self.title,
            "citation": self.citation,
            "verdict": self.verdict,
            "verdict_label": self.verdict_label,
            "reasons": [r.to_dict() for r in self.reasons],
            "to_verify": self.to_verify,
            "missing": self.missing,
            "missing_for_amount": self.missing_for_amount,
            "remedies": self.remedies,
            "money": self.money.to_dict() if self.money else None,
            "years": [y.to_dict() for y in self.years],
            "award_year": self.award_year.to_dict() if self.award_year else None,
        }


@dataclass
class Assessment:
    today: date
    profile: Profile
    support: list[Reason]
    support_status: str  # met / failed / unknown / to_verify
    results: list[MeasureResult]

    def missing_facts(self) -> list[str]:
        """Facts still worth asking, in the order a dialogue should ask them."""
        wanted = {f for r in self.results for f in r.missing + r.missing_for_amount}
        return [f for f in facts.asked() if f in wanted]

    def counts(self) -> dict[str, int]:
        return {v: sum(1 for r in self.results if r.verdict == v) for v in VERDICTS}

    def result(self, measure_id: str) -> MeasureResult | None:
        return next((r for r in self.results if r.id == measure_id or r.key == measure_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "profile": self.profile.to_dict(),
            "support_object": {"status": self.support_status, "reasons": [r.to_dict() for r in self.support]},
            "results": [r.to_dict() for r in self.results],
            "missing_facts": self.missing_facts(),
            "counts": self.counts(),
        }


def span_label(span: DateSpan) -> str:
    """How people read an interval: "2024-03-05", "2024年3月", "2024年", or "2024-01-01至2024-03-31"."""
    t: dict[str, str] = messages()["dates"]
    s, e = span.start, span.end
    if span.exact:
        return s.isoformat()
    if s.day == 1 and s.year == e.year and s.month == e.month and (e + timedelta(days=1)).month != e.month:
        return t["month"].format(year=s.year, month=s.month)
    if (s.month, s.day) == (1, 1) and s.year == e.year and (e.month, e.day) == (12, 31):
        return t["year"].format(year=s.year)
    return t["between"].format(start=s.isoformat(), end=e.isoformat())


def _shift(span: DateSpan, years: int) -> DateSpan:
    return DateSpan(add_years(span.start, years), add_years(span.end, years))


def _shown(v: Any) -> Any:
    if isinstance(v, DateSpan):
        return span_label(v)
    if isinstance(v, Range):
        return f"{v.lo}—{v.hi}"
    return "" if v is None else v


def _params(profile: Profile, today: date, cond: Condition | None = None) -> dict[str, Any]:
    p: dict[str, Any] = {k: _shown(getattr(profile, k)) for k in Profile.field_names()}
    p["this_year"] = today.year
    p["category_clause"] = category_clause(profile.category) or "二"
    r5 = vocabulary()["rank_500"].get(profile.rank_500 or "", {})
    p["rank_500_label"] = r5.get("label", "") if isinstance(r5, dict) else ""
    p["event_cost_wan"] = money_text(profile.event_cost) if profile.event_cost is not None else ""
    if cond is not None and cond.test == "within_years" and profile.entry_date is not None:
        p["window_end"] = span_label(_shift(profile.entry_date, cond.params["years"]))
    return p


def money_text(v: int | Range) -> str:
    if isinstance(v, Range):
        return f"{wan(v.lo, unit=False)}万—{wan(v.hi)}" if not v.exact else wan(v.lo)
    return wan(v)


def _ends(v: Any) -> tuple[Any, Any]:
    if isinstance(v, DateSpan):
        return v.start, v.end
    if isinstance(v, Range):
        return v.lo, v.hi
    return v, v


def _level_rank(level: str) -> int:
    spec = vocabulary()["honour_levels"].get(level)
    return spec["rank"] if isinstance(spec, dict) else 0


def _test(cond: Condition, value: Any, today: date) -> str:
    t = cond.test
    if t == "is_true":
        return MET if value is True else FAILED
    if t == "in":
        return MET if value in cond.params["values"] else FAILED
    if t == "gt":
        return MET if value > cond.params["value"] else FAILED
    if t == "level_at_least":
        return MET if _level_rank(value) >= _level_rank(cond.params["min_level"]) else FAILED
    if t == "current_year":
        return MET if value == today.year else FAILED
    if t == "within_years":
        return MET if today < add_years(value, cond.params["years"]) else FAILED
    if t == "listed_category":
        if value in vocabulary()["categories"]:
            return MET
        if value == vocabulary()["other_hr_service"]["canonical"]:
            return TO_VERIFY
        return FAILED
    raise ValueError(f"unknown test {t!r} in condition {cond.id}")


def evaluate(cond: Condition, profile: Profile, today: date, citation: str) -> Reason:
    if cond.kind == "authority":
        return Reason(TO_VERIFY, cond.texts["pending"], citation, cond.id)
    if cond.fact is None:  # rules.parse_rules gives every profile condition a fact
        raise ValueError(f"condition {cond.id}: a profile condition without a fact")
    value = profile.get(cond.fact)
    params = _params(profile, today, cond)
    if value is None:
        return Reason(UNKNOWN, cond.texts["unknown"].format(**params), citation, cond.id)
    lo, hi = _ends(value)
    status = _test(cond, lo, today)
    if lo != hi and _test(cond, hi, today) != status:
        # A fact known as an interval (entry in 2023, 80到100万) on which the verdict turns: ask to narrow it.
        return Reason(UNKNOWN, cond.texts["narrow"].format(**params), citation, cond.id)
    if status == FAILED and value == "无" and "none" in cond.texts:
        text = cond.texts["none"]
    else:
        key = {MET: "met", FAILED: "failed", TO_VERIFY: "pending"}[status]
        text = cond.texts[key]
    return Reason(status, text.format(**params), citation, cond.id)


def benefit(m: Measure, profile: Profile, generic: bool = False) -> Money:
    """The benefit; ``generic`` (a measure the institution does not qualify for) states the rule, not a sum."""
    b, t = m.benefit, messages()["money"]
    kind = b["kind"]
    if kind == "updating":  # a stale rule (policy_kb.versions): no figure survives to compute with
        return Money(kind, t[kind].format(citation=m.citation, version=b["version"]))
    if kind == "tier_range":
        key = "tier_range_once" if b.get("once") else "tier_range"
        rng = wan_range(b["min"], b["max"]).split("—")
        return Money(kind, t[key].format(min=rng[0], max=rng[1]), min=b["min"], max=b["max"], once=bool(b.get("once")))
    if kind == "percent_of_base":
        base = None if generic else profile.get(b["base"])
        money = Money(kind, "", percent=b["percent"], years=b["years"])
        if profile.entry_date is not None:
            _rent_window(money, profile.entry_date, b["years"])
        if base is None:
            money.text = t["rent_generic" if generic else "rent_unknown"].format(percent=b["percent"])
        elif isinstance(base, Range):
            money.base = base.lo
            money.per_year, money.per_year_max = percent_of(base.lo, b["percent"]), percent_of(base.hi, b["percent"])
            money.total, money.total_max = money.per_year * b["years"], money.per_year_max * b["years"]
            money.text = t["rent_known_range"].format(
                per_year=money_text(Range(money.per_year, money.per_year_max)),
                base=money_text(base),
                percent=b["percent"],
                total=money_text(Range(money.total, money.total_max)),
            )
        else:
            money.base = base
            money.per_year = percent_of(base, b["percent"])
            money.total = money.per_year * b["years"]
            money.text = t["rent_known"].format(
                per_year=wan(money.per_year), base=wan(base), percent=b["percent"], total=wan(money.total)
            )
        return money
    if kind == "percent_cap":
        base = None if generic else profile.get(b["base"])
        money = Money(kind, "", percent=b["max_percent"], once=True)
        if isinstance(base, Range) and base.hi > 0:
            money.base, money.min, money.max = base.lo, 0, percent_of(base.hi, b["max_percent"])
            cap = Range(percent_of(base.lo, b["max_percent"]), money.max)
            money.text = t["event_known"].format(max=money_text(cap), base=money_text(base), percent=b["max_percent"])
        elif base:
            money.base, money.min, money.max = base, 0, percent_of(base, b["max_percent"])
            money.text = t["event_known"].format(max=wan(money.max), base=wan(base), percent=b["max_percent"])
        else:
            key = "event_generic" if generic or base == 0 else "event_unknown"
            money.text = t[key].format(percent=b["max_percent"])
        return money
    return Money(kind, t[kind])


def _rent_window(money: Money, entry: DateSpan, years: int) -> None:
    t = messages()["money"]
    money.window_start = entry.start
    money.window_end = add_years(entry.start, years)
    if entry.exact:
        money.window_text = t["rent_window"].format(start=entry.start.isoformat(), end=money.window_end.isoformat())
        last_day = money.window_end - timedelta(days=1)  # as the laid-out years end (policy_kb/years.py)
        money.window_short = t["rent_window_short"].format(start=entry.start.isoformat(), end=last_day.isoformat())
        return
    money.window_end_latest = add_years(entry.end, years)
    window = {"entry": span_label(entry), "end": span_label(_shift(entry, years))}
    money.window_text = t["rent_window_span"].format(**window)
    money.window_short = t["rent_window_span_short"].format(**window)


def _combine(reasons: list[Reason]) -> str:
    statuses = {r.status for r in reasons}
    if FAILED in statuses:
        return NOT_ELIGIBLE
    if UNKNOWN in statuses:
        return NEED_INFO
    if TO_VERIFY in statuses:
        return PENDING
    return ELIGIBLE


def assess(
    profile: Profile, today: date, only: Iterable[str] | None = None, rules: RuleSet | None = None
) -> Assessment:
    """Assess every measure (or only the given ids/keys) for ``profile`` as of ``today``."""
    rules = rules or load_rules()
    support_cit = f"《办法》{rules.support_ref}"
    support = [evaluate(c, profile, today, support_cit) for c in rules.support_conditions]
    support_status = {NOT_ELIGIBLE: FAILED, NEED_INFO: UNKNOWN, PENDING: TO_VERIFY, ELIGIBLE: MET}[_combine(support)]
    wanted = set(only) if only is not None else None
    results: list[MeasureResult] = []
    for m in rules.measures:
        if wanted is not None and m.id not in wanted and m.key not in wanted:
            continue
        res = MeasureResult(m.id, m.key, m.title, m.citation, NOT_APPLICABLE, money=benefit(m, profile))
        if m.stale:
            res.verdict = UPDATING
            text = messages()["versions"]["updating_reason"].format(
                citation=m.citation, version=m.benefit["version"], text=m.benefit["clause_text"]
            )
            res.reasons = [Reason(TO_VERIFY, text, m.citation, "updating")]
            res.to_verify = [text]
            results.append(res)
            continue
        if not m.applies_to_profile:
            res.reasons = [Reason(TO_VERIFY, m.not_applicable, m.citation, "not_applicable")]
            results.append(res)
            continue
        own = [evaluate(c, profile, today, m.citation) for c in m.conditions]
        reasons = support + own
        res.verdict = _combine(reasons)
        res.reasons = reasons
        res.to_verify = [r.text for r in reasons if r.status == TO_VERIFY]
        conds = {c.id: c for c in rules.support_conditions + m.conditions}
        if res.verdict == NOT_ELIGIBLE:
            res.money = benefit(m, profile, generic=True)
            res.remedies = [
                conds[r.condition].texts["remedy"]
                for r in reasons
                if r.status == FAILED and "remedy" in conds[r.condition].texts
            ]
        if res.verdict == NEED_INFO:
            status_of_fact = {conds[r.condition].fact: r.status for r in reasons if conds[r.condition].fact}
            res.missing = _dedupe(
                conds[r.condition].fact
                for r in reasons
                if r.status == UNKNOWN and status_of_fact.get(conds[r.condition].params.get("ask_after"), MET) == MET
            )
        if res.verdict in (ELIGIBLE, PENDING):
            res.missing_for_amount = [f for f in m.inputs if profile.get(f) is None]
        _lay_out_years(m, res, profile, today)
        results.append(res)
    return Assessment(today, profile, support, support_status, results)


def _lay_out_years(m: Measure, res: MeasureResult, profile: Profile, today: date) -> None:
    """三、2's subsidy years counted from the entry date and 三、5/三、6's award year (policy_kb.years), for a measure
    not judged not eligible: a window whose years are all past has ended, and the engine judged it so."""
    if res.verdict in (NOT_ELIGIBLE, NOT_APPLICABLE):
        return
    window_from = m.benefit.get("window_from")
    money, start = res.money, profile.get(window_from) if window_from else None
    if money is not None and money.years and isinstance(start, DateSpan):
        res.years = subsidy_years(start, today, money.years, _per_year(money))
    for c in m.conditions:
        year = profile.get(c.fact) if c.test == "current_year" and c.fact else None
        if c.fact and isinstance(year, int):
            res.award_year = AwardYear(c.fact, year)


def _per_year(money: Money) -> int | Range | None:
    r = money.per_year_range()
    return r.lo if r is not None and r.lo == r.hi else r


def _dedupe(items: Iterable[str | None]) -> list[str]:
    out: list[str] = []
    for i in items:
        if i and i not in out:
            out.append(i)
    return out
