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
``tracker_snapshots``, the conversation state every ``TRACKER_SNAPSHOT_EVERY`` events (default 40) at the end of
a turn: every slot's value in the order slots were last set, the active form with its flags, paused or not. A
``retrieve`` then reads the latest snapshot that lies at least ``TRACKER_SNAPSHOT_EVERY`` events back and only the
events after it: the tracker is the snapshot's state, written as the events that set it (SlotSet …, ActiveLoop,
action_listen), followed by 40–80 real events (plus the turn in progress). ``save`` appends what came after the
events it loaded instead of counting the stored ones. ``TRACKER_SNAPSHOT_EVERY=0`` turns this off (Rasa's own
behaviour).

Why it is safe here: the only policy is RulePolicy, whose rules look back a few turns (the longest rule has 4
steps, a tenth of the events kept); forms read slots and the active loop, both in the snapshot; the session-expiry
check reads the last user message, always in the kept events; the actions read slots, the latest message and the
order slots were set in (kept by the snapshot's order); the action server is sent the kept events only, and none
of its code looks further back. tests/bot/test_tracker_snapshots.py compares the store with Rasa's full read
(slots, their order, active loop, the last states RulePolicy matches); tests/e2e/test_long_conversations.py runs a
real server cutting every 8 events against one reading in full.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    ConversationPaused,
    Event,
    LoopInterrupted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'tracker.sqlite'}"


def tracker_store_url() -> str:
    return os.environ.get("TRACKER_STORE_URL") or DEFAULT_URL


# 40 events ≈ 4 self-check turns or 8 questions: ten times the longest rule (4 steps; a test checks the ratio) and
# few enough that the kept events cost no more than a new conversation's (bench/conversation_curve.py)
DEFAULT_EVERY = 40


def snapshot_every() -> int:
    """Events between two snapshots (and the fewest events a retrieve replays after one); 0 = no snapshots."""
    try:
        return max(0, int(os.environ.get("TRACKER_SNAPSHOT_EVERY", str(DEFAULT_EVERY))))
    except ValueError:
        return DEFAULT_EVERY


SNAPSHOTS = sa.Table(
    "tracker_snapshots",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("event_id", sa.Integer, nullable=False),  # the state after this row of ``events``
    sa.Column("state", sa.Text, nullable=False),
    sa.Index("ix_tracker_snapshots_sender_event", "sender_id", "event_id"),
)


def state_of(tracker: DialogueStateTracker) -> dict[str, Any]:
    """What a snapshot keeps: the slots that differ from their initial value, in the order they were last set,
    the active loop with its flags, and whether the conversation is paused."""
    order: list[str] = []
    for e in tracker.events:
        if isinstance(e, SlotSet):
            if e.key in order:
                order.remove(e.key)
            order.append(e.key)
    order += [name for name in tracker.slots if name not in order]
    slots = [
        [name, tracker.slots[name].value]
        for name in order
        if name in tracker.slots and tracker.slots[name].value != tracker.slots[name].initial_value
    ]
    loop = tracker.active_loop
    active = (
        {"name": loop.name, "interrupted": loop.is_interrupted, "rejected": loop.rejected}
        if loop is not None and loop.name
        else {}
    )
    return {"slots": slots, "active_loop": active, "paused": tracker.is_paused()}


