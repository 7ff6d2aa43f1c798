"""Aspects: what a question asks about a clause (amount, cap, duration, levels, …) and the answer to exactly that.

``detect_aspects`` and ``detect_topics`` read a question (Simplified or Traditional Chinese); ``answer`` answers
one aspect of one clause from the rules (data/measures.yaml) and the clause text, the direct answer with its
citation on the first line. All wording and all trigger words live in data/aspects.yaml.

Refs are the document's clause refs (三、2, 四（一）, 五, 序言 …) plus ``"文件"`` for the document itself.

Button payloads are plain strings in Rasa's ``/intent{json}`` form (JSON without spaces, Chinese unescaped):

    /ask_followup{"aspect":"conditions","topic":"三、3"}     完整条件 — the conditions of the clause
    /ask_followup{"aspect":"text","topic":"三、3"}           原文 — the clause text
    /start_eligibility_check{"topic":"三、3"}               看看我们能否申请 — the self-check (no topic for 文件/三)

The intent names are ``buttons.followup_intent`` / ``buttons.check_intent`` in data/aspects.yaml.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import cn2an
import yaml

from .citations import resolve_all
from .rules import DATA_DIR, Measure, messages, wan, wan_range
from .text import Document, to_simplified

if TYPE_CHECKING:
    from .kb import PolicyKB

DOCUMENT = "文件"
SUMMARY = "summary"


@lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    """data/aspects.yaml, parsed (cached)."""
    with open(DATA_DIR / "aspects.yaml", encoding="utf-8") as f:
        data: dict[str, Any] = yaml.safe_load(f)
    return data


def aspect_ids() -> list[str]:
    return list(lexicon()["aspects"])


# detection ----------------------------------------------------------------------------------------------------
def find_words(text: str, table: Mapping[str, Sequence[str]]) -> list[tuple[int, int, str]]:
    """Non-overlapping matches of ``table``'s words, longest first, then leftmost; returned in text order."""
    hits = [
        (m.start(), m.start() + len(w), k)
        for k, ws in table.items()
        for w in ws
        if w and w in text
        for m in re.finditer(re.escape(w), text)
    ]
    hits.sort(key=lambda h: (-(h[1] - h[0]), h[0]))
    taken: list[tuple[int, int, str]] = []
    for h in hits:
        if not any(h[0] < e and b < h[1] for b, e, _ in taken):
            taken.append(h)
    return sorted(taken)


def _ordered_unique(hits: Sequence[tuple[int, int, str]]) -> list[str]:
    return list(dict.fromkeys(k for _, _, k in sorted(hits)))


def detect_aspects(text: str) -> list[str]:
    """Aspect ids the question asks about, in order of position, each once ("补幾年" → ["duration"])."""
    s = to_simplified(text or "")
    table: dict[str, list[str]] = {}
    for aid, spec in lexicon()["aspects"].items():
        table[aid] = list(spec.get("triggers") or [])
        if any(w in s for w in spec.get("context_requires") or []):
            table[aid] += spec.get("context_triggers") or []
    return _ordered_unique(find_words(s, table))


def primary_aspects(aspects: Sequence[str]) -> list[str]:
    """Drop the aspects another one in the same question covers ("最多给多少": cap, not also amount)."""
    covered = {b for a in aspects for b in lexicon()["subsumes"].get(a, [])}
    return [a for a in aspects if a not in covered]


def detect_topics(text: str, doc: Document | None = None) -> list[str]:
    """Clauses the question names, by words or by citation, in order; general ones dropped beside specific."""
    s = to_simplified(text or "")
    cited = [(r.start, r.start + len(r.matched), r.ref) for r in resolve_all(text or "", doc) if r.ok and r.ref]
    words = [h for h in find_words(s, lexicon()["topics"]) if not any(h[0] < e and b < h[1] for b, e, _ in cited)]
    topics = _ordered_unique(words + cited)
    rank = lexicon()["topic_rank"]
    best = max((rank.get(t, 2) for t in topics), default=0)
    return [t for t in topics if rank.get(t, 2) == best]


