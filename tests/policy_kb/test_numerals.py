"""policy_kb.numerals against cn2an, the maintained library: every integer cn2an writes the textbook way
("一千二百三十四万五千六百七十八") reads back to itself, and both agree on it; the colloquial forms cn2an does not
read (1万2, 两百六, 3万4千) are checked by value."""

from decimal import Decimal

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy_kb.numerals import parse_number


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=9_999_999_999))
def test_textbook_chinese_numerals_read_back_like_cn2an(n):
    written = cn2an.an2cn(n)
    assert parse_number(written) == Decimal(n) == Decimal(str(cn2an.cn2an(written, "strict")))


@pytest.mark.parametrize(
    "text, value",
    [
        ("1万2", 12000),
        ("3万4千", 34000),
        ("两百六十万", 2600000),
        ("两百六", 260),
        ("一百二十万五千", 1205000),
        ("0.3亿", 30000000),
        ("1,500,000", 1500000),
        ("二〇二四", 2024),
        ("十二", 12),
        ("一百零五", 105),
        ("三点五万", 35000),
        ("１２０万", 1200000),
    ],
)
def test_colloquial_forms(text, value):
    assert parse_number(text) == value


def test_zero_yuan_is_said_as_yuan_not_wan():
    """活动举办费0万元 was said back for "没办过活动" (found on the running bot)."""
    from policy_kb.rules import wan

    assert wan(0) == "0元" and wan(0, unit=False) == "0" and wan(5000) == "0.5万元"
