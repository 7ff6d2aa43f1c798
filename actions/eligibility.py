"""The eligibility self-check: collect the profile through a form, asking only what can still change a verdict or
an amount, then report per measure from policy_kb's engine.

Facts come from policy_kb's understanding layer (actions/facts.py), with the question being asked and the facts so
far: several facts in one message are all taken, corrections overwrite and are said back ("已更正：…"), numbers are
said back as understood. The form never traps anyone: one question per turn, every question can be skipped
(不清楚/跳过), and after two answers it cannot use it records the fact as unknown and moves on.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from policy_kb.clock import today
from policy_kb.engine import span_label
from policy_kb.questions import is_guess, is_question
from policy_kb.report import fact_labels, render_report, report_data
from policy_kb.understand import DateSpan

from .answers import answer_questions, near_scope_category, premise_plan
from .calc import answer_with_figures
from .common import INTENT_MEASURE, kb, latest_intent, latest_text
from .facts import (
    MAX_FAILED_ANSWERS,
    PROFILE_SLOTS,
    UNKNOWN_VALUE,
    Reading,
    has_profile,
    profile_from_slots,
    read_message,
)
from .whatif import is_hypothesis, what_if

FORM = "eligibility_form"
UNKNOWN = UNKNOWN_VALUE
STOP_RE = re.compile(
    r"直接(看|出|给)(我)?(结果|报告)|先(看|出|给)(我)?(一下|个)?(结果|报告)|不想(回)?答了|别(再)?问了|不(要|用)?(再)?问了|出(个)?报告|就这些"
    r"|不(想)?(再)?(测|做|答|弄|填)了|^\s*(我(要|想)|请|那就|那)?(退出|结束|停止)(自测|测试|问答)?(吧)?\s*[。.!！]?\s*$"
    r"|(结束|退出|停止)(自测|测试)"
)
ANSWER_INTENTS = {"inform", "affirm", "deny", "nlu_fallback", "start_eligibility_check"}
STATE_SLOTS = [
    "skipped_facts",
    "failed_answers",
    "focus_measures",
    "form_notice",
    "requested_slot",
    "institution_name",
    "rent_said",
]


def still_to_ask(tracker: Tracker) -> list[str]:
    profile, skipped = profile_from_slots(tracker)
    focus = tracker.get_slot("focus_measures") or None
    missing = kb().assess(profile, today(), only=focus).missing_facts()
    return [f for f in missing if f not in skipped]


def _say(dispatcher: CollectingDispatcher, r: Reading) -> None:
    if r.corrected:
        dispatcher.utter_message(response="utter_fact_corrected", facts="；".join(r.corrected))
    if r.recorded:
        dispatcher.utter_message(response="utter_fact_recorded", facts="；".join(r.recorded))
    for response, kwargs in r.problems:
        dispatcher.utter_message(response=response, **kwargs)


def _events(dispatcher: CollectingDispatcher, r: Reading, tracker: Tracker, asked: str | None) -> list[EventType]:
    """Slot events for what was read; counts unusable answers to the question asked and skips it after two."""
    _say(dispatcher, r)
    events: list[EventType] = [SlotSet(k, v) for k, v in r.updates.items()]
    skipped = list(tracker.get_slot("skipped_facts") or [])
    failed = dict(tracker.get_slot("failed_answers") or {})
    new_skips = [f for f in r.skipped if f not in skipped]
    narrowed = asked in r.updates and r.updates[asked] != tracker.get_slot(asked)
    if asked and not (narrowed or asked in r.skipped) and not (set(r.updates) - {"in_talent_port", asked}):
        failed[asked] = failed.get(asked, 0) + 1
        if failed[asked] >= MAX_FAILED_ANSWERS:
            new_skips.append(asked)
            dispatcher.utter_message(response="utter_skip_after_two", fact=fact_labels([asked]))
        elif not r.problems:
            dispatcher.utter_message(response="utter_not_understood_in_form")
        events.append(SlotSet("failed_answers", failed))
    elif new_skips:
        dispatcher.utter_message(response="utter_fact_skipped", facts=fact_labels(new_skips))
    if new_skips:
        events.append(SlotSet("skipped_facts", skipped + new_skips))
    if r.problems or (asked and not r.answered(asked)):
        events.append(SlotSet("form_notice", (tracker.get_slot("form_notice") or 0) + 1))
    return events


def _button_titles(domain: DomainDict, slot: str | None) -> list[str]:
    if not slot:
        return []
    variants = (domain.get("responses") or {}).get(f"utter_ask_{slot}") or []
    return [b.get("title", "") for v in variants for b in v.get("buttons", [])]


class ValidateEligibilityForm(FormValidationAction):
    def name(self) -> str:
        return "validate_eligibility_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        return still_to_ask(tracker)

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        asked = tracker.get_slot("requested_slot")
        text = latest_text(tracker)
        is_button = text in _button_titles(domain, asked) or text.startswith("/")
        if asked is not None and STOP_RE.search(text):
            # "直接看结果吧": the rest is skipped and the report comes now, from what is known
            skipped = list(tracker.get_slot("skipped_facts") or [])
            rest = [f for f in still_to_ask(tracker) if f not in skipped]
            dispatcher.utter_message(response="utter_fact_skipped_rest")
            return [SlotSet("skipped_facts", skipped + rest)]
        if asked is not None and is_hypothesis(text):
            # "如果年租金是200万呢" in the middle of the check: a what-if on what is known so far, nothing recorded;
            # the form then asks its question again
            what_if(dispatcher, tracker)
            return []
        r = read_message(tracker, asked)
        guess = r.answered(asked) and is_guess(text)  # "一年差不多一百二十万吧" answers the question asked
        statement = (guess or not is_question(text)) and not (r.empty and intent not in ANSWER_INTENTS)
        if intent not in ANSWER_INTENTS and not is_button and asked is not None and not statement:
            # A question in the middle of the form ("我们每年房租100万能补多少？"): reject, so the rules answer it
            # (with its numbers), then the form asks its question again. A statement of facts whatever its
            # intent ("说错了，是每月7万") is the form's.
            return []
        if r.empty and asked is None:  # the form is just starting: nothing to complain about
            return []
        return _events(dispatcher, r, tracker, asked)

    async def next_requested_slot(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> EventType | None:
        """The engine's first missing fact — also one already filled with an interval that must be narrowed (an
        entry year on which the three-year window turns): rasa_sdk's default would skip a filled slot."""
        missing = still_to_ask(tracker)
        if tracker.get_slot("rent_said") and "annual_rent" in missing:
            missing.insert(0, missing.pop(missing.index("annual_rent")))  # "我们房租7万": its period first
        return SlotSet("requested_slot", missing[0] if missing else None)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # Values are validated while they are extracted (one place), then the engine picks the next question.
        events = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(events)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        return events + ([next_slot] if next_slot else [])


