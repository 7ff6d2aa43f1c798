"""Questions about one measure (《办法》三、1–9): what it is, how much, conditions, tier, how to apply —
and the amount, when the question carries a number and the text gives a formula (三、2, 三、7)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from policy_kb.engine import benefit
from policy_kb.profile import Profile

from .calc import answer_with_figures
from .common import INTENT_MEASURE, apply_note, kb, latest_text, measure_conditions
from .eligibility import FORM, SELF_CHECK_RE


def measure_answer(measure_id: str) -> Dict[str, Any]:
    """Template values for utter_measure."""
    k = kb()
    m = k.rules.measure(measure_id)
    clause = k.clause(measure_id)
    return {"title": m.title, "citation": m.citation, "clause_text": clause.text_norm,
            "money": benefit(m, Profile()).text, "apply_note": apply_note(), **measure_conditions(m)}


class ActionAnswerMeasure(Action):
    def name(self) -> Text:
        return "action_answer_measure"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        measure_id = INTENT_MEASURE.get(intent)
        if measure_id is None:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        m = kb().rules.measure(measure_id)
        if answer_with_figures(dispatcher, tracker, measure_id):
            return []
        if tracker.active_loop_name != FORM and SELF_CHECK_RE.search(latest_text(tracker)):
            # "我们能拿租金补贴吗": a focused self-check on this one measure
            dispatcher.utter_message(response="utter_start_check_focus", title=m.title, citation=m.citation)
            return [SlotSet("focus_measures", [measure_id]), FollowupAction(FORM)]
        dispatcher.utter_message(response="utter_measure", **measure_answer(measure_id))
        return []
