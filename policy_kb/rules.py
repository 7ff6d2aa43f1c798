"""Loads the rules data (measures, vocabulary, messages) and formats money for people."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"


def _load(name: str) -> dict[str, Any]:
    with open(DATA_DIR / name, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping at the top level")
    return data


@lru_cache(maxsize=1)
def messages() -> dict[str, Any]:
    return _load("messages.yaml")


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    return _load("vocabulary.yaml")


@lru_cache(maxsize=1)
def silences() -> dict[str, Any]:
    """What the text leaves open, with the terms that must not appear in it (data/silences.yaml)."""
    return _load("silences.yaml")


@dataclass(frozen=True)
class Condition:
    id: str
    kind: str  # "profile" | "authority"
    quote: str
    fact: str | None = None
    test: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # met / failed / unknown / remedy / pending


@dataclass(frozen=True)
class Measure:
    id: str  # "三、2"
    key: str
    title: str
    summary: str
    benefit: dict[str, Any]
    conditions: list[Condition]
    inputs: list[str] = field(default_factory=list)
    applies_to_profile: bool = True
    not_applicable: str = ""
    stale: bool = False  # the text in force changed this clause and the rule is not updated (policy_kb.versions)

    @property
    def citation(self) -> str:
        return f"《办法》{self.id}"


_TEXT_KEYS = ("met", "failed", "unknown", "remedy", "pending", "none", "narrow")
_CORE_KEYS = {"id", "kind", "quote", "fact", "test", *_TEXT_KEYS}


def _condition(d: dict[str, Any]) -> Condition:
    return Condition(
        id=d["id"],
        kind=d["kind"],
        quote=d["quote"],
        fact=d.get("fact"),
        test=d.get("test"),
        params={k: v for k, v in d.items() if k not in _CORE_KEYS},
        texts={k: d[k] for k in _TEXT_KEYS if k in d},
    )


@dataclass(frozen=True)
class RuleSet:
    support_ref: str
    support_conditions: list[Condition]
    measures: list[Measure]

    def measure(self, key_or_id: str) -> Measure | None:
        for m in self.measures:
            if key_or_id in (m.id, m.key):
                return m
        return None


def parse_rules(data: dict[str, Any]) -> RuleSet:
    so = data["support_objects"]
    measures = [
        Measure(
            id=m["id"],
            key=m["key"],
            title=m["title"],
            summary=m["summary"],
            benefit=dict(m["benefit"]),
            conditions=[_condition(c) for c in m["conditions"]],
            inputs=list(m.get("inputs", [])),
            applies_to_profile=m.get("applies_to_profile", True),
            not_applicable=m.get("not_applicable", ""),
        )
        for m in data["measures"]
    ]
    return RuleSet(so["ref"], [_condition(c) for c in so["conditions"]], measures)


@lru_cache(maxsize=1)
def rules_raw() -> dict[str, Any]:
    return _load("measures.yaml")


@lru_cache(maxsize=1)
def load_rules() -> RuleSet:
    """The packaged rules as of today (dated values resolved): measure names, keys and intents, which do not
    change between versions. Answers use a PolicyKB's rules, made for the day asked about."""
    from . import clock
    from .versions import resolve

    return parse_rules(resolve(rules_raw(), clock.today()))


@lru_cache(maxsize=1)
def intent_measure() -> dict[str, str]:
    """NLU intent → measure id: the intent that asks about a measure is ``ask_<key>`` (key from measures.yaml;
    tests/bot check that the domain declares each)."""
    return {f"ask_{m.key}": m.id for m in load_rules().measures}


def wan(yuan: int | float | Decimal, unit: bool = True) -> str:
    """Yuan → the 万元 form people read: 360000 → "36万元", 12345 → "1.2345万元", 5000 → "0.5万元"."""
    d = (Decimal(str(yuan)) / Decimal(10000)).normalize()
    if unit and d == 0:
        return "0元"  # not "0万元" (活动举办费0元: no event held)
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return f"{s}万元" if unit else s


def wan_range(lo: int, hi: int) -> str:
    """50万—500万元, the policy's own way of writing a range."""
    return f"{wan(lo, unit=False)}万—{wan(hi)}"


def percent_of(amount: int, percent: int | float) -> int:
    """Integer yuan, rounded half up to the yuan."""
    q = Decimal(amount) * Decimal(str(percent)) / Decimal(100)
    return int(q.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def clause_title(clause: Any) -> str:
    """A clause's short title: the part heading, the printed 四 item title, the measure title, or an editorial one."""
    if clause.heading:
        return str(clause.heading)
    if clause.part == "三" and clause.kind == "item":
        m = load_rules().measure(clause.ref)
        if m:
            return m.title
    return str(messages()["clause_titles"].get(clause.ref, ""))
