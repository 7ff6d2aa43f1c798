"""The review loop: staff label a question the bot did not answer (or answered unhelpfully) with the intent, and
optionally the topic, it should have had; ``nlu_yaml`` writes the labels as Rasa NLU training data for the next
``make train`` (committed as ``data/nlu/reviewed.yml``).

A label holds the question's text only (no sender id, no answer). Labelling the same text again replaces its
label; ``remove`` takes one back."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import yaml
from sqlalchemy import Column, DateTime, Integer, String, Text, delete, select

from .db import Base, session, utcnow

MAX_TEXT = 500  # a training example longer than this is not a question anyone types
INTENT_RE = re.compile(r"^[a-z][a-z0-9_]{0,79}$")
TOPIC_RE = re.compile(r"^[一二三四五六七八九十]{1,2}(、\d{1,2}|（[一二三四五六七八九十]{1,2}）)?$")


class ReviewLabel(Base):
    __tablename__ = "review_labels"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False)
    text = Column(Text, nullable=False, unique=False)
    text_key = Column(String(64), nullable=False, unique=True)  # the text, normalised, hashed: one label a text
    intent = Column(String(80), nullable=False)
    topic = Column(String(20), nullable=False, default="")
    source = Column(String(20), nullable=False, default="")  # unanswered / unhelpful


@dataclass(frozen=True)
class Label:
    id: int
    created_at: dt.datetime
    text: str
    intent: str
    topic: str
    source: str


class LabelError(ValueError):
    """A label that cannot be stored; its message says why (shown to staff)."""


def _key(text: str) -> str:
    import hashlib

    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def label(
    text: str,
    intent: str,
    known_intents: set[str],
    topic: str = "",
    source: str = "",
    now: dt.datetime | None = None,
    url: str | None = None,
) -> Label:
    """Store (or replace) the label of a question. ``known_intents``: the domain's intents; any other is refused,
    as is an empty or over-long text and a topic that is not a clause reference (三、2, 五（一）)."""
    text = " ".join((text or "").split())
    if not text or len(text) > MAX_TEXT:
        raise LabelError("text")
    if not INTENT_RE.match(intent or "") or intent not in known_intents:
        raise LabelError("intent")
    if topic and not TOPIC_RE.match(topic):
        raise LabelError("topic")
    now = now or utcnow()
    with session(url) as s, s.begin():
        s.execute(delete(ReviewLabel).where(ReviewLabel.text_key == _key(text)))
        row = ReviewLabel(
            created_at=now, text=text, text_key=_key(text), intent=intent, topic=topic, source=(source or "")[:20]
        )
        s.add(row)
        s.flush()
        return Label(int(row.id), now, text, intent, topic, row.source)


def remove(label_id: int, url: str | None = None) -> bool:
    with session(url) as s, s.begin():
        return bool(s.execute(delete(ReviewLabel).where(ReviewLabel.id == label_id)).rowcount)


def labels(url: str | None = None) -> list[Label]:
    """Every label, newest first."""
    with session(url) as s:
        rows = s.execute(select(ReviewLabel).order_by(ReviewLabel.id.desc())).scalars()
        return [Label(r.id, r.created_at, r.text, r.intent, r.topic, r.source) for r in rows]


HEADER = """\
# Reviewed by staff in the console (工作人员后台 → 问题复核 → 导出训练数据), exported {date}.
# Each example is a question the assistant did not answer, or answered unhelpfully, labelled with the intent it
# should have had ({n} examples). To use it: save this file as data/nlu/reviewed.yml, run `make train` and
# `make test` (the held-out test sets must not contain these questions), then commit data/nlu/reviewed.yml.
"""


def _plain(text: str) -> str:
    """Square brackets would read as Rasa's entity markup ("[外包](category)"): made full-width."""
    return text.replace("[", "［").replace("]", "］")


def _metadata(item: Label) -> dict[str, str]:
    meta = {"source": item.source or "review"}
    if item.topic:
        meta["topic"] = item.topic
    return meta


def nlu_yaml(items: list[Label], exported_on: dt.date) -> str:
    """The labels as Rasa NLU YAML (``version: "3.1"``, one block per intent; an example with a topic carries it as
    metadata), with a comment header saying where it came from and how to use it."""
    by_intent: dict[str, list[Label]] = {}
    for item in sorted(items, key=lambda x: (x.intent, x.text)):
        by_intent.setdefault(item.intent, []).append(item)
    nlu = []
    for intent, group in by_intent.items():
        examples = [{"text": _plain(g.text), "metadata": _metadata(g)} for g in group]
        nlu.append({"intent": intent, "examples": examples})
    body = yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False, width=1000)
    return HEADER.format(date=exported_on.isoformat(), n=len(items)) + body
