"""Ranked keyword search over the clauses: jieba segmentation with the policy dictionary, BM25 scoring."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import jieba

from .jieba_setup import load_policy_dictionary
from .text import to_simplified

_STOP = set(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "是",
        "在",
        "对",
        "为",
        "给予",
        "有",
        "我",
        "我们",
        "你",
        "吗",
        "呢",
        "啊",
        "什么",
        "怎么",
        "哪些",
        "多少",
        "一下",
        "请问",
        "可以",
        "能",
        "这个",
        "那个",
        "相关",
        "关于",
        "办法",
        "本办法",
    ]
)
_PUNCT = re.compile(r"^[\W_]+$")


def tokens(text: str) -> list[str]:
    load_policy_dictionary()
    out = []
    for t in jieba.cut_for_search(text):
        t = t.strip().lower()
        if t and t not in _STOP and not _PUNCT.match(t):
            out.append(t)
    return out


@dataclass(frozen=True)
class Doc:
    ref: str
    title: str
    text: str  # normalised clause text
    short_title: str = "《办法》"  # a supplementary document's clauses are cited with its own name

    @property
    def citation(self) -> str:
        return f"{self.short_title}{self.ref}"


@dataclass(frozen=True)
class Hit:
    ref: str
    citation: str
    title: str
    snippet: str
    score: float


class SearchIndex:
    """BM25 (k1=1.5, b=0.75) over clause title + text; an exact phrase match is a strong bonus."""

    def __init__(self, docs: Sequence[Doc], k1: float = 1.5, b: float = 0.75):
        self.docs = list(docs)
        self.k1, self.b = k1, b
        self.tf: list[Counter[str]] = [Counter(tokens(d.title + "。" + d.text)) for d in self.docs]
        self.len = [sum(tf.values()) for tf in self.tf]
        self.avg = (sum(self.len) / len(self.len)) if self.len else 1.0
        df: Counter[str] = Counter()
        for tf in self.tf:
            df.update(tf.keys())
        n = len(self.docs)
        self.idf: dict[str, float] = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def search(self, query: str, limit: int = 5) -> list[Hit]:
        q = to_simplified(query.strip())
        qt = list(dict.fromkeys(tokens(q)))
        if not qt:
            return []
        phrase = re.sub(r"\s+", "", q)
        hits = []
        for d, tf, ln in zip(self.docs, self.tf, self.len, strict=False):
            score = 0.0
            for t in qt:
                f = tf.get(t, 0)
                if f:
                    score += self.idf[t] * f * (self.k1 + 1) / (f + self.k1 * (1 - self.b + self.b * ln / self.avg))
            if len(phrase) >= 2 and phrase in (d.title + d.text):
                score += 5.0
            if score > 0:
                hits.append(Hit(d.ref, d.citation, d.title, snippet(d.text, [phrase] + qt), round(score, 3)))
        hits.sort(key=lambda h: -h.score)
        return hits[:limit]


def snippet(text: str, terms: Iterable[str], width: int = 60) -> str:
    """A window of ``text`` around the first term found, with … where cut."""
    pos = -1
    term = ""
    for t in terms:
        pos = text.find(t)
        if pos >= 0:
            term = t
            break
    if pos < 0:
        return text[:width] + ("…" if len(text) > width else "")
    start = max(0, pos - width // 3)
    end = min(len(text), start + width + len(term))
    return ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")
