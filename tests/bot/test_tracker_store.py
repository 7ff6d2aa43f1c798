"""bot.tracker_store on SQLite: WAL mode, pooled connections, conversations survive a new store instance."""

import asyncio
import sqlite3

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import UrlSQLTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet]
slots:
  focus:
    type: text
    mappings: [{type: custom}]
""")


def _tracker(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen"),
            UserUttered("租金补贴怎么算", {"name": "greet", "confidence": 1.0}),
            SlotSet("focus", "三、2"),
            ActionExecuted("action_listen"),
        ],
        slots=DOMAIN.slots,
    )


def test_sqlite_file_is_in_wal_mode_and_pooled(tmp_path):
    db = tmp_path / "t.sqlite"
    store = UrlSQLTrackerStore(DOMAIN, host=f"sqlite:///{db}")
    asyncio.run(store.save(_tracker("a")))
    assert sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert type(store.engine.pool).__name__ == "QueuePool"
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_turns_are_readable_by_a_new_store_and_another_reader(tmp_path):
    db = tmp_path / "t.sqlite"
    first = UrlSQLTrackerStore(DOMAIN, host=f"sqlite:///{db}")
    tracker = _tracker("b")
    asyncio.run(first.save(tracker))
    tracker.update(UserUttered("第二句", {"name": "greet", "confidence": 1.0}))
    asyncio.run(first.save(tracker))
    # another process's view (e.g. the staff console) and a restarted Rasa server see every turn
    texts = [
        r[0]
        for r in sqlite3.connect(db).execute(
            "SELECT json_extract(data, '$.text') FROM events WHERE type_name='user' ORDER BY id"
        )
    ]
    assert texts == ["租金补贴怎么算", "第二句"]
    again = asyncio.run(UrlSQLTrackerStore(DOMAIN, host=f"sqlite:///{db}").retrieve("b"))
    assert again.get_slot("focus") == "三、2"
    assert [e.text for e in again.events if isinstance(e, UserUttered)] == ["租金补贴怎么算", "第二句"]
