"""The review loop's storage and export (records/review.py), SQLite and PostgreSQL: labels checked against the
domain's intents, one label a text, the export is Rasa NLU YAML that Rasa itself reads."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from records import review

INTENTS = {"ask_rent_subsidy", "ask_settlement_reward", "greet"}
T0 = dt.datetime(2026, 12, 1, 10, 0)


def test_labels_newest_first_and_one_per_text(url):
    review.label("房租能报销不", "ask_rent_subsidy", INTENTS, topic="三、2", source="unanswered", now=T0, url=url)
    review.label("落户给多少钱", "ask_settlement_reward", INTENTS, now=T0, url=url)
    review.label(" 房租能报销不 ", "greet", INTENTS, url=url)  # the same text, relabelled
    got = [(x.text, x.intent, x.topic) for x in review.labels(url=url)]
    assert got == [("房租能报销不", "greet", ""), ("落户给多少钱", "ask_settlement_reward", "")]


@pytest.mark.parametrize(
    "text, intent, topic, why",
    [
        ("", "greet", "", "text"),
        ("问" * 501, "greet", "", "text"),
        ("房租", "no_such_intent", "", "intent"),
        ("房租", "Ask-Rent", "", "intent"),
        ("房租", "greet", "三、2; drop table", "topic"),
    ],
)
def test_a_bad_label_is_refused_with_the_reason(url, text, intent, topic, why):
    with pytest.raises(review.LabelError) as e:
        review.label(text, intent, INTENTS | {"Ask-Rent"}, topic=topic, url=url)
    assert str(e.value) == why
    assert review.labels(url=url) == []


def test_remove(url):
    x = review.label("你好呀", "greet", INTENTS, url=url)
    assert review.remove(x.id, url=url) and not review.remove(x.id, url=url)
    assert review.labels(url=url) == []


def test_the_export_is_rasa_nlu_yaml_with_its_header(url, tmp_path):
    review.label("房租能报销不", "ask_rent_subsidy", INTENTS, topic="三、2", source="unhelpful", url=url)
    review.label("补贴[外包](category)吗", "ask_rent_subsidy", INTENTS, url=url)
    review.label("落户给多少钱", "ask_settlement_reward", INTENTS, url=url)
    text = review.nlu_yaml(review.labels(url=url), dt.date(2026, 12, 1))
    assert text.startswith("# Reviewed by staff in the console") and "data/nlu/reviewed.yml" in text
    data = yaml.safe_load(text)
    assert data["version"] == "3.1"
    by = {b["intent"]: b["examples"] for b in data["nlu"]}
    assert by["ask_rent_subsidy"][0] == {"text": "房租能报销不", "metadata": {"source": "unhelpful", "topic": "三、2"}}
    assert by["ask_rent_subsidy"][1]["text"] == "补贴［外包］(category)吗"  # not entity markup

    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    (tmp_path / "reviewed.yml").write_text(text, encoding="utf-8")
    td = RasaYAMLReader().read(tmp_path / "reviewed.yml")
    assert sorted(m.get("text") for m in td.intent_examples) == [
        "房租能报销不",
        "落户给多少钱",
        "补贴［外包］(category)吗",
    ]
    assert not td.entity_examples
