"""False premises: a percentage, amount, duration, level or condition stated in a question, checked against the text.

"租金补贴是50%吧" → "不是50%：《办法》三、2 规定“给予前三年度每年30%的租金补贴”。" A premise the text confirms gets
a "是的：…" line; a figure inside a range is never confirmed ("肯定能拿满30万吧" → the range, and that the tier is
the authority's). Figures are read by policy_kb.extract; the institution's own figures (its rent, its event cost:
"房租100万") are not premises. Lines and words live in data/aspects.yaml (``premises``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .aspects import context, detect_topics, find_words, lexicon, render
from .extract import Quantity, extract, parse_number
from .rules import Measure, vocabulary, wan, wan_range
from .text import to_simplified

if TYPE_CHECKING:
    from .kb import PolicyKB

WRONG, RIGHT, UNCONFIRMED = "wrong", "right", "unconfirmed"

# extract() reads 五年, 三年度 and 前3年 but not 5年, 前五年度 or 五个年度; until it does, those are read here.
_YEARS = re.compile(r"(?<![\d.])前?(\d{1,2}|[一二三四五六七八九十两]{1,3})\s*个?(?:年度|年)(?![\d月底初份])")


@dataclass(frozen=True)
class Correction:
    kind: str  # percent | amount | duration | level | condition | frequency | computation
    verdict: str  # wrong | right | unconfirmed
    stated: str  # what the question said: "50%", "100万元", "五年", "区级"
    line: str  # the correction or confirmation, with its citation
    citation: str
    details: tuple[str, ...] = ()
    start: int = -1  # where the premise is in the question

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "verdict": self.verdict,
            "stated": self.stated,
            "line": self.line,
            "citation": self.citation,
            "details": list(self.details),
        }


def check_premises(kb: PolicyKB, text: str, ref: str | None = None) -> list[Correction]:
    """Corrections (and confirmations) for what ``text`` states about clause ``ref`` (default: its first topic)."""
    s = to_simplified(text or "")
    if ref is None:
        topics = detect_topics(s, kb.document)
        ref = next((t for t in topics if kb.rules.measure(t)), topics[0] if topics else None)
    if ref is None:
        return []
    m = kb.rules.measure(ref)
    if (m is not None and m.stale) or kb.rules.support_ref in kb.stale:  # no rule to check a claim against
        return []
    ctx = context(kb, ref, "summary")
    found = _claims(kb, ref, s, ctx)
    if m is not None:
        found += _figures(m, s, ctx) + _levels(m, s, ctx)
    unique = {c.line: c for c in sorted(found, key=lambda c: c.start)}
    return list(unique.values())


def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = lexicon()["premises"]
    return spec


def _make(
    kind: str, verdict: str, stated: str, key: str, ctx: dict[str, Any], start: int, defer: bool = False
) -> Correction:
    line = render(_spec()["lines"][key], {**ctx, "stated": stated})
    details = tuple(render(d, ctx) for d in _spec()["defer_details"]) if defer else ()
    return Correction(kind, verdict, stated, line, ctx["citation"], details, start)


# figures ------------------------------------------------------------------------------------------------------
def _figures(m: Measure, s: str, ctx: dict[str, Any]) -> list[Correction]:
    out: list[Correction] = []
    quantities = extract(s)
    for q in quantities:
        if q.label == "PERCENT" and q.value.get("percent") is not None:
            out.append(_percent(m, q, ctx))
        elif q.label in ("MONEY", "MONEY_RANGE") and not _is_base(s, q.start):
            c = _money(m, q, s, ctx)
            if c:
                out.append(c)
        elif q.label == "DURATION" and q.value.get("years") and not _is_base_after(s, q.end):
            c = _duration(m, q.value["years"], q.text, q.start, ctx)
            if c:
                out.append(c)
    taken = [(q.start, q.end) for q in quantities]
    for q in _money_fallback(s, taken):  # amounts spaCy's segmentation misses ("补30万对吧": 万对 is one token)
        if not _is_base(s, q.start):
            c = _money(m, q, s, ctx)
            if c:
                out.append(c)
        taken.append((q.start, q.end))
    for mt in _YEARS.finditer(s):
        years = parse_number(mt.group(1))
        if years and not any(mt.start() < e and b < mt.end() for b, e in taken) and not _is_base_after(s, mt.end()):
            c = _duration(m, int(years), mt.group(0), mt.start(), ctx)
            if c:
                out.append(c)
    return out


_MONEY = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)\s*(万|亿)元?")


def _money_fallback(s: str, taken: list[tuple[int, int]]) -> list[Quantity]:
    out = []
    for mt in _MONEY.finditer(s):
        if any(mt.start() < e and b < mt.end() for b, e in taken):
            continue
        n = parse_number(mt.group(1))
        if n is None:
            continue
        yuan = int(n * (10_000 if mt.group(2) == "万" else 100_000_000))
        out.append(Quantity("MONEY", mt.group(), mt.start(), mt.end(), {"yuan": yuan, "period": None}))
    return out


def _is_base(s: str, start: int) -> bool:
    """Is the figure at ``start`` the institution's own (房租100万), not a claim about the benefit?"""
    spec = _spec()
    window = s[max(0, start - spec["window"]) : start]
    for word in spec["base_words"]:
        i = window.rfind(word)
        if i >= 0 and not window[i + len(word) :].startswith(tuple(spec["base_exempt_next"])):
            return True
    return False


