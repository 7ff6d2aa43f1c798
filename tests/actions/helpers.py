"""Run actions on JSON tracker fixtures and render what they say through the domain's response templates."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.nlu.policy_entities import find_entities

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "trackers.json").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 11, 25)


def _responses() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        out.update(yaml.safe_load(f.read_text(encoding="utf-8")).get("responses", {}))
    return out


RESPONSES = _responses()
DOMAIN: dict[str, Any] = {"responses": RESPONSES, "slots": {}, "forms": {}}
for _f in sorted((ROOT / "bot" / "domain").glob("*.yml")):
    _d = yaml.safe_load(_f.read_text(encoding="utf-8"))
    DOMAIN["slots"].update(_d.get("slots", {}))
    DOMAIN["forms"].update(_d.get("forms", {}))


def tracker(
    fixture: str,
    text: str = "",
    intent: str = "inform",
    entities: list[dict] | None = None,
    slots: dict[str, Any] | None = None,
    extract: bool = True,
) -> Tracker:
    state = copy.deepcopy(FIXTURES[fixture])
    # as the Rasa server sends them: each entity found by the NLU component names its extractor (payload
    # entities of a button, given with ``entities=``, do not)
    ents = (
        entities
        if entities is not None
        else ([{**e, "extractor": "PolicyEntityExtractor"} for e in find_entities(text, TODAY)] if extract else [])
    )
    state["latest_message"] = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": ents}
    if slots:
        state["slots"].update(slots)
    return Tracker.from_dict(state)


def run(action, t: Tracker):
    d = CollectingDispatcher()
    result = action.run(d, t, DOMAIN)
    if asyncio.iscoroutine(result):  # FormValidationAction.run is async, the other actions are not
        result = asyncio.run(result)
    return d.messages, result


def render(messages: list[dict[str, Any]]) -> str:
    """The text people would see: each response template filled with the action's values. As Rasa does
    (``RemoteAction._utter_responses``), a ``text`` sent with a response replaces the template's text."""
    out = []
    for m in messages:
        name = m.get("response") or m.get("template")
        if m.get("text"):
            out.append(m["text"])
        elif name:
            template = RESPONSES[name][0]["text"]
            kwargs = {k: v for k, v in m.items() if k not in ("response", "template", "text")}
            out.append(template.format(**kwargs))
    return "\n".join(out)


def slot_events(events) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
