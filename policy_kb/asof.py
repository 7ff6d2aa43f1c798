"""The day a question asks about the policy "as of": "2023年的时候能拿吗", "去年入驻时的政策", "按2021年的规定".

A date is read as the as-of day only with a word that says so (…的时候 / …时 / 当时 / …的政策 / …的规定 / 按…), so
"我们2023年入驻的" stays a fact about the institution. The day is the first day of what was said (2023年 →
2023-01-01), today for a span that holds today;
``later`` names the versions that took effect inside that span, so the answer can say the year saw two texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .text import to_simplified
from .understand.dates import _date_mentions
from .understand.values import DateSpan

# after the date: an optional verb (入驻, 申请 …), then the as-of word
_AFTER = re.compile(
    r"^\s*(?:[入驻申请办理提交来拿享受获得成立注册]{0,4})?\s*"
    r"(?:的时候|时候|那时候?|那会儿?|当时|时的?|的(?:新|旧|最新|现行|老)?(?:政策|规定|版本|标准|办法|文件|条款|口径)|施行的|有效的|实施的)"
)
# "去年入驻的，按当时的政策", "2024年入驻的，当时的租金补贴": the date, then (within a clause) 当时 / 那时
_THEN = re.compile(r"^[^。？！?!]{0,12}?(?:当时|那时候?|那会儿?)")
_BEFORE = re.compile(r"(?:按|按照|依照|依据|截至|截止到?|以)\s*$")
_BEFORE_NEEDS = re.compile(r"^\s*(?:的)?(?:新|旧|最新|现行|老)?(?:政策|规定|版本|标准|办法|文件|条款|口径)")


@dataclass(frozen=True)
class AsOf:
    day: date  # the first day of what was said
    span: DateSpan
    text: str  # as said: "2023年", "去年"
    later: list[date] = field(default_factory=list)  # version start days inside the span, after ``day``


def asked_day(text: str, today: date, version_starts: list[date] | None = None) -> AsOf | None:
    """The as-of day a question names, or None when it names none."""
    s = to_simplified(text)
    for m in sorted(_date_mentions(s, today), key=lambda m: m.start):
        span = m.value
        if not isinstance(span, DateSpan):
            continue
        after, before = s[m.end :], s[: m.start]
        if _AFTER.match(after) or _THEN.match(after) or (_BEFORE.search(before) and _BEFORE_NEEDS.match(after)):
            day = today if span.start <= today <= span.end else span.start  # 今年: today's version
            later = [d for d in version_starts or [] if day < d <= span.end]
            return AsOf(day, span, m.text, later)
    return None