# answers ------------------------------------------------------------------------------------------------------
@dataclass
class Answer:
    ref: str  # the clause asked about ("三、3", "四（一）", "文件")
    aspect: str  # an aspect id, or "summary"
    first_line: str  # the direct answer, with its citation
    details: list[str] = field(default_factory=list)  # at most three short lines
    citation: str = ""  # "《办法》三、3" (the document number for 文件)
    buttons: list[dict[str, str]] = field(default_factory=list)  # [{"title": …, "payload": …}]
    silent: bool = False  # the text does not settle this: the answer says so and defers to the 实施细则

    @property
    def text(self) -> str:
        return "\n".join([self.first_line, *self.details])

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "aspect": self.aspect,
            "first_line": self.first_line,
            "details": self.details,
            "citation": self.citation,
            "buttons": self.buttons,
            "silent": self.silent,
        }


def answer(kb: PolicyKB, ref: str, aspect: str, text: str | None = None) -> Answer:
    """Answer ``aspect`` of clause ``ref`` (``text``: the question, for answers that use its words)."""
    _check(kb, ref, aspect)
    measure = kb.rules.measure(ref)
    if measure is not None and measure.stale and aspect != "text":
        return _updating_answer(kb, measure, aspect)
    try:
        if aspect == "text":
            return _text_answer(kb, ref)
        entry, eref = lookup(ref, aspect)
        ctx = context(kb, eref, aspect, text)
        first = _variant(entry, text) or entry["first"]
        cite = entry.get("cite", eref)
        head = render(first, ctx)  # a first line with a stale figure: the new clause answer (below)
        # a detail line with another measure's stale figure says that measure is being updated; the rest stay
        details = [_render_or_updating(kb, d, ctx) for d in entry.get("details", [])]
        return Answer(
            ref, aspect, head, details, _citation(kb, cite), buttons(kb, ref, aspect), bool(entry.get("silent"))
        )
    except StaleFigure as e:  # the answer would state a figure of a stale rule: the new clause instead
        stale = kb.rules.measure(e.ref)
        if stale is not None:
            return _updating_answer(kb, stale, aspect)
        if e.ref == kb.rules.support_ref:
            return _updating_support_answer(kb, aspect)
        raise


def _render_or_updating(kb: PolicyKB, template: str, ctx: Mapping[str, Any]) -> str:
    try:
        return render(template, ctx)
    except StaleFigure as e:
        m = kb.rules.measure(e.ref)
        if m is None:
            raise
        return str(
            messages()["versions"]["updating_line"].format(
                citation=m.citation, title=m.title, version=m.benefit["version"]
            )
        )


class StaleFigure(KeyError):
    """A template asked for a figure of a measure whose rule is stale (it has none to give)."""

    def __init__(self, ref: str):
        super().__init__(ref)
        self.ref = ref


class _StaleValues(dict[str, Any]):
    """A stale measure's template values: its names and quotes; asking for a figure raises StaleFigure."""

    def __init__(self, ref: str, values: dict[str, Any]):
        super().__init__(values)
        self.ref = ref

    def __missing__(self, key: str) -> Any:
        raise StaleFigure(self.ref)


def _updating_answer(kb: PolicyKB, m: Measure, aspect: str) -> Answer:
    """A measure whose rule is stale for the text in force: the new clause verbatim, no figure (policy_kb.versions)."""
    t = messages()["versions"]
    first = t["updating_first"].format(citation=m.citation, version=m.benefit["version"])
    details = [
        t["updating_clause"].format(text=m.benefit["clause_text"], citation=m.citation),
        messages()["next_steps"][0],
    ]
    return Answer(m.id, aspect, first, details, m.citation, [])


def _updating_support_answer(kb: PolicyKB, aspect: str) -> Answer:
    """The support objects (二) changed in the text in force and their rule is stale: 二 verbatim, no condition."""
    t, ref = messages()["versions"], kb.rules.support_ref
    citation = f"《办法》{ref}"
    clause = kb.document.clause(ref)
    text = "".join(c.text_norm for c in [clause, *kb.document.items_of(ref)] if c is not None)
    first = t["updating_first"].format(citation=citation, version=kb.version.label)
    return Answer(ref, aspect, first, [t["updating_clause"].format(text=text, citation=citation)], citation, [])


