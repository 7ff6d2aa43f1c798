"""Rasa's SQL tracker store, configured by one SQLAlchemy URL.

``TRACKER_STORE_URL`` (e.g. ``postgresql://user@db:5432/rasa``); default: the SQLite file ``var/tracker.sqlite``
at the repository root. Rasa's ``SQLTrackerStore`` accepts a complete URL in its ``host`` argument, which is what
this passes, so any SQLAlchemy URL works the same way as ``POLICY_KB_URL``.

SQLite (profiled, bench/PROFILE.md): SQLAlchemy 1.4 opens a new connection per session for a file database and
SQLite's default rollback journal syncs the disk several times per commit, ~2 ms per message. Here the file is
opened in WAL mode with ``synchronous=NORMAL`` and connections are kept in a pool. A committed turn survives a
crash or ``kill -9`` of the Rasa server (tests/scale/test_reliability.py); only a power cut can lose the last
turns. WAL also lets the staff console read while the bot writes. PostgreSQL is left as Rasa configures it.

Long conversations (bench/PROFILE.md, issue #14): Rasa's ``retrieve`` reads and replays every event of the
current session, and its ``save`` counts them, for every message — a WeChat user keeps one sender id for ever, so
the 600th message of a conversation cost 6× the first. This store keeps the full history in Rasa's ``events``
table (staff console, insights, exports and ``retrieve_full_tracker`` read it all, unchanged) and beside it, in
``tracker_snapshots``, the conversation state every ``TRACKER_SNAPSHOT_EVERY`` events (default 50) at the end of
a turn: every slot's value in the order slots were last set, the active form with its flags, paused or not. A
``retrieve`` then reads the latest snapshot that lies at least ``TRACKER_SNAPSHOT_EVERY`` events back and only the
events after it: the tracker is the snapshot's state, written as the events that set it (SlotSet …, ActiveLoop,
action_listen), followed by 50–100 real events (plus the turn in progress). ``save`` appends what came after the
events it loaded instead of counting the stored ones. ``TRACKER_SNAPSHOT_EVERY=0`` turns this off (Rasa's own
behaviour). Each process also keeps, for its last ``TRACKER_CACHE_SIZE`` conversations, the same window of events
in memory (``bot.tracker_window``): a message then reads only the conversation's newest event id, and the tables
again when another process wrote since.

Why it is safe here: the only policy is RulePolicy, whose rules look back a few turns (the longest rule has 4
steps, a tenth of the events kept); forms read slots and the active loop, both in the snapshot; the session-expiry
check reads the last user message, always in the kept events; the actions read slots, the latest message and the
order slots were set in (kept by the snapshot's order); the action server is sent the kept events only, and none
of its code looks further back. tests/bot/test_tracker_snapshots.py compares the store with Rasa's full read
(slots, their order, active loop, the last states RulePolicy matches); tests/e2e/test_long_conversations.py runs a
real server cutting every 8 events against one reading in full.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cachetools import LRUCache
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import POSTGRESQL_SCHEMA, SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, Event, SlotSet, UserUttered, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from bot.tracker_window import Snapshot, Window, state_of

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'tracker.sqlite'}"


def tracker_store_url() -> str:
    return os.environ.get("TRACKER_STORE_URL") or DEFAULT_URL


# 50 events ≈ 5 self-check turns or 10 questions: ten times the longest rule (5 steps, the ticket form started from
# inside the self-check; a test checks the ratio) and few enough that the kept events cost no more than a new
# conversation's (bench/conversation_curve.py measured 40; not re-measured at 50)
DEFAULT_EVERY = 50


def snapshot_every() -> int:
    """Events between two snapshots (and the fewest events a retrieve replays after one); 0 = no snapshots."""
    return _env_count("TRACKER_SNAPSHOT_EVERY", DEFAULT_EVERY)


# conversations whose window this process keeps in memory (least recently used dropped first); 0 = none, every
# message reads the tables
DEFAULT_CACHE = 1000


def window_cache_size() -> int:
    return _env_count("TRACKER_CACHE_SIZE", DEFAULT_CACHE)


def _env_count(name: str, default: int) -> int:
    """A count from the environment: not below 0, ``default`` when unset or not a number."""
    try:
        return max(0, int(os.environ.get(name, str(default))))
    except ValueError:
        return default


SNAPSHOTS = sa.Table(
    "tracker_snapshots",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("event_id", sa.Integer, nullable=False),  # the state after this row of ``events``
    sa.Column("state", sa.Text, nullable=False),
    sa.Index("ix_tracker_snapshots_sender_event", "sender_id", "event_id"),
)


# the tail of one conversation is read by (sender_id, id); Rasa indexes sender_id alone (raw DDL: an Index object
# would attach itself to Rasa's shared Table and be created twice)
EVENTS_TAIL_INDEX = "CREATE INDEX IF NOT EXISTS ix_events_sender_id_id ON events (sender_id, id)"
SCHEMA_LOCK = 0x6A64_7472  # PostgreSQL advisory lock key held while this store's tables are created ("jdtr")


def create_schema(target: str | sa.engine.Engine, snapshots: bool = True) -> None:
    """Rasa's ``events`` table and (with ``snapshots``) ``tracker_snapshots`` and the events' tail index, created
    once however many processes start on a new database at the same moment. Sanic's workers (``SANIC_WORKERS=2``)
    do: without this, one of them died at start-up in 2 of 4 starts on a fresh PostgreSQL database
    (``CREATE INDEX IF NOT EXISTS`` is not safe against a concurrent one: UniqueViolation), and the deployment ran
    on the other alone. On PostgreSQL the creation holds a transaction-level advisory lock, so a second process
    waits and then finds everything; elsewhere a creation that lost the race is tried once more and finds it. A
    database that does not answer yet is waited for, 5 s between tries, as Rasa's own store waits.

    ``target`` is a URL (a short-lived engine with Rasa's connection settings, so ``POSTGRESQL_SCHEMA`` puts the
    tables where Rasa looks) or an engine (an in-memory SQLite database exists only inside its own)."""
    if not isinstance(target, str):
        _create_schema(target, snapshots)
        return
    connect_args = create_engine_kwargs(target).get("connect_args", {})
    engine = sa.create_engine(target, poolclass=sa.pool.NullPool, connect_args=connect_args)
    try:
        _create_schema(engine, snapshots)
    finally:
        engine.dispose()


def _create_schema(engine: sa.engine.Engine, snapshots: bool) -> None:
    raced = False
    while True:
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
                SQLTrackerStore.Base.metadata.create_all(conn)
                if snapshots:
                    SNAPSHOTS.create(conn, checkfirst=True)
                    conn.execute(sa.text(EVENTS_TAIL_INDEX))
            return
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError, sa.exc.OperationalError) as e:
            if not raced:  # another process created them at the same moment: found now
                raced = True
                continue
            if not isinstance(e, sa.exc.OperationalError):
                raise
            logger.warning("tracker store: database not reachable yet, retrying in 5 s (%s)", e)
            time.sleep(5)


def sqlite_engine(url: str) -> sa.engine.Engine:
    """A pooled SQLite engine in WAL mode (Rasa calls the store from its event loop, one thread at a time)."""
    engine = sa.create_engine(
        url,
        poolclass=sa.pool.QueuePool,
        pool_size=2,
        max_overflow=4,
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


class UrlSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        url = host if host and "://" in host else tracker_store_url()
        u = make_url(url)
        sqlite_file = u.drivername.startswith("sqlite") and u.database not in (None, "", ":memory:")
        if sqlite_file:
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.pop("dialect", None)
        self.every = snapshot_every()
        in_memory = u.drivername.startswith("sqlite") and not sqlite_file
        if not in_memory:
            create_schema(url, snapshots=bool(self.every))  # before Rasa's own create_all, which then finds it all
        super().__init__(domain=domain, dialect=u.drivername, host=url, event_broker=event_broker, **kwargs)
        if in_memory:
            create_schema(self.engine, snapshots=bool(self.every))
        if sqlite_file:
            self.engine.dispose()
            self.engine = sqlite_engine(url)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.windows: LRUCache[str, Window] = LRUCache(maxsize=window_cache_size())  # maxsize 0: none kept

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """A connection in a transaction, committed when the block ends (rolled back if it raises): what Rasa's
        ``session_scope`` and a commit give these queries, without the ORM session around them (its bookkeeping
        cost more than the queries: 0.53 → 0.41 ms per message's save and read, measured on SQLite). With
        ``POSTGRESQL_SCHEMA`` set, Rasa's own session, which first checks that the schema exists."""
        if os.environ.get(POSTGRESQL_SCHEMA):
            with self.session_scope() as session:
                yield session
                session.commit()
            return
        with self.engine.begin() as conn:
            yield conn

    # reading -------------------------------------------------------------------------------------------------

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The current session's tracker, by the rule of ``bot.tracker_window``: from this process's window of the
        conversation when no event was stored since (one indexed query tells), else from the tables."""
        if not self.every or not self.domain:
            return await super().retrieve(sender_id)
        with self.transaction() as conn:
            last_id = self._last_id(conn, sender_id)
            window = self.windows.get(sender_id)
            if last_id is None:
                self.windows.pop(sender_id, None)
                return None
            if window is None or window.last_id != last_id:
                window = self._load(conn, sender_id, last_id)
                if self.windows.maxsize:
                    self.windows[sender_id] = window
        tracker = DialogueStateTracker.from_events(sender_id, window.events(self.every), self.domain.slots)
        tracker._jd_loaded = (len(tracker.events), last_id)  # type: ignore[attr-defined]  # what save need not store
        return tracker

    def _last_id(self, conn: Any, sender_id: str) -> int | None:
        return conn.execute(LAST_ID, {"s": sender_id}).scalar()

    def _load(self, conn: Any, sender_id: str, last_id: int) -> Window:
        """The conversation's window read from the tables: the newest two snapshots and the stored events from
        the oldest point the rule can pick (after the older snapshot when one of them has ``every`` events after
        it, else also the current session, which a read without snapshot returns)."""
        snaps = conn.execute(SNAPSHOTS_QUERY, {"s": sender_id}).all()[::-1]  # oldest first
        after = [self._count_after(conn, sender_id, s.event_id) for s in snaps]
        session_start = conn.execute(SESSION_START, {"s": sender_id}).scalar()
        start = snaps[0].event_id + 1 if snaps else 0
        if not any(n >= self.every for n in after):  # Rasa's read: the events from the latest session start
            first = conn.execute(FIRST_OF_SESSION, {"s": sender_id, "ts": session_start or 0.0}).scalar()
            start = min(start, first) if snaps else (first or 0)
        rows = conn.execute(EVENTS_FROM, {"s": sender_id, "id": start}).all()
        ids = [r.id for r in rows]
        window = Window(
            last_id=last_id,
            stored=deserialise_events([json.loads(r.data) for r in rows]),
            snapshots=[Snapshot(s.event_id, bisect.bisect_right(ids, s.event_id), json.loads(s.state)) for s in snaps],
            since_snapshot=after[-1] if snaps else self._count_after(conn, sender_id, 0),
            session_start=session_start,
        )
        window.trim(self.every)
        return window

    # writing -------------------------------------------------------------------------------------------------

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator[Event]:
        """Rasa's full save path (a new tracker, or snapshots off): the same events, personal answers hidden."""
        events = list(tracker.events)
        start = len(events) - len(list(super()._additional_events(session, tracker)))
        private = private_answers(events, start)
        return iter(hidden(e) if i in private else e for i, e in enumerate(events) if i >= start)

    async def save(self, tracker: DialogueStateTracker) -> None:
        loaded = getattr(tracker, "_jd_loaded", None)
        sender = tracker.sender_id
        if not self.every or loaded is None:
            await super().save(tracker)  # a new tracker: Rasa's count of stored events is small and exact
            self.windows.pop(sender, None)
            if self.every:
                tracker._jd_loaded = (len(tracker.events), None)  # type: ignore[attr-defined]
            return
        await self.stream_events(tracker)
        count, seen_id = loaded
        new = list(tracker.events)[count:]
        window = self.windows.get(sender)
        if window is not None and (seen_id is None or window.last_id != seen_id):
            window = None  # not the window this tracker was read from
        state = None
        last_id = seen_id
        private = private_answers(list(tracker.events), count)
        if new:
            with self.transaction() as conn:
                rows = [_row(sender, hidden(e) if count + i in private else e) for i, e in enumerate(new)]
                conn.execute(self.SQLEvent.__table__.insert(), rows)
                last_id = self._last_id(conn, sender)
                if tracker.latest_action_name == ACTION_LISTEN_NAME and self._snapshot_due(conn, window, sender, new):
                    state = state_of(tracker)
                    conn.execute(
                        SNAPSHOTS.insert().values(
                            sender_id=sender, event_id=last_id, state=json.dumps(state, ensure_ascii=False)
                        )
                    )
        if window is None:
            self.windows.pop(sender, None)
        elif new:
            window.append(new, last_id, self.every)
            if state is not None:
                window.snapshot(last_id, state, self.every)
        tracker._jd_loaded = (len(tracker.events), last_id if window is not None else None)  # type: ignore[attr-defined]

    def _snapshot_due(self, conn: Any, window: Window | None, sender: str, new: list[Event]) -> bool:
        """``every`` of this conversation's events were stored since its newest snapshot (counted in the window,
        else in the tables; the turn's events are already inserted)."""
        if window is not None:
            return window.since_snapshot + len(new) >= self.every
        previous = conn.execute(NEWEST_SNAPSHOT, {"s": sender}).scalar()
        return self._count_after(conn, sender, previous or 0) >= self.every

    def _count_after(self, conn: Any, sender_id: str, event_id: int) -> int:
        return int(conn.execute(COUNT_AFTER, {"s": sender_id, "id": event_id}).scalar())


# The answers to the bureau-message form's personal questions (bot/domain/tickets.yml): the contact person and the
# phone or e-mail are kept in the records database's ticket draft and ticket only (deleted after
# TICKET_RETENTION_DAYS), never in a slot; the user message that gave them is stored here with its text replaced, so
# the conversation history, the staff insights and exports read from it hold no contact details either. (The window
# kept in memory holds the real text until the process ends; nothing reads it back.)
PRIVATE_QUESTIONS = frozenset({"ticket_institution", "ticket_contact_person", "ticket_contact"})  # a phone may
# come with the institution's name ("张三 13812345678")
HIDDEN_TEXT = "（联系信息，已隐去）"


def private_answers(events: list[Event], start: int) -> set[int]:
    """The indexes (from ``start`` on) of the user messages that answered a personal question of the ticket form:
    ``requested_slot`` was one of PRIVATE_QUESTIONS when they came."""
    asked, out = None, set()
    for i, e in enumerate(events):
        if isinstance(e, SlotSet) and e.key == "requested_slot":
            asked = e.value
        elif isinstance(e, ActiveLoop) and e.name is None:
            asked = None
        elif isinstance(e, UserUttered) and i >= start and asked in PRIVATE_QUESTIONS:
            out.add(i)
    return out


def hidden(event: Event) -> Event:
    """A user message with its text, entities and parse replaced (the intent kept: insights count it)."""
    data = event.as_dict()
    parse = data.get("parse_data") or {}
    data["text"] = HIDDEN_TEXT
    data["parse_data"] = {"intent": parse.get("intent") or {}, "entities": [], "text": HIDDEN_TEXT}
    return Event.from_parameters(data)


def _row(sender_id: str, event: Event) -> dict[str, Any]:
    """The ``events`` row Rasa's ``SQLTrackerStore.save`` writes for an event."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


# the queries of a message, written out (an ORM query costs more to build than to run here)
LAST_ID = sa.text("SELECT max(id) FROM events WHERE sender_id = :s")
COUNT_AFTER = sa.text("SELECT count(*) FROM events WHERE sender_id = :s AND id > :id")
EVENTS_FROM = sa.text("SELECT id, data FROM events WHERE sender_id = :s AND id >= :id ORDER BY id")
SESSION_START = sa.text("SELECT max(timestamp) FROM events WHERE sender_id = :s AND type_name = 'session_started'")
FIRST_OF_SESSION = sa.text("SELECT min(id) FROM events WHERE sender_id = :s AND timestamp >= :ts")
SNAPSHOTS_QUERY = sa.text(
    "SELECT event_id, state FROM tracker_snapshots WHERE sender_id = :s ORDER BY event_id DESC LIMIT 2"
)
NEWEST_SNAPSHOT = sa.text("SELECT max(event_id) FROM tracker_snapshots WHERE sender_id = :s")
