"""有帮助 / 没帮助 (actions/feedback.py): the feedback is about the answer just given and the question before it,
stored in a real SQLite records database with the topic and the question's intent."""

from __future__ import annotations

import pytest

from actions.feedback import ActionFeedback, answered_turn
from records import feedback
from tests.actions.helpers import render, run, tracker


def _user(text, intent):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def _bot(text):
    return {"event": "bot", "text": text}


def _action(name):
    return {"event": "action", "name": name}


CONVERSATION = [
    _action("action_listen"),
    _user("落户奖励多少", "ask_settlement_reward"),
    _action("action_settlement_reward"),
    _bot("落户奖励为50万—500万元相应档次（《办法》三、1）。"),
    _action("action_listen"),
    _user("那房租呢", "ask_rent_subsidy"),
    _action("action_rent_subsidy"),
    _bot("租金补贴：前三年度每年30%（《办法》三、2）。"),
    _bot("想看看贵机构能否申请？"),
    _action("action_listen"),
]


def _t(events, text, intent, topic="三、2"):
    t = tracker("empty", text, intent=intent, slots={"topic": topic}, extract=False)
    t.events = [*events, _user(text, intent)]
    return t


@pytest.fixture
def records_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    monkeypatch.setenv("RECORDS_URL", url)
    return url


def test_the_answer_is_every_bot_text_after_the_last_question():
    t = _t(CONVERSATION, "没帮助", "feedback_unhelpful")
    answer = "租金补贴：前三年度每年30%（《办法》三、2）。\n想看看贵机构能否申请？"
    assert answered_turn(t) == ("那房租呢", "ask_rent_subsidy", answer)


def test_a_second_feedback_is_still_about_the_answer_before_the_first():
    first = [*CONVERSATION, _user("没帮助", "feedback_unhelpful"), _bot("抱歉没能帮到您…"), _action("action_listen")]
    assert answered_turn(_t(first, "真没用", "feedback_unhelpful"))[0] == "那房租呢"


def test_feedback_before_any_answer_is_not_stored(records_url):
    msgs, events = run(ActionFeedback(), _t([_action("action_listen")], "没帮助", "feedback_unhelpful"))
    assert render(msgs).startswith("我还没有回答过问题") and events == []
    assert feedback.unhelpful() == []


def test_unhelpful_is_stored_with_question_answer_topic_and_offers_the_bureau(records_url):
    msgs, _ = run(ActionFeedback(), _t(CONVERSATION, "没帮助", "feedback_unhelpful"))
    assert render(msgs).startswith("抱歉没能帮到您，已记录")
    (row,) = feedback.unhelpful()
    assert (row.question, row.intent, row.topic) == ("那房租呢", "ask_rent_subsidy", "三、2")
    assert row.answer.startswith("租金补贴：前三年度每年30%")


def test_helpful_is_stored_and_thanked(records_url):
    msgs, _ = run(ActionFeedback(), _t(CONVERSATION, "有帮助", "feedback_helpful"))
    assert render(msgs).startswith("感谢反馈")
    assert feedback.unhelpful() == [] and feedback.counts_by_topic() == [("三、2", 0, 1)]


def test_a_database_that_cannot_be_reached_still_thanks(monkeypatch):
    monkeypatch.setenv("RECORDS_URL", "postgresql://postgres@127.0.0.1:5432/no_such_database_here")
    msgs, _ = run(ActionFeedback(), _t(CONVERSATION, "没帮助", "feedback_unhelpful"))
    assert render(msgs).startswith("抱歉没能帮到您")


def test_feedback_on_the_ticket_forms_turn_is_not_stored(records_url):
    """The ticket form's questions and its summary carry contact details: 没帮助 under them stores nothing."""
    events = [
        *CONVERSATION,
        _user("转人工", "contact_staff"),
        _action("ticket_form"),
        _bot("将转交区人社局工作人员的留言：机构：某公司 / 联系人：张** / 联系方式：139****6421"),
        _action("action_listen"),
    ]
    msgs, _ = run(ActionFeedback(), _t(events, "没帮助", "feedback_unhelpful"))
    assert render(msgs).startswith("感谢反馈") and feedback.unhelpful() == []
