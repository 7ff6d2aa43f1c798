"""Reports kept behind a link: ``keep`` stores a report's data (``policy_kb.report.report_data``) under a random
token and returns it; ``fetch`` gives it back until it expires (``REPORT_TTL_DAYS``, default 30).

The token is 32 random bytes from ``secrets`` (256 bits, URL-safe base64, 43 characters): it is not derived from
the sender, the profile or the time, so it carries no personal data and cannot be guessed. The report itself holds
only what the user typed about the institution (name, figures) and the verdicts; no sender id is stored with it."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Column, DateTime, String, delete, select

from .db import Base, env_days, session, utcnow

TOKEN_BYTES = 32
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # what token_urlsafe(32) makes; anything else is not looked up
DEFAULT_TTL_DAYS = 30


class KeptReport(Base):
    __tablename__ = "kept_reports"

    token = Column(String(64), primary_key=True)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False, index=True)
    data = Column(JSON, nullable=False)


@dataclass(frozen=True)
class Kept:
    token: str
    created_at: dt.datetime
    expires_at: dt.datetime
    data: dict[str, Any]


def ttl_days() -> int:
    return env_days("REPORT_TTL_DAYS", DEFAULT_TTL_DAYS)


def keep(data: dict[str, Any], now: dt.datetime | None = None, url: str | None = None) -> Kept:
    """Store a report; expired ones are removed on the way (no separate job to run)."""
    now = now or utcnow()
    kept = Kept(secrets.token_urlsafe(TOKEN_BYTES), now, now + dt.timedelta(days=ttl_days()), data)
    with session(url) as s, s.begin():
        s.execute(delete(KeptReport).where(KeptReport.expires_at <= now))
        s.add(KeptReport(token=kept.token, created_at=now, expires_at=kept.expires_at, data=data))
    return kept


def fetch(token: str, now: dt.datetime | None = None, url: str | None = None) -> Kept | None:
    """The kept report, or None for a token that is malformed, unknown or expired."""
    if not TOKEN_RE.match(token or ""):
        return None
    now = now or utcnow()
    with session(url) as s:
        row = s.execute(select(KeptReport).where(KeptReport.token == token)).scalar_one_or_none()
        if row is None or row.expires_at <= now:
            return None
        return Kept(row.token, row.created_at, row.expires_at, dict(row.data))
