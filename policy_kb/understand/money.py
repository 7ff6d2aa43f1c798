"""Money in a message: amounts, ranges, approximations, periods, unit prices → annual_rent / event_cost."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from ..numerals import parse_neighbours, parse_number
from .lexicon import (
    _CN,
    APPROX_AFTER,
    APPROX_BEFORE,
    AREA_RE,
    BENEFIT_WORDS,
    DAY_MARK,
    EVENT_WORDS,
    HALF_YEAR,
    MONEY_RE,
    MONTH_MARK,
    MULTI_YEARS,
    OTHER_MONEY,
    PER_AREA,
    PER_DAY,
    PER_MONTH_PRICE,
    POLICY_MONEY,
    QUARTER_MARK,
    RENT_WORDS,
    YEAR_MARK,
    YEARS_DIVISOR,
    YEARS_PERIOD,
    _contrast,
    _Mention,
    _num,
    _segment,
    _small,
    _unit_factor,
)
from .values import MAX_YUAN_PER_YEAR, MONEY_FACTS, VALUE, Fact, Range, Understanding

# --------------------------------------------------------------------------------------------------- money
_LONE_ONE = re.compile(r"一(?=(个)?(年|月|季|天|日|平|次|共|下|起|整|场|届|家|期))")
_NEAR_VAGUE = re.compile(r"(好|十|百|千)?几\s*$")


def _money_mentions(s: str) -> list[_Mention]:
    out: list[_Mention] = []
    scan = _LONE_ONE.sub("_", s)  # "100万一年": the 一 of 一年 is not part of the amount
    for m in MONEY_RE.finditer(scan):
        unit_a = _first_unit(m)
        if not _is_amount(s, m, unit_a):
            continue
        amount = _amount(m, unit_a)
        if amount is not None:
            out.append(_mention(s, m, *amount))
    return out


def _first_unit(m: re.Match[str]) -> str | None:
    """The unit that applies to the first number: its own, else the second's, else the one after 多/几."""
    unit_a = m.group("au") or (m.group("bu") if m.group("b") else None) or m.group("mu")
    if m.group("many") and not m.group("b"):
        unit_a = m.group("mu") or m.group("au")
    return unit_a


def _is_amount(s: str, m: re.Match[str], unit_a: str | None) -> bool:
    """Is the match a sum of money, not a number of something else (50平米, 3年, 第7条, 几十万)?"""
    a = m.group("a")
    if not a or not re.search(rf"[\d{_CN}]", a) or a in ("点",):
        return False
    after = s[m.end() : m.end() + 3]
    if (
        re.match(
            r"\s*(平方米|平米|平方|㎡|m²|m2|平|年|个月|月|天|日|号|名|位|个|人|%|％|条|项|款|章|节|部分|强|倍|次|届|家|岁|层|楼|点|、)",
            after,
        )
        and not unit_a
    ):
        return False
    before = s[max(0, m.start() - 2) : m.start()]
    if not unit_a and re.search(r"(第|、)$", before):
        return False  # 第7条, 三、2: a clause number
    if _NEAR_VAGUE.search(before):
        return False  # 几十万 / 好几百万: vague, not 十万
    # not 三 / 十五 alone: a unit, an Arabic digit, or 万亿千百 in either number
    return bool(
        unit_a
        or re.search(r"\d", a)
        or re.search(r"[万亿千百]", a)
        or (m.group("b") and re.search(r"[万亿千百]", m.group("b")))
    )


def _amount(m: re.Match[str], unit_a: str | None) -> tuple[Decimal, Decimal, bool] | None:
    """The sum in yuan (lo, hi, before rounding) and whether a unit said so; None when a number does not read."""
    a = m.group("a")
    a_num = _num(a)
    lo = a_num
    pair = None
    if lo is None:
        pair = parse_neighbours(a)  # 七八十万, 两三百万
        if pair is None:
            return None
        lo = pair[0]
    factor = _unit_factor(unit_a)
    has_unit = (
        factor is not None or bool(re.search(r"[万亿萬億]|[千仟]$", a)) or bool(re.fullmatch(r"\d{1,3}(,\d{3})+", a))
    )
    f = factor or 1
    if re.search(r"[万亿]$", a) and factor is None:
        f = 1
    jiao = m.group("jiao")
    if jiao:
        lo = lo + (parse_number(jiao) or Decimal(0)) / 10  # 2块5 = 2.5
    lo = lo * f
    hi = pair[1] * f if pair else lo
    if m.group("b"):
        b = _num(m.group("b"))
        if b is None:
            return None
        fb = _unit_factor(m.group("bu")) or f
        hi = b * fb
        tail = re.search(r"[万亿]+$", m.group("b"))
        if m.group("au") is None and tail and not re.search(r"[万亿]", a):
            bare_b = _num(m.group("b")[: tail.start()]) if tail.start() else None
            if bare_b is not None and a_num is not None and a_num <= bare_b:
                lo = a_num * (_num("1" + tail.group()) or 1)  # 80到100万: the second's unit applies to the first
    elif m.group("many"):
        if a_num is None:
            return None  # neighbours and 多 at once (七八十多万): too vague to read
        if m.group("many") != "来":  # 六十来万 is about 60万 (approximate, said back as 约), not 60万—70万
            hi = (a_num + _step(a)) * f
    return lo, hi, has_unit


