"""Conversation insights for the staff console, read from Rasa's SQL tracker store.

Rasa's ``SQLTrackerStore`` keeps every event of every conversation in one table, ``events`` (see
``rasa.core.tracker_store.SQLTrackerStore.SQLEvent``): ``id`` (autoincrement), ``sender_id``, ``type_name``
(``user``, ``bot``, ``action``, ``slot`` …), ``timestamp`` (Unix seconds, float), ``intent_name`` (user events),
``action_name`` (action events) and ``data`` (the event as JSON text). This module reads that table with plain
SQLAlchemy Core (no Rasa import, no JSON functions of the database), so the same query runs on SQLite and
PostgreSQL; it only reads, never creates a database or a table.

What is computed (one pass over the events, ordered by ``id``):

- per day (China time, UTC+8): conversations (distinct senders who wrote that day), user messages, checks
  started, unanswered questions;
- topics: the intent of each user message mapped to what it asks about — the nine measures through
  ``actions.common.INTENT_MEASURE`` with their titles from ``policy_kb``, a clause lookup (``lookup_clause``
  with a ``citation`` entity) counting for the measure it names, and the other policy intents through the table
  in ``bot/channels/staff_messages.yml``; small talk is not a topic;
- eligibility checks: a check starts when ``action_start_check`` runs for a message that is not a correction
  (intent ``inform`` inside a running check re-runs the action too, so it does not count as a new check); a
  report is a bot message whose ``metadata.utter_action`` is ``utter_eligibility_report`` — exactly the messages
  ``action_eligibility_report`` sends. Verdicts are read from that report's text (``metadata.report``): the
  summary line "【政策自测】…：初步符合，待区人社局认定N项，不符合条件M项…" gives the count per verdict and each
  measure line ("🟡 租金补贴（《办法》三、2）", the icon is the verdict) gives the verdict per measure. The
  patterns are built from ``policy_kb/data/messages.yaml`` — the templates the report is rendered from — so they
  follow any change of wording. A corrected answer re-runs the report; only the last report of each check counts
  for the verdicts, every report counts in ``reports``;
- unanswered questions, newest first, with their text: user messages classified ``out_of_scope`` or
  ``nlu_fallback``, and messages whatever their intent that the bot answered with "nothing found"
  (``utter_search_none``: a keyword search without results; ``utter_clause_not_found``: a clause reference it
  could not read or that does not exist). How the bot replied is read from the bot events that follow the
  message (``metadata.utter_action``: ``utter_out_of_scope``, ``utter_ask_rephrase``, ``utter_fallback_results``
  …) and shown as the kind. An ``nlu_fallback`` message that the self-check form took as an answer (the form ran
  and the bot neither asked to rephrase nor said it did not understand) was answered and is left out.

Sender ids are never returned: only ``hash_sender`` (the first 12 hex digits of SHA-256), since they can be
WeChat OpenIDs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine, make_url

from bot.tracker_store import tracker_store_url

MESSAGES: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent / "channels" / "staff_messages.yml").read_text(encoding="utf-8")
)

TZ = timezone(timedelta(hours=8), "Asia/Shanghai")  # China has no daylight saving time
UNANSWERED_INTENTS = ("out_of_scope", "nlu_fallback")
CHECK_ACTIONS = ("action_start_check", "action_eligibility_report")
FORM_ACTION = "eligibility_form"
REPORT_UTTER = "utter_eligibility_report"
# The bot's replies that say "not answered" (and the fallback search's answer), by their response name.
REPLY_KIND = {
    "utter_out_of_scope": "out_of_scope",
    "utter_ask_rephrase": "not_understood",
    "utter_default": "not_understood",
    "utter_not_understood_in_form": "not_understood",
    "utter_fallback_results": "fallback_search",
    "utter_search_none": "no_results",
    "utter_clause_not_found": "no_clause",
}
NOTHING_FOUND = ("no_results", "no_clause")  # unanswered whatever the intent
BOT_UTTERS = (REPORT_UTTER, *REPLY_KIND)
VERDICTS = ("eligible", "pending", "need_info", "not_eligible", "not_applicable")

EVENTS = sa.table(
    "events",
    sa.column("id"),
    sa.column("sender_id"),
    sa.column("type_name"),
    sa.column("timestamp"),
    sa.column("intent_name"),
    sa.column("action_name"),
    sa.column("data"),
)


def hash_sender(sender_id: str) -> str:
    """What the console shows instead of a sender id (a WeChat OpenID, a browser's random id …)."""
    return hashlib.sha256(str(sender_id).encode("utf-8")).hexdigest()[:12]


# the database --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    kwargs: dict[str, Any] = {"future": True, "pool_pre_ping": True}
    schema = os.environ.get("POSTGRESQL_SCHEMA")  # the same switch Rasa's SQLTrackerStore honours
    if schema and make_url(url).drivername.startswith("postgresql"):
        kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    return sa.create_engine(url, **kwargs)


def _store_exists(url: str) -> bool:
    """False for a SQLite file that was never written (reading must not create it) or a store without events."""
    u = make_url(url)
    if u.drivername.startswith("sqlite") and u.database and u.database != ":memory:" and not Path(u.database).exists():
        return False
    return sa.inspect(_engine(url)).has_table("events")


def read_events(url: str, since: float | None = None, until: float | None = None) -> Iterator[tuple]:
    """(id, sender_id, type_name, timestamp, intent_name, action_name, data) of the events the insights need:
    every user message, the check actions and the form, and the bot messages named in ``BOT_UTTERS`` (prefiltered
    with LIKE on the JSON text, confirmed after parsing). Ordered by id, i.e. in the order Rasa stored them."""
    e = EVENTS.c
    bot_like = sa.or_(*[e.data.like(f"%{name}%") for name in BOT_UTTERS])
    cond = sa.or_(
        e.type_name == "user",
        sa.and_(e.type_name == "action", e.action_name.in_((*CHECK_ACTIONS, FORM_ACTION))),
        sa.and_(e.type_name == "bot", bot_like),
    )
    if since is not None:
        cond = sa.and_(cond, e.timestamp >= since)
    if until is not None:
        cond = sa.and_(cond, e.timestamp < until)
    q = (
        sa.select(e.id, e.sender_id, e.type_name, e.timestamp, e.intent_name, e.action_name, e.data)
        .where(cond)
        .order_by(e.id)
    )
    with _engine(url).connect() as conn:
        yield from conn.execution_options(stream_results=True).execute(q)


# reading the report ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _report_patterns() -> tuple[dict[str, re.Pattern[str]], dict[str, str], str, str]:
    """From the report's templates: per-verdict count patterns, icon → verdict, the summary's head ("【政策自测】")
    and the separator between the institution's name and the counts ("：")."""
    from policy_kb.rules import messages

    m = messages()
    summary = m["report"]["summary"]  # "【政策自测】{name}：{parts}。"
    head = summary.split("{name}")[0]
    sep = summary.split("{name}")[1].split("{parts}")[0]
    part = m["report"]["summary_part"]  # "{label}{n}项"
    pre, post = part.split("{label}")[0], part.split("{n}")[1]
    # parts are joined by "，"; anchored there, "符合条件" never matches inside "不符合条件"
    counts = {
        v: re.compile(r"(?:^|，)" + re.escape(pre + m["verdicts"][v]) + r"(\d+)" + re.escape(post)) for v in VERDICTS
    }
    icons = {m["verdict_icons"][v]: v for v in VERDICTS}
    return counts, icons, head, sep


_MEASURE_LINE = re.compile(r"（《办法》(三、\d+)）\s*$")


@dataclass
class Report:
    counts: dict[str, int]  # verdict → number of measures
    measures: dict[str, str]  # measure id → verdict


def parse_report(text: str) -> Report | None:
    """The verdicts in an eligibility report; None when the text is not one."""
    counts_re, icons, head, sep = _report_patterns()
    lines = (text or "").splitlines()
    first = next((i for i, line in enumerate(lines) if head in line and sep in line), None)
    if first is None:
        return None
    lines = lines[first:]
    parts = lines[0].rsplit(sep, 1)[1]  # after the name, whatever the name contains
    counts = {}
    for v, rx in counts_re.items():
        found = rx.search(parts)
        counts[v] = int(found.group(1)) if found else 0
    measures = {}
    for line in lines[1:]:
        s = line.strip()
        verdict = next((v for icon, v in icons.items() if s.startswith(icon)), None)
        found = _MEASURE_LINE.search(s)
        if verdict and found:
            measures[found.group(1)] = verdict
    return Report(counts, measures)


# the topics ----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _measures() -> list[tuple[str, str]]:
    """(id, title) of the nine measures, from policy_kb's rules (no database needed)."""
    from policy_kb.rules import load_rules

    return [(m.id, m.title) for m in load_rules().measures]


@lru_cache(maxsize=1)
def _intent_measure() -> dict[str, str]:
    from actions.common import INTENT_MEASURE

    return dict(INTENT_MEASURE)


def topic_of(intent: str | None, entities: Iterable[dict[str, Any]]) -> str | None:
    """The topic key of a user message: a measure id ("三、2") or an intent of the topics table; None = no topic."""
    if not intent:
        return None
    measure_ids = {mid for mid, _ in _measures()}
    if intent in _intent_measure():
        return _intent_measure()[intent]
    if intent == "lookup_clause":
        for e in entities:
            if e.get("entity") == "citation" and e.get("value") in measure_ids:
                return e["value"]
    return intent if intent in MESSAGES["topics"] else None


def topic_label(key: str) -> tuple[str, str]:
    """(label, citation) of a topic key."""
    titles = dict(_measures())
    if key in titles:
        return titles[key], f"《办法》{key}"
    t = MESSAGES["topics"].get(key, {"label": key, "ref": ""})
    return t["label"], (f"《办法》{t['ref']}" if t.get("ref") else "")


# the pass over the events --------------------------------------------------------------------------------------


@dataclass
class _Pending:
    """An unanswered-question candidate waiting for the bot's reply to classify it."""

    item: dict[str, Any]
    form_ran: bool = False
    reply: str | None = None


@dataclass
class _Check:
    day: str
    report: Report | None = None
    reports: int = 0


@dataclass
class _Sender:
    last_intent: str | None = None
    check: _Check | None = None
    pending: _Pending | None = None


@dataclass
class Insights:
    since: str | None
    until: str
    totals: dict[str, int] = field(default_factory=dict)
    per_day: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    measures: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    channels: list[dict[str, Any]] = field(default_factory=list)
    unanswered: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["unanswered"] = self.unanswered[:limit] if limit is not None else self.unanswered
        d["timezone"] = "Asia/Shanghai (UTC+8)"
        return d


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, TZ).date().isoformat()


