"""Every aspect answer (every ref × aspect in data/aspects.yaml, and every variant) checked against the text.

- every amount, range, percentage and duration in a line is found by the extractor in a clause the line cites;
- every quoted phrase (outermost “…”) is verbatim in a clause the line cites (normalised: no spaces);
- every 《办法》 citation exists; the first line carries the answer's citation; at most three detail lines;
- every claim that the text is silent holds (its terms are absent from the clause), and such answers name
  嘉定区人力资源和社会保障局 and cite 《办法》五（一）.
A line without a citation of its own is checked against the answer's citation.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

import pytest

from policy_kb import aspects
from policy_kb.extract import extract, parse_number
from policy_kb.kb import PolicyKB
from policy_kb.premises import check_premises

AUTHORITY = "嘉定区人力资源和社会保障局"
CITE_RE = re.compile(r"《办法》(序言|[一二三四五](?:、\d{1,2}|（[一二三四五]）)?)")
YEARS_RE = re.compile(r"(?<![\d.])前?(\d{1,2}|[一二三四五六七八九十两]{1,3})\s*个?(?:年度|年)(?![\d月底初份])")
DEFERS = ("相应档次", "经认定", "经评估", "符合一定条件", "视其规模")


@lru_cache(maxsize=1)
def kb() -> PolicyKB:
    return PolicyKB.from_source()


CASES = aspects.cases(kb())


def _ids(case) -> str:
    ref, aspect, q = case
    return f"{ref}-{aspect}" + (f"-{q}" if q else "")


def clause_text(ref: str) -> str:
    """The text a citation vouches for: the clause, a part with its items, or (文件) the title and header."""
    doc = kb().document
    if ref == aspects.DOCUMENT:
        return doc.title + doc.notice_title + doc.doc_number + doc.issuer
    c = doc.clause(ref)
    return "".join(x.text_norm for x in [c] + (doc.items_of(ref) if c.kind == "part" else []))


def cited_refs(line: str, default: str) -> list[str]:
    refs = CITE_RE.findall(line)
    if kb().document.doc_number in line:
        refs.append(aspects.DOCUMENT)
    return refs or [default]


def outer_quotes(line: str) -> list[str]:
    """Outermost “…” spans (a quote may contain the text's own “上海·嘉定人才港”)."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(line):
        if ch == "“":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == "”" and depth:
            depth -= 1
            if depth == 0:
                out.append(line[start:i])
    return out


def figures(text: str) -> set[tuple]:
    out: set[tuple] = set()
    for q in extract(text):
        v = q.value
        if q.label == "MONEY_RANGE":
            out |= {("RANGE", v["min"], v["max"]), ("MONEY", v["min"]), ("MONEY", v["max"])}
        elif q.label == "MONEY":
            out.add(("MONEY", v["yuan"]))
        elif q.label == "PERCENT":
            out.add(("PERCENT", v["percent"]))
        elif q.label == "DURATION":
            out.add(("DURATION", v["years"]))
    # durations the extractor does not read yet (前五年度, 5年, 五个年度), so an invented one is still caught
    for m in YEARS_RE.finditer(text):
        out.add(("DURATION", int(parse_number(m.group(1)))))
    return out


def _ref_of_citation(citation: str) -> str:
    return aspects.DOCUMENT if citation == kb().document.doc_number else citation.removeprefix("《办法》")


def test_there_are_cases_for_every_ref_and_aspect():
    refs = {c[0] for c in CASES}
    assert refs == set(aspects.refs(kb()))
    assert {c[1] for c in CASES} == set(aspects.aspect_ids())
    assert sum(1 for c in CASES if c[2]) >= 12  # the variants (levels 区级/市级/省级, frequency 每年/一次性 …)


def problems(a: aspects.Answer) -> list[str]:
    """What in an answer the text does not back, as readable strings (empty: all good)."""
    out: list[str] = []
    default = _ref_of_citation(a.citation)
    if not a.citation or a.citation not in a.first_line:
        out.append(f"first line lacks {a.citation}: {a.first_line}")
    if len(a.details) > 3:
        out.append(f"{len(a.details)} detail lines")
    for line in [a.first_line, *a.details]:
        refs = cited_refs(line, default)
        out += [f"no clause {r}" for r in refs if r != aspects.DOCUMENT and kb().clause(r) is None]
        refs = [r for r in refs if r == aspects.DOCUMENT or kb().clause(r) is not None]
        source = "".join(clause_text(r) for r in refs)
        flat = source.replace(" ", "")
        out += [f"“{q}” is not in {refs}" for q in outer_quotes(line) if q.replace(" ", "") not in flat]
        found = figures(source)
        out += [f"{f} in “{line}” is not in {refs}" for f in figures(line) if f not in found]
    return out


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_answer_agrees_with_the_text(case):
    ref, aspect, question = case
    assert problems(aspects.answer(kb(), ref, aspect, text=question)) == []


def test_the_checker_catches_invented_figures_quotes_and_citations():
    good = aspects.answer(kb(), "三、2", "duration")
    assert problems(good) == []
    bad = dataclasses.replace(good, first_line=good.first_line.replace("前三年度", "前五年度"))
    assert any("DURATION" in p for p in problems(bad))
    bad = dataclasses.replace(good, first_line=good.first_line.replace("30%", "40%"))
    assert any("PERCENT" in p for p in problems(bad))
    bad = dataclasses.replace(good, details=["须“符合条件的新机构”（《办法》三、2）。"])
    assert any("符合条件的新机构" in p for p in problems(bad))
    bad = dataclasses.replace(good, details=["见《办法》三、10。"])
    assert any("no clause 三、10" in p for p in problems(bad))
    bad = dataclasses.replace(good, first_line="租金补贴给予前三年度。")
    assert any("first line lacks" in p for p in problems(bad))
    amount = aspects.answer(kb(), "三、1", "amount")
    bad = dataclasses.replace(amount, first_line=amount.first_line.replace("500万元", "800万元"))
    assert any("MONEY" in p or "RANGE" in p for p in problems(bad))


@pytest.mark.parametrize("case", [c for c in CASES if aspects.silence(kb(), c[0], c[1])], ids=_ids)
def test_what_an_answer_says_the_text_leaves_open_is_open(case):
    ref, aspect, question = case
    s = aspects.silence(kb(), ref, aspect)
    for r in s.refs:
        for term in s.terms:
            assert term not in kb().clause(r).text_norm, f"{ref} {aspect}: “{term}” is in 《办法》{r}"
    a = aspects.answer(kb(), ref, aspect, text=question)
    assert a.silent
    assert AUTHORITY in a.text and "《办法》五（一）" in a.text


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_deferring_answers_name_the_authority(case):
    a = aspects.answer(kb(), *case[:2], text=case[2])
    if any(w in a.text for w in DEFERS) and a.aspect != "text":
        assert AUTHORITY in a.text and "《办法》五（一）" in a.text, a.text


def test_the_silence_check_can_fail():
    """A clause that did state a term would break the claim (the check reads the text, not the answer)."""
    s = aspects.silence(kb(), "三、3", "duration")
    assert s is not None and "每年" in s.terms and s.refs == ("三、3",)
    assert "每年" in kb().clause("三、2").text_norm  # the same claim about 三、2 would be false


def test_nested_quotes_are_read_whole():
    assert outer_quotes("支持“入驻“上海·嘉定人才港”的机构”") == ["入驻“上海·嘉定人才港”的机构"]


PREMISE_QUESTIONS = [
    ("落户奖励固定100万吗", None),
    ("落户奖励1000万吧", None),
    ("落户奖励50万—500万元吗", None),
    ("租金补贴是50%吧", None),
    ("租金补贴是30%吗", None),
    ("租金补贴给五年", None),
    ("租金补贴给5年吗", None),
    ("租金补贴是一次性的吗", None),
    ("区级荣誉也能拿吧", None),
    ("市级荣誉可以吧", None),
    ("活动补贴给50%", None),
    ("活动补贴给20%吗", None),
    ("肯定能拿满30万吧", "三、5"),
    ("实训基地补贴10万吗", None),
    ("人才推荐补贴给3年吗", None),
    ("外资机构不能申请吧", "三、2"),
    ("只有总部才能拿落户奖励吧", None),
    ("落户奖励不用认定吧", None),
    ("荣誉奖励每年都有吧", None),
    ("没入驻人才港也能拿租金补贴吧", None),
    ("推荐一个人给1万吗", "三、3"),
]


@pytest.mark.parametrize("question, ref", PREMISE_QUESTIONS)
def test_premise_lines_agree_with_the_text(question, ref):
    corrections = check_premises(kb(), question, ref)
    assert corrections, question
    for c in corrections:
        default = _ref_of_citation(c.citation)
        assert c.citation in c.line
        for line in [c.line, *c.details]:
            refs = cited_refs(line, default)
            source = "".join(clause_text(r) for r in refs).replace(" ", "")
            for q in outer_quotes(line):
                assert q.replace(" ", "") in source, f"“{q}” is not in {refs}"
            stated = figures(c.stated) if c.verdict != "right" else set()
            found = figures("".join(clause_text(r) for r in refs))
            for f in figures(line) - stated:
                assert f in found, f"{f} in “{line}” is not in {refs}"
