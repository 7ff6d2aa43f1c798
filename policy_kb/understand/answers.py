"""Answers to the question asked: yes/no, unknown, a bare year, period swaps, and the masks for "不是X是Y"."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .dates import _clip, _known_span
from .lexicon import (
    CORRECTION_RE,
    EVENT_WORDS,
    HONOUR_WORDS,
    NO_RE,
    NOT_X_BUT_Y,
    PERIOD_SWAP,
    PERIOD_SWAP_BACK,
    RECOGNITION_WORDS,
    RENT_WORDS,
    UNKNOWN_RE,
    Y_NOT_X,
    YEARS_DIVISOR,
    YES_RE,
    _segment,
)
from .money import _money_mentions, _period_of
from .values import (
    BOOL_FACTS,
    CORRECTION,
    DATE_FACTS,
    LEVEL_FACTS,
    NEGATION,
    UNKNOWN,
    VALUE,
    DateSpan,
    Fact,
    Range,
    Understanding,
)
from .words import QUESTION

# --------------------------------------------------------------------------------------------------- answers
TIME_WORDS = re.compile(r"时间|日期|哪年|几月|月份|哪个月|哪一年|什么时候|哪天")
FACT_WORDS = {
    "annual_rent": RENT_WORDS,
    "entry_date": re.compile(r"入驻|进驻|入驻时间|进来的时间"),
    "honour_level": HONOUR_WORDS,
    "recognition_level": RECOGNITION_WORDS,
    "event_cost": EVENT_WORDS,
    "talent_recommendations": re.compile(r"推荐|引进"),
    "training_base": re.compile(r"基地"),
    "rank_500": re.compile(r"500强|五百强"),
    "category": re.compile(r"领域|业务|行业|类别"),
    "establishment": re.compile(r"总部|分支|分公司|合资|设立形式"),
    "in_talent_port": re.compile(r"人才港"),
}


def _read_unknown(u: Understanding, s: str, asked: str | None, known: dict[str, Any]) -> None:
    m = UNKNOWN_RE.search(s)
    span = _known_span(known)
    month_question = asked == "entry_date" and span is not None and not span.exact and span.single_year()
    if not m:
        if month_question and NO_RE.match(s.strip()):
            u.add(Fact("entry_date", None, UNKNOWN, 0, len(s), s))
        return
    for m in UNKNOWN_RE.finditer(s):
        seg_start, seg_end = _segment(s, m.start())
        seg = s[seg_start:seg_end]
        named = [f for f, p in FACT_WORDS.items() if p.search(seg)]
        if TIME_WORDS.search(seg) and asked in DATE_FACTS and "entry_date" not in named:
            named.append(asked)  # 哪年拿的忘了, asked the year of the honour
        if asked in named:
            named = [asked] + [f for f in named if f != asked]
        targets = named or ([asked] if asked else [])
        for t in targets:
            if u.fact(t) is None and not any(p.fact == t for p in u.problems):
                u.add(Fact(t, None, UNKNOWN, m.start(), m.end(), m.group()))


def _yes_no(u: Understanding, s: str, asked: str | None) -> None:
    if not asked or u.fact(asked) is not None or any(p.fact == asked for p in u.problems):
        return
    t = re.sub(r"[\s，,。.!！~]+", "", s)
    yes, no = bool(YES_RE.match(t)), bool(NO_RE.match(t))
    if not (yes or no):
        # "没有。房租一年90万" / "有的，去年评上了区级荣誉": the answer first, then more facts
        first = re.split(r"[，,。；;！!？?\n]", s.strip(), maxsplit=1)[0].strip()
        if not first or first == s.strip():
            return
        yes, no = bool(YES_RE.match(first)), bool(NO_RE.match(first))
        if not (yes or no):
            return
    if asked in BOOL_FACTS:
        u.add(Fact(asked, yes, VALUE if yes else NEGATION, 0, len(s), s))
    elif asked in LEVEL_FACTS:
        u.add(Fact(asked, "无", NEGATION, 0, len(s), s)) if no else u.problem(asked, "need_level")
    elif asked == "talent_recommendations":
        u.add(Fact(asked, Range(0, 0), NEGATION, 0, len(s), s)) if no else u.problem(asked, "need_count")
    elif asked == "event_cost":
        u.add(Fact(asked, Range(0, 0), NEGATION, 0, len(s), s)) if no else u.problem(asked, "need_cost")
    elif asked == "rank_500":
        u.add(Fact(asked, "none", NEGATION, 0, len(s), s)) if no else u.problem(asked, "need_rank")
    elif asked == "entry_date" and no:
        u.add(Fact(asked, None, UNKNOWN, 0, len(s), s))


def _bare_year(u: Understanding, s: str, asked: str | None, today: date) -> None:
    m = re.fullmatch(r"\s*((?:19|20)\d{2})\s*(年)?(的|吧)?\s*", s)
    if not m or asked not in DATE_FACTS or u.fact(asked):
        return
    y = int(m.group(1))
    if y > today.year:
        u.problem(asked, "future_date", m.group(1))
    elif asked == "entry_date":
        span = _clip(DateSpan(date(y, 1, 1), date(y, 12, 31)), today)  # never None: y is not after today
        u.add(Fact(asked, span, VALUE, m.start(1), m.end(1), m.group(1)))
    else:
        u.add(Fact(asked, y, VALUE, m.start(1), m.end(1), m.group(1)))


def _period_swap(u: Understanding, s: str, known: dict[str, Any]) -> None:
    """ "是每月不是每年" with no new figure: the rent already given was monthly (×12), or the reverse (÷12)."""
    if u.fact("annual_rent") or "annual_rent" not in known or _money_mentions(s):
        return  # 不是每月，是每年70万: the new figure is read as it is
    old = known["annual_rent"]
    lo, hi = old if isinstance(old, (list, tuple)) else (old, old)
    if isinstance(old, Range):
        lo, hi = old.lo, old.hi
    m = PERIOD_SWAP.search(s)
    if m:
        u.add(
            Fact(
                "annual_rent",
                Range(int(lo) * 12, int(hi) * 12),
                CORRECTION,
                m.start(),
                m.end(),
                m.group(),
                basis={"amount": Range(int(lo), int(hi)).to_json(), "period": "month"},
            )
        )
        return
    m = PERIOD_SWAP_BACK.search(s)
    if m:
        u.add(
            Fact(
                "annual_rent",
                Range(int(lo) // 12, int(hi) // 12),
                CORRECTION,
                m.start(),
                m.end(),
                m.group(),
                basis={"period": "year"},
            )
        )
        return
    # "刚才那个是一个季度的" / "不对，那是月租": no new figure, the one given (read as yearly) had another period
    if _money_mentions(s) or QUESTION.search(s) or not (CORRECTION_RE.search(s) or DEIXIS.search(s)):
        return
    period = _period_of(s, "", s)
    mult = {"month": 12, "quarter": 4, "half_year": 2}.get(period)
    if mult:
        new = Range(int(lo) * mult, int(hi) * mult)
    elif period in YEARS_DIVISOR:
        new = Range(int(lo) // YEARS_DIVISOR[period], int(hi) // YEARS_DIVISOR[period])
    else:
        return
    u.add(
        Fact(
            "annual_rent",
            new,
            CORRECTION,
            0,
            len(s),
            s,
            basis={"amount": Range(int(lo), int(hi)).to_json(), "period": period},
        )
    )


DEIXIS = re.compile(r"那是|那个是|那个数|这个数是|刚才|刚刚|之前说的|前面说的|上面说的|那笔")


def _mask_not_x(s: str) -> str:
    """ "不是市级，是区级" / "是区级，不是市级" → the 市级 part blanked (same length), so only what the user affirms
    is read."""
    out = s
    for m in NOT_X_BUT_Y.finditer(s):
        a, b = m.start("x"), m.end("x")
        out = out[:a] + "\u3000" * (b - a) + out[b:]
    for m in Y_NOT_X.finditer(s):
        if PERIOD_SWAP_BACK.search(m.group()) or PERIOD_SWAP.search(m.group()):
            continue
        a, b = m.start("x"), m.end("x")
        out = out[:a] + "\u3000" * (b - a) + out[b:]
    return out


A_NOT_A = re.compile(r"是不是|有没有|在不在|算不算|属不属于|是否|建没建|办没办|拿没拿")


def _mask_questions(s: str) -> str:
    """ "是不是500强" / "有没有实训基地" ask; they state neither the value nor its negation."""
    return A_NOT_A.sub(lambda m: "\u3000" * len(m.group()), s)
