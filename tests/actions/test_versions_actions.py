"""The bot's answers with a second text version loaded (the FABRICATED revision of
tests/fixtures/versions: 三、2 30% → 40% and 三、7 reworded, from 2027-01-01; the rules are not updated for it): the
actions on tracker fixtures, over a real SQLite knowledge base.

- today before the revision, a question "as of" a day under it gets the new clause and no amount;
- today under the revision, every answer about 三、2 / 三、7 quotes the new clause and computes nothing;
- a question about a year before the 《办法》 took effect is told so;
- answers name the version they used."""

import datetime as dt
from pathlib import Path

import pytest

import actions.common as common
from actions.document import ActionDocumentFacts, ActionProcedure
from actions.eligibility import current_report
from actions.lookup import ActionLookupClause
from actions.measures import ActionAnswerMeasure
from policy_kb.store import build, load_version, make_engine
from tests.actions.helpers import render, run, tracker

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "versions"
OLD = "（依据嘉府办发〔2022〕14号，2022年1月1日起施行）"
NEW = "嘉府办发〔2026〕99号，2027年1月1日起施行"


@pytest.fixture
def revised(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    e = make_engine(url)
    build(e)
    load_version(e, (FIXTURES / "FABRICATED-revision-2027.txt").read_text(encoding="utf-8"), dt.date(2027, 1, 1))
    load_version(
        e,
        (FIXTURES / "FABRICATED-rules-of-implementation.txt").read_text(encoding="utf-8"),
        dt.date(2026, 11, 1),
        "实施细则",
    )
    e.dispose()
    monkeypatch.setenv("POLICY_KB_URL", url)
    monkeypatch.setattr(common, "_library", None)
    yield
    common._library = None  # the next test loads the default knowledge base again


def _ask(text, intent="ask_rent_subsidy", **slots):
    return render(run(ActionAnswerMeasure(), tracker("empty", text, intent=intent, slots=slots or None))[0])


def test_an_answer_names_the_version_it_used(revised, monkeypatch):
    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")
    out = _ask("租金补贴有几年")
    assert "三年" in out.splitlines()[0] and out.endswith(OLD)


@pytest.mark.parametrize("text", ["明年的时候租金补贴是多少", "按2027年的政策租金补贴给几年"])
def test_a_question_as_of_a_day_under_the_revision_gets_the_new_clause_and_no_amount(revised, monkeypatch, text):
    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")
    out = _ask(text)
    first = out.splitlines()[0]
    assert first.startswith("《办法》三、2已按新版本") and NEW in first
    assert "每年40%的租金补贴" in out and "每年30%" not in out
    assert f"（按2027年1月1日时施行的版本：{NEW}）" in out


def test_a_question_as_of_an_earlier_year_is_answered_from_that_year_s_text(revised, monkeypatch):
    monkeypatch.setenv("POLICY_TODAY", "2027-06-01")
    out = _ask("2023年的时候租金补贴比例是多少")
    assert "30%" in out.splitlines()[0] and "40%" not in out
    assert "（按2023年1月1日时施行的版本：嘉府办发〔2022〕14号，2022年1月1日起施行）" in out


def test_a_year_before_the_text_took_effect_is_told_so(revised, monkeypatch):
    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")
    out = _ask("2021年的时候能拿租金补贴吗")
    assert out.startswith("2021年时《办法》尚未施行") and "2022年1月1日起施行" in out
    assert "万元" not in out


def test_as_of_a_past_year_a_can_we_question_is_answered_not_turned_into_todays_check(revised, monkeypatch):
    monkeypatch.setenv("POLICY_TODAY", "2027-06-01")
    msgs, events = run(
        ActionAnswerMeasure(), tracker("empty", "2023年的时候我们能拿租金补贴吗", intent="ask_rent_subsidy")
    )
    assert not any(e.get("event") == "followup" for e in events)
    assert "按2023年1月1日时施行的版本" in render(msgs)


@pytest.mark.parametrize(
    "text, intent",
    [
        ("租金补贴是多少", "ask_rent_subsidy"),
        ("我们每年房租100万，能补贴多少？", "ask_rent_subsidy"),
        ("租金补贴要什么条件", "ask_rent_subsidy"),
        ("活动补贴最高多少", "ask_event_subsidy"),
        ("办论坛花了200万能补多少", "ask_event_subsidy"),
    ],
)
def test_under_the_revision_a_stale_measure_computes_nothing(revised, monkeypatch, text, intent):
    monkeypatch.setenv("POLICY_TODAY", "2027-06-01")
    out = _ask(text, intent=intent)
    assert "已按新版本" in out.splitlines()[0] and "新条款原文" in out
    for figure in ("30万元", "90万元", "60万元", "40万元", "每年30%"):
        assert figure not in out, (figure, out)


def test_under_the_revision_an_unchanged_measure_is_still_answered(revised, monkeypatch):
    monkeypatch.setenv("POLICY_TODAY", "2027-06-01")
    out = _ask("荣誉奖励多少钱", intent="ask_honour_reward")
    assert "20万—30万元" in out and out.endswith(f"（依据{NEW}）")


def test_the_self_check_report_under_the_revision_has_no_rent_amount(revised, monkeypatch):
    monkeypatch.setenv("POLICY_TODAY", "2027-06-01")
    data = current_report(tracker("full_profile"))
    rent = next(m for m in data["measures"] if m["id"] == "三、2")
    assert rent["verdict"] == "updating" and rent["money"]["per_year"] is None
    assert data["text_version"] == NEW


def test_the_clause_lookup_shows_the_version_and_a_supplement_is_found(revised, monkeypatch):
    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")
    old = render(run(ActionLookupClause(), tracker("empty", "三.2", intent="lookup_clause"))[0])
    assert "每年30%" in old and old.endswith(OLD)
    new = render(run(ActionLookupClause(), tracker("empty", "2027年时三、2的原文", intent="lookup_clause"))[0])
    assert "每年40%" in new and NEW in new
    msgs, events = run(ActionLookupClause(), tracker("empty", "实施细则第3条", intent="lookup_clause"))
    out = render(msgs)
    assert "《实施细则》第三条" in out and "租赁合同" in out and "嘉人社〔2026〕88号" in out
    assert events == []  # not a topic of the 《办法》


def test_document_facts_list_the_versions_and_the_procedure_names_the_supplement(revised, monkeypatch):
    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")
    facts = render(run(ActionDocumentFacts(), tracker("empty", "文号是多少", intent="ask_document"))[0])
    assert "嘉府办发〔2022〕14号，2022年1月1日起施行，至2026年12月31日" in facts and f"{NEW}，至今" in facts
    proc = render(run(ActionProcedure(), tracker("empty", "怎么申请", intent="ask_procedure"))[0])
    assert "已收录的补充文件：《实施细则》" in proc


def test_a_what_if_on_a_day_under_the_revision_uses_that_day_s_rules(revised, monkeypatch):
    """ "要是我们明年才入驻呢" in 2026 is assessed in 2027, where the revision changed 三、2: no 30% amount."""
    from actions.whatif import ActionWhatIf

    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")
    t = tracker("full_profile", "要是我们明年3月才入驻呢", intent="what_if")
    out = render(run(ActionWhatIf(), t)[0])
    assert "🔄计算规则更新中" in out and "已按新版本" in out, out
    assert "每年36万元" not in out.split("→")[-1]


def test_a_computed_amount_names_its_version_and_a_later_change_of_the_measure(revised, monkeypatch):
    """In 2026, with the revision of 三、2 loaded for 2027: the amount is the current version's, and the answer
    says that the new version decides from its first day."""
    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")
    out = _ask("我们每年房租100万，能补贴多少？")
    assert "每年30万元" in out.splitlines()[0] and "90万" not in out and "合计暂不给出" in out
    assert f"《办法》三、2在新版本（{NEW}）中有修订" in out and out.endswith(OLD)
    as_of = _ask("我们去年入驻的，按当时的政策每年房租80万能补多少")
    assert "每年24万元" in as_of and "（按2025年1月1日时施行的版本：嘉府办发〔2022〕14号" in as_of


def test_a_question_whether_the_policy_changed_lists_the_versions(revised, monkeypatch):
    from actions.document import ActionValidity

    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")
    out = render(run(ActionValidity(), tracker("empty", "政策有没有更新过", intent="ask_validity"))[0])
    assert "《办法》五（三）" in out and f"{NEW}，至今" in out and "已收录的补充文件：《实施细则》" in out
    rent = render(run(ActionValidity(), tracker("empty", "明年租金补贴的比例会变吗", intent="ask_validity"))[0])
    assert rent.startswith(f"会：《办法》三、2在新版本（{NEW}）中有修订") and "每年40%的租金补贴" in rent


def test_with_one_version_the_bot_says_no_revision_is_held():
    from actions.document import ActionValidity

    out = render(run(ActionValidity(), tracker("empty", "政策有没有更新过", intent="ask_validity"))[0])
    assert "尚未收录修订文本或实施细则" in out and "嘉府办发〔2022〕14号" in out


def test_a_two_digit_year_asked_about_is_not_corrected_as_a_duration(revised, monkeypatch):
    """'22年那会儿是几成' (found on the running bot): the bot said '不是22年' as if 22 years were claimed."""
    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")
    out = _ask("那个租金的补贴，22年那会儿是几成")
    assert "不是22年" not in out and "30%" in out.splitlines()[0]


def test_a_supplement_clause_not_held_is_never_the_law_s_clause_of_that_number():
    out = render(run(ActionLookupClause(), tracker("empty", "实施细则第2条", intent="lookup_clause"))[0])
    assert "《办法》三、2" not in out and "没有找到“实施细则第2条”" in out


@pytest.mark.parametrize("text", ["租金补贴按2027年的新规定是多少", "2027年的新政策租金补贴是多少"])
def test_the_new_rules_of_a_year_are_an_as_of_question(revised, monkeypatch, text):
    monkeypatch.setenv("POLICY_TODAY", "2026-11-25")
    out = _ask(text)
    assert out.startswith("《办法》三、2已按新版本") and "每年30%" not in out


def test_a_date_asked_after_a_measure_answers_that_measure_as_of_the_date(revised, monkeypatch):
    """'那之前呢，2024年的时候' (taken for ask_validity on the running bot) after the rent subsidy."""
    from actions.document import ActionValidity

    monkeypatch.setenv("POLICY_TODAY", "2027-06-01")
    t = tracker("empty", "那之前呢，2024年的时候", intent="ask_validity", slots={"topic": "三、2"})
    out = render(run(ActionValidity(), t)[0])
    assert "30%" in out.splitlines()[0] and "按2024年1月1日时施行的版本：嘉府办发〔2022〕14号" in out
