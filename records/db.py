"""The records database: ``RECORDS_URL`` (any SQLAlchemy URL), default a SQLite file ``var/records.sqlite`` at the
repository root, shared by the action server and the Rasa server. Tables are created on first use."""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, declarative_base

if TYPE_CHECKING:

    class Base:  # what declarative_base() makes, as far as this package uses it (SQLAlchemy 1.4 has no stubs)
        metadata: Any

        def __init__(self, **kwargs: Any) -> None: ...

else:
    Base = declarative_base()

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'records.sqlite'}"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def database_url() -> str:
    return os.environ.get("RECORDS_URL") or DEFAULT_URL


def engine(url: str | None = None) -> Engine:
    """One engine per URL, every records table created the first time it is asked for (all the models are
    imported first, so it does not matter which module asks first)."""
    from . import feedback, reports, review, tickets  # noqa: F401 - their tables join Base.metadata

    url = url or database_url()
    with _lock:
        if url not in _engines:
            if url.startswith("sqlite:///"):
                Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
            e = create_engine(url, future=True, pool_pre_ping=True)
            try:
                Base.metadata.create_all(e)
            except (ProgrammingError, IntegrityError, OperationalError):
                Base.metadata.create_all(e)  # another process created them at the same moment: found now
            _engines[url] = e
        return _engines[url]


def session(url: str | None = None) -> Session:
    return Session(engine(url), future=True)


def utcnow() -> dt.datetime:
    """Naive UTC, as stored (SQLite keeps no time zone)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


CHINA = dt.timezone(dt.timedelta(hours=8))  # UTC+8 all year (no daylight saving)


def in_china(t: dt.datetime) -> dt.datetime:
    """A stored time (naive UTC; an aware one is converted as it is) in China's time: what people read."""
    return (t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)).astimezone(CHINA)


def env_days(name: str, default: int) -> int:
    """A number of days from the environment (REPORT_TTL_DAYS, TICKET_RETENTION_DAYS); the default when unset or
    not a positive whole number."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else default
