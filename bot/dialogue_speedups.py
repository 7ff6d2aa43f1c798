"""Rasa 3.6 dialogue-side hot-path fixes found by profiling self-check turns (bench/PROFILE.md, row 21).

Installed and switched off together with ``bot.speedups`` (same Rasa release check, same ``RASA_SPEEDUPS`` switch);
behaviour is unchanged, only the cost. A self-check turn makes five or more trackers (the one fetched, one copy per
action run, the form's temporary trackers, RulePolicy's replay), and each of them copies every slot of the domain;
the profile showed four costs that repeat per tracker or per response (and, row 23, two more below):

``Slot.__copy__``: ``DialogueStateTracker.__init__`` copies each slot with ``copy.copy``, which for a plain object
goes through ``__reduce_ex__`` and ``copyreg`` (about 3 µs a slot; 31 slots, five trackers). Here the copy is made
as that path makes it, directly: a new object of the same class whose ``__dict__`` is a shallow copy of the slot's
(the slot classes define no ``__slots__``, ``__setstate__`` or reduce method; a test checks that for every slot
class Rasa defines and compares both copies of every slot of the domain).

``DialogueStateTracker.copy`` (Rasa runs it before every action, the form before activating) builds an empty tracker
and replays every event into it. The replay only re-derives the state the tracker already holds: here the copy gets
the same events and a copy of that state (slots as above, the active loop's flags, the latest action, message and
bot utterance, paused), as the replay would leave it. The follow-up action is the one part of the state Rasa changes
outside the events (the processor clears it when it runs the follow-up; a replay sets it again from the
``FollowupAction`` event): it is read from the last event that sets it, as the replay would set it. Rasa's copy
still runs for another tracker class (the training data's caches its states), for a tracker without the domain's
slots, after a revert (Rasa replays those), and with ``max_event_history`` (this project sets none; a capped
tracker's replay starts from the kept events only). Test: at every step of the conversation tests and rules, of all
of them as one tracker, with a rejected, interrupted, paused or restarted conversation, a bot utterance, a follow-up
action (also one the processor cleared) and a rule tracker, the copy is attribute for attribute Rasa's replayed one,
and Rasa's copy runs where this one does not apply.

``FormAction._temporary_tracker`` (twice per self-check turn: to validate, then to pick the next question) builds a
tracker from the domain's slots by replaying every event since the latest restart, then adds ``requested_slot``, the
form's own action and the events of the turn (its own action clears any follow-up). When no restart is among the
events and the tracker's slots are the domain's, that replay gives the tracker's own state: it is copied as above
and only the added events are applied. Test: at every step of the conversation tests with the form active, with and
without events added, the same tracker as Rasa's.

``TemplatedNaturalLanguageGenerator._random_response_for`` picks a response variation with ``numpy.random.choice``
on the list of candidate dicts, which first turns the list into a numpy object array (about 0.1 ms per response, two
or three per turn). A response with one variation for the channel and the slots (every response of this domain
today) has one candidate; it is then returned directly. With two or more, numpy picks as before. (The one
difference: a single candidate no longer draws from numpy's global random state.)

``DialogueStateTracker.applied_events`` folds over every event of the tracker on each call, and a self-check turn
calls it five times or more on trackers that differ only by the events just appended (the session check twice, the
last user message, RulePolicy's states): about 0.8 ms per message. Each tracker keeps the answer with the events
it covered (``AppliedMemo``); a later call folds only the events appended since, from that answer. Rasa's fold
looks ahead in one respect, the names of the forms the events ever activate: when an appended event activates a
form not among them, the answer is computed afresh, as it is for a new deque of events, and a capped tracker, another
tracker class or one without a domain's slots gets Rasa's method. Test: event by event through every conversation
test and rule, all of them as one tracker, and a trace with a form named late, reverts, a restart and a new session,
the same events (objects, order) as Rasa's after every event and in copies, each event folded about once.

``Event.resolve_by_type`` walks the whole event class tree and checks each class for abstract methods, for every
event read back from the action server's reply (the self-check's validation returns several). Here the name is
looked up in a table made from that same walk (the first class per name, as Rasa's loop finds it); a new Event
subclass empties the table (``Event.__init_subclass__``), and a name not in it (``topic``, an unknown name with a
default or Rasa's error) goes to Rasa's method. Test: every name, ``topic``, unknown, and classes defined later.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

logger = logging.getLogger(__name__)

TRACKER_COPY: Any = None  # Rasa's own DialogueStateTracker.copy, kept for the equivalence tests
FORM_TEMPORARY: Any = None  # Rasa's own FormAction._temporary_tracker
RANDOM_RESPONSE: Any = None  # Rasa's own TemplatedNaturalLanguageGenerator._random_response_for
APPLIED_EVENTS: Any = None  # Rasa's own DialogueStateTracker.applied_events
RESOLVE_EVENT: Any = None  # Rasa's own Event.resolve_by_type
EVENT_CLASSES: dict[str, Any] = {}  # type name -> the class Rasa's resolve_by_type finds first (emptied by a new one)
_INSTALLED = False


def slot_copy(self: Any) -> Any:
    """``copy.copy(slot)`` as Python's reduce path makes it for an object without ``__slots__``/``__setstate__``."""
    new = object.__new__(type(self))
    new.__dict__.update(self.__dict__)
    return new


