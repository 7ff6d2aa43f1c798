"""Policy Q&A actions on tracker fixtures: the answer people see cites its clause and is computed from the KB."""

import pytest

from actions.common import INTENT_MEASURE
from actions.document import ActionDocumentFacts, ActionOverview, ActionProcedure, ActionSupportObjects, ActionValidity
from actions.lookup import ActionFallbackSearch, ActionLookupClause, ActionSearchPolicy
from actions.measures import ActionAnswerMeasure
from policy_kb.text import load_document
from tests.actions.helpers import render, run, tracker


def test_rent_question_with_an_amount_is_computed():
    msgs, _ = run(ActionAnswerMeasure(), tracker("empty", "我们每年房租100万，能补贴多少？", intent="ask_rent_subsidy"))
    text = render(msgs)
    assert "《办法》三、2" in text
    assert "每年30万元" in text and "合计最多90万元" in text
    assert "区人社局" in text


def test_monthly_rent_is_converted_to_a_year():
    msgs, _ = run(ActionAnswerMeasure(), tracker("empty", "每月5万的房租能补多少", intent="ask_rent_subsidy"))
    text = render(msgs)
    assert "年租金60万元（按每月5万元×12个月计算）" in text and "每年18万元" in text


@pytest.mark.parametrize("text", ["一年房租差不多六十来万，能补多少", "房租大概60万一年，补贴多少"])
def test_an_approximate_rent_gives_an_approximate_figure(text):
    """From 约60万 the bot said 每年18万元 as if exact (found on the running bot)."""
    msgs, _ = run(ActionAnswerMeasure(), tracker("empty", text, intent="ask_rent_subsidy"))
    assert render(msgs).startswith("租金补贴每年约18万元，前三年度合计最多约54万元")


def test_a_rent_without_a_period_is_asked_back_not_computed():
    """ "房租7万能补多少": 每年2.1万元 or 每年25.2万元 depending on the period, so the two readings are offered."""
    msgs, _ = run(ActionAnswerMeasure(), tracker("empty", "房租7万能补多少", intent="ask_rent_subsidy"))
    text = render(msgs)
    assert text.startswith("您说的房租7万元是每月还是每年？") and "《办法》三、2" in text
    assert "万元，前三年度" not in text  # no amount computed from a guessed period
    assert [m["response"] for m in msgs] == ["utter_problem_need_period"]  # its buttons: the two readings


@pytest.mark.parametrize(
    "text, title",
    [
        ("我们还没入驻，打算明年进，房租一年80万，能补多少", "租金补贴"),
        ("还没入驻人才港，办论坛花了100万能补多少", "论坛节展活动补贴"),
    ],
)
def test_an_amount_asked_before_entering_the_port_says_so_first(text, title):
    """The amount came first and the talent port only in the conditions (found talking to the bot)."""
    msgs, _ = run(ActionAnswerMeasure(), tracker("empty", text, intent="ask_rent_subsidy"))
    lines = render(msgs).splitlines()
    assert lines[0].startswith("须先入驻：") and f"入驻后才能申请{title}" in lines[0] and "《办法》二" in lines[0]
    assert lines[1].startswith(("租金补贴每年24万元", "论坛节展活动补贴"))


def test_event_question_gives_the_cap_not_a_promise():
    msgs, _ = run(ActionAnswerMeasure(), tracker("empty", "办论坛花了200万最多补多少", intent="ask_event_subsidy"))
    text = render(msgs)
    assert "最高60万元" in text and "《办法》三、7" in text and "上限" in text


def test_negative_amount_gets_a_clear_message():
    msgs, _ = run(ActionAnswerMeasure(), tracker("empty", "房租-100万能补多少", intent="ask_rent_subsidy"))
    text = render(msgs)
    assert "不能为负数" in text and "《办法》三、2" in text
    assert "-30万" not in text


