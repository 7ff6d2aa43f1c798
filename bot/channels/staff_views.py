"""The knowledge base and the sign-in page as the staff console (``staff.py``) shows them: plain data for its JSON
API (the clause tree, each measure's rules with where each quoted phrase sits in the clause text, search results)
and the sign-in page's HTML; the tickets (留言工单, records/tickets.py) as JSON and CSV. No Sanic here; the Chinese
texts are in ``staff_messages.yml`` and ``staff_static/login.html``.
"""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path
from string import Template
from typing import Any

import yaml

MESSAGES: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "staff_messages.yml").read_text(encoding="utf-8"))
MAX_QUERY = 100


_SAME = {("(", "（"), (")", "）")}


def norm_index(raw: str) -> tuple[str, list[int]] | None:
    """The normalised text (policy_kb.text.normalise) and, for each of its characters, the index of the character
    in the printed text it comes from; None if they cannot be aligned."""
    from policy_kb.text import normalise

    norm = normalise(raw)
    idx, i = [], 0
    for ch in norm:
        while i < len(raw) and not (raw[i] == ch or (raw[i], ch) in _SAME):
            if not raw[i].isspace():
                return None
            i += 1
        if i >= len(raw):
            return None
        idx.append(i)
        i += 1
    return norm, idx


def quote_span(raw: str, quote: str) -> tuple[int, int] | None:
    """Where a rule's quote (normalised text) sits in the printed clause text: [start, end), or None."""
    from policy_kb.text import normalise

    aligned = norm_index(raw)
    if not aligned or not quote:
        return None
    norm, idx = aligned
    at = norm.find(normalise(quote))
    if at < 0:
        return None
    end = at + len(normalise(quote))
    return idx[at], idx[end - 1] + 1


def clauses_view(kb: Any) -> dict[str, Any]:
    d = kb.document
    return {
        "document": {
            "title": d.title,
            "short_title": d.short_title,
            "doc_number": d.doc_number,
            "issuer": d.issuer,
            "notice_title": d.notice_title,
            "issued_on": d.issued_on.isoformat(),
            "printed_on": d.printed_on.isoformat(),
            "effective_on": d.effective_on.isoformat(),
            "interpreter": d.interpreter,
            "implementer": d.implementer,
            "basis": [{"title": t, "number": n} for t, n in d.basis],
        },
        "clauses": [
            {
                "ref": c.ref,
                "kind": c.kind,
                "part": c.part,
                "item": c.item,
                "heading": c.heading,
                "title": kb.title(c.ref),
                "citation": c.citation,
                "text": c.text,
            }
            for c in d.clauses
        ],
    }


def _rule_text(cond: Any) -> str:
    """A profile condition's test in words ("年租金（元）：大于0"), for checking it against the quote."""
    from policy_kb import facts
    from policy_kb.rules import vocabulary

    tmpl = MESSAGES["rule_tests"].get(cond.test or "", "")
    if not tmpl:
        return ""
    fact = facts.label(cond.fact or "")
    params = dict(cond.params)
    if "values" in params:
        labels = vocabulary().get(cond.fact or "", {})
        params["values"] = "、".join(
            str(labels[v]["label"])
            if isinstance(labels, dict) and isinstance(labels.get(v), dict) and "label" in labels[v]
            else str(v)
            for v in params["values"]
        )
    try:
        return tmpl.format(fact=fact, **params)
    except (KeyError, IndexError):
        return f"{fact}：{cond.test} {params}"


def _condition_view(cond: Any, ref: str, clause_text: str) -> dict[str, Any]:
    span = quote_span(clause_text, cond.quote)
    return {
        "id": cond.id,
        "kind": cond.kind,
        "ref": ref,
        "citation": f"《办法》{ref}",
        "quote": cond.quote,
        "rule": _rule_text(cond) if cond.kind == "profile" else "",
        "to_verify": cond.texts.get("pending", "") if cond.kind == "authority" else "",
        "found": span is not None,
        "span": list(span) if span else None,
    }


