"""The policy text as a clause tree.

Parses the published notice (``source/jiading-hr-services-2022.txt``) into document metadata, a preamble and
the clauses of parts 一–五, keeping each clause's printed text (with the two page-break splits rejoined) and a
normalised form (stray spaces around numbers removed) for search and quoting.

Pure functions over the text: no database, no clock.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opencc_purepy import OpenCC

SOURCE_PATH = Path(__file__).parent / "source" / "jiading-hr-services-2022.txt"

PART_NUMERALS = "一二三四五六七八九十"
SUB_NUMERALS = "一二三四五六七八九十"

_PART_RE = re.compile(r"^([一二三四五六七八九十])、\s*(\S.{0,20})$")
_ITEM_RE = re.compile(r"^(\d{1,2})\.\s*(.+)$", re.S)
_SUB_RE = re.compile(r"^[（(]\s*([一二三四五六七八九十])\s*[）)]\s*(.+)$", re.S)
_SUB_TITLE_RE = re.compile(r"^([^。，；]{2,12})。(.+)$", re.S)
_DATE_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_BASIS_RE = re.compile(r"《([^》]+)》\s*[（(]([^）)]+号)[）)]")
_TERMINAL = tuple("。；！？：")

_CJK = r"\u3400-\u9fff\u3000-\u303f\uff00-\uffef"
_SPACE_BETWEEN = re.compile(rf"(?<=[{_CJK}0-9%—\-()（）·])[ \t\u00a0]+(?=[{_CJK}0-9%—\-()（）·])")


def normalise(text: str) -> str:
    """Remove the stray spaces a reader ignores ("世界 500 强" → "世界500强") and unify brackets."""
    text = _SPACE_BETWEEN.sub("", text.strip())
    return text.replace("(", "（").replace(")", "）")


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    from opencc_purepy import OpenCC

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC t2s), so 租金補貼 reads as 租金补贴."""
    return _t2s().convert(text) if text else text


def source_text() -> str:
    return SOURCE_PATH.read_text(encoding="utf-8")


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Clause:
    """One addressable unit of the policy: the preamble, a part, or an item of a part."""

    ref: str  # canonical reference without the document name: "三、2", "四（二）", "三", "序言"
    kind: str  # "preamble" | "part" | "item"
    part: str | None  # part numeral "三", None for the preamble
    item: str | None  # "2" for 三、2, "二" for 四（二）, None for parts
    heading: str  # part title ("支持政策"); for 四 items the printed title ("加强组织领导"); else ""
    text: str  # as printed (page breaks rejoined, marker removed)
    order: int
    short_title: str = "《办法》"  # the document the clause is in, as citations name it ("《实施细则》")

    @property
    def citation(self) -> str:
        return f"{self.short_title}{self.ref}"

    @property
    def text_norm(self) -> str:
        return normalise(self.text)

    @property
    def parent_ref(self) -> str | None:
        return self.part if self.kind == "item" else None


@dataclass
class Document:
    title: str
    short_title: str
    doc_number: str
    issuer: str
    notice_title: str
    recipients: str
    issued_on: date  # 发文 (signature date)
    printed_on: date  # 印发
    effective_on: date  # 实施
    basis: list[tuple[str, str]]  # (title, number)
    interpreter: str
    implementer: str
    cc: str
    source_hash: str
    clauses: list[Clause] = field(default_factory=list)
    page_break_joins: list[str] = field(default_factory=list)  # refs whose text was rejoined

    def clause(self, ref: str) -> Clause | None:
        for c in self.clauses:
            if c.ref == ref:
                return c
        return None

    def items_of(self, part: str) -> list[Clause]:
        return [c for c in self.clauses if c.kind == "item" and c.part == part]

    def parts(self) -> list[Clause]:
        return [c for c in self.clauses if c.kind == "part"]


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _parse_date(s: str) -> date:
    m = _DATE_RE.search(s)
    if not m:
        raise ValueError(f"no date in {s!r}")
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def parse(text: str) -> Document:
    """Parse the notice. Raises ValueError when the text does not have the expected structure."""
    try:
        return _parse(text)
    except (StopIteration, IndexError) as e:  # a header, footer or title line that is not there
        raise ValueError(
            f"the text does not have the structure of the notice: a required line is missing ({e!r})"
        ) from None


def _parse(text: str) -> Document:
    paras = _paragraphs(text)
    body_start = _body_start(paras)
    header = _read_header(paras[:body_start])
    title_line = normalise(paras[body_start])
    preamble = paras[body_start + 1]
    clauses, joins, footer = _read_clauses(preamble, paras[body_start + 2 :])
    cc, printed_on = _read_footer(footer)
    doc = Document(
        title=title_line,
        short_title="《办法》",
        doc_number=header.doc_number,
        issuer=header.issuer,
        notice_title=header.notice_title,
        recipients=header.recipients,
        issued_on=header.issued_on,
        printed_on=printed_on,
        effective_on=date(1, 1, 1),
        basis=[(f"《{t}》", n) for t, n in _BASIS_RE.findall(preamble)],
        interpreter="",
        implementer="",
        cc=cc,
        source_hash=content_hash(text),
        clauses=clauses,
        page_break_joins=joins,
    )
    _fill_from_clauses(doc)
    return doc


