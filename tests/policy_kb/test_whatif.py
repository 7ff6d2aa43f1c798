"""policy_kb/whatif.py: the same profile with one change, assessed again; what changed measure by measure."""

from __future__ import annotations

from datetime import date

import pytest

from policy_kb import whatif
from policy_kb.kb import PolicyKB
from policy_kb.profile import Profile

TODAY = date(2026, 12, 1)
BASE = {"category": "人力资源外包", "in_talent_port": True, "entry_date": "2025-03-01", "annual_rent": 1200000}


@pytest.fixture(scope="module")
def kb():
    return PolicyKB.from_source()


def _assess(kb, data, on=TODAY):
    return kb.assess(Profile.from_dict(data, on), on)


def test_a_rent_change_moves_the_rent_subsidys_amount_only(kb):
    found = whatif.changes(_assess(kb, BASE), _assess(kb, dict(BASE, annual_rent=2000000)))
    assert [c.id for c in found] == ["三、2"]
    (c,) = found
    assert c.verdict_before == c.verdict_after
    assert c.money_before.startswith("每年36万元") and c.money_after.startswith("每年60万元")
    assert c.window_before == c.window_after == "2025-03-01至2028-02-29"


def test_the_same_profile_changes_nothing(kb):
    assert whatif.changes(_assess(kb, BASE), _assess(kb, dict(BASE))) == []


def test_an_entry_four_years_ago_ends_the_rent_subsidy(kb):
    (c,) = whatif.changes(_assess(kb, BASE), _assess(kb, dict(BASE, entry_date="2022-06-01")))
    assert (c.id, c.verdict_after) == ("三、2", "not_eligible")


def test_a_later_assessment_day_reports_only_measures_reading_the_changed_facts(kb):
    with_honour = dict(BASE, honour_level="市级", honour_year=2026)
    later = dict(with_honour, entry_date="2027-03-01/2027-03-31")
    day = whatif.assessed_on(TODAY, later)
    assert day == date(2027, 3, 31)
    before, after = _assess(kb, with_honour), _assess(kb, later, day)
    assert "三、5" in [c.id for c in whatif.changes(before, after)]  # the 2026 honour is no longer 当年度
    assert [c.id for c in whatif.changes(before, after, {"entry_date"}, kb.rules)] == ["三、2"]


@pytest.mark.parametrize(
    "data, day",
    [
        (BASE, TODAY),  # a past entry: today
        (dict(BASE, entry_date="2027-05-20"), date(2027, 5, 20)),
        (dict(BASE, entry_date="2027-01-01/2027-12-31"), date(2027, 12, 31)),
        (dict(BASE, in_talent_port=False, entry_date="2027-05-20"), TODAY),  # not in the port: no entry day
    ],
)
def test_the_assessment_day(data, day):
    assert whatif.assessed_on(TODAY, data) == day


def test_a_future_honour_year_named_moves_the_day_to_that_year():
    data = dict(BASE, honour_level="市级", honour_year=2027)
    assert whatif.assessed_on(TODAY, data, {"honour_year", "honour_level"}) == date(2027, 1, 1)
    assert whatif.assessed_on(TODAY, data, {"annual_rent"}) == TODAY  # a stored year is not the assumption


def test_an_honour_named_without_a_year_is_this_years():
    data = dict(BASE, honour_level="市级")
    assert whatif.assume_this_year(data, {"honour_level"}, TODAY) == ["honour_year"]
    assert data["honour_year"] == 2026
    stored = dict(BASE, honour_level="区级", honour_year=2025)
    assert whatif.assume_this_year(stored, {"honour_level"}, TODAY) == ["honour_year"]  # getting one now
    assert stored["honour_year"] == 2026
    named_year = dict(BASE, honour_level="市级", honour_year=2025)
    assert whatif.assume_this_year(named_year, {"honour_level", "honour_year"}, TODAY) == []
    assert whatif.assume_this_year(dict(BASE, recognition_level="无"), {"annual_rent"}, TODAY) == []


def test_a_scenario_with_an_entry_next_year_is_in_the_port_on_that_day_and_says_so():
    from policy_kb.understand import understand

    facts = understand("要是我们明年3月才入驻呢", None, {}, TODAY, future_ok=True).facts
    sc = whatif.scenario(dict(BASE, in_talent_port=False), facts, TODAY)
    assert sc.data["in_talent_port"] is True and sc.data["entry_date"] == "2027-03-01/2027-03-31"
    assert sc.day == date(2027, 3, 31)
    assert len(sc.notes) == 1 and "尚未入驻" in sc.notes[0] and "2027年3月" in sc.notes[0]
