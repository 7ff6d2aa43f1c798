"""Feedback on answers (有帮助 / 没帮助): the question, the answer it is about, which topic and intent; no sender id,
no contact details. Staff read the unhelpful ones newest first, with a count per topic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Boolean, Column, DateTime, Integer, String, Text, func, select

from .db import Base, session, utcnow

MAX_TEXT = 4000  # a question or an answer is cut here (a full report is ~2,000 characters)


class FeedbackRow(Base):
    __tablename__ = "answer_feedback"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, index=True)
    helpful = Column(Boolean, nullable=False)
    channel = Column(String(20), nullable=False, default="")
    topic = Column(String(20), nullable=False, default="")  # the clause last discussed (《办法》三、2 → "三、2")
    intent = Column(String(80), nullable=False, default="")  # of the question
    question = Column(Text, nullable=False, default="")
    answer = Column(Text, nullable=False, default="")


@dataclass(frozen=True)
class Feedback:
    id: int
    created_at: dt.datetime
    helpful: bool
    channel: str
    topic: str
    intent: str
    question: str
    answer: str


def record(
    helpful: bool,
    question: str,
    answer: str,
    topic: str = "",
    intent: str = "",
    channel: str = "",
    now: dt.datetime | None = None,
    url: str | None = None,
) -> int:
    row = FeedbackRow(
        created_at=now or utcnow(),
        helpful=helpful,
        channel=channel[:20],
        topic=(topic or "")[:20],
        intent=(intent or "")[:80],
        question=(question or "")[:MAX_TEXT],
        answer=(answer or "")[:MAX_TEXT],
    )
    with session(url) as s, s.begin():
        s.add(row)
        s.flush()
        return int(row.id)


def unhelpful(limit: int = 200, url: str | None = None) -> list[Feedback]:
    """The unhelpful answers, newest first."""
    q = select(FeedbackRow).where(FeedbackRow.helpful.is_(False)).order_by(FeedbackRow.id.desc()).limit(limit)
    with session(url) as s:
        return [_of(r) for r in s.execute(q).scalars()]


def counts_by_topic(url: str | None = None) -> list[tuple[str, int, int]]:
    """(topic, unhelpful, helpful) per topic, the most unhelpful first; "" is no topic."""
    unhelpful_n = func.sum(func.cast(~FeedbackRow.helpful, Integer))
    q = (
        select(FeedbackRow.topic, unhelpful_n, func.count())
        .group_by(FeedbackRow.topic)
        .order_by(unhelpful_n.desc(), FeedbackRow.topic)
    )
    with session(url) as s:
        return [(t or "", int(u or 0), int(n) - int(u or 0)) for t, u, n in s.execute(q)]


def _of(r: FeedbackRow) -> Feedback:
    return Feedback(r.id, r.created_at, r.helpful, r.channel, r.topic, r.intent, r.question, r.answer)
