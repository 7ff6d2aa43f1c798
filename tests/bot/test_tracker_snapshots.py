"""bot.tracker_store's snapshots (issue #14): a long conversation is read from its latest snapshot plus the recent
events, and nothing changes — the same slots (and their order), active loop, latest message and recent states
as Rasa's full read, the full history still stored, on SQLite and on PostgreSQL. The stores run the way Rasa's
MessageProcessor uses them: retrieve, append the turn's events, save."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import UrlSQLTrackerStore
from tests.services import fresh_postgres_database

ROOT = Path(__file__).resolve().parents[2]
EVERY = 20


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "bot" / "domain"))


def _turn(rng: random.Random, i: int) -> list:
    """One turn of a self-check or a question, with slots set, a form started or stopped now and then."""
    intent = rng.choice(["inform", "ask_rent_subsidy", "start_eligibility_check", "greet"])
    events = [UserUttered(f"消息{i}", {"name": intent, "confidence": 1.0}, timestamp=1000.0 + i)]
    if intent == "start_eligibility_check":
        events += [ActionExecuted("eligibility_form"), ActiveLoop("eligibility_form")]
    if intent == "inform":
        slot = rng.choice(["annual_rent", "category", "entry_date", "in_talent_port", "requested_slot"])
        value = rng.choice([840000, "高端猎头", "2024-03", True, None, "annual_rent"])
        events += [ActionExecuted("eligibility_form"), SlotSet(slot, value)]
    if rng.random() < 0.1:
        events += [ActionExecuted("action_eligibility_report"), ActiveLoop(None), SlotSet("requested_slot", None)]
    events += [BotUttered(f"回复{i}", metadata={"utter_action": "utter_x"}), ActionExecuted("action_listen")]
    return events


async def _converse(store: UrlSQLTrackerStore, sender: str, turns: int, seed: int) -> DialogueStateTracker:
    rng = random.Random(seed)
    for i in range(turns):
        tracker = await store.retrieve(sender)
        if tracker is None:
            tracker = DialogueStateTracker(sender, store.domain.slots)
            tracker.update(ActionExecuted("action_listen"))
        for e in _turn(rng, i):
            tracker.update(e)
        await store.save(tracker)
    return tracker


def _same_state(a: DialogueStateTracker, b: DialogueStateTracker, domain: Domain) -> None:
    assert a.current_slot_values() == b.current_slot_values()
    assert a.active_loop == b.active_loop
    assert a.latest_message.text == b.latest_message.text and a.is_paused() == b.is_paused()
    order = lambda t: [e.key for e in t.events if isinstance(e, SlotSet)]  # noqa: E731
    last_set = lambda keys: list(dict.fromkeys(reversed(keys)))[::-1]  # noqa: E731  order of the last setting
    known = [k for k in last_set(order(b)) if b.slots[k].value != b.slots[k].initial_value]
    assert [k for k in last_set(order(a)) if k in known] == known
    # what RulePolicy matches on: the last turns' states
    assert a.past_states(domain)[-6:] == b.past_states(domain)[-6:]


def _check(url: str, domain: Domain, monkeypatch) -> None:
    monkeypatch.setenv("TRACKER_SNAPSHOT_EVERY", str(EVERY))
    store = UrlSQLTrackerStore(domain, host=url)
    plain = SQLTrackerStore(domain, dialect=url.split(":")[0], host=url) if url.startswith("sqlite") else None
    asyncio.run(_converse(store, "other", 30, seed=2))  # another conversation interleaves its event ids
    ours = asyncio.run(_converse(store, "long", 150, seed=1))
    reread = asyncio.run(store.retrieve("long"))
    full = asyncio.run(store.retrieve_full_tracker("long"))
    rasa = plain and asyncio.run(plain.retrieve("long"))
    reference = rasa or full
    _same_state(reread, reference, domain)
    _same_state(ours, reference, domain)
    # bounded: the snapshot's state events plus EVERY to 2 × EVERY (+ one turn) real events
    assert len(reread.events) <= len(domain.slots) + 5 + 2 * EVERY + 10 < len(full.events)
    # nothing lost: every event of every turn is stored once, in order
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == [f"消息{i}" for i in range(150)]


def test_snapshots_on_sqlite_keep_state_and_history(tmp_path, domain, monkeypatch):
    _check(f"sqlite:///{tmp_path / 'tracker.sqlite'}", domain, monkeypatch)


def test_snapshots_on_postgresql_keep_state_and_history(domain, monkeypatch):
    with fresh_postgres_database("snapshots") as url:
        _check(url, domain, monkeypatch)


def test_snapshots_off_is_rasa_behaviour(tmp_path, domain, monkeypatch):
    monkeypatch.setenv("TRACKER_SNAPSHOT_EVERY", "0")
    store = UrlSQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 't.sqlite'}")
    ours = asyncio.run(_converse(store, "long", 60, seed=3))
    reread = asyncio.run(store.retrieve("long"))
    assert len(reread.events) == len(ours.events)
    with store.engine.connect() as c:
        assert not store.engine.dialect.has_table(c, "tracker_snapshots")


def test_a_restart_of_the_store_reads_the_same_state(tmp_path, domain, monkeypatch):
    """A new store instance (a restarted or killed Rasa) reads the snapshot written by the old one."""
    monkeypatch.setenv("TRACKER_SNAPSHOT_EVERY", str(EVERY))
    url = f"sqlite:///{tmp_path / 't.sqlite'}"
    ours = asyncio.run(_converse(UrlSQLTrackerStore(domain, host=url), "long", 80, seed=4))
    again = UrlSQLTrackerStore(domain, host=url)
    _same_state(asyncio.run(again.retrieve("long")), ours, domain)


def test_a_form_started_long_ago_is_still_active_and_early_slots_kept(tmp_path, domain, monkeypatch):
    """The form started in the first turn and the first fact told stay in the state after 100 more turns, though
    neither event is among the events read back."""
    monkeypatch.setenv("TRACKER_SNAPSHOT_EVERY", str(EVERY))
    store = UrlSQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 't.sqlite'}")

    async def run() -> DialogueStateTracker:
        t = DialogueStateTracker("form", domain.slots)
        for e in [
            ActionExecuted("action_listen"),
            UserUttered("帮我看看", {"name": "start_eligibility_check", "confidence": 1.0}),
            ActionExecuted("eligibility_form"),
            ActiveLoop("eligibility_form"),
            SlotSet("category", "高端猎头"),
            SlotSet("annual_rent", 840000),
            ActionExecuted("action_listen"),
        ]:
            t.update(e)
        await store.save(t)
        for i in range(100):
            t = await store.retrieve("form")
            for e in [
                UserUttered(f"不清楚{i}", {"name": "inform", "confidence": 1.0}),
                ActionExecuted("eligibility_form"),
                SlotSet("requested_slot", "entry_date"),
                ActionExecuted("action_listen"),
            ]:
                t.update(e)
            await store.save(t)
        return await store.retrieve("form")

    t = asyncio.run(run())
    assert not any(isinstance(e, UserUttered) and e.text == "帮我看看" for e in t.events)  # really cut
    assert t.active_loop_name == "eligibility_form"
    assert t.get_slot("category") == "高端猎头" and t.get_slot("annual_rent") == 840000
    keys = [e.key for e in t.events if isinstance(e, SlotSet)]
    assert keys.index("category") < keys.index("annual_rent")  # the order they were told in


def test_the_default_keeps_ten_times_the_longest_rule():
    """RulePolicy matches a rule against the last turns; the events kept after a snapshot must cover the longest
    rule many times over (a rule step is one event or fewer)."""
    import yaml

    from bot.tracker_store import DEFAULT_EVERY

    longest = max(
        len(rule.get("steps") or [])
        for f in (ROOT / "data").rglob("*.yml")
        for rule in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("rules") or []
    )
    assert longest and 10 * longest <= DEFAULT_EVERY