# "能帮我们注册个公司吗": a service asked of the assistant that the 《办法》 does not cover, not a self-check
SERVICE_REQUEST_RE = re.compile(
    r"(帮|替|给|代)(我|我们|我司|咱们)?(们)?(忙)?.{0,3}(注册|办理|办|开|申办|代办)(一)?(个|家|下)?"
    r"(公司|企业|营业执照|执照|工商|税务登记)|代办(公司|注册|营业执照|执照)|代理记账|注册(个|一个|一家)?公司"
)
SELF_CHECK_RE = re.compile(
    r"(我们|我司|我公司|本公司|我单位|我们公司|我们机构|本机构).{0,12}(能|可以|可不可以|能不能|符合|够|有没有资格|有资格)"
)


def _focus_from(tracker: Tracker) -> list[str] | None:
    """A check about one measure ("我们能拿租金补贴吗"): the measure's intent, or a measure named in the message."""
    intent = latest_intent(tracker)
    if intent in INTENT_MEASURE:
        return [INTENT_MEASURE[intent]]
    topic = next(
        (e.get("value") for e in tracker.latest_message.get("entities", []) or [] if e.get("entity") == "topic"), None
    )  # the 看看我们能否申请 button under an answer
    if topic and kb().rules.measure(str(topic)) and kb().rules.measure(str(topic)).applies_to_profile:
        return [str(topic)]
    text = latest_text(tracker)
    current = tracker.get_slot("topic")
    m = kb().rules.measure(current) if current else None
    if (
        m is not None
        and m.applies_to_profile
        and re.match(r"^(那|那么|如果|要是|假如)", text)
        and not _names_a_measure(text)
    ):
        return [m.id]  # "那要是我们已经入驻四年了呢" right after 三、2: a check on the topic just discussed
    k = kb()
    for m in k.rules.measures:
        if m.title in text or (m.title[:2] in text and m.title[2:4] in text):
            return [m.id]
    hits = [h for h in k.search(text, limit=1) if h.ref.startswith("三、") and h.score >= 5]
    return [hits[0].ref] if hits and intent == "start_eligibility_check" and _names_a_measure(text) else None


def _names_a_measure(text: str) -> bool:
    return bool(re.search(r"补贴|奖励|奖补|落户|带教费|实训|荣誉|资质|论坛|租金|推荐", text))


