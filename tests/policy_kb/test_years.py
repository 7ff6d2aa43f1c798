"""The years laid out (issue #15): 三、2's "前三年度" counted from the entry date, 三、5/三、6's "当年度".

Each test is named after the sentence of 《办法》 it checks. The law-case YAML format compares the engine's verdict,
money and reasons only, so the years (and the report lines) are checked here.
"""

from __future__ import annotations

from datetime import date

import pytest

from policy_kb.engine import NOT_ELIGIBLE, PENDING, assess
from policy_kb.profile import Profile, ProfileError
from policy_kb.report import render_report, report_data, year_amount, year_line
from policy_kb.understand import DateSpan, Range

RENT = "给予前三年度每年 30% 的租金补贴"  # 《办法》三、2
HONOUR = "对获得市级以上相关行业主管部门颁发的荣誉或嘉奖，当年度给予一次性 20 万—30 万元相应档次奖励"  # 三、5
RECOGNITION = "对获得市级以上相关行业主管部门的专业资质或创新示范项目认定的企业，当年度给予一次性"  # 三、6
PORT = {"in_talent_port": True, "category": "高端猎头"}


def rent_result(today: date, **profile: object):
    a = assess(Profile.from_dict({**PORT, **profile}, today), today, only=["三、2"])
    return a, a.result("三、2")


def lines(a, mid: str) -> list[dict[str, str]]:
    return next(m["lines"] for m in report_data(a)["measures"] if m["id"] == mid)


def years_of(r) -> list[tuple[int, str, str, str]]:
    return [(y.n, y.start.isoformat(), y.end.isoformat(), y.status) for y in r.years]


def test_the_law_sentences_are_the_texts():
    from policy_kb.text import load_document, normalise

    doc = load_document()
    assert normalise(RENT) in doc.clause("三、2").text_norm
    assert normalise(HONOUR) in doc.clause("三、5").text_norm
    assert normalise(RECOGNITION) in doc.clause("三、6").text_norm


# 三、2 给予前三年度每年30%的租金补贴 ------------------------------------------------------------------------------
def test_rent_three_years_from_entry_2024_03_01_on_2025_06_01_past_current_future_18_wan_each():
    a, r = rent_result(date(2025, 6, 1), entry_date="2024-03-01", annual_rent=600000)
    assert r.verdict == PENDING
    assert years_of(r) == [
        (1, "2024-03-01", "2025-02-28", "past"),
        (2, "2025-03-01", "2026-02-28", "current"),
        (3, "2026-03-01", "2027-02-28", "future"),
    ]
    assert [y.per_year for y in r.years] == [180000] * 3
    data = next(m for m in report_data(a)["measures"] if m["id"] == "三、2")
    assert data["years"][1] == {
        "n": 2,
        "start": "2025-03-01",
        "end": "2026-02-28",
        "status": "current",
        "status_label": "当前",
        "per_year": 180000,
        "per_year_max": None,
        "amount": "18万元",
    }
    year_texts = [x["text"] for x in data["lines"] if x["kind"] == "year"]
    assert year_texts == [
        "第1年度 2024-03-01至2025-02-28（已过）：补贴18万元",
        "第2年度 2025-03-01至2026-02-28（当前）：补贴18万元",
        "第3年度 2026-03-01至2027-02-28（未到）：补贴18万元",
    ]


def test_rent_years_are_said_to_be_counted_from_the_entry_date_with_the_implementing_rules_caveat():
    a, _ = rent_result(date(2025, 6, 1), entry_date="2024-03-01", annual_rent=600000)
    text = render_report(report_data(a))
    head = "补贴年度按入驻日期起算（前三年度的具体起算方式以区人社局实施细则为准）："
    assert head in text
    assert text.index("金额：每年18万元") < text.index(head) < text.index("第1年度")
    # the head stands for the window text, whose 至2027-03-01 would read as a day past the last year's last day
    assert "补贴期：" not in text


