"""The verdicts of one eligibility report event.

A report event since schema 1 carries the report as data (``data.custom``, written by
``policy_kb.report.report_data``): the counts and each measure's verdict are read from there. Events stored before
(schema 0: the text only, in ``metadata.report``) are read by ``parse_report``, the legacy text parser kept only
for them: its patterns are built from the report's own templates in ``policy_kb/data/messages.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

VERDICTS = ("eligible", "pending", "need_info", "not_eligible", "not_applicable", "updating")
REPORT_TYPE = "assessment_report"  # policy_kb.report.REPORT_TYPE (not imported: the console loads no rules for it)


@dataclass
class Report:
    counts: dict[str, int]  # verdict → number of measures
    measures: dict[str, str]  # measure id → verdict


def from_payload(custom: Any) -> Report | None:
    """The verdicts in a report payload; None when it is not one (another custom message, a malformed one)."""
    if not isinstance(custom, dict) or custom.get("type") != REPORT_TYPE:
        return None
    measures = custom.get("measures")
    counts = custom.get("counts")
    if not isinstance(measures, list) or not isinstance(counts, dict):
        return None
    verdicts = {str(m["id"]): m["verdict"] for m in measures if isinstance(m, dict) and m.get("verdict") in VERDICTS}
    return Report({v: int(counts.get(v) or 0) for v in VERDICTS}, verdicts)


def report_of(event: dict[str, Any]) -> Report | None:
    """The verdicts of a bot event that is an eligibility report: from its data, else (old events) its text."""
    custom = (event.get("data") or {}).get("custom")
    if custom is not None:
        return from_payload(custom)
    return parse_report((event.get("metadata") or {}).get("report") or event.get("text") or "")


# schema 0: reports stored as text only --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _report_patterns() -> tuple[dict[str, re.Pattern[str]], dict[str, str], str, str]:
    """From the report's templates: per-verdict count patterns, icon → verdict, the summary's head ("【政策自测】")
    and the separator between the institution's name and the counts ("：")."""
    from policy_kb.rules import messages

    m = messages()
    summary = m["report"]["summary"]  # "【政策自测】{name}：{parts}。"
    head = summary.split("{name}")[0]
    sep = summary.split("{name}")[1].split("{parts}")[0]
    part = m["report"]["summary_part"]  # "{label}{n}项"
    pre, post = part.split("{label}")[0], part.split("{n}")[1]
    # parts are joined by "，"; anchored there, "符合条件" never matches inside "不符合条件"
    counts = {
        v: re.compile(r"(?:^|，)" + re.escape(pre + m["verdicts"][v]) + r"(\d+)" + re.escape(post)) for v in VERDICTS
    }
    icons = {m["verdict_icons"][v]: v for v in VERDICTS}
    return counts, icons, head, sep


_MEASURE_LINE = re.compile(r"（《办法》(三、\d+)）\s*$")


def parse_report(text: str) -> Report | None:
    """The verdicts in an eligibility report; None when the text is not one."""
    counts_re, icons, head, sep = _report_patterns()
    lines = (text or "").splitlines()
    first = next((i for i, line in enumerate(lines) if head in line and sep in line), None)
    if first is None:
        return None
    lines = lines[first:]
    parts = lines[0].rsplit(sep, 1)[1]  # after the name, whatever the name contains
    counts = {}
    for v, rx in counts_re.items():
        found = rx.search(parts)
        counts[v] = int(found.group(1)) if found else 0
    measures = {}
    for line in lines[1:]:
        s = line.strip()
        verdict = next((v for icon, v in icons.items() if s.startswith(icon)), None)
        found = _MEASURE_LINE.search(s)
        if verdict and found:
            measures[found.group(1)] = verdict
    return Report(counts, measures)
