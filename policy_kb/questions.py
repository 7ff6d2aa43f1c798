"""Several questions in one message: split them, then plan which (clause, aspect) each one asks.

"引才补贴给多少？荣誉奖励呢？" → ["引才补贴给多少", "荣誉奖励呢"] → [("三、3", "amount", …), ("三、5", "amount", …)]:
a part that names no clause takes the previous part's (or the conversation's) topic, a part that asks no aspect
the previous part's aspect; a first part that asks none gets "summary". Words live in data/aspects.yaml.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .aspects import SUMMARY, detect_aspects, detect_topics, lexicon, primary_aspects
from .text import to_simplified

if TYPE_CHECKING:
    from .kb import PolicyKB

PlanItem = tuple[str | None, str, str]  # (ref or None when no topic is known, aspect, the part's text)

_HARD = "？?。；;！!\n"
_SOFT = "，,"


def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = lexicon()["questions"]
    return spec


def is_question(text: str) -> bool:
    """Does this piece ask something (a question word, a question mark, or a request such as 发我原文)?"""
    s = to_simplified(text)
    spec = _spec()
    return bool(re.search(r"[？?]", s)) or any(w in s for w in spec["question_words"] + spec["request_words"])


def is_guess(text: str) -> bool:
    """A closing 吧 is the only question word: "差不多一百二十万吧", "大概2023年吧" give a figure with a guess, they
    do not ask (a question mark or another question word still makes it a question: "是120万吧？")."""
    s = to_simplified(text).rstrip(" 。.!！~～")
    return s.endswith("吧") and not is_question(s[:-1])


def _pieces(text: str) -> list[tuple[int, int]]:
    """Spans between delimiters. A hard stop (？。；) stays with its piece; a connector (另外, 还有, 以及 …) opens
    the next piece, unless it opens a sentence ("还有什么补贴")."""
    conn = "|".join(re.escape(c) for c in sorted(_spec()["connectors"], key=len, reverse=True))
    rx = re.compile(rf"[{re.escape(_HARD)}]+|[{_SOFT}]+|(?:{conn})")
    out: list[tuple[int, int]] = []
    pos = 0
    for m in rx.finditer(text):
        is_conn = m.group(0)[0] not in _HARD + _SOFT
        if is_conn and not text[pos : m.start()].strip(_HARD + _SOFT + " "):
            continue
        out.append((pos, m.end() if m.group(0)[0] in _HARD else m.start()))
        pos = m.start() if is_conn else m.end()
    out.append((pos, len(text)))
    return [(b, e) for b, e in out if text[b:e].strip(_HARD + _SOFT + " ")]


def split_questions(text: str) -> list[str]:
    """The questions in ``text``, at most ``max_parts`` (the rest joins the last); context joins its question."""
    text = text or ""
    groups: list[list[int]] = []  # [start, end] spans in the original text
    pending: int | None = None  # start of a non-question piece waiting for its question
    for b, e in _pieces(text):
        start = b if pending is None else pending
        if not is_question(text[b:e]):
            pending = start
            continue
        pending = None
        groups.append([start, e])
    if pending is not None:
        if groups:
            groups[-1][1] = len(text)
        else:
            groups.append([pending, len(text)])
    limit = _spec()["max_parts"]
    if len(groups) > limit:
        groups = groups[: limit - 1] + [[groups[limit - 1][0], groups[-1][1]]]
    return [_clean(text[b:e], opens=(b == groups[0][0])) for b, e in groups]


def _clean(part: str, opens: bool = False) -> str:
    """Strip stops and, unless the part opens the message ("还有什么补贴"), the connector that began it."""
    part = part.strip(_HARD + _SOFT + " ")
    if opens:
        return part
    for c in sorted(_spec()["connectors"], key=len, reverse=True):
        if part.startswith(c) and len(part) > len(c):
            return part[len(c) :].strip(_SOFT + " ")
    return part


def plan(kb: PolicyKB, text: str, topic: str | None = None) -> list[PlanItem]:
    """(ref, aspect, part) for each question; ref None when neither the text nor ``topic`` names a clause."""
    items: list[PlanItem] = []
    topics: list[str] = [topic] if topic else []
    aspects: list[str] = []
    for part in split_questions(text):
        found = detect_topics(part, kb.document)
        asked = primary_aspects(detect_aspects(part))
        topics = found or topics
        aspects = asked or aspects or [SUMMARY]
        for item in _items(part, topics, aspects):
            if item[:2] not in [i[:2] for i in items]:
                items.append(item)
    return items[: _spec()["max_items"]]


def _items(part: str, topics: list[str], aspects: list[str]) -> list[PlanItem]:
    """One item per topic × aspect; combine is one question however many measures it names."""
    out: list[PlanItem] = []
    for aspect in aspects:
        refs: list[str | None] = list(topics) or [lexicon()["default_topic"].get(aspect)]
        if aspect == "combine":
            refs = refs[:1]
        out += [(ref, aspect, part) for ref in refs]
    return out
