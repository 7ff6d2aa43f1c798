"""A kept eligibility report as a page to keep: printable HTML and, from the same HTML, a PDF.

``render_html(kept, pdf_href=...)`` writes the page from ``kept.data`` (``policy_kb.report.report_data``, as stored by
``records.reports``): the institution, the profile as the user stated it (said back the way the bot says facts back,
``policy_kb.report.fact_text``), each measure's verdict, amount and reasons with citations, what 区人社局 must still
verify, what is missing, the date it was computed for, the version of the rules and text, and the disclaimer.
The template is ``report_static/report.html`` (Jinja2, everything escaped), the stylesheet ``report_static/report.css``
is inlined (the page needs no second request; the ``PAGE_CSP`` below allows exactly it), and every Chinese label of
the frame is in ``report_messages.yml``. No script, no external resource.

``render_pdf(kept)`` is WeasyPrint on that HTML: it lays out HTML+CSS for print (``@page`` A4) without a browser and
embeds subsetted fonts found through fontconfig (Noto Sans CJK on the server). It takes a few hundred milliseconds of
CPU: call it in an executor and cache the bytes. It fetches nothing: every URL is refused.

Pure: no database, no Rasa; ``kept`` is anything with ``created_at``, ``expires_at`` (naive UTC) and ``data``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from policy_kb.report import stated_profile
from records.db import in_china

STATIC = Path(__file__).parent / "report_static"
MESSAGES: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "report_messages.yml").read_text(encoding="utf-8"))
CSS = (STATIC / "report.css").read_text(encoding="utf-8")
# The page's Content-Security-Policy: nothing may load, only the inlined stylesheet applies (by its hash).
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")
PAGE_CSP = (
    f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
HASH_CHARS = 12
# "金额：…", "待认定：…", "支持对象：✓ …" → a bold label and the rest (the web chat's LABEL, chat.js)
_LABEL = re.compile(r"^([^：:“”《》（）()\s]{1,6})：(.*)$", re.S)
# verdicts whose measures can still come to something: what 区人社局 must verify matters for them
_OPEN = ("eligible", "pending", "need_info")


class KeptLike(Protocol):
    created_at: dt.datetime
    expires_at: dt.datetime
    data: dict[str, Any]


@lru_cache(maxsize=1)
def _template() -> Any:
    env = Environment(loader=FileSystemLoader(str(STATIC)), autoescape=True, undefined=StrictUndefined)
    return env.get_template("report.html")


def _date_text(d: dt.date) -> str:
    return str(MESSAGES["date"].format(y=d.year, m=d.month, d=d.day))


def _iso_date_text(s: Any) -> str:
    try:
        return _date_text(dt.date.fromisoformat(str(s)))
    except ValueError:
        return str(s or "")


def _time_text(t: dt.datetime) -> str:
    """A naive UTC time in Beijing time: "2026年12月31日 16:00（北京时间）"."""
    b = in_china(t)
    return str(MESSAGES["datetime"].format(y=b.year, m=b.month, d=b.day, hh=b.hour, mm=b.minute))


def _version_text(v: Any) -> str:
    """ "嘉府办发〔2022〕14号（2022年6月1日起施行） · 文本 0123456789ab · 规则 ba9876543210", or 未记录."""
    if not isinstance(v, dict) or not v:
        return str(MESSAGES["version_absent"])
    head = str(v.get("doc_number") or "")
    if v.get("effective_on"):
        head += MESSAGES["version_effective"].format(date=_iso_date_text(v["effective_on"]))
    parts = [head] if head else []
    for key, template in (("source_hash", "version_source"), ("rules_hash", "version_rules")):
        if v.get(key):
            parts.append(MESSAGES[template].format(hash=str(v[key])[:HASH_CHARS]))
    return str(MESSAGES["version_sep"].join(parts)) if parts else str(MESSAGES["version_absent"])


def _line(line: Any) -> dict[str, str]:
    """A report line (kind, text) → kind, a bold label (金额, 待认定 …) and the rest; unknown kinds as plain text."""
    if not isinstance(line, dict):
        return {"kind": "note", "label": "", "text": str(line)}
    kind = re.sub(r"[^a-z0-9_]", "", str(line.get("kind") or "note").lower()) or "note"
    text = str(line.get("text") or "").strip()
    m = _LABEL.match(text)
    return {"kind": kind, "label": m.group(1) if m else "", "text": (m.group(2) if m else text).strip()}


def _measure(m: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(m.get("id", "")),
        "title": str(m.get("title", "")),
        "citation": str(m.get("citation", "")),
        "verdict": str(m.get("verdict", "")),
        "badge": str(m.get("badge") or m.get("verdict_label") or ""),
        "lines": [_line(x) for x in m.get("lines") or []],
    }


def _groups(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The measures by verdict group, in the data's order; a measure no group lists comes last (every one shows)."""
    by_id = {str(m.get("id")): _measure(m) for m in data.get("measures") or []}
    groups, shown = [], set()
    for g in data.get("groups") or []:
        ids = [str(i) for i in g.get("measures") or [] if str(i) in by_id and str(i) not in shown]
        shown.update(ids)
        label = str(g.get("head") or "").strip("—- \u3000") or str(g.get("label") or "")
        groups.append({"verdict": str(g.get("verdict", "")), "label": label, "measures": [by_id[i] for i in ids]})
    rest = [m for i, m in by_id.items() if i not in shown]
    if rest:
        groups.append({"verdict": "", "label": "", "measures": rest})
    return [g for g in groups if g["measures"]]


