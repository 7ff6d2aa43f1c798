"""bot.dialogue_speedups: slot copies, tracker copies and response picks are what Rasa's own code makes."""

import copy
import dataclasses

import numpy as np
import pytest

import bot  # noqa: F401  (installs the speedups, as every Rasa process of the project does)
from bot import dialogue_speedups, speedups
from tests.bot.test_speedups import _conversation_trackers, _every_step

needs_speedups = pytest.mark.skipif(not speedups.installed(), reason="bot.speedups not installed in this process")


@pytest.fixture(scope="module")
def agent():
    from rasa.core.agent import Agent

    from tests.e2e.servers import current_model

    return Agent.load(str(current_model()))


def _slot_classes():
    from rasa.shared.core.slots import Slot

    todo, seen = [Slot], []
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo += cls.__subclasses__()
    return seen


def test_no_slot_class_changes_how_python_copies_it():
    """The reduce path the fast copy reproduces holds only for classes with a plain ``__dict__`` and no
    ``__setstate__``, ``__reduce__``, ``__reduce_ex__``, ``__copy__`` or ``__new__`` of their own."""
    classes = _slot_classes()
    assert len(classes) >= 7  # Slot and Rasa's text, bool, float, list, categorical, any … slots
    for cls in classes:
        assert "__slots__" not in vars(cls), cls
        for name in ("__setstate__", "__getstate__", "__reduce__", "__reduce_ex__", "__new__"):
            assert getattr(cls, name, None) is getattr(object, name, None), (cls, name)
        assert "__copy__" not in vars(cls) or vars(cls)["__copy__"] is dialogue_speedups.slot_copy, cls


@needs_speedups
def test_a_slot_is_copied_as_copy_copy_copies_it(agent, monkeypatch):
    from rasa.shared.core.slots import Slot

    slots = [copy.deepcopy(s) for s in agent.domain.slots]
    for i, slot in enumerate(slots):  # with values of several kinds set, shared (not copied) by a shallow copy
        slot.value = [{"年租金": 1200000}, "猎头", 3.0, True, None][i % 5]
    ours = [copy.copy(s) for s in slots]
    monkeypatch.delattr(Slot, "__copy__")
    theirs = [copy.copy(s) for s in slots]
    assert len(slots) > 20
    for slot, a, b in zip(slots, ours, theirs, strict=True):
        assert type(a) is type(b) is type(slot)
        assert vars(a) == vars(b) and a is not slot
        assert a.value is slot.value and vars(a) is not vars(slot)


def _state(tracker):
    """Everything a tracker holds, events by identity (both copies share Rasa's event objects)."""
    out = {k: v for k, v in vars(tracker).items() if k not in ("events", "slots", "active_loop", "_jd_applied")}
    out["events"] = [id(e) for e in tracker.events]
    out["slots"] = {name: (type(s), vars(s)) for name, s in tracker.slots.items()}
    out["active_loop"] = None if tracker.active_loop is None else dataclasses.asdict(tracker.active_loop)
    out["maxlen"] = tracker.events.maxlen
    return out


def _fast_path_only(monkeypatch):
    """Rasa's copy, which the patch falls back to, made to fail: a case taking the fast path must not reach it."""
    rasa_copy = dialogue_speedups.TRACKER_COPY

    def refuse(tracker):
        raise AssertionError(f"Rasa's copy ran for {tracker.sender_id}")

    monkeypatch.setattr(dialogue_speedups, "TRACKER_COPY", refuse)
    return rasa_copy


def _as_served(tracker):
    """What the processor adds to a tracker outside its events (the store's bookkeeping, the model's ids), which
    neither copy carries over."""
    tracker.model_id, tracker.assistant_id, tracker.sender_source = "m", "a", "s"
    tracker._jd_loaded = (len(tracker.events), 7)
    return tracker


