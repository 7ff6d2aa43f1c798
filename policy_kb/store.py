"""Build the knowledge base into a database and read it back.

Default: a SQLite file ``var/policy_kb.sqlite`` at the repository root; any SQLAlchemy URL via ``POLICY_KB_URL``
(PostgreSQL included). Building is idempotent: the same source text and rules data leave the database untouched;
a changed text or rules file (content hash) replaces the old version in one transaction.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .models import Base, ClauseRow, DocumentRow, MeasureRow
from .rules import DATA_DIR, clause_title, rules_raw
from .text import Document, content_hash, parse, source_text

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
    document_id: int
    source_hash: str
    clauses: int
    measures: int
    replaced: int  # old versions removed


def build(engine: Engine | None = None, text: str | None = None) -> BuildResult:
    """Load text, clauses and measures into the database (idempotent)."""
    engine = engine or make_engine()
    text = text if text is not None else source_text()
    doc = parse(text)
    rhash = rules_hash()
    Base.metadata.create_all(engine)
    with Session(engine) as s, s.begin():
        current = s.query(DocumentRow).filter_by(source_hash=doc.source_hash, rules_hash=rhash).one_or_none()
        if current is not None:
            return BuildResult(False, current.id, doc.source_hash, len(current.clauses), len(current.measures), 0)
        old = s.query(DocumentRow).all()
        for row in old:
            s.delete(row)
        s.flush()
        row = _document_row(doc, text, rhash)
        s.add(row)
        s.flush()
        return BuildResult(True, row.id, doc.source_hash, len(doc.clauses), len(row.measures), len(old))


def _document_row(doc: Document, text: str, rhash: str) -> DocumentRow:
    """The document as a new row, with its clauses and the measures of the rules data."""
    row = DocumentRow(
        source_hash=doc.source_hash,
        rules_hash=rhash,
        title=doc.title,
        doc_number=doc.doc_number,
        issuer=doc.issuer,
        notice_title=doc.notice_title,
        issued_on=doc.issued_on,
        printed_on=doc.printed_on,
        effective_on=doc.effective_on,
        interpreter=doc.interpreter,
        implementer=doc.implementer,
        basis=[{"title": t, "number": n} for t, n in doc.basis],
        source_text=text,
        built_at=dt.datetime.utcnow(),
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
                title=clause_title(c),
                text=c.text,
                text_norm=c.text_norm,
                position=c.order,
            )
        )
    for i, m in enumerate(rules_raw()["measures"]):
        row.measures.append(
            MeasureRow(
                ref=m["id"],
                key=m["key"],
                title=m["title"],
                summary=m["summary"],
                benefit=m["benefit"],
                conditions=m["conditions"],
                position=i,
            )
        )
    return row


def session_factory(engine: Engine | None = None) -> sessionmaker:
    return sessionmaker(bind=engine or make_engine(), future=True)


def current_document(s: Session) -> DocumentRow | None:
    row: DocumentRow | None = s.query(DocumentRow).order_by(DocumentRow.id.desc()).first()  # untyped SQLAlchemy 1.4
    return row
