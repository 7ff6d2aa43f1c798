"""The held-out aspect/topic set (tests/heldout/aspects.yaml, 217 questions written from the policy text alone,
apart from the lexicon, never used to tune it): how often the planner reads the clause and the aspect asked.

First measured when the set was written (2026-12-01): topic 0.871, aspect 0.834. The floors below are that
measurement rounded down — a regression check, not a target the lexicon was fitted to. Results go to var/.
"""

import json
from collections import Counter
from pathlib import Path

import yaml

from policy_kb import questions
from policy_kb.kb import PolicyKB

ROOT = Path(__file__).resolve().parents[2]
TOPIC_FLOOR, ASPECT_FLOOR = 0.85, 0.80


def test_held_out_topic_and_aspect_accuracy():
    kb = PolicyKB.from_source()
    cases = yaml.safe_load((ROOT / "tests" / "heldout" / "aspects.yaml").read_text(encoding="utf-8"))
    assert len(cases) >= 200
    topic_ok = aspect_ok = 0
    per_aspect, totals = Counter(), Counter()
    for c in cases:
        items = questions.plan(kb, c["text"])
        ref, aspect = (items[0][0], items[0][1]) if items else (None, "summary")
        topic_ok += ref == c["topic"]
        aspect_ok += aspect == c["aspect"]
        totals[c["aspect"]] += 1
        per_aspect[c["aspect"]] += aspect == c["aspect"]
    topic, aspect = topic_ok / len(cases), aspect_ok / len(cases)
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / "heldout_aspects.json").write_text(
        json.dumps(
            {
                "cases": len(cases),
                "topic": round(topic, 4),
                "aspect": round(aspect, 4),
                "per_aspect": {a: f"{per_aspect[a]}/{totals[a]}" for a in sorted(totals)},
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    assert topic >= TOPIC_FLOOR and aspect >= ASPECT_FLOOR, (topic, aspect)
