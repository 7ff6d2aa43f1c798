"""Intents decided by the message's form (bot/nlu/fixed_intents.py): 有帮助 / 没帮助 typed after an answer (the whole
message must be such a phrase; answers to the self-check's questions and questions about the policy keep DIET's
intent), and a message without a word is not understood."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.fixed_intents import FixedIntents, feedback_intent, fixed_intent


@pytest.mark.parametrize(
    "text",
    [
        "没帮助",
        "没有帮助",
        "没用",
        "这个回答没用",
        "答非所问",
        "没回答我的问题",
        "这不是我想问的",
        "说了等于没说",
        "一点用都没有",
        "没帮上忙",
        "这回答没用啊！",
        "不是我要的答案",
        "沒幫助",
        "你这回答没啥用",
        "不管用",
    ],
)
def test_unhelpful(text):
    assert feedback_intent(text) == "feedback_unhelpful"


@pytest.mark.parametrize("text", ["有帮助", "很有帮助", "有用", "这个回答有用。", "对我有帮助", "挺有帮助的", "有幫助"])
def test_helpful(text):
    assert feedback_intent(text) == "feedback_helpful"


@pytest.mark.parametrize(
    "text",
    [
        "有什么补贴可以拿",
        "没有",
        "有",
        "不用了",
        "不用",
        "没有推荐成功",
        "有用吗",
        "没有实训基地",
        "好的",
        "用不了",
        "没有帮助的话我们还能申请吗",
        "这个政策对我们有帮助吗",
        "",
    ],
)
def test_everything_else_is_not_feedback(text):
    assert feedback_intent(text) is None


def test_the_component_sets_the_intent_first_in_the_ranking():
    m = Message(
        data={
            "text": "没帮助",
            "intent": {"name": "deny", "confidence": 0.6},
            "intent_ranking": [{"name": "deny", "confidence": 0.6}, {"name": "affirm", "confidence": 0.2}],
        }
    )
    other = Message(data={"text": "没有", "intent": {"name": "deny", "confidence": 0.9}})
    FixedIntents().process([m, other])
    assert m.get("intent") == {"name": "feedback_unhelpful", "confidence": 1.0}
    assert [r["name"] for r in m.get("intent_ranking")] == ["feedback_unhelpful", "deny", "affirm"]
    assert other.get("intent")["name"] == "deny"


@pytest.mark.parametrize("text", ["？？？", "???", "……", "!!", "。", "？！", "~~"])
def test_a_message_without_a_word_is_not_understood(text):
    assert fixed_intent(text) == "nlu_fallback"


@pytest.mark.parametrize("text", ["？3", "a?", "租金？", "没帮助", "   "])
def test_a_message_with_a_word_is_left_to_diet_or_the_phrases(text):
    assert fixed_intent(text) in (None, "feedback_unhelpful")
    assert fixed_intent(text) != "nlu_fallback"


@pytest.mark.parametrize(
    "text, intent",
    [
        ("政策有没有更新过", "ask_validity"),
        ("最新版本是哪个文件", "ask_validity"),
        ("明年租金补贴的比例会变吗", "ask_validity"),
        ("有新的细则吗", "ask_validity"),
        ("租金补贴怎么算", None),
        ("我们想调整一下租金", None),
        ("我们的地址变更了", None),
        ("如果房租调整过，补贴怎么算", None),
        ("要是租金变了吗", None),
        ("入驻日期改了吗", None),
        ("我们刚更新过营业执照", None),
        ("我的资料修改过吗", None),
        ("这个政策会调整吗", "ask_validity"),
        ("政策变了吗", "ask_validity"),
    ],
)
def test_a_question_whether_the_policy_changed_is_ask_validity(text, intent):
    assert fixed_intent(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        "各位好",
        "诸位好！",
        "老师好",
        "工作人员您好",
        "下午好",
        "大家晚上好",
        "哈喽",
        "Hi",
        "喂，你好",
        "你好呀",
        "有人在吗？",
    ],
)
def test_a_message_that_is_only_a_greeting_is_greet(text):
    assert fixed_intent(text) == "greet"


@pytest.mark.parametrize(
    "text", ["好", "好的", "还好", "那好", "说不好", "你好，我想问房租补贴", "晚安", "好吧，再见", "早", "啊", "呀"]
)
def test_a_greeting_in_a_longer_message_or_an_answer_with_hao_is_left_to_diet(text):
    assert fixed_intent(text) is None


def _greet_first(text: str) -> Message:
    return Message(
        data={
            "text": text,
            "intent": {"name": "greet", "confidence": 0.85},
            "intent_ranking": [
                {"name": "greet", "confidence": 0.85},
                {"name": "ask_support_objects", "confidence": 0.1},
            ],
        }
    )


@pytest.mark.parametrize(
    "text", ["你好，我们是开饭店的，可以拿补贴吗", "老师好，请问外资机构能申请吗", "您好! 租金补贴怎么算"]
)
def test_a_greeting_then_a_question_is_the_question(text):
    """A greeting then a question got only the welcome (found talking to the bot): DIET heard the greeting."""
    m = _greet_first(text)
    FixedIntents().process([m])
    assert m.get("intent") == {"name": "ask_support_objects", "confidence": 0.1}
    assert [r["name"] for r in m.get("intent_ranking")] == ["ask_support_objects", "greet"]


@pytest.mark.parametrize("text", ["您好，打扰一下", "你好，请问在吗", "嗨，你好", "你好", "哈喽，有人在吗"])
def test_a_greeting_with_nothing_asked_stays_greet(text):
    m = _greet_first(text)
    FixedIntents().process([m])
    assert m.get("intent")["name"] == "greet"
