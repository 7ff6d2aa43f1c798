"""Shared glue: the knowledge base, entities of the latest message, list formatting."""

from __future__ import annotations

import threading
from datetime import date
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker

from policy_kb.kb import PolicyKB
from policy_kb.rules import Measure, intent_measure, messages
from policy_kb.understand import Understanding, understand

_kb: PolicyKB | None = None
_lock = threading.Lock()

# Which measure each question intent asks about (《办法》三、1 … 三、9).
INTENT_MEASURE = intent_measure()  # ask_rent_subsidy → 三、2 …, from policy_kb
MEASURE_INTENT = {v: k for k, v in INTENT_MEASURE.items()}


@lru_cache(maxsize=256)
def understood(text: str, on: date) -> Understanding:
    """policy_kb's reading of a message with no question pending: several actions of one turn ask it (figures,
    near scope, premises), so it is computed once per text and day. Callers only read the result."""
    return understand(text, None, {}, on)


def kb() -> PolicyKB:
    """The knowledge base, loaded once from the database (built there on first use)."""
    global _kb
    with _lock:
        if _kb is None:
            _kb = PolicyKB.load()
        return _kb


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