@pytest.mark.parametrize("intent, measure_id", sorted(INTENT_MEASURE.items()))
def test_every_measure_answer_is_short_cites_first_and_offers_the_rest(intent, measure_id):
    msgs, events = run(ActionAnswerMeasure(), tracker("empty", "这个政策怎么样", intent=intent))
    text = render(msgs)
    assert f"《办法》{measure_id}" in text.splitlines()[0]  # the answer, with its citation, first
    assert len(text.splitlines()) <= 4
    titles = [b["title"] for m in msgs for b in m.get("buttons") or []]
    assert "原文" in titles
    assert {"event": "slot", "timestamp": None, "name": "topic", "value": measure_id} in events


@pytest.mark.parametrize("intent, measure_id", sorted(INTENT_MEASURE.items()))
def test_the_original_text_and_the_full_card_stay_one_button_away(intent, measure_id):
    clause = load_document().clause(measure_id)
    original = render(
        run(ActionAnswerMeasure(), tracker("empty", "把原文发我", intent="ask_followup", slots={"topic": measure_id}))[
            0
        ]
    )
    assert clause.text_norm in original and f"《办法》{measure_id}" in original.splitlines()[0]
    card = render(
        run(
            ActionAnswerMeasure(),
            tracker(
                "empty",
                "/ask_followup",
                intent="ask_followup",
                slots={"topic": measure_id},
                entities=[{"entity": "aspect", "value": "card"}, {"entity": "topic", "value": measure_id}],
            ),
        )[0]
    )
    assert clause.text_norm in card and "嘉定区人力资源和社会保障局" in card


def test_ranges_are_never_point_values():
    text = render(run(ActionAnswerMeasure(), tracker("empty", "落户奖励多少钱", intent="ask_settlement_reward"))[0])
    assert text.startswith("落户奖励为50万—500万元相应档次") and "由区人社局确定" in text


def test_we_can_question_starts_a_focused_check():
    msgs, events = run(ActionAnswerMeasure(), tracker("empty", "我们能拿租金补贴吗", intent="ask_rent_subsidy"))
    assert {"event": "followup", "timestamp": None, "name": "eligibility_form"} in events
    assert {"event": "slot", "timestamp": None, "name": "focus_measures", "value": ["三、2"]} in events
    assert "租金补贴（《办法》三、2）" in render(msgs)


@pytest.mark.parametrize(
    "text, expect",
    [
        ("支持政策第7条原文", "视其规模和品牌影响力给予举办费最高30%的一次性补贴"),
        ("三.2", "前三年度每年30%的租金补贴"),
        ("第五部分说了什么", "《办法》五（三）"),
        ("四（二）", "编制产业规划"),
    ],
)
def test_clause_lookup_returns_verbatim_text(text, expect):
    out = render(run(ActionLookupClause(), tracker("empty", text, intent="lookup_clause"))[0])
    assert expect in out and "《办法》" in out


def test_clause_lookup_of_a_missing_clause():
    out = render(run(ActionLookupClause(), tracker("empty", "支持政策第十条", intent="lookup_clause"))[0])
    assert "支持政策共9条" in out


def test_search_and_fallback():
    out = render(run(ActionSearchPolicy(), tracker("empty", "搜索一下区块链", intent="search_policy"))[0])
    assert "《办法》三、6" in out and "区块链" in out
    out = render(run(ActionSearchPolicy(), tracker("empty", "搜索 量子计算", intent="search_policy"))[0])
    assert "没有找到" in out
    out = render(run(ActionFallbackSearch(), tracker("empty", "见习带教费咋弄", intent="nlu_fallback"))[0])
    assert "《办法》三、4" in out
    out = render(run(ActionFallbackSearch(), tracker("empty", "嗯嗯啊啊", intent="nlu_fallback"))[0])
    assert "没有理解" in out and "《办法》" not in out


def test_overview_lists_nine_measures_with_buttons():
    msgs, _ = run(ActionOverview(), tracker("empty", "有哪些支持政策", intent="ask_overview"))
    assert len(msgs[0]["buttons"]) == 9
    assert msgs[0]["buttons"][1] == {"title": "租金补贴", "payload": "/ask_rent_subsidy"}
    text = render(msgs)
    assert all(f"《办法》三、{i}" in text for i in range(1, 10))


