"""PolicyKB: the one object the bot, the CLI and the console use — clauses, citations, search, rules, engine — as of
one day. PolicyLibrary: every document's versions and the dated rules, from which a PolicyKB is made for any day.

Loaded from the database (built on first use when empty), so a deployment reads what ``build`` and ``load`` stored.
A PolicyKB as of a day holds the 《办法》 version in force that day, the rules resolved for that day, and the
supplementary documents in force; a rule whose quotes or figures are not in that text is stale and replaced by a
measure that only quotes the new clause (no amount can be computed from it).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from . import citations, clock, search
from . import engine as eligibility
from .profile import Profile
from .rules import Measure, RuleSet, clause_title, messages, parse_rules, rules_raw
from .store import build, make_engine, read
from .store import rules_hash as store_rules_hash
from .text import Clause, Document
from .versions import DEFAULT_DOCUMENT, StaleRule, Version, chain, change_dates, in_force, resolve, stale_rules


class PolicyKB:
    def __init__(
        self,
        document: Document,
        rules: RuleSet,
        rules_hash: str | None = None,
        version: Version | None = None,
        stale: Iterable[StaleRule] = (),
        supplements: Iterable[Version] = (),
        as_of: date | None = None,
    ):
        self.document = document
        self.rules = rules
        self.rules_hash = rules_hash or store_rules_hash()  # the hash the build recorded, when loaded from the store
        self.version = version or Version(DEFAULT_DOCUMENT, "《办法》", document.effective_on, document)
        self.stale = {s.ref: s for s in stale}
        self.supplements = list(supplements)
        self.as_of = as_of
        self.later: dict[str, Version] = {}  # measure id → the next version, when it changes that measure's rule
        self.titles = {c.ref: clause_title(c) for c in document.clauses}
        docs = [search.Doc(c.ref, self.titles[c.ref], c.text_norm) for c in document.clauses if c.text]
        for v in self.supplements:  # cited by their own name: the ref is the citation (《实施细则》第三条)
            docs += [search.Doc(c.citation, c.heading, c.text_norm, "") for c in v.doc.clauses if c.text]
        self.index = search.SearchIndex(docs)

    # construction -------------------------------------------------------------------------------------------
    @classmethod
    def from_source(cls) -> PolicyKB:
        from .text import load_document

        return PolicyLibrary.single(load_document(), rules_raw()).at(clock.today())

    @classmethod
    def load(cls, engine: Engine | None = None, auto_build: bool = True, on: date | None = None) -> PolicyKB:
        """The knowledge base as of ``on`` (default: today) from the store."""
        return PolicyLibrary.load(engine, auto_build).at(on or clock.today())

    # versions -----------------------------------------------------------------------------------------------
    @property
    def in_force(self) -> bool:
        """False for a day before the 《办法》 took effect (the first version is used, and answers say so)."""
        return self.as_of is None or self.version.in_force(self.as_of)

    def version_line(self) -> str:
        """ "（依据嘉府办发〔2022〕14号，2022年1月1日起施行）": the version an answer used."""
        return str(messages()["versions"]["used"].format(version=self.version.label))

    # lookups ------------------------------------------------------------------------------------------------
    def clause(self, ref: str) -> Clause | None:
        return self.document.clause(ref) or self.supplement_clause(ref)

    def supplement_clause(self, citation: str) -> Clause | None:
        """A supplementary document's clause by its citation (《实施细则》第三条, 实施细则第3条)."""
        for v in self.supplements:
            name = v.document
            if name not in citation:
                continue
            rest = citation.split(name, 1)[1].strip("》 ")
            m = re.search(r"第\s*([0-9]+|[一二三四五六七八九十百零〇]+)\s*条", rest)
            if m:
                n = m.group(1)
                ref = f"第{_cn(int(n)) if n.isdigit() else n}条"
                c = v.doc.clause(ref)
                if c is not None:
                    return c
            found = v.doc.clause(rest)
            if found is not None:
                return found
        return None

    def title(self, ref: str) -> str:
        return self.titles.get(ref, "")

    def children(self, part: str) -> list[Clause]:
        return self.document.items_of(part)

    def resolve(self, text: str) -> citations.Resolution:
        if self.supplements:
            c = self.supplement_clause(text)
            if c is not None:
                return citations.Resolution(c.citation, c, matched=text.strip(), start=0)
        return citations.resolve(text, self.document)

    def search(self, query: str, limit: int = 5) -> list[search.Hit]:
        return self.index.search(query, limit)

    def version_stamp(self) -> dict[str, str]:
        """Which text and rules an answer or a kept report was computed from: the document number, the date the
        version in force took effect and the content hashes of the text and of the rules data."""
        return {
            "doc_number": self.document.doc_number,
            "effective_on": self.version.effective_from.isoformat(),
            "source_hash": self.document.source_hash,
            "rules_hash": self.rules_hash,
        }

    def assess(self, profile: Profile, today: date, only: Iterable[str] | None = None) -> eligibility.Assessment:
        """The engine's assessment; where the next text version changes a measure, the years from the day it takes
        effect carry no amount and the measure says that the new version decides them."""
        a = eligibility.assess(profile, today, only=only, rules=self.rules)
        for r in a.results:
            later = self.later.get(r.id)
            if later is None or r.verdict in (eligibility.NOT_ELIGIBLE, eligibility.UPDATING):
                continue
            cut = later.effective_from
            if r.years and any(y.end >= cut for y in r.years):
                r.years = [replace(y, per_year=None, later=later.label) if y.end >= cut else y for y in r.years]
            money = r.money
            if money is not None and money.total is not None:  # the total runs into years the new version decides
                per_year = money.per_year_range()
                money.text = messages()["money"]["rent_known_later"].format(
                    per_year=eligibility.money_text(per_year) if per_year else "",
                    percent=f"{money.percent:g}",
                    day=messages()["versions"]["day"].format(y=cut.year, m=cut.month, d=cut.day),
                )
                money.total = money.total_max = None
            text = messages()["versions"]["later_changes_amount"].format(citation=r.citation, version=later.label)
            r.reasons.append(eligibility.Reason(eligibility.TO_VERIFY, text, r.citation, "later_version"))
            r.to_verify.append(text)
        return a


