"""spaCy extractor: amounts, ranges, percentages, durations and dates in Chinese text."""

import datetime as dt

import pytest

from policy_kb.extract import extract
from tests.project_texts import project_texts


def one(text, label, today=None):
    qs = [q for q in extract(text, today) if q.label == label]
    assert len(qs) == 1, (text, qs)
    return qs[0]


@pytest.mark.parametrize(
    "text, yuan",
    [
        ("年租金120万", 1200000),
        ("八十万", 800000),
        ("1.2亿", 120000000),
        ("1,200,000元", 1200000),
        ("一百二十万元", 1200000),
        ("２００万", 2000000),
        ("5千元", 5000),
        ("3000元", 3000),
        ("两百万", 2000000),
    ],
)
def test_money(text, yuan):
    assert one(text, "MONEY").value["yuan"] == yuan


def test_money_per_month_becomes_per_year():
    q = one("每月5万", "MONEY")
    assert q.value["period"] == "month"
    assert q.value["yuan_per_year"] == 600000
    assert one("120万元/年", "MONEY").value["yuan_per_year"] == 1200000


def test_negative_money_is_flagged():
    assert one("-50万", "MONEY").value.get("negative") is True


def test_ranges_as_printed():
    assert one("给予 50 万—500 万元相应档次落户奖励", "MONEY_RANGE").value == {"min": 500000, "max": 5000000}
    assert one("1 万—50 万元", "MONEY_RANGE").value == {"min": 10000, "max": 500000}


def test_percent_and_duration():
    qs = extract("给予前三年度每年 30% 的租金补贴")
    assert [(q.label, q.value) for q in qs] == [
        ("DURATION", {"years": 3, "first": True}),
        ("PERCENT", {"percent": 30.0}),
    ]
    assert one("百分之三十", "PERCENT").value["percent"] == 30.0


def test_dates():
    assert one("2023年3月入驻", "DATE").value == {"year": 2023, "month": 3, "day": None}
    assert one("2025-03-01", "DATE").value == {"year": 2025, "month": 3, "day": 1}
    q = one("去年获得市级荣誉", "DATE", today=dt.date(2026, 11, 25))
    assert q.value["year"] == 2025


def test_offsets_point_into_the_input():
    text = "我们每年房租100万，能补贴多少？"
    q = one(text, "MONEY")
    assert text[q.start : q.end] == q.text == "100万"


def test_no_false_money():
    assert [q for q in extract("推荐成功了3个人") if q.label == "MONEY"] == []
    assert extract("abc万") == []


def test_unit_is_not_swallowed_by_the_next_word():
    assert one("100万能补多少", "MONEY").value["yuan"] == 1000000


def test_a_text_without_digits_or_relative_years_is_not_given_to_spacy_and_loses_nothing():
    """The shortcut's condition holds on every text the project has: where it skips spaCy, spaCy finds nothing."""
    from policy_kb.extract import _FULLWIDTH, may_hold_a_quantity, pipeline

    texts = project_texts()
    skipped = [t for t in texts if not may_hold_a_quantity(t)]
    assert len(skipped) > 300 and len(texts) - len(skipped) > 300  # both sides are tried on many texts
    for text in texts:
        found = [(e.label_, e.start_char, e.end_char) for e in pipeline()(text.translate(_FULLWIDTH)).ents]
        if not may_hold_a_quantity(text):
            assert found == [] and extract(text) == [], text
    assert may_hold_a_quantity("٣٠%") and may_hold_a_quantity("３") and may_hold_a_quantity("去年")
    assert not may_hold_a_quantity("没有举办过") and extract("没有举办过") == []