def _json(text: str | None) -> dict[str, Any]:
    try:
        d = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    return d if isinstance(d, dict) else {}


def window(days: int | None, now: datetime | None = None) -> tuple[float | None, float, str | None]:
    """(since, until, first day) for "the last ``days`` days" in China time, today included; None = everything."""
    now = (now or datetime.now(TZ)).astimezone(TZ)
    until = now.timestamp() + 1
    if not days:
        return None, until, None
    first = now.date() - timedelta(days=days - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=TZ).timestamp()
    return since, until, first.isoformat()


def compute(url: str | None = None, days: int | None = None, now: datetime | None = None) -> Insights:
    """Insights over the whole store, or over the last ``days`` days."""
    url = url or tracker_store_url()
    since, until, first_day = window(days, now)
    ins = Insights(since=first_day, until=_day(until - 1))
    rows = read_events(url, since) if _store_exists(url) else iter(())

    senders: dict[str, _Sender] = defaultdict(_Sender)
    day_senders: dict[str, set] = defaultdict(set)
    day_msgs: Counter = Counter()
    day_checks: Counter = Counter()
    day_unanswered: Counter = Counter()
    topics: Counter = Counter()
    measure_questions: Counter = Counter()
    channels: Counter = Counter()
    checks: list[_Check] = []
    reports = 0
    candidates: list[_Pending] = []
    all_senders: set = set()

    def settle(st: _Sender) -> None:
        p, st.pending = st.pending, None
        if p is None:
            return
        intent = p.item["intent"]
        if intent in UNANSWERED_INTENTS:
            if intent == "nlu_fallback" and p.form_ran and p.reply is None:
                return  # the self-check form took it as an answer
            kind = "out_of_scope" if intent == "out_of_scope" else (p.reply or "fallback")
        elif p.reply in NOTHING_FOUND:
            kind = p.reply
        else:
            return
        p.item["kind"] = kind
        p.item["kind_label"] = MESSAGES["unanswered_kinds"][kind]
        day_unanswered[p.item.pop("day")] += 1
        candidates.append(p)

    for _id, sender, type_name, ts, intent, action, data in rows:
        if ts is None:
            continue
        st = senders[sender]
        if type_name == "user":
            settle(st)
            d = _json(data)
            parse = d.get("parse_data") or {}
            intent = intent or (parse.get("intent") or {}).get("name")
            day = _day(ts)
            all_senders.add(sender)
            day_senders[day].add(sender)
            day_msgs[day] += 1
            channels[d.get("input_channel") or ""] += 1
            topic = topic_of(intent, parse.get("entities") or [])
            if topic:
                topics[topic] += 1
                if topic in dict(_measures()):
                    measure_questions[topic] += 1
            st.pending = _Pending(
                {  # settled (kept or dropped) once the bot's reply is known
                    "id": _id,
                    "day": day,
                    "time": datetime.fromtimestamp(ts, TZ).isoformat(timespec="seconds"),
                    "timestamp": ts,
                    "sender": hash_sender(sender),
                    "intent": intent,
                    "confidence": round(float((parse.get("intent") or {}).get("confidence") or 0.0), 3),
                    "channel": d.get("input_channel") or "",
                    "text": d.get("text") or "",
                }
            )
            st.last_intent = intent
        elif type_name == "action":
            if action == FORM_ACTION and st.pending:
                st.pending.form_ran = True
            elif action == "action_start_check" and (st.last_intent != "inform" or st.check is None):
                st.check = _Check(_day(ts))
                checks.append(st.check)
                day_checks[st.check.day] += 1
        elif type_name == "bot":
            d = _json(data)
            utter = (d.get("metadata") or {}).get("utter_action")
            if utter == REPORT_UTTER:
                report = parse_report((d.get("metadata") or {}).get("report") or d.get("text") or "")
                if report is None:
                    continue
                reports += 1
                if st.check is None:  # a report whose start lies before the window
                    st.check = _Check(_day(ts))
                    checks.append(st.check)
                st.check.report = report
                st.check.reports += 1
            elif utter in REPLY_KIND and st.pending and st.pending.reply is None:
                st.pending.reply = REPLY_KIND[utter]
    for st in senders.values():
        settle(st)

    # assemble
    verdict_totals: Counter = Counter()
    measure_verdicts: dict[str, Counter] = defaultdict(Counter)
    for c in checks:
        if c.report:
            verdict_totals.update(c.report.counts)
            for mid, v in c.report.measures.items():
                measure_verdicts[mid][v] += 1
    from policy_kb.rules import messages

    labels = messages()["verdicts"]

    unanswered = sorted((p.item for p in candidates), key=lambda i: (i["timestamp"], i["id"]), reverse=True)
    for item in unanswered:
        item.pop("timestamp", None)
        item.pop("id", None)
    days_seen = sorted(set(day_msgs) | set(day_checks))
    ins.per_day = [
        {
            "date": day,
            "conversations": len(day_senders[day]),
            "messages": day_msgs[day],
            "checks": day_checks[day],
            "unanswered": day_unanswered[day],
        }
        for day in _fill(days_seen, first_day)
    ]
    ins.topics = [
        {"topic": k, "label": topic_label(k)[0], "citation": topic_label(k)[1], "count": n}
        for k, n in sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    ins.measures = [
        {
            "id": mid,
            "title": title,
            "citation": f"《办法》{mid}",
            "questions": measure_questions[mid],
            "verdicts": {v: measure_verdicts[mid][v] for v in VERDICTS},
        }
        for mid, title in _measures()
    ]
    ins.verdicts = [{"verdict": v, "label": labels[v], "count": verdict_totals[v]} for v in VERDICTS]
    ins.channels = [
        {"channel": k, "label": MESSAGES["channels"].get(k, k), "count": n} for k, n in channels.most_common()
    ]
    ins.unanswered = unanswered
    ins.totals = {
        "conversations": len(all_senders),
        "messages": sum(day_msgs.values()),
        "checks": len(checks),
        "checks_completed": sum(1 for c in checks if c.report),
        "reports": reports,
        "unanswered": len(unanswered),
    }
    return ins


def _fill(days: list[str], first: str | None) -> list[str]:
    """Every day from the first (the window's start, or the first day with messages) to the last, gaps as zero."""
    if not days:
        return []
    start = date.fromisoformat(first or days[0])
    end = date.fromisoformat(days[-1])
    return [(start + timedelta(n)).isoformat() for n in range((end - start).days + 1)]


# CSV -----------------------------------------------------------------------------------------------------------

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A CSV cell Excel will not run: text starting like a formula gets a leading apostrophe (OWASP)."""
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(_FORMULA) else s


def _csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([_cell(v) for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel then reads UTF-8 Chinese correctly


def unanswered_csv(ins: Insights) -> bytes:
    ch = MESSAGES["channels"]
    return _csv(
        MESSAGES["csv"]["unanswered"],
        (
            [
                u["time"],
                u["sender"],
                u["kind_label"],
                u["intent"],
                u["confidence"],
                ch.get(u["channel"], u["channel"]),
                u["text"],
            ]
            for u in ins.unanswered
        ),
    )


def topics_csv(ins: Insights) -> bytes:
    return _csv(MESSAGES["csv"]["topics"], ([t["label"], t["citation"], t["count"]] for t in ins.topics))