def test_rent_last_year_ends_the_day_before_the_engine_says_the_window_has_ended():
    _, r = rent_result(date(2025, 6, 1), entry_date="2024-03-01")
    assert r.years[-1].end == date(2027, 2, 28) and r.money.window_end == date(2027, 3, 1)
    _, last_day = rent_result(date(2027, 2, 28), entry_date="2024-03-01")
    assert last_day.verdict == PENDING and [y.status for y in last_day.years] == ["past", "past", "current"]
    _, next_day = rent_result(date(2027, 3, 1), entry_date="2024-03-01")
    assert next_day.verdict == NOT_ELIGIBLE and next_day.years == []


@pytest.mark.parametrize(
    "today, statuses",
    [
        (date(2025, 2, 28), ["current", "future", "future"]),  # the last day of year 1
        (date(2025, 3, 1), ["past", "current", "future"]),  # the first day of year 2
        (date(2024, 3, 1), ["current", "future", "future"]),  # the entry day itself
    ],
)
def test_rent_year_boundaries(today, statuses):
    _, r = rent_result(today, entry_date="2024-03-01", annual_rent=600000)
    assert [y.status for y in r.years] == statuses


def test_rent_entry_on_29_february_years_start_on_28_february():
    # add_years: 29 February + 1 year is 28 February (as the engine's window end, 2027-02-28)
    _, r = rent_result(date(2025, 2, 28), entry_date="2024-02-29")
    assert years_of(r) == [
        (1, "2024-02-29", "2025-02-27", "past"),
        (2, "2025-02-28", "2026-02-27", "current"),
        (3, "2026-02-28", "2027-02-27", "future"),
    ]
    assert r.money.window_end == date(2027, 2, 28)
    _, ended = rent_result(date(2027, 2, 28), entry_date="2024-02-29")
    assert ended.verdict == NOT_ELIGIBLE and ended.years == []


def test_rent_unknown_years_without_amount():
    a, r = rent_result(date(2025, 6, 1), entry_date="2024-03-01")
    assert [y.per_year for y in r.years] == [None] * 3
    data = next(m for m in report_data(a)["measures"] if m["id"] == "三、2")
    assert [y["amount"] for y in data["years"]] == ["", "", ""]
    year_texts = [x["text"] for x in data["lines"] if x["kind"] == "year"]
    assert year_texts[0] == "第1年度 2024-03-01至2025-02-28（已过）"
    assert not any("补贴" in t for t in year_texts)
    assert "提供年租金（元）后可算出金额" in render_report(report_data(a))


def test_rent_given_as_a_range_each_year_a_range():
    a, r = rent_result(date(2025, 6, 1), entry_date="2024-03-01", annual_rent=[800000, 1000000])
    assert r.years[0].per_year == Range(240000, 300000)
    assert r.years[0].to_dict()["per_year"] == 240000 and r.years[0].to_dict()["per_year_max"] == 300000
    assert lines(a, "三、2")[2]["text"] == "第1年度 2024-03-01至2025-02-28（已过）：补贴24万—30万元"


def test_rent_said_approximately_each_year_says_about():
    _, r = rent_result(date(2025, 6, 1), entry_date="2024-03-01", annual_rent=600000)
    assert year_amount(r.years[0], approx=True) == "约18万元"
    assert year_line(r.years[1], approx=True)["text"] == "第2年度 2025-03-01至2026-02-28（当前）：补贴约18万元"
    assert year_amount(r.years[0]) == "18万元"


def test_rent_entry_known_to_a_month_only_no_years_the_estimated_window_stays():
    a, r = rent_result(date(2025, 6, 1), entry_date="2024-03", annual_rent=600000)
    assert r.verdict == PENDING and r.years == []
    texts = [x["text"] for x in lines(a, "三、2")]
    assert not any(x["kind"] == "year" for x in lines(a, "三、2"))
    assert any(t.startswith("补贴期：自2024年3月入驻起的前三年度") for t in texts)