def _is_base_after(s: str, end: int) -> bool:
    """ "一年房租100万": a duration that measures the institution's own figure."""
    return s[end : end + 4].startswith(tuple(_spec()["base_words"]))


def _percent(m: Measure, q: Quantity, ctx: dict[str, Any]) -> Correction:
    b, p = m.benefit, q.value["percent"]
    stated = f"{p:g}%"
    if b["kind"] == "percent_of_base":
        ok = p == float(b["percent"])
        return _make(
            "percent", RIGHT if ok else WRONG, stated, "percent_right" if ok else "percent_wrong", ctx, q.start
        )
    if b["kind"] == "percent_cap":
        if p > float(b["max_percent"]):
            return _make("percent", WRONG, stated, "percent_wrong", ctx, q.start)
        return _make("percent", UNCONFIRMED, stated, "percent_within_cap", ctx, q.start, defer=True)
    return _make("percent", WRONG, stated, "percent_not_rate", ctx, q.start)


def _money(m: Measure, q: Quantity, s: str, ctx: dict[str, Any]) -> Correction | None:
    b, spec = m.benefit, _spec()
    if q.label == "MONEY_RANGE":
        lo, hi = q.value.get("min"), q.value.get("max")
        if lo is None or hi is None:
            return None
        stated = wan_range(lo, hi)
    else:
        lo = hi = q.value.get("yuan")
        if lo is None:
            return None
        stated = wan(lo)
    kind = b["kind"]
    if kind in ("percent_of_base", "percent_cap"):
        return _make("amount", WRONG, stated, "money_rate", ctx, q.start)
    if kind == "unspecified":
        return _make("amount", UNCONFIRMED, stated, "money_unspecified", ctx, q.start, defer=True)
    if kind != "tier_range":
        return _make("amount", WRONG, stated, "money_none", ctx, q.start)
    if q.label == "MONEY_RANGE" and (lo, hi) == (b["min"], b["max"]):
        return _make("amount", RIGHT, stated, "range_right", ctx, q.start, defer=True)
    if lo < b["min"] or hi > b["max"]:
        return _make("amount", WRONG, stated, "money_outside", ctx, q.start, defer=True)
    if hi == b["max"] and any(w in s for w in spec["top_words"]):
        key = "money_top"
    else:
        key = "money_fixed" if any(w in s for w in spec["fixed_words"] + spec["top_words"]) else "money_inside"
    return _make("amount", UNCONFIRMED, stated, key, ctx, q.start, defer=True)


def _duration(m: Measure, years: int, stated: str, start: int, ctx: dict[str, Any]) -> Correction | None:
    b = m.benefit
    if b["kind"] == "percent_of_base":
        ok = years == b["years"]
        return _make(
            "duration", RIGHT if ok else WRONG, stated, "duration_right" if ok else "duration_wrong", ctx, start
        )
    if b.get("once") or b["kind"] == "percent_cap":
        return _make("duration", WRONG, stated, "duration_wrong", ctx, start) if years >= 2 else None
    if b["kind"] == "non_monetary":
        return None
    return _make("duration", UNCONFIRMED, stated, "duration_silent", ctx, start, defer=True)


# levels and stated conditions -----------------------------------------------------------------------------------
def _levels(m: Measure, s: str, ctx: dict[str, Any]) -> list[Correction]:
    """区级/市级/国家级 against a 市级以上 condition (三、5, 三、6)."""
    cond = next((c for c in m.conditions if c.test == _spec()["level_measures_test"]), None)
    if cond is None:
        return []
    levels = {k: v for k, v in vocabulary()["honour_levels"].items() if isinstance(v, dict)}
    need = levels[cond.params["min_level"]]["rank"]
    lctx = {**ctx, "quote": cond.quote}
    out, seen = [], set()
    for start, _, level in find_words(s, {k: v["aliases"] for k, v in levels.items()}):
        if level in seen:
            continue
        seen.add(level)
        ok = levels[level]["rank"] >= need
        out.append(_make("level", RIGHT if ok else WRONG, level, "level_right" if ok else "level_wrong", lctx, start))
    return out


def _claims(kb: PolicyKB, ref: str, s: str, ctx: dict[str, Any]) -> list[Correction]:
    """Stated conditions from the `claims` table ("外资不能申请吧", "只有总部才行吧")."""
    out: list[Correction] = []
    for claim in _spec()["claims"]:
        if claim["refs"] != "any" and ref not in claim["refs"]:
            continue
        hits = [s.find(w) for w in claim["words"] if w in s]
        if not hits or (claim.get("with") and not any(w in s for w in claim["with"])):
            continue
        cite = claim.get("cite", ref)
        line = render(claim["line"], ctx)
        details = tuple(render(d, ctx) for d in claim.get("details", []))
        citation = ctx["citation"] if cite == ref else f"《办法》{cite}"
        stated = next(w for w in claim["words"] if w in s)
        out.append(Correction(claim["kind"], claim["verdict"], stated, line, citation, details, min(hits)))
    return out
