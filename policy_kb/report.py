"""Text for people: an assessment report (phone-readable, one-line summary first), a clause, search hits.

All wording comes from ``data/messages.yaml``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from . import facts as fact_registry
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
    UPDATING,
    Assessment,
    MeasureResult,
    money_text,
    span_label,
)
from .profile import Profile
from .rules import messages, vocabulary, wan
from .text import Clause
from .understand import DateSpan, Fact, Range
from .years import SubsidyYear

GROUP_ORDER = (ELIGIBLE, PENDING, NEED_INFO, NOT_ELIGIBLE, NOT_APPLICABLE, UPDATING)


def _money(v: Any) -> str:
    if isinstance(v, Range):
        return money_text(v)
    if isinstance(v, list):
        return money_text(Range(int(v[0]), int(v[1])))
    return wan(v)


def fact_text(f: Fact) -> str:
    """A fact said back as understood: "年租金84万元（按每月7万元×12个月计算）", "入驻日期2024年3月"."""
    t: dict[str, str] = messages()["say_back"]
    label = fact_registry.label_short(f.name)
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
        about = t["approx"] if f.approx else ""  # 十来个 → 推荐成功人才数约10
        return t["value"].format(label=label, value=about + (f"{v.lo}" if v.exact else f"{v.lo}—{v.hi}"))
    if isinstance(v, bool):
        return t["choice"].format(label=label, value=t["is_true"] if v else t["is_false"])
    if f.name in ("honour_year", "recognition_year"):
        return t["value"].format(label=label, value=f"{v}年")
    if f.name == "rank_500":
        r5 = vocabulary()["rank_500"].get(v, {})
        return t["choice"].format(label=label, value=r5.get("label", v) if isinstance(r5, dict) else v)
    return t["choice"].format(label=label, value=v)


def stated_fact(name: str, value: Any) -> str:
    """A profile value (as ``Profile.get`` holds it) said back as the bot says a fact ("年租金60万元")."""
    if isinstance(value, int) and not isinstance(value, bool) and fact_registry.fact(name).type in ("yuan", "count"):
        value = Range(value, value)
    return fact_text(Fact(name, value))


def stated_profile(profile: Any, today: date) -> list[str]:
    """The profile JSON as the user stated it, one fact a line in the registry's order, said back as the bot says a
    fact ("年租金60万元", "入驻时间2025年3月", "500强情况：世界500强"); the name is left out (shown apart). A profile
    the current registry does not read is shown as stored ("label：value")."""
    if not isinstance(profile, dict):
        return []
    try:
        p = Profile.from_dict({k: v for k, v in profile.items() if k in Profile.field_names()}, today)
    except (ValueError, TypeError):  # ProfileError is a ValueError
        choice = messages()["say_back"]["choice"]
        return [
            choice.format(label=fact_registry.label_short(k), value=v)
            for k, v in profile.items()
            if k != "name" and v not in (None, "")
        ]
    return [stated_fact(n, p.get(n)) for n in fact_registry.names() if n != "name" and p.get(n) is not None]


def fact_labels(facts: list[str]) -> str:
    return "、".join(fact_registry.label(f) for f in facts)


def summary_line(a: Assessment) -> str:
    t, m = messages()["report"], messages()
    counts = a.counts()
    parts = [t["summary_part"].format(label=m["verdicts"][v], n=counts[v]) for v in GROUP_ORDER if counts[v]]
    return str(t["summary"].format(name=a.profile.name or t["name_default"], parts="，".join(parts)))


# The report as data ---------------------------------------------------------------------------------------------
# ``report_data`` is what travels: the bot sends it as a ``custom`` message beside the text, the web page draws its
# badges from it, the staff insights count verdicts from it, and ``render_report`` writes the text from it (the text
# WeChat and REST clients show). Every Chinese string in it comes from messages.yaml; nobody parses it back.

REPORT_TYPE = "assessment_report"
REPORT_SCHEMA = 1
_STATUS_KEY = {MET: "met", FAILED: "failed", UNKNOWN: "unknown", TO_VERIFY: "to_verify"}


def _facts(names: list[str]) -> list[dict[str, str]]:
    return [{"fact": f, "label": fact_registry.label(f)} for f in names]


def _measure_lines(r: MeasureResult, skip: frozenset[str], detail: bool) -> list[dict[str, str]]:
    """The detail lines the report shows under a measure: (kind, text), kind = money / window / year / met / failed
    / unknown / to_verify / remedy / ask / amount_ask. ``skip`` names conditions already shown once above (the
    support-object ones); ``detail=False`` keeps only the amount (every measure fails for the same reason). With
    三、2's years laid out (an exact entry date) a head line saying how they are counted stands for the window text,
    whose end (the day the window has ended) would read as one day more than the last year's last day."""
    t = messages()["report"]
    lines: list[dict[str, str]] = []

    def add(kind: str, template: str, **kw: Any) -> None:
        lines.append({"kind": kind, "text": t[template].format(**kw).strip()})

    if r.money and r.verdict not in (NOT_APPLICABLE, UPDATING):
        add("money", "money", text=r.money.text)
        if r.years:
            add("window", "years_head")
            lines.extend(year_line(y) for y in r.years)
        elif r.money.window_text and r.verdict != NOT_ELIGIBLE:
            add("window", "window", text=r.money.window_text)
    if r.award_year:
        award = t["award_year"][r.award_year.fact].format(year=r.award_year.year, citation=r.citation)
        lines.append({"kind": "year", "text": award.strip()})
    if not detail:
        return lines
    shown = {
        NOT_ELIGIBLE: (FAILED,),
        NEED_INFO: (UNKNOWN,),
        PENDING: (MET, TO_VERIFY),
        ELIGIBLE: (MET,),
        NOT_APPLICABLE: (TO_VERIFY,),
        UPDATING: (TO_VERIFY,),
    }[r.verdict]
    for reason in r.reasons:
        if reason.status not in shown or reason.condition in skip:
            continue
        if r.verdict in (NOT_APPLICABLE, UPDATING):
            add("window", "window", text=reason.text)
            continue
        key = _STATUS_KEY[reason.status]
        add(key, key, text=reason.text, citation=reason.citation)
    for remedy in r.remedies:
        add("remedy", "remedy", text=remedy)
    if r.missing:
        add("ask", "ask", facts=fact_labels(r.missing))
    if r.missing_for_amount:
        add("amount_ask", "amount_ask", facts=fact_labels(r.missing_for_amount))
    return lines


