"""A whole eligibility dialogue, answered whatever order the bot asks in."""

from __future__ import annotations

from collections.abc import Callable

ANSWERS: dict[str, str] = {
    "500强": "都不是",
    "总部": "总部",
    "推荐": "没有",
    "实训基地": "没有",
    "荣誉": "没有",
    "资质": "没有",
    "论坛": "没有举办过",
    "入驻": "已入驻",
    "业务": "猎头",
}


def run_dialogue(say: Callable[[int, str], str], rent_wan: int, entry: str = "2025年3月") -> str:
    """``say(turn, text)`` sends one message and returns the bot's text; returns the report."""
    turn = 0
    text = say(turn, "帮我看看我们能享受哪些政策")
    turn += 1
    text = say(turn, f"我们是猎头公司，{entry}入驻人才港，年租金{rent_wan}万")
    return finish_dialogue(say, text, turn)


def finish_dialogue(say: Callable[[int, str], str], text: str, turn: int = 0) -> str:
    """Answer whatever the bot asks until the report comes."""
    for _ in range(14):
        if "【政策自测】" in text:
            return text
        turn += 1
        reply = next((a for k, a in ANSWERS.items() if k in text), "不清楚")
        text = say(turn, reply)
    raise AssertionError(f"no report after the dialogue; last reply: {text}")
