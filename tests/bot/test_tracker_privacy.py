"""The tracker store hides the answers to the ticket form's questions that may carry contact details
(bot/tracker_store.py): the user message that gave the institution, a contact person or a phone / e-mail is
stored with its text replaced, on both save paths
(snapshots on, and Rasa's own full save); every other message is stored as said."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import HIDDEN_TEXT, UrlSQLTrackerStore, private_answers

ROOT = Path(__file__).resolve().parents[2]
PHONE = "13912346421"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "bot" / "domain"))


def _user(text: str, intent: str = "inform") -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 1.0}, [{"entity": "money", "value": 13912346421}])


def _turns():
    """(events of one turn) for a ticket form that asks the institution, the person, the contact, the question."""
    yield [
        ActionExecuted("action_listen"),
        _user("转人工", "contact_staff"),
        ActionExecuted("ticket_form"),
        ActiveLoop("ticket_form"),
        SlotSet("requested_slot", "ticket_institution"),
        ActionExecuted("action_listen"),
    ]
    yield [
        _user("上海某某人力资源有限公司"),
        ActionExecuted("ticket_form"),
        SlotSet("requested_slot", "ticket_contact_person"),
        ActionExecuted("action_listen"),
    ]
    yield [
        _user("张先生"),
        ActionExecuted("ticket_form"),
        SlotSet("requested_slot", "ticket_contact"),
        ActionExecuted("action_listen"),
    ]
    yield [
        _user(PHONE),
        ActionExecuted("ticket_form"),
        SlotSet("requested_slot", "ticket_question"),
        ActionExecuted("action_listen"),
    ]
    yield [
        _user("租金补贴什么时候申报"),
        ActionExecuted("ticket_form"),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        BotUttered("已提交留言"),
        ActionExecuted("action_listen"),
    ]
    yield [_user("13800000000 是我的另一个号码吗")]  # after the form: stored as said


def _stored(path: Path) -> list[dict]:
    rows = sqlite3.connect(path).execute("select type_name, data from events order by id").fetchall()
    return [json.loads(d) for t, d in rows if t == "user"]


@pytest.mark.parametrize("every", ["40", "0"])
def test_contact_answers_are_hidden_and_the_rest_kept(tmp_path, domain, monkeypatch, every):
    monkeypatch.setenv("TRACKER_SNAPSHOT_EVERY", every)
    path = tmp_path / "t.sqlite"
    store = UrlSQLTrackerStore(domain, host=f"sqlite:///{path}")

    async def converse():
        for turn in _turns():
            tracker = await store.retrieve("s1") or DialogueStateTracker("s1", domain.slots)
            for e in turn:
                tracker.update(e)
            await store.save(tracker)

    asyncio.run(converse())
    users = _stored(path)
    assert [u["text"] for u in users] == [
        "转人工",
        HIDDEN_TEXT,
        HIDDEN_TEXT,
        HIDDEN_TEXT,
        "租金补贴什么时候申报",
        "13800000000 是我的另一个号码吗",
    ]
    hidden = users[3]
    assert hidden["parse_data"]["text"] == HIDDEN_TEXT and hidden["parse_data"]["entities"] == []
    assert hidden["parse_data"]["intent"]["name"] == "inform"
    assert PHONE not in path.read_bytes().decode("utf-8", errors="replace")
    assert "张先生" not in path.read_bytes().decode("utf-8", errors="replace")


def test_which_answers_are_private():
    events = [e for turn in _turns() for e in turn]
    users = [i for i, e in enumerate(events) if isinstance(e, UserUttered)]
    assert sorted(private_answers(events, 0)) == [users[1], users[2], users[3]]
    assert private_answers(events, users[3] + 1) == set()
