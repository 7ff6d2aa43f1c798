"""The eligibility self-check: collect the profile through a form, asking only what can still change a verdict,
then report per measure from policy_kb's engine.

Facts come from the entities of the rule-based extractor (bot/nlu/policy_entities.py) plus the question being
answered; every value is validated by policy_kb.profile (negative amounts, future dates → a clear re-ask, and the
slot keeps its last good value). Several facts in one message are all taken; corrections overwrite.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from policy_kb.clock import today
from policy_kb.extract import parse_number
from policy_kb.profile import Profile, ProfileError
from policy_kb.report import fact_labels, render_assessment
from policy_kb.rules import messages

from .common import INTENT_MEASURE, kb, latest_text

FORM = "eligibility_form"
UNKNOWN = "不清楚"  # slot value for "the user does not know": not asked again, left undecided in the report
PROFILE_SLOTS = ["in_talent_port", "category", "entry_date", "annual_rent", "rank_500", "establishment",
                 "talent_recommendations", "training_base", "honour_level", "honour_year", "recognition_level",
                 "recognition_year", "event_cost"]
MONEY_SLOTS = ("annual_rent", "event_cost")
YEAR_SLOTS = ("honour_year", "recognition_year")
LEVEL_SLOTS = ("honour_level", "recognition_level")
ANSWER_INTENTS = {"inform", "affirm", "deny", "nlu_fallback", "start_eligibility_check"}

_UNKNOWN_RE = re.compile(r"不清楚|不知道|不确定|不记得|说不准|说不好|不太清楚|没概念|不了解")
_NOT_IN_PORT_RE = re.compile(r"(没|未|尚未|还没|还未|没有|不在)(有)?(入驻|进驻|在人才港|入住)")
_IN_PORT_RE = re.compile(r"入驻|进驻|已在人才港|在人才港")
_RENT_WORDS = re.compile(r"租")
_EVENT_WORDS = re.compile(r"论坛|节展|活动|举办|办会|会议|展会|峰会|大会")
_RECOGNITION_WORDS = re.compile(r"资质|认定|示范|创新")
_HONOUR_WORDS = re.compile(r"荣誉|嘉奖|表彰|奖项|称号")
_BASE_YES = re.compile(r"(有|建立了|建了|建成|设立了|已经有)[^没]{0,6}(实训)?基地")
_BASE_NO = re.compile(r"(没有|没|未|尚未|还没)(有)?(建立|建|设立)?[^，。]{0,4}(实训)?基地")
_COUNT_RE = re.compile(r"([0-9０-９]+|[一二两三四五六七八九十百]+)\s*(个|名|位|人)")
_MONTH_RE = re.compile(r"([0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})\s*月")
_NO_RE = re.compile(r"^\s*(没有|没|无|否|不是|未|从未|从没|尚未|还没)")
_YES_RE = re.compile(r"^\s*(有的|有|是的|是|对|已经|已|嗯)")
_BARE_NUMBER_RE = re.compile(r"^\s*([0-9０-９]+(?:\.[0-9]+)?)\s*$")


@dataclass
class Extraction:
    updates: Dict[str, Any] = field(default_factory=dict)
    problems: List[Tuple[str, Dict[str, Any]]] = field(default_factory=list)  # (response name, kwargs)

    def set(self, slot: str, value: Any) -> None:
        self.updates[slot] = value

    def problem(self, response: str, **kwargs: Any) -> None:
        self.problems.append((response, kwargs))


def _entities(tracker: Tracker) -> List[Dict[str, Any]]:
    return tracker.latest_message.get("entities", []) or []


def _last_set(tracker: Tracker, slots: Tuple[str, ...]) -> Optional[str]:
    for e in reversed(tracker.events):
        if e.get("event") == "slot" and e.get("name") in slots and e.get("value") not in (None, UNKNOWN):
            return e["name"]
    filled = [s for s in slots if tracker.get_slot(s) not in (None, UNKNOWN)]
    return filled[0] if len(filled) == 1 else None


def _target(text: str, requested: Optional[str], tracker: Tracker, kind: str) -> Optional[str]:
    """Which slot a money/date/level value in the message belongs to: words in the message first, then the question
    being asked, then (for a correction like "不对，是50万") the slot of that kind set most recently."""
    if kind == "money":
        if _RENT_WORDS.search(text):
            return "annual_rent"
        if _EVENT_WORDS.search(text):
            return "event_cost"
        if requested in MONEY_SLOTS:
            return requested
        return _last_set(tracker, MONEY_SLOTS)
    if kind == "level":
        if _RECOGNITION_WORDS.search(text):
            return "recognition_level"
        if _HONOUR_WORDS.search(text):
            return "honour_level"
        return requested if requested in LEVEL_SLOTS else "honour_level"
    if kind == "date":
        if "入驻" in text or "进驻" in text:
            return "entry_date"
        if _RECOGNITION_WORDS.search(text):
            return "recognition_year"
        if _HONOUR_WORDS.search(text):
            return "honour_year"
        if requested in ("entry_date",) + YEAR_SLOTS:
            return requested
        return _last_set(tracker, ("entry_date",) + YEAR_SLOTS)
    return None


def extract_facts(tracker: Tracker, requested: Optional[str]) -> Extraction:
    """Every profile fact in the latest message, validated; problems to re-ask about."""
    ex = Extraction()
    text = latest_text(tracker)
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    on = today()
    ents = _entities(tracker)
    by_type: Dict[str, List[Dict[str, Any]]] = {}
    for e in ents:
        by_type.setdefault(e.get("entity"), []).append(e)

    for e in by_type.get("category", []):
        ex.set("category", e["value"])
    for e in by_type.get("establishment", []):
        ex.set("establishment", e["value"])
    for e in by_type.get("rank_500", []):
        if e["value"] in ("global", "china", "none"):
            ex.set("rank_500", e["value"])
        elif requested == "rank_500" or "rank_500" not in ex.updates:
            ex.problem("utter_need_rank")
    for e in by_type.get("honour_level", []):
        slot = _target(text, requested, tracker, "level")
        ex.set(slot, e["value"])

    for e in by_type.get("date", []):
        slot = _target(text, requested, tracker, "date")
        if slot is None:
            continue
        value = str(e["value"])
        if slot == "entry_date":
            if len(value) == 4:  # a year alone: the three-year window needs the month
                ex.set("entry_year_pending", int(value))
                ex.problem("utter_need_month", year=value)
            else:
                ex.set("entry_date", value[:7] if len(value) == 7 else value)
                ex.set("entry_year_pending", None)
        else:
            ex.set(slot, int(value[:4]))

    if "entry_date" not in ex.updates and tracker.get_slot("entry_year_pending") and requested == "entry_date":
        m = _MONTH_RE.search(text)
        month = parse_number(m.group(1)) if m else None
        if month is not None and 1 <= int(month) <= 12:
            ex.set("entry_date", f"{int(tracker.get_slot('entry_year_pending')):04d}-{int(month):02d}")
            ex.set("entry_year_pending", None)
            ex.problems = [p for p in ex.problems if p[0] != "utter_need_month"]

    for e in by_type.get("money", []):
        monthly = (e.get("additional_info") or {}).get("period") == "month"
        slot = "annual_rent" if monthly and not _EVENT_WORDS.search(text) else _target(text, requested, tracker, "money")
        if slot is not None:
            ex.set(slot, e["value"])

    # facts said in words
    if _NOT_IN_PORT_RE.search(text):
        ex.set("in_talent_port", False)
    elif _IN_PORT_RE.search(text) or ex.updates.get("entry_date"):
        ex.set("in_talent_port", True)
    if _BASE_NO.search(text):
        ex.set("training_base", False)
    elif _BASE_YES.search(text):
        ex.set("training_base", True)
    m = _COUNT_RE.search(text)
    if m and (requested == "talent_recommendations" or "推荐" in text):
        n = parse_number(m.group(1))
        if n is not None:
            ex.set("talent_recommendations", int(n))

    # answers to the question being asked
    if requested and requested not in ex.updates:
        if _UNKNOWN_RE.search(text):
            ex.set(requested, UNKNOWN)
        elif intent in ("affirm", "deny"):
            _yes_no(ex, requested, intent == "affirm")
        elif _NO_RE.match(text):
            _yes_no(ex, requested, False)
        elif _YES_RE.match(text) and len(text) <= 6:
            _yes_no(ex, requested, True)
        elif requested == "talent_recommendations" and _BARE_NUMBER_RE.match(text):
            ex.set(requested, int(float(parse_number(_BARE_NUMBER_RE.match(text).group(1)))))
        elif requested in MONEY_SLOTS and _BARE_NUMBER_RE.match(text):
            ex.problem("utter_need_unit", number=_BARE_NUMBER_RE.match(text).group(1))
        elif requested in YEAR_SLOTS and re.fullmatch(r"\s*(19|20)\d{2}\s*", text):
            ex.set(requested, int(text.strip()))
    if ex.updates.get("in_talent_port") is False:  # not in the port: no entry date
        ex.set("entry_date", None)
        ex.set("entry_year_pending", None)
    _validate(ex, on)
    return ex


def _yes_no(ex: Extraction, requested: str, yes: bool) -> None:
    if requested in ("in_talent_port", "training_base"):
        ex.set(requested, yes)
    elif requested in LEVEL_SLOTS:
        ex.set(requested, "无") if not yes else ex.problem("utter_need_level")
    elif requested == "talent_recommendations":
        ex.set(requested, 0) if not yes else ex.problem("utter_need_count")
    elif requested == "event_cost":
        ex.set(requested, 0) if not yes else ex.problem("utter_need_cost")
    elif requested == "rank_500":
        ex.set(requested, "none") if not yes else ex.problem("utter_need_rank")


def _validate(ex: Extraction, on) -> None:
    """Each new value through policy_kb's profile rules; a bad one is dropped (the slot keeps its last good value)
    and its Chinese message re-asked."""
    for slot in [s for s in ex.updates if s in PROFILE_SLOTS]:
        value = ex.updates[slot]
        if value == UNKNOWN or value is None:
            continue
        try:
            parsed = Profile.from_dict({slot: value}, on)
        except ProfileError as e:
            del ex.updates[slot]
            for p in e.problems:
                ex.problem("utter_form_problem", problem=p)
            continue
        v = getattr(parsed, slot)
        ex.updates[slot] = v.isoformat() if hasattr(v, "isoformat") else v


def profile_from_slots(tracker: Tracker) -> Tuple[Profile, List[str]]:
    """The profile in the slots, and the facts the user answered 不清楚 to."""
    data, unknown = {}, []
    for s in PROFILE_SLOTS:
        v = tracker.get_slot(s)
        if v == UNKNOWN:
            unknown.append(s)
        elif v is not None:
            data[s] = v
    if data.get("in_talent_port") is False:
        data.pop("entry_date", None)
    try:
        return Profile.from_dict(data, today()), unknown
    except ProfileError:  # a value that was valid when given may not be on a later day; drop what fails
        good = {}
        for k, v in data.items():
            try:
                Profile.from_dict({k: v}, today())
                good[k] = v
            except ProfileError:
                pass
        return Profile.from_dict(good, today()), unknown


def still_to_ask(tracker: Tracker) -> List[str]:
    profile, unknown = profile_from_slots(tracker)
    focus = tracker.get_slot("focus_measures") or None
    missing = kb().assess(profile, today(), only=focus).missing_facts()
    return [f for f in missing if f not in unknown]


def _events(dispatcher: CollectingDispatcher, ex: Extraction, tracker: Tracker) -> List[EventType]:
    for response, kwargs in ex.problems:
        dispatcher.utter_message(response=response, **kwargs)
    events: List[EventType] = [SlotSet(k, v) for k, v in ex.updates.items()]
    if ex.problems:
        events.append(SlotSet("form_notice", (tracker.get_slot("form_notice") or 0) + 1))
    return events


class ValidateEligibilityForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_eligibility_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        return still_to_ask(tracker)

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent not in ANSWER_INTENTS:
            # A question in the middle of the form ("我们每年房租100万能补多少？"): reject, so the rules answer it
            # (with its numbers), then the form asks its question again.
            return []
        requested = tracker.get_slot("requested_slot")
        ex = extract_facts(tracker, requested)
        if not ex.updates and not ex.problems:
            if requested is None:  # the form is just starting: nothing to complain about
                return []
            dispatcher.utter_message(response="utter_not_understood_in_form")
            return [SlotSet("form_notice", (tracker.get_slot("form_notice") or 0) + 1)]
        return _events(dispatcher, ex, tracker)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        # Values are validated while they are extracted (one place), then the engine picks the next question.
        events = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(events)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        return events + ([next_slot] if next_slot else [])


SELF_CHECK_RE = re.compile(r"(我们|我司|我公司|本公司|我单位|我们公司|我们机构|本机构).{0,12}(能|可以|可不可以|能不能|符合|够|有没有资格|有资格)")


def _focus_from(tracker: Tracker) -> Optional[List[str]]:
    """A check about one measure ("我们能拿租金补贴吗"): the measure's intent, or a measure named in the message."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent in INTENT_MEASURE:
        return [INTENT_MEASURE[intent]]
    text = latest_text(tracker)
    k = kb()
    for m in k.rules.measures:
        if m.title in text or m.title[:2] in text and m.title[2:4] in text:
            return [m.id]
    hits = [h for h in k.search(text, limit=1) if h.ref.startswith("三、") and h.score >= 5]
    return [hits[0].ref] if hits and intent == "start_eligibility_check" and _names_a_measure(text) else None


