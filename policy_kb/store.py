"""Build the knowledge base into a database, add text versions, and read it back.

Default: a SQLite file ``var/policy_kb.sqlite`` at the repository root; any SQLAlchemy URL via ``POLICY_KB_URL``
(PostgreSQL included). ``build`` is idempotent: it records the packaged 《办法》 text as that document's version in
force from the date the text states (五（三）), and the rules data; the same files leave the database untouched, a
changed packaged text for the same day replaces that one version (a packaged text of another day is added beside
the older ones). Versions staff add with ``load_version`` are never touched by a build.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .models import LEGACY_TABLES, Base, ClauseRow, DocumentRow, RuleSetRow, VersionRow
from .rules import DATA_DIR, clause_title, messages, rules_raw
from .text import Clause, Document, content_hash, parse, source_text
from .versions import DEFAULT_DOCUMENT, Version, chain, jsonable, parse_supplement

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'policy_kb.sqlite'}"


def database_url() -> str:
    return os.environ.get("POLICY_KB_URL") or DEFAULT_URL


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url, future=True, pool_pre_ping=True)


def rules_hash() -> str:
    return content_hash(
        "".join(
            (DATA_DIR / n).read_text(encoding="utf-8") for n in ("measures.yaml", "vocabulary.yaml", "messages.yaml")
        )
    )


@dataclass
class BuildResult:
    changed: bool
    document_id: int  # the packaged version's row id
    source_hash: str
    clauses: int
    measures: int
    replaced: int  # packaged versions whose text was replaced
    kept_loaded: bool = False  # staff loaded another text for the packaged text's day: theirs is kept


def create_tables(engine: Engine) -> None:
    """The tables, after dropping those of the single-version schema (they held only derived data)."""
    names = set(inspect(engine).get_table_names())
    if names & set(LEGACY_TABLES):
        with engine.begin() as c:
            for t in LEGACY_TABLES:
                if t in names:
                    c.execute(text(f"DROP TABLE {t}"))
    Base.metadata.create_all(engine)


def build(engine: Engine | None = None, text: str | None = None) -> BuildResult:
    """Record the packaged 《办法》 text as its version and the rules data (idempotent)."""
    engine = engine or make_engine()
    text = text if text is not None else source_text()
    doc = parse(text)
    rhash = rules_hash()
    create_tables(engine)
    with Session(engine) as s, s.begin():
        changed = _record_rules(s, rhash)
        drow = _document(s, DEFAULT_DOCUMENT)
        n_measures = len(rules_raw()["measures"])
        same_day = next((v for v in drow.versions if v.effective_from == doc.effective_on), None)
        if same_day is not None and (same_day.source_hash == doc.source_hash or same_day.origin != "packaged"):
            # already there; or staff loaded a text for that day, which a build never replaces (load_version's)
            kept = same_day.source_hash != doc.source_hash
            return BuildResult(changed, same_day.id, same_day.source_hash, len(same_day.clauses), n_measures, 0, kept)
        replaced = 0
        if same_day is not None:  # a corrected packaged text for the same day: that one version is replaced
            s.delete(same_day)
            s.flush()
            replaced = 1
        row = _version_row(doc, text, doc.effective_on, "packaged")
        drow.versions.append(row)
        s.flush()
        return BuildResult(True, row.id, doc.source_hash, len(doc.clauses), n_measures, replaced)


def _record_rules(s: Session, rhash: str) -> bool:
    if s.query(RuleSetRow).filter_by(rules_hash=rhash).one_or_none() is not None:
        return False
    s.query(RuleSetRow).delete()
    s.add(RuleSetRow(rules_hash=rhash, data=jsonable(rules_raw()), built_at=dt.datetime.utcnow()))
    return True


def _document(s: Session, name: str) -> DocumentRow:
    row: DocumentRow | None = s.query(DocumentRow).filter_by(name=name).one_or_none()
    if row is None:
        position = 0 if name == DEFAULT_DOCUMENT else 1 + (s.query(DocumentRow).count())
        row = DocumentRow(name=name, short_title=f"《{name}》", position=position)
        s.add(row)
        s.flush()
    return row


@dataclass
class LoadResult:
    changed: bool  # False: the same text was already that version
    document: str
    effective_from: dt.date
    version_id: int
    clauses: int
    doc_number: str


class VersionConflict(ValueError):
    """A different text is already recorded for that document and date."""


def parse_version_text(text: str, document: str) -> Document:
    """The 《办法》 is parsed as the notice it is published in; any other document as a supplementary text."""
    return parse(text) if document == DEFAULT_DOCUMENT else parse_supplement(text, document)


class DateMismatch(ValueError):
    """The text states another effective date than the one given: (stated, given)."""

    def __init__(self, stated: dt.date, given: dt.date):
        super().__init__(stated, given)
        self.stated, self.given = stated, given


def load_version(
    engine: Engine, text: str, effective: dt.date, document: str = DEFAULT_DOCUMENT, force: bool = False
) -> LoadResult:
    """Add ``text`` as a version of ``document`` in force from ``effective``; older versions are kept. Raises
    ValueError (text not parseable), DateMismatch (the text says it takes effect on another day; ``force`` loads it
    anyway) or VersionConflict (another text for that date)."""
    doc = parse_version_text(text, document)
    stated = doc.effective_on if doc.effective_on != dt.date(1, 1, 1) else None
    if stated is not None and stated != effective and not force:
        raise DateMismatch(stated, effective)
    create_tables(engine)
    with Session(engine) as s, s.begin():
        drow = _document(s, document)
        same_day = next((v for v in drow.versions if v.effective_from == effective), None)
        if same_day is not None:
            if same_day.source_hash != doc.source_hash:
                msg = messages()["cli"]["conflict_detail"].format(document=document, effective=effective.isoformat())
                raise VersionConflict(msg)
            return LoadResult(False, document, effective, same_day.id, len(same_day.clauses), doc.doc_number)
        row = _version_row(doc, text, effective, "loaded")
        drow.versions.append(row)
        s.flush()
        return LoadResult(True, document, effective, row.id, len(doc.clauses), doc.doc_number)


def _version_row(doc: Document, text: str, effective: dt.date, origin: str) -> VersionRow:
    stated = doc.effective_on if doc.effective_on != dt.date(1, 1, 1) else None
    row = VersionRow(
        effective_from=effective,
        origin=origin,
        source_hash=doc.source_hash,
        title=doc.title,
        doc_number=doc.doc_number,
        issuer=doc.issuer,
        notice_title=doc.notice_title,
        issued_on=doc.issued_on if doc.issued_on != dt.date(1, 1, 1) else None,
        printed_on=doc.printed_on if doc.printed_on != dt.date(1, 1, 1) else None,
        stated_effective_on=stated,
        interpreter=doc.interpreter,
        implementer=doc.implementer,
        basis=[{"title": t, "number": n} for t, n in doc.basis],
        source_text=text,
        loaded_at=dt.datetime.utcnow(),
    )
    for c in doc.clauses:
        row.clauses.append(
            ClauseRow(
                ref=c.ref,
                citation=c.citation,
                kind=c.kind,
                part=c.part,
                item=c.item,
                parent_ref=c.parent_ref,
                heading=c.heading,
                title=clause_title(c) if c.short_title == "《办法》" else c.heading,
                text=c.text,
                text_norm=c.text_norm,
                position=c.order,
            )
        )
    return row


@dataclass
class Stored:
    """What the store holds: every document's versions (in date order, periods chained) and the rules data."""

    documents: dict[str, list[Version]]  # 《办法》 first
    rules: dict[str, Any] | None
    rules_hash: str | None
    marker: tuple[int, int, str]  # (versions, highest version id, rules hash): changes when either is added