def _to_verify(data: dict[str, Any]) -> list[dict[str, str]]:
    """What 区人社局 must still judge (经认定/经评估/符合一定条件), once each, with its citation: the support-object
    conditions (unless one already failed) and those of the measures that can still apply."""
    support = data.get("support") or {}
    reasons = list(support.get("reasons") or [])
    if any(r.get("status") == "failed" for r in reasons):
        return []
    for m in data.get("measures") or []:
        if m.get("verdict") in _OPEN:
            reasons.extend(m.get("reasons") or [])
    out, seen = [], set()
    for r in reasons:
        key = (str(r.get("text", "")), str(r.get("citation", "")))
        if r.get("status") == "to_verify" and key[0] and key not in seen:
            seen.add(key)
            out.append({"text": key[0], "citation": key[1]})
    return out


def _view(kept: KeptLike, pdf_href: str | None) -> dict[str, Any]:
    data = kept.data or {}
    try:
        today = dt.date.fromisoformat(str(data.get("computed_for")))
    except ValueError:
        today = in_china(kept.created_at).date()
    next_steps = data.get("next_steps") or {}
    return {
        "t": MESSAGES,
        "css": Markup(CSS),
        "institution": str(data.get("institution") or ""),
        "computed_for": _iso_date_text(data.get("computed_for")),
        "created_at": _time_text(kept.created_at),
        "expires_at": _time_text(kept.expires_at),
        "version": _version_text(data.get("version")),
        "summary": str(data.get("summary") or ""),
        "profile": stated_profile(data.get("profile"), today),
        "support": [_line(x) for x in (data.get("support") or {}).get("lines") or []],
        "groups": _groups(data),
        "verify": _to_verify(data),
        "missing": [str(f.get("label") or f.get("fact")) for f in data.get("missing_facts") or []],
        "undecided_text": str(data.get("undecided_text") or ""),
        "next_steps": [str(s) for s in next_steps.get("items") or []],
        "pdf_href": pdf_href,
    }


def render_html(kept: KeptLike, *, pdf_href: str | None) -> str:
    """The report's printable page, self-contained (stylesheet inlined, no script); ``pdf_href`` adds a link to its
    PDF (not shown in print)."""
    return str(_template().render(**_view(kept, pdf_href)))


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the report's PDF fetches nothing: {url!r}")


def render_pdf(kept: KeptLike) -> bytes:
    """The report as an A4 PDF, from the same HTML as the page (print media), CJK fonts embedded and subsetted.
    CPU-bound (a few hundred ms): run it in an executor and cache it."""
    from weasyprint import HTML  # heavy import (Pango through cffi): only where a PDF is made

    pdf = HTML(string=render_html(kept, pdf_href=None), url_fetcher=_refuse, media_type="print").write_pdf()
    assert pdf is not None
    return bytes(pdf)


__all__ = ["PAGE_CSP", "render_html", "render_pdf"]