def _cn(n: int) -> str:
    import cn2an

    return str(cn2an.an2cn(n))


def _stale_measure(m: Measure, clause: Clause | None, version: Version) -> Measure:
    """A measure whose rule is stale for ``version``: it keeps its name and quotes the new clause; it has no figures
    and no conditions, so nothing can compute an amount from the superseded rule."""
    text = clause.text_norm if clause is not None else ""
    return replace(
        m,
        summary=text,  # the old summary states the old figures
        benefit={"kind": "updating", "clause_text": text, "version": version.label},
        conditions=[],
        inputs=[],
        stale=True,
    )


class PolicyLibrary:
    """Every document's versions and the (dated) rules data; ``at(day)`` is the PolicyKB of that day."""

    def __init__(self, documents: dict[str, list[Version]], rules: dict[str, Any], rules_hash: str | None = None):
        self.documents = {name: chain(vs) for name, vs in documents.items() if vs}
        if DEFAULT_DOCUMENT not in self.documents:
            raise LookupError("知识库为空，请先运行 python -m policy_kb build")
        self.raw_rules = rules
        self.rules_hash = rules_hash
        self._views: dict[tuple[str, date | None, tuple[str, ...]], PolicyKB] = {}
        self._by_day: dict[date, PolicyKB] = {}  # every call of a turn asks for today: one lookup
        self._changes = change_dates(rules)
        self._lock = threading.RLock()  # a view looks at the next version's view while it is made

    @classmethod
    def single(cls, doc: Document, rules: dict[str, Any]) -> PolicyLibrary:
        return cls({DEFAULT_DOCUMENT: [Version(DEFAULT_DOCUMENT, "《办法》", doc.effective_on, doc)]}, rules)

    @classmethod
    def load(cls, engine: Engine | None = None, auto_build: bool = True) -> PolicyLibrary:
        engine = engine or make_engine()
        if auto_build:
            build(engine)
        stored = read(engine)
        if not stored.documents.get(DEFAULT_DOCUMENT) or stored.rules is None:
            raise LookupError("知识库为空，请先运行 python -m policy_kb build")
        return cls(stored.documents, stored.rules, stored.rules_hash)

    @property
    def versions(self) -> list[Version]:
        return self.documents[DEFAULT_DOCUMENT]

    def version_at(self, on: date, document: str = DEFAULT_DOCUMENT) -> Version | None:
        return in_force(self.documents.get(document, []), on)

    def stale(self, version: Version, on: date | None = None) -> list[StaleRule]:
        return stale_rules(self.raw_rules, version, on)

    def at(self, on: date) -> PolicyKB:
        """The knowledge base as of ``on``: before the first version took effect, the first version."""
        kb = self._by_day.get(on)
        if kb is not None:
            return kb
        version = self.version_at(on) or self.versions[0]
        supplements = [v for name, vs in self.documents.items() if name != DEFAULT_DOCUMENT if (v := in_force(vs, on))]
        rule_day = next((d for d in reversed(self._changes) if d <= on), None)  # = rule_version(self.raw_rules, on)
        key = (version.key, rule_day, tuple(v.key for v in supplements))
        with self._lock:
            kb = self._views.get(key)
            if kb is None:
                kb = self._make(version, max(on, version.effective_from), supplements)
                self._views[key] = kb
            out = kb if kb.as_of == on else _dated(kb, on)
            if len(self._by_day) > 1000:
                self._by_day.clear()
            self._by_day[on] = out
        return out

    def _make(self, version: Version, on: date, supplements: list[Version]) -> PolicyKB:
        stale = stale_rules(self.raw_rules, version, on)
        refs = {s.ref for s in stale}
        rules = parse_rules(resolve(self.raw_rules, on))
        everything = rules.support_ref in refs  # the support objects changed: no measure is computed
        measures = [
            _stale_measure(m, version.doc.clause(m.id), version) if everything or m.id in refs else m
            for m in rules.measures
        ]
        rules = RuleSet(rules.support_ref, rules.support_conditions, measures)
        kb = PolicyKB(version.doc, rules, self.rules_hash, version, stale, supplements, on)
        later = next((v for v in self.versions if v.effective_from > version.effective_from), None)
        if later is not None:
            after = self.at(later.effective_from).rules
            kb.later = {m.id: later for m in rules.measures if after.measure(m.id) != m}
        return kb

    def check(self) -> list[StaleRule]:
        """Every 《办法》 version against the rules as of its first day."""
        return [s for v in self.versions for s in stale_rules(self.raw_rules, v)]


def _dated(kb: PolicyKB, on: date) -> PolicyKB:
    """The same view with another as-of day (the rules and text are the same between change dates)."""
    out = object.__new__(PolicyKB)
    out.__dict__.update(kb.__dict__)
    out.as_of = on
    return out
