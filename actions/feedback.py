"""有帮助 / 没帮助 on the answer just given: the buttons under every answer on the web page, or "没帮助" typed right
after an answer (WeChat, REST). The feedback is stored (``records.feedback``) with the question, the answer and the
topic; no sender id. After 没帮助 the user is offered a message to the bureau (联系工作人员) or another wording."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from records import feedback

from .common import event_intent, latest_intent

logger = logging.getLogger(__name__)

HELPFUL, UNHELPFUL = "feedback_helpful", "feedback_unhelpful"
FEEDBACK_INTENTS = (HELPFUL, UNHELPFUL)
PRIVATE_ACTIONS = frozenset({"ticket_form", "validate_ticket_form", "action_submit_ticket"})
PRIVATE_TURN = ("", "", "")


def answered_turn(tracker: Tracker) -> tuple[str, str, str] | None:
    """(question, its intent, the answer) of the turn before this message: the bot's texts after the last user
    message that is not itself feedback; None when the bot has said nothing yet; PRIVATE_TURN when that turn was
    the ticket form's (its texts carry contact details: thanked, not stored)."""
    events = list(tracker.events)
    i = len(events) - 1
    while i >= 0 and events[i].get("event") != "user":  # this feedback message
        i -= 1
    answer: list[str] = []
    for e in reversed(events[:i]):
        kind = e.get("event")
        if kind == "action" and str(e.get("name") or "") in PRIVATE_ACTIONS:
            return PRIVATE_TURN  # the ticket form's questions and summary hold contact details: not stored
        if kind == "bot" and e.get("text"):
            answer.append(e["text"])
        elif kind == "user":
            intent = event_intent(e) or ""
            if intent in FEEDBACK_INTENTS:  # 没帮助 twice: the answer before the first is still the one meant
                answer.clear()
                continue
            if not answer:
                return None
            return e.get("text") or "", intent, "\n".join(reversed(answer))
    return None


class ActionFeedback(Action):
    def name(self) -> str:
        return "action_feedback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        helpful = latest_intent(tracker) == HELPFUL
        turn = answered_turn(tracker)
        if turn is None:
            dispatcher.utter_message(response="utter_feedback_nothing")
            return []
        if turn == PRIVATE_TURN:
            dispatcher.utter_message(response="utter_feedback_thanks")
            return []
        question, intent, answer = turn
        try:
            feedback.record(
                helpful,
                question,
                answer,
                topic=str(tracker.get_slot("topic") or ""),
                intent=intent,
                channel=str(tracker.get_latest_input_channel() or ""),
            )
        except SQLAlchemyError:
            logger.exception("could not store feedback")
        dispatcher.utter_message(response="utter_feedback_thanks" if helpful else "utter_feedback_sorry")
        return []
