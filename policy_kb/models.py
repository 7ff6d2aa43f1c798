"""SQLAlchemy models of the knowledge base: documents, their dated text versions with each version's clauses,
and the rules data the build recorded.

A document (the 《办法》, or a supplementary text such as the 实施细则) has versions; each version keeps its own
verbatim text and clause tree and is in force from its ``effective_from`` until the next version's. Old versions
are never deleted by a build: a question about last year is answered with last year's text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base, relationship

if TYPE_CHECKING:
    # SQLAlchemy 1.4 ships no type information (``sqlalchemy.*`` is ignore_missing_imports in pyproject.toml), so to
    # mypy declarative_base() returns Any, and a class cannot derive from a value. This is the class it makes, as far
    # as this package uses it: the tables' metadata and the keyword constructor.
    class Base:
        metadata: Any  # sqlalchemy.MetaData

        def __init__(self, **kwargs: Any) -> None: ...

else:
    Base = declarative_base()

# Tables of the single-version schema before documents had versions. They held only what ``build`` derives from
# the packaged files, so a build drops them (nothing is lost).
LEGACY_TABLES = ("kb_measures", "kb_clauses", "kb_documents")


class DocumentRow(Base):
    __tablename__ = "kb_policy_documents"

    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False, unique=True)  # "办法", "实施细则"
    short_title = Column(String(60), nullable=False)  # "《办法》": how citations name it
    position = Column(Integer, nullable=False)  # 0 for the 《办法》, the default document

    versions = relationship(
        "VersionRow", back_populates="document", cascade="all, delete-orphan", order_by="VersionRow.effective_from"
    )


class VersionRow(Base):
    __tablename__ = "kb_text_versions"
    __table_args__ = (UniqueConstraint("document_id", "effective_from"),)

    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("kb_policy_documents.id", ondelete="CASCADE"), nullable=False, index=True)
    effective_from = Column(Date, nullable=False)  # in force from this day until the next version's
    origin = Column(String(20), nullable=False)  # "packaged" (build) | "loaded" (staff, policy_kb load)
    source_hash = Column(String(64), nullable=False)
    title = Column(String(200), nullable=False)
    doc_number = Column(String(50), nullable=False)
    issuer = Column(String(100), nullable=False)
    notice_title = Column(String(300), nullable=False)
    issued_on = Column(Date)
    printed_on = Column(Date)
    stated_effective_on = Column(Date)  # the date the text itself says it takes effect, when it says one
    interpreter = Column(String(100), nullable=False)
    implementer = Column(String(100), nullable=False)
    basis = Column(JSON, nullable=False)
    source_text = Column(Text, nullable=False)
    loaded_at = Column(DateTime, nullable=False)

    document = relationship("DocumentRow", back_populates="versions")
    clauses = relationship(
        "ClauseRow", back_populates="version", cascade="all, delete-orphan", order_by="ClauseRow.position"
    )


class ClauseRow(Base):
    __tablename__ = "kb_version_clauses"
    __table_args__ = (UniqueConstraint("version_id", "ref"),)

    id = Column(Integer, primary_key=True)
    version_id = Column(Integer, ForeignKey("kb_text_versions.id", ondelete="CASCADE"), nullable=False, index=True)
    ref = Column(String(20), nullable=False)
    citation = Column(String(80), nullable=False)
    kind = Column(String(10), nullable=False)
    part = Column(String(4))
    item = Column(String(4))
    parent_ref = Column(String(20))
    heading = Column(String(50), nullable=False, default="")
    title = Column(String(100), nullable=False, default="")
    text = Column(Text, nullable=False)
    text_norm = Column(Text, nullable=False)
    position = Column(Integer, nullable=False)

    version = relationship("VersionRow", back_populates="clauses")


class RuleSetRow(Base):
    """The rules data (measures.yaml, dated values included) as the last build recorded it: one row."""

    __tablename__ = "kb_rule_sets"

    id = Column(Integer, primary_key=True)
    rules_hash = Column(String(64), nullable=False, unique=True)
    data = Column(JSON, nullable=False)
    built_at = Column(DateTime, nullable=False)
