"""Questions about one measure (《办法》三、1–9): what it is, how much, conditions, tier, how to apply —
and the amount, when the question carries a number and the text gives a formula (三、2, 三、7)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from policy_kb.engine import benefit
from policy_kb.profile import Profile

from .answers import answer_questions, near_scope_category, payload_entities, plan_for, premise_plan
from .calc import FIGURE_ASPECTS, FIGURE_MEASURES, answer_with_figures, has_figures
from .common import (
    INTENT_MEASURE,
    apply_note,
    asked_as_of,
    kb,
    kb_on,
    latest_intent,
    latest_text,
    measure_buttons,
    measure_conditions,
)
from .eligibility import FORM, SELF_CHECK_RE


def measure_answer(measure_id: str) -> dict[str, Any]:
    """Template values for utter_measure."""
    k = kb()
    m = k.rules.measure(measure_id)
    clause = k.clause(measure_id)
    return {
        "title": m.title,
        "citation": m.citation,
        "clause_text": clause.text_norm,
        "money": benefit(m, Profile()).text,
        "apply_note": apply_note(),
        **measure_conditions(m),
    }


class ActionAnswerMeasure(Action):
    """A question about a measure (its intent), or a follow-up about the topic just discussed (ask_followup):
    the figures computed when the question carries them, else the aspect asked, answer first."""

    def name(self) -> str:
        return "action_answer_measure"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict]:
        intent = latest_intent(tracker)
        measure_id = INTENT_MEASURE.get(intent)
        if measure_id is None and intent != "ask_followup":
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        topic = measure_id or payload_entities(tracker).get("topic") or tracker.get_slot("topic")
        figure_measure = topic if topic in FIGURE_MEASURES.values() else None
        as_of = asked_as_of(tracker)  # "2023年的时候能拿吗": that day's version; no self-check of today
        if (measure_id or figure_measure) and has_figures(tracker) and not (as_of and not kb_on(as_of.day).in_force):
            # "租金每年50万 第四年还有吗": the aspect asked first (no), then the amount the figures give
            other = [it for it in plan_for(tracker, measure_id) if it[1] not in FIGURE_ASPECTS]
            events = answer_questions(dispatcher, other[:1]) if other else []
            k = kb_on(as_of.day) if as_of else None
            if answer_with_figures(dispatcher, tracker, figure_measure or measure_id, k=k):
                return events + [SlotSet("topic", figure_measure or measure_id), SlotSet("aspect", "amount")]
            if events:
                return events
        outside = near_scope_category(tracker) if tracker.active_loop_name != FORM else None
        if outside and SELF_CHECK_RE.search(latest_text(tracker)):
            dispatcher.utter_message(response="utter_near_scope", category=outside)
            return [SlotSet("category", outside), SlotSet("topic", "二")]
        premise = premise_plan(tracker) if tracker.active_loop_name != FORM else []
        if (
            premise
        ):  # "我们是世界500强，落户奖励能拿500万吧？": the claim is answered first (the check is a button away)
            return answer_questions(dispatcher, premise)
        if (
            measure_id
            and as_of is None
            and tracker.active_loop_name != FORM
            and SELF_CHECK_RE.search(latest_text(tracker))
        ):
            # "我们能拿租金补贴吗": a focused self-check on this one measure
            m = kb().rules.measure(measure_id)
            dispatcher.utter_message(response="utter_start_check_focus", title=m.title, citation=m.citation)
            return [SlotSet("focus_measures", [measure_id]), SlotSet("topic", measure_id), FollowupAction(FORM)]
        if payload_entities(tracker).get("aspect") == "card" and topic and kb().rules.measure(topic):
            dispatcher.utter_message(response="utter_measure", **measure_answer(topic))  # the full card
            return [SlotSet("topic", topic)]
        plan = plan_for(tracker, measure_id)
        if not plan:  # a follow-up with nothing discussed before
            dispatcher.utter_message(response="utter_followup_no_topic", buttons=measure_buttons())
            return []
        return answer_questions(dispatcher, plan)
