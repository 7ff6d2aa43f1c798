"""Policy versions: dated rule values (OpenFisca style), the text version in force on a day, which rules are stale
for it, supplementary documents (the 实施细则, a notice) and a clause-by-clause diff between two versions.

A value in ``measures.yaml`` may be dated::

    percent:
      2022-01-01: 30
      2027-01-01: 40

It is the latest value dated on or before the day asked about; a plain value holds for every day. The rule as of a
day is the rules data with every dated value so resolved. It is checked against the text version in force on that
day (``policy_kb.consistency``): a rule whose quote or figure is not in that text is *stale* and is never served
(``stale_rules``): the measure is answered with the new clause's verbatim text and no amount.

Pure functions over data: no database, no clock.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any

from .consistency import check_measure, check_support
from .rules import messages
from .text import Clause, Document, content_hash, normalise

DEFAULT_DOCUMENT = "办法"


# dated values ---------------------------------------------------------------------------------------------------
def _as_date(key: Any) -> date | None:
    if isinstance(key, datetime):
        return key.date()
    if isinstance(key, date):
        return key
    if isinstance(key, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", key):
        try:
            return date.fromisoformat(key)
        except ValueError:
            return None
    return None


def is_dated(value: Any) -> bool:
    """A mapping whose every key is a date (YAML date keys, or ISO strings once stored as JSON)."""
    return isinstance(value, dict) and bool(value) and all(_as_date(k) is not None for k in value)


def value_on(value: dict[Any, Any], on: date) -> Any:
    """The latest value dated on or before ``on``; the earliest one when ``on`` is before every date (a day before
    the first text took effect is answered with the first rule, and the answer says the text was not yet in force)."""
    dated = sorted((_as_date(k), v) for k, v in value.items())
    current = dated[0][1]
    for d, v in dated:
        if d is not None and d <= on:
            current = v
    return current


def resolve(data: Any, on: date) -> Any:
    """``data`` with every dated value replaced by its value on ``on`` (recursively)."""
    if is_dated(data):
        return resolve(value_on(data, on), on)
    if isinstance(data, dict):
        return {k: resolve(v, on) for k, v in data.items()}
    if isinstance(data, list):
        return [resolve(v, on) for v in data]
    return data


def change_dates(data: Any) -> list[date]:
    """Every date a dated value in ``data`` changes on, sorted."""
    out: set[date] = set()
    if is_dated(data):
        out.update(d for k in data if (d := _as_date(k)) is not None)
        for v in data.values():
            out.update(change_dates(v))
    elif isinstance(data, dict):
        for v in data.values():
            out.update(change_dates(v))
    elif isinstance(data, list):
        for v in data:
            out.update(change_dates(v))
    return sorted(out)


def rule_version(measure: dict[str, Any], on: date) -> date | None:
    """The date of the rule version in force on ``on``: its latest dated change on or before that day (None: the
    rule has no dated value, so it holds since the first text)."""
    past = [d for d in change_dates(measure) if d <= on]
    return past[-1] if past else None


def jsonable(data: Any) -> Any:
    """Rules data with date keys as ISO strings, for a JSON column (``resolve`` reads both)."""
    if isinstance(data, dict):
        return {(k.isoformat() if isinstance(k, date) else k): jsonable(v) for k, v in data.items()}
    if isinstance(data, list):
        return [jsonable(v) for v in data]
    if isinstance(data, date):
        return data.isoformat()
    return data


# versions ---------------------------------------------------------------------------------------------------
@dataclass
class Version:
    """One text version of a document, in force from ``effective_from`` to ``effective_to`` (None: still)."""

    document: str  # "办法", "实施细则"
    short_title: str  # "《办法》"
    effective_from: date
    doc: Document
    origin: str = "packaged"
    loaded_at: datetime | None = None
    effective_to: date | None = None  # the day before the next version takes effect
    id: int | None = None  # the store's row id

    @property
    def label(self) -> str:
        """How answers name it: "嘉府办发〔2022〕14号，2022年1月1日起施行"."""
        d = self.effective_from
        number = self.doc.doc_number or self.doc.title
        return str(messages()["versions"]["label"].format(number=number, y=d.year, m=d.month, d=d.day))

    @property
    def key(self) -> str:
        return f"{self.document}@{self.effective_from.isoformat()}"

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "short_title": self.short_title,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "doc_number": self.doc.doc_number,
            "title": self.doc.title,
            "label": self.label,
            "origin": self.origin,
            "source_hash": self.doc.source_hash,
            "clauses": len(self.doc.clauses),
            "loaded_at": self.loaded_at.isoformat(timespec="seconds") if self.loaded_at else None,
        }


def chain(versions: list[Version]) -> list[Version]:
    """The versions of one document sorted by date, each ending the day before the next begins."""
    out = sorted(versions, key=lambda v: v.effective_from)
    for a, b in pairwise(out):
        a.effective_to = b.effective_from - timedelta(days=1)
    if out:
        out[-1].effective_to = None
    return out


def in_force(versions: list[Version], on: date) -> Version | None:
    """The version in force on ``on`` (None before the first takes effect)."""
    return next((v for v in versions if v.in_force(on)), None)


# stale rules ------------------------------------------------------------------------------------------------
@dataclass
class StaleRule:
    ref: str  # "三、2", or "二" for the support objects
    rule_version: date | None  # the rule's own latest dated change (None: undated)
    text_version: str  # the label of the text it was checked against
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "rule_version": self.rule_version.isoformat() if self.rule_version else None,
            "text_version": self.text_version,
            "problems": self.problems,
        }


def stale_rules(raw_rules: dict[str, Any], version: Version, on: date | None = None) -> list[StaleRule]:
    """The rules, as of ``on`` (default: the version's first day), whose quotes or figures are not in ``version``."""
    on = on or version.effective_from
    rules = resolve(raw_rules, on)
    out: list[StaleRule] = []
    so = check_support(rules["support_objects"], version.doc)
    if so:
        out.append(
            StaleRule(
                rules["support_objects"]["ref"], rule_version(raw_rules["support_objects"], on), version.label, so
            )
        )
    for raw, m in zip(raw_rules["measures"], rules["measures"], strict=True):
        problems = check_measure(m, version.doc)
        if problems:
            out.append(StaleRule(m["id"], rule_version(raw, on), version.label, problems))
    return out


# supplementary documents ------------------------------------------------------------------------------------
_ARTICLE_RE = re.compile(r"^第([一二三四五六七八九十百零〇\d]{1,4})条\s*(.*)$", re.S)
_PART_RE = re.compile(r"^([一二三四五六七八九十]{1,3})、\s*(.*)$", re.S)
_ITEM_RE = re.compile(r"^(\d{1,2})[.．、]\s*(.+)$", re.S)
_SUB_RE = re.compile(r"^[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)]\s*(.+)$", re.S)
_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{2,8}\s*[〔\[]\s*\d{4}\s*[〕\]]\s*\d{1,4}\s*号")
_DATE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def parse_supplement(text: str, name: str) -> Document:
    """A supplementary document (the 实施细则, a notice) as clauses: 第X条 articles, or parts 一、 with their items
    1. and （一）. Its clauses are cited with its own name (《实施细则》第三条). Raises ValueError when no clause is
    numbered."""
    errors = messages()["versions"]["parse_errors"]
    paras = [normalise(p) for p in text.splitlines() if p.strip()]
    if not paras:
        raise ValueError(errors["empty"])
    short = f"《{name}》"
    clauses: list[Clause] = []
    part: str | None = None
    head: list[str] = []
    for p in paras[1:]:
        c = _supplement_clause(p, part, len(clauses) + 1, short)
        if c is not None:
            part = c.part if c.kind == "part" else part
            clauses.append(c)
        elif clauses:
            last = clauses[-1]
            clauses[-1] = Clause(
                last.ref,
                last.kind,
                last.part,
                last.item,
                last.heading,
                (last.text + "\n" + p).strip(),
                last.order,
                short,
            )
        else:
            head.append(p)
    if not clauses:
        raise ValueError(errors["no_clauses"])
    number = next((m.group(0) for p in paras[:8] if (m := _NUMBER_RE.search(p))), "")
    dates = [date(int(m.group(1)), int(m.group(2)), int(m.group(3))) for m in _DATE_RE.finditer(text)]
    preamble = Clause("序言", "preamble", None, None, "", "\n".join(h for h in head if h != number), 0, short)
    return Document(
        title=paras[0],
        short_title=short,
        doc_number=number,
        issuer="",
        notice_title=paras[0],
        recipients="",
        issued_on=dates[0] if dates else date(1, 1, 1),
        printed_on=dates[-1] if dates else date(1, 1, 1),
        effective_on=date(1, 1, 1),
        basis=[],
        interpreter="",
        implementer="",
        cc="",
        source_hash=content_hash(text),
        clauses=[preamble, *clauses],
    )


def _supplement_clause(p: str, part: str | None, order: int, short: str) -> Clause | None:
    m = _ARTICLE_RE.match(p)
    if m:
        return Clause(f"第{m.group(1)}条", "item", None, m.group(1), "", m.group(2).strip(), order, short)
    m = _PART_RE.match(p)
    if m and len(m.group(2)) <= 20 and not m.group(2).endswith(("。", "；")):
        return Clause(m.group(1), "part", m.group(1), None, m.group(2).strip(), "", order, short)
    if part is None:
        return None
    m = _ITEM_RE.match(p)
    if m:
        return Clause(f"{part}、{m.group(1)}", "item", part, m.group(1), "", m.group(2).strip(), order, short)
    m = _SUB_RE.match(p)
    if m:
        return Clause(f"{part}（{m.group(1)}）", "item", part, m.group(1), "", m.group(2).strip(), order, short)
    return None


# diff -------------------------------------------------------------------------------------------------------
@dataclass
class ClauseChange:
    ref: str
    status: str  # "changed" | "added" | "removed"
    old: str
    new: str
    marked: list[tuple[str, str]] = field(default_factory=list)  # (op, text): op "=", "-", "+"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "status": self.status,
            "old": self.old,
            "new": self.new,
            "marked": [list(x) for x in self.marked],
        }


def diff(old: Document, new: Document) -> list[ClauseChange]:
    """The clauses whose text differs between two versions, in the new version's order (removed ones last), each
    with a character diff: runs kept (=), deleted (-) and inserted (+)."""
    a = {c.ref: c.text_norm for c in old.clauses}
    b = {c.ref: c.text_norm for c in new.clauses}
    out: list[ClauseChange] = []
    for c in new.clauses:
        if c.ref not in a:
            out.append(ClauseChange(c.ref, "added", "", b[c.ref], [("+", b[c.ref])]))
        elif a[c.ref] != b[c.ref]:
            out.append(ClauseChange(c.ref, "changed", a[c.ref], b[c.ref], _marked(a[c.ref], b[c.ref])))
    for c in old.clauses:
        if c.ref not in b:
            out.append(ClauseChange(c.ref, "removed", a[c.ref], "", [("-", a[c.ref])]))
    return out


def _marked(a: str, b: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("=", a[i1:i2]))
            continue
        if i2 > i1:
            out.append(("-", a[i1:i2]))
        if j2 > j1:
            out.append(("+", b[j1:j2]))
    return out
