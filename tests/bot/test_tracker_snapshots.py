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
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SessionStarted, SlotSet, UserUttered
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


def _timed_turn(rng: random.Random, i: int) -> list:
    """A turn as _turn, every event with its own increasing timestamp, and now and then a new session first (as
    Rasa starts one after the session expired: action_session_start, session_started, action_listen)."""
    events = []
    if rng.random() < 0.08:
        events += [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    events += _turn(rng, i)
    for k, e in enumerate(events):
        e.timestamp = 1000.0 + i + k / 100
    return events


async def _talk(stores: list[UrlSQLTrackerStore], tables: UrlSQLTrackerStore, sender: str, turns: int, seed: int):
    """Turns served by the stores in turn (as Rasa processes sharing one database); before and after each, what
    the serving store reads equals what a store without memory reads from the tables."""
    rng = random.Random(seed)
    for i in range(turns):
        store = stores[i % len(stores)]
        tracker, theirs = await store.retrieve(sender), await tables.retrieve(sender)
        if tracker is not None:
            assert [e.as_dict() for e in tracker.events] == [e.as_dict() for e in theirs.events], i
        else:
            tracker = DialogueStateTracker(sender, store.domain.slots)
            tracker.update(ActionExecuted("action_listen", timestamp=999.0))
        for e in _timed_turn(rng, i):
            tracker.update(e)
        await store.save(tracker)
        mine, theirs = await store.retrieve(sender), await tables.retrieve(sender)
        assert [e.as_dict() for e in mine.events] == [e.as_dict() for e in theirs.events], i


def _counting_loads(store: UrlSQLTrackerStore) -> list[str]:
    loads: list[str] = []
    real = store._load

    def counted(session, sender_id, last_id):
        loads.append(sender_id)
        return real(session, sender_id, last_id)

    store._load = counted  # type: ignore[method-assign]
    return loads


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_window_kept_in_memory_reads_as_the_tables(tmp_path, domain, monkeypatch, backend):
    """One process: after every turn of a 150-turn conversation with session restarts, the tracker built from the
    window kept in memory equals, event by event, the one read from the tables, and the tables are read only for
    the conversation's first turns (not once per message)."""

    def run(url: str) -> None:
        monkeypatch.setenv("TRACKER_SNAPSHOT_EVERY", str(EVERY))
        store = UrlSQLTrackerStore(domain, host=url)
        monkeypatch.setenv("TRACKER_CACHE_SIZE", "0")
        tables = UrlSQLTrackerStore(domain, host=url)
        loads = _counting_loads(store)
        asyncio.run(_talk([store], tables, "other", 20, seed=6))
        asyncio.run(_talk([store], tables, "long", 150, seed=5))
        assert loads.count("long") == 1 and loads.count("other") == 1
        assert len(store.windows["long"].stored) <= 2 * EVERY + 12  # bounded, though 150 turns were kept

    if backend == "sqlite":
        run(f"sqlite:///{tmp_path / 't.sqlite'}")
    else:
        with fresh_postgres_database("windows") as url:
            run(url)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_processes_sharing_the_tables_never_serve_a_stale_window(tmp_path, domain, monkeypatch, backend):
    """Two Rasa processes (two stores with their own memory) serving one conversation turn about: each notices the
    other's turn (the newest event id moved) and reads the tables again; what each serves equals the tables."""

    def run(url: str) -> None:
        monkeypatch.setenv("TRACKER_SNAPSHOT_EVERY", str(EVERY))
        a, b = UrlSQLTrackerStore(domain, host=url), UrlSQLTrackerStore(domain, host=url)
        monkeypatch.setenv("TRACKER_CACHE_SIZE", "0")
        tables = UrlSQLTrackerStore(domain, host=url)
        loads_a, loads_b = _counting_loads(a), _counting_loads(b)
        asyncio.run(_talk([a, b], tables, "shared", 60, seed=7))
        assert len(loads_a) >= 29 and len(loads_b) >= 29  # every turn after the other's was read from the tables
        asyncio.run(_talk([a], tables, "own", 40, seed=9))  # then one process alone: its window is current
        assert loads_a.count("own") == 1

    if backend == "sqlite":
        run(f"sqlite:///{tmp_path / 't.sqlite'}")
    else:
        with fresh_postgres_database("shared") as url:
            run(url)


def test_a_turn_that_failed_before_saving_leaves_the_window_as_stored(tmp_path, domain, monkeypatch):
    """Rasa builds a tracker, a message fails half-way and the tracker is never saved: the next read has none of
    that turn's events."""
    monkeypatch.setenv("TRACKER_SNAPSHOT_EVERY", str(EVERY))
    store = UrlSQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 't.sqlite'}")
    asyncio.run(_converse(store, "c", 10, seed=8))
    before = [e.as_dict() for e in asyncio.run(store.retrieve("c")).events]
    half = asyncio.run(store.retrieve("c"))
    half.update(UserUttered("半路失败", {"name": "greet", "confidence": 1.0}))
    half.update(SlotSet("annual_rent", 1))
    assert [e.as_dict() for e in asyncio.run(store.retrieve("c")).events] == before