def tracker_copy(self: Any) -> Any:
    """Rasa's ``DialogueStateTracker.copy`` (``travel_back_in_time(inf)``: a new tracker with every event
    replayed) without the replay: the same events and the state they leave."""
    from rasa.shared.constants import DEFAULT_SENDER_ID

    if not _plain(self):
        return TRACKER_COPY(self)
    followup = replayed_followup(self.events)
    if followup is UNKNOWN:
        return TRACKER_COPY(self)
    new = _with_state_of(self, self.sender_id or DEFAULT_SENDER_ID, self.is_rule_tracker)
    new.followup_action = followup
    return new


UNKNOWN = object()


def replayed_followup(events: Any) -> Any:
    """The follow-up action a replay of ``events`` leaves. It is the one part of a tracker's state changed outside
    its events: Rasa's processor clears it when it runs the follow-up (``clear_followup_action``), and a replay
    sets it again from the ``FollowupAction`` event. UNKNOWN when a revert comes first (its replay is Rasa's)."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        FollowupAction,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
        UserUttered,
    )

    for event in reversed(events):  # the events that set it, as their apply_to does
        if isinstance(event, (UserUttered, ActionExecuted)):
            return None
        if isinstance(event, FollowupAction):
            return event.action_name
        if isinstance(event, Restarted):
            return ACTION_SESSION_START_NAME
        if isinstance(event, SessionStarted):
            return ACTION_LISTEN_NAME  # its reset
        if isinstance(event, (UserUtteranceReverted, ActionReverted)):
            return UNKNOWN
    return ACTION_LISTEN_NAME  # a new tracker's


def form_temporary_tracker(self: Any, current_tracker: Any, additional_events: list[Any], domain: Any) -> Any:
    """Rasa's ``FormAction._temporary_tracker``: a tracker made from the domain's slots by replaying the events
    since the latest restart, then ``requested_slot``, the form's action and ``additional_events``. With no restart
    among the events and the tracker's slots the domain's, the replay gives the tracker's own state: it is copied
    and only the added events are applied."""
    from rasa.shared.core.constants import REQUESTED_SLOT
    from rasa.shared.core.events import ActionExecuted, SlotSet

    if (
        not _plain(current_tracker)
        or current_tracker.idx_after_latest_restart()
        or not _slots_of(current_tracker, domain)
    ):
        return FORM_TEMPORARY(self, current_tracker, additional_events, domain)
    tracker = _with_state_of(current_tracker, current_tracker.sender_id, False)
    added = [SlotSet(REQUESTED_SLOT, self.get_slot_to_fill(current_tracker)), ActionExecuted(self.name())]
    for event in added + additional_events:
        tracker.update(event)
    return tracker


def _plain(tracker: Any) -> bool:
    """Rasa's own tracker class, uncapped, with a domain's slots: its state is the replay of its events."""
    from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

    # another class (the training data's caches its states); a capped tracker's replay starts from the kept events
    # only; a tracker without a domain's slots has only the slots made so far
    return (
        type(tracker) is DialogueStateTracker
        and tracker._max_event_history is None
        and not isinstance(tracker.slots, AnySlotDict)
    )


def _slots_of(tracker: Any, domain: Any) -> bool:
    """The tracker's slots are the domain's (same names, order, classes and initial values)."""
    ours = [(s.name, type(s), s.initial_value) for s in tracker.slots.values()]
    return ours == [(s.name, type(s), s.initial_value) for s in domain.slots]


def _with_state_of(source: Any, sender_id: Any, is_rule_tracker: bool) -> Any:
    """A new tracker with ``source``'s events and the state their replay leaves (the source's own state)."""
    import copy
    from collections import deque
    from dataclasses import replace

    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    new = DialogueStateTracker(sender_id, None, None, is_rule_tracker=is_rule_tracker)
    new.slots = {slot.name: copy.copy(slot) for slot in source.slots.values()}  # with their values
    new.events = deque(source.events)
    new._paused = source._paused
    new.followup_action = source.followup_action  # (tracker_copy sets the replayed one)
    new.latest_action = None if source.latest_action is None else dict(source.latest_action)
    new.latest_message = source.latest_message
    if source.latest_message is not None and not any(e is source.latest_message for e in reversed(source.events)):
        new.latest_message = UserUttered.empty()  # a reset's placeholder is each tracker's own
    new.latest_bot_utterance = source.latest_bot_utterance
    new.active_loop = None if source.active_loop is None else replace(source.active_loop)
    memo = source.__dict__.get("_jd_applied")
    if memo is not None and memo.holds(source.events):
        new.__dict__["_jd_applied"] = memo.moved_to(new.events)  # the same events in the copy's deque
    return new


def applied_events(self: Any) -> list[Any]:
    """Rasa's ``DialogueStateTracker.applied_events``, continued from this tracker's previous answer when events
    were only appended since and no new form name came with them (see ``AppliedMemo``)."""
    from rasa.shared.core.events import ActiveLoop

    if not _plain(self):
        return APPLIED_EVENTS(self)  # type: ignore[no-any-return]
    events = self.events
    memo = self.__dict__.get("_jd_applied")
    if memo is None or not memo.holds(events):
        memo = AppliedMemo.of(self, events)
    elif memo.done < len(events):
        added = list(itertools.islice(events, memo.done, None))
        names = {e.name for e in added if isinstance(e, ActiveLoop) and e.name}
        memo = AppliedMemo.of(self, events) if not names <= memo.loop_names else memo.extended(self, events, added)
    self.__dict__["_jd_applied"] = memo
    return list(memo.applied)


class AppliedMemo:
    """A tracker's applied events as Rasa computes them for its first ``done`` events.

    Rasa's ``applied_events`` is a left fold over the events: a list, to which each event is added or which it
    shortens (a restart or session start empties it, a revert drops what it reverts, a form's repeated run drops
    what came since the form's previous run). Every step depends on the list so far, the event, and one thing that
    looks ahead: the names of all forms the events ever activate (``loop_names``). So the answer for more events
    is the fold continued from the answer for the first ``done`` ones, as long as those come first unchanged (Rasa
    only appends to a tracker's events or gives it a new deque; checked: the same deque, the same object at
    ``done - 1``) and the new events activate no form outside ``loop_names``; otherwise it is computed afresh.
    Capped trackers (the deque drops its oldest events), other tracker classes and trackers without a domain's
    slots get Rasa's own method (``_plain``). The list kept is a tuple (no caller can change it); each call returns
    a new list, as Rasa's does."""

    __slots__ = ("applied", "done", "events", "last", "loop_names")

    def __init__(self, events: Any, loop_names: frozenset[str], applied: list[Any]) -> None:
        self.events = events
        self.done = len(events)
        self.last = events[-1] if events else None
        self.loop_names = loop_names
        self.applied = tuple(applied)

    def holds(self, events: Any) -> bool:
        """``events`` are this memo's events with others appended."""
        return (
            events is self.events
            and len(events) >= self.done
            and (self.done == 0 or events[self.done - 1] is self.last)
        )

    @classmethod
    def of(cls, tracker: Any, events: Any) -> AppliedMemo:
        from rasa.shared.core.events import ActiveLoop

        names = frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)
        return cls(events, names, fold_applied(tracker, events, names, []))

    def moved_to(self, events: Any) -> AppliedMemo:
        """This memo for a deque that holds the same events as this one's (a copy's)."""
        moved = object.__new__(AppliedMemo)
        moved.events, moved.done, moved.last = events, self.done, self.last
        moved.loop_names, moved.applied = self.loop_names, self.applied
        return moved

    def extended(self, tracker: Any, events: Any, added: list[Any]) -> AppliedMemo:
        return AppliedMemo(events, self.loop_names, fold_applied(tracker, added, self.loop_names, list(self.applied)))