def _names_a_measure(text: str) -> bool:
    return bool(re.search(r"补贴|奖励|奖补|落户|带教费|实训|荣誉|资质|论坛|租金|推荐", text))


class ActionStartCheck(Action):
    """Starts the self-check (all measures, or one), taking any facts already in the message."""

    def name(self) -> Text:
        return "action_start_check"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        events: List[EventType] = []
        if intent == "inform":  # facts or a correction: keep the check (and its focus) the user is in
            focus = tracker.get_slot("focus_measures")
        else:
            focus = _focus_from(tracker)
            events.append(SlotSet("focus_measures", focus))
        if focus and intent != "inform":
            m = kb().rules.measure(focus[0])
            dispatcher.utter_message(response="utter_start_check_focus", title=m.title, citation=m.citation)
        elif not any(tracker.get_slot(s) is not None for s in PROFILE_SLOTS):
            dispatcher.utter_message(response="utter_start_check")
        # The facts in this message are taken by the form's validation, which runs when the form starts.
        return events


class ActionEligibilityReport(Action):
    def name(self) -> Text:
        return "action_eligibility_report"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        profile, unknown = profile_from_slots(tracker)
        focus = tracker.get_slot("focus_measures") or None
        a = kb().assess(profile, today(), only=focus)
        report = render_assessment(a)
        if unknown:
            report += "\n\n" + messages()["dialogue"]["undecided"].format(facts=fact_labels(unknown))
        dispatcher.utter_message(response="utter_eligibility_report", report=report)
        return [SlotSet("requested_slot", None)]


class ActionResetProfile(Action):
    def name(self) -> Text:
        return "action_reset_profile"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(response="utter_profile_cleared")
        slots = PROFILE_SLOTS + ["entry_year_pending", "focus_measures", "form_notice", "requested_slot"]
        return [ActiveLoop(None)] + [SlotSet(s, None) for s in slots]
