"""End to end over REST (real action server, real Rasa server, trained model): the dialogue behaviours of issue #11
— exact amounts from everyday wording, numbers said back, intervals instead of needless questions, corrections
acknowledged, no trap (skip, two bad answers), typed button titles, bad input harmless."""

import json
import uuid

import pytest

from tests.e2e.servers import post_json


def sender():
    return f"u11-{uuid.uuid4().hex[:8]}"


def first_line(text: str) -> str:
    return text.strip().splitlines()[0]


@pytest.mark.parametrize(
    "question, per_year, total",
    [
        ("每个月房租7万，能补多少", "25.2万元", "75.6万元"),
        ("一年房租两百六十万，补贴多少", "78万元", "234万元"),
        ("年租金1,500,000元，补贴多少", "45万元", "135万元"),
        ("我们1200平米，每平米每天4元，租金能补多少", "52.56万元", "157.68万元"),
    ],
)
def test_numbers_in_a_question_are_answered_first(bot, question, per_year, total):
    text = bot.text(sender(), question)
    line = first_line(text)
    assert line.startswith(f"租金补贴每年{per_year}，前三年度合计最多{total}"), text
    assert "《办法》三、2" in line
    assert "【政策自测】" not in text  # answered, not turned into a self-check


def test_the_figure_is_said_back_as_understood(bot):
    text = bot.text(sender(), "每个月房租7万，能补多少")
    assert "年租金84万元（按每月7万元×12个月计算）" in text


def _start_rent_check(bot, me):
    bot.text(me, "帮我看看我们能不能拿租金补贴")
    bot.text(me, "已入驻")
    return bot.text(me, "猎头")


def test_entry_year_alone_needs_no_month_when_it_cannot_matter(bot):
    me = sender()
    assert "入驻" in _start_rent_check(bot, me)
    text = bot.text(me, "2024年入驻的")
    assert "哪个月" not in text and "月份" not in text
    assert "已记录：入驻时间2024年" in text


def test_entry_year_that_decides_asks_for_the_month_once(bot):
    me = sender()
    _start_rent_check(bot, me)
    text = bot.text(me, "2023年入驻的")  # today 2026-11-25: entered before 25 Nov 2023 → the three years are over
    assert "2023年的哪个月" in text and text.count("？") == 1  # one question per turn
    text = bot.text(me, "忘了")
    assert "2023年的哪个月" not in text  # not asked again


def test_two_unusable_answers_move_on(bot):
    me = sender()
    _start_rent_check(bot, me)
    assert "年租金" in bot.text(me, "2025年3月")
    text = bot.text(me, "嗯嗯嗯")
    assert "没听明白" in text and "年租金" in text  # asked again, once
    text = bot.text(me, "啊啊啊")
    assert "先记为“不清楚”" in text
    assert "【政策自测】" in text and "提供年租金（元）后可算出金额" in text  # moved on: the report, no third ask


def test_typed_button_title_and_skip(bot):
    me = sender()
    bot.text(me, "帮我看看我们能享受哪些政策")
    text = bot.text(me, "未入驻")  # the button's title, typed
    assert "【政策自测】" in text and "未入驻上海·嘉定人才港" in text


def test_not_in_the_port_said_as_a_negation(bot):
    me = sender()
    bot.text(me, "帮我看看我们能享受哪些政策")
    text = bot.text(me, "我们不在人才港")
    assert "未入驻上海·嘉定人才港" in text and "已入驻上海·嘉定人才港" not in text


def test_a_correction_is_acknowledged(bot):
    me = sender()
    _start_rent_check(bot, me)
    text = bot.text(me, "2025年3月入驻，年租金7万")
    assert "每年2.1万元" in text
    text = bot.text(me, "说错了，是每月7万")
    assert "已更正：年租金84万元" in text and "每年25.2万元" in text


def test_a_lone_surrogate_is_cleaned_not_an_error(bot):
    raw = (
        b'{"sender": "'
        + sender().encode()
        + b'", "message": "\\ud800\\u200b\\u0007'
        + "租金补贴怎么算".encode()
        + b'"}'
    )
    status, body = post_json(f"{bot.url}/webhooks/rest/webhook", None, raw=raw)
    assert status == 200, body
    text = "\n".join(m.get("text", "") for m in json.loads(body))
    assert "服务暂时不可用" not in text and "《办法》三、2" in text


@pytest.mark.parametrize("msg", ["<script>alert(1)</script>", "第<b>99</b>条", "https://evil.example/x 第八部分"])
def test_raw_user_text_is_never_echoed(bot, msg):
    text = bot.text(sender(), msg)
    assert "<script>" not in text and "<b>" not in text and "evil.example" not in text


def test_asking_for_the_result_ends_the_questions(bot):
    me = sender()
    bot.text(me, "帮我看看我们能享受哪些政策")
    bot.text(me, "已入驻")
    text = bot.text(me, "直接看结果吧")
    assert "其余问题先跳过" in text and "【政策自测】" in text


@pytest.mark.parametrize("said, explained", [("0元", "金额不能为零"), ("7", "请带上单位")])
def test_an_unusable_amount_is_explained_over_rest(bot, said, explained):
    """The template's sentence reaches the user, not the number alone: a ``text`` sent beside a response replaces
    the template in Rasa (the bot once answered "0元" to "0元")."""
    me = sender()
    _start_rent_check(bot, me)
    bot.text(me, "2025年3月")
    text = bot.text(me, said)
    assert explained in text and first_line(text) != said, text


def test_a_rent_without_a_period_is_asked_once_then_taken_from_the_period_alone(bot):
    """ "我们房租7万" is 7万 or 84万 a year: asked when the rent is (one question, its buttons the two readings),
    "每月" answers it."""
    me = sender()
    said = ["我们房租7万，帮我看看能享受哪些政策", "已入驻", "猎头", "2025年3月"]
    for message in said:
        msgs = bot.say(me, message)
        text = "\n".join(m.get("text", "") for m in msgs)
        assert text.count("？") == 1 and "年租金7万元" not in text, text
        if "您说的房租7万元是每月还是每年？" in text:
            break
    else:
        raise AssertionError(f"the period was never asked: {text}")
    assert [b["title"] for m in msgs for b in m.get("buttons") or []][:2] == ["每月7万元", "每年7万元"]
    assert "年租金7万元" not in text
    text = bot.text(me, "每月")
    assert "已记录：年租金84万元（按每月7万元×12个月计算）" in text, text


def test_a_rent_question_without_a_period_offers_the_two_readings(bot):
    me = sender()
    msgs = bot.say(me, "房租7万能补多少")
    assert first_line(msgs[0]["text"]).startswith("您说的房租7万元是每月还是每年？"), msgs
    payloads = [b["payload"] for m in msgs for b in m.get("buttons") or []]
    assert payloads == ["每月房租7万元，租金补贴能补多少？", "每年房租7万元，租金补贴能补多少？"]
    line = first_line(bot.text(me, payloads[0]))
    assert line.startswith("租金补贴每年25.2万元，前三年度合计最多75.6万元") and "《办法》三、2" in line
