"""Answer the question that was asked: which clause (the measure named, a citation, or the topic just discussed),
which aspect (how much, how many years, conditions, original text …), up to three questions in one message, and a
false premise corrected before anything else. Everything comes from policy_kb (aspects, premises, questions);
the first line of every answer is the direct answer with its citation."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from policy_kb import aspects, premises, questions
from policy_kb.clock import today
from policy_kb.profile import category_clause
from policy_kb.rules import messages, vocabulary
from policy_kb.understand import MONEY_FACTS

from .common import as_of_in, kb, kb_on, latest_text, supplements_note, understood, version_note

MAX_QUESTIONS = 3
SWITCH = re.compile(r"^\s*(那|那么|换成|换个|换到|改成|改问|如果是|要是|再问下|还有)")


def payload_entities(tracker: Tracker) -> dict[str, Any]:
    """Entities a button payload carried (/ask_followup{"aspect":"text","topic":"三、3"}; Rasa's payload parser,
    RegexMessageHandler, names itself as their extractor) — not the aspect the NLU component read in free text."""
    return {
        e.get("entity"): e.get("value")
        for e in tracker.latest_message.get("entities", []) or []
        if e.get("entity") in ("aspect", "topic") and e.get("extractor") in (None, "RegexMessageHandler")
    }


def plan_for(tracker: Tracker, measure_id: str | None) -> list[tuple[str, str, str]]:
    """(ref, aspect, question text) for each question in the message, the topic filled from the conversation."""
    text = latest_text(tracker)
    given = payload_entities(tracker)
    topic = given.get("topic") or measure_id or tracker.get_slot("topic")
    if given.get("aspect"):
        return [(topic, given["aspect"], text)] if topic else []
    k = kb()
    items = questions.plan(k, text, topic=topic)
    out: list[tuple[str, str, str]] = []
    for ref, aspect, part in items[:MAX_QUESTIONS]:
        ref = ref or topic
        if ref is None:
            continue
        general = ref in (aspects.DOCUMENT, "三")  # "这个政策": the measure the intent named is meant
        if measure_id and ref != measure_id and len(items) == 1 and (general or not _names_other_clause(k, part, ref)):
            ref = measure_id  # the intent named the measure; a stray word should not switch it
        out.append((ref, aspect, part))
    last_aspect, last_topic = tracker.get_slot("aspect"), tracker.get_slot("topic")
    if (
        len(out) == 1
        and out[0][1] == aspects.SUMMARY
        and last_aspect
        and last_aspect != aspects.SUMMARY
        and out[0][0] != last_topic
        and SWITCH.match(text)
        and last_aspect in aspects.applicable(out[0][0])
    ):
        out = [(out[0][0], last_aspect, out[0][2])]  # "换成活动补贴" after "租金补贴给几年": the same question
    return out


def answered_by_aspects(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    default_ref: str,
    route: Callable[[list[tuple[str, str, str]]], bool],
) -> list[EventType] | None:
    """For the document-level questions (二, 四, 五, the document): answered by aspect when the message holds
    several questions or ``route`` says the plan asks something the caller's full answer does not; else None."""
    items = plan_for(tracker, default_ref)
    if len(items) > 1 or (items and route(items)):
        return answer_questions(dispatcher, items)
    return None


INDIVIDUAL = re.compile(
    r"我是个人|个人(能|可以|可不可以|能不能)?(申请|享受|拿)|求职者|找工作|应聘|自然人|我个人|个体户"
)
ORGANISATION = re.compile(r"公司|机构|企业|单位|我们|我司")


def asks_as_individual(tracker: Tracker) -> bool:
    """ "我是个人 在找工作 这个政策能给我补贴吗": a person, not an institution, asking for the benefits."""
    text = latest_text(tracker)
    return bool(INDIVIDUAL.search(text)) and not ORGANISATION.search(INDIVIDUAL.sub("", text))


def near_scope_category(tracker: Tracker, about_fields: bool = False) -> str | None:
    """A business outside 《办法》二 stated in the message ("我们是芯片制造企业"): the vocabulary's word for it. With
    ``about_fields`` (a question who may apply) also one the message asks about ("做餐饮的企业可以享受吗")."""
    fact = understood(latest_text(tracker), today(), "category" if about_fields else None).fact("category")
    if fact is None or category_clause(fact.value) or fact.value == vocabulary()["other_hr_service"]["canonical"]:
        return None
    return str(fact.value)