def test_document_questions():
    facts = render(run(ActionDocumentFacts(), tracker("empty", "文号是多少", intent="ask_document_facts"))[0])
    assert "嘉府办发〔2022〕14号" in facts and "2022年6月8日" in facts and "沪人社力〔2022〕19号" in facts
    lead = render(run(ActionDocumentFacts(), tracker("empty", "谁负责组织领导", intent="ask_document_facts"))[0])
    assert "《办法》四（一）" in lead and "嘉定区人才工作领导小组" in lead
    validity = render(run(ActionValidity(), tracker("empty", "什么时候实施", intent="ask_validity"))[0])
    assert "2022年1月1日" in validity and "《办法》五（三）" in validity and "试行" in validity
    proc = render(run(ActionProcedure(), tracker("empty", "怎么申报", intent="ask_procedure"))[0])
    assert "实施细则" in proc and "嘉定区人力资源和社会保障局" in proc and "《办法》五（一）" in proc
    objs = render(run(ActionSupportObjects(), tracker("empty", "谁可以申请", intent="ask_support_objects"))[0])
    assert "《办法》二、1" in objs and "上海·嘉定人才港" in objs


def test_a_business_outside_the_policy_is_told_who_it_is_for():
    msgs, events = run(
        ActionAnswerMeasure(), tracker("empty", "我们是做制造业的，能申请租金补贴吗", intent="ask_rent_subsidy")
    )
    text = render(msgs)
    assert text.startswith("一般不能：“制造业”不在《办法》二所列的领域内")
    assert {"event": "followup", "timestamp": None, "name": "eligibility_form"} not in events


@pytest.mark.parametrize(
    "text, business",
    [
        ("做餐饮的企业可以享受吗", "餐饮"),
        ("我们是做物流的，能申请吗", "物流"),
        ("开餐馆的能申请吗", "餐馆"),
        ("我们是做软件开发的，能申请吗", "软件开发"),
    ],
)
def test_who_can_apply_answers_first_for_a_business_outside_the_fields(text, business):
    first = render(run(ActionSupportObjects(), tracker("empty", text, intent="ask_support_objects"))[0]).splitlines()[0]
    assert first.startswith(f"一般不能：“{business}”不在《办法》二所列的领域内")


@pytest.mark.parametrize(
    "text, first_line",
    [
        ("做猎头的能申请吗", "领域符合：“高端猎头”属《办法》二、1所列的领域。还须入驻“上海·嘉定人才港”"),
        ("我们是做职业培训的，可以申请吗", "领域符合：“职业教育”属《办法》二、2所列的领域。"),
        ("请问做劳务派遣的公司能申请吗", "须经认定：“劳务派遣”属人力资源服务，但不是《办法》二、1列出的领域名称"),
    ],
)
def test_who_can_apply_for_a_named_field_answers_first(text, first_line):
    """ "做猎头的能申请吗" got the whole clause with no answer of its own (found talking to the bot)."""
    msgs, _ = run(ActionSupportObjects(), tracker("empty", text, intent="ask_support_objects"))
    lines = render(msgs).splitlines()
    assert lines[0].startswith(first_line) and "嘉定区人力资源和社会保障局" in lines[0]
    assert any(line.startswith("支持对象（《办法》二）") for line in lines[1:])  # the clause follows


def test_the_overview_asked_by_a_business_outside_the_fields_says_so_first():
    """ "我们是搞物流的，有补贴吗" got the nine measures; the answer to it is that 物流 is not in 二."""
    msgs, _ = run(ActionOverview(), tracker("empty", "我们是搞物流的，有补贴吗", intent="ask_overview"))
    assert render(msgs).startswith("一般不能：“物流”不在《办法》二所列的领域内")
    msgs, _ = run(ActionOverview(), tracker("empty", "有哪些补贴", intent="ask_overview"))
    assert render(msgs).startswith("《办法》三")


