"""Rasa's SQL tracker store, configured by one SQLAlchemy URL.

``TRACKER_STORE_URL`` (e.g. ``postgresql://user@db:5432/rasa``); default: the SQLite file ``var/tracker.sqlite``
at the repository root. Rasa's ``SQLTrackerStore`` accepts a complete URL in its ``host`` argument, which is what
this passes, so any SQLAlchemy URL works the same way as ``POLICY_KB_URL``.

SQLite (profiled, bench/PROFILE.md): SQLAlchemy 1.4 opens a new connection per session for a file database and
SQLite's default rollback journal syncs the disk several times per commit, ~2 ms per message. Here the file is
opened in WAL mode with ``synchronous=NORMAL`` and connections are kept in a pool. A committed turn survives a
crash or ``kill -9`` of the Rasa server (tests/scale/test_reliability.py); only a power cut can lose the last
turns. WAL also lets the staff console read while the bot writes. PostgreSQL is left as Rasa configures it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'tracker.sqlite'}"


def tracker_store_url() -> str:
    return os.environ.get("TRACKER_STORE_URL") or DEFAULT_URL


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