def measures_view(kb: Any) -> dict[str, Any]:
    from policy_kb.engine import benefit
    from policy_kb.profile import Profile

    rules = kb.rules
    support_text = kb.clause(rules.support_ref).text
    support = [_condition_view(c, rules.support_ref, support_text) for c in rules.support_conditions]
    measures = []
    for m in rules.measures:
        text = kb.clause(m.id).text
        quote = m.benefit.get("quote", "")
        span = quote_span(text, quote)
        measures.append(
            {
                "id": m.id,
                "key": m.key,
                "title": m.title,
                "summary": m.summary,
                "citation": m.citation,
                "money": benefit(m, Profile()).text,
                "benefit_kind": m.benefit.get("kind"),
                "benefit_quote": quote,
                "benefit_found": span is not None,
                "benefit_span": list(span) if span else None,
                "applies_to_profile": m.applies_to_profile,
                "not_applicable": m.not_applicable,
                "conditions": [_condition_view(c, m.id, text) for c in m.conditions],
            }
        )
    return {"support_ref": rules.support_ref, "support": support, "measures": measures}


def search_view(kb: Any, query: str) -> dict[str, Any]:
    query = query.strip()[:MAX_QUERY]
    if not query:
        return {"query": query, "resolved": None, "hits": [], "message": MESSAGES["errors"]["empty_query"]}
    res = kb.resolve(query)
    resolved = None
    if res.ok and res.matched and len(res.matched) >= len(re.sub(r"\s+", "", query)) - 2:
        c = res.clause
        resolved = {"ref": c.ref, "citation": c.citation, "title": kb.title(c.ref), "snippet": c.text[:80]}
    hits = [
        {"ref": h.ref, "citation": h.citation, "title": h.title, "snippet": h.snippet, "score": h.score}
        for h in kb.search(query, limit=8)
    ]
    from policy_kb.rules import messages

    message = "" if hits or resolved else messages()["search"]["no_results"].format(query=query)
    # a reference that reads as one but does not exist ("支持政策第十条"): say so above the keyword hits
    note = res.message if not res.ok and res.matched else ""
    return {"query": query, "resolved": resolved, "hits": hits, "message": message, "note": note}


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def login_html(template: str, action: str, wrong: bool = False) -> str:
    """The sign-in page from its template (``staff_static/login.html``): the form posts the token to ``action``;
    the message says the token was wrong, or asks for it."""
    t = MESSAGES["login"]
    texts = {
        "title": t["title"],
        "heading": t["heading"],
        "message": t["wrong"] if wrong else t["prompt"],
        "label": t["label"],
        "button": t["button"],
        "action": action,
    }
    return Template(template).substitute({k: escape(v) for k, v in texts.items()})


# 留言工单: messages for the bureau (records/tickets.py) -------------------------------------------------------------


def tickets_view(status: str = "") -> dict[str, Any]:
    """Every ticket kept, newest first (``status``: open / answered / "" for all), the counts per status and the
    retention period. Runs in a thread (database work); listing also deletes the expired tickets."""
    from records import tickets

    every = tickets.list_tickets()
    shown = [t for t in every if not status or t.status == status]
    return {
        "status": status or "all",
        "counts": {s: sum(1 for t in every if t.status == s) for s in tickets.STATUSES},
        "retention_days": tickets.retention_days(),
        "tickets": [t.to_dict() for t in shown],
    }


def mark_ticket_answered(number: str) -> dict[str, Any] | None:
    from records import tickets

    t = tickets.mark_answered(number)
    return t.to_dict() if t else None


def tickets_csv(view: dict[str, Any]) -> bytes:
    """The tickets of a ``tickets_view`` as CSV (UTF-8 with BOM; formula-like cells neutralised, as every export)."""
    from bot.insights.export import csv_bytes

    labels = MESSAGES["tickets"]["status"]
    rows = (
        [
            t["number"],
            t["created_at"],
            labels.get(t["status"], t["status"]),
            t["answered_at"] or "",
            t["institution"] or "",
            t["contact_person"],
            t["phone"] or "",
            t["email"] or "",
            t["question"],
        ]
        for t in view["tickets"]
    )
    return csv_bytes(MESSAGES["csv"]["tickets"], rows)
