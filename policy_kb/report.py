"""Text for people: an assessment report (phone-readable, one-line summary first), a clause, search hits.

All wording comes from ``data/messages.yaml``.
"""

from __future__ import annotations

from typing import Any

from .engine import (
    ELIGIBLE,
    FAILED,
    MET,
    NEED_INFO,
    NOT_APPLICABLE,
    NOT_ELIGIBLE,
    PENDING,
    TO_VERIFY,
    UNKNOWN,
    Assessment,
    MeasureResult,
    money_text,
    span_label,
)
from .rules import messages, vocabulary, wan
from .text import Clause
from .understand import DateSpan, Fact, Range

GROUP_ORDER = (ELIGIBLE, PENDING, NEED_INFO, NOT_ELIGIBLE, NOT_APPLICABLE)


def _money(v: Any) -> str:
    if isinstance(v, Range):
        return money_text(v)
    if isinstance(v, list):
        return money_text(Range(int(v[0]), int(v[1])))
    return wan(v)


def fact_text(f: Fact) -> str:
    """A fact said back as understood: "年租金84万元（按每月7万元×12个月计算）", "入驻日期2024年3月"."""
    t = messages()["say_back"]
    label = messages()["fact_labels_short"].get(f.name, f.name)
    v = f.value
    if f.name in ("annual_rent", "event_cost") and isinstance(v, Range):
        text = t["value"].format(label=label, value=(t["approx"] if f.approx else "") + _money(v))
        b = f.basis
        if b.get("unit_price") is not None:
            text += t["unit_price_" + b["per"]].format(price=b["unit_price"], area=b["area"])
        elif "period_" + str(b.get("period")) in t:
            text += t["period_" + b["period"]].format(amount=_money(b["amount"]))
        return text
    if isinstance(v, DateSpan):
        return t["value"].format(label=label, value=span_label(v))
    if isinstance(v, Range):
        return t["value"].format(label=label, value=f"{v.lo}" if v.exact else f"{v.lo}—{v.hi}")
    if isinstance(v, bool):
        return t["choice"].format(label=label, value=t["is_true"] if v else t["is_false"])
    if f.name in ("honour_year", "recognition_year"):
        return t["value"].format(label=label, value=f"{v}年")
    if f.name == "rank_500":
        r5 = vocabulary()["rank_500"].get(v, {})
        return t["choice"].format(label=label, value=r5.get("label", v) if isinstance(r5, dict) else v)
    return t["choice"].format(label=label, value=v)


def fact_labels(facts: list[str]) -> str:
    labels = messages()["fact_labels"]
    return "、".join(labels.get(f, f) for f in facts)


def summary_line(a: Assessment) -> str:
    t, m = messages()["report"], messages()
    counts = a.counts()
    parts = [t["summary_part"].format(label=m["verdicts"][v], n=counts[v]) for v in GROUP_ORDER if counts[v]]
    return t["summary"].format(name=a.profile.name or t["name_default"], parts="，".join(parts))


def render_measure(r: MeasureResult, skip: frozenset = frozenset(), detail: bool = True) -> list[str]:
    """One measure's lines; ``skip`` names conditions already shown once above (the support-object ones)."""
    t = messages()["report"]
    icon = messages()["verdict_icons"][r.verdict]
    lines = [t["measure_head"].format(icon=icon, title=r.title, citation=r.citation)]
    if r.money and r.verdict != NOT_APPLICABLE:
        lines.append(t["money"].format(text=r.money.text))
        if r.money.window_text and r.verdict != NOT_ELIGIBLE:
            lines.append(t["window"].format(text=r.money.window_text))
    if not detail:
        return lines
    shown = {
        NOT_ELIGIBLE: (FAILED,),
        NEED_INFO: (UNKNOWN,),
        PENDING: (MET, TO_VERIFY),
        ELIGIBLE: (MET,),
        NOT_APPLICABLE: (TO_VERIFY,),
    }[r.verdict]
    for reason in r.reasons:
        if reason.status not in shown or reason.condition in skip:
            continue
        if r.verdict == NOT_APPLICABLE:
            lines.append(t["window"].format(text=reason.text))
            continue
        key = {MET: "met", FAILED: "failed", UNKNOWN: "unknown", TO_VERIFY: "to_verify"}[reason.status]
        lines.append(t[key].format(text=reason.text, citation=reason.citation))
    for remedy in r.remedies:
        lines.append(t["remedy"].format(text=remedy))
    if r.missing:
        lines.append(t["ask"].format(facts=fact_labels(r.missing)))
    if r.missing_for_amount:
        lines.append(t["amount_ask"].format(facts=fact_labels(r.missing_for_amount)))
    return lines


def render_assessment(a: Assessment) -> str:
    t = messages()["report"]
    lines = [summary_line(a)]
    support_ids = frozenset(r.condition for r in a.support)
    failed_support = [r for r in a.support if r.status == FAILED]
    if failed_support:
        # Not a support object: every measure fails for the same reason; say it once, list the measures short.
        lines.append(t["support_failed"].format(reasons="；".join(r.text for r in failed_support)))
        remedies = [r.remedies for r in a.results if r.remedies]
        if remedies:
            lines.append(t["remedy"].format(text=remedies[0][0]).strip())
    else:
        for reason in a.support:
            key = {MET: "met", UNKNOWN: "unknown", TO_VERIFY: "to_verify"}[reason.status]
            lines.append(t["support_" + key].format(text=reason.text, citation=reason.citation))
    for verdict in GROUP_ORDER:
        group = [r for r in a.results if r.verdict == verdict]
        if not group:
            continue
        lines.append(t["group"][verdict])
        for r in group:
            if failed_support and verdict == NOT_ELIGIBLE:
                lines.extend(render_measure(r, detail=False))
            else:
                lines.extend(render_measure(r, skip=support_ids))
    lines.append(t["next_steps"])
    lines.extend(f"· {s}" for s in messages()["next_steps"])
    return "\n".join(lines)


def render_clause(c: Clause, title: str) -> str:
    t = messages()["clause"]
    head = t["head"].format(citation=c.citation, title=title).strip()
    return head + ("\n" + c.text_norm if c.text_norm else "")
