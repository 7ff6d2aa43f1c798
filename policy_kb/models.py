"""SQLAlchemy models of the knowledge base: the source document, its clauses and the measures (rules data)."""

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


class DocumentRow(Base):
    __tablename__ = "kb_documents"

    id = Column(Integer, primary_key=True)
    source_hash = Column(String(64), nullable=False, unique=True)
    rules_hash = Column(String(64), nullable=False)
    title = Column(String(200), nullable=False)
    doc_number = Column(String(50), nullable=False)
    issuer = Column(String(100), nullable=False)
    notice_title = Column(String(300), nullable=False)
    issued_on = Column(Date, nullable=False)
    printed_on = Column(Date, nullable=False)
    effective_on = Column(Date, nullable=False)
    interpreter = Column(String(100), nullable=False)
    implementer = Column(String(100), nullable=False)
    basis = Column(JSON, nullable=False)
    source_text = Column(Text, nullable=False)
    built_at = Column(DateTime, nullable=False)

    clauses = relationship(
        "ClauseRow", back_populates="document", cascade="all, delete-orphan", order_by="ClauseRow.position"
    )
    measures = relationship(
        "MeasureRow", back_populates="document", cascade="all, delete-orphan", order_by="MeasureRow.position"
    )


class ClauseRow(Base):
    __tablename__ = "kb_clauses"
    __table_args__ = (UniqueConstraint("document_id", "ref"),)

    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("kb_documents.id", ondelete="CASCADE"), nullable=False, index=True)
    ref = Column(String(20), nullable=False)
    citation = Column(String(30), nullable=False)
    kind = Column(String(10), nullable=False)
    part = Column(String(4))
    item = Column(String(4))
    parent_ref = Column(String(20))
    heading = Column(String(50), nullable=False, default="")
    title = Column(String(100), nullable=False, default="")
    text = Column(Text, nullable=False)
    text_norm = Column(Text, nullable=False)
    position = Column(Integer, nullable=False)

    document = relationship("DocumentRow", back_populates="clauses")


class MeasureRow(Base):
    __tablename__ = "kb_measures"
    __table_args__ = (UniqueConstraint("document_id", "ref"),)

    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("kb_documents.id", ondelete="CASCADE"), nullable=False, index=True)
    ref = Column(String(20), nullable=False)
    key = Column(String(50), nullable=False)
    title = Column(String(100), nullable=False)
    summary = Column(Text, nullable=False)
    benefit = Column(JSON, nullable=False)
    conditions = Column(JSON, nullable=False)
    position = Column(Integer, nullable=False)

    document = relationship("DocumentRow", back_populates="measures")