@needs_speedups
def test_a_tracker_copy_is_the_replayed_tracker(agent, monkeypatch):
    """At every step of the conversation tests and rules, of all of them as one tracker, and with a rejected,
    interrupted, paused or restarted conversation, a bot utterance, a follow-up action (also one the processor has
    cleared, outside the events) and a rule tracker: the fast copy holds what Rasa's replay of every event leaves."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionExecutionRejected,
        BotUttered,
        ConversationPaused,
        FollowupAction,
        LoopInterrupted,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    assert DialogueStateTracker.copy is dialogue_speedups.tracker_copy
    slots = agent.domain.slots
    steps = [s for t in _conversation_trackers(agent) for s in _every_step(t, agent.domain)]
    in_form = next(s for s in reversed(steps) if s.active_loop is not None)
    tail = [*in_form.events]
    cases = {
        "rejected": [ActionExecutionRejected(in_form.active_loop.name)],
        "interrupted": [LoopInterrupted(True)],
        "paused": [ConversationPaused()],
        "followup": [FollowupAction("action_eligibility_report")],
        "said": [BotUttered("您好", {"buttons": []})],
        "restarted": [Restarted()],
        "restarted, listened": [Restarted(), ActionExecuted("action_listen")],
        "new session": [SessionStarted()],
    }
    steps += [DialogueStateTracker.from_events(sid, tail + extra, slots=slots) for sid, extra in cases.items()]
    cleared = DialogueStateTracker.from_events("cleared", tail + [FollowupAction("utter_greet")], slots=slots)
    cleared.clear_followup_action()  # as the processor does when it runs the follow-up: no event
    rule = DialogueStateTracker("rule", slots, is_rule_tracker=True)
    for event in tail:
        rule.update(event)
    steps += [cleared, rule]
    rasa_copy = _fast_path_only(monkeypatch)
    for step in map(_as_served, steps):
        ours, theirs = step.copy(), rasa_copy(step)
        assert type(ours) is DialogueStateTracker
        assert _state(ours) == _state(theirs), step.sender_id
    assert cleared.followup_action is None and cleared.copy().followup_action == "utter_greet"  # Rasa's replay
    assert rule.copy().is_rule_tracker and rule.copy().latest_bot_utterance == BotUttered.empty()
    said = next(s for s in steps if s.sender_id == "said")
    assert said.copy().latest_bot_utterance.text == "您好"
    loops = [s.active_loop for s in steps if s.active_loop is not None]
    assert len(loops) > 50  # the self-check form, active, in many steps
    assert any(loop.is_interrupted for loop in loops) and any(loop.rejected for loop in loops)
    assert any(s.is_paused() for s in steps) and {s.copy().followup_action for s in steps} >= {
        None,
        "action_listen",
        "action_session_start",
        "action_eligibility_report",
    }
    # a copy is independent of its original: its slots, events, loop flags and latest action change alone
    before = _state(in_form)
    twin = in_form.copy()
    twin.update(SlotSet("annual_rent", 1.0))
    twin.active_loop.rejected = not twin.active_loop.rejected
    twin.latest_action["action_name"] = "action_x"
    assert _state(in_form) == before and _state(twin) != before
    # where the fast copy does not apply, Rasa's copy runs: a revert (replayed by Rasa), a capped tracker (its
    # replay starts from the kept events only) and another tracker class
    monkeypatch.setattr(dialogue_speedups, "TRACKER_COPY", rasa_copy)
    reverted = DialogueStateTracker.from_events("reverted", tail + [UserUtteranceReverted()], slots=slots)
    capped = DialogueStateTracker.from_events("capped", tail, slots=slots, max_event_history=12)

    class Served(DialogueStateTracker):
        pass

    other = Served.from_events("other", tail, slots=slots)
    for tracker in reverted, capped, other:
        assert _state(tracker.copy()) == _state(rasa_copy(tracker))
    assert _state(capped.copy()) != _state(capped)  # Rasa's own result, kept
    _fast_path_only(monkeypatch)
    for tracker in reverted, capped, other:
        with pytest.raises(AssertionError, match="Rasa's copy ran"):
            tracker.copy()


@needs_speedups
def test_the_form_s_temporary_tracker_is_the_one_rasa_replays(agent):
    """At every step of the conversation tests and rules with the self-check active, with no events added and with
    a turn's validation events: the form's temporary tracker is Rasa's (state and events); after a restart, or with
    slots that are not the domain's, Rasa's own replay runs."""
    from rasa.core.actions.forms import FormAction
    from rasa.shared.core.events import ActionExecuted, Restarted, SlotSet, UserUttered
    from rasa.shared.core.slots import TextSlot
    from rasa.shared.core.trackers import DialogueStateTracker

    assert FormAction._temporary_tracker is dialogue_speedups.form_temporary_tracker
    form, domain = FormAction("eligibility_form", None), agent.domain
    steps = [s for t in _conversation_trackers(agent) for s in _every_step(t, domain) if s.active_loop is not None]
    assert len(steps) > 50
    turn = [SlotSet("category", "高端猎头"), SlotSet("annual_rent", 1200000.0), SlotSet("requested_slot", None)]
    for step in steps:
        for added in ([], turn):
            ours = form._temporary_tracker(step, list(added), domain)
            theirs = dialogue_speedups.FORM_TEMPORARY(form, step, list(added), domain)
            assert _event_dicts(ours) == _event_dicts(theirs)
            assert _state(ours) | {"events": None} == _state(theirs) | {"events": None}
    restarted = DialogueStateTracker.from_events(
        "r", [*steps[0].events, Restarted(), ActionExecuted("action_listen"), UserUttered("你好")], slots=domain.slots
    )
    other_slots = DialogueStateTracker.from_events("o", [*steps[0].events], slots=[TextSlot("x", [])])
    for tracker in restarted, other_slots:
        ours = form._temporary_tracker(tracker, list(turn), domain)
        assert _state(ours) | {"events": None} == _state(
            dialogue_speedups.FORM_TEMPORARY(form, tracker, list(turn), domain)
        ) | {"events": None}
    assert len(form._temporary_tracker(restarted, [], domain).events) == 4  # from the restart on, Rasa's way


def _event_dicts(tracker):
    return [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in tracker.events]


@needs_speedups
def test_responses_are_picked_as_rasa_picks_them(agent):
    """Every response of the domain, for every channel, with the slots a self-check fills: the same variation
    (the same dict) as Rasa's numpy pick; a response with a choice is still picked by numpy's random state."""
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

    nlg = TemplatedNaturalLanguageGenerator(agent.domain.responses)
    filled = [{}, {"category": "高端猎头", "in_talent_port": True, "annual_rent": 1200000.0}]
    checked = 0
    for name in agent.domain.responses:
        for channel in ("rest", "socketio", "wechat", "", "collector"):
            for slots in filled:
                np.random.seed(checked)  # the same random state for both (a response with a choice draws from it)
                ours = nlg._random_response_for(name, channel, slots)
                np.random.seed(checked)
                theirs = dialogue_speedups.RANDOM_RESPONSE(nlg, name, channel, slots)
                assert ours is theirs, (name, channel)
                checked += 1
    assert checked > 500 and nlg._random_response_for("utter_no_such_response", "rest", {}) is None
    several = TemplatedNaturalLanguageGenerator({"utter_x": [{"text": "甲"}, {"text": "乙"}, {"text": "丙"}]})
    picks = []
    for seed in range(20):
        np.random.seed(seed)
        ours = several._random_response_for("utter_x", "rest", {})
        np.random.seed(seed)
        picks.append((ours, dialogue_speedups.RANDOM_RESPONSE(several, "utter_x", "rest", {})))
    assert all(a is b for a, b in picks) and len({a["text"] for a, _ in picks}) == 3


def _late_form_trace():
    """Events whose applied events change with a later event: the ticket form runs twice before the event that
    activates it comes (Rasa's fold looks ahead for form names), then reverts, a restart and a new session."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        ActiveLoop,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
        UserUttered,
    )

    listen = lambda: ActionExecuted("action_listen")  # noqa: E731
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        listen(),
        UserUttered("留言"),
        ActionExecuted("ticket_form"),
        listen(),
        UserUttered("张三"),
        ActionExecuted("ticket_form"),
        SlotSet("requested_slot", "ticket_contact"),
        ActiveLoop("ticket_form"),  # from here on, the second run above counts as a repeated run
        listen(),
        UserUttered("不对"),
        UserUtteranceReverted(),
        ActionExecuted("utter_ask_rephrase"),
        ActionReverted(),
        ActiveLoop(None),
        ActiveLoop("eligibility_form"),
        ActionExecuted("eligibility_form"),
        Restarted(),
        listen(),
        UserUttered("你好"),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        listen(),
    ]


