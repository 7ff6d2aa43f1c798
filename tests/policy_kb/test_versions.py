"""Policy versions (#16): dated rule values, both text versions kept, the rules checked against the text in force,
stale rules never computing an amount, as-of assessments, the clause diff and a supplementary document — against a
real SQLite file and PostgreSQL.

The revision used here is FABRICATED (tests/fixtures/versions/FABRICATED-revision-2027.txt, marked so in the file):
三、2 30% → 40%, 三、7 reworded (its quoted phrase is gone), 三、9 reworded outside any quote, in force 2027-01-01.
"""

import copy
import datetime as dt
from pathlib import Path

import pytest

from policy_kb import aspects
from policy_kb.kb import PolicyLibrary
from policy_kb.profile import Profile
from policy_kb.report import render_assessment, report_data
from policy_kb.rules import rules_raw
from policy_kb.store import VersionConflict, build, load_version
from policy_kb.text import source_text
from policy_kb.versions import change_dates, diff, resolve, rule_version, value_on

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "versions"
REVISION = (FIXTURES / "FABRICATED-revision-2027.txt").read_text(encoding="utf-8")
RULES_OF_IMPLEMENTATION = (FIXTURES / "FABRICATED-rules-of-implementation.txt").read_text(encoding="utf-8")
NEW_DAY = dt.date(2027, 1, 1)
BEFORE, AFTER = dt.date(2026, 6, 1), dt.date(2027, 6, 1)
PROFILE = {
    "in_talent_port": True,
    "category": "高端猎头",
    "entry_date": "2026-03-01",
    "annual_rent": 1200000,
    "event_cost": 1000000,
}


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    e = request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
    build(e)
    load_version(e, REVISION, NEW_DAY)
    return e


@pytest.fixture
def library(engine):
    return PolicyLibrary.load(engine, auto_build=False)


def _dated_rules():
    """The packaged rules with 三、2 updated for the revision, OpenFisca style: 30 until 2026, 40 from 2027."""
    raw = copy.deepcopy(rules_raw())
    rent = next(m for m in raw["measures"] if m["id"] == "三、2")
    rent["benefit"]["percent"] = {dt.date(2022, 1, 1): 30, NEW_DAY: 40}
    rent["benefit"]["quote"] = {dt.date(2022, 1, 1): rent["benefit"]["quote"], NEW_DAY: "给予前三年度每年40%的租金补贴"}
    return raw


# dated values ---------------------------------------------------------------------------------------------------
def test_a_dated_value_is_the_latest_on_or_before_the_day():
    v = {dt.date(2022, 1, 1): 30, dt.date(2027, 1, 1): 40}
    assert value_on(v, dt.date(2026, 12, 31)) == 30
    assert value_on(v, dt.date(2027, 1, 1)) == 40
    assert value_on(v, dt.date(2021, 5, 1)) == 30  # before every date: the first rule (the text was not in force)
    assert value_on({"2022-01-01": 30, "2027-01-01": 40}, dt.date(2030, 1, 1)) == 40  # as stored in JSON


def test_rules_resolve_per_day_and_name_their_version():
    raw = _dated_rules()
    assert resolve(raw, BEFORE)["measures"][1]["benefit"]["percent"] == 30
    assert resolve(raw, AFTER)["measures"][1]["benefit"]["percent"] == 40
    rent = raw["measures"][1]
    assert change_dates(rent) == [dt.date(2022, 1, 1), NEW_DAY]
    assert rule_version(rent, AFTER) == NEW_DAY and rule_version(rent, BEFORE) == dt.date(2022, 1, 1)
    assert rule_version(raw["measures"][0], AFTER) is None  # undated: holds since the first text


# the store ------------------------------------------------------------------------------------------------------
def test_both_versions_are_kept_with_their_periods(library):
    v22, v27 = library.versions
    assert (v22.effective_from, v22.effective_to) == (dt.date(2022, 1, 1), dt.date(2026, 12, 31))
    assert (v27.effective_from, v27.effective_to) == (NEW_DAY, None)
    assert v22.doc.doc_number == "嘉府办发〔2022〕14号" and v27.doc.doc_number == "嘉府办发〔2026〕99号"
    assert "每年30%" in v22.doc.clause("三、2").text_norm and "每年40%" in v27.doc.clause("三、2").text_norm


def test_loading_is_idempotent_and_a_different_text_for_the_same_day_is_refused(engine):
    assert not load_version(engine, REVISION, NEW_DAY).changed
    with pytest.raises(VersionConflict):
        load_version(engine, REVISION.replace("40%", "45%"), NEW_DAY)
    assert len(PolicyLibrary.load(engine, auto_build=False).versions) == 2