@pytest.mark.parametrize("text", ["我们没有入驻人才港，能享受吗", "我们还没进驻人才港能申请补贴吗"])
def test_who_can_apply_says_no_first_without_the_talent_port(text):
    msgs, events = run(ActionSupportObjects(), tracker("empty", text, intent="ask_support_objects"))
    first = render(msgs).splitlines()[0]
    assert first.startswith("不行") and "上海·嘉定人才港" in first and "《办法》二" in first
    assert {"event": "slot", "timestamp": None, "name": "topic", "value": "二"} in events


def test_a_foreign_hr_firm_is_in_scope():
    msgs, _ = run(
        ActionSupportObjects(), tracker("empty", "我们是外资的人力资源公司，可以申请吗", intent="ask_support_objects")
    )
    first = render(msgs).splitlines()[0]
    assert first.startswith("是") and "国内外" in first and "《办法》二" in first


def test_switching_the_topic_keeps_the_question():
    msgs, events = run(
        ActionAnswerMeasure(),
        tracker("empty", "换成活动补贴呢", intent="ask_event_subsidy", slots={"topic": "三、2", "aspect": "cap"}),
    )
    first = render(msgs).splitlines()[0]
    assert "三、7" in first and "最高" in first and "30%" in first
    assert {"event": "slot", "timestamp": None, "name": "aspect", "value": "cap"} in events


@pytest.mark.parametrize(
    "text, intent, first",
    [
        ("每天房租2000元，租金补贴一年多少", "ask_rent_subsidy", "租金补贴每年21.9万元，前三年度合计最多65.7万元"),
        ("我们房租一年1.2个亿，补贴上限是多少", "ask_rent_subsidy", "租金补贴每年3600万元，前三年度合计最多10800万元"),
        ("年租金200万的话租金补贴三年一共是200万吗", "ask_rent_subsidy", "租金补贴每年60万元，前三年度合计最多180万元"),
        ("月租6.5w能补多少", "lookup_clause", "租金补贴每年23.4万元，前三年度合计最多70.2万元"),
    ],
)
def test_figures_are_read_right_whatever_the_intent(text, intent, first):
    action = ActionLookupClause() if intent == "lookup_clause" else ActionAnswerMeasure()
    assert render(run(action, tracker("empty", text, intent=intent))[0]).startswith(first)


def test_several_different_amounts_are_asked_back_not_guessed():
    text = render(
        run(
            ActionAnswerMeasure(),
            tracker("empty", "第一年房租100万，第二年110万，第三年120万，三年补贴一共多少", intent="ask_rent_subsidy"),
        )[0]
    )
    assert "100万元、110万元、120万元" in text and "每年" not in text.splitlines()[0]


def test_a_wrong_premise_is_answered_before_a_self_check():
    msgs, events = run(
        ActionAnswerMeasure(),
        tracker("empty", "我们是世界500强，落户奖励能拿500万吧？", intent="ask_settlement_reward"),
    )
    assert render(msgs).startswith("不一定是500万元") and "50万—500万元" in render(msgs)
    assert {"event": "followup", "timestamp": None, "name": "eligibility_form"} not in events


def test_the_aspect_asked_comes_before_the_figures():
    text = render(
        run(ActionAnswerMeasure(), tracker("empty", "租金每年50万 第四年还有吗", intent="ask_rent_subsidy"))[0]
    )
    first = text.splitlines()[0]
    assert "前三年度" in first and "三、2" in first
    assert "租金补贴每年15万元" in text


def test_three_years_of_subsidy_are_not_three_years_of_rent():
    text = render(
        run(ActionAnswerMeasure(), tracker("empty", "我们一年房租85万 三年一共能补多少啊", intent="ask_rent_subsidy"))[
            0
        ]
    )
    assert text.startswith("租金补贴每年25.5万元，前三年度合计最多76.5万元")


@pytest.mark.parametrize(
    "text, action, intent",
    [
        ("个人能申请这些补贴吗", ActionSupportObjects, "ask_support_objects"),
        ("我是个人 在找工作 这个政策能给我补贴吗", ActionFallbackSearch, "nlu_fallback"),
    ],
)
def test_an_individual_is_told_the_policy_is_for_institutions(text, action, intent):
    first = render(run(action(), tracker("empty", text, intent=intent))[0]).splitlines()[0]
    assert first.startswith("不能") and "《办法》二" in first and "个人不在其中" in first