def _mention(s: str, m: re.Match[str], lo: Decimal, hi: Decimal, has_unit: bool) -> _Mention:
    """The mention of the sum lo–hi: rounded to the yuan, negative or approximate as the words around it say."""
    mention = _Mention(m.start(), m.end(), m.group(), has_unit=has_unit)
    if m.group("neg") and not s[max(0, m.start() - 1) : m.start()].isdigit():
        mention.bad = "negative"
    mention.exact = (min(lo, hi), max(lo, hi))
    if lo != lo.to_integral_value() or hi != hi.to_integral_value():
        lo, hi = lo.quantize(Decimal(1)), hi.quantize(Decimal(1))
    mention.value = Range(int(min(lo, hi)), int(max(lo, hi)))
    mention.basis = {"amount": mention.value.to_json()}
    mention.approx = bool(
        APPROX_BEFORE.search(s[max(0, m.start() - 6) : m.start()])
        or APPROX_AFTER.match(s[m.end() : m.end() + 4])
        or (m.group("many") == "来" and bool(m.group("mu")))  # 六十来万, 三千来块; in 80万来办 来 is a verb
    )
    return mention


def _step(a: str) -> Decimal:
    """ "100多" → 100 (100–200), "120多" → 10, "十多" → 10: the place of the last non-zero digit."""
    v = parse_number(a) or Decimal(0)
    n = int(v)
    if n <= 0:
        return Decimal(1)
    step = 1
    while n % (step * 10) == 0:
        step *= 10
    return Decimal(step if step > 1 or n < 10 else 1)


def s_after(after: str, whole: str) -> str:
    """The rest of the clause after the amount (the caller's ``after`` is cut short at six characters)."""
    i = whole.find(after) if after else -1
    return whole[i:] if i >= 0 else after


def _multi_years(before: str, after: str) -> re.Match[str] | None:
    """ "三年加起来300万" / "300万是三年一共的": a total over years next to the amount, with no word about the benefit
    in between ("年租金200万的话租金补贴三年一共是200万吗": the three years are the subsidy's, not the rent's)."""
    for m in MULTI_YEARS.finditer(before):
        if not BENEFIT_WORDS.search(before[m.end() :]):
            return m
    later = MULTI_YEARS.search(after)
    if (
        later
        and not BENEFIT_WORDS.search(after[: later.start()])
        and not BENEFIT_WORDS.match(after[later.end() :].lstrip("能可以会是"))
    ):
        return later  # "300万是三年加起来的" — not "85万，三年一共能补多少" (the three years are the subsidy's)
    return None


def _period_of(before: str, after: str, whole: str) -> str:
    explicit_year = re.search(r"(一年|每年|年租金?|全年)\s*(的)?\s*(房租|租金|租费)?\s*(是|要|交|付)?\s*$", before)
    m = None if explicit_year else _multi_years(before, s_after(after, whole))
    if m:
        return YEARS_PERIOD.get(_small(m.group("n") or m.group("n2") or m.group("n3")) or 0, "")
    if HALF_YEAR.search(whole):
        return "half_year"
    if re.match(r"\s*(/|每|一)?(个)?季", after) or QUARTER_MARK.search(before):
        return "quarter"
    if re.match(r"\s*(/|每|一)?(个)?月", after) or MONTH_MARK.search(before):
        return "month"
    if re.match(r"\s*(/|每|一)\s*(天|日)", after) or DAY_MARK.search(before):
        return "day"  # 每天房租2000元: × 365
    if re.match(r"\s*(/|每|一)年", after) or YEAR_MARK.search(before):
        return "year"
    return ""


