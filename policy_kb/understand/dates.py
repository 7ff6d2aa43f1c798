"""Dates in a message as intervals of days (a year, a month, 去年, 入驻四年了) → entry_date and the years."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ..numerals import parse_number
from .lexicon import (
    APPROX_BEFORE,
    DATE_RES,
    DAY_ALONE,
    ENTRY_WORDS,
    HONOUR_WORDS,
    MONTH_ALONE,
    MONTHS_REL,
    NOT_ENTERED,
    POLICY_DATE_WORDS,
    PORT_NO,
    QUAL_ALONE,
    RECOGNITION_WORDS,
    REL_RE,
    RELATIVE_YEAR,
    SHORT_NUMERIC_DATE,
    SINCE_ENTRY,
    XUN,
    YEARS_AGO,
    _level_kind,
    _Mention,
    _part_span,
    _segment,
    _small,
    _span,
    _year,
)
from .values import DATE_FACTS, LEVEL_FACTS, VALUE, DateSpan, Fact, Understanding


# --------------------------------------------------------------------------------------------------- dates
def _date_mentions(s: str, today: date) -> list[_Mention]:
    out: list[_Mention] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], span: DateSpan | None, bad: str | None = None) -> None:
        if any(a < m.end() and m.start() < b for a, b in taken):
            return
        taken.append((m.start(), m.end()))
        out.append(_Mention(m.start(), m.end(), m.group(), span, bad if span is not None or bad else "bad_date"))

    for pattern in DATE_RES:
        for m in pattern.finditer(s):
            gd = m.groupdict()
            y = _year(gd["y"], today)
            if y is None or not 1949 <= y <= today.year + 5:
                continue
            span, bad = _part_span(y, gd)
            add(m, span, bad)
    for m in REL_RE.finditer(s):
        gd = m.groupdict()
        y = today.year + RELATIVE_YEAR[gd["r"]]
        span, bad = _part_span(y, gd)
        add(m, span, bad)
    for m in YEARS_AGO.finditer(s):
        n = _small(m.group("n"))
        if n is not None and 0 < n < 80:
            add(m, _span(today.year - n))
    for m in SINCE_ENTRY.finditer(s):
        span = _since(m, today)
        if span is not None:
            add(m, span)
    for m in MONTHS_REL.finditer(s):
        word = m.group()
        n = (
            _small(m.group("n"))
            if m.group("n")
            else {"上个月": 1, "上月": 1, "这个月": 0, "本月": 0, "当月": 0, "下个月": -1, "下月": -1}.get(word, 0)
        )
        if n is None:
            continue  # 三四个月前: two numbers, not one
        total = today.year * 12 + today.month - 1 - n
        add(m, _span(total // 12, total % 12 + 1))
    return out


def _since(m: re.Match[str], today: date) -> DateSpan | None:
    """ "入驻四年了" → entered between five and four years ago; "一年多" → between two and one; months likewise."""
    months_per = 12 if m.group("unit") == "年" else 1
    n = Decimal("0.5") if m.group("n") == "半" else parse_number(m.group("n"))
    if n is None or n <= 0:
        return None
    back = int(n * months_per)
    extra = months_per if m.group("many") or m.group("unit") == "年" else 1
    latest = _months_back(today, back)
    earliest = _months_back(today, back + extra) + timedelta(days=1)
    return DateSpan(earliest, latest)


def _months_back(d: date, months: int) -> date:
    total = d.year * 12 + d.month - 1 - months
    y, mo = divmod(total, 12)
    return date(y, mo + 1, min(d.day, calendar.monthrange(y, mo + 1)[1]))


def _clip(span: DateSpan, today: date) -> DateSpan | None:
    """The part of ``span`` up to today; None when it starts after today (a future date)."""
    if span.start > today:
        return None
    return DateSpan(span.start, min(span.end, today))


DATE_RANGE_SEP = re.compile(r"\s*(到|至|~|-|—|或者|或是|或)\s*$")


def _join_date_ranges(s: str, mentions: list[_Mention]) -> list[_Mention]:
    """ "2023年底到2024年初" / "2023年或2024年": one interval from the first's start to the second's end."""
    out: list[_Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if (
            prev is not None
            and isinstance(prev.value, DateSpan)
            and isinstance(m.value, DateSpan)
            and not prev.bad
            and not m.bad
            and DATE_RANGE_SEP.fullmatch(s[prev.end : m.start])
            and prev.value.start <= m.value.end
        ):
            out[-1] = _Mention(prev.start, m.end, s[prev.start : m.end], DateSpan(prev.value.start, m.value.end))
            continue
        out.append(m)
    return out


def _read_dates(u: Understanding, s: str, asked: str | None, known: dict[str, Any], today: date) -> None:
    mentions = _date_mentions(s, today)
    if asked == "entry_date" or ENTRY_WORDS.search(s):
        for m in SHORT_NUMERIC_DATE.finditer(s):
            if not any(x.start <= m.start() < x.end for x in mentions):
                y, mo = _year(m.group("y"), today), int(m.group("m"))
                mentions.append(_Mention(m.start(), m.end(), m.group(), _span(y, mo) if y else None))
    for mention in _join_date_ranges(s, sorted(mentions, key=lambda x: x.start)):
        target = _date_target(s, mention, asked, u, known)
        if target is None:
            continue
        if mention.bad or mention.value is None:
            u.problem(target, mention.bad or "bad_date", mention.text)
            continue
        span = _clip(mention.value, today) or (mention.value if u.future_ok else None)
        if span is None:
            u.problem(target, "future_date", mention.text)
            continue
        approx = bool(
            APPROX_BEFORE.search(s[max(0, mention.start - 6) : mention.start])  # 大概是2023年
            or re.match(r"\s*(左右|前后|上下)", s[mention.end :])
        )
        if target == "entry_date":
            u.add(Fact(target, span, VALUE, mention.start, mention.end, mention.text, approx))
        else:
            year = span.single_year()
            if year is not None:
                u.add(Fact(target, year, VALUE, mention.start, mention.end, mention.text, approx))
    _month_answer(u, s, asked, known, today)


def _date_target(s: str, mention: _Mention, asked: str | None, u: Understanding, known: dict[str, Any]) -> str | None:
    seg_start, seg_end = _segment(s, mention.start)
    seg = s[seg_start:seg_end]
    if POLICY_DATE_WORDS.search(seg):
        return None
    if NOT_ENTERED.search(seg):
        return None  # "去年没入驻": when it was not in the port, not when it came
    words = {"entry_date": ENTRY_WORDS, "honour_year": HONOUR_WORDS, "recognition_year": RECOGNITION_WORDS}
    if ENTRY_WORDS.search(seg):
        return "entry_date"
    kind = _level_kind(seg)
    if kind:
        return kind + "_year"
    if asked in LEVEL_FACTS:
        return asked.replace("_level", "_year")  # 市级，2024年的
    if asked in DATE_FACTS:
        return asked
    if asked == "in_talent_port" and not PORT_NO.search(s):
        return "entry_date"  # asked whether it is in the port, "前年十月": when it moved in (so it is in)
    found = [name for name, pattern in words.items() if pattern.search(s)]
    if len(found) == 1:
        return found[0]
    if u.correction:
        return next((k for k in reversed(list(known)) if k in DATE_FACTS), None)
    return None


def _known_span(known: dict[str, Any]) -> DateSpan | None:
    v = known.get("entry_date")
    if isinstance(v, DateSpan):
        return v
    if isinstance(v, (list, tuple)) and len(v) == 2:
        return DateSpan(date.fromisoformat(str(v[0])), date.fromisoformat(str(v[1])))
    if isinstance(v, str):
        try:
            return DateSpan.parse(v)
        except ValueError:
            return None
    return None


def _month_answer(u: Understanding, s: str, asked: str | None, known: dict[str, Any], today: date) -> None:
    """ "3月" / "三月份" / "年底" answering the month question (or correcting the entry date: "不是年底，是年初入驻的"),
    in the year already given."""
    if u.fact("entry_date") or any(p.fact == "entry_date" for p in u.problems):
        return
    if asked != "entry_date" and not (ENTRY_WORDS.search(s) and _known_span(known) is not None):
        return
    m = MONTH_ALONE.search(s)
    span = _known_span(known)
    if not m and span is not None and span.start.year == span.end.year and span.start.month == span.end.month:
        d = DAY_ALONE.search(s)  # "15号" / "中旬" answering the day question within the month already given
        if d:
            y, mo = span.start.year, span.start.month
            day = _small(d.group("dn")) if d.group("dn") else None
            new = _span(y, mo, day) if day else _xun_span(y, mo, d.group("xun"))
            if new is None:
                u.problem("entry_date", "bad_date", d.group())
            else:
                _add_days(u, new, d, today)
            return
    if not m:
        q = QUAL_ALONE.search(s)
        span = _known_span(known)
        year = span.single_year() if span else None
        if q and year is not None:
            _add_days(u, _span(year, q=q.group("q")), q, today)
        return
    month = _small(m.group("m"))
    day = _small(m.group("dn")) if m.group("dn") else None
    span = _known_span(known)
    year = span.single_year() if span else None
    if m.group("xun") and day is None and year is not None and month and 1 <= month <= 12:
        _add_days(u, _xun_span(year, month, m.group("xun")), m, today)  # 12月中旬 → the 11th to the 20th
        return
    if month is None or not 1 <= month <= 12:
        u.problem("entry_date", "bad_date", m.group())
        return
    if year is None:
        u.problem("entry_date", "need_year", m.group(), month=month)
        return
    _add_days(u, _span(year, month, day), m, today)


def _xun_span(y: int, month: int, xun: str) -> DateSpan | None:
    first, last = XUN.get(xun, (1, 31))
    end = min(last, calendar.monthrange(y, month)[1])
    return DateSpan(date(y, month, first), date(y, month, end))


def _add_days(u: Understanding, span: DateSpan | None, m: re.Match[str], today: date) -> None:
    if span is None:
        u.problem("entry_date", "bad_date", m.group())
        return
    clipped = _clip(span, today) or (span if u.future_ok else None)
    if clipped is None:
        u.problem("entry_date", "future_date", m.group())
    else:
        u.add(Fact("entry_date", clipped, VALUE, m.start(), m.end(), m.group()))
