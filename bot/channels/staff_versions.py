"""政策版本 in the staff console (``staff.py``): every document's text versions with their periods, which rules are
stale for each 《办法》 version (and so are not served: the bot quotes the new clause and computes no amount), and a
clause-by-clause diff between two versions. Plain data for the JSON API, from ``policy_kb.kb.PolicyLibrary``; every
sentence the tab shows is built here from ``staff_messages.yml`` (``versions``). No Sanic here.

A version's stale rules are its rules as of its first day (``python -m policy_kb check``), except the version in
force today: its rules as of today, which is what the bot serves now (``PolicyLibrary.at``).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Engine

from bot.channels.staff_views import MESSAGES

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER_END = re.compile(r"\d[\d.]*$")  # the digits an unchanged run ends with
_NUMBER_START = re.compile(r"[\d.]*[%％]*")  # the digits (and a percent sign) an unchanged run starts with


class VersionsInputError(ValueError):
    """A diff request that names no document or version the store has: ``key`` is the message in
    ``staff_messages.yml`` (``errors``), ``params`` what it is formatted with."""

    def __init__(self, key: str, **params: str) -> None:
        super().__init__(key)
        self.key, self.params = key, params


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    from policy_kb.store import make_engine

    return make_engine(url)


def load_library() -> Any:
    """Every document's versions and the rules, read from the store now (``POLICY_KB_URL``), so a version staff
    just added (``python -m policy_kb load``) is listed; built there first when empty. Runs in a thread."""
    from policy_kb.kb import PolicyLibrary
    from policy_kb.store import database_url

    return PolicyLibrary.load(_engine(database_url()))


def store_marker() -> tuple[int, int]:
    """(number of text versions, highest id) in the store: the console reloads its knowledge base when it changes."""
    from policy_kb.store import database_url, marker

    return marker(_engine(database_url()))


def _texts() -> dict[str, Any]:
    return MESSAGES["versions"]


def _title(version: Any, ref: str) -> str:
    from policy_kb.rules import clause_title
    from policy_kb.versions import DEFAULT_DOCUMENT

    c = version.doc.clause(ref)
    if c is None:
        return ""
    return clause_title(c) if version.document == DEFAULT_DOCUMENT else c.heading


def _period(version: Any) -> str:
    t = _texts()
    start = version.effective_from.isoformat()
    if version.effective_to is None:
        return str(t["period_open"].format(start=start))
    return str(t["period"].format(start=start, end=version.effective_to.isoformat()))


def _state(version: Any, today: date) -> str:
    if version.in_force(today):
        return "current"
    return "upcoming" if version.effective_from > today else "past"


def _stale(lib: Any, version: Any, today: date) -> list[dict[str, Any]]:
    on = today if version.in_force(today) else version.effective_from
    return [
        {
            **s.to_dict(),
            "citation": f"{version.short_title}{s.ref}",
            "title": _title(version, s.ref),
        }
        for s in lib.stale(version, on)
    ]


def _rules_line(stale: list[dict[str, Any]]) -> str:
    rule = _texts()["stale_rule"]
    return "、".join(rule.format(citation=s["citation"], title=s["title"]).strip() for s in stale)


def _version_view(lib: Any, version: Any, today: date, checked: bool) -> dict[str, Any]:
    t = _texts()
    state = _state(version, today)
    view = {
        **version.to_dict(),
        "key": version.key,
        "period": _period(version),
        "origin_label": t["origins"].get(version.origin, version.origin),
        "state": state,
        "state_label": t["states"][state],
        "in_force_today": state == "current",
        "checked": checked,
        "stale": None,
        "stale_summary": t["not_checked"],
    }
    if checked:
        stale = _stale(lib, version, today)
        view["stale"] = stale
        view["stale_summary"] = (
            t["stale_some"].format(n=len(stale), rules=_rules_line(stale)) if stale else t["stale_none"]
        )
    return view


def _attention(document: dict[str, Any]) -> list[dict[str, Any]]:
    """What staff must act on: the version in force today, or one still to come, with stale rules."""
    t = _texts()
    out = []
    for v in document["versions"]:
        if not v["stale"] or v["state"] == "past":
            continue
        text = t["attention_now"] if v["state"] == "current" else t["attention_upcoming"]
        out.append(
            {
                "document": document["name"],
                "version": v["key"],
                "state": v["state"],
                "refs": [s["ref"] for s in v["stale"]],
                "text": text.format(
                    short_title=document["short_title"],
                    version=v["label"],
                    start=v["effective_from"],
                    n=len(v["stale"]),
                    rules=_rules_line(v["stale"]),
                ),
            }
        )
    return out


def versions_view(lib: Any, today: date) -> dict[str, Any]:
    """Every document (《办法》 first) with its versions in date order; for each 《办法》 version its stale rules (the
    rules are written for the 《办法》 only); what needs attention; the two versions the diff opens with."""
    from policy_kb.versions import DEFAULT_DOCUMENT

    documents = []
    for name, versions in lib.documents.items():
        checked = name == DEFAULT_DOCUMENT
        current = next((v for v in versions if v.in_force(today)), None)
        documents.append(
            {
                "name": name,
                "short_title": versions[0].short_title,
                "heading": _texts()["document_heading"].format(short_title=versions[0].short_title, n=len(versions)),
                "checked": checked,
                "in_force": current.effective_from.isoformat() if current else None,
                "versions": [_version_view(lib, v, today, checked) for v in versions],
            }
        )
    main = lib.versions
    return {
        "today": today.isoformat(),
        "today_label": _texts()["today"].format(today=today.isoformat()),
        "documents": documents,
        "attention": [a for d in documents for a in _attention(d)],
        "diff": (
            {
                "document": DEFAULT_DOCUMENT,
                "from": main[-2].effective_from.isoformat(),
                "to": main[-1].effective_from.isoformat(),
            }
            if len(main) >= 2
            else None
        ),
    }


# the diff -------------------------------------------------------------------------------------------------------
def _day(raw: str | None) -> date:
    raw = (raw or "").strip()
    if not DATE_RE.fullmatch(raw):
        raise VersionsInputError("versions_dates")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise VersionsInputError("versions_dates") from None


def _version_on(lib: Any, document: str, day: date) -> Any:
    versions = lib.documents[document]
    found = next((v for v in versions if v.effective_from == day), None)
    if found is None:
        raise VersionsInputError(
            "versions_version",
            short_title=versions[0].short_title,
            day=day.isoformat(),
            days="、".join(v.effective_from.isoformat() for v in versions),
        )
    return found


def whole_numbers(marked: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A character diff's runs with each change widened to whole numbers: "30%" → "40%" is marked as such, not as
    3 → 4 before an unchanged "0%". Only unchanged digits (and a percent sign after them) next to a change that
    begins or ends with a digit move into it, on both sides, so the kept and deleted runs still make the old text
    and the kept and inserted runs the new one."""
    out: list[tuple[str, str]] = []
    old, new = "", ""  # the change being gathered

    def numeric(ch: str) -> bool:
        return ch.isdigit() or ch == "."

    def flush() -> None:
        nonlocal old, new
        if out and out[-1][0] == "=" and (numeric(old[:1]) or numeric(new[:1])):
            kept = out[-1][1]
            m = _NUMBER_END.search(kept)
            if m:
                old, new = kept[m.start() :] + old, kept[m.start() :] + new
                out.pop()
                if m.start():
                    out.append(("=", kept[: m.start()]))
        out.extend((op, text) for op, text in (("-", old), ("+", new)) if text)
        old, new = "", ""

    def prefix() -> str:
        if out and out[-1][0] == "=" and (numeric(old[:1]) or numeric(new[:1])):
            m = _NUMBER_END.search(out[-1][1])
            return m.group(0) if m else ""
        return ""

    for op, text in marked:
        if op == "-":
            old += text
        elif op == "+":
            new += text
        elif old or new:
            pre = prefix()  # the kept digits flush() will move in front: "0"+"0万"/"0" then "1" is one number
            if numeric((pre + old)[-1:]) or numeric((pre + new)[-1:]):
                moved = _NUMBER_START.match(text).group(0)
                old, new, text = old + moved, new + moved, text[len(moved) :]
            if text:  # else the unchanged run was all digits: the change goes on into the next one
                flush()
                out.append(("=", text))
        elif text:
            out.append(("=", text))
    if old or new:
        flush()
    return out


