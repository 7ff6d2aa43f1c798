"""A conversation much longer than what the tracker store reads back (TRACKER_SNAPSHOT_EVERY=8, so every few turns
the history is cut at a snapshot) behaves exactly like the same conversation read in full: the same bot actions
and responses, the same profile and report — with a form running across many cuts, questions asked in the middle
of it, a correction and a restart of the Rasa server."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest

from tests.e2e.servers import Servers

SCRIPT = [
    "租金补贴怎么算",
    "谁可以申请",
    "帮我看看我们能享受哪些政策",
    "已入驻",
    "猎头",
    "租金补贴要满足什么条件",  # a question inside the form: answered, the form resumes
    "2025年3月",
    "每月10万",
    "不是500强",
    "总部",
    "落户奖励有多少",
    "没有",
    "没有",
    "没有",
    "没有",
    "没有举办过",
    "不对，年租金是50万",  # a correction after the report
    "办论坛花了200万最多补多少",
    "重新开始",
    "我们推荐人才能拿多少奖励",
    "已入驻",
    "猎头",
    "3",
]


def _utters(db, sender: str) -> list[str]:
    rows = sqlite3.connect(db).execute(
        "SELECT type_name, action_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
    )
    out = []
    for type_name, action, data in rows:
        if type_name == "bot":
            out.append("bot:" + (json.loads(data).get("metadata") or {}).get("utter_action", "?"))
        elif type_name == "action":
            out.append(action)
    return out


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    cut = Servers(tmp_path_factory.mktemp("cut"), env={"TRACKER_SNAPSHOT_EVERY": "8"}).start()
    whole = Servers(tmp_path_factory.mktemp("whole"), env={"TRACKER_SNAPSHOT_EVERY": "0"}).start()
    yield cut, whole
    cut.stop()
    whole.stop()


def test_a_long_conversation_read_from_snapshots_is_the_same_conversation(pair):
    cut, whole = pair
    me = f"long-{uuid.uuid4().hex[:8]}"
    for i, text in enumerate(SCRIPT):
        if i == 12:  # a restart of the Rasa server (the action server keeps no state)
            cut.stop("rasa")
            cut.start_rasa()
        a, b = cut.text(me, text), whole.text(me, text)
        assert bool(a) and ("【政策自测】" in a) == ("【政策自测】" in b), (text, a, b)
    snapshots = sqlite3.connect(cut.workdir / "tracker.sqlite").execute(
        "SELECT count(*) FROM tracker_snapshots WHERE sender_id = ?", (me,)
    )
    assert snapshots.fetchone()[0] >= 5  # the history really was cut, many times
    assert _utters(cut.workdir / "tracker.sqlite", me) == _utters(whole.workdir / "tracker.sqlite", me)
