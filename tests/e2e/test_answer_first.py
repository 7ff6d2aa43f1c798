"""End to end over REST: issue #12 — the question asked is answered on the first line with its citation; the topic
is kept across follow-ups and switched by a new clause; several questions are answered in order; false premises
are corrected; near-scope questions say who the policy is for."""

import uuid

import pytest


def sender():
    return f"u12-{uuid.uuid4().hex[:8]}"


def first_line(replies) -> str:
    return next(r["text"] for r in replies if r.get("text")).splitlines()[0]


@pytest.mark.parametrize(
    "question, must",
    [
        ("人才推荐补贴一次给几年", ["未规定分几年", "三、3"]),
        ("区级的专业资质算不算", ["区级", "三、6"]),
        ("实训基地补贴年年都有吗", ["三、4"]),
        ("活动补贴封顶多少", ["最高", "30%", "三、7"]),
        ("租金补贴能给几年", ["前三年度", "三、2"]),
        ("落户奖励最多多少", ["500万元", "三、1"]),
        ("荣誉奖励是一次性的吗", ["一次性", "三、5"]),
    ],
)
def test_the_first_line_answers_the_aspect_asked(bot, question, must):
    line = first_line(bot.say(sender(), question))
    assert all(m in line for m in must), line
    assert not line.startswith("【")  # not the old card heading


def test_follow_ups_keep_the_topic_and_a_clause_switches_it(bot):
    me = sender()
    assert "三、5" in first_line(bot.say(me, "荣誉嘉奖奖励是怎么回事"))
    line = first_line(bot.say(me, "那具体要满足什么"))
    assert "三、5" in line and "市级以上" in line
    text = bot.text(me, "全文贴一下")
    assert "当年度给予一次性20万—30万元相应档次奖励" in text
    assert "三、7" in bot.text(me, "那第七条呢")
    line = first_line(bot.say(me, "封顶多少"))
    assert "三、7" in line and "30%" in line


def test_the_buttons_under_an_answer_are_follow_ups(bot):
    me = sender()
    replies = bot.say(me, "人才推荐补贴一次给几年")
    buttons = {b["title"]: b["payload"] for r in replies for b in r.get("buttons", [])}
    assert {"完整条件", "原文", "看看我们能否申请"} <= set(buttons)
    text = bot.text(me, buttons["原文"])
    assert "对于推荐成功的给予1万—50万元相应档次补贴" in text and "原文" in text.splitlines()[0]
    text = bot.text(me, buttons["看看我们能否申请"])
    assert "人才推荐补贴（《办法》三、3）" in text and "入驻" in text


def test_several_questions_are_answered_in_order(bot):
    replies = bot.say(sender(), "引才补贴给多少？荣誉奖励呢？")
    texts = [r["text"] for r in replies if r.get("text")]
    assert len(texts) >= 2
    assert "1万—50万元" in texts[0] and "三、3" in texts[0]
    assert "20万—30万元" in texts[1] and "三、5" in texts[1]


@pytest.mark.parametrize(
    "premise, must, must_not",
    [
        ("不是说落户奖励固定100万吗", ["不是固定金额", "50万—500万元", "三、1"], []),
        ("租金补贴是50%吧", ["不是50%", "30%", "三、2"], []),
        ("区级荣誉也能拿吧", ["市级以上", "三、5"], []),
    ],
)
def test_false_premises_are_corrected_on_the_first_line(bot, premise, must, must_not):
    line = first_line(bot.say(sender(), premise))
    assert all(m in line for m in must), line
    assert not any(m in line for m in must_not)


def test_a_figure_inside_a_range_is_never_confirmed(bot):
    me = sender()
    bot.text(me, "荣誉嘉奖奖励是怎么回事")
    text = bot.text(me, "肯定能拿满30万吧")
    assert text.splitlines()[0].startswith("不一定") and "20万—30万元" in text and "区人社局" in text


def test_foreign_and_joint_venture_firms_are_in_scope(bot):
    line = first_line(bot.say(sender(), "我们是外资的人力资源公司，可以申请吗"))
    assert line.startswith("是") and "国内外" in line and "二" in line


def test_part_four_is_answered_from_part_four(bot):
    text = bot.text(sender(), "保障措施有哪些")
    assert "加强组织领导" in text and "四" in text.splitlines()[0]
    text = bot.text(sender(), "这项工作由谁牵头")
    assert "嘉定区人力资源和社会保障局" in text and "四（一）" in text
