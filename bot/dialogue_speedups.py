"""Rasa 3.6 dialogue-side hot-path fixes found by profiling self-check turns (bench/PROFILE.md, row 21).

Installed and switched off together with ``bot.speedups`` (same Rasa release check, same ``RASA_SPEEDUPS``
switch); behaviour is unchanged, only the cost. A self-check turn makes five or more trackers (the one fetched,
one copy per action run, the form's temporary trackers, RulePolicy's replay), and each of them copies every slot
of the domain; the profile showed three costs that repeat per tracker or per response:

``Slot.__copy__``: ``DialogueStateTracker.__init__`` copies each slot with ``copy.copy``, which for a plain
object goes through ``__reduce_ex__`` and ``copyreg`` (about 3 µs a slot; 31 slots, five trackers). Here the copy
is made as that path makes it, directly: a new object of the same class whose ``__dict__`` is a shallow copy of
the slot's (the slot classes define no ``__slots__``, ``__setstate__`` or reduce method; a test checks that for
every slot class Rasa defines and compares both copies of every slot of the domain).

``DialogueStateTracker.copy`` (Rasa runs it before every action, the form before activating) builds an empty
tracker and replays every event into it. The replay only re-derives the state the tracker already holds: here the
copy gets the same events and a copy of that state (slots as above, the active loop's flags, the latest action,
message and bot utterance, paused, the follow-up action), as the replay would leave it. Rasa's copy still runs
for another tracker class (the training data's caches its states), for a tracker without the domain's slots, and
with ``max_event_history`` (this project sets none; a capped tracker's replay starts from the kept events only).
Test: at every step of the conversation tests and rules, of all of them as one tracker, and with a rejected,
interrupted or paused loop, the copy is attribute for attribute the replayed one and the original.

``TemplatedNaturalLanguageGenerator._random_response_for`` picks a response variation with ``numpy.random.choice``
on the list of candidate dicts, which first turns the list into a numpy object array (about 0.1 ms per response,
two or three per turn). A response with one variation for the channel and the slots (every response of this domain
today) has one candidate; it is then returned directly. With two or more, numpy picks as before. (The one difference: a
single candidate no longer draws from numpy's global random state.)
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

TRACKER_COPY: Any = None  # Rasa's own DialogueStateTracker.copy, kept for the equivalence tests
RANDOM_RESPONSE: Any = None  # Rasa's own TemplatedNaturalLanguageGenerator._random_response_for
_INSTALLED = False


def slot_copy(self: Any) -> Any:
    """``copy.copy(slot)`` as Python's reduce path makes it for an object without ``__slots__``/``__setstate__``."""
    new = object.__new__(type(self))
    new.__dict__.update(self.__dict__)
    return new


def tracker_copy(self: Any) -> Any:
    """Rasa's ``DialogueStateTracker.copy`` (``travel_back_in_time(inf)``: a new tracker with every event
    replayed) without the replay: the same events and the state they leave."""
    import copy
    from collections import deque
    from dataclasses import replace

    from rasa.shared.constants import DEFAULT_SENDER_ID
    from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

    if type(self) is not DialogueStateTracker or self._max_event_history is not None:
        return TRACKER_COPY(self)  # a capped tracker's replay starts from the kept events only: Rasa's result
    if isinstance(self.slots, AnySlotDict):
        return TRACKER_COPY(self)  # a tracker without a domain's slots: its copy has only the slots made so far
    new = DialogueStateTracker(self.sender_id or DEFAULT_SENDER_ID, None, None, is_rule_tracker=self.is_rule_tracker)
    new.slots = {slot.name: copy.copy(slot) for slot in self.slots.values()}  # with their values, as replayed
    new.events = deque(self.events)
    new._paused = self._paused
    new.followup_action = self.followup_action
    new.latest_action = None if self.latest_action is None else dict(self.latest_action)
    new.latest_message = self.latest_message
    new.latest_bot_utterance = self.latest_bot_utterance
    new.active_loop = None if self.active_loop is None else replace(self.active_loop)
    return new


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
    """Patch Rasa; called by ``bot.speedups.install`` once it decided to patch."""
    global _INSTALLED, TRACKER_COPY, RANDOM_RESPONSE
    if _INSTALLED:
        return
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.slots import Slot
    from rasa.shared.core.trackers import DialogueStateTracker

    Slot.__copy__ = slot_copy  # type: ignore[attr-defined]
    TRACKER_COPY = DialogueStateTracker.copy
    DialogueStateTracker.copy = tracker_copy  # type: ignore[assignment]
    RANDOM_RESPONSE = TemplatedNaturalLanguageGenerator._random_response_for
    TemplatedNaturalLanguageGenerator._random_response_for = random_response_for  # type: ignore[assignment]
    _INSTALLED = True