def test_a_text_that_is_not_the_notice_is_refused(engine):
    with pytest.raises(ValueError):
        load_version(engine, "随便一段文字\n没有条款", dt.date(2028, 1, 1))
    assert len(PolicyLibrary.load(engine, auto_build=False).versions) == 2


def test_a_build_keeps_the_loaded_version(engine):
    build(engine)
    assert [v.origin for v in PolicyLibrary.load(engine, auto_build=False).versions] == ["packaged", "loaded"]


# check ----------------------------------------------------------------------------------------------------------
def test_check_flags_exactly_the_changed_rules(library):
    stale = library.check()
    assert sorted(s.ref for s in stale) == ["三、2", "三、7"]  # 三、9 was reworded outside its quote: still right
    assert {s.text_version for s in stale} == {"嘉府办发〔2026〕99号，2027年1月1日起施行"}
    rent = next(s for s in stale if s.ref == "三、2")
    assert any("30" in p for p in rent.problems) and any("40" in p for p in rent.problems)
    assert library.stale(library.versions[0]) == []


def test_dated_rules_updated_for_the_revision_are_no_longer_stale(engine):
    lib = PolicyLibrary(PolicyLibrary.load(engine, auto_build=False).documents, _dated_rules())
    assert [s.ref for s in lib.check()] == ["三、7"]
    assert lib.at(AFTER).rules.measure("三、2").benefit["percent"] == 40
    assert lib.at(BEFORE).rules.measure("三、2").benefit["percent"] == 30


# as-of answers --------------------------------------------------------------------------------------------------
def test_assessment_before_the_revision_uses_the_old_rule(library):
    kb = library.at(BEFORE)
    a = kb.assess(Profile.from_dict(PROFILE, BEFORE), BEFORE)
    rent = a.result("三、2")
    assert rent.verdict == "pending" and rent.money.per_year == 360000
    assert kb.version.label in render_assessment(a, kb.version.label)


def test_a_stale_rule_never_yields_an_amount(library):
    kb = library.at(AFTER)
    a = kb.assess(Profile.from_dict(PROFILE, AFTER), AFTER)
    for ref in ("三、2", "三、7"):
        r = a.result(ref)
        assert r.verdict == "updating"
        assert r.money.per_year is None and r.money.total is None and r.money.max is None
        assert "新条款原文" in r.reasons[0].text and kb.clause(ref).text_norm in r.reasons[0].text
    text = render_assessment(a, kb.version.label)
    for old in ("36万", "108万", "补贴最高30万元", "每年租金的30%"):  # 1,200,000 × 30%; 1,000,000 × 30%
        assert old not in text
    data = report_data(a, version=kb.version.label)
    assert data["text_version"] == "嘉府办发〔2026〕99号，2027年1月1日起施行"
    assert a.result("三、1").verdict != "updating"  # the unchanged rules are still computed


def test_an_updated_dated_rule_computes_the_new_amount_for_its_own_years_only(engine):
    """Entry 2026-03-01, rules updated for the revision: assessed in 2027, years 2 and 3 (from 2027-03-01) are the
    revision's 48万; year 1 began under the 2022 text (30%), so it is neither 48万 nor computed here."""
    lib = PolicyLibrary(PolicyLibrary.load(engine, auto_build=False).documents, _dated_rules())
    rent = lib.at(AFTER).assess(Profile.from_dict(PROFILE, AFTER), AFTER).result("三、2")
    assert rent.money.per_year == 480000  # 1,200,000 × 40%
    assert [y.per_year for y in rent.years] == [None, 480000, 480000]
    assert rent.years[0].later == "嘉府办发〔2022〕14号，2022年1月1日起施行"
    assert rent.money.total is None and "144万" not in rent.money.text
    # entered under the revision: all three years are its own, and the total is given
    inside = Profile.from_dict({**PROFILE, "entry_date": "2027-03-01"}, AFTER)
    whole = lib.at(AFTER).assess(inside, AFTER).result("三、2")
    assert [y.per_year for y in whole.years] == [480000] * 3 and whole.money.total == 1440000


@pytest.mark.parametrize("ref", ["三、2", "三、7"])
def test_every_answer_about_a_stale_measure_quotes_the_new_clause_and_gives_no_figure(library, ref):
    kb = library.at(AFTER)
    clause = kb.clause(ref).text_norm
    for r, aspect, text in aspects.cases(kb):
        if r != ref:
            continue
        ans = aspects.answer(kb, r, aspect, text)
        assert clause in ans.text, (aspect, ans.text)
        if aspect != "text":
            assert ans.first_line.startswith(f"《办法》{ref}已按新版本"), (aspect, ans.first_line)
        assert "36万" not in ans.text and "一次性补贴" not in ans.text.replace(clause, "")


