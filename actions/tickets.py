"""A message for the bureau (留言): ticket_form collects the institution (skippable), the contact person, a phone
number or e-mail and the question; action_submit_ticket stores the ticket (records/tickets.py) and says its number.

Privacy: the contact person and the phone/e-mail are written straight into a draft row of the records database
(``records.tickets.save_draft``, keyed by the random id in the ``ticket_draft`` slot). Their slots only ever hold
"given" / "phone" / "email": each ``extract_<slot>`` hands the message text to its ``validate_<slot>``, which
always returns the slot, so the raw text never leaves the action server as a slot value. Nothing personal is
logged (a database error is logged by its type only: SQLAlchemy's message carries the statement's parameters).

The form never traps anyone: one question per turn; "算了" / "不留了" / "取消" at any question ends it and nothing
is stored; after two unusable answers to a question it says what is accepted and how to stop, after four it stops.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from policy_kb.questions import is_question
from records import tickets

from .common import event_intent, latest_intent, latest_text

logger = logging.getLogger(__name__)

FORM = "ticket_form"
SLOTS = ["ticket_institution", "ticket_contact_person", "ticket_contact", "ticket_question"]
STATE_SLOTS = ["ticket_draft", "ticket_previous_question", "ticket_failures", "ticket_cancelled"]
NOT_GIVEN = "not_given"
GIVEN = "given"
MAX_FAILED = 2  # then: what is accepted, and how to stop
GIVE_UP = 4  # then the form ends, nothing stored
MAX_INSTITUTION, MAX_PERSON, MAX_QUESTION, MAX_PREVIOUS = 60, 20, 500, 300
CANCEL_RESPONSES = {
    "quit": "utter_ticket_cancelled",
    "gave_up": "utter_ticket_gave_up",
    "store_failed": "utter_ticket_store_failed",
}

QUIT_RE = re.compile(
    r"^\s*(那|那就|还是|我|我还是|先)?(算了|不留了|不留言了|不想留了|不想留言了|不用了|不要了|不弄了|不填了|取消|取消留言"
    r"|退出|退出留言|重新开始|再见|拜拜)(吧|啦|了)?[，,。.!！\s]*(不留了|不弄了|谢谢|再见)?[。.!！~]*\s*$"
)
SKIP_RE = re.compile(
    r"^\s*(跳过|不方便(说|透露|讲|告诉)?|不想说|不说了?|保密|暂不提供|不提供|没有|无|个人|个人咨询|我是个人)[。.!！]*\s*$"
)
REFUSE_RE = re.compile(r"不方便|不想留|不留(电话|联系方式|手机)|没有(电话|手机|邮箱)|保密|不告诉")
SAME_RE = re.compile(
    r"^\s*(就是|就|是)?(刚才|上面|前面|之前|上一个)(的|那个)?(问题|那个|那条)?(吧|呀|啊)?[。.!！]*\s*$"
    r"|^\s*(是的?|对|对的|嗯|好的?|就这个|就这个问题|同上|没错|可以)[。.!！]*\s*$"
)
NAME_LABEL_RE = re.compile(
    r"^(我叫|我是|叫我|姓名|名字|联系人|称呼)[:：是为]?\s*|[，,。.;；:：\s]*(电话|手机|手机号|号码|邮箱|联系方式)?[:：是为]?\s*$"
)
SMALL_TALK = {
    "greet",
    "thanks",
    "affirm",
    "deny",
    "help",
    "bot_challenge",
    "goodbye",
    "contact_staff",
    "feedback_helpful",
    "feedback_unhelpful",
}


def _policy_intents() -> frozenset[str]:
    domain = Path(__file__).resolve().parent.parent / "bot" / "domain" / "policy.yml"
    return frozenset(yaml.safe_load(domain.read_text(encoding="utf-8")).get("intents") or [])


POLICY_INTENTS = _policy_intents()


def bureau_contact() -> str:
    """The bureau's contact details exactly as staff configured them (``BUREAU_CONTACT``), or "" — never invented."""
    return os.environ.get("BUREAU_CONTACT", "").strip()[:300]


