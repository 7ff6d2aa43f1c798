"""bot.tracker_store: WAL mode and pooled connections on SQLite, conversations survive a new store instance, the
schema is created once by processes starting together (SQLite and PostgreSQL)."""

import asyncio
import sqlite3
import threading

import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import UrlSQLTrackerStore, create_schema
from tests.services import fresh_postgres_database

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


def _race(url: str, n: int, create) -> list[BaseException]:
    """``n`` threads, each its own connection, call ``create(url)`` at the same moment; the errors they raised."""
    barrier = threading.Barrier(n)
    errors: list[BaseException] = []

    def one() -> None:
        barrier.wait()
        try:
            create(url)
        except BaseException as e:  # collected for the assertion
            errors.append(e)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


def _schema(url: str) -> tuple[set[str], set[str]]:
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return set(inspector.get_table_names()), {i["name"] for i in inspector.get_indexes("events")}
    finally:
        engine.dispose()


def test_processes_starting_together_on_a_new_postgresql_database_all_start():
    """Sanic's two workers create the store's tables at the same moment on a new database: every one of them
    must come up (before the advisory lock, one worker died with UniqueViolation in 2 of 4 starts)."""
    for _ in range(3):
        with fresh_postgres_database("schema") as url:
            assert _race(url, 8, create_schema) == []
            tables, indexes = _schema(url)
            assert {"events", "tracker_snapshots"} <= tables
            assert "ix_events_sender_id_id" in indexes


def test_schema_creation_racing_on_sqlite_also_ends_with_every_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.sqlite'}"
    assert _race(url, 4, create_schema) == []
    tables, indexes = _schema(url)
    assert {"events", "tracker_snapshots"} <= tables and "ix_events_sender_id_id" in indexes


def _two_turns(store: UrlSQLTrackerStore, sender: str) -> list[str]:
    """Save a conversation, add a turn through the snapshot path, read it back: the user texts."""
    tracker = _tracker(sender)
    asyncio.run(store.save(tracker))
    again = asyncio.run(store.retrieve(sender))
    again.update(UserUttered("第二句", {"name": "greet", "confidence": 1.0}))
    asyncio.run(store.save(again))
    return [e.text for e in asyncio.run(store.retrieve(sender)).events if isinstance(e, UserUttered)]


def test_an_in_memory_sqlite_store_has_its_snapshot_table_too():
    store = UrlSQLTrackerStore(DOMAIN, host="sqlite://")
    assert {"events", "tracker_snapshots"} <= set(sa.inspect(store.engine).get_table_names())
    assert _two_turns(store, "m") == ["租金补贴怎么算", "第二句"]


def test_postgresql_schema_of_rasa_holds_every_table_of_the_store(monkeypatch):
    """POSTGRESQL_SCHEMA (Rasa's setting, README) puts Rasa's events table in that schema; the snapshots table and
    the tail index go there as well, where the store's queries look."""
    with fresh_postgres_database("pgschema") as url:
        engine = sa.create_engine(url)
        with engine.begin() as c:
            c.execute(sa.text("CREATE SCHEMA bot"))
        monkeypatch.setenv("POSTGRESQL_SCHEMA", "bot")
        store = UrlSQLTrackerStore(DOMAIN, host=url)
        assert _two_turns(store, "p") == ["租金补贴怎么算", "第二句"]
        store.engine.dispose()
        inspector = sa.inspect(engine)
        assert {"events", "tracker_snapshots"} <= set(inspector.get_table_names(schema="bot"))
        assert inspector.get_table_names(schema="public") == []
        assert "ix_events_sender_id_id" in {i["name"] for i in inspector.get_indexes("events", schema="bot")}
        engine.dispose()
