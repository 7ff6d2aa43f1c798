"""YAML law cases (OpenFisca style): each case is named after the sentence of the policy it checks.

A case file is a list of cases:

    - name: "三、2 给予前三年度每年30%的租金补贴：年租金120万元 → 每年36万元"
      law: 给予前三年度每年 30% 的租金补贴        # the sentence checked, verbatim (checked against the text)
      cites: "三、2"                               # the clause the sentence is in
      today: 2026-11-25
      profile: {in_talent_port: true, ...}         # the public profile JSON
      only: ["三、2"]                              # optional: a focused check
      expect:                                      # per measure id; every key optional
        "三、2":
          verdict: pending                         # eligible|pending|not_eligible|need_info|not_applicable
          money: {per_year: 360000, total: 1080000}  # compared key by key (yuan; dates ISO)
          missing: [annual_rent]                   # exact list
          missing_for_amount: []
          reasons_include: ["前三年度"]             # substrings that must appear in some reason
          remedies_include: ["入驻"]
      support_status: met                          # optional: met|failed|unknown|to_verify
      missing_facts: [...]                         # optional: exact Assessment.missing_facts()
      error_include: ["不能晚于今天"]               # optional: profile must be rejected with these substrings
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from policy_kb.engine import VERDICTS, assess
from policy_kb.profile import Profile, ProfileError
from policy_kb.text import load_document, normalise

CASES_DIR = Path(__file__).parent / "cases"


def _load_cases():
    cases = []
    for f in sorted(CASES_DIR.glob("*.yaml")):
        for i, case in enumerate(yaml.safe_load(f.read_text(encoding="utf-8")) or []):
            cases.append(pytest.param(case, id=f"{f.stem}[{i}] {case['name']}"))
    return cases


CASES = _load_cases()


def test_there_are_enough_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_law_case(case):
    doc = load_document()
    clause = doc.clause(case["cites"])
    assert clause is not None, f"cites unknown clause {case['cites']}"
    assert normalise(case["law"]) in clause.text_norm, "the case's sentence is not in the cited clause"

    today = case["today"] if isinstance(case["today"], dt.date) else dt.date.fromisoformat(str(case["today"]))
    profile_data = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in case["profile"].items()}
    if "error_include" in case:
        with pytest.raises(ProfileError) as err:
            Profile.from_dict(profile_data, today)
        for s in case["error_include"]:
            assert s in str(err.value)
        return
    profile = Profile.from_dict(profile_data, today)
    a = assess(profile, today, only=case.get("only"))
    if "support_status" in case:
        assert a.support_status == case["support_status"]
    if "missing_facts" in case:
        assert a.missing_facts() == case["missing_facts"]
    for mid, exp in (case.get("expect") or {}).items():
        r = a.result(mid)
        assert r is not None, f"no result for {mid}"
        if "verdict" in exp:
            assert exp["verdict"] in VERDICTS
            assert r.verdict == exp["verdict"], [x.text for x in r.reasons]
        if "money" in exp:
            got = r.money.to_dict()
            for k, v in exp["money"].items():
                v = v.isoformat() if isinstance(v, dt.date) else v
                assert got[k] == v, f"money.{k}: {got[k]!r} != {v!r}"
        for key in ("missing", "missing_for_amount"):
            if key in exp:
                assert getattr(r, key) == exp[key]
        for s in exp.get("reasons_include", []):
            assert any(s in x.text for x in r.reasons), f"{s!r} not in {[x.text for x in r.reasons]}"
        for s in exp.get("remedies_include", []):
            assert any(s in x for x in r.remedies), f"{s!r} not in {r.remedies}"
    if "only" in case:
        assert {r.id for r in a.results} == set(case["only"])