def diff_view(lib: Any, document: str | None, from_raw: str | None, to_raw: str | None) -> dict[str, Any]:
    """The clauses whose text differs between the versions of ``document`` (default 《办法》) that take effect on
    ``from_raw`` and ``to_raw`` (YYYY-MM-DD), each with its runs kept, deleted and inserted. Raises
    VersionsInputError for a missing or bad date, an unknown document or no version starting that day."""
    from policy_kb.versions import DEFAULT_DOCUMENT, ClauseChange, diff

    document = (document or "").strip() or DEFAULT_DOCUMENT
    older_day, newer_day = _day(from_raw), _day(to_raw)
    if document not in lib.documents:
        raise VersionsInputError("versions_document", document=document[:40], documents="、".join(lib.documents))
    older, newer = _version_on(lib, document, older_day), _version_on(lib, document, newer_day)
    t = _texts()
    changes = []
    for c in diff(older.doc, newer.doc):
        shown = ClauseChange(c.ref, c.status, c.old, c.new, whole_numbers(c.marked))
        source = older if c.status == "removed" else newer
        changes.append(
            {
                **shown.to_dict(),
                "citation": f"{source.short_title}{c.ref}",
                "title": _title(source, c.ref),
                "status_label": t["statuses"][c.status],
            }
        )
    counts = {s: sum(1 for c in changes if c["status"] == s) for s in ("changed", "added", "removed")}
    if changes:
        parts = "，".join(t["diff_count"].format(label=t["statuses"][s], n=n) for s, n in counts.items() if n)
        summary = t["diff_summary"].format(older=older.label, newer=newer.label, n=len(changes), counts=parts)
    else:
        summary = t["diff_none"].format(older=older.label, newer=newer.label)
    return {
        "document": document,
        "short_title": newer.short_title,
        "from": {**older.to_dict(), "key": older.key},
        "to": {**newer.to_dict(), "key": newer.key},
        "counts": counts,
        "summary": summary,
        "changes": changes,
    }