def _check(kb: PolicyKB, ref: str, aspect: str) -> None:
    if aspect not in lexicon()["aspects"]:
        raise KeyError(f"unknown aspect {aspect!r}; known: {', '.join(aspect_ids())}")
    if ref != DOCUMENT and kb.document.clause(ref) is None:
        raise KeyError(f"unknown clause {ref!r}")


def _parent(ref: str) -> str | None:
    """The part whose entries an item falls back on (二、1 → 二, 四（一） → 四); never 三 for a measure."""
    m = re.match(r"^([一二三四五六七八九十])[、（]", ref)
    return m.group(1) if m and m.group(1) != "三" else None


def lookup(ref: str, aspect: str, _depth: int = 0) -> tuple[dict[str, Any], str]:
    """The answer entry for (ref, aspect) and the ref whose values fill it (after ``same_as``)."""
    answers = lexicon()["answers"]
    chain = [ref] if aspect == SUMMARY and ref in answers else [ref, _parent(ref)]
    for r in [c for c in chain if c]:
        e = answers.get(r, {})
        if aspect in e:
            return _follow(e[aspect], r, aspect, _depth)
        if "*" in e and aspect not in e["*"].get("except", []):
            return _follow(e["*"], r, aspect, _depth)
        if aspect == SUMMARY:
            break
    generic = lexicon()["generic"]
    return generic.get(aspect, generic["not_specified"]), ref


def _follow(entry: dict[str, Any], ref: str, aspect: str, depth: int) -> tuple[dict[str, Any], str]:
    target = entry.get("same_as")
    if target is None:
        return entry, ref
    if depth > 4:
        raise ValueError(f"same_as loop at {ref} {aspect}")
    r, a = (ref, target) if isinstance(target, str) else (target[0], target[1])
    if a == "*":
        star = lexicon()["answers"][r]["*"]
        return (star, r) if aspect not in star.get("except", []) else lookup(r, aspect, depth + 1)
    return lookup(r, a, depth + 1)


def _variant(entry: dict[str, Any], text: str | None) -> str | None:
    """The first line of the first variant whose `when` words are in the question and `unless` words are not."""
    if not text:
        return None
    s = to_simplified(text)
    for v in entry.get("variants") or []:
        if any(w in s for w in v["when"]) and not any(w in s for w in v.get("unless") or []):
            first: str = v["first"]
            return first
    return None


def render(template: str, ctx: Mapping[str, Any]) -> str:
    """Fill a template; a missing value is an error (KeyError), never an empty string."""
    return template.format_map(ctx)


def _citation(kb: PolicyKB, ref: str) -> str:
    return kb.document.doc_number if ref == DOCUMENT else f"《办法》{ref}"


def _body(kb: PolicyKB, ref: str) -> str:
    c = kb.document.clause(ref)
    return c.text_norm.rstrip("。；;") if c else ""


# values for the templates ---------------------------------------------------------------------------------------
def measure_values(m: Measure) -> dict[str, Any]:
    """A measure's figures as people read them, from its benefit and conditions (never typed in twice)."""
    b = m.benefit
    pending = [c.texts["pending"] for c in m.conditions if c.kind == "authority" and "pending" in c.texts]
    v: dict[str, Any] = {
        "title": m.title,
        "summary": m.summary,
        "quote": b.get("quote", ""),
        "not_applicable": m.not_applicable,
        "cond": {c.id: c.quote for c in m.conditions},
        "pending": lexicon()["joiners"]["clauses"].join(pending),
    }
    if m.stale:  # no figure, no quote: a template that needs one raises StaleFigure (answered with the new clause)
        keep = {k: v[k] for k in ("title", "summary", "not_applicable")}
        return _StaleValues(m.id, {**keep, "cond": _StaleValues(m.id, {})})
    if "min" in b:
        v.update(range=wan_range(b["min"], b["max"]), min=wan(b["min"]), max=wan(b["max"]))
    pct = b.get("percent", b.get("max_percent"))
    if pct is not None:
        v["percent"] = f"{pct:g}%"
    if "years" in b:
        v["years"] = cn2an.an2cn(b["years"])
    return v


def _date(d: date) -> str:
    return render(lexicon()["date"], {"y": d.year, "m": d.month, "d": d.day})


