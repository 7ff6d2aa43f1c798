"""Citation resolver: turns the ways people cite the policy into a canonical clause reference.

Accepted: 三、2 · 三.2 · 3.2 · 三·2 · 三-2 · 3-2 · 三．2 · 第三部分第2条 · 第三部分第一条 · 支持政策第2条 ·
支持政策第七条 · 第七条 / 第7条 (a bare item number means 三 支持政策) · 四（二） · 四(2) · 保障措施第二条 ·
第五部分 · 序言 — Chinese or Arabic numerals, full- or half-width, with or without 《办法》 or the document
number in front (嘉府办发〔2022〕14号三、2 · 14号文第三部分第2条). A reference to a clause that does not exist
gets a clear message ("支持政策共9条"). ``resolve_all`` finds every reference in a sentence, in order, with its
position.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from .rules import messages
from .text import Clause, Document, load_document, to_simplified

_CN = "零〇一二两三四五六七八九十"
_NUMS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_NUMS.update({"〇": 0, "两": 2})
PART_TITLES = {"总体要求": "一", "支持对象": "二", "支持政策": "三", "保障措施": "四", "其他事项": "五"}
_PART_CN = "一二三四五六七八九十"

_HALF = str.maketrans("０１２３４５６７８９．（）、－", "0123456789.()、-")
# The document's own number or name in front of a reference: blanked (same length, so positions still hold).
_DOC_PREFIX = re.compile(
    r"《办法》|[\u4e00-\u9fff]{2,6}\s*[〔\[【(]\s*\d{4}\s*[〕\]】)]\s*\d{1,3}\s*号(?:文件|文)?"
    r"|\d{1,3}\s*号(?:文件|文)"
)


def _to_int(s: str) -> int | None:
    s = s.strip()
    if s.isdigit():
        return int(s)
    if not s or any(c not in _CN for c in s):
        return None
    if s == "十":
        return 10
    if "十" in s:
        a, _, b = s.partition("十")
        return (_NUMS.get(a, 1) if a else 1) * 10 + (_NUMS.get(b, 0) if b else 0)
    if len(s) == 1:
        return _NUMS.get(s)
    return None


def _part_numeral(n: int) -> str:
    return _PART_CN[n - 1] if 1 <= n <= 10 else str(n)


@dataclass
class Resolution:
    ref: str | None  # canonical ref ("三、2") when found
    clause: Clause | None
    message: str = ""  # why not, in Chinese, when not found
    matched: str = ""  # the part of the input that was read as a reference
    start: int = -1  # where ``matched`` starts in the input (-1: unknown)

    @property
    def ok(self) -> bool:
        return self.clause is not None

    @property
    def citation(self) -> str:
        return f"《办法》{self.ref}" if self.ref else ""


N = rf"[0-9{_CN}]+"
N_SHORT = rf"(?:[0-9]{{1,2}}|[{_CN}]{{1,3}})"  # a part or item number, never a phone number or a year
_PATTERNS = [
    # 四（二） / 四(2) / 5(三)
    ("part_sub", re.compile(rf"(?<![0-9.])({N})\s*\(\s*({N})\s*\)")),
    # 第三部分第2条 / 第三部分的第二项 / 第五部分
    ("part_words", re.compile(rf"第\s*({N})\s*部分(?:\s*的?\s*第\s*({N})\s*[条项款])?")),
    # 支持政策第七条 / 保障措施第二条 / 支持政策
    ("title", re.compile(rf"({'|'.join(PART_TITLES)})(?:\s*的?\s*第\s*({N})\s*[条项款])?")),
    # 三、2 / 三.2 / 3.2 / 三、二 / 三、（二） / 三·2 / 三-2 / 3-2 (not 2022-1-1, 1.5万, 3-5年)
    (
        "dotted",
        re.compile(
            rf"(?<![0-9.\-·])({N_SHORT})\s*[、.·・‧•\-‐]\s*\(?({N_SHORT})\)?"
            rf"(?![0-9.\-%万亿元千年月日个名人倍次号天])"
        ),
    ),
    # 第七条 / 第7条 (三 支持政策)
    ("bare_item", re.compile(rf"第\s*({N})\s*[条项]")),
    ("preamble", re.compile(r"(序言|前言|引言|导言)")),
    # 二、 / 五、 alone: a part
    ("part_only", re.compile(rf"(?<![0-9{_CN}])([一二三四五六七八九十])\s*、(?!\s*[0-9{_CN}(])")),
]


def _prepare(text: str) -> str:
    """The text the patterns read: simplified, half-width, document prefixes blanked; same length as ``text``."""
    s = to_simplified(text)
    if len(s) != len(text):  # a conversion changed the length: keep offsets into the original
        s = text
    s = s.translate(_HALF).replace("（", "(").replace("）", ")")
    return _DOC_PREFIX.sub(lambda m: " " * len(m.group(0)), s)


def _read(doc: Document, kind: str, m: re.Match[str], msgs: Mapping[str, str]) -> Resolution | None:
    """One pattern match → a resolution (None when the numbers are not numbers)."""
    if kind == "preamble":
        res = Resolution("序言", doc.clause("序言"))
    else:
        if kind == "title":
            part, item = PART_TITLES[m.group(1)], m.group(2)
        elif kind == "bare_item":
            part, item = "三", m.group(1)
        else:
            pn = _to_int(m.group(1))
            if pn is None:
                return None
            part = _part_numeral(pn)
            item = m.group(2) if m.lastindex and m.lastindex >= 2 else None
        res = _lookup(doc, part, item, msgs)
    res.matched, res.start = m.group(0), m.start()
    return res


def resolve(text: str, doc: Document | None = None) -> Resolution:
    """Find the first clause reference in ``text`` and resolve it against the document."""
    doc = doc or load_document()
    msgs = messages()["citations"]
    exact = to_simplified(text).strip().replace("《办法》", "")
    if doc.clause(exact) is not None:  # already canonical: 五, 三、2, 四（二）, 序言
        return Resolution(exact, doc.clause(exact), matched=text.strip(), start=text.find(text.strip()))
    s = _prepare(text)
    for kind, rx in _PATTERNS:
        for m in rx.finditer(s):
            res = _read(doc, kind, m, msgs)
            if res is not None:
                return res
    return Resolution(None, None, msgs["not_a_reference"].format(text=text.strip()[:40]))


def resolve_all(text: str, doc: Document | None = None) -> list[Resolution]:
    """Every reference in ``text`` (found or not), in order of position, none overlapping another.

    Patterns are tried in the same priority as ``resolve``; a later pattern's match inside an earlier one's
    span is skipped (第三部分第2条 is one reference, not also 第2条).
    """
    doc = doc or load_document()
    msgs = messages()["citations"]
    s = _prepare(text)
    taken: list[tuple[int, int]] = []
    found: list[Resolution] = []
    for kind, rx in _PATTERNS:
        for m in rx.finditer(s):
            if any(m.start() < e and b < m.end() for b, e in taken):
                continue
            res = _read(doc, kind, m, msgs)
            if res is not None:
                taken.append(m.span())
                found.append(res)
    return sorted(found, key=lambda r: r.start)


def _lookup(doc: Document, part: str, item: str | None, msgs: Mapping[str, str]) -> Resolution:
    part_clause = doc.clause(part)
    if part_clause is None or part_clause.kind != "part":
        return Resolution(None, None, msgs["no_such_part"].format(part=part))
    if item is None:
        return Resolution(part, part_clause)
    n = _to_int(item)
    items = doc.items_of(part)
    if not items:
        return Resolution(None, None, msgs["part_has_no_items"].format(part=part, part_title=part_clause.heading))
    if n is None or not 1 <= n <= len(items):
        first, last = items[0].ref[len(part) :], items[-1].ref[len(part) :]
        return Resolution(
            None,
            None,
            msgs["no_such_item"].format(
                part_title=part_clause.heading, count=len(items), part=part, first=first, last=last, item=item
            ),
        )
    c = items[n - 1]
    return Resolution(c.ref, c)
