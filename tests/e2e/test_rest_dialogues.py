"""End to end over the REST channel: the real action server and Rasa server, the trained model, SQLite stores."""

import json
import sqlite3
import uuid

import pytest

from tests.e2e.servers import post_json
from tests.scale.dialogue import finish_dialogue


def sender():
    return f"e2e-{uuid.uuid4().hex[:8]}"


def test_rent_question_is_computed(bot):
    text = bot.text(sender(), "我们每年房租100万，能补贴多少？")
    assert "每年30万元" in text and "合计最多90万元" in text and "《办法》三、2" in text


def test_event_question_is_computed(bot):
    text = bot.text(sender(), "办论坛花了200万最多补多少")
    assert "最高60万元" in text and "《办法》三、7" in text


def test_clause_lookup_verbatim(bot):
    text = bot.text(sender(), "支持政策第7条原文")
    assert "《办法》三、7" in text and "视其规模和品牌影响力给予举办费最高30%的一次性补贴" in text
    assert "支持政策共9条" in bot.text(sender(), "支持政策第十条")


def test_traditional_chinese(bot):
    text = bot.text(sender(), "租金補貼是多少")
    assert "《办法》三、2" in text and "30%" in text


def test_out_of_scope_has_no_policy_figures(bot):
    text = bot.text(sender(), "明天上海会下雨吗")
    assert "不在我的服务范围" in text
    assert "万元" not in text and "%" not in text


def test_overview_has_buttons(bot):
    replies = bot.say(sender(), "有哪些支持政策")
    buttons = [b for r in replies for b in r.get("buttons", [])]
    assert len(buttons) == 9 and buttons[1]["payload"] == "/ask_rent_subsidy"


def test_whole_eligibility_dialogue_reports_the_amounts(bot):
    me = sender()
    first = bot.text(me, "帮我看看我们能享受哪些政策")
    assert "入驻" in first  # first question: in the talent port?
    bot.text(me, "我们是猎头公司，2025年3月入驻人才港，年租金120万")
    # answer the remaining questions the engine still needs, whatever their order
    report = finish_dialogue(lambda _turn, message: bot.text(me, message), bot.text(me, "不是500强"))
    assert "每年36万元" in report and "三年合计最多108万元" in report
    assert "《办法》三、2" in report and "区人社局" in report


def test_the_report_travels_as_data_beside_its_text(bot):
    """The report's REST reply: its text (with buttons), then a custom entry with the same report as data — the
    verdicts the engine gives for the stated profile, and the text is exactly what the data renders to."""
    import datetime as dt

    from policy_kb.kb import PolicyKB
    from policy_kb.profile import Profile
    from policy_kb.report import render_report

    me = sender()
    bot.say(me, "帮我看看我们能享受哪些政策")
    reply = bot.say(me, "我们还没入驻人才港")
    i = next(i for i, m in enumerate(reply) if (m.get("custom") or {}).get("type") == "assessment_report")
    data, text = reply[i]["custom"], reply[i - 1]
    assert "【政策自测】" in text["text"] and text.get("buttons")
    assert text["text"] == render_report(data)
    today = dt.date.fromisoformat(bot.env["POLICY_TODAY"])  # the servers' pinned date
    expected = PolicyKB.from_source().assess(Profile.from_dict({"in_talent_port": False}, today), today)
    assert {m["id"]: m["verdict"] for m in data["measures"]} == {r.id: r.verdict for r in expected.results}
    assert data["counts"] == expected.counts() and data["computed_for"] == today.isoformat()
    assert data["profile"]["in_talent_port"] is False


def test_not_in_port_gets_no_rent_question(bot):
    me = sender()
    bot.text(me, "帮我看看我们能享受哪些政策")
    text = bot.text(me, "我们还没入驻人才港")
    assert "【政策自测】" in text and "未入驻上海·嘉定人才港" in text
    assert "年租金" not in text.split("【政策自测】")[0]


@pytest.mark.parametrize("answer, count", [("3", "3"), ("5名", "5"), ("两个", "2")])
def test_a_bare_number_answers_the_count_question(bot, answer, count):
    """A bare number used to be classified as goodbye ("88" is slang for bye) and ended the check with 再见."""
    me = sender()
    bot.text(me, "我们推荐人才能拿多少奖励")  # a focused check on 三、3
    bot.text(me, "已入驻")
    assert "推荐成功了几名" in bot.text(me, "猎头")
    text = bot.text(me, answer)
    assert "再见" not in text and "【政策自测】" in text
    assert f"已推荐成功{count}名人才（《办法》三、3）" in text


def test_correction_and_reset(bot):
    me = sender()
    bot.text(me, "帮我看看我们能不能拿租金补贴")
    bot.text(me, "已入驻")
    text = bot.text(me, "我们是猎头公司，2025年3月入驻，年租金120万")
    assert "每年36万元" in text
    text = bot.text(me, "不对，年租金是50万")
    assert "每年15万元" in text and "三年合计最多45万元" in text
    assert "已清空" in bot.text(me, "重新开始")


def test_conversation_is_in_the_sql_tracker_store(bot):
    me = sender()
    bot.text(me, "你好")
    db = bot.workdir / "tracker.sqlite"
    with sqlite3.connect(db) as c:
        n = c.execute("select count(*) from events where sender_id = ?", (me,)).fetchone()[0]
    assert n > 0


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[]", b'{"sender": "x"}'])
def test_malformed_rest_requests_are_not_500(bot, raw):
    status, _ = post_json(f"{bot.url}/webhooks/rest/webhook", None, raw=raw)
    assert status < 500
    assert "每年30万元" in bot.text(sender(), "我们每年房租100万，能补贴多少？")


def test_empty_and_too_long_messages_get_a_clear_answer(bot):
    me = sender()
    status, body = post_json(f"{bot.url}/webhooks/rest/webhook", {"sender": me, "message": "   "})
    assert status == 200 and "请输入您的问题" in json.loads(body)[0]["text"]
    status, body = post_json(f"{bot.url}/webhooks/rest/webhook", {"sender": me, "message": "租" * 10000})
    assert status == 200 and "太长" in json.loads(body)[0]["text"]
    assert "《办法》三、2" in bot.text(me, "租金补贴怎么算")


def test_html_and_sql_looking_input_is_just_text(bot):
    me = sender()
    for msg in ("<script>alert(1)</script>", "'; DROP TABLE events; --", "😀😀😀"):
        status, _body = post_json(f"{bot.url}/webhooks/rest/webhook", {"sender": me, "message": msg})
        assert status == 200
    assert "每年30万元" in bot.text(me, "我们每年房租100万，能补贴多少？")