def test_rent_window_ended_no_years_listed():
    a, r = rent_result(date(2026, 11, 25), entry_date="2020-06-01", annual_rent=1200000)
    assert r.verdict == NOT_ELIGIBLE and r.years == []
    assert not any(x["kind"] == "year" for x in lines(a, "三、2"))


def test_rent_entry_in_the_future_all_years_to_come():
    today = date(2025, 6, 1)
    with pytest.raises(ProfileError):  # the profile refuses it; a Profile built in code still gets years
        Profile.from_dict({**PORT, "entry_date": "2025-07-01"}, today)
    profile = Profile(in_talent_port=True, category="高端猎头", entry_date=DateSpan.of(2025, 7, 1))
    r = assess(profile, today, only=["三、2"]).result("三、2")
    assert r.verdict == PENDING
    assert [y.status for y in r.years] == ["future"] * 3


def test_rent_years_in_the_assessment_json():
    a, _ = rent_result(date(2025, 6, 1), entry_date="2024-03-01", annual_rent=600000)
    rent = next(x for x in a.to_dict()["results"] if x["id"] == "三、2")
    assert rent["years"][0] == {
        "n": 1,
        "start": "2024-03-01",
        "end": "2025-02-28",
        "status": "past",
        "per_year": 180000,
        "per_year_max": None,
    }
    assert rent["award_year"] is None


# 三、5 / 三、6 当年度给予 -----------------------------------------------------------------------------------------
HONOUR_LINE = "按“当年度给予”，2026年获得的荣誉在2026年度给予奖励，具体申报程序以区人社局实施细则为准（《办法》三、5）"
RECOGNITION_LINE = (
    "按“当年度给予”，2026年获得的认定在2026年度给予奖励，具体申报程序以区人社局实施细则为准（《办法》三、6）"
)


def test_honour_this_year_the_line_says_which_year_counts():
    today = date(2026, 11, 25)
    a = assess(Profile.from_dict({**PORT, "honour_level": "市级", "honour_year": 2026}, today), today, only=["三、5"])
    assert a.result("三、5").verdict == PENDING
    assert [x["text"] for x in lines(a, "三、5") if x["kind"] == "year"] == [HONOUR_LINE]
    assert a.result("三、5").to_dict()["award_year"] == {"fact": "honour_year", "year": 2026}


def test_recognition_this_year_the_line_says_which_year_counts():
    today = date(2026, 11, 25)
    profile = Profile.from_dict({**PORT, "recognition_level": "国家级", "recognition_year": 2026}, today)
    a = assess(profile, today, only=["三、6"])
    assert [x["text"] for x in lines(a, "三、6") if x["kind"] == "year"] == [RECOGNITION_LINE]


@pytest.mark.parametrize(
    "profile",
    [
        {"honour_level": "市级", "honour_year": 2025},  # last year's: the engine says 不属今年 (not eligible)
        {"honour_level": "区级", "honour_year": 2026},  # below 市级: not eligible
        {"honour_level": "市级"},  # the year not known
    ],
)
def test_honour_no_year_line_when_not_eligible_or_the_year_unknown(profile):
    today = date(2026, 11, 25)
    a = assess(Profile.from_dict({**PORT, **profile}, today), today, only=["三、5"])
    assert not any(x["kind"] == "year" for x in lines(a, "三、5"))
    assert a.result("三、5").award_year is None


def test_honour_year_known_level_unknown_the_year_line_is_shown_with_the_question():
    today = date(2026, 11, 25)
    a = assess(Profile.from_dict({**PORT, "honour_year": 2026}, today), today, only=["三、5"])
    assert a.result("三、5").verdict == "need_info"
    assert [x["text"] for x in lines(a, "三、5") if x["kind"] == "year"] == [HONOUR_LINE]


def test_other_measures_have_no_years():
    today = date(2026, 11, 25)
    a = assess(Profile.from_dict({**PORT, "entry_date": "2024-03-01", "honour_year": 2026}, today), today)
    for r in a.results:
        if r.id != "三、2":
            assert r.years == [], r.id
        if r.id not in ("三、5",):
            assert r.award_year is None, r.id
