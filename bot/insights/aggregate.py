"""One pass over the tracker store's events → the console's insights (what is counted: the package docstring)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.insights.reports import VERDICTS, Report, report_of
from bot.insights.store import hash_sender, read_events, store_exists
from bot.tracker_store import tracker_store_url

MESSAGES: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parent.parent / "channels" / "staff_messages.yml").read_text(encoding="utf-8")
)

TZ = timezone(timedelta(hours=8), "Asia/Shanghai")  # China has no daylight saving time
UNANSWERED_INTENTS = ("out_of_scope", "nlu_fallback")
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
# The message-for-the-bureau form's replies (bot/domain/tickets.yml): a message they answer was an answer inside
# that form (a name, a phone number, an e-mail address) and is never listed, whatever its intent.
TICKET_UTTERS = ("utter_ask_ticket_", "utter_ticket_")
BOT_UTTERS = (REPORT_UTTER, *REPLY_KIND, *TICKET_UTTERS)


# the topics ----------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _measures() -> list[tuple[str, str]]:
    """(id, title) of the nine measures, from policy_kb's rules (no database needed)."""
    from policy_kb.rules import load_rules

    return [(m.id, m.title) for m in load_rules().measures]


@lru_cache(maxsize=1)
def _intent_measure() -> dict[str, str]:
    from policy_kb.rules import intent_measure

    return intent_measure()


def topic_of(intent: str | None, entities: Iterable[dict[str, Any]]) -> str | None:
    """The topic key of a user message: a measure id ("三、2") or an intent of the topics table; None = no topic."""
    if not intent:
        return None
    if intent in _intent_measure():
        return _intent_measure()[intent]
    if intent == "lookup_clause":
        measure_ids = {mid for mid, _ in _measures()}
        for e in entities:
            if e.get("entity") == "citation" and e.get("value") in measure_ids:
                return str(e["value"])
    return intent if intent in MESSAGES["topics"] else None


def topic_label(key: str) -> tuple[str, str]:
    """(label, citation) of a topic key."""
    titles = dict(_measures())
    if key in titles:
        return titles[key], f"《办法》{key}"
    t = MESSAGES["topics"].get(key, {"label": key, "ref": ""})
    return t["label"], (f"《办法》{t['ref']}" if t.get("ref") else "")


# the result ----------------------------------------------------------------------------------------------------


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


def _fill(days: list[str], first: str | None) -> list[str]:
    """Every day from the first (the window's start, or the first day with messages) to the last, gaps as zero."""
    if not days:
        return []
    start = date.fromisoformat(first or days[0])
    end = date.fromisoformat(days[-1])
    return [(start + timedelta(n)).isoformat() for n in range((end - start).days + 1)]


# the pass ------------------------------------------------------------------------------------------------------


@dataclass
class _Pending:
    """An unanswered-question candidate waiting for the bot's reply to classify it."""

    item: dict[str, Any]
    form_ran: bool = False
    reply: str | None = None
    in_ticket_form: bool = False


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


