"""The console's CSV downloads (UTF-8 with BOM for Excel; formula-like cells neutralised)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from bot.insights.aggregate import MESSAGES, Insights

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A CSV cell Excel will not run: text starting like a formula gets a leading apostrophe (OWASP)."""
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(_FORMULA) else s


def csv_bytes(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    """Rows as a CSV file for Excel: UTF-8 with BOM, formula-like cells neutralised (every console export)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([_cell(v) for v in r])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel then reads UTF-8 Chinese correctly


def unanswered_csv(ins: Insights) -> bytes:
    ch = MESSAGES["channels"]
    return csv_bytes(
        MESSAGES["csv"]["unanswered"],
        (
            [
                u["time"],
                u["sender"],
                u["kind_label"],
                u["intent"],
                u["confidence"],
                ch.get(u["channel"], u["channel"]),
                u["text"],
            ]
            for u in ins.unanswered
        ),
    )


def topics_csv(ins: Insights) -> bytes:
    return csv_bytes(MESSAGES["csv"]["topics"], ([t["label"], t["citation"], t["count"]] for t in ins.topics))
