"""问题复核 (the review loop, issue #15 parts 4 and 6) as the staff console (``staff.py``) shows it: the unhelpful
answers (records/feedback.py) with a count per clause topic, the intents a question can be labelled with (the Rasa
domain's, read from bot/domain/*.yml), the clause topics, the labels (records/review.py) and their export as Rasa
NLU YAML. The unanswered questions are the insights' (``/api/insights``), not read again here. No Sanic here; the
Chinese texts are in ``staff_messages.yml`` (section ``review``). Database work: called in a thread by staff.py.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.channels.staff_views import MESSAGES
from records import feedback, review
from records.tickets import china_time

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "domain"
# Not offered as labels: nlu_fallback is what the classifier says when unsure, never what a question meant; the
# feedback intents are recognised from a closed phrase list (bot/nlu/fixed_intents.py), and NLU examples of them
# are what took the held-out accuracy of the other intents below its target.
NOT_A_LABEL = frozenset({"nlu_fallback", "feedback_helpful", "feedback_unhelpful"})
SOURCES = ("unanswered", "unhelpful")
MAX_BODY = 16 * 1024
UNHELPFUL_ON_PAGE = 200

TEXTS: dict[str, Any] = MESSAGES["review"]


class ReviewInputError(ValueError):
    """A label request that cannot be stored; the message is the key of its Chinese text (``errors.review_<key>``)."""


# what a question can be labelled with ---------------------------------------------------------------------------


@lru_cache(maxsize=4)
def domain_intents(directory: Path = DOMAIN_DIR) -> tuple[str, ...]:
    """Every intent the domain files declare, in their order (``- name`` or ``- name: {options}``), except those
    of NOT_A_LABEL."""
    names: list[str] = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("intents") or []:
            name = item if isinstance(item, str) else next(iter(item), None) if isinstance(item, dict) else None
            if isinstance(name, str) and name not in NOT_A_LABEL and name not in names:
                names.append(name)
    return tuple(names)


def _intent_label(kb: Any, intent: str) -> str:
    """ "ask_rent_subsidy（租金补贴 三、2）": a measure's title and clause, another topic's label, or the label of
    staff_messages.yml's review.intents; the bare name when none is known."""
    from policy_kb.rules import intent_measure

    ref = intent_measure().get(intent)
    if ref:
        label = TEXTS["measure"].format(title=kb.rules.measure(ref).title, ref=ref)
    elif intent in MESSAGES["topics"]:
        t = MESSAGES["topics"][intent]
        label = TEXTS["measure"].format(title=t["label"], ref=t["ref"]).strip() if t["ref"] else t["label"]
    else:
        label = TEXTS["intents"].get(intent, "")
    return TEXTS["intent"].format(intent=intent, label=label) if label else intent


def intent_choices(kb: Any) -> list[dict[str, str]]:
    """The intents for the page's select: the nine measures first (in the text's order), then the rest as the
    domain lists them."""
    from policy_kb.rules import intent_measure

    measures, every = intent_measure(), domain_intents()
    ordered = [i for m in kb.rules.measures for i in every if measures.get(i) == m.id]
    ordered += [i for i in every if i not in measures]
    return [{"intent": i, "label": _intent_label(kb, i)} for i in ordered]


def topic_refs(kb: Any) -> list[str]:
    """The clauses a label's topic can name: every part and item of the text (二, 三、2, 五（一）), no preamble."""
    return [c.ref for c in kb.document.clauses if review.TOPIC_RE.match(c.ref)]


def topic_label(kb: Any, topic: str) -> str:
    """ "《办法》三、2 租金补贴" (the clause title when the clause exists); "" → the text for no topic."""
    if not topic:
        return str(TEXTS["no_topic"])
    title = kb.title(topic) if topic in topic_refs(kb) else ""
    return TEXTS["topic"].format(ref=topic, title=title or "").strip()


# the views -------------------------------------------------------------------------------------------------------


def feedback_view(kb: Any, limit: int = UNHELPFUL_ON_PAGE, url: str | None = None) -> dict[str, Any]:
    """The unhelpful answers, newest first (Beijing time), and the feedback counts per topic."""
    channels = MESSAGES["channels"]
    rows = [
        {
            "id": f.id,
            "time": china_time(f.created_at),
            "channel": f.channel,
            "channel_label": channels.get(f.channel, f.channel),
            "topic": f.topic,
            "topic_label": topic_label(kb, f.topic),
            "intent": f.intent,
            "question": f.question,
            "answer": f.answer,
        }
        for f in feedback.unhelpful(limit, url=url)
    ]
    counts = [
        {"topic": t, "label": topic_label(kb, t), "unhelpful": u, "helpful": h}
        for t, u, h in feedback.counts_by_topic(url=url)
    ]
    return {"unhelpful": rows, "topics": counts, "total_unhelpful": sum(c["unhelpful"] for c in counts)}


def _label_dict(kb: Any, x: review.Label) -> dict[str, Any]:
    return {
        "id": x.id,
        "time": china_time(x.created_at),
        "text": x.text,
        "intent": x.intent,
        "intent_label": _intent_label(kb, x.intent),
        "topic": x.topic,
        "topic_label": topic_label(kb, x.topic) if x.topic else "",
        "source": x.source,
        "source_label": TEXTS["sources"].get(x.source, x.source),
    }


def labels_view(kb: Any, url: str | None = None) -> dict[str, Any]:
    """The labels, newest first, with what the page's controls offer: the intents and the clause topics."""
    return {
        "labels": [_label_dict(kb, x) for x in review.labels(url=url)],
        "intents": intent_choices(kb),
        "topics": [{"ref": r, "label": topic_label(kb, r)} for r in topic_refs(kb)],
    }


def _parse(body: bytes | None) -> dict[str, str]:
    """The request's JSON object {text, intent, topic?, source?}, or ReviewInputError."""
    if body is not None and len(body) > MAX_BODY:
        raise ReviewInputError("too_large")
    try:
        data = json.loads((body or b"").decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ReviewInputError("body") from e
    if not isinstance(data, dict):
        raise ReviewInputError("body")
    fields = {k: data.get(k) for k in ("text", "intent", "topic", "source")}
    if any(v is not None and not isinstance(v, str) for v in fields.values()):
        raise ReviewInputError("body")
    return {k: (v or "").strip() for k, v in fields.items()}


def add_label(kb: Any, body: bytes | None, url: str | None = None) -> dict[str, Any]:
    """Store the label a request asks for (records.review.label: one label a text) and return it; a request that
    cannot be stored raises ReviewInputError (its reason: too_large, body, text, intent, topic, source)."""
    f = _parse(body)
    if f["source"] and f["source"] not in SOURCES:
        raise ReviewInputError("source")
    if f["topic"] and f["topic"] not in topic_refs(kb):  # well-formed is not enough: the clause must exist
        raise ReviewInputError("topic")
    try:
        x = review.label(f["text"], f["intent"], set(domain_intents()), f["topic"], f["source"], url=url)
    except review.LabelError as e:
        raise ReviewInputError(str(e)) from e
    return _label_dict(kb, x)


def remove_label(label_id: int, url: str | None = None) -> bool:
    return review.remove(label_id, url=url)


def export_yaml(url: str | None = None, today: datetime | None = None) -> bytes:
    """Every label as Rasa NLU YAML (records.review.nlu_yaml), dated with today in Beijing."""
    from bot.insights import TZ

    exported_on = (today or datetime.now(timezone.utc)).astimezone(TZ).date()
    return review.nlu_yaml(review.labels(url=url), exported_on).encode("utf-8")
