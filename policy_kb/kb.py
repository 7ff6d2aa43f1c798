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
from datetime import date, timedelta
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
        self.later: dict[str, Version] = {}  # measure id → the first later version that changes the measure's rule
        self._silences: dict[str, str] = {}  # silence() per key, computed once
        self.earlier: dict[str, Version] = {}  # measure id → the previous version, when its rule differed
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

    def silence(self, key: str) -> str:
        """What the assistant says the text leaves open (silences.yaml: validity, procedure …), unless the version in
        force now says it: then that the statement is being updated and the text decides."""
        from .consistency import check_silences
        from .rules import silences

        if key not in self._silences:
            claim = silences()[key]
            contradicted = check_silences({key: claim}, self.document)
            t = messages()["versions"]["silence_updating"]
            self._silences[key] = t.format(version=self.version.label) if contradicted else str(claim["statement"])
        return self._silences[key]

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
        """A clause of the 《办法》 (the default) or, named with its document, of a supplementary one; a clause of a
        supplementary document that is not held (or not in force that day) is said to be missing, never read as the
        《办法》's (实施细则第3条 is not 三、3)."""
        c = self.supplement_clause(text)
        if c is not None:
            return citations.Resolution(c.citation, c, matched=text.strip(), start=0)
        m = _SUPPLEMENT_REF.search(text)
        if m is not None:
            held = "、".join(v.short_title for v in self.supplements) or messages()["versions"]["none_held"]
            message = messages()["versions"]["no_such_supplement"].format(asked=m.group(0), held=held)
            return citations.Resolution(None, None, message)
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
        """The engine's assessment, with each subsidy year the business of the version in force when it runs: where
        an earlier or a later version has another rule for the measure, the years that reach into its period carry
        no amount, name that version, and no three-year total is given."""
        a = eligibility.assess(profile, today, only=only, rules=self.rules)
        for r in a.results:
            if r.verdict in (eligibility.NOT_ELIGIBLE, eligibility.UPDATING):
                continue
            later, earlier = self.later.get(r.id), self.earlier.get(r.id)
            others = [self._other_version(y, earlier, later) for y in r.years]
            r.years = [
                y if v is None else replace(y, per_year=None, later=v.label)
                for y, v in zip(r.years, others, strict=True)
            ]
            other = next((v for v in others if v is not None), later)
            if other is None:
                continue
            if r.money is not None and r.money.total is not None:  # the total runs into another version's years
                per_year = r.money.per_year_range()
                r.money.text = messages()["money"]["rent_known_later"].format(
                    per_year=eligibility.money_text(per_year) if per_year else "",
                    percent=f"{r.money.percent:g}",
                    version=other.label,
                )
                r.money.total = r.money.total_max = None
            if later is not None:
                text = messages()["versions"]["later_changes_amount"].format(citation=r.citation, version=later.label)
                r.reasons.append(eligibility.Reason(eligibility.TO_VERIFY, text, r.citation, "later_version"))
                r.to_verify.append(text)
        return a

    def _other_version(self, y: Any, earlier: Version | None, later: Version | None) -> Version | None:
        """The version with another rule whose period a subsidy year reaches into (None: this version's year)."""
        if later is not None and y.end >= later.effective_from:
            return later
        if earlier is not None and y.start < self.version.effective_from:
            return earlier
        return None


# a clause of a document other than the 《办法》, by its name: 实施细则第3条, 《细则》第三条, 通知第二条
_SUPPLEMENT_REF = re.compile(
    r"(?:实施细则|细则|《(?!办法》|嘉定区促进人力资源服务业集聚支持办法)[^》]{1,30}》)\s*第\s*(?:[0-9]+|[一二三四五六七八九十百零〇]+)\s*条"
)


def names_supplement(text: str) -> bool:
    """The text cites a clause of a document other than the 《办法》 (实施细则第3条)."""
    return _SUPPLEMENT_REF.search(text) is not None


def _cn(n: int) -> str:
    import cn2an

    return str(cn2an.an2cn(n))


def _stale_measure(m: Measure, clause: Clause | None, version: Version) -> Measure:
    """A measure whose rule is stale for ``version``: it keeps its name and quotes the new clause; it has no figures
    and no conditions, so nothing can compute an amount from the superseded rule."""
    text = clause.text_norm if clause is not None else messages()["versions"]["clause_gone"].format(ref=m.id)
    return replace(
        m,
        summary=text,  # the old summary states the old figures
        not_applicable=text,  # so does the old "not applicable" sentence
        applies_to_profile=True,
        benefit={"kind": "updating", "clause_text": text, "version": version.label},
        conditions=[],
        inputs=[],
        stale=True,
    )