def _period(s: str, mention: _Mention) -> str:
    """month / quarter / half_year / year / two_years / three_years, from the mention's clause; a clause with no
    period word of its own ("每次21万") takes the period of the clauses before it ("每三个月交一次房租")."""
    seg_start, seg_end = _segment(s, mention.start)
    before, after = s[seg_start : mention.start], s[mention.end : seg_end][:6]
    found = _period_of(before, after, s[seg_start:seg_end])
    if found or seg_start == 0:
        return found
    earlier = s[:seg_start]
    # "每次21万" after "每三个月交一次房租"; "150万" after "房租一年一交" (the rent named there, not in this clause)
    if re.search(r"每次|一次|每期|一期", before) or (RENT_WORDS.search(earlier) and not RENT_WORDS.search(before)):
        return _period_of(earlier, "", earlier)
    return ""


def _unit_price(s: str, mention: _Mention) -> str | None:
    seg_start, seg_end = _segment(s, mention.start)
    near = s[max(seg_start, mention.start - 10) : min(seg_end, mention.end + 10)]
    if not PER_AREA.search(near):
        return None
    if PER_DAY.search(near):
        return "day"
    if PER_MONTH_PRICE.search(near):
        return "month"
    return "year"


def _area(s: str, exclude: tuple[int, int]) -> tuple[Decimal, Decimal, bool] | None:
    """The area the message gives (lo, hi, approximate), not counting "每平米"/"一平米" (a unit)."""
    for m in AREA_RE.finditer(s):
        if m.start() <= exclude[0] < m.end() or exclude[0] <= m.start() < exclude[1]:
            continue
        before = s[max(0, m.start() - 1) : m.start()]
        n = m.group("n") or m.group("n3")
        if before in ("每", "/", "一") or n in ("一", "1"):
            continue
        lo = parse_number(n)
        n2 = m.group("n2") or m.group("n4")
        hi = parse_number(n2) if n2 else lo
        if lo is not None and hi is not None and lo > 0:
            approx = bool(
                APPROX_BEFORE.search(s[max(0, m.start() - 6) : m.start()])
                or re.search(r"大约|大概|约", m.group())
                or APPROX_AFTER.match(s[m.end() : m.end() + 4])
            )
            return lo, hi, approx
    return None


def _target(s: str, pos: int, end: int, words: dict[str, re.Pattern[str]], anywhere: bool = True) -> str | None:
    """The fact whose word is nearest before the mention in its segment (else after it, else anywhere)."""
    seg_start, seg_end = _segment(s, pos)
    best: tuple[int, str] | None = None
    for name, pattern in words.items():
        for m in pattern.finditer(s, seg_start, pos):
            if best is None or m.end() > best[0]:
                best = (m.end(), name)
    if best:
        between = s[best[0] : pos]
        return None if BENEFIT_WORDS.search(between) else best[1]
    for name, pattern in words.items():
        if pattern.search(s, end, seg_end):
            return name
    if not anywhere:
        return None
    found = [name for name, pattern in words.items() if pattern.search(s)]
    return found[0] if len(found) == 1 else None


# A reading of one mention: (the fact, said right after the fact's word, the mention, what it adds to the facts).
_Candidate = tuple[str, bool, _Mention, Understanding]


def _read_money(u: Understanding, s: str, asked: str | None, known: dict[str, Any]) -> None:
    mentions = _money_mentions(s)
    used_for_price: list[_Mention] = []
    candidates: list[_Candidate] = []
    # a rent with no period, volunteered, none known yet ("我们房租7万"): per month or per year is asked
    ask_period = asked != "annual_rent" and "annual_rent" not in known
    for mention in mentions:
        if any(mm is mention for mm in used_for_price):
            continue
        words = {"annual_rent": RENT_WORDS, "event_cost": EVENT_WORDS}
        target = _target(s, mention.start, mention.end, words, anywhere=False)
        if (
            target is None
            and _period(s, mention) in ("month", "quarter")
            and not POLICY_MONEY.search(s)
            and not OTHER_MONEY.search(s)
        ):
            target = "annual_rent"  # 每月8万: a monthly sum here is a rent (event costs are not monthly)
        if target is None and _unit_price(s, mention):
            target = "annual_rent"  # 每平米每天4元: a price per area is a rent
        if (
            target is None
            and "annual_rent" in known
            and _period(s, mention) not in ("", "year")
            and not EVENT_WORDS.search(s)
        ):
            target = "annual_rent"  # 270万是三年加起来的: a period is about the rent
        if target is None:
            target = _target(s, mention.start, mention.end, words)
        correcting = u.correction or _contrast(s)
        if target is None and correcting and not RENT_WORDS.search(s) and not EVENT_WORDS.search(s):
            target = next((k for k in reversed(list(known)) if k in MONEY_FACTS), None)  # 不对，是150万
        if target is None:
            if POLICY_MONEY.search(s[max(0, mention.start - 6) : mention.end + 6]):
                continue
            if asked in MONEY_FACTS:
                target = asked
            elif correcting:
                target = next((k for k in reversed(list(known)) if k in MONEY_FACTS), None)
        if target is None:
            continue
        direct = _target(s, mention.start, mention.end, words, anywhere=False) == target
        seg = s[slice(*_segment(s, mention.start))]
        if target == "annual_rent" and not direct and OTHER_MONEY.search(seg):
            continue  # "156万是含物业费的": not the rent
        scratch = Understanding(u.text, correction=u.correction)
        _money_fact(scratch, s, mention, target, asked, ask_period)
        candidates.append((target, direct, mention, scratch))
    _choose(u, candidates, correcting_any(u, s))


