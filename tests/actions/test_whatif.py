"""What-if after a report (actions/whatif.py, policy_kb/whatif.py) on tracker fixtures: the answer says what
changes measure by measure, from the stored profile with the one change; no slot is set."""

from __future__ import annotations

import os

import pytest

from actions.eligibility import ActionStartCheck
from actions.whatif import ActionWhatIf, is_hypothesis
from tests.actions.helpers import render, run, tracker

os.environ["POLICY_TODAY"] = "2026-11-25"


def _ask(text, fixture="full_profile", slots=None, intent="what_if", action=None):
    t = tracker(fixture, text, intent=intent, slots=slots)
    t.active_loop = {}
    msgs, events = run(action or ActionWhatIf(), t)
    return render(msgs), events


def test_a_higher_rent_changes_the_rent_subsidy_only_and_keeps_the_profile():
    text, events = _ask("如果年租金是200万呢")
    first, *rest = text.splitlines()
    assert first == "假设年租金200万元（其余情况不变）：1项结果有变化：租金补贴（《办法》三、2）。"
    assert "  金额：每年36万元" in text and "→ 每年60万元" in text
    assert rest[-1].startswith("这只是假设，您提供的资料没有改动（年租金120万元）")
    assert not any(e.get("event") == "slot" for e in events)


def test_an_entry_next_year_is_assessed_on_the_entry_day_and_says_so():
    text, _ = _ask("要是我们明年才入驻呢")
    assert text.startswith("假设入驻时间2027年（其余情况不变）：")
    assert "（尚未入驻：按入驻时间2027年入驻、于入驻时计算" in text
    assert "资料没有改动（入驻时间2025-03-01）" in text  # the stored entry date, kept
    assert "租金补贴（《办法》三、2）" in text and "荣誉" not in text  # the honour changes with the day only


def test_an_honour_without_a_year_is_this_years():
    slots = {"honour_level": None, "honour_year": None}
    text, _ = _ask("如果拿到市级荣誉呢", slots=slots)
    assert text.startswith("假设荣誉级别：市级（其余情况不变）：")
    assert "荣誉嘉奖奖励（《办法》三、5）" in text
    assert "（未说年份：按今年（2026年）获得计算）" in text
    assert "❔需补充信息 → 🟡初步符合，待区人社局认定" in text


def test_an_honour_without_a_year_is_this_years_even_when_an_older_one_is_stored():
    text, _ = _ask("如果拿到市级荣誉呢", slots={"honour_level": "区级", "honour_year": 2024})
    assert "❌不符合条件 → 🟡初步符合，待区人社局认定" in text and "按今年（2026年）获得计算" in text


def test_this_year_is_not_a_future_entry():
    text, _ = _ask("如果我们是今年入驻的呢")
    assert text.startswith("假设入驻时间2026-01-01至2026-11-25之间") and "尚未入驻" not in text


def test_a_change_that_changes_nothing_says_so():
    text, _ = _ask("如果年租金是120万呢")
    assert text.splitlines()[0].endswith("各项结果都不变。")


def test_nothing_to_assume_is_said_not_guessed():
    text, _ = _ask("如果情况变了呢")
    assert text.startswith("我没能读出要假设的情况")


def test_without_a_profile_a_hypothetical_rent_is_computed():
    text, events = _ask("如果年租金是200万呢", fixture="empty")
    assert "60万元" in text.splitlines()[0]
    assert {"event": "slot", "timestamp": None, "name": "topic", "value": "三、2"} in events


def test_without_a_profile_anything_else_asks_for_the_check():
    text, _ = _ask("要是我们明年才入驻呢", fixture="empty")
    assert text.startswith("假设的情况要和贵机构现在的情况对比")


def test_a_hypothesis_taken_for_facts_is_still_a_what_if():
    text, events = _ask("如果年租金是200万呢", intent="inform", action=ActionStartCheck())
    assert text.startswith("假设年租金200万元")
    assert not any(e.get("event") == "slot" for e in events)


@pytest.mark.parametrize(
    "text, yes",
    [
        ("如果年租金是200万呢", True),
        ("那要是明年入驻呢", True),
        ("假如拿到市级荣誉", True),
        ("年租金200万", False),
        ("我们如果入驻了能补多少", False),
    ],
)
def test_what_reads_as_a_hypothesis(text, yes):
    assert is_hypothesis(text) is yes


def test_an_honour_next_year_is_assessed_in_that_year():
    text, _ = _ask("假如明年拿了个市级的荣誉呢", slots={"honour_level": None, "honour_year": None})
    assert text.startswith("假设荣誉获得年份2027年") or "2027年" in text.splitlines()[0]
    assert "（按2027年的情况计算" in text
    assert "荣誉嘉奖奖励（《办法》三、5）" in text and "→ 🟡初步符合" in text
    assert "租金补贴" not in text  # only measures reading the changed facts


def test_no_change_still_says_what_the_measure_needs():
    text, _ = _ask("那要是我们是世界五百强呢", slots={"rank_500": None, "establishment": None})
    first, second = text.splitlines()[:2]
    assert first.endswith("各项结果都不变。")
    assert second == "· 落户奖励（《办法》三、1）仍需补充信息，还需了解：设立形式"


def test_a_what_if_inside_the_self_check_is_answered_and_nothing_recorded():
    from actions.eligibility import ValidateEligibilityForm

    t = tracker("form_asking_rent", "如果年租金是200万呢", intent="inform", slots={"annual_rent": 1200000})
    msgs, events = run(ValidateEligibilityForm(), t)
    assert render(msgs).startswith("假设年租金200万元（其余情况不变）")
    assert not any(e.get("event") == "slot" and e.get("name") == "annual_rent" for e in events)
