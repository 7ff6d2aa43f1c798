"""The only place that reads the clock (the rules never do): today's date, pinned by POLICY_TODAY=YYYY-MM-DD for
tests and demos."""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    pinned = os.environ.get("POLICY_TODAY", "").strip()
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()
