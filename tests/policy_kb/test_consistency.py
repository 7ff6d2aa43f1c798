"""Every amount, percentage and duration in the rules data appears in the text of the clause it cites."""

import copy
import dataclasses

from policy_kb.consistency import check, check_silences
from policy_kb.rules import rules_raw, silences, vocabulary
from policy_kb.text import load_document


def test_rules_agree_with_the_text():
    assert check(rules_raw(), vocabulary(), load_document()) == []


def test_a_wrong_amount_is_caught():
    rules = copy.deepcopy(rules_raw())
    rent = next(m for m in rules["measures"] if m["id"] == "三、2")
    rent["benefit"]["percent"] = 40
    problems = check(rules, vocabulary(), load_document())
    assert any("三、2" in p and "40" in p for p in problems)


def test_a_wrong_range_and_a_forgotten_range_are_caught():
    rules = copy.deepcopy(rules_raw())
    m = next(m for m in rules["measures"] if m["id"] == "三、3")
    m["benefit"]["max"] = 5000000  # 500万 instead of 50万
    problems = check(rules, vocabulary(), load_document())
    assert any("(10000, 5000000)" in p for p in problems)  # claimed, not in the text
    assert any("(10000, 500000)" in p for p in problems)  # in the text, not used


def test_a_misquoted_condition_is_caught():
    rules = copy.deepcopy(rules_raw())
    rules["measures"][0]["conditions"][0]["quote"] = "入选世界100强企业"
    assert any("世界100强" in p for p in check(rules, vocabulary(), load_document()))


def test_every_measure_of_part_three_has_a_rule():
    doc = load_document()
    assert [m["id"] for m in rules_raw()["measures"]] == [c.ref for c in doc.items_of("三")]


def test_what_the_bot_says_the_text_leaves_open_is_still_open():
    assert check_silences(silences(), load_document()) == []


def test_a_deadline_added_to_the_text_is_caught():
    doc = copy.deepcopy(load_document())
    doc.clauses = [
        dataclasses.replace(c, text=c.text + "申报截止日期为每年6月30日。") if c.ref == "三、2" else c
        for c in doc.clauses
    ]
    problems = check_silences(silences(), doc)
    assert any("截止" in p and "三、2" in p for p in problems)  # both statements no longer hold
    assert any("申报材料" in p for p in problems)


def test_a_title_without_trial_is_caught():
    doc = copy.deepcopy(load_document())
    doc.title = doc.title.replace("（试行）", "")
    assert any("试行" in p for p in check_silences(silences(), doc))
