"""Rasa's SQL tracker store, configured by one SQLAlchemy URL.

``TRACKER_STORE_URL`` (e.g. ``postgresql://user@db:5432/rasa``); default: the SQLite file ``var/tracker.sqlite``
at the repository root. Rasa's ``SQLTrackerStore`` accepts a complete URL in its ``host`` argument, which is what
this passes, so any SQLAlchemy URL works the same way as ``POLICY_KB_URL``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'tracker.sqlite'}"


def tracker_store_url() -> str:
    return os.environ.get("TRACKER_STORE_URL") or DEFAULT_URL


class UrlSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Optional[Domain] = None, host: Optional[Text] = None,
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        url = host if host and "://" in host else tracker_store_url()
        u = make_url(url)
        if u.drivername.startswith("sqlite") and u.database:
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.pop("dialect", None)
        super().__init__(domain=domain, dialect=u.drivername, host=url, event_broker=event_broker, **kwargs)