@needs_speedups
def test_applied_events_are_rasa_s_after_every_event(agent, monkeypatch):
    """Event by event through every conversation test and rule, all of them as one tracker, and a trace where a
    later event changes what came before (a form named late, reverts, restart, new session): after each event,
    and in a copy, the applied events are Rasa's (the same objects in order), and each event is folded once, not
    once per call. A tracker given a new deque, a capped tracker and another tracker class get Rasa's own answer."""
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa = dialogue_speedups.APPLIED_EVENTS
    assert DialogueStateTracker.applied_events is dialogue_speedups.applied_events
    folded = []
    fold = dialogue_speedups.fold_applied

    def counted(tracker, events, loop_names, applied):
        events = list(events)
        folded.append(len(events))
        return fold(tracker, events, loop_names, applied)

    monkeypatch.setattr(dialogue_speedups, "fold_applied", counted)
    slots = agent.domain.slots
    traces = [list(t.events) for t in _conversation_trackers(agent)]
    late = _late_form_trace()
    steps = events = 0
    for trace in [*traces, late]:
        tracker = DialogueStateTracker("t", slots)
        for i, event in enumerate(trace):
            tracker.update(event)
            ours = tracker.applied_events()
            assert ours == tracker.applied_events() and ours is not tracker.applied_events()  # a new list each time
            assert [id(e) for e in ours] == [id(e) for e in rasa(tracker)], i
            if i % 7 == 0:
                assert [id(e) for e in tracker.copy().applied_events()] == [id(e) for e in ours]
            steps += 1
        events += len(trace)
    assert steps > 1400
    assert sum(folded) < 2 * events  # each event folded about once (a late form name folds again), not per call
    # the late form name: the second ticket_form run is dropped once the form's activation is among the events
    tracker = DialogueStateTracker.from_events("late", late[:9], slots=slots)
    before = [getattr(e, "action_name", None) for e in tracker.applied_events()]
    tracker.update(late[9])
    after = [getattr(e, "action_name", None) for e in tracker.applied_events()]
    assert before.count("ticket_form") == 2 and after.count("ticket_form") == 1
    # where the memo does not apply: Rasa's method runs (made to fail here to prove it is reached)
    whole = traces[-1][:300]
    capped = DialogueStateTracker.from_events("capped", whole, slots=slots, max_event_history=40)

    class Served(DialogueStateTracker):
        pass

    other = Served.from_events("other", whole, slots=slots)
    for tracker in capped, other:
        assert [id(e) for e in tracker.applied_events()] == [id(e) for e in rasa(tracker)]
        monkeypatch.setattr(dialogue_speedups, "APPLIED_EVENTS", lambda t: ["rasa"])
        assert tracker.applied_events() == ["rasa"]
        monkeypatch.setattr(dialogue_speedups, "APPLIED_EVENTS", rasa)
    renewed = DialogueStateTracker.from_events("renewed", whole, slots=slots)
    renewed.applied_events()
    from collections import deque

    renewed.events = deque(late)  # a new deque (as Rasa's reset gives): computed afresh
    assert [id(e) for e in renewed.applied_events()] == [id(e) for e in rasa(renewed)]


@needs_speedups
def test_event_types_resolve_to_rasa_s_classes():
    """Every event type name Rasa knows, ``topic``, an unknown name with and without a default: the class (or
    None, or the error) of Rasa's own lookup; a new event class defined later is found, first in Rasa's order."""
    from rasa.shared.core.events import Event, UserUttered
    from rasa.shared.utils.common import all_subclasses

    rasa = dialogue_speedups.RESOLVE_EVENT
    assert Event.resolve_by_type is dialogue_speedups.resolve_event_type
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert len(names) > 20
    for name in names:
        assert Event.resolve_by_type(name) is rasa(name) is not None, name
    assert Event.resolve_by_type("topic") is rasa("topic") is None
    assert Event.resolve_by_type("no_such_event", UserUttered) is UserUttered
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")

    class LateEvent(UserUttered):
        type_name = "jd_late_event"

    class LateUser(UserUttered):  # inherits "user": Rasa's lookup still finds UserUttered first
        pass

    assert Event.resolve_by_type("jd_late_event") is rasa("jd_late_event") is LateEvent
    assert Event.resolve_by_type("user") is rasa("user") is UserUttered
    assert Event.from_parameters({"event": "user", "text": "你好", "parse_data": {}}).text == "你好"