def _document_values(kb: PolicyKB) -> dict[str, Any]:
    lex, doc = lexicon(), kb.document
    j = lex["joiners"]
    return {
        "authority": messages()["authority"],
        "authority_short": messages()["authority_short"],
        "implementer": doc.implementer,
        "interpreter": doc.interpreter,
        "doc_title": doc.title,
        "doc_number": doc.doc_number,
        "issuer": doc.issuer,
        "issued_on": _date(doc.issued_on),
        "effective_on": _date(doc.effective_on),
        "procedure_statement": kb.silence("procedure"),  # unless the version in force says otherwise
        "validity_statement": kb.silence("validity"),
        "so": _StaleValues(kb.rules.support_ref, {})
        if kb.rules.support_ref in kb.stale
        else {c.id: c.quote for c in kb.rules.support_conditions},
        "m": {m.id: measure_values(m) for m in kb.rules.measures},
        "clause": {c.ref: _body(kb, c.ref) for c in doc.clauses},
        "measure_list": j["list"].join(
            render(lex["measure_item"], {"title": m.title, "ref": m.id}) for m in kb.rules.measures
        ),
        "parts_list": j["clauses"].join(
            render(lex["part_item"], {"ref": p.ref, "heading": p.heading}) for p in doc.parts()
        ),
        "items4": j["list"].join(c.heading for c in doc.items_of("四")),
        "n_measures": len(kb.rules.measures),
        "n_parts": len(doc.parts()),
    }


def context(kb: PolicyKB, ref: str, aspect: str, text: str | None = None) -> dict[str, Any]:
    """Every value a template for (ref, aspect) may use; the `common` sentences rendered last."""
    lex = lexicon()
    ctx = _document_values(kb)
    m = kb.rules.measure(ref)
    ctx.update(
        ref=ref,
        citation=_citation(kb, ref),
        body=_body(kb, ref),
        label=lex["aspects"][aspect]["label"],
        title=lex["document_name"] if ref == DOCUMENT else kb.title(ref),
        n=len(kb.document.items_of(ref)) if ref != DOCUMENT else ctx["n_parts"],
    )
    if m is not None:
        ctx.update(measure_values(m))
    if aspect == "combine":
        ctx["names"] = _combine_names(kb, ref, text)
    for key, template in lex["common"].items():
        ctx[key] = render(template, ctx)
    return ctx


def _combine_names(kb: PolicyKB, ref: str, text: str | None) -> str:
    """The measures a combine question names: "租金补贴（《办法》三、2）与落户奖励（《办法》三、1）"."""
    lex: dict[str, str] = lexicon()["combine"]
    j: dict[str, str] = lexicon()["joiners"]
    named = [(t, m) for t in detect_topics(text or "", kb.document) if (m := kb.rules.measure(t)) is not None]
    if not named and (own := kb.rules.measure(ref)) is not None:
        named = [(ref, own)]
    names = [render(lex["name"], {"title": m.title, "citation": _citation(kb, r)}) for r, m in named]
    if not names:
        return lex["none"]
    if len(names) == 1:
        return render(lex["one"], {"name": names[0]})
    return j["list"].join(names[:-1]) + j["pair"] + names[-1]


# the text aspect and the buttons --------------------------------------------------------------------------------
def _text_answer(kb: PolicyKB, ref: str) -> Answer:
    """The clause verbatim; a part with its items (or, for 三, the list of its nine measures)."""
    lex = lexicon()
    t, ctx, doc = lex["text"], context(kb, ref, "text"), kb.document
    if ref == DOCUMENT:
        first, details = render(t["document"], ctx), [t["hint"]]
    else:
        c = doc.clause(ref)
        if c is None:
            raise KeyError(f"unknown clause {ref!r}")
        items = doc.items_of(ref) if c.kind == "part" else []
        lines = [render(t["item"], {"body": i.text_norm, "citation": i.citation}) for i in items]
        if c.text:
            first, details = render(t["clause"], {**ctx, "body": c.text_norm}), lines
        elif len(items) <= 3:
            first, details = render(t["part_head"], ctx), lines
        else:
            listing = lex["joiners"]["clauses"].join(
                render(lex["measure_item"], {"title": kb.title(i.ref), "ref": i.ref}) for i in items
            )
            first, details = render(t["part_list"], {**ctx, "list": listing}), [t["hint"]]
    return Answer(ref, "text", first, details, ctx["citation"], buttons(kb, ref, "text"))


