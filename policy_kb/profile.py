"""The institution profile: the one JSON shape used by the engine, the bot's form, the CLI and the console.

Every field is optional (unknown = ``None``). ``Profile.from_dict`` validates and normalises people's words to
the policy's own (猎头 → 高端猎头, 世界五百强 → global) and reports every problem at once, in Chinese.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from . import facts
from .rules import messages, vocabulary
from .understand import DateSpan, Range

MAX_YUAN = 10_000_000_000  # 100亿元: larger than any rent or event cost; larger input is a unit mistake
MAX_COUNT = 100_000
EARLIEST_YEAR = 1949


class ProfileError(ValueError):
    """Invalid profile input; ``problems`` is a list of Chinese messages, one per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass
class Profile:
    name: str | None = None
    category: str | None = None  # canonical word of 《办法》二, 其他人力资源服务, or the user's own word
    in_talent_port: bool | None = None
    entry_date: DateSpan | None = None  # an interval: "2024" is 2024-01-01/2024-12-31 (clipped at today)
    establishment: str | None = None  # 总部 / 分支机构 / 合资公司 / other text
    rank_500: str | None = None  # global / china / none
    annual_rent: int | Range | None = None  # yuan per year; a Range when the user gave one (80到100万)
    talent_recommendations: int | Range | None = None
    training_base: bool | None = None
    honour_level: str | None = None  # 国家级 / 市级 / 区级 / 无
    honour_year: int | None = None
    recognition_level: str | None = None
    recognition_year: int | None = None
    event_cost: int | Range | None = None  # yuan

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_dict(cls, data: Any, today: date) -> Profile:
        msg = messages()["profile_errors"]
        if not isinstance(data, dict):
            raise ProfileError([msg["not_object"]])
        valid = cls.field_names()
        problems: list[str] = []
        for k in data:
            if k not in valid:
                problems.append(msg["unknown_field"].format(field=k, valid="、".join(valid)))
        values: dict[str, Any] = {}
        for k in valid:
            if k not in data or data[k] is None or data[k] == "":
                continue
            try:
                values[k] = PARSERS[facts.fact(k).type](data[k], k, today)
            except ProfileError as e:
                problems.extend(e.problems)
        if values.get("in_talent_port") is False and values.get("entry_date") is not None:
            problems.append(msg["conflict_port"])
        if problems:
            raise ProfileError(problems)
        if values.get("entry_date") is not None and "in_talent_port" not in values:
            values["in_talent_port"] = True
        return cls(**values)

    @classmethod
    def from_json(cls, text: str, today: date) -> Profile:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise ProfileError([messages()["profile_errors"]["bad_json"].format(detail=e.msg)]) from None
        return cls.from_dict(data, today)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        for k, v in d.items():
            if isinstance(v, DateSpan):
                d[k] = v.iso()
            elif isinstance(v, Range):
                d[k] = v.to_json()
        return d

    def get(self, fact: str) -> Any:
        return getattr(self, fact)


def _label(field_name: str) -> str:
    return facts.label(field_name)


def _err(key: str, field_name: str, value: Any, **kw: Any) -> ProfileError:
    return ProfileError([messages()["profile_errors"][key].format(label=_label(field_name), value=value, **kw)])


_TRUE = {"true", "是", "有", "yes", "y", "1", "已入驻", "对"}
_FALSE = {"false", "否", "无", "没有", "no", "n", "0", "未入驻", "不是"}


def _bool(v: Any, k: str, today: date) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise _err("bad_bool", k, v)


def _nonneg_int(v: Any, k: str, today: date, cap: int) -> int | Range:
    """A non-negative integer, or a range given as [lo, hi] / "lo-hi" / Range (exact when lo == hi)."""
    if isinstance(v, Range):
        v = [v.lo, v.hi]
    if isinstance(v, (list, tuple)):
        if len(v) != 2:
            raise _err("bad_int", k, v)
        lo, hi = (_one_int(x, k, today, cap) for x in v)
        lo, hi = min(lo, hi), max(lo, hi)
        return lo if lo == hi else Range(lo, hi)
    return _one_int(v, k, today, cap)