def field_asked_about(tracker: Tracker) -> tuple[str, str | None] | None:
    """A business the question names that is in 二's fields — (its word, its clause) — or another human-resource
    service — (the word said, None); else None."""
    fact = understood(latest_text(tracker), today(), "category").fact("category")
    if fact is None:
        return None
    clause = category_clause(fact.value)
    if clause:
        return str(fact.value), clause
    if fact.value == vocabulary()["other_hr_service"]["canonical"]:
        return fact.text, None  # a word of the vocabulary's list (劳务派遣, 人事代理), not free text
    return None


def premise_plan(tracker: Tracker) -> list[tuple[str, str, str]]:
    """The plan of a message that states something about a measure the text contradicts or does not promise
    ("区级荣誉也能拿吧", "肯定能拿满30万吧"): such a message is a question to answer, whatever its intent. The
    premises are checked against the version of the day asked about, as the answer is."""
    as_of = as_of_in(latest_text(tracker))
    k = kb_on(as_of.day) if as_of else kb()
    items = [it for it in plan_for(tracker, None) if k.rules.measure(it[0])]
    if any(c.verdict != "right" for ref, _, part in items for c in _premises(k, part, ref)):
        return items
    return []


@lru_cache(maxsize=256)
def _premises(k: Any, part: str, ref: str) -> tuple[Any, ...]:
    """The premises a question states — not the institution's own figures ("是每月7万", "房租100万"), which the
    understanding layer reads as facts of the profile. Cached: premise_plan and answer_questions ask it for the same
    part in one turn."""
    found = premises.check_premises(k, part, ref)
    if any(c.kind == "amount" for c in found) and any(f.name in MONEY_FACTS for f in understood(part, today()).facts):
        found = [c for c in found if c.kind != "amount"]
    return tuple(found)


def _names_other_clause(k: Any, text: str, ref: str) -> bool:
    return ref in aspects.detect_topics(text, k.document)


def answer_questions(dispatcher: CollectingDispatcher, plan: list[tuple[str, str, str]]) -> list[EventType]:
    """Each question answered in order (its own message), a false premise first; topic and aspect remembered. A
    question about another day ("2023年的时候能拿吗") is answered from the version in force that day; the last
    message names the version used."""
    as_of = next((a for _, _, part in plan if (a := as_of_in(part)) is not None), None)
    k = kb_on(as_of.day) if as_of else kb()
    if as_of and not k.in_force and plan:
        dispatcher.utter_message(response="utter_aspect_answer", answer=version_note(k, as_of, before=True))
        return [SlotSet("topic", plan[-1][0])]
    last: tuple[str, str] | None = None
    said: list[str] = []
    for i, (ref, aspect, part) in enumerate(plan):
        try:
            ans = aspects.answer(k, ref, aspect, text=part)
        except (KeyError, ValueError):
            ans = aspects.answer(k, ref, aspects.SUMMARY, text=part)
        found = _premises(k, part, ref)
        if as_of is not None:  # "22年那会儿是几成": the year asked about is not a duration the question states
            found = tuple(c for c in found if not (c.kind == "duration" and c.stated and c.stated in as_of.text))
        wrong = [c.line for c in found if c.verdict != "right"]
        head = wrong or [c.line for c in found if c.verdict == "right"]  # a correction first, else a confirmation
        # a correction replaces the answer's own first line when both answer the same point (区级算不算)
        lines = head + ([ans.first_line] if head and aspect == aspects.SUMMARY else []) + ans.details
        if not head:
            lines = [ans.first_line] + ans.details
        # once per message and per reply: a confirmed premise may be a detail too (谁定档次), two questions may share
        # a sentence (找谁申请)
        lines = [ln for ln in dict.fromkeys(lines) if ln not in said]
        said += lines
        buttons = ans.buttons if i == len(plan) - 1 else []
        if lines and i == len(plan) - 1:
            if k.supplements and any(a == "procedure" for _, a, _ in plan):  # the 实施细则 is loaded: say where
                lines.append(supplements_note(k))
            later = k.later.get(ans.ref)  # a loaded version changes this measure from a later day
            if later is not None:
                m = k.rules.measure(ans.ref)
                lines.append(messages()["versions"]["later_changes"].format(citation=m.citation, version=later.label))
            lines.append(version_note(k, as_of))
        if lines:
            dispatcher.utter_message(response="utter_aspect_answer", answer="\n".join(lines), buttons=buttons)
        last = (ans.ref, ans.aspect)
    if last is None:
        return []
    return [SlotSet("topic", last[0]), SlotSet("aspect", last[1])]