def previous_question(tracker: Tracker) -> str | None:
    """The policy question asked just before the form started (skipping small talk and button payloads), if any."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    for e in reversed(users[:-1]):  # the last one started the form
        text = (e.get("text") or "").strip()
        intent = event_intent(e)
        if not text or text.startswith("/") or intent in SMALL_TALK:
            continue
        if intent in POLICY_INTENTS or (intent == "nlu_fallback" and is_question(text)):
            return text[:MAX_PREVIOUS]
        return None
    return None


def _plain(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


class ValidateTicketForm(FormValidationAction):
    def name(self) -> str:
        return "validate_ticket_form"

    def domain_slots(self, domain: DomainDict) -> list[str]:
        return list(SLOTS)  # the form's slots (bot/domain/tickets.yml); no domain needs to be sent

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("requested_slot") is None:  # the form is starting
            return self._start(dispatcher, tracker)
        if QUIT_RE.match(latest_text(tracker)):
            return self._end(tracker, "quit")
        return await super().run(dispatcher, tracker, domain)

    def _start(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        contact = bureau_contact()
        if contact:
            dispatcher.utter_message(response="utter_ticket_intro_contact", contact=contact)
        else:
            dispatcher.utter_message(response="utter_ticket_intro")
        return [SlotSet(s, None) for s in SLOTS] + [
            SlotSet("ticket_draft", tickets.new_draft_id()),
            SlotSet("ticket_previous_question", previous_question(tracker)),
            SlotSet("ticket_failures", None),
            SlotSet("ticket_cancelled", None),
        ]

    def _end(self, tracker: Tracker, reason: str) -> list[EventType]:
        """Stop the form (action_submit_ticket then says why); the draft, if any, is deleted."""
        draft = tracker.get_slot("ticket_draft")
        if draft:
            try:
                tickets.discard_draft(draft)
            except SQLAlchemyError as exc:  # it expires on its own (records.tickets.DRAFT_HOURS)
                logger.error("Ticket draft not discarded: %s", type(exc).__name__)
        return [SlotSet(s, None) for s in SLOTS] + [
            SlotSet("ticket_cancelled", reason),
            SlotSet("requested_slot", None),
        ]

    def _ended(self, tracker: Tracker, reason: str) -> dict[str, Any]:
        """``_end`` as the slot values a validate method returns."""
        return {e["name"]: e["value"] for e in self._end(tracker, reason)}

    def _keep_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, reading: tickets.ContactReading
    ) -> bool:
        """The phone / e-mail read into the draft and said back masked; False when the draft could not be saved."""
        if not self._save(tracker, phone=reading.phone, email=reading.email):
            return False
        dispatcher.utter_message(
            response="utter_ticket_contact_saved", contact=tickets.mask(reading.phone, reading.email)
        )
        return True

    def _unusable(self, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str, problem: str) -> dict[str, Any]:
        """Nothing stored for ``slot``; the reason, or after two tries what is accepted; after four, the end."""
        failures = dict(tracker.get_slot("ticket_failures") or {})
        failures[slot] = failures.get(slot, 0) + 1
        if failures[slot] >= GIVE_UP:
            return self._ended(tracker, "gave_up")
        if failures[slot] >= MAX_FAILED:
            dispatcher.utter_message(response=f"utter_ticket_accepted_{slot}")
        else:
            dispatcher.utter_message(response=f"utter_ticket_problem_{problem}")
        return {slot: None, "ticket_failures": failures}

    def _save(self, tracker: Tracker, **fields: str | None) -> bool:
        try:
            tickets.save_draft(tracker.get_slot("ticket_draft") or "", **fields)
        except SQLAlchemyError as exc:
            logger.error("Ticket draft not saved: %s", type(exc).__name__)
            return False
        return True

    # extraction: the message text, for the question being asked only ----------------------------------------------
    @staticmethod
    def _answer(tracker: Tracker, slot: str) -> dict[str, Any]:
        return {slot: latest_text(tracker)} if tracker.get_slot("requested_slot") == slot else {}

    async def extract_ticket_institution(self, dispatcher: Any, tracker: Tracker, domain: Any) -> dict[str, Any]:
        return self._answer(tracker, "ticket_institution")

    async def extract_ticket_contact_person(self, dispatcher: Any, tracker: Tracker, domain: Any) -> dict[str, Any]:
        return self._answer(tracker, "ticket_contact_person")

    async def extract_ticket_contact(self, dispatcher: Any, tracker: Tracker, domain: Any) -> dict[str, Any]:
        return self._answer(tracker, "ticket_contact")

    async def extract_ticket_question(self, dispatcher: Any, tracker: Tracker, domain: Any) -> dict[str, Any]:
        return self._answer(tracker, "ticket_question")

    # validation: each returns its slot, always --------------------------------------------------------------------
    def validate_ticket_institution(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if SKIP_RE.match(text):
            return {"ticket_institution": NOT_GIVEN}
        if text.startswith("/"):  # a button's payload (有帮助 under the question), not a name
            return self._unusable(dispatcher, tracker, "ticket_institution", "institution_empty")
        if latest_intent(tracker) == "contact_staff":
            return self._unusable(dispatcher, tracker, "ticket_institution", "institution_in_form")
        if not _plain(text):
            return self._unusable(dispatcher, tracker, "ticket_institution", "institution_empty")
        if len(text) > MAX_INSTITUTION:
            return self._unusable(dispatcher, tracker, "ticket_institution", "institution_too_long")
        return {"ticket_institution": text}

    def validate_ticket_contact_person(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A name; a phone number or e-mail typed with it ("张先生 13812345678", or only the number) is kept too."""
        slot = "ticket_contact_person"
        text = str(value or "").strip()
        reading = tickets.parse_contact(text)
        name = NAME_LABEL_RE.sub("", reading.rest if reading.ok else text).strip()
        problem = None
        if latest_intent(tracker) == "contact_staff":
            problem = "person_in_form"
        elif not _plain(name) or text.startswith("/"):  # a button's payload is not a name
            problem = "person_empty"
        elif sum(c.isdigit() for c in name) >= 5 or "@" in name:
            problem = "person_digits"
        elif len(name) > MAX_PERSON:
            problem = "person_too_long"
        filled: dict[str, Any] = {}
        if reading.ok and problem != "person_in_form":  # the number is kept even when the name must be asked again
            if not self._keep_contact(dispatcher, tracker, reading):
                return self._ended(tracker, "store_failed")
            filled["ticket_contact"] = reading.kind
        if problem:
            return {**filled, **self._unusable(dispatcher, tracker, slot, problem)}
        if not self._save(tracker, contact_person=name):
            return self._ended(tracker, "store_failed")
        return {slot: GIVEN, **filled}

    def validate_ticket_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "")
        reading = tickets.parse_contact(text)
        if not reading.ok:
            problem = "refused" if reading.problem == "none" and REFUSE_RE.search(text) else reading.problem
            return self._unusable(dispatcher, tracker, "ticket_contact", f"contact_{problem}")
        if not self._keep_contact(dispatcher, tracker, reading):
            return self._ended(tracker, "store_failed")
        return {"ticket_contact": reading.kind}

    def validate_ticket_question(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        previous = tracker.get_slot("ticket_previous_question")
        if previous and SAME_RE.match(text):
            return {"ticket_question": previous}
        if latest_intent(tracker) == "contact_staff" and len(_plain(text)) <= 12:
            return self._unusable(dispatcher, tracker, "ticket_question", "question_in_form")
        if len(_plain(text)) < 3 or SAME_RE.match(text):
            return self._unusable(dispatcher, tracker, "ticket_question", "question_short")
        if len(text) > MAX_QUESTION:
            return self._unusable(dispatcher, tracker, "ticket_question", "question_too_long")
        return {"ticket_question": text}


class ActionSubmitTicket(Action):
    """After ticket_form: store the ticket and say its number — or, when the form was stopped, say that nothing was
    stored. Every ticket slot is reset either way."""

    def name(self) -> str:
        return "action_submit_ticket"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        reset: list[EventType] = [SlotSet(s, None) for s in SLOTS + STATE_SLOTS]
        reason = tracker.get_slot("ticket_cancelled")
        draft = tracker.get_slot("ticket_draft")
        if reason or not draft or any(tracker.get_slot(s) is None for s in SLOTS):
            dispatcher.utter_message(response=CANCEL_RESPONSES.get(str(reason), "utter_ticket_cancelled"))
            return reset
        institution = tracker.get_slot("ticket_institution")
        institution = None if institution == NOT_GIVEN else institution
        try:
            ticket = tickets.create(
                institution=institution, question=tracker.get_slot("ticket_question"), draft_id=draft
            )
        except SQLAlchemyError as exc:
            logger.error("Ticket not stored: %s", type(exc).__name__)
            dispatcher.utter_message(response="utter_ticket_store_failed")
            return reset
        if ticket is None:
            dispatcher.utter_message(response="utter_ticket_expired")
            return reset
        dispatcher.utter_message(
            response="utter_ticket_summary" if institution else "utter_ticket_summary_no_institution",
            institution=institution or "",
            contact_person=tickets.mask_name(ticket.contact_person),
            contact=tickets.mask(ticket.phone, ticket.email),
            question=ticket.question,
        )
        contact = bureau_contact()
        if contact:
            dispatcher.utter_message(response="utter_ticket_submitted_contact", number=ticket.number, contact=contact)
        else:
            dispatcher.utter_message(response="utter_ticket_submitted", number=ticket.number)
        logger.info("Ticket %s stored", ticket.number)
        return reset