def _one_int(v: Any, k: str, today: date, cap: int) -> int:
    if isinstance(v, bool):
        raise _err("bad_int", k, v)
    if isinstance(v, (int, float)):
        n = v
    else:
        s = str(v).strip().replace(",", "").replace("，", "")
        try:
            n = float(s)
        except ValueError:
            raise _err("bad_int", k, v) from None
    if n != n or n in (float("inf"), float("-inf")):
        raise _err("bad_int", k, v)
    if n < 0:
        raise _err("negative", k, v)
    if n > cap:
        raise _err("too_large", k, v)
    return int(Decimal(str(n)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _yuan(v: Any, k: str, today: date) -> int | Range:
    return _nonneg_int(v, k, today, MAX_YUAN)


def _count(v: Any, k: str, today: date) -> int | Range:
    return _nonneg_int(v, k, today, MAX_COUNT)


_DATE_RE = re.compile(r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?)?\s*年?\s*$")


def _one_span(v: Any, k: str) -> DateSpan:
    """ "2024-03-05" is that day; "2024-03" / "2024年3月" the month; "2024" the year."""
    if isinstance(v, DateSpan):
        return v
    if isinstance(v, date):
        return DateSpan(v, v)
    m = _DATE_RE.match(str(v))
    if not m:
        raise _err("bad_date", k, v)
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    try:
        return DateSpan.of(y, int(mo) if mo else None, int(d) if d else None)
    except ValueError:
        raise _err("bad_date", k, v) from None


def _date(v: Any, k: str, today: date) -> DateSpan:
    """A day, a month, a year or an interval ("2024-01-01/2024-03-31", [from, to]); never after today."""
    if isinstance(v, str) and "/" in v and re.match(r"^\s*\d{4}-\d", v):
        a, _, b = v.partition("/")
        span = DateSpan(_one_span(a, k).start, _one_span(b, k).end)
    elif isinstance(v, (list, tuple)) and len(v) == 2:
        span = DateSpan(_one_span(v[0], k).start, _one_span(v[1], k).end)
    else:
        span = _one_span(v, k)
    if span.end < span.start:
        raise _err("bad_date", k, v)
    if span.start > today:
        raise _err("future_date", k, v, today=today.isoformat())
    if span.start.year < EARLIEST_YEAR:
        raise _err("before_policy", k, v)
    return DateSpan(span.start, min(span.end, today))


def _year(v: Any, k: str, today: date) -> int:
    if isinstance(v, bool):
        raise _err("bad_year", k, v)
    try:
        y = int(str(v).strip().rstrip("年"))
    except ValueError:
        raise _err("bad_year", k, v) from None
    if y > today.year:
        raise _err("future_year", k, v, year=today.year)
    if y < EARLIEST_YEAR:
        raise _err("bad_year", k, v)
    return y


def _text(v: Any, k: str, today: date) -> str:
    return str(v).strip()[:200]


def canonical_category(word: str) -> str:
    """The policy's own word for a category, 其他人力资源服务, or the word itself (not a listed category)."""
    w = word.strip()
    voc = vocabulary()
    for canon, spec in voc["categories"].items():
        if w == canon or w in spec.get("aliases", []) or w.lower() in [a.lower() for a in spec.get("aliases", [])]:
            return str(canon)
    other = voc["other_hr_service"]
    if w == other["canonical"] or w in other["aliases"]:
        return str(other["canonical"])
    return w


def category_clause(category: str | None) -> str | None:
    if category is None:
        return None
    spec = vocabulary()["categories"].get(category)
    return spec["clause"] if spec else None


def _category(v: Any, k: str, today: date) -> str:
    return canonical_category(str(v))


def _choice(table: dict[str, Any], v: Any, k: str, extra: dict[str, str] | None = None) -> str:
    s = str(v).strip()
    for canon, spec in table.items():
        if not isinstance(spec, dict):
            continue
        if s == canon or s in spec.get("aliases", []) or s.lower() == canon.lower():
            return canon
    if extra and s in extra:
        return extra[s]
    choices = "、".join(c for c, spec in table.items() if isinstance(spec, dict))
    raise _err("bad_choice", k, v, choices=choices)


_NO_HONOUR = {"无": "无", "没有": "无", "none": "无", "否": "无"}


def _level(v: Any, k: str, today: date) -> str:
    return _choice(vocabulary()["honour_levels"], v, k, extra=_NO_HONOUR)


def _rank(v: Any, k: str, today: date) -> str:
    return _choice(vocabulary()["rank_500"], v, k)


def _establishment(v: Any, k: str, today: date) -> str:
    s = str(v).strip()
    for canon, spec in vocabulary()["establishments"].items():
        if s == canon or s in spec["aliases"]:
            return str(canon)
    return s  # another form (e.g. 代表处): the rule reports it as not 总部/分支机构/合资公司


# a fact's type (data/facts.yaml) → how its value is read
PARSERS = {
    "text": _text,
    "category": _category,
    "bool": _bool,
    "date": _date,
    "establishment": _establishment,
    "rank_500": _rank,
    "yuan": _yuan,
    "count": _count,
    "level": _level,
    "year": _year,
}