YEAR_ORDINAL = re.compile(r"第[一二三四五1-5]年")  # "第一年100万，第二年110万": one rent per year, not one rent


def correcting_any(u: Understanding, s: str) -> bool:
    return u.correction or _contrast(s)


def _choose(u: Understanding, candidates: list[_Candidate], correcting: bool) -> None:
    """One value per fact: the amounts said right after the fact's word win; of several different ones, a
    correction takes the last ("说错了，156万是含物业费的，纯租金是一年120万"), otherwise the message is ambiguous
    ("第一年100万，第二年110万") and is asked back rather than guessed."""
    for target in dict.fromkeys(c[0] for c in candidates):
        mine = [c for c in candidates if c[0] == target]
        if any(c[1] for c in mine) and not (target == "annual_rent" and len(YEAR_ORDINAL.findall(u.text)) >= 2):
            mine = [c for c in mine if c[1]]
        read = [f for c in mine if (f := c[3].fact(target))]
        values = {json.dumps(f.json_value()) for f in read}
        chosen = mine[-1] if correcting else mine[0]
        if len(values) > 1 and not correcting:
            amounts = [f.json_value() for f in read]
            u.problem(target, "several", chosen[2].text, amounts=amounts)
            continue
        for f in chosen[3].facts:
            u.add(f)
        for p in chosen[3].problems:
            u.problem(p.fact, p.code, p.text, **p.params)


def _money_fact(
    u: Understanding, s: str, mention: _Mention, target: str, asked: str | None, ask_period: bool = False
) -> None:
    rng: Range = mention.value
    if mention.bad:
        u.problem(target, mention.bad, mention.text)
        return
    price = _unit_price(s, mention) if target == "annual_rent" else None
    basis = dict(mention.basis)
    approx = mention.approx
    if price:
        area = _area(s, (mention.start, mention.end))
        if area is None:
            u.problem(target, "need_area", mention.text, price=rng.to_json(), per=price)
            return
        a_lo, a_hi, a_approx = area
        approx = approx or a_approx
        days = {"day": 365, "month": 12, "year": 1}[price]
        p_lo, p_hi = mention.exact or (Decimal(rng.lo), Decimal(rng.hi))
        basis.update(
            {"unit_price": _dec_json(p_lo, p_hi), "area": _dec_json(a_lo, a_hi), "per": price, "multiplier": days}
        )
        rng = Range(_yuan(p_lo * a_lo * days), _yuan(p_hi * a_hi * days))
    elif rng.hi <= 0 and not mention.bad:
        u.problem(target, "zero", mention.text)
        return
    elif not mention.has_unit and rng.hi < 10_000:
        u.problem(target, "need_unit", mention.text, number=mention.text)
        return
    if target == "annual_rent" and not price:
        period = _period(s, mention)
        if not period and ask_period:
            u.problem(target, "need_period", mention.text, amount=rng.to_json())
            return
        mult = {"month": 12, "quarter": 4, "half_year": 2, "day": 365}.get(period)
        if mult:
            rng = Range(rng.lo * mult, rng.hi * mult)
        elif period in YEARS_DIVISOR:
            rng = Range(rng.lo // YEARS_DIVISOR[period], rng.hi // YEARS_DIVISOR[period])
        basis["period"] = period or ("year" if asked == "annual_rent" else "assumed_year")
    if rng.hi <= 0:
        u.problem(target, "zero", mention.text)
        return
    if rng.hi > MAX_YUAN_PER_YEAR:
        u.problem(target, "too_large", mention.text)
        return
    u.add(Fact(target, rng, VALUE, mention.start, mention.end, mention.text, approx, basis))


def _yuan(d: Decimal) -> int:
    return int(d.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def _dec_json(lo: Decimal, hi: Decimal) -> int | float | list[int | float]:
    def one(d: Decimal) -> int | float:
        return int(d) if d == d.to_integral_value() else float(d)

    return one(lo) if lo == hi else [one(lo), one(hi)]
