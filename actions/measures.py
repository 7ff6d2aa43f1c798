"""Questions about one measure (《办法》三、1–9): what it is, how much, conditions, tier, how to apply —
and the amount, when the question carries a number and the text gives a formula (三、2, 三、7)."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from policy_kb.engine import benefit
from policy_kb.profile import Profile
from policy_kb.rules import messages, wan

from .common import INTENT_MEASURE, apply_note, first_entity, kb, latest_text, measure_conditions
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
        k = kb()
        m = k.rules.measure(measure_id)
        money = first_entity(tracker, "money")
        kind = m.benefit["kind"]
        if money is not None and kind in ("percent_of_base", "percent_cap"):
            amount = money.get("value")
            if not isinstance(amount, (int, float)) or amount <= 0:
                dispatcher.utter_message(response="utter_invalid_amount", amount=_shown(money), citation=m.citation)
            else:
                self._calculate(dispatcher, m, int(amount), money)
                return []
        if money is None and tracker.active_loop_name != FORM and SELF_CHECK_RE.search(latest_text(tracker)):
            # "我们能拿租金补贴吗": a focused self-check on this one measure
            dispatcher.utter_message(response="utter_start_check_focus", title=m.title, citation=m.citation)
            return [SlotSet("focus_measures", [measure_id]), FollowupAction(FORM)]
        dispatcher.utter_message(response="utter_measure", **measure_answer(measure_id))
        return []

    @staticmethod
    def _calculate(dispatcher: CollectingDispatcher, m, amount: int, money: Dict[str, Any]) -> None:
        info = money.get("additional_info") or {}
        cond = measure_conditions(m)
        common = {"citation": m.citation, "rule": m.benefit["quote"], "apply_note": apply_note(), **cond}
        if m.benefit["kind"] == "percent_of_base":
            b = benefit(m, Profile(annual_rent=amount))
            note = ""
            if info.get("period") == "month":
                note = messages()["money"]["base_monthly_note"].format(month=wan(info.get("amount", 0)))
            dispatcher.utter_message(response="utter_measure_rent_calc", base=wan(amount), base_note=note,
                                     per_year=wan(b.per_year), years=b.years, total=wan(b.total), **common)
        else:
            b = benefit(m, Profile(event_cost=amount))
            dispatcher.utter_message(response="utter_measure_event_calc", base=wan(amount), max=wan(b.max),
                                     percent=b.percent, **common)


def _shown(money: Dict[str, Any]) -> str:
    v = money.get("value")
    return wan(v) if isinstance(v, (int, float)) else str(v)