def test_answers_that_list_figures_of_a_stale_measure_give_the_new_clause(library):
    ans = aspects.answer(library.at(AFTER), "三", "amount")  # the overview of every measure's amount
    assert "每年30%" not in ans.text and "举办费的30%" not in ans.text
    assert (
        "租金补贴（《办法》三、2）已按新版本" in ans.text and "论坛节展活动补贴（《办法》三、7）已按新版本" in ans.text
    )
    assert ans.first_line.startswith("《办法》没有规定一家机构可享受的奖补总额")  # the lines without them stay
    assert "每年30%" in aspects.answer(library.at(BEFORE), "三", "amount").text


def test_a_day_before_the_first_text_is_marked_not_in_force(library):
    kb = library.at(dt.date(2021, 6, 1))
    assert not kb.in_force and kb.version is library.versions[0]
    assert library.at(BEFORE).in_force


# diff -----------------------------------------------------------------------------------------------------------
def test_the_diff_lists_the_changed_clauses_with_the_changes_marked(library):
    v22, v27 = library.versions
    changes = {c.ref: c for c in diff(v22.doc, v27.doc)}
    assert set(changes) == {"三、2", "三、7", "三、9", "五（三）"}
    rent = changes["三、2"]
    assert rent.status == "changed" and ("-", "3") in rent.marked and ("+", "4") in rent.marked
    assert "".join(t for op, t in rent.marked if op != "+") == rent.old
    assert "".join(t for op, t in rent.marked if op != "-") == rent.new


# a supplementary document ---------------------------------------------------------------------------------------
def test_a_supplementary_document_is_covered_by_lookup_and_search(engine):
    load_version(engine, RULES_OF_IMPLEMENTATION, dt.date(2026, 12, 1), "实施细则")
    lib = PolicyLibrary.load(engine, auto_build=False)
    kb = lib.at(dt.date(2026, 12, 15))
    assert kb.resolve("实施细则第3条").clause.citation == "《实施细则》第三条"
    assert kb.resolve("三、2").ref == "三、2"  # the 《办法》 stays the default document
    hit = kb.search("租赁合同")[0]
    assert hit.citation == "《实施细则》第三条"
    assert lib.at(dt.date(2026, 11, 1)).supplements == []  # not yet in force
    assert kb.version.document == "办法"


def test_the_packaged_text_is_the_only_one_a_fresh_store_holds(sqlite_engine):
    build(sqlite_engine)
    lib = PolicyLibrary.load(sqlite_engine, auto_build=False)
    assert [v.doc.source_hash for v in lib.versions] == [lib.versions[0].doc.source_hash]
    assert lib.check() == []
    assert "FABRICATED" not in source_text() and "虚构" not in source_text()


def test_years_after_a_later_version_takes_effect_carry_no_amount_from_the_current_rule(library):
    """Assessed in 2026 with a revision of 三、2 loaded for 2027, entry 2025-03-01: year 1 ended before the revision;
    year 2 (to 2027-02-28) and year 3 reach into it, so they are the new version's to decide: no 36万, and the
    measure says so."""
    kb = library.at(BEFORE)
    profile = Profile.from_dict({**PROFILE, "entry_date": "2025-03-01"}, BEFORE)
    rent = kb.assess(profile, BEFORE).result("三、2")
    assert [y.per_year for y in rent.years] == [360000, None, None]
    assert rent.money.total is None and "三年合计暂不给出" in rent.money.text and "每年36万元" in rent.money.text
    # a measure no version changes keeps every year and its total
    assert all(y.later == "嘉府办发〔2026〕99号，2027年1月1日起施行" for y in rent.years[1:])
    assert any(r.condition == "later_version" for r in rent.reasons)
    unchanged = kb.assess(Profile.from_dict(PROFILE, BEFORE), BEFORE).result("三、1")
    assert not any(r.condition == "later_version" for r in unchanged.reasons)


def test_a_revision_of_the_support_objects_stops_every_computed_answer(sqlite_engine):
    """A (made-up) revision that rewrites 二's quoted condition: the old 二 is not applied — no support verdict from
    it, every measure quotes its new clause, and every aspect answer is the new text or says it is being updated."""
    build(sqlite_engine)
    moved = REVISION.replace("入驻“上海·嘉定人才港”", "在嘉定区注册")
    assert moved != REVISION
    load_version(sqlite_engine, moved, NEW_DAY)
    kb = PolicyLibrary.load(sqlite_engine, auto_build=False).at(AFTER)
    assert "二" in kb.stale and kb.rules.support_conditions == []
    outside = {k: v for k, v in PROFILE.items() if k != "entry_date"}
    a = kb.assess(Profile.from_dict({**outside, "in_talent_port": False}, AFTER), AFTER)
    assert a.support == [] and {r.verdict for r in a.results} == {"updating"}
    assert "不属于支持对象" not in render_assessment(a, kb.version.label)
    for ref, aspect, text in aspects.cases(kb):
        ans = aspects.answer(kb, ref, aspect, text)  # never a KeyError for the missing conditions
        assert "入驻“上海·嘉定人才港”" not in ans.text or aspect == "text", (ref, aspect, ans.text)


