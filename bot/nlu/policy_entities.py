"""Entities for the policy assistant from policy_kb's understanding layer (one place that reads facts).

Profile facts come from ``policy_kb.understand`` (money per year with its period, dates as intervals, negation,
categories, levels, 500强, establishment) — the same reading the form and the answers use, so NLU and dialogue
never disagree on a number. Each fact entity carries the fact name, the kind of statement and the JSON value in
``additional_info``. The aspect asked (policy_kb.aspects' lexicon: 几年 → duration, 原文 → text) is an
``aspect`` entity, the same name the answer buttons' payloads use. Quantities that are not facts (the policy's own
amounts, percentages) come from the spaCy extractor for the entity features; citations from the resolver.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from policy_kb.aspects import find_words, lexicon
from policy_kb.citations import resolve
from policy_kb.clock import today
from policy_kb.extract import extract, pipeline
from policy_kb.jieba_setup import load_policy_dictionary
from policy_kb.text import to_simplified
from policy_kb.understand import understand

# The same jieba dictionary (and the same split words) for training and inference, before any tokenizer runs.
load_policy_dictionary()


FACT_ENTITY = {
    "annual_rent": "money",
    "event_cost": "money",
    "entry_date": "date",
    "honour_year": "date",
    "recognition_year": "date",
    "category": "category",
    "honour_level": "honour_level",
    "recognition_level": "honour_level",
    "rank_500": "rank_500",
    "establishment": "establishment",
}


_ASPECTS: dict[str, list[str]] = {}


def aspect_table() -> dict[str, list[str]]:
    if not _ASPECTS:
        _ASPECTS.update({a: list(spec.get("triggers") or []) for a, spec in lexicon()["aspects"].items()})
    return _ASPECTS


def find_entities(text: str, on: dt.date) -> list[dict[str, Any]]:
    ents: list[dict[str, Any]] = []
    taken = [False] * len(text)

    def add(start: int, end: int, entity: str, value: Any, extra: dict[str, Any] | None = None) -> None:
        if start < 0 or end > len(text) or start >= end or any(taken[start:end]):
            return
        for i in range(start, end):
            taken[i] = True
        e = {"entity": entity, "start": start, "end": end, "value": value, "confidence_entity": 1.0}
        if extra:
            e["additional_info"] = extra
        ents.append(e)

    res = resolve(text)
    if res.matched:
        pos = text.find(res.matched)
        if pos < 0:  # the resolver read a normalised form (全角, 《办法》): mark the whole reference area
            pos, length = 0, len(text)
        else:
            length = len(res.matched)
        add(pos, pos + length, "citation", res.ref if res.ok else res.matched)

    for f in understand(text, None, {}, on).facts:
        entity = FACT_ENTITY.get(f.name)
        if entity and f.value is not None and f.end > f.start:
            value = f.json_value()
            add(f.start, f.end, entity, value, {"fact": f.name, "kind": f.kind, "approx": f.approx})

    # what the question asks about (aspects of policy_kb's lexicon): 几年 → duration, 原文 → text, 门槛 → conditions
    simplified = to_simplified(text)
    if len(simplified) == len(text):
        for start, end, aspect in find_words(simplified, aspect_table()):
            add(start, end, "aspect", aspect)

    for q in extract(text, on):
        if q.label == "MONEY" and q.value.get("yuan") is not None:
            add(q.start, q.end, "money", q.value["yuan"], {"fact": None})
        elif q.label == "MONEY_RANGE" and q.value.get("min") is not None:
            add(q.start, q.end, "money", [q.value["min"], q.value["max"]], {"fact": None})
        elif q.label == "PERCENT" and q.value.get("percent") is not None:
            add(q.start, q.end, "percent", q.value["percent"])
        elif q.label == "DATE" and q.value.get("year"):
            add(q.start, q.end, "date", str(q.value["year"]), {"fact": None})
    ents.sort(key=lambda e: e["start"])
    return ents


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class PolicyEntityExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> PolicyEntityExtractor:
        pipeline()  # spaCy and jieba's dictionary loaded with the model, not by the first message with a number
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        on = today()
        for message in messages:
            text = message.get(TEXT) or ""
            found = self.add_extractor_name(find_entities(text[:2000], on))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