def state_events(state: dict[str, Any], timestamp: float) -> list[dict[str, Any]]:
    """The snapshot as the events that set it (what a replay of the history up to it would leave)."""
    events: list[Event] = [SlotSet(name, value, timestamp=timestamp) for name, value in state["slots"]]
    loop = state.get("active_loop") or {}
    if loop.get("name"):
        events.append(ActiveLoop(loop["name"], timestamp=timestamp))
        if loop.get("interrupted"):
            events.append(LoopInterrupted(True, timestamp=timestamp))
        if loop.get("rejected"):
            events.append(ActionExecutionRejected(loop["name"], timestamp=timestamp))
    if state.get("paused"):
        events.append(ConversationPaused(timestamp=timestamp))
    events.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=timestamp))
    return [e.as_dict() for e in events]


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
        super().__init__(domain=domain, dialect=u.drivername, host=url, event_broker=event_broker, **kwargs)
        if sqlite_file:
            self.engine.dispose()
            self.engine = sqlite_engine(url)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.every = snapshot_every()
        if self.every:
            SNAPSHOTS.create(self.engine, checkfirst=True)
            # the tail of one conversation is read by (sender_id, id); Rasa indexes sender_id alone
            # (raw DDL: an Index object would attach itself to Rasa's shared Table and be created twice)
            with self.engine.begin() as conn:
                conn.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_events_sender_id_id ON events (sender_id, id)"))

    # reading -------------------------------------------------------------------------------------------------

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The current session's tracker: from the latest snapshot at least ``every`` events back, else (a short
        conversation, snapshots off) Rasa's own full read."""
        if not self.every or not self.domain:
            return await super().retrieve(sender_id)
        with self.session_scope() as session:
            events = self._tail(session, sender_id)
        if events is None:
            tracker = await super().retrieve(sender_id)
        else:
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if tracker is not None:
            tracker._jd_loaded = len(tracker.events)  # type: ignore[attr-defined]  # what save need not store
        return tracker

    def _tail(self, session: Any, sender_id: str) -> list[dict[str, Any]] | None:
        """The snapshot's state events and the events after it, from the latest snapshot with at least ``every``
        of this conversation's events after it (event ids are shared by all conversations, so they are counted);
        None when there is none."""
        e = self.SQLEvent
        snaps = session.execute(
            sa.select(SNAPSHOTS.c.event_id, SNAPSHOTS.c.state)
            .where(SNAPSHOTS.c.sender_id == sender_id)
            .order_by(SNAPSHOTS.c.event_id.desc())
            .limit(2)
        ).all()
        for snap in snaps:
            after = self._count_after(session, sender_id, snap.event_id)
            if after >= self.every:
                rows = (
                    session.query(e.data, e.timestamp)
                    .filter(e.sender_id == sender_id, e.id > snap.event_id)
                    .order_by(e.id)
                    .all()
                )
                state = state_events(json.loads(snap.state), rows[0].timestamp)
                return state + [json.loads(r.data) for r in rows]
        return None

    def _count_after(self, session: Any, sender_id: str, event_id: int) -> int:
        e = self.SQLEvent
        return int(session.query(sa.func.count(e.id)).filter(e.sender_id == sender_id, e.id > event_id).scalar())

    # writing -------------------------------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        loaded = getattr(tracker, "_jd_loaded", None)
        if not self.every or loaded is None:
            await super().save(tracker)  # a new tracker: Rasa's count of stored events is small and exact
            if self.every:
                tracker._jd_loaded = len(tracker.events)  # type: ignore[attr-defined]
            return
        await self.stream_events(tracker)
        new = list(tracker.events)[loaded:]
        with self.session_scope() as session:
            for event in new:
                session.add(self._row(tracker.sender_id, event))
            if new and tracker.latest_action_name == ACTION_LISTEN_NAME:
                session.flush()
                self._maybe_snapshot(session, tracker)
            session.commit()
        tracker._jd_loaded = len(tracker.events)  # type: ignore[attr-defined]

    def _row(self, sender_id: str, event: Event) -> Any:
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    def _maybe_snapshot(self, session: Any, tracker: DialogueStateTracker) -> None:
        """A snapshot when ``every`` of this conversation's events were stored since the last one (after the
        turn's events were flushed: the snapshot is the state after the last of them)."""
        previous = session.execute(
            sa.select(sa.func.max(SNAPSHOTS.c.event_id)).where(SNAPSHOTS.c.sender_id == tracker.sender_id)
        ).scalar()
        if self._count_after(session, tracker.sender_id, previous or 0) < self.every:
            return
        e = self.SQLEvent
        last_id = session.query(sa.func.max(e.id)).filter(e.sender_id == tracker.sender_id).scalar()
        session.execute(
            SNAPSHOTS.insert().values(
                sender_id=tracker.sender_id, event_id=last_id, state=json.dumps(state_of(tracker), ensure_ascii=False)
            )
        )
