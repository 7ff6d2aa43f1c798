"""What-if after a report: "如果年租金是200万呢", "要是我们明年才入驻呢", "如果拿到市级荣誉呢". The profile in the slots
with that change is assessed again (``policy_kb.whatif``) and the answer says what changed measure by measure; no
slot is set, so the original profile stays as it was and the next what-if starts from it too.

Without a profile there is nothing to compare: a hypothetical figure ("如果年租金是200万呢" right after the rent
subsidy's answer) is answered with the computed amount, as a question carrying its figure is."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from policy_kb import whatif
from policy_kb.clock import today
from policy_kb.profile import Profile, ProfileError
from policy_kb.report import fact_text, stated_fact
from policy_kb.understand import UNKNOWN, understand

from .calc import answer_with_figures
from .common import kb, kb_on, latest_text
from .facts import has_profile, known_facts, slot_profile, valid_profile

HYPOTHESIS_RE = re.compile(r"^\s*(那|那么|那如果)?\s*(如果|要是|假如|假设|万一|若是|倘若|如若)")


def is_hypothesis(text: str) -> bool:
    return bool(HYPOTHESIS_RE.match(text))


class ActionWhatIf(Action):
    def name(self) -> str:
        return "action_what_if"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        if not has_profile(tracker):
            answered = answer_with_figures(dispatcher, tracker)
            if answered:
                return [SlotSet("topic", answered), SlotSet("aspect", "amount")]
            dispatcher.utter_message(response="utter_what_if_no_profile")
            return []
        return what_if(dispatcher, tracker)


def what_if(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Assess the slots' profile with the message's facts in place of the stored ones; say what changed."""
    on = today()
    known = known_facts(tracker)
    u = understand(latest_text(tracker), None, known, on, future_ok=True)
    facts = [f for f in u.facts if f.kind != UNKNOWN and f.name != "name"]
    if not facts:
        dispatcher.utter_message(response="utter_what_if_not_understood")
        return []
    data, _ = slot_profile(tracker)
    before = valid_profile(data, on)
    sc = whatif.scenario(data, facts, on)
    named = {f.name for f in facts}
    try:  # the assumed facts must be valid themselves; a stored one that is not on that day is dropped
        Profile.from_dict({f.name: sc.data[f.name] for f in facts}, sc.day)
    except ProfileError as e:
        dispatcher.utter_message(response="utter_form_problem", problem="；".join(e.problems))
        return []
    focus = tracker.get_slot("focus_measures") or None
    # a future day is assessed with the version in force then (a loaded revision's, where one is)
    after = kb_on(sc.day).assess(valid_profile(sc.data, sc.day), sc.day, only=focus)
    original = kb().assess(before, on, only=focus)
    kept = [stated_fact(f.name, before.get(f.name)) for f in facts if before.get(f.name) is not None]
    said = [fact_text(f) for f in facts]
    found = whatif.changes(original, after, named if sc.day != on else None, kb().rules)
    notes = whatif.still_missing(after, named, kb().rules) + sc.notes
    text = whatif.render(said, found, notes, kept)
    dispatcher.utter_message(response="utter_what_if", answer=text)
    return []
