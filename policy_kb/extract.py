"""Quantities in Chinese text, with spaCy's Chinese pipeline.

``spacy.blank("zh")`` with the jieba segmenter tokenises; an ``EntityRuler`` with token patterns marks money
(50 万元, 八十万, 1.2亿, 1,200,000元), money ranges (50 万—500 万元), percentages (30%, 百分之三十), durations
(前三年度) and dates (2023年3月, 去年); the ``policy_quantities`` component then normalises each span to a value
(yuan as integers, per year where the text says 每月/每年). The same extractor checks the rules data against the
clause text and serves the bot's NLU.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import cn2an
import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc, Span

from . import jieba_setup

# One token of an EntityRuler pattern: {"TEXT": "万"}, {"TEXT": {"REGEX": …}}, {"TEXT": {"IN": […]}}.
TokenPattern = dict[str, str | dict[str, str | list[str]]]
# One pattern: {"label": "MONEY", "pattern": [token, …]} (spaCy's PatternType, with the tokens spelled out).
RulerPattern = dict[str, str | list[TokenPattern]]

CN_DIGITS = "零〇一二两三四五六七八九十百千"
_NUM: TokenPattern = {"TEXT": {"REGEX": rf"^(\d+(\.\d+)?|[{CN_DIGITS}]+)$"}}
_NUM_UNIT: TokenPattern = {"TEXT": {"REGEX": rf"^(\d+(\.\d+)?|[{CN_DIGITS}]+)(万|亿|千)元?$"}}
_UNIT: TokenPattern = {"TEXT": {"IN": ["万", "万元", "亿", "亿元", "千", "千元", "元", "块", "块钱"]}}
_YUAN: TokenPattern = {"TEXT": {"IN": ["元", "块", "块钱"]}}
_SEP: TokenPattern = {"TEXT": {"IN": ["—", "-", "－", "~", "～", "至", "到", "—"]}}
_SMALL: TokenPattern = {"TEXT": {"REGEX": r"^([一二三四五六七八九十两]+|\d{1,2})$"}}
_YEAR4: TokenPattern = {"TEXT": {"REGEX": r"^(19|20)\d{2}$"}}
_MD: TokenPattern = {"TEXT": {"REGEX": r"^\d{1,2}$"}}

RELATIVE_YEARS = {
    "今年": 0,
    "本年": 0,
    "本年度": 0,
    "当年": 0,
    "去年": -1,
    "上年": -1,
    "上年度": -1,
    "前年": -2,
    "明年": 1,
}
MONTH_MARKERS = {"每月", "月租", "月租金", "每个月", "一个月", "月均", "按月"}
YEAR_MARKERS = {"每年", "年租金", "年租", "一年", "每年度", "全年", "年均", "按年"}


def _patterns() -> list[RulerPattern]:
    money_left: list[list[TokenPattern]] = [[_NUM], [_NUM, _UNIT], [_NUM_UNIT]]
    money_right: list[list[TokenPattern]] = [
        [_NUM, _UNIT],
        [_NUM_UNIT],
        [_NUM_UNIT, _YUAN],
        [_NUM, {"TEXT": "万"}, _YUAN],
    ]
    pats: list[RulerPattern] = []
    for left in money_left:
        for right in money_right:
            pats.append({"label": "MONEY_RANGE", "pattern": left + [_SEP] + right})
    for money in money_right[:-1] + [[_NUM, {"TEXT": "万"}, _YUAN], [_NUM, _YUAN]]:
        pats.append({"label": "MONEY", "pattern": money})
    # 1,200,000 (jieba splits at the commas), with or without 元
    for groups in (1, 2, 3):
        p: list[TokenPattern] = [{"TEXT": {"REGEX": r"^\d{1,3}$"}}]
        for _ in range(groups):
            p += [{"TEXT": {"IN": [",", "，"]}}, {"TEXT": {"REGEX": r"^\d{3}$"}}]
        pats.append({"label": "MONEY", "pattern": p + [_YUAN]})
        pats.append({"label": "MONEY", "pattern": p + [{"TEXT": {"IN": ["万", "万元"]}}]})
        pats.append({"label": "MONEY", "pattern": p})
    pats += [
        {"label": "PERCENT", "pattern": [{"TEXT": {"REGEX": r"^\d+(\.\d+)?[%％]$"}}]},
        {"label": "PERCENT", "pattern": [_NUM, {"TEXT": {"IN": ["%", "％"]}}]},
        {"label": "PERCENT", "pattern": [{"TEXT": {"REGEX": rf"^百分之[\d{CN_DIGITS}.]+$"}}]},
        {"label": "PERCENT", "pattern": [{"TEXT": "百分之"}, _NUM]},
        {"label": "DURATION", "pattern": [{"TEXT": "前"}, _SMALL, {"TEXT": {"IN": ["年", "年度", "个年度"]}}]},
        {"label": "DURATION", "pattern": [_SMALL, {"TEXT": {"IN": ["年度", "个年度"]}}]},
        {"label": "DURATION", "pattern": [{"TEXT": {"REGEX": r"^前?[一二三四五六七八九十两]+(个)?年度?$"}}]},
        {
            "label": "DATE",
            "pattern": [_YEAR4, {"TEXT": "年"}, _MD, {"TEXT": "月"}, _MD, {"TEXT": {"REGEX": "^(日|号)"}}],
        },
        {"label": "DATE", "pattern": [_YEAR4, {"TEXT": "年"}, _MD, {"TEXT": "月"}]},
        {"label": "DATE", "pattern": [_YEAR4, {"TEXT": "年"}]},
        {"label": "DATE", "pattern": [{"TEXT": {"REGEX": r"^(19|20)\d{2}年$"}}]},
        {
            "label": "DATE",
            "pattern": [_YEAR4, {"TEXT": {"IN": ["-", "/", "."]}}, _MD, {"TEXT": {"IN": ["-", "/", "."]}}, _MD],
        },
        {"label": "DATE", "pattern": [_YEAR4, {"TEXT": {"IN": ["-", "/", "."]}}, _MD]},
        {"label": "DATE", "pattern": [{"TEXT": {"REGEX": r"^(19|20)\d{2}[-/.]\d{1,2}([-/.]\d{1,2})?$"}}]},
        {"label": "DATE", "pattern": [{"TEXT": {"IN": list(RELATIVE_YEARS)}}]},
    ]
    return pats


@Language.component("policy_quantities")
def _normalise_quantities(doc: Doc) -> Doc:
    for ent in doc.ents:
        ent._.value = _value(ent)
    return doc


if not Span.has_extension("value"):
    Span.set_extension("value", default=None)

_lock = threading.Lock()


@lru_cache(maxsize=1)
def pipeline() -> Language:
    jieba_setup.load_policy_dictionary()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    if not isinstance(ruler, EntityRuler):  # add_pipe is typed as returning any pipe
        raise TypeError(f"entity_ruler made a {type(ruler).__name__}")
    ruler.add_patterns(_patterns())
    nlp.add_pipe("policy_quantities")
    return nlp


_FULLWIDTH = str.maketrans("０１２３４５６７８９．％，", "0123456789.%,")


def parse_amount(text: str) -> Decimal | None:
    """ "120万元" → 1200000, "八十万" → 800000, "1.2亿" → 120000000, "1,200,000元" → 1200000."""
    s = text.translate(_FULLWIDTH).replace(",", "").replace(" ", "")
    s = re.sub(r"(元|块钱|块)$", "", s)
    if not s:
        return None
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return Decimal(s)
    if s.endswith("千") and re.fullmatch(r"\d+(\.\d+)?千", s):
        return Decimal(s[:-1]) * 1000
    try:
        return Decimal(str(cn2an.cn2an(s, "smart")))
    except (ValueError, KeyError, IndexError, InvalidOperation, TypeError):
        return None


def parse_number(text: str) -> Decimal | None:
    s = text.translate(_FULLWIDTH).strip()
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return Decimal(s)
    try:
        return Decimal(str(cn2an.cn2an(s, "smart")))
    except (ValueError, KeyError, IndexError, InvalidOperation, TypeError):
        return None


def _period(ent: Span) -> str | None:
    doc = ent.doc
    before = {t.text for t in doc[max(0, ent.start - 3) : ent.start]}
    after = [t.text for t in doc[ent.end : ent.end + 2]]
    after_s = "".join(after)
    if before & MONTH_MARKERS or after_s.startswith(("/月", "每月", "一个月", "一月")):
        return "month"
    if before & YEAR_MARKERS or after_s.startswith(("/年", "每年", "一年")):
        return "year"
    return None


def _value(ent: Span) -> dict[str, Any]:
    text = ent.text  # extract() already turned full-width digits into ASCII
    if ent.label_ == "MONEY":
        amount = parse_amount(text)
        period = _period(ent)
        v: dict[str, Any] = {"yuan": None if amount is None else int(amount), "period": period}
        prev = ent.doc.text[max(0, ent.start_char - 1) : ent.start_char]
        if prev in ("-", "－", "负", "−"):
            v["negative"] = True
        if amount is not None and period == "month":
            v["yuan_per_year"] = int(amount * 12)
        elif amount is not None and period == "year":
            v["yuan_per_year"] = int(amount)
        return v
    if ent.label_ == "MONEY_RANGE":
        parts = re.split(r"[—\-－~～至到]", text.replace(" ", ""), maxsplit=1)
        unit = re.search(r"(万|亿|千)元?$", parts[1])
        left = parts[0] if re.search(r"[万亿千元]", parts[0]) or not unit else parts[0] + unit.group(1)
        lo, hi = parse_amount(left), parse_amount(parts[1])
        return {"min": None if lo is None else int(lo), "max": None if hi is None else int(hi)}
    if ent.label_ == "PERCENT":
        num = re.sub(r"^百分之|[%％\s]", "", text)
        n = parse_number(num)
        return {"percent": None if n is None else float(n)}
    if ent.label_ == "DURATION":
        num = re.sub(r"^前|个|年度?$", "", text.replace(" ", ""))
        n = parse_number(num)
        return {"years": None if n is None else int(n), "first": text.startswith("前")}
    if ent.label_ == "DATE":
        t = text.replace(" ", "")
        if t in RELATIVE_YEARS:
            return {"relative_years": RELATIVE_YEARS[t]}
        nums = [int(x) for x in re.findall(r"\d+", t)]
        return {"year": nums[0], "month": nums[1] if len(nums) > 1 else None, "day": nums[2] if len(nums) > 2 else None}
    return {}


@dataclass(frozen=True)
class Quantity:
    label: str  # MONEY, MONEY_RANGE, PERCENT, DURATION, DATE
    text: str
    start: int  # character offsets in the input
    end: int
    value: dict[str, Any]


# Every pattern of _patterns() needs a token with a digit (``\d``, as the patterns' regexes read it), a Chinese
# digit (百分之 included) or one of the relative years: a text with none of them has no quantity, and spaCy (jieba's
# segmentation and the ruler, half a millisecond) is not run on it — short answers such as 没有 or 总部.
_MAY_HOLD_A_QUANTITY = re.compile(rf"[\d{CN_DIGITS}]|" + "|".join(map(re.escape, RELATIVE_YEARS)))


def may_hold_a_quantity(text: str) -> bool:
    """False only where no pattern of the ruler can match (tests: the same quantities as spaCy on every NLU text)."""
    return _MAY_HOLD_A_QUANTITY.search(text.translate(_FULLWIDTH)) is not None


def extract(text: str, today: date | None = None) -> list[Quantity]:
    """All quantities in ``text``. Relative dates (去年) are resolved against ``today`` when given."""
    # Full-width digits → ASCII first (one character for one, so offsets still point into ``text``).
    ascii_digits = text.translate(_FULLWIDTH)
    if _MAY_HOLD_A_QUANTITY.search(ascii_digits) is None:
        return []
    with _lock:  # jieba's tokenizer is not re-entrant across threads
        doc = pipeline()(ascii_digits)
    out = []
    for ent in doc.ents:
        value = dict(ent._.value or {})
        if ent.label_ == "DATE" and "relative_years" in value and today is not None:
            value = {
                "year": today.year + value["relative_years"],
                "month": None,
                "day": None,
                "relative_years": value["relative_years"],
            }
        out.append(Quantity(ent.label_, text[ent.start_char : ent.end_char], ent.start_char, ent.end_char, value))
    return out