def _body_start(paras: list[str]) -> int:
    """The body of the 办法 starts at its own title line (second occurrence of the name, with 试行 and no 关于)."""
    return next(i for i, p in enumerate(paras) if p.startswith("嘉定区促进人力资源服务业集聚支持办法") and "试行" in p)


@dataclass(frozen=True)
class _Header:
    """The notice's head, before the 办法's own title."""

    issuer: str
    doc_number: str
    notice_title: str
    recipients: str
    issued_on: date


def _read_header(header: list[str]) -> _Header:
    issuer = header[0].removesuffix("文件")
    return _Header(
        issuer=issuer,
        doc_number=next(p for p in header if "〔" in p and p.endswith("号")),
        notice_title=normalise(next(p for p in header if p.startswith(issuer) and "关于" in p)),
        recipients=next(p for p in header if p.endswith("：")).rstrip("："),
        issued_on=_parse_date(next(p for p in header if _DATE_RE.search(p))),
    )


def _read_clauses(preamble: str, body: list[str]) -> tuple[list[Clause], list[str], list[str]]:
    """The preamble and the clauses of the parts, the refs rejoined across a page break, and the footer (the
    paragraphs from 抄送 on; empty when there is none). ``body``: the paragraphs after the preamble."""
    clauses = [Clause("序言", "preamble", None, None, "", preamble, 0)]
    joins: list[str] = []
    cur_part: str | None = None
    for i, p in enumerate(body):
        if p.startswith("抄送"):
            return clauses, joins, body[i:]
        order = len(clauses)  # the preamble is 0, then one more for each clause
        m = _PART_RE.match(p)
        if m and not p.endswith(_TERMINAL):
            cur_part = m.group(1)
            clauses.append(Clause(cur_part, "part", cur_part, None, m.group(2).strip(), "", order))
            continue
        if cur_part is None:
            raise ValueError(f"text before the first part: {p[:20]}")
        item = _item_clause(p, cur_part, order)
        if item is not None:
            clauses.append(item)
        else:
            _continue_last(clauses, joins, p)
    return clauses, joins, []


def _item_clause(p: str, part: str, order: int) -> Clause | None:
    """The item ``p`` opens ("2. …" → 三、2, "（二）…" → 四（二）), or None when it opens none."""
    m_item = _ITEM_RE.match(p)
    if m_item:
        item = m_item.group(1)
        return Clause(f"{part}、{item}", "item", part, item, "", m_item.group(2).strip(), order)
    m_sub = _SUB_RE.match(p)
    if m_sub is None:
        return None
    item, body = m_sub.group(1), m_sub.group(2).strip()
    mt = _SUB_TITLE_RE.match(body)
    heading = mt.group(1) if mt and part == "四" else ""  # 四 items open with a printed title ("加强组织领导。")
    return Clause(f"{part}（{item}）", "item", part, item, heading, body, order)


def _continue_last(clauses: list[Clause], joins: list[str], p: str) -> None:
    """A paragraph that opens no clause continues the last one (replaced in ``clauses``)."""
    last = clauses[-1]
    if last.kind == "item" and not last.text.endswith(_TERMINAL):
        # A page break split this item mid-sentence: rejoin without a separator.
        clauses[-1] = replace(last, text=last.text + p)
        joins.append(last.ref)
    elif last.kind == "part":  # the part's own body text (一 总体要求, 二's lead sentence)
        clauses[-1] = replace(last, item=None, text=(last.text + "\n" + p).strip())
    else:
        raise ValueError(f"unplaced paragraph after {last.ref}: {p[:20]}")


def _read_footer(footer: list[str]) -> tuple[str, date]:
    """The 抄送 line's recipients and the 印发 date."""
    if not footer:
        raise ValueError("no 抄送 footer found")
    cc = footer[0].split("：", 1)[1].rstrip("。")
    return cc, _parse_date(next(p for p in footer if "印发" in p))


def _fill_from_clauses(doc: Document) -> None:
    """Facts stated inside clauses: effective date, interpreting body, the body that writes the 实施细则."""
    for c in doc.items_of("五"):
        norm = c.text_norm
        if "起实施" in norm:
            m = re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日", norm)
            if m:
                doc.effective_on = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.search(r"本办法由(.+?)负责解释", norm)
        if m:
            doc.interpreter = m.group(1)
        m = re.search(r"实施细则由(.+?)另行制定", norm)
        if m:
            doc.implementer = m.group(1)
    if doc.effective_on == date(1, 1, 1) or not doc.interpreter:
        raise ValueError("effective date or interpreting body not found in 五")


@lru_cache(maxsize=1)
def load_document() -> Document:
    """The packaged policy text, parsed (cached)."""
    return parse(source_text())


def clause_index(doc: Document) -> dict[str, Clause]:
    return {c.ref: c for c in doc.clauses}