class _Pass:
    """The counters of one pass over the events, fed event by event in store order."""

    def __init__(self) -> None:
        self.senders: dict[str, _Sender] = defaultdict(_Sender)
        self.day_senders: dict[str, set[str]] = defaultdict(set)
        self.day_msgs: Counter[str] = Counter()
        self.day_checks: Counter[str] = Counter()
        self.day_unanswered: Counter[str] = Counter()
        self.topics: Counter[str] = Counter()
        self.measure_questions: Counter[str] = Counter()
        self.channels: Counter[str] = Counter()
        self.checks: list[_Check] = []
        self.reports = 0
        self.candidates: list[_Pending] = []

    def feed(self, row: tuple[Any, ...]) -> None:
        _id, sender, type_name, ts, intent, action, data = row
        if ts is None:
            return
        st = self.senders[sender]
        if type_name == "user":
            self.user(st, _id, sender, ts, intent, _json(data))
        elif type_name == "action":
            self.action(st, action, ts)
        elif type_name == "bot":
            self.bot(st, ts, _json(data))

    def user(self, st: _Sender, _id: int, sender: str, ts: float, intent: str | None, d: dict[str, Any]) -> None:
        self.settle(st)
        parse = d.get("parse_data") or {}
        intent = intent or (parse.get("intent") or {}).get("name")
        day = _day(ts)
        self.day_senders[day].add(sender)
        self.day_msgs[day] += 1
        self.channels[d.get("input_channel") or ""] += 1
        topic = topic_of(intent, parse.get("entities") or [])
        if topic:
            self.topics[topic] += 1
            if topic in dict(_measures()):
                self.measure_questions[topic] += 1
        st.pending = _Pending(  # settled (kept or dropped) once the bot's reply is known
            {
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

    def action(self, st: _Sender, action: str | None, ts: float) -> None:
        if action == "eligibility_form" and st.pending:
            st.pending.form_ran = True
        elif action == "action_start_check" and (st.last_intent != "inform" or st.check is None):
            # intent inform inside a running check re-runs the action: a correction, not a new check
            st.check = self._new_check(ts)
            self.day_checks[st.check.day] += 1

    def _new_check(self, ts: float) -> _Check:
        check = _Check(_day(ts))
        self.checks.append(check)
        return check

    def bot(self, st: _Sender, ts: float, d: dict[str, Any]) -> None:
        utter = (d.get("metadata") or {}).get("utter_action")
        if utter == REPORT_UTTER:
            report = report_of(d)
            if report is None:
                return
            self.reports += 1
            if st.check is None:  # a report whose start lies before the window
                st.check = self._new_check(ts)
            st.check.report = report  # a corrected answer re-runs the report: the last one counts
            st.check.reports += 1
        elif utter in REPLY_KIND and st.pending and st.pending.reply is None:
            st.pending.reply = REPLY_KIND[utter]
        elif isinstance(utter, str) and utter.startswith(TICKET_UTTERS) and st.pending:
            st.pending.in_ticket_form = True

    def settle(self, st: _Sender) -> None:
        """Keep the sender's last message as unanswered, or drop it, now that the bot's reply is known."""
        p, st.pending = st.pending, None
        if p is None or p.in_ticket_form:
            return
        intent = p.item["intent"]
        if intent in UNANSWERED_INTENTS:
            if intent == "nlu_fallback" and p.form_ran and p.reply is None:
                return  # the self-check form took it as an answer
            kind = "out_of_scope" if intent == "out_of_scope" else (p.reply or "fallback")
        elif p.reply in NOTHING_FOUND:
            kind = str(p.reply)
        else:
            return
        p.item["kind"] = kind
        p.item["kind_label"] = MESSAGES["unanswered_kinds"][kind]
        self.day_unanswered[p.item.pop("day")] += 1
        self.candidates.append(p)

    def finish(self, ins: Insights, first_day: str | None) -> Insights:
        for st in self.senders.values():
            self.settle(st)
        unanswered = sorted((p.item for p in self.candidates), key=lambda i: (i["timestamp"], i["id"]), reverse=True)
        for item in unanswered:
            item.pop("timestamp", None)
            item.pop("id", None)
        ins.unanswered = unanswered
        ins.per_day = [
            {
                "date": day,
                "conversations": len(self.day_senders[day]),
                "messages": self.day_msgs[day],
                "checks": self.day_checks[day],
                "unanswered": self.day_unanswered[day],
            }
            for day in _fill(sorted(set(self.day_msgs) | set(self.day_checks)), first_day)
        ]
        ins.topics = [
            {"topic": k, "label": topic_label(k)[0], "citation": topic_label(k)[1], "count": n}
            for k, n in sorted(self.topics.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        ins.channels = [
            {"channel": k, "label": MESSAGES["channels"].get(k, k), "count": n} for k, n in self.channels.most_common()
        ]
        self._verdicts(ins)
        ins.totals = {
            "conversations": len({s for day in self.day_senders.values() for s in day}),
            "messages": sum(self.day_msgs.values()),
            "checks": len(self.checks),
            "checks_completed": sum(1 for c in self.checks if c.report),
            "reports": self.reports,
            "unanswered": len(unanswered),
        }
        return ins

    def _verdicts(self, ins: Insights) -> None:
        from policy_kb.rules import messages

        totals: Counter[str] = Counter()
        per_measure: dict[str, Counter[str]] = defaultdict(Counter)
        for c in self.checks:
            if c.report:
                totals.update(c.report.counts)
                for mid, v in c.report.measures.items():
                    per_measure[mid][v] += 1
        ins.measures = [
            {
                "id": mid,
                "title": title,
                "citation": f"《办法》{mid}",
                "questions": self.measure_questions[mid],
                "verdicts": {v: per_measure[mid][v] for v in VERDICTS},
            }
            for mid, title in _measures()
        ]
        labels = messages()["verdicts"]
        ins.verdicts = [{"verdict": v, "label": labels[v], "count": totals[v]} for v in VERDICTS]


def compute(url: str | None = None, days: int | None = None, now: datetime | None = None) -> Insights:
    """Insights over the whole store, or over the last ``days`` days."""
    url = url or tracker_store_url()
    since, until, first_day = window(days, now)
    rows = read_events(url, BOT_UTTERS, since) if store_exists(url) else iter(())
    p = _Pass()
    for row in rows:
        p.feed(row)
    return p.finish(Insights(since=first_day, until=_day(until - 1)), first_day)
