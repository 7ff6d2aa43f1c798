"""Rules ↔ text consistency: every quote, amount, percentage and duration in the rules data must be in the
clause it cites, and every amount the clauses state must be used by a rule. What the assistant says the text does
*not* say (data/silences.yaml) is checked against the whole text too.

Amounts are read from the clause text by the spaCy extractor, not by string search, so "50 万—500 万元" in the
text and ``min: 500000, max: 5000000`` in the rules are compared as values.
"""

from __future__ import annotations

from typing import Any

from .extract import extract
from .text import Document

# The figures of one kind, each as a tuple: (min, max) for MONEY_RANGE; (percent,), (years,) or (yuan,) for the others.
# None where the extractor could not read a number.
Figures = dict[str, set[tuple[int | float | None, ...]]]


def _found(text: str) -> Figures:
    out: Figures = {"MONEY_RANGE": set(), "PERCENT": set(), "DURATION": set(), "MONEY": set()}
    for q in extract(text):
        if q.label == "MONEY_RANGE":
            out["MONEY_RANGE"].add((q.value["min"], q.value["max"]))
        elif q.label == "PERCENT":
            out["PERCENT"].add((q.value["percent"],))
        elif q.label == "DURATION":
            out["DURATION"].add((q.value["years"],))
        elif q.label == "MONEY":
            out["MONEY"].add((q.value["yuan"],))
    return out


def _claims(benefit: dict[str, Any]) -> Figures:
    kind = benefit["kind"]
    c: Figures = {"MONEY_RANGE": set(), "PERCENT": set(), "DURATION": set(), "MONEY": set()}
    if kind == "tier_range":
        c["MONEY_RANGE"].add((benefit["min"], benefit["max"]))
    elif kind == "percent_of_base":
        c["PERCENT"].add((float(benefit["percent"]),))
        c["DURATION"].add((benefit["years"],))
    elif kind == "percent_cap":
        c["PERCENT"].add((float(benefit["max_percent"]),))
    return c


def check_support(so: dict[str, Any], doc: Document) -> list[str]:
    """The support objects' (二) quotes against the text."""
    so_clause = doc.clause(so["ref"])
    so_text = "".join(c.text_norm for c in [so_clause] + doc.items_of(so["ref"])) if so_clause else ""
    return [
        f"《办法》{so['ref']}：条件 {cond['id']} 的引文“{cond['quote']}”不在原文中"
        for cond in so["conditions"]
        if cond["quote"] not in so_text
    ]


def check_measure(m: dict[str, Any], doc: Document) -> list[str]:
    """One measure's quotes and figures against the clause it cites; empty when they agree."""
    clause = doc.clause(m["id"])
    if clause is None:
        return [f"措施 {m['id']} 引用的条款不存在"]
    problems: list[str] = []
    text = clause.text_norm
    for quote in [m["benefit"].get("quote", "")] + [c["quote"] for c in m["conditions"]]:
        if quote and quote not in text:
            problems.append(f"《办法》{m['id']}：引文“{quote}”不在原文中")
    found, claims = _found(text), _claims(m["benefit"])
    for label, values in claims.items():
        for v in values:
            if v not in found[label]:
                problems.append(f"《办法》{m['id']}：规则中的 {label} {v} 在原文中找不到")
    for label in ("MONEY_RANGE", "PERCENT", "MONEY"):
        for v in found[label] - claims[label]:
            problems.append(f"《办法》{m['id']}：原文中的 {label} {v} 没有被规则使用")
    return problems


def check(rules: dict[str, Any], vocabulary: dict[str, Any], doc: Document) -> list[str]:
    """Problems found, in Chinese; empty when rules and text agree."""
    problems = check_support(rules["support_objects"], doc)
    for m in rules["measures"]:
        problems += check_measure(m, doc)
    return problems + check_fields(vocabulary, doc)


def check_fields(vocabulary: dict[str, Any], doc: Document) -> list[str]:
    """Every field of business the vocabulary places in a clause of 二 is named there."""
    problems = []
    for canon, spec in vocabulary["categories"].items():
        c = doc.clause(spec["clause"])
        if c is None or canon.replace("研发", "").replace("服务", "") not in c.text_norm:
            problems.append(f"领域“{canon}”不在《办法》{spec['clause']}中")
    return problems


def check_silences(silences: dict[str, Any], doc: Document) -> list[str]:
    """Problems with the statements about what the text leaves open; empty when they still hold."""
    problems: list[str] = []
    for claim in silences.values():
        if claim.get("title_contains") and claim["title_contains"] not in doc.title:
            problems.append(f"“{claim['statement']}”：标题中没有“{claim['title_contains']}”")
        allowed = set(claim.get("only_in") or [])
        for clause in doc.clauses:
            if clause.ref in allowed:
                continue
            for term in claim["terms"]:
                if term in clause.text_norm:
                    problems.append(f"“{claim['statement']}”：{clause.citation}中出现了“{term}”")
        for ref in allowed:
            if doc.clause(ref) is None:
                problems.append(f"“{claim['statement']}”：引用的条款 {ref} 不存在")
    return problems
