"""The message-for-the-bureau form (actions/tickets.py) on trackers, with a real SQLite records database: what is
asked and said, what is stored where — the phone number and the name in the draft row, never in a slot event."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker

from actions.tickets import NOT_GIVEN, SLOTS, STATE_SLOTS, ActionSubmitTicket, ValidateTicketForm, previous_question
from records import db, tickets
from tests.actions.helpers import render, run, slot_events

PHONE = "13812345678"


@pytest.fixture(autouse=True)
def records_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    monkeypatch.setenv("RECORDS_URL", url)
    monkeypatch.delenv("BUREAU_CONTACT", raising=False)
    yield url
    e = db._engines.pop(url, None)
    if e is not None:
        e.dispose()


def user(text, intent="ask_rent_subsidy"):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 0.99}}}


def make(text="", intent="inform", requested=None, slots=None, history=None) -> Tracker:
    """A tracker as the form's validation gets it: the history, the latest message, the form's own action last."""
    latest = user(text, intent)
    events = [{"event": "action", "name": "action_session_start"}, *(history or []), latest]
    events.append({"event": "action", "name": "ticket_form"})
    state_slots = {"requested_slot": requested, **(slots or {})}
    return Tracker.from_dict(
        {
            "sender_id": "ticket-test",
            "slots": state_slots,
            "latest_message": {"text": text, "intent": latest["parse_data"]["intent"], "entities": []},
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": "ticket_form"},
            "latest_action_name": "ticket_form",
        }
    )


def validate(text, requested, slots=None, intent="inform"):
    msgs, events = run(ValidateTicketForm(), make(text, intent, requested, slots))
    return render(msgs), slot_events(events), events


def started(history=None, text="我要留言"):
    msgs, events = run(ValidateTicketForm(), make(text, "contact_staff", None, history=history))
    return render(msgs), slot_events(events)


def draft_row(url, draft):
    with db.engine(url).connect() as c:
        return c.execute(
            sa.text("SELECT contact_person, phone, email FROM ticket_drafts WHERE draft_id = :d"), {"d": draft}
        ).one_or_none()


# ---- the start ----


def test_the_start_says_the_bot_has_no_contact_details_for_the_bureau():
    out, slots = started()
    assert "没有区人社局的电话或办公地址" in out and "不留了" in out
    assert slots["ticket_draft"] and slots["ticket_previous_question"] is None
    assert all(slots[s] is None for s in SLOTS)


def test_the_start_shows_the_configured_contact_as_configured(monkeypatch):
    monkeypatch.setenv("BUREAU_CONTACT", "嘉定区人社局 电话 021-00000000（工作日9:00—17:00）")
    out, _ = started()
    assert "嘉定区人社局 电话 021-00000000（工作日9:00—17:00）" in out and "没有区人社局的电话" not in out


def test_the_question_asked_just_before_is_offered():
    history = [user("你好", "greet"), user("租金补贴什么时候开始申报？", "ask_procedure"), user("谢谢", "thanks")]
    _, slots = started(history)
    assert slots["ticket_previous_question"] == "租金补贴什么时候开始申报？"


@pytest.mark.parametrize(
    "history",
    [
        [],
        [user("明天会下雨吗", "out_of_scope")],  # not a policy question
        [user("租金补贴怎么算"), user("我们是猎头公司", "inform")],  # the last message was not a question
        [user("asdf", "nlu_fallback")],  # not understood, and not a question either
    ],
)
def test_no_question_is_offered_when_none_was_asked_just_before(history):
    assert previous_question(make("转人工", "contact_staff", history=history)) is None


def test_a_button_payload_is_not_offered_as_the_question():
    history = [user("落户奖励有多少？", "ask_settlement_reward"), user("/ask_overview", "ask_overview")]
    assert previous_question(make("转人工", "contact_staff", history=history)) == "落户奖励有多少？"


# ---- the institution ----


def test_the_institution_is_taken():
    _, slots, _ = validate("上海某某人力资源有限公司", "ticket_institution", {"ticket_draft": "d1"})
    assert slots["ticket_institution"] == "上海某某人力资源有限公司"


@pytest.mark.parametrize("text", ["跳过", "不方便说", "不想说", "个人"])
def test_the_institution_can_be_skipped(text):
    _, slots, _ = validate(text, "ticket_institution", {"ticket_draft": "d1"})
    assert slots["ticket_institution"] == NOT_GIVEN


def test_an_unusable_institution_is_asked_again_then_explained():
    out, slots, _ = validate("？？", "ticket_institution", {"ticket_draft": "d1"})
    assert slots["ticket_institution"] is None and slots["ticket_failures"] == {"ticket_institution": 1}
    assert "没有看到机构名称" in out
    out, slots, _ = validate(
        "？？", "ticket_institution", {"ticket_draft": "d1", "ticket_failures": slots["ticket_failures"]}
    )
    assert "可以填机构全称" in out and "不留了" in out and slots["ticket_institution"] is None


# ---- the contact person and the contact: into the draft, never into a slot ----


def test_the_name_goes_into_the_draft_not_into_the_slot(records_db):
    _out, slots, events = validate("我叫张三", "ticket_contact_person", {"ticket_draft": "d-name"})
    assert slots == {"ticket_contact_person": "given"}
    assert "张三" not in json.dumps(events, ensure_ascii=False)
    assert draft_row(records_db, "d-name") == ("张三", None, None)


def test_a_phone_number_given_with_the_name_is_kept_and_not_asked_again(records_db):
    out, slots, events = validate(f"张先生 {PHONE}", "ticket_contact_person", {"ticket_draft": "d-both"})
    assert slots == {"ticket_contact_person": "given", "ticket_contact": "phone"}
    assert "已记录联系方式：138****5678" in out
    assert PHONE not in json.dumps(events) and "张先生" not in json.dumps(events, ensure_ascii=False)
    assert draft_row(records_db, "d-both") == ("张先生", PHONE, None)


def test_only_a_number_at_the_name_question_keeps_the_number_and_asks_the_name_again(records_db):
    out, slots, events = validate(PHONE, "ticket_contact_person", {"ticket_draft": "d-only"})
    assert slots["ticket_contact_person"] is None and slots["ticket_contact"] == "phone"
    assert "已记录联系方式：138****5678" in out and "没有看到称呼" in out
    assert draft_row(records_db, "d-only") == (None, PHONE, None) and PHONE not in json.dumps(events)


def test_a_number_instead_of_a_name_is_refused():
    out, slots, _ = validate(PHONE[:7], "ticket_contact_person", {"ticket_draft": "d1"})
    assert slots["ticket_contact_person"] is None and "请写称呼" in out


@pytest.mark.parametrize(
    "text, stored, shown",
    [
        ("138 1234 5678", ("13812345678", None), "138****5678"),
        ("+86 138-1234-5678", ("13812345678", None), "138****5678"),
        ("０２１－６１２３４５６７", ("021-61234567", None), "021-****4567"),
        ("hr@Example.com", (None, "hr@example.com"), "h***@example.com"),
    ],
)
def test_a_valid_contact_is_stored_in_the_draft_and_shown_masked(records_db, text, stored, shown):
    out, slots, events = validate(text, "ticket_contact", {"ticket_draft": "d-c", "ticket_contact_person": "given"})
    assert slots == {"ticket_contact": "email" if stored[1] else "phone"}
    assert f"已记录联系方式：{shown}" in out
    assert draft_row(records_db, "d-c")[1:] == stored
    dumped = json.dumps(events)
    assert "6123" not in dumped and "1234" not in dumped and "hr@" not in dumped.lower()


@pytest.mark.parametrize(
    "text, reason",
    [
        ("1381234567", "手机号应为11位"),
        ("61234567", "请加上区号"),
        ("hr@example", "邮箱地址不完整"),
        ("13812345678 13912345678", "不止一个"),
        ("不方便留电话", "没法回复您"),
        ("随便", "没有找到电话号码或电子邮箱"),
    ],
)
def test_an_invalid_contact_says_why_and_is_asked_again(records_db, text, reason):
    out, slots, events = validate(text, "ticket_contact", {"ticket_draft": "d-bad", "ticket_contact_person": "given"})
    assert reason in out
    assert slots["ticket_contact"] is None and slots["ticket_failures"] == {"ticket_contact": 1}
    assert "requested_slot" not in slots  # the form asks the same question again
    assert draft_row(records_db, "d-bad") is None
    assert text not in json.dumps(events, ensure_ascii=False)  # the raw text never comes back as a slot value


def test_after_two_unusable_contacts_what_is_accepted_and_how_to_quit_then_the_end(records_db):
    tickets.save_draft("d-4", contact_person="张三")
    failures = None
    said = []
    for _ in range(4):
        out, slots, _ = validate("1381234", "ticket_contact", {"ticket_draft": "d-4", "ticket_failures": failures})
        said.append(out)
        failures = slots.get("ticket_failures")
    assert "手机号应为11位" in said[0]
    assert "可以留这几种" in said[1] and "不留了" in said[1] and "可以留这几种" in said[2]
    assert slots["ticket_cancelled"] == "gave_up" and slots["requested_slot"] is None
    assert draft_row(records_db, "d-4") is None  # what was typed before is deleted too


# ---- the question ----


def test_just_before_question_is_taken_on_request():
    previous = "租金补贴什么时候开始申报？"
    _, slots, _ = validate("就是刚才的问题", "ticket_question", {"ticket_previous_question": previous})
    assert slots["ticket_question"] == previous


def test_a_new_question_is_taken_as_typed():
    slots = {"ticket_previous_question": "租金补贴怎么算"}
    _, got, _ = validate("见习带教费多久能到账？", "ticket_question", slots)
    assert got["ticket_question"] == "见习带教费多久能到账？"


def test_a_too_short_question_is_asked_again():
    out, slots, _ = validate("嗯", "ticket_question")
    assert slots["ticket_question"] is None and "写完整" in out
    out, slots, _ = validate("就是刚才的问题", "ticket_question")  # there was none
    assert slots["ticket_question"] is None


# ---- quitting ----


@pytest.mark.parametrize("text", ["算了", "不留了", "取消", "算了吧，不留了", "那就算了", "不用了谢谢"])
@pytest.mark.parametrize("requested", SLOTS)
def test_quitting_at_any_question_ends_the_form_and_deletes_the_draft(records_db, text, requested):
    tickets.save_draft("d-q", contact_person="张三", phone=PHONE)
    _, slots, _ = validate(text, requested, {"ticket_draft": "d-q"})
    assert slots["ticket_cancelled"] == "quit" and slots["requested_slot"] is None
    assert draft_row(records_db, "d-q") is None


def test_a_question_that_mentions_cancelling_is_not_quitting():
    _, slots, _ = validate("补贴会不会被取消？", "ticket_question")
    assert slots["ticket_question"] == "补贴会不会被取消？" and "ticket_cancelled" not in slots


# ---- the submission ----


def submit(slots):
    t = Tracker.from_dict(
        {
            "sender_id": "ticket-test",
            "slots": slots,
            "latest_message": {"text": "", "intent": {}, "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "ticket_form",
        }
    )
    msgs, events = run(ActionSubmitTicket(), t)
    return render(msgs), events


def full_slots(draft, institution="上海某某人力资源有限公司"):
    return {
        "ticket_institution": institution,
        "ticket_contact_person": "given",
        "ticket_contact": "phone",
        "ticket_question": "租金补贴什么时候开始申报？",
        "ticket_draft": draft,
    }


def test_the_ticket_is_stored_summarised_masked_and_numbered(records_db):
    tickets.save_draft("d-ok", contact_person="张先生", phone=PHONE)
    out, events = submit(full_slots("d-ok"))
    (t,) = tickets.list_tickets()
    assert (t.institution, t.contact_person, t.phone, t.question) == (
        "上海某某人力资源有限公司",
        "张先生",
        PHONE,
        "租金补贴什么时候开始申报？",
    )
    assert f"已提交留言，编号 {t.number}" in out and t.number.startswith("JD-")
    assert "联系方式：138****5678" in out and PHONE not in out
    assert "没有区人社局的电话或地址" in out
    assert slot_events(events) == {s: None for s in SLOTS + STATE_SLOTS}  # every ticket slot reset
    assert draft_row(records_db, "d-ok") is None


def test_without_institution_and_with_the_configured_contact(monkeypatch):
    monkeypatch.setenv("BUREAU_CONTACT", "区人社局窗口 021-00000000")
    tickets.save_draft("d-ni", contact_person="李女士", email="li@example.com")
    out, _ = submit(full_slots("d-ni", institution=NOT_GIVEN))
    assert "机构：未提供" in out and "l***@example.com" in out and "区人社局窗口 021-00000000" in out
    assert tickets.list_tickets()[0].institution is None


@pytest.mark.parametrize(
    "reason, said", [("quit", "留言已取消"), ("gave_up", "这次留言先取消了"), ("store_failed", "没能保存")]
)
def test_a_stopped_form_stores_nothing_and_says_so(reason, said):
    out, events = submit({"ticket_cancelled": reason, "ticket_draft": "d-x"})
    assert said in out and "没有保存" in out
    assert tickets.list_tickets() == []
    assert slot_events(events) == {s: None for s in SLOTS + STATE_SLOTS}


def test_an_expired_draft_is_said_not_stored():
    out, _ = submit(full_slots("d-never-saved"))
    assert "已失效" in out and tickets.list_tickets() == []


def test_a_database_failure_is_a_chinese_message_not_a_crash(monkeypatch):
    monkeypatch.setattr(db, "engine", lambda url=None: sa.create_engine("sqlite:////proc/no-such-dir/x.sqlite"))
    out, slots, _ = validate("张三", "ticket_contact_person", {"ticket_draft": "d-db"})
    assert slots["ticket_cancelled"] == "store_failed" and slots["requested_slot"] is None
    out, _ = submit(full_slots("d-db"))
    assert "没能保存" in out