def payload(intent: str, entities: dict[str, str] | None = None) -> str:
    """Rasa's payload syntax: /intent{"key":"value"} (no spaces, Chinese unescaped)."""
    return "/" + intent + (json.dumps(entities, ensure_ascii=False, separators=(",", ":")) if entities else "")


def buttons(kb: PolicyKB, ref: str, aspect: str) -> list[dict[str, str]]:
    """完整条件 / 原文 / 看看我们能否申请, as far as they make sense for the clause and the aspect just answered."""
    spec = lexicon()["buttons"]
    m = kb.rules.measure(ref)
    support = kb.rules.support_ref
    applies = (m is not None and m.applies_to_profile) or support in (ref, _parent(ref))
    out: list[dict[str, str]] = []
    if applies and aspect != "conditions":
        out.append(
            {
                "title": spec["conditions"],
                "payload": payload(spec["followup_intent"], {"aspect": "conditions", "topic": ref}),
            }
        )
    if ref != DOCUMENT and aspect != "text":
        out.append(
            {"title": spec["text"], "payload": payload(spec["followup_intent"], {"aspect": "text", "topic": ref})}
        )
    if applies:
        out.append({"title": spec["check"], "payload": payload(spec["check_intent"], {"topic": ref})})
    elif ref in (DOCUMENT, "三"):
        out.append({"title": spec["check"], "payload": payload(spec["check_intent"])})
    return out


# what the data covers (for tests, the console and the bot) -----------------------------------------------------
@dataclass(frozen=True)
class Silence:
    """A claim that the text does not say something: none of ``terms`` may appear in the clauses ``refs``."""

    terms: tuple[str, ...]
    refs: tuple[str, ...]


def silence(kb: PolicyKB, ref: str, aspect: str) -> Silence | None:
    """The silence an answer claims, or None when it claims none."""
    if aspect == "text":
        return None
    entry, eref = lookup(ref, aspect)
    spec = entry.get("silent")
    if not spec:
        return None
    if spec == "aspect":
        spec = {"terms": lexicon()["aspects"][aspect]["silent_terms"]}
    elif isinstance(spec, list):
        spec = {"terms": spec}
    doc = kb.document
    if spec.get("scope") == "document" or eref == DOCUMENT:
        refs = [c.ref for c in doc.clauses]
    else:
        refs = [eref] + [c.ref for c in doc.items_of(eref)]
    return Silence(tuple(spec["terms"]), tuple(r for r in refs if r not in (spec.get("except") or [])))


def refs(kb: PolicyKB) -> list[str]:
    """Every ref ``answer`` accepts: the clauses in document order, then 文件."""
    return [c.ref for c in kb.document.clauses] + [DOCUMENT]


def applicable(ref: str) -> list[str]:
    """The aspects the data answers specifically for ``ref`` (its own entries or its part's), "*" excluded."""
    answers = lexicon()["answers"]
    own = [a for r in (ref, _parent(ref)) if r for a in answers.get(r, {}) if a != "*"]
    return [a for a in aspect_ids() if a in own or a == "text"]


def cases(kb: PolicyKB) -> list[tuple[str, str, str | None]]:
    """Every (ref, aspect, question) the data can answer: each ref × aspect, plus one question per variant."""
    out: list[tuple[str, str, str | None]] = []
    for ref in refs(kb):
        for aspect in aspect_ids():
            out.append((ref, aspect, None))
            entry = lookup(ref, aspect)[0] if aspect != "text" else {}
            out += [(ref, aspect, _reaching(entry, v)) for v in entry.get("variants") or []]
    return out


def _reaching(entry: dict[str, Any], variant: dict[str, Any]) -> str:
    """A question that selects ``variant`` (its own word, with an earlier variant's `unless` word if needed)."""
    when: list[str] = variant["when"]
    earlier: list[str] = [u for v in entry["variants"] for u in v.get("unless") or []]
    for q in [*when, *(w + u for w in when for u in earlier)]:
        if _variant(entry, q) == variant["first"]:
            return q
    raise ValueError(f"variant never reached: {variant['first']}")