def test_check_finds_a_rule_value_dated_inside_a_version_that_its_text_does_not_have(engine):
    """A rule updated too early (40% from 2026-12-01, while the 2022 text is in force until 2026-12-31) is stale in
    December 2026: check lists it against the 2022 text, and the bot serves no amount then."""
    raw = _dated_rules()
    rent = next(m for m in raw["measures"] if m["id"] == "三、2")
    rent["benefit"]["percent"] = {dt.date(2022, 1, 1): 30, dt.date(2026, 12, 1): 40}
    rent["benefit"]["quote"] = {
        dt.date(2022, 1, 1): "给予前三年度每年30%的租金补贴",
        dt.date(2026, 12, 1): "给予前三年度每年40%的租金补贴",
    }
    lib = PolicyLibrary(PolicyLibrary.load(engine, auto_build=False).documents, raw)
    stale = [(s.ref, s.text_version) for s in lib.check()]
    assert ("三、2", "嘉府办发〔2022〕14号，2022年1月1日起施行") in stale
    assert lib.at(dt.date(2026, 12, 15)).rules.measure("三、2").stale
    assert not lib.at(dt.date(2026, 11, 15)).rules.measure("三、2").stale


@pytest.mark.parametrize("day, held", [(dt.date(2026, 6, 1), False), (dt.date(2026, 12, 15), True)])
def test_a_clause_of_a_supplement_not_held_that_day_is_said_to_be_missing_not_read_as_the_law_s(engine, day, held):
    load_version(engine, RULES_OF_IMPLEMENTATION, dt.date(2026, 12, 1), "实施细则")
    kb = PolicyLibrary.load(engine, auto_build=False).at(day)
    r = kb.resolve("实施细则第3条")
    if held:
        assert r.clause.citation == "《实施细则》第三条"
    else:
        assert r.clause is None and "没有找到“实施细则第3条”" in r.message
    assert kb.resolve("《办法》第3条").ref == "三、3" and kb.resolve("第3条").ref == "三、3"


def test_check_lists_the_field_list_and_the_silences_a_revision_contradicts(sqlite_engine):
    build(sqlite_engine)
    text = REVISION.replace("高端猎头、", "").replace(
        "本办法自 2027 年 1 月 1 日起实施。", "本办法自 2027 年 1 月 1 日起实施，有效期至 2029 年 12 月 31 日。"
    )
    assert text.count("高端猎头") == 0 and "有效期至" in text
    load_version(sqlite_engine, text, NEW_DAY)
    stale = PolicyLibrary.load(sqlite_engine, auto_build=False).check()
    statements = {s.ref: s for s in stale if not s.ref.startswith(("二", "三"))}
    assert set(statements) == {"领域词表（vocabulary.yaml）", "原文未规定事项的说明（silences.yaml）"}
    assert any("高端猎头" in p for p in statements["领域词表（vocabulary.yaml）"].problems)
    # served: the support check (which places 高端猎头 in 二、1) is not applied under that version
    kb = PolicyLibrary.load(sqlite_engine, auto_build=False).at(AFTER)
    a = kb.assess(Profile.from_dict(PROFILE, AFTER), AFTER)
    assert "二" in kb.stale and a.support == [] and {r.verdict for r in a.results} == {"updating"}


def test_a_statement_that_the_text_is_silent_is_not_served_once_the_version_in_force_speaks(sqlite_engine):
    """A (made-up) revision with a 有效期: the validity answer no longer says the text sets no end date."""
    build(sqlite_engine)
    text = REVISION.replace(
        "本办法自 2027 年 1 月 1 日起实施。", "本办法自 2027 年 1 月 1 日起实施，有效期至 2029 年 12 月 31 日。"
    )
    load_version(sqlite_engine, text, NEW_DAY)
    lib = PolicyLibrary.load(sqlite_engine, auto_build=False)
    silent = "原文没有规定截止日期或有效期限"
    assert silent in lib.at(BEFORE).silence("validity")
    after = lib.at(AFTER)
    assert silent not in after.silence("validity") and "请以新版本原文为准" in after.silence("validity")
    for ref, aspect, q in aspects.cases(after):
        assert silent not in aspects.answer(after, ref, aspect, q).text, (ref, aspect)