def test_a_premise_of_full_reimbursement_is_corrected():
    first = render(run(ActionAnswerMeasure(), tracker("empty", "活动补贴能全报吧", intent="ask_event_subsidy"))[0])
    assert first.startswith("不能全额") and "30%" in first.splitlines()[0]


def test_a_measure_looked_up_by_number_has_the_answer_buttons():
    msgs, _events = run(ActionLookupClause(), tracker("empty", "第6条呢", intent="lookup_clause"))
    titles = [b["title"] for m in msgs for b in m.get("buttons") or []]
    assert "看看我们能否申请" in titles and "《办法》三、6" in render(msgs)


def test_a_follow_up_answer_never_says_a_line_twice():
    """After the 落户奖励 answer, 那是谁来定档次 said the tier line (须经认定，奖励档次…由区人社局确定) twice: the
    confirmed premise and the answer's own detail (found on the running bot)."""
    msgs, _ = run(
        ActionAnswerMeasure(),
        tracker("empty", "那是谁来定档次", intent="ask_followup", slots={"topic": "三、1", "aspect": "amount"}),
    )
    lines = [ln for ln in render(msgs).splitlines() if ln.strip()]
    assert "区人社局" in lines[0]
    assert len(lines) == len(set(lines)), lines


@pytest.mark.parametrize(
    "text, intent, topic, first",
    [
        ("不是二十万，是十二万", "ask_followup", "三、7", "论坛节展活动补贴：一次性补贴最高3.6万元"),
        ("那五十万呢", "ask_followup", "三、2", "租金补贴每年15万元，前三年度合计最多45万元"),
        ("说错了，应该是每月5万", "ask_rent_subsidy", "三、2", "租金补贴每年18万元"),
    ],
)
def test_a_bare_amount_after_an_amount_was_discussed_is_that_measure_s_figure(text, intent, topic, first):
    """Found on the REST channel (2026-12-03): after "举办一场招聘会花了二十万，能报多少" (computed),
    "不是二十万，是十二万" got the clause's "不是固定金额" answer instead of the cap for 12万."""
    slots = {"topic": topic, "aspect": "amount"}
    out = render(run(ActionAnswerMeasure(), tracker("empty", text, intent=intent, slots=slots))[0])
    assert out.startswith(first), out[:80]


def test_a_bare_amount_is_not_taken_for_another_measure_or_without_an_amount_discussed():
    after_rent = {"topic": "三、2", "aspect": "amount"}
    out = render(
        run(ActionAnswerMeasure(), tracker("empty", "那落户奖励50万呢", "ask_settlement_reward", slots=after_rent))[0]
    )
    assert "租金补贴每年" not in out and "三、1" in out
    out = render(
        run(ActionAnswerMeasure(), tracker("empty", "那五十万呢", "ask_followup", slots={"topic": "三、2"}))[0]
    )
    assert "租金补贴每年15万元" not in out  # the amount was not what was discussed: not read as the rent


def test_a_corrected_figure_typed_as_a_fact_is_answered_not_turned_into_a_check():
    """The live path of the case above: the NLU read "不是二十万，是十二万" as inform (facts), which starts the
    self-check unless the message is a figure to compute."""
    from actions.eligibility import ActionStartCheck

    after = {"topic": "三、7", "aspect": "amount"}
    msgs, events = run(ActionStartCheck(), tracker("empty", "不是二十万，是十二万", intent="inform", slots=after))
    assert render(msgs).startswith("论坛节展活动补贴：一次性补贴最高3.6万元")
    assert {"event": "followup", "timestamp": None, "name": "action_listen"} in events
    msgs, events = run(ActionStartCheck(), tracker("empty", "年租金120万", intent="inform", slots=after))
    assert "一次性补贴" not in render(msgs)  # the rent, a fact for the check, is not read as the event cost