def read(engine: Engine) -> Stored:
    with Session(engine) as s:
        docs: dict[str, list[Version]] = {}
        for d in s.query(DocumentRow).order_by(DocumentRow.position, DocumentRow.id).all():
            docs[d.name] = chain([_version(d, v) for v in d.versions])
        r = s.query(RuleSetRow).order_by(RuleSetRow.id.desc()).first()
        n = sum(len(v) for v in docs.values())
        top = max((v.id or 0 for vs in docs.values() for v in vs), default=0)
        rhash = r.rules_hash if r else None
        return Stored(docs, r.data if r else None, rhash, (n, top, rhash or ""))


def marker(engine: Engine) -> tuple[int, int, str]:
    """(number of versions, highest id, rules hash), cheaply: a running server reloads when it changes."""
    from sqlalchemy import func

    with Session(engine) as s:
        n, top = s.query(func.count(VersionRow.id), func.max(VersionRow.id)).one()
        rhash = s.query(RuleSetRow.rules_hash).order_by(RuleSetRow.id.desc()).limit(1).scalar()
        return int(n or 0), int(top or 0), str(rhash or "")


def _version(d: DocumentRow, v: VersionRow) -> Version:
    clauses = [Clause(c.ref, c.kind, c.part, c.item, c.heading, c.text, c.position, d.short_title) for c in v.clauses]
    none = dt.date(1, 1, 1)
    doc = Document(
        title=v.title,
        short_title=d.short_title,
        doc_number=v.doc_number,
        issuer=v.issuer,
        notice_title=v.notice_title,
        recipients="",
        issued_on=v.issued_on or none,
        printed_on=v.printed_on or none,
        effective_on=v.stated_effective_on or v.effective_from,
        basis=[(b["title"], b["number"]) for b in v.basis],
        interpreter=v.interpreter,
        implementer=v.implementer,
        cc="",
        source_hash=v.source_hash,
        clauses=clauses,
    )
    return Version(d.name, d.short_title, v.effective_from, doc, v.origin, v.loaded_at, id=v.id)


def session_factory(engine: Engine | None = None) -> sessionmaker:
    return sessionmaker(bind=engine or make_engine(), future=True)