class ActionStartCheck(Action):
    """Starts the self-check (all measures, or one), taking any facts already in the message."""

    def name(self) -> str:
        return "action_start_check"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        intent = latest_intent(tracker)
        events: list[EventType] = []
        if tracker.active_loop_name != FORM and SERVICE_REQUEST_RE.search(latest_text(tracker)):
            dispatcher.utter_message(response="utter_out_of_scope")
            return [FollowupAction("action_listen")]
        if tracker.active_loop_name != FORM and has_profile(tracker) and is_hypothesis(latest_text(tracker)):
            # "如果年租金是200万呢" after a report, taken for facts: a what-if, the stored profile left as it is
            return what_if(dispatcher, tracker) + [FollowupAction("action_listen")]
        answered = (
            answer_with_figures(dispatcher, tracker, question_only=True) if tracker.active_loop_name != FORM else None
        )
        if answered:  # "年租金1,500,000元，补贴多少": a question that carries its figures is answered, not a check
            return [SlotSet("topic", answered), SlotSet("aspect", "amount"), FollowupAction("action_listen")]
        outside = near_scope_category(tracker) if tracker.active_loop_name != FORM else None
        if outside:  # "我们是芯片制造企业，能申请吗": say who the policy is for (二), not a check that cannot succeed
            dispatcher.utter_message(response="utter_near_scope", category=outside)
            return [SlotSet("category", outside), FollowupAction("action_listen")]
        if tracker.active_loop_name != FORM:
            premise = premise_plan(tracker)
            if premise:  # "区级荣誉也能拿吧": a claim about the policy to correct, not a self-check
                return answer_questions(dispatcher, premise) + [FollowupAction("action_listen")]
        if intent == "inform":  # facts or a correction: keep the check (and its focus) the user is in
            focus = tracker.get_slot("focus_measures")
        else:
            focus = _focus_from(tracker)
            events.append(SlotSet("focus_measures", focus))
        if focus and intent != "inform":
            m = kb().rules.measure(focus[0])
            dispatcher.utter_message(response="utter_start_check_focus", title=m.title, citation=m.citation)
        elif not has_profile(tracker):
            dispatcher.utter_message(response="utter_start_check")
        # The facts in this message are taken by the form's validation, which runs when the form starts.
        return events


def current_report(tracker: Tracker) -> dict[str, Any]:
    """The report of the profile in the slots as of today (on the measures the check is focused on, if any), as
    data (``policy_kb.report.report_data``)."""
    profile, unknown = profile_from_slots(tracker)
    focus = tracker.get_slot("focus_measures") or None
    k = kb()
    return report_data(k.assess(profile, today(), only=focus), undecided=unknown, version=k.version.label)


class ActionEligibilityReport(Action):
    def name(self) -> str:
        return "action_eligibility_report"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        data = current_report(tracker)
        # the text for every channel and, beside it, the same report as data (web badges, staff insights)
        dispatcher.utter_message(response="utter_eligibility_report", report=render_report(data), json_message=data)
        return [SlotSet("requested_slot", None)]


class ActionResetProfile(Action):
    def name(self) -> str:
        return "action_reset_profile"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_profile_cleared")
        return [ActiveLoop(None)] + [SlotSet(s, None) for s in PROFILE_SLOTS + STATE_SLOTS]


class ActionAskAnnualRent(Action):
    """The rent question; after a rent said without a period ("我们房租7万"), whether it is per month or per year."""

    def name(self) -> str:
        return "action_ask_annual_rent"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if tracker.get_slot("rent_said"):
            dispatcher.utter_message(response="utter_ask_annual_rent_period")
        else:
            dispatcher.utter_message(response="utter_ask_annual_rent")
        return []


class ActionAskEntryDate(Action):
    """The entry-date question; when the year is known but the verdict turns on the month, ask for the month."""

    def name(self) -> str:
        return "action_ask_entry_date"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        value = tracker.get_slot("entry_date")
        span = None
        if isinstance(value, str):
            try:
                span = DateSpan.parse(value)
            except ValueError:
                span = None
        if (
            span is not None
            and not span.exact
            and (span.start.year, span.start.month) == (span.end.year, span.end.month)
        ):
            dispatcher.utter_message(response="utter_ask_entry_date_day", known=span_label(span))  # 2023年12月的哪一天
        elif span is not None and not span.exact:
            dispatcher.utter_message(response="utter_ask_entry_date_narrow", known=span_label(span))
        else:
            dispatcher.utter_message(response="utter_ask_entry_date")
        return []
