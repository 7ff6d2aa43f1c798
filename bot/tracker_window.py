"""What ``bot.tracker_store`` keeps in memory of one conversation, and the events its ``retrieve`` returns.

The rule (the store's docstring says why it is safe): a conversation is read from the latest snapshot that has at
least ``every`` of its events after it (only the newest two are looked at), as the snapshot's state written as the
events that set it followed by every event after it; when there is none, as Rasa reads it (the events from the
latest ``SessionStarted`` on, by timestamp). A ``Window`` holds the stored events from the oldest point that rule
can still pick, the newest two snapshots among them and the id of the newest stored event; ``events()`` applies
the rule to them. The database read (``UrlSQLTrackerStore._load``) builds the same window from the tables, so a
window kept in memory and one read back after a restart give the same tracker
(tests/bot/test_tracker_snapshots.py compares them turn by turn).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    ConversationPaused,
    Event,
    LoopInterrupted,
    SessionStarted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker


@dataclass
class Snapshot:
    event_id: int  # the state after this row of ``events``
    index: int  # where the events after it begin in ``Window.stored``
    state: dict[str, Any]


@dataclass
class Window:
    last_id: int  # the newest stored event of the conversation (a stale window is one whose id moved on)
    stored: list[Event]  # stored events, in order, from the oldest one the rule can still pick
    snapshots: list[Snapshot] = field(default_factory=list)  # the newest two inside ``stored``, oldest first
    since_snapshot: int = 0  # the conversation's stored events after its newest snapshot (all of them if none)
    session_start: float | None = None  # timestamp of the latest SessionStarted (Rasa's session cut)

    def base(self, every: int) -> Snapshot | None:
        """The snapshot a read starts from: the newer of the two with at least ``every`` events after it."""
        for snap in reversed(self.snapshots[-2:]):
            if len(self.stored) - snap.index >= every:
                return snap
        return None

    def events(self, every: int) -> list[Event]:
        snap = self.base(every)
        if snap is not None:
            after = self.stored[snap.index :]
            return state_events(snap.state, after[0].timestamp) + after
        if self.session_start is None:
            return list(self.stored)
        return [e for e in self.stored if e.timestamp >= self.session_start]

    def append(self, new: list[Event], last_id: int, every: int) -> None:
        self.stored.extend(new)
        self.last_id = last_id
        self.since_snapshot += len(new)
        for e in new:
            if isinstance(e, SessionStarted):
                self.session_start = max(self.session_start or e.timestamp, e.timestamp)
        self.trim(every)

    def snapshot(self, event_id: int, state: dict[str, Any], every: int) -> None:
        """A snapshot after the last stored event; drops what no read can pick any more."""
        self.snapshots = [*self.snapshots, Snapshot(event_id, len(self.stored), state)][-2:]
        self.since_snapshot = 0
        self.trim(every)

    def trim(self, every: int) -> None:
        """Once a snapshot has ``every`` events after it, every later read starts at it or at a newer one (a
        snapshot is written ``every`` events after the previous one, so the older of the newest two keeps
        qualifying): the events before it are never read again."""
        qualifying = [s for s in self.snapshots if len(self.stored) - s.index >= every]
        if not qualifying or qualifying[0].index == 0:
            return
        cut = qualifying[0].index
        self.stored = self.stored[cut:]
        self.snapshots = [Snapshot(s.event_id, s.index - cut, s.state) for s in self.snapshots if s.index >= cut]


def state_of(tracker: DialogueStateTracker) -> dict[str, Any]:
    """What a snapshot keeps: the slots that differ from their initial value, in the order they were last set,
    the active loop with its flags, and whether the conversation is paused."""
    order: list[str] = []
    for e in tracker.events:
        if isinstance(e, SlotSet):
            if e.key in order:
                order.remove(e.key)
            order.append(e.key)
    slots = tracker.slots
    order += [name for name in slots if name not in order]
    kept = [
        [name, slots[name].value] for name in order if name in slots and slots[name].value != slots[name].initial_value
    ]
    loop = tracker.active_loop
    active = (
        {"name": loop.name, "interrupted": loop.is_interrupted, "rejected": loop.rejected}
        if loop is not None and loop.name
        else {}
    )
    return {"slots": kept, "active_loop": active, "paused": tracker.is_paused()}


def state_events(state: dict[str, Any], timestamp: float) -> list[Event]:
    """The snapshot as the events that set it (what a replay of the history up to it would leave)."""
    events: list[Event] = [SlotSet(name, value, timestamp=timestamp) for name, value in state["slots"]]
    loop = state.get("active_loop") or {}
    if loop.get("name"):
        events.append(ActiveLoop(loop["name"], timestamp=timestamp))
        if loop.get("interrupted"):
            events.append(LoopInterrupted(True, timestamp=timestamp))
        if loop.get("rejected"):
            events.append(ActionExecutionRejected(loop["name"], timestamp=timestamp))
    if state.get("paused"):
        events.append(ConversationPaused(timestamp=timestamp))
    events.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=timestamp))
    return events
