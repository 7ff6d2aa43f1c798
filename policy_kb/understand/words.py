"""Facts said in words: categories, 500强, establishment, levels, yes/no facts, counts, the name."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..numerals import parse_neighbours, parse_number
from ..rules import vocabulary
from .lexicon import (
    _RUN,
    APPROX_AFTER,
    APPROX_BEFORE,
    BASE_NO,
    BASE_YES,
    COUNT_CONTEXT,
    COUNT_NONE,
    COUNT_RE,
    EVENT_NONE,
    LEVEL_NONE,
    NAME_RE,
    NOT_COUNT_CONTEXT,
    NOT_ENTERED,
    PORT_NO,
    PORT_YES,
    POSSESS,
    QUESTION_TAIL,
    RANK_NONE,
    THEN,
    VAGUE_COUNT,
    _level_kind,
    _segment,
)
from .money import _NEAR_VAGUE, _step
from .values import LEVEL_FACTS, NEGATION, VALUE, Fact, Range, Understanding


# --------------------------------------------------------------------------------------------------- words
@lru_cache(maxsize=1)
def _vocab() -> list[tuple[str, re.Pattern[str], str, str]]:
    voc = vocabulary()
    out: list[tuple[str, str, str]] = []
    for canon, spec in voc["categories"].items():
        for a in [canon] + spec.get("aliases", []):
            out.append((a, "category", canon))
    other = voc["other_hr_service"]
    for a in other["aliases"]:
        if a not in ("人力资源服务", "人力资源服务机构"):  # the policy's own words for every applicant
            out.append((a, "category", other["canonical"]))
    for a in voc["not_listed_examples"]:
        out.append((a, "category", a))
    for canon, spec in voc["rank_500"].items():
        for a in spec["aliases"]:
            if re.search(r"[\u4e00-\u9fff]", a) and canon != "none":
                out.append((a, "rank_500", canon))
    for canon, spec in voc["establishments"].items():
        for a in spec["aliases"]:
            out.append((a, "establishment", canon))
    out = [x for x in out if x[0] not in NOT_CATEGORY_WORDS] + list(EXTRA_WORDS)
    out.sort(key=lambda x: -len(x[0]))
    return [(a, re.compile(re.escape(a), re.IGNORECASE), fact, canon) for a, fact, canon in out]


def _levels() -> list[tuple[str, str]]:
    out = []
    for canon, spec in vocabulary()["honour_levels"].items():
        if isinstance(spec, dict):
            out += [(a, canon) for a in spec["aliases"]]
    return sorted(out, key=lambda x: -len(x[0]))


WORD_NEGATED = re.compile(r"(不是|并非|不属于|不算|不做|非|不)(一家|一个|做|搞)?\s*$")
ALTERNATIVE = re.compile(r"还是|或者|或是|或")
SELF = re.compile(r"我们|我司|我公司|本公司|咱们|我单位|我方|本单位|我这边|我们这边|这边|我是")
QUESTION = re.compile(r"什么|怎么|如何|哪些|哪个|哪种|吗|么|[?？]|是否|指的是|定义|要求|条件|标准|可以申请|能申请")
EXTRA_WORDS = [
    ("财富500强", "rank_500", "global"),
    ("财富五百强", "rank_500", "global"),
    ("全球五百强", "rank_500", "global"),
    ("国内五百强", "rank_500", "china"),
]
NOT_CATEGORY_WORDS = {"展会"}  # holding an exhibition is an event (event_cost), not the 会展经济 business


def _read_words(u: Understanding, s: str, asked: str | None) -> None:
    taken = [False] * len(s)
    none = RANK_NONE.search(s)
    if none:
        for i in range(none.start(), none.end()):
            taken[i] = True
    found: dict[str, list[tuple[re.Match[str], str]]] = {}
    for alias, pattern, fact, canon in _vocab():
        for mm in pattern.finditer(s):
            if any(taken[mm.start() : mm.end()]):
                continue
            if alias == "招聘" and s[mm.end() : mm.end() + 1] == "会":
                continue
            for i in range(mm.start(), mm.end()):
                taken[i] = True
            seg_start, seg_end = _segment(s, mm.start())
            seg = s[seg_start:seg_end]
            if WORD_NEGATED.search(s[seg_start : mm.start()]):
                continue  # 我们不是猎头公司: what it is not
            if fact == "category" and re.match(r"\s*(实训)?基地", s[mm.end() :]):
                continue  # 人才培养实训基地 names the base
            if asked != fact and QUESTION.search(seg) and not SELF.search(s):
                continue  # 高端猎头的定义是什么: a question about the word
            found.setdefault(fact, []).append((mm, canon))
    for fact, hits in found.items():
        canons = {c for _, c in hits}
        if len(canons) > 1:
            between = s[min(m.start() for m, _ in hits) : max(m.end() for m, _ in hits)]
            if ALTERNATIVE.search(between):
                continue  # 总部还是分支机构: undecided
            # 总公司在北京，这边是分公司: a word followed by 在 <place> is another entity
            kept = [(m, c) for m, c in hits if not re.match(r"\s*(在|位于|设在)", s[m.end() :])]
            hits = kept or hits
        mm, canon = hits[0]
        u.add(Fact(fact, canon, VALUE, mm.start(), mm.end(), mm.group()))
    if none and u.fact("rank_500") is None:
        u.add(Fact("rank_500", "none", NEGATION, none.start(), none.end(), none.group()))
    if re.search(r"500强|五百强", s) and u.fact("rank_500") is None and asked == "rank_500":
        u.problem("rank_500", "need_rank")
    _read_levels(u, s, asked)


def _read_levels(u: Understanding, s: str, asked: str | None) -> None:
    for fact, pattern in LEVEL_NONE.items():
        m = pattern.search(s)
        if m:
            u.add(Fact(fact, "无", NEGATION, m.start(), m.end(), m.group()))
    for alias, canon in _levels():
        for m in re.finditer(re.escape(alias), s):
            seg_start, seg_end = _segment(s, m.start())
            seg = s[seg_start:seg_end]
            if alias in ("国家", "市里", "区里") and not re.search(r"荣誉|嘉奖|表彰|资质|认定|示范|称号|颁发|级", seg):
                continue
            kind = _level_kind(seg)
            if kind:
                fact = kind + "_level"
            elif asked in LEVEL_FACTS:
                fact = asked
            else:
                continue
            stated = POSSESS.search(seg) or asked in LEVEL_FACTS or (POSSESS.search(s) and not QUESTION.search(s))
            if not stated or (QUESTION_TAIL.search(seg) and not re.search(r"我们|我司|我公司|本公司|拿了|获得了", seg)):
                continue
            u.add(Fact(fact, canon, VALUE, m.start(), m.end(), m.group()))


def _read_booleans(u: Understanding, s: str) -> None:
    m = PORT_NO.search(s)
    if m and NOT_ENTERED.fullmatch(m.group()) and THEN.search(s[slice(*_segment(s, m.start()))]):
        m = None  # "去年没入驻": about that time, not now
    if m:
        u.add(Fact("in_talent_port", False, NEGATION, m.start(), m.end(), m.group()))
    else:
        m = PORT_YES.search(s)
        if m:
            u.add(Fact("in_talent_port", True, VALUE, m.start(), m.end(), m.group()))
    m = BASE_NO.search(s)
    if m:
        u.add(Fact("training_base", False, NEGATION, m.start(), m.end(), m.group()))
    else:
        m = BASE_YES.search(s)
        if m:
            u.add(Fact("training_base", True, VALUE, m.start(), m.end(), m.group()))
    m = EVENT_NONE.search(s)
    if m and u.fact("event_cost") is None:
        u.add(Fact("event_cost", Range(0, 0), NEGATION, m.start(), m.end(), m.group()))


def _count_value(n_text: str, many: str | None) -> Range | None:
    n = parse_number(n_text)
    if n is None:
        pair = parse_neighbours(n_text)  # 五六个
        if pair is None or any(v != v.to_integral_value() for v in pair):
            return None
        return Range(int(pair[0]), int(pair[1]))
    if n != n.to_integral_value() or n > 100_000 or n < 0:
        return None
    lo = int(n)
    # 十多个 / 十几个: more than ten, an interval; 十来个: about ten (as 六十来万 is about 60万), said back with 约
    return Range(lo, lo + int(_step(n_text)) if many in ("多", "几") else lo)


def _read_count(u: Understanding, s: str, asked: str | None, known: dict[str, Any], contrast: bool) -> None:
    correcting = "talent_recommendations" in known and (u.correction or contrast)
    if asked != "talent_recommendations" and not COUNT_CONTEXT.search(s) and not correcting:
        return
    if NOT_COUNT_CONTEXT.search(s):
        return
    m = COUNT_NONE.search(s)
    if m:
        u.add(Fact("talent_recommendations", Range(0, 0), NEGATION, m.start(), m.end(), m.group()))
        return
    for m in COUNT_RE.finditer(s):
        if _NEAR_VAGUE.search(s[max(0, m.start() - 2) : m.start()]):
            continue
        rng = _count_value(m.group("n"), m.group("many"))
        if rng is None:
            continue
        approx = _approx_at(s, m) or m.group("many") == "来"
        u.add(Fact("talent_recommendations", rng, VALUE, m.start(), m.end(), m.group(), approx))
        return
    if asked == "talent_recommendations":
        bare = re.fullmatch(
            rf"\s*(?:有\s*)?(?P<ap>大概|大约|约|差不多|将近|接近|估计)?\s*(?P<n>{_RUN})(?P<many>多|几|来)?\s*"
            rf"(个|名|位|人)?\s*(?P<aa>吧|左右|上下|的样子)?\s*",
            s,
        )
        rng = _count_value(bare.group("n"), bare.group("many")) if bare else None
        if bare and rng is not None:
            approx = bool(bare.group("ap") or bare.group("aa")) or bare.group("many") == "来"
            u.add(Fact("talent_recommendations", rng, VALUE, 0, len(s), s, approx))
    if (
        u.fact("talent_recommendations") is None
        and (vague := VAGUE_COUNT.search(s))
        and (asked == "talent_recommendations" or COUNT_CONTEXT.search(s))
    ):
        u.problem("talent_recommendations", "vague", vague.group())


def _approx_at(s: str, m: re.Match[str]) -> bool:
    return bool(
        APPROX_BEFORE.search(s[max(0, m.start() - 6) : m.start()]) or APPROX_AFTER.match(s[m.end() : m.end() + 4])
    )


def _read_name(u: Understanding, s: str) -> None:
    m = NAME_RE.search(s)
    if m:
        u.add(Fact("name", m.group("n"), VALUE, m.start("n"), m.end("n"), m.group("n")))
