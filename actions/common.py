"""Shared glue: the knowledge base, entities of the latest message, list formatting."""

from __future__ import annotations

import logging
import os
import threading
import time
from datetime import date
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker

from policy_kb import clock
from policy_kb.asof import AsOf, asked_day
from policy_kb.kb import PolicyKB, PolicyLibrary
from policy_kb.rules import Measure, intent_measure, messages
from policy_kb.store import make_engine, marker
from policy_kb.understand import Understanding, understand

logger = logging.getLogger(__name__)

_library: PolicyLibrary | None = None
_checked = 0.0
_lock = threading.Lock()
# How often (seconds) the action server looks whether staff added a text version (python -m policy_kb load).
RELOAD_SECONDS = float(os.environ.get("KB_RELOAD_SECONDS", "30"))

# Which measure each question intent asks about (《办法》三、1 … 三、9).
INTENT_MEASURE = intent_measure()  # ask_rent_subsidy → 三、2 …, from policy_kb
MEASURE_INTENT = {v: k for k, v in INTENT_MEASURE.items()}


@lru_cache(maxsize=256)
def understood(text: str, on: date, asked: str | None = None) -> Understanding:
    """policy_kb's reading of a message with no question pending (or, with ``asked``, as the answer to a question
    about that fact, nothing known yet): several actions of one turn ask it (figures, near scope, premises), so it
    is computed once per text, day and fact. Callers only read the result."""
    return understand(text, asked, {}, on)


def library() -> PolicyLibrary:
    """Every text version and the rules, loaded from the database (built there on first use), and loaded again
    when a version or the rules changed since (looked at every KB_RELOAD_SECONDS; a reload never builds)."""
    global _library, _checked
    with _lock:
        now = time.monotonic()
        if _library is not None and now - _checked < RELOAD_SECONDS:
            return _library
        _checked = now
        engine = make_engine()
        try:
            if _library is None:
                _library = PolicyLibrary.load(engine)
            elif marker(engine) != _library.marker:  # the marker the loaded library was read with
                _library = PolicyLibrary.load(engine, auto_build=False)
        except Exception as e:  # the store is unreachable: keep serving what was loaded
            if _library is None:
                raise
            logger.warning("knowledge base reload failed (%s); serving the versions loaded before", type(e).__name__)
        finally:
            engine.dispose()
        return _library


def kb() -> PolicyKB:
    """The knowledge base as of today: the 《办法》 version in force and the rules for it."""
    return library().at(clock.today())


def kb_on(day: date) -> PolicyKB:
    """The knowledge base as of ``day`` (an as-of question)."""
    return library().at(day)


def as_of_in(text: str) -> AsOf | None:
    """The as-of day a question asks about ("2023年的时候能拿吗", "去年入驻时的政策"), or None."""
    starts = [v.effective_from for v in library().versions]
    return asked_day(text, clock.today(), starts)


def asked_as_of(tracker: Tracker) -> AsOf | None:
    return as_of_in(latest_text(tracker))


def version_note(k: PolicyKB, as_of: AsOf | None = None, before: bool = False) -> str:
    """The line that names the version an answer used: "（依据嘉府办发〔2022〕14号，2022年1月1日起施行）"; for an as-of
    question the day too, and any other version that took effect within what was asked ("2027年" and a text of
    2027-07-01). ``before``: the day asked about is before the 《办法》 took effect (that is the answer)."""
    t = messages()["versions"]
    if as_of is None:
        return k.version_line()
    day = cn_day(as_of.day)
    if before:
        first = k.version
        return str(
            t["not_yet"].format(
                date=as_of.text,
                citation="《办法》五（三）",
                effective=cn_day(first.effective_from),
                version=first.label,
            )
        )
    line = str(t["as_of"].format(date=day, version=k.version.label))
    for d in as_of.later:
        later = library().at(d)
        line += str(t["as_of_later"].format(version=later.version.label))
    return line


def supplements_note(k: PolicyKB) -> str:
    """ "已收录的补充文件：《实施细则》（嘉人社〔2026〕88号，2026年12月1日起施行）…": the supplements in force."""
    t = messages()["versions"]
    names = t["joiner"].join(t["supplement"].format(title=v.short_title, version=v.label) for v in k.supplements)
    example = t["supplement_example"].format(document=k.supplements[0].document)
    return str(t["supplements"].format(names=names, example=example))


def cn_day(d: date) -> str:
    """2022年1月1日 (messages.yaml versions.day): how answers write a day."""
    return str(messages()["versions"]["day"].format(y=d.year, m=d.month, d=d.day))


def measure_buttons() -> list[dict[str, str]]:
    """One button per measure (《办法》三、1–9), its question intent as payload."""
    return [{"title": m.title, "payload": f"/{MEASURE_INTENT[m.id]}"} for m in kb().rules.measures]


def entity_values(tracker: Tracker, name: str) -> list[Any]:
    return [e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == name]


def first_entity(tracker: Tracker, name: str) -> dict[str, Any] | None:
    return next((e for e in tracker.latest_message.get("entities", []) if e.get("entity") == name), None)


def event_intent(event: dict[str, Any]) -> str | None:
    """The intent name of a stored user event (its parse_data)."""
    return ((event.get("parse_data") or {}).get("intent") or {}).get("name")


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def bullets(lines: list[str]) -> str:
    return "\n".join(f"· {ln}" for ln in lines) if lines else "· （无）"


def apply_note() -> str:
    return "\n".join(messages()["next_steps"])


def authority() -> str:
    return messages()["authority"]


def measure_conditions(m: Measure) -> dict[str, str]:
    """The conditions of a measure as quoted from the text: what a profile decides, and what 区人社局 judges."""
    k = kb()
    support_cit = f"《办法》{k.rules.support_ref}"
    decidable = [f"{c.quote}（{support_cit}）" for c in k.rules.support_conditions if c.kind == "profile"]
    decidable += [f"{c.quote}（{m.citation}）" for c in m.conditions if c.kind == "profile"]
    authority_items = [
        f"{c.texts['pending']}（{support_cit}）" for c in k.rules.support_conditions if c.kind == "authority"
    ]
    authority_items += [f"{c.texts['pending']}（{m.citation}）" for c in m.conditions if c.kind == "authority"]
    if not m.applies_to_profile:
        decidable, authority_items = [m.not_applicable], authority_items[-1:]
    return {"conditions": bullets(decidable), "to_verify": bullets(authority_items)}
