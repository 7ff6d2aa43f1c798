"""Numbers as people write them in Chinese chat: Arabic, Chinese numerals and mixes.

"两百六十万" → 2600000, "1万2" → 12000, "3万4千" → 34000, "一百二十万五千" → 1205000, "0.3亿" → 30000000,
"1,500,000" → 1500000, "二〇二四" → 2024 (digit by digit), "十二" → 12.

cn2an (the maintained library for Chinese numerals) reads the textbook forms but refuses or misreads colloquial
ones ("1万2", "3万4千" vary by version and mode; jionlp, evaluated too, read them as 20004 and 64000), so one small
grammar reads every form the same way, and cn2an is its cross-check in the tests (tests/policy_kb/
test_numerals.py: every integer written the textbook way by cn2an.an2cn reads back to itself). Everything is
Decimal: no float rounding in money.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "壹": 1,
    "贰": 2,
    "叁": 3,
    "肆": 4,
    "伍": 5,
    "陆": 6,
    "柒": 7,
    "捌": 8,
    "玖": 9,
}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CN_NUM_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS) + "点"
FULLWIDTH = str.maketrans("０１２３４５６７８９．％，：／－～", "0123456789.%,:/-~")

_ARABIC = re.compile(r"\d+(?:\.\d+)?")
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def parse_number(text: str) -> Decimal | None:
    """A whole string read as one number, or None. Never raises."""
    s = (text or "").translate(FULLWIDTH).strip().replace(" ", "")
    if not s or len(s) > 40:
        return None
    if _GROUPED.match(s):
        s = s.replace(",", "")
    try:
        return _parse(s)
    except (InvalidOperation, ValueError, IndexError):
        return None


def _parse(s: str) -> Decimal | None:
    """One pass over the characters: digits wait for their unit, 十百千 add to the section below 万, 万亿 close it.
    None when the characters do not make one number."""
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return Decimal(s)
    if all(c in DIGITS for c in s) and (len(s) >= 3 or any(DIGITS[c] == 0 for c in s)):  # 二〇二四
        return Decimal("".join(str(DIGITS[c]) for c in s))
    total = Decimal(0)  # sum of completed 亿/万 sections
    section = Decimal(0)  # the current section below 万
    number: Decimal | None = None  # the pending digit(s)
    last_unit = 0  # value of the last unit seen, for "1万2" (→ 1.2万) and "两百六" (→ 260)
    zero_seen = False
    i = 0
    while i < len(s):
        m = _ARABIC.match(s, i)
        if m:
            if number is not None:
                return None
            number = Decimal(m.group())
            i = m.end()
            continue
        c = s[i]
        if c == "点":
            frac, i = _fraction(s, i + 1)
            if not frac or number is None:
                return None
            number = Decimal(f"{int(number)}.{frac}")
            continue
        if c in DIGITS:
            d = DIGITS[c]
            if d == 0:
                zero_seen = True
            elif number is not None:
                return None  # 三四 (three or four) is not one number
            else:
                number = Decimal(d)
            i += 1
            continue
        if c in SMALL_UNITS:
            unit = SMALL_UNITS[c]
            section += (number if number is not None else Decimal(1)) * unit
            number, last_unit, zero_seen = None, unit, False
            i += 1
            continue
        if c in BIG_UNITS:
            unit = BIG_UNITS[c]
            closed = _close_section(total, section, number, unit)
            if closed is None:
                return None
            total, section, number, last_unit, zero_seen = closed, Decimal(0), None, unit, False
            i += 1
            continue
        return None
    if number is not None:
        section += _after_last_unit(number, last_unit, zero_seen)
    return total + section


def _fraction(s: str, i: int) -> tuple[str, int]:
    """The digits after a 点 that starts at ``i`` ("三点五" → "5", "1点25" → "25") and where they end."""
    frac = ""
    while i < len(s) and (s[i] in DIGITS or s[i].isdigit()):
        frac += str(DIGITS.get(s[i], s[i]))
        i += 1
    return frac, i


def _close_section(total: Decimal, section: Decimal, number: Decimal | None, unit: int) -> Decimal | None:
    """The total once 万 or 亿 closes the section (with its pending digits); None when nothing comes before it."""
    if number is not None:
        section += number
    if section == 0 and total == 0:
        return None
    if unit == 100_000_000:
        return (total + section) * unit
    return total + section * unit


def _after_last_unit(number: Decimal, last_unit: int, zero_seen: bool) -> Decimal:
    """A digit after the last unit is one step below it when no zero came between (colloquial: 1万2 = 12000,
    两百六 = 260, 3万4 = 34000; but 一百零六 = 106); anything else counts as it stands."""
    if last_unit >= 10 and not zero_seen and number < 10 and number == number.to_integral():
        number *= Decimal(last_unit) / 10
    return number


def to_int(value: Decimal | None) -> int | None:
    if value is None:
        return None
    if value != value.to_integral_value():
        return None
    return int(value)


_NEIGHBOURS = re.compile(r"^(?P<a>[一二两三四五六七八九])(?P<b>[二三四五六七八九])(?P<rest>[十百千万亿拾佰仟萬億]*.*)$")


def parse_neighbours(text: str) -> tuple[Decimal, Decimal] | None:
    """Two neighbouring digits, "three or four": "七八十万" → (700000, 800000), "两三百" → (200, 300),
    "五六" → (5, 6). None unless the second digit is the first plus one. Never raises."""
    s = (text or "").translate(FULLWIDTH).strip().replace(" ", "")
    m = _NEIGHBOURS.match(s)
    if not m or DIGITS[m.group("b")] != DIGITS[m.group("a")] + 1:
        return None
    rest = m.group("rest")
    if rest and rest[0] not in SMALL_UNITS and rest[0] not in BIG_UNITS:
        return None
    lo, hi = parse_number(m.group("a") + rest), parse_number(m.group("b") + rest)
    if lo is None or hi is None:
        return None
    return lo, hi