def fold_applied(tracker: Any, events: Any, loop_names: frozenset[str], applied: list[Any]) -> list[Any]:
    """The loop of Rasa's ``applied_events`` (rasa/shared/core/trackers.py) over ``events``, from ``applied``."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
        UserUttered,
    )

    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (
            isinstance(event, ActionExecuted)
            and event.action_name in loop_names
            and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
        ):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    return applied


def resolve_event_type(type_name: str, default: Any = None) -> Any:
    """Rasa's ``Event.resolve_by_type`` (the first of ``all_subclasses(Event)`` with that ``type_name``) looked up in
    a table made from that same list; a name not in it (``topic``, unknown: a default or Rasa's error) goes to
    Rasa's. Rasa walks the class tree and checks every class for abstract methods on each call: every event read
    from the action server's reply and from the tracker store."""
    if not EVENT_CLASSES:
        from rasa.shared.core.events import Event
        from rasa.shared.utils.common import all_subclasses

        for cls in all_subclasses(Event):
            EVENT_CLASSES.setdefault(cls.type_name, cls)
    found = EVENT_CLASSES.get(type_name)
    return found if found is not None else RESOLVE_EVENT(type_name, default)


def _new_event_class(cls: Any, **kwargs: Any) -> None:
    """``Event.__init_subclass__``: a new event class may come first for its type name; the table is made again."""
    from rasa.shared.core.events import Event

    EVENT_CLASSES.clear()
    super(Event, cls).__init_subclass__(**kwargs)


def random_response_for(
    self: Any, utter_action: str, output_channel: str, filled_slots: dict[str, Any]
) -> dict[str, Any] | None:
    """Rasa's ``_random_response_for`` with numpy's random choice only when there is a choice to make."""
    from rasa.core.nlg.generator import ResponseVariationFilter
    from rasa.shared.constants import RESPONSE_CONDITION

    if utter_action not in self.responses:
        return None
    suitable = ResponseVariationFilter(self.responses).responses_for_utter_action(
        utter_action, output_channel, filled_slots
    )
    if not suitable:
        return None
    if len(suitable) > 1:
        import numpy as np

        selected = np.random.choice(suitable)
    else:
        selected = suitable[0]
    condition = selected.get(RESPONSE_CONDITION)
    if condition:
        logger.debug("Selecting response variation with conditions:%s", self._format_response_conditions(condition))
    return selected  # type: ignore[no-any-return]


def install() -> None:
    """Patch Rasa; called by ``bot.speedups.install`` before its own patches (same release check and switch)."""
    global _INSTALLED, TRACKER_COPY, FORM_TEMPORARY, RANDOM_RESPONSE, APPLIED_EVENTS, RESOLVE_EVENT
    from bot.speedups import _skip

    if _INSTALLED or _skip() is not None:
        return
    from rasa.core.actions.forms import FormAction
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.events import Event
    from rasa.shared.core.slots import Slot
    from rasa.shared.core.trackers import DialogueStateTracker

    Slot.__copy__ = slot_copy  # type: ignore[attr-defined]
    TRACKER_COPY = DialogueStateTracker.copy
    DialogueStateTracker.copy = tracker_copy  # type: ignore[assignment]
    FORM_TEMPORARY = FormAction._temporary_tracker
    FormAction._temporary_tracker = form_temporary_tracker  # type: ignore[assignment]
    RANDOM_RESPONSE = TemplatedNaturalLanguageGenerator._random_response_for
    TemplatedNaturalLanguageGenerator._random_response_for = random_response_for  # type: ignore[assignment]
    APPLIED_EVENTS = DialogueStateTracker.applied_events
    DialogueStateTracker.applied_events = applied_events  # type: ignore[assignment]
    RESOLVE_EVENT = Event.resolve_by_type
    Event.__init_subclass__ = classmethod(_new_event_class)  # type: ignore[assignment]
    Event.resolve_by_type = staticmethod(resolve_event_type)  # type: ignore[assignment]
    _INSTALLED = True
