"""Rule-based entities for the policy assistant, from policy_kb's spaCy extractor and vocabulary.

money (yuan; per year where the user says 每月/每年), percent, date, category, honour_level, rank_500,
establishment, citation. Numbers are normalised here (八十万 → 800000, 每月5万 → 600000 per year) because DIET
alone is unreliable for numbers.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from policy_kb.citations import resolve
from policy_kb.clock import today
from policy_kb.extract import extract
from policy_kb.jieba_setup import load_policy_dictionary
from policy_kb.rules import vocabulary

# The same jieba dictionary (and the same split words) for training and inference, before any tokenizer runs.
load_policy_dictionary()


def _vocab_patterns() -> List[Tuple[str, "re.Pattern[str]", str, str]]:
    """(lower-cased alias, its pattern, entity, canonical value), longest alias first so 不是500强 wins over 500强."""
    voc = vocabulary()
    out: List[Tuple[str, str, str]] = []
    for canon, spec in voc["categories"].items():
        for a in [canon] + spec.get("aliases", []):
            out.append((a, "category", canon))
    other = voc["other_hr_service"]
    for a in other["aliases"]:
        out.append((a, "category", other["canonical"]))
    for a in voc["not_listed_examples"]:
        out.append((a, "category", a))
    for canon, spec in voc["honour_levels"].items():
        if isinstance(spec, dict):
            for a in spec["aliases"]:
                out.append((a, "honour_level", canon))
    for canon, spec in voc["rank_500"].items():
        for a in spec["aliases"]:
            if re.search(r"[\u4e00-\u9fff]", a):
                out.append((a, "rank_500", canon))
    for a in ("五百强", "500强"):
        out.append((a, "rank_500", "unspecified"))
    for canon, spec in voc["establishments"].items():
        for a in spec["aliases"]:
            out.append((a, "establishment", canon))
    out.sort(key=lambda x: -len(x[0]))
    return [(a.lower(), re.compile(re.escape(a), re.IGNORECASE), entity, canon) for a, entity, canon in out]


def find_entities(text: str, on: dt.date) -> List[Dict[str, Any]]:
    ents: List[Dict[str, Any]] = []
    taken = [False] * len(text)

    def add(start: int, end: int, entity: str, value: Any, extra: Dict[str, Any] = None) -> None:
        if start < 0 or end > len(text) or any(taken[start:end]):
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

    for q in extract(text, on):
        if q.label == "MONEY" and q.value.get("yuan") is not None:
            yuan = q.value.get("yuan_per_year", q.value["yuan"])
            add(q.start, q.end, "money", -yuan if q.value.get("negative") else yuan,
                {"period": q.value.get("period"), "amount": q.value["yuan"]})
        elif q.label == "PERCENT" and q.value.get("percent") is not None:
            add(q.start, q.end, "percent", q.value["percent"])
        elif q.label == "DATE" and q.value.get("year"):
            v = q.value
            iso = f"{v['year']:04d}" + (f"-{v['month']:02d}" if v.get("month") else "") + \
                  (f"-{v['day']:02d}" if v.get("day") else "")
            add(q.start, q.end, "date", iso)

    folded = text.lower()
    for alias, pattern, entity, canon in _PATTERNS:
        if alias in folded:  # cheap test first; most messages mention few vocabulary terms
            for m in pattern.finditer(text):
                add(m.start(), m.end(), entity, canon)
    ents.sort(key=lambda e: e["start"])
    return ents


_PATTERNS = _vocab_patterns()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class PolicyEntityExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "PolicyEntityExtractor":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        on = today()
        for message in messages:
            text = message.get(TEXT) or ""
            found = self.add_extractor_name(find_entities(text[:2000], on))
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
