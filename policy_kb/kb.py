"""PolicyKB: the one object the bot, the CLI and the console use — clauses, citations, search, rules, engine.

Loaded from the database (built on first use when empty), so a deployment reads what ``build`` stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from . import citations, search
from . import engine as eligibility
from .profile import Profile
from .rules import RuleSet, clause_title, parse_rules, rules_raw
from .store import build, current_document, make_engine
from .store import rules_hash as store_rules_hash
from .text import Clause, Document


class PolicyKB:
    def __init__(self, document: Document, rules: RuleSet, rules_hash: str | None = None):
        self.document = document
        self.rules = rules
        self.rules_hash = rules_hash or store_rules_hash()  # the hash the build recorded, when loaded from the store
        self.titles = {c.ref: clause_title(c) for c in document.clauses}
        self.index = search.SearchIndex(
            [search.Doc(c.ref, self.titles[c.ref], c.text_norm) for c in document.clauses if c.text]
        )

    # construction -------------------------------------------------------------------------------------------
    @classmethod
    def from_source(cls) -> PolicyKB:
        from .text import load_document

        return cls(load_document(), parse_rules(rules_raw()))

    @classmethod
    def load(cls, engine: Engine | None = None, auto_build: bool = True) -> PolicyKB:
        engine = engine or make_engine()
        if auto_build:
            build(engine)
        with Session(engine) as s:
            row = current_document(s)
            if row is None:
                raise LookupError("知识库为空，请先运行 python -m policy_kb build")
            clauses = [Clause(c.ref, c.kind, c.part, c.item, c.heading, c.text, c.position) for c in row.clauses]
            doc = Document(
                title=row.title,
                short_title="《办法》",
                doc_number=row.doc_number,
                issuer=row.issuer,
                notice_title=row.notice_title,
                recipients="",
                issued_on=row.issued_on,
                printed_on=row.printed_on,
                effective_on=row.effective_on,
                basis=[(b["title"], b["number"]) for b in row.basis],
                interpreter=row.interpreter,
                implementer=row.implementer,
                cc="",
                source_hash=row.source_hash,
                clauses=clauses,
            )
            # Benefits and conditions come from the database; per-measure flags not stored there (inputs,
            # applies_to_profile) from the packaged rules file, whose hash the build recorded.
            extras = {m["id"]: m for m in rules_raw()["measures"]}
            measures = []
            for m in row.measures:
                d = {
                    "id": m.ref,
                    "key": m.key,
                    "title": m.title,
                    "summary": m.summary,
                    "benefit": m.benefit,
                    "conditions": m.conditions,
                }
                d.update(
                    {
                        k: v
                        for k, v in extras.get(m.ref, {}).items()
                        if k in ("inputs", "applies_to_profile", "not_applicable")
                    }
                )
                measures.append(d)
            data = {"support_objects": rules_raw()["support_objects"], "measures": measures}
            stored_rules_hash = row.rules_hash
        return cls(doc, parse_rules(data), stored_rules_hash)

    # lookups ------------------------------------------------------------------------------------------------
    def clause(self, ref: str) -> Clause | None:
        return self.document.clause(ref)

    def title(self, ref: str) -> str:
        return self.titles.get(ref, "")

    def children(self, part: str) -> list[Clause]:
        return self.document.items_of(part)

    def resolve(self, text: str) -> citations.Resolution:
        return citations.resolve(text, self.document)

    def search(self, query: str, limit: int = 5) -> list[search.Hit]:
        return self.index.search(query, limit)

    def version_stamp(self) -> dict[str, str]:
        """Which text and rules an answer or a kept report was computed from: the document number, its effective
        date and the content hashes of the text and of the rules data (measures, vocabulary, messages)."""
        return {
            "doc_number": self.document.doc_number,
            "effective_on": self.document.effective_on.isoformat(),
            "source_hash": self.document.source_hash,
            "rules_hash": self.rules_hash,
        }

    def assess(self, profile: Profile, today: date, only: Iterable[str] | None = None) -> eligibility.Assessment:
        return eligibility.assess(profile, today, only=only, rules=self.rules)
