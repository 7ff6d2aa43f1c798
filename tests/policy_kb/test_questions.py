"""Several questions in one message: split, then plan (clause, aspect) for each, inheriting topic and aspect."""

import pytest

from policy_kb.kb import PolicyKB
from policy_kb.questions import is_question, plan, split_questions


@pytest.fixture(scope="module")
def kb():
    return PolicyKB.from_source()


@pytest.mark.parametrize(
    "text, parts",
    [
        ("引才补贴给多少？荣誉奖励呢？", ["引才补贴给多少", "荣誉奖励呢"]),
        ("租金补贴多少? 给几年?", ["租金补贴多少", "给几年"]),
        ("租金补贴多少；落户奖励怎么算。", ["租金补贴多少", "落户奖励怎么算"]),
        ("租金补贴多少，给几年？", ["租金补贴多少", "给几年"]),
        ("租金补贴多少钱另外怎么申请", ["租金补贴多少钱", "怎么申请"]),
        ("落户奖励给多少，还有荣誉奖励呢", ["落户奖励给多少", "荣誉奖励呢"]),
        ("我们是外资公司，能申请租金补贴吗？", ["我们是外资公司，能申请租金补贴吗"]),  # context joins its question
        ("租金补贴以及落户奖励分别多少", ["租金补贴以及落户奖励分别多少"]),  # 以及 inside one question
        ("还有什么补贴", ["还有什么补贴"]),  # a connector opening the message
        ("租金补贴怎么算。我们年租金120万。", ["租金补贴怎么算。我们年租金120万"]),
        (
            "租金补贴多少？落户奖励多少？荣誉奖励多少？活动补贴多少？",
            ["租金补贴多少", "落户奖励多少", "荣誉奖励多少？活动补贴多少"],
        ),
        ("", []),
        ("发我三、3原文", ["发我三、3原文"]),
    ],
)
def test_split(text, parts):
    assert split_questions(text) == parts


def test_is_question():
    assert is_question("荣誉奖励呢") and is_question("给几年") and is_question("发我原文") and is_question("申报材料?")
    assert not is_question("我们是外资公司") and not is_question("租金补贴")


@pytest.mark.parametrize(
    "text, topic, expected",
    [
        ("引才补贴给多少？荣誉奖励呢？", None, [("三、3", "amount"), ("三、5", "amount")]),
        ("租金补贴多少，给几年？", None, [("三、2", "amount"), ("三、2", "duration")]),
        ("落户奖励是什么？给多少？", None, [("三、1", "summary"), ("三、1", "amount")]),
        ("给几年？", "三、2", [("三、2", "duration")]),
        ("那荣誉奖励呢", "三、2", [("三、5", "summary")]),
        ("最多给多少", "三、5", [("三、5", "cap")]),
        ("租金补贴和落户奖励分别多少", None, [("三、2", "amount"), ("三、1", "amount")]),
        ("租金补贴和落户奖励能同时拿吗", None, [("三、2", "combine")]),
        ("区级荣誉算不算", None, [("三、5", "levels")]),
        ("谁能申请租金补贴", None, [("三、2", "conditions")]),
        ("谁能申请", None, [("二", "conditions")]),
        ("怎么申请", None, [("文件", "procedure")]),
        ("外资机构能申请吗", None, [("二", "organisations")]),
        ("给多少", None, [(None, "amount")]),  # no topic anywhere: the bot asks which measure
        ("三·2给几年", None, [("三、2", "duration")]),
        ("14号文第三部分第2条怎么算", None, [("三、2", "computation")]),
        ("租金補貼補幾年？落戶獎勵呢？", None, [("三、2", "duration"), ("三、1", "duration")]),
        ("这个政策有效期多久", None, [("文件", "duration")]),
        ("保障措施有哪些？谁牵头？", None, [("四", "summary"), ("四", "authority")]),
        ("发我三、3原文", None, [("三、3", "text")]),
        (
            "租金补贴多少？另外落户奖励怎么算？还有怎么申请？",
            None,
            [("三、2", "amount"), ("三、1", "computation"), ("三、1", "procedure")],
        ),
    ],
)
def test_plan(kb, text, topic, expected):
    assert [(r, a) for r, a, _ in plan(kb, text, topic)] == expected


def test_plan_keeps_each_part_text(kb):
    items = plan(kb, "引才补贴给多少？荣誉奖励呢？")
    assert [p for _, _, p in items] == ["引才补贴给多少", "荣誉奖励呢"]


def test_plan_is_capped(kb):
    items = plan(kb, "租金补贴、落户奖励、荣誉奖励、活动补贴分别多少")
    assert len(items) == 3