def year_amount(y: SubsidyYear, approx: bool = False) -> str:
    """A subsidy year's amount as people read it ("18万元", "18万—21万元"; "" when the rent is not known);
    ``approx`` (a rent said as 六十来万) puts 约 before it, as the answers do. The profile does not record whether a
    rent was approximate, so the report cannot tell and passes False."""
    if y.per_year is None:
        return ""
    about = messages()["say_back"]["approx"] if approx else ""
    return about + money_text(y.per_year)


def year_line(y: SubsidyYear, approx: bool = False) -> dict[str, str]:
    """One subsidy year: "第2年度 2025-03-01至2026-02-28（当前）：补贴18万元" (without the amount when the rent is
    not known)."""
    t = messages()["report"]
    amount = year_amount(y, approx)
    template = t["year_later"] if y.later else t["year"] if amount else t["year_no_amount"]
    text = template.format(
        n=y.n,
        start=y.start.isoformat(),
        end=y.end.isoformat(),
        status=t["year_status"][y.status],
        amount=amount,
        version=y.later,
    )
    return {"kind": "year", "text": text.strip()}


def _years_data(r: MeasureResult) -> list[dict[str, Any]]:
    labels = messages()["report"]["year_status"]
    return [dict(y.to_dict(), status_label=labels[y.status], amount=year_amount(y)) for y in r.years]


