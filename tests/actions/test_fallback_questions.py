"""Low NLU confidence on a message that asks about several measures (DIET cannot pick one because there are
several): each question is answered in order, as with a confident intent; anything else still gets the search."""

from __future__ import annotations

import os

from actions.lookup import ActionFallbackSearch
from tests.actions.helpers import render, run, tracker

os.environ["POLICY_TODAY"] = "2026-11-25"


def _fallback(text):
    t = tracker("empty", text, intent="nlu_fallback")
    t.active_loop = {}
    msgs, events = run(ActionFallbackSearch(), t)
    return msgs, events


def test_two_measures_asked_at_once_are_both_answered_in_order():
    msgs, events = _fallback("引才补贴给多少？荣誉奖励呢？")
    assert len(msgs) == 2
    first, second = render(msgs[:1]), render(msgs[1:])
    assert "1万—50万元" in first and "《办法》三、3" in first
    assert "20万—30万元" in second and "《办法》三、5" in second
    assert {"event": "slot", "timestamp": None, "name": "topic", "value": "三、5"} in events


def test_one_unclear_message_still_gets_the_search_or_a_rephrase():
    msgs, _ = _fallback("这是什么东西")
    assert render(msgs).startswith("抱歉，我没有理解")