class PolicyLibrary:
    """Every document's versions and the (dated) rules data; ``at(day)`` is the PolicyKB of that day."""

    def __init__(
        self,
        documents: dict[str, list[Version]],
        rules: dict[str, Any],
        rules_hash: str | None = None,
        marker: tuple[int, int, str] | None = None,
    ):
        self.documents = {name: chain(vs) for name, vs in documents.items() if vs}
        if DEFAULT_DOCUMENT not in self.documents:
            raise LookupError("知识库为空，请先运行 python -m policy_kb build")
        self.raw_rules = rules
        self.rules_hash = rules_hash
        self.marker = marker  # the store's marker when read (policy_kb.store.marker): reload when it differs
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
        return cls(stored.documents, stored.rules, stored.rules_hash, stored.marker)

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
                self._link(kb)
            out = kb if kb.as_of == on else _dated(kb, on)
            if len(self._by_day) > 1000:
                self._by_day.clear()
            self._by_day[on] = out
        return out

    def _make(self, version: Version, on: date, supplements: list[Version]) -> PolicyKB:
        from .consistency import check_fields
        from .rules import vocabulary

        stale = stale_rules(self.raw_rules, version, on)
        rules = parse_rules(resolve(self.raw_rules, on))
        fields = check_fields(vocabulary(), version.doc)  # a field the support check places in 二 is gone from it
        if fields and rules.support_ref not in {s.ref for s in stale}:
            stale.insert(0, StaleRule(rules.support_ref, None, version.label, fields))
        refs = {s.ref for s in stale}
        everything = rules.support_ref in refs  # the support objects changed: no measure is computed
        measures = [
            _stale_measure(m, version.doc.clause(m.id), version) if everything or m.id in refs else m
            for m in rules.measures
        ]
        # a stale 二 (支持对象): its conditions are not applied either (each measure quotes its own new clause)
        rules = RuleSet(rules.support_ref, [] if everything else rules.support_conditions, measures)
        kb = PolicyKB(version.doc, rules, self.rules_hash, version, stale, supplements, on)
        return kb

    def _link(self, kb: PolicyKB) -> None:
        """Which measures another version rules otherwise: the first later version that changes each, and the
        previous version where it differed (after ``kb`` is cached: the other versions' views look back at it)."""
        version, rules = kb.version, kb.rules
        for later in (v for v in self.versions if v.effective_from > version.effective_from):
            after = self.at(later.effective_from).rules
            kb.later.update({m.id: later for m in rules.measures if m.id not in kb.later and after.measure(m.id) != m})
        earlier = next((v for v in reversed(self.versions) if v.effective_from < version.effective_from), None)
        if earlier is not None:  # years that began under the previous version are not this one's to compute
            before = self.at(version.effective_from - timedelta(days=1)).rules
            kb.earlier.update({m.id: earlier for m in rules.measures if before.measure(m.id) != m})

    def check(self) -> list[StaleRule]:
        """Every 《办法》 version against the rules as of its first day and of each day a dated rule value changes
        within its period (a rule is stale from the day it or the text changes); each stale rule once per version."""
        out: list[StaleRule] = []
        for v in self.versions:
            seen: set[str] = set()
            for day in [v.effective_from, *(d for d in self._changes if d > v.effective_from and v.in_force(d))]:
                for stale in stale_rules(self.raw_rules, v, day):
                    if stale.ref not in seen:
                        seen.add(stale.ref)
                        out.append(stale)
            out += _statements(v)
        return out


def _statements(v: Version) -> list[StaleRule]:
    """The fields of business (vocabulary.yaml) and what the assistant says the text leaves open (silences.yaml),
    against a version: reported by ``check`` so staff update them before the version takes effect (the bot does not
    yet adapt those sentences by itself)."""
    from .consistency import check_fields, check_silences
    from .rules import silences, vocabulary

    fields = check_fields(vocabulary(), v.doc)
    said = check_silences(silences(), v.doc)
    t = messages()["versions"]
    return [
        StaleRule(t[key], None, v.label, problems)
        for key, problems in (("fields", fields), ("silences", said))
        if problems
    ]


def _dated(kb: PolicyKB, on: date) -> PolicyKB:
    """The same view with another as-of day (the rules and text are the same between change dates)."""
    out = object.__new__(PolicyKB)
    out.__dict__.update(kb.__dict__)
    out.as_of = on
    return out