def _support_lines(a: Assessment) -> list[dict[str, str]]:
    t = messages()["report"]
    failed = [r for r in a.support if r.status == FAILED]
    if failed:
        # Not a support object: every measure fails for the same reason; say it once, list the measures short.
        lines = [{"kind": "note", "text": t["support_failed"].format(reasons="；".join(r.text for r in failed))}]
        remedies = [r.remedies for r in a.results if r.remedies]
        if remedies:
            lines.append({"kind": "remedy", "text": t["remedy"].format(text=remedies[0][0]).strip()})
        return lines
    return [
        {
            "kind": _STATUS_KEY[r.status],
            "text": t["support_" + _STATUS_KEY[r.status]].format(text=r.text, citation=r.citation),
        }
        for r in a.support
    ]


def report_data(a: Assessment, undecided: list[str] | None = None, version: str = "") -> dict[str, Any]:
    """The assessment as the JSON the channels render: per measure the verdict, its badge, the amount, the reasons
    with citations and the lines the report shows; the support-object check, the pending and missing facts, the
    next steps, the profile as stated and the date it was computed for. ``undecided``: facts the user answered
    "不清楚". ``version``: the label of the text version the rules were checked against (PolicyKB.version)."""
    m, t = messages(), messages()["report"]
    failed_support = any(r.status == FAILED for r in a.support)
    support_ids = frozenset(r.condition for r in a.support)
    measures = []
    for r in a.results:
        d = r.to_dict()
        d.update(
            icon=m["verdict_icons"][r.verdict],
            badge=m["verdict_badges"][r.verdict],
            head=t["measure_head"].format(icon=m["verdict_icons"][r.verdict], title=r.title, citation=r.citation),
            missing=_facts(r.missing),
            missing_for_amount=_facts(r.missing_for_amount),
            years=_years_data(r),
            lines=_measure_lines(r, support_ids, detail=not (failed_support and r.verdict == NOT_ELIGIBLE)),
        )
        measures.append(d)
    groups = [
        {
            "verdict": v,
            "label": m["verdicts"][v],
            "head": t["group"][v],
            "measures": [r.id for r in a.results if r.verdict == v],
        }
        for v in GROUP_ORDER
        if any(r.verdict == v for r in a.results)
    ]
    undecided = list(undecided or [])
    return {
        "type": REPORT_TYPE,
        "schema": REPORT_SCHEMA,
        "computed_for": a.today.isoformat(),
        "institution": a.profile.name,
        "profile": a.profile.to_dict(),
        "summary": summary_line(a),
        "counts": a.counts(),
        "support": {
            "status": a.support_status,
            "reasons": [r.to_dict() for r in a.support],
            "lines": _support_lines(a),
        },
        "groups": groups,
        "measures": measures,
        "missing_facts": _facts(a.missing_facts()),
        "undecided": _facts(undecided),
        "undecided_text": m["dialogue"]["undecided"].format(facts=fact_labels(undecided)) if undecided else "",
        "next_steps": {"head": t["next_steps"], "items": list(m["next_steps"])},
        "text_version": version,
        "version_text": m["versions"]["used"].format(version=version) if version else "",
    }


def render_report(data: dict[str, Any]) -> str:
    """The report's text, written from ``report_data`` (phone-readable: the one-line summary first)."""
    lines = [data["summary"]]
    lines.extend(line["text"] for line in data["support"]["lines"])
    by_id = {d["id"]: d for d in data["measures"]}
    for group in data["groups"]:
        lines.append(group["head"])
        for mid in group["measures"]:
            measure = by_id[mid]
            lines.append(measure["head"])
            lines.extend("  " + line["text"] for line in measure["lines"])
    lines.append(data["next_steps"]["head"])
    lines.extend(f"· {s}" for s in data["next_steps"]["items"])
    if data.get("version_text"):
        lines.append(data["version_text"])
    text = "\n".join(lines)
    if data.get("undecided_text"):
        text += "\n\n" + data["undecided_text"]
    return text


def render_assessment(a: Assessment, version: str = "") -> str:
    return render_report(report_data(a, version=version))


def render_clause(c: Clause, title: str) -> str:
    t: dict[str, str] = messages()["clause"]
    head = t["head"].format(citation=c.citation, title=title).strip()
    return head + ("\n" + c.text_norm if c.text_norm else "")
