"""The Rasa domain agrees with policy_kb: the form's slots and questions with the fact registry, the measure
intents with the rules; and bot/ (the Rasa side) imports nothing from actions/ (the action server)."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from policy_kb import facts
from policy_kb.rules import intent_measure, load_rules

ROOT = Path(__file__).resolve().parents[2]


def _domain() -> dict:
    merged: dict = {}
    for f in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        d = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        for key, value in d.items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
    return merged


def test_the_form_asks_the_registry_facts_in_the_registry_order():
    form = _domain()["forms"]["eligibility_form"]
    assert form["required_slots"] == [facts.fact(f).slot for f in facts.asked()]


def test_every_fact_has_a_slot_filled_by_the_actions_and_every_asked_fact_a_question():
    d = _domain()
    for spec in facts.registry():
        slot = d["slots"].get(spec.slot)
        assert slot is not None, f"domain: no slot {spec.slot} for fact {spec.name}"
        assert slot["mappings"] == [{"type": "custom"}] and slot["influence_conversation"] is False
        if spec.asked:
            assert f"utter_ask_{spec.slot}" in d["responses"], spec.slot


def test_the_action_server_slot_list_is_the_registry():
    from actions.facts import PROFILE_SLOTS

    assert _domain()["forms"]["eligibility_form"]["required_slots"] == PROFILE_SLOTS


def test_every_measure_intent_is_in_the_domain():
    intents = {i if isinstance(i, str) else next(iter(i)) for i in _domain()["intents"]}
    assert set(intent_measure()) <= intents
    assert sorted(intent_measure().values()) == sorted(m.id for m in load_rules().measures)


def test_bot_imports_nothing_from_actions():
    offenders = []
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n == "actions" or n.startswith("actions.")]
    assert offenders == []
