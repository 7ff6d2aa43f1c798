"""How long ago the institution moved in ("入驻四年了") is an interval of entry dates counted back from today;
the engine then decides the three-year window over the whole interval (no month question when it cannot matter)."""

import datetime as dt

import pytest

from policy_kb.engine import assess
from policy_kb.profile import Profile
from policy_kb.understand import understand

TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    "text, span",
    [
        ("我们已经入驻四年了", "2021-12-02/2022-12-01"),
        ("入驻一年多了", "2024-12-02/2025-12-01"),
        ("入驻三个月了", "2026-08-02/2026-09-01"),
    ],
)
def test_time_since_entry(text, span):
    assert understand(text, None, {}, TODAY).fact("entry_date").json_value() == span


@pytest.mark.parametrize("text, verdict", [("我们已经入驻四年了", "not_eligible"), ("入驻一年多了", "pending")])
def test_time_since_entry_decides_the_three_years(text, verdict):
    span = understand(text, None, {}, TODAY).fact("entry_date").json_value()
    p = Profile.from_dict({"in_talent_port": True, "category": "高端猎头", "entry_date": span}, TODAY)
    assert assess(p, TODAY, only=["三、2"]).result("三、2").verdict == verdict
