"""The registry of profile facts (``data/facts.yaml``): name, type, labels, question, slot and ask order.

Everything that lists the facts derives its list from here: the profile's fields and parsers
(``policy_kb.profile``), the engine's order of missing facts, the report's labels, the action server's slot list;
the Rasa domain (slots, ``required_slots``, ``utter_ask_<slot>``) cannot be generated at run time, so a test
fails when it and the registry disagree (tests/bot/test_domain_facts.py). Which measures depend on a fact is
derived from the rules (``measures_using``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from .rules import _load, load_rules

TYPES = ("text", "category", "bool", "date", "establishment", "rank_500", "yuan", "count", "level", "year")


@dataclass(frozen=True)
class FactSpec:
    name: str
    type: str
    label: str
    label_short: str
    question: str | None
    slot: str
    asked: bool

    @property
    def measures(self) -> tuple[str, ...]:
        """Ids of the measures whose verdict or amount depends on this fact."""
        return measures_using(self.name)


@lru_cache(maxsize=1)
def registry() -> tuple[FactSpec, ...]:
    """Every fact, in the order a dialogue asks them (facts not asked, like the name, included)."""
    specs = []
    for d in _load("facts.yaml")["facts"]:
        if d["type"] not in TYPES:
            raise ValueError(f"facts.yaml: {d['name']}: unknown type {d['type']!r}")
        asked = bool(d.get("asked", True))
        if asked and not d.get("question"):
            raise ValueError(f"facts.yaml: {d['name']}: an asked fact needs a question")
        specs.append(
            FactSpec(
                name=d["name"],
                type=d["type"],
                label=d["label"],
                label_short=d["label_short"],
                question=d.get("question"),
                slot=d.get("slot", d["name"]),
                asked=asked,
            )
        )
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError("facts.yaml: a fact is listed twice")
    return tuple(specs)


@lru_cache(maxsize=1)
def _by_name() -> dict[str, FactSpec]:
    return {s.name: s for s in registry()}


def fact(name: str) -> FactSpec:
    return _by_name()[name]


def names() -> list[str]:
    """Every fact name: the profile's fields."""
    return [s.name for s in registry()]


def asked() -> list[str]:
    """The facts the self-check form asks, in order (= the form's required slots)."""
    return [s.name for s in registry() if s.asked]


def label(name: str) -> str:
    spec = _by_name().get(name)
    return spec.label if spec else name


def label_short(name: str) -> str:
    spec = _by_name().get(name)
    return spec.label_short if spec else name


@cache
def measures_using(name: str) -> tuple[str, ...]:
    """Measures whose conditions test the fact or whose amount takes it as an input (the support-object facts
    of 二 count for every measure)."""
    rules = load_rules()
    if any(c.fact == name for c in rules.support_conditions):
        return tuple(m.id for m in rules.measures)
    return tuple(m.id for m in rules.measures if name in m.inputs or any(c.fact == name for c in m.conditions))
