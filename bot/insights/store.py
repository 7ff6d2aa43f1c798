"""Reading Rasa's SQL tracker store: the ``events`` table, with SQLAlchemy Core only (no Rasa import, no JSON
functions of the database), on SQLite and PostgreSQL alike. Only reads; never creates a database or a table."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

CHECK_ACTIONS = ("action_start_check", "action_eligibility_report")
FORM_ACTION = "eligibility_form"

EVENTS = sa.table(
    "events",
    sa.column("id"),
    sa.column("sender_id"),
    sa.column("type_name"),
    sa.column("timestamp"),
    sa.column("intent_name"),
    sa.column("action_name"),
    sa.column("data"),
)


def hash_sender(sender_id: str) -> str:
    """What the console shows instead of a sender id (a WeChat OpenID, a browser's random id …)."""
    return hashlib.sha256(str(sender_id).encode("utf-8")).hexdigest()[:12]


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    kwargs: dict[str, Any] = {"future": True, "pool_pre_ping": True}
    schema = os.environ.get("POSTGRESQL_SCHEMA")  # the same switch Rasa's SQLTrackerStore honours
    if schema and make_url(url).drivername.startswith("postgresql"):
        kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
    return sa.create_engine(url, **kwargs)


def store_exists(url: str) -> bool:
    """False for a SQLite file that was never written (reading must not create it) or a store without events."""
    u = make_url(url)
    if u.drivername.startswith("sqlite") and u.database and u.database != ":memory:" and not Path(u.database).exists():
        return False
    return bool(sa.inspect(_engine(url)).has_table("events"))


def read_events(
    url: str, bot_utters: tuple[str, ...], since: float | None = None, until: float | None = None
) -> Iterator[tuple[Any, ...]]:
    """(id, sender_id, type_name, timestamp, intent_name, action_name, data) of the events the insights need:
    every user message, the check actions and the form, and the bot messages named in ``bot_utters``
    (prefiltered with LIKE on the JSON text, confirmed after parsing). Ordered by id, i.e. in the order Rasa
    stored them."""
    e = EVENTS.c
    bot_like = sa.or_(*[e.data.like(f"%{name}%") for name in bot_utters])
    cond = sa.or_(
        e.type_name == "user",
        sa.and_(e.type_name == "action", e.action_name.in_((*CHECK_ACTIONS, FORM_ACTION))),
        sa.and_(e.type_name == "bot", bot_like),
    )
    if since is not None:
        cond = sa.and_(cond, e.timestamp >= since)
    if until is not None:
        cond = sa.and_(cond, e.timestamp < until)
    q = (
        sa.select(e.id, e.sender_id, e.type_name, e.timestamp, e.intent_name, e.action_name, e.data)
        .where(cond)
        .order_by(e.id)
    )
    with _engine(url).connect() as conn:
        yield from conn.execution_options(stream_results=True).execute(q)
