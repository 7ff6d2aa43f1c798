"""Properties of the understanding layer that hold for every message, checked on generated text (hypothesis).

Random text alone rarely reaches the interesting paths, so most strategies join fragments people actually type
(numerals, units, period and date words, negations, corrections) with arbitrary characters in between.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from policy_kb.numerals import parse_neighbours, parse_number  # noqa: E402
from policy_kb.rules import wan  # noqa: E402
from policy_kb.understand import (  # noqa: E402
    DATE_FACTS,
    MAX_YUAN_PER_YEAR,
    DateSpan,
    Range,
    understand,
)

FAST = settings(max_examples=200, deadline=None, database=None)

FRAGMENTS = [
    "年租金",
    "房租",
    "每月",
    "每个月",
    "一个季度",
    "季租",
    "三年一共",
    "两年",
    "半年",
    "每平米每天",
    "元/㎡/天",
    "面积",
    "平",
    "平米",
    "万",
    "万元",
    "亿",
    "千",
    "块",
    "块钱",
    "元",
    "w",
    "多",
    "几",
    "左右",
    "大概",
    "约",
    "将近",
    "到",
    "至",
    "-",
    "~",
    "负",
    "-",
    "0",
    "1",
    "2",
    "3",
    "5",
    "7",
    "8",
    "9",
    "12",
    "100",
    "120",
    "1,200",
    "0.3",
    "3.5",
    "2块5",
    "一",
    "二",
    "两",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "百",
    "千",
    "零",
    "〇",
    "壹",
    "佰",
    "拾",
    "点",
    "2023年",
    "2024年3月",
    "2025.7.1",
    "24.3",
    "去年",
    "前年",
    "今年",
    "明年",
    "后年",
    "三年前",
    "上个月",
    "下个月",
    "年底",
    "年初",
    "上半年",
    "下半年",
    "第二季度",
    "三四月份",
    "12月31号",
    "2月30日",
    "13月",
    "入驻",
    "进驻",
    "搬进",
    "人才港",
    "注册",
    "成立",
    "打算",
    "准备",
    "没有",
    "不是",
    "是",
    "不对",
    "改成",
    "说错了",
    "刚才那个",
    "那是月租",
    "不清楚",
    "忘了",
    "记不得",
    "是不是",
    "有没有",
    "还是",
    "荣誉",
    "市级",
    "区级",
    "国家级",
    "认定",
    "称号",
    "评为",
    "论坛",
    "峰会",
    "活动",
    "花了",
    "推荐",
    "个",
    "人才",
    "实训基地",
    "猎头",
    "总部",
    "分公司",
    "合资",
    "世界500强",
    "中国五百强",
    "补贴",
    "30%",
    "吗",
    "？",
    "，",
    "。",
    " ",
    "\u200b",
    "\ud800",
    "\x00",
    "１２０",
    "萬",
]
MESSY = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=12).map("".join)
ASKED = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "annual_rent",
            "event_cost",
            "entry_date",
            "honour_level",
            "honour_year",
            "recognition_level",
            "recognition_year",
            "talent_recommendations",
            "training_base",
            "rank_500",
            "category",
            "establishment",
            "in_talent_port",
        ]
    ),
)
KNOWN = st.sampled_from(
    [
        {},
        {"annual_rent": 840000},
        {"annual_rent": [800000, 1000000]},
        {"event_cost": 300000},
        {"entry_date": "2024-01-01/2024-12-31"},
        {"talent_recommendations": 12},
        {"category": "高端猎头", "establishment": "总部"},
        {"honour_level": "市级", "honour_year": 2024},
    ]
)
TODAY = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


def _ranges(u):
    for f in u.facts:
        if isinstance(f.value, Range):
            yield f, f.value


@FAST
@given(st.text(max_size=80), ASKED, KNOWN, TODAY)
def test_any_text_never_raises(text, asked, known, today):
    understand(text, asked, known, today)


@FAST
@given(MESSY, ASKED, KNOWN, TODAY)
def test_messages_never_raise_and_amounts_are_never_negative(text, asked, known, today):
    u = understand(text, asked, known, today)
    for f, r in _ranges(u):
        assert 0 <= r.lo <= r.hi, (text, f)
        if f.name in ("annual_rent", "event_cost"):
            assert r.hi <= MAX_YUAN_PER_YEAR, (text, f)


@FAST
@given(MESSY, ASKED, KNOWN, TODAY)
def test_dates_are_never_after_today(text, asked, known, today):
    u = understand(text, asked, known, today)
    for f in u.facts:
        if isinstance(f.value, DateSpan):
            assert f.value.start <= f.value.end <= today, (text, f)
        elif f.name in DATE_FACTS and f.value is not None:
            assert f.value <= today.year, (text, f)


@FAST
@given(st.integers(min_value=1, max_value=MAX_YUAN_PER_YEAR))
def test_the_bots_own_amounts_read_back(yuan):
    """What the bot shows (rules.wan: 840000 → "84万元", 12345 → "1.2345万元") is read back as itself."""
    text = "年租金" + wan(yuan)
    u = understand(text, None, {}, dt.date(2026, 12, 1))
    f = u.fact("annual_rent")
    assert f is not None and f.json_value() == yuan, (text, u.facts, u.problems)
    assert not u.problems


@FAST
@given(st.integers(min_value=10_000, max_value=MAX_YUAN_PER_YEAR // 12))
def test_monthly_amounts_are_twelve_times(yuan):
    u = understand("每月房租" + wan(yuan), None, {}, dt.date(2026, 12, 1))
    assert u.fact("annual_rent").json_value() == yuan * 12


@FAST
@given(st.one_of(st.text(max_size=40), MESSY))
def test_parse_number_never_raises(text):
    v = parse_number(text)
    assert v is None or isinstance(v, Decimal)
    pair = parse_neighbours(text)
    assert pair is None or pair[0] < pair[1]


@FAST
@given(st.integers(min_value=0, max_value=10**12))
def test_parse_number_reads_arabic_and_grouped(n):
    assert parse_number(str(n)) == n
    assert parse_number(f"{n:,}") == n
