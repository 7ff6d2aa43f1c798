"""The registry of profile facts (policy_kb/data/facts.yaml) is the one list: the profile, the parsers, the rules
and the engine agree with it."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pytest

from policy_kb import facts
from policy_kb.profile import PARSERS, Profile, ProfileError
from policy_kb.rules import load_rules

TODAY = date(2026, 12, 1)


def test_the_profile_has_exactly_the_registry_facts():
    assert {f.name for f in fields(Profile)} == set(facts.names())


def test_every_type_has_a_parser_and_every_fact_a_known_type():
    assert set(PARSERS) == set(facts.TYPES)
    assert {s.type for s in facts.registry()} <= set(PARSERS)


def test_every_fact_the_rules_use_is_registered():
    rules = load_rules()
    used = {c.fact for c in rules.support_conditions if c.fact}
    for m in rules.measures:
        used |= {c.fact for c in m.conditions if c.fact} | set(m.inputs)
    assert used <= set(facts.names())
    # and every asked fact matters to some measure (else the form would ask for nothing)
    assert all(facts.measures_using(f) for f in facts.asked())


def test_measures_are_derived_from_the_rules():
    assert facts.fact("honour_year").measures == ("三、5",)
    assert facts.fact("annual_rent").measures == ("三、2",)
    assert len(facts.fact("in_talent_port").measures) == len(load_rules().measures)  # a support-object fact


def test_labels_and_questions():
    for s in facts.registry():
        assert s.label and s.label_short
        assert not s.asked or s.question  # the form has a plain question for every fact it asks
    assert facts.label("annual_rent") == "年租金（元）" and facts.label_short("annual_rent") == "年租金"
    assert facts.label("no_such_fact") == "no_such_fact"


def test_parsing_goes_by_the_registry_type():
    p = Profile.from_dict({"annual_rent": "840000", "honour_year": "2026年", "in_talent_port": "是"}, TODAY)
    assert (p.annual_rent, p.honour_year, p.in_talent_port) == (840000, 2026, True)
    with pytest.raises(ProfileError) as e:
        Profile.from_dict({"annual_rent": "很多"}, TODAY)
    assert facts.label("annual_rent") in e.value.problems[0]  # the error names the fact by its registry label


def test_missing_facts_follow_the_registry_order():
    from policy_kb.kb import PolicyKB

    a = PolicyKB.from_source().assess(Profile(), TODAY)
    order = facts.asked()
    got = a.missing_facts()
    assert got and got == sorted(got, key=order.index)
