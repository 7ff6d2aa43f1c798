"""bot.lock_store: Redis when LOCK_STORE_URL is set, in-memory otherwise, and never in-memory with several workers."""

import asyncio
import threading
import time
import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockError, RedisLockStore

from bot.lock_store import AtomicRedisLockStore, UrlLockStore
from tests.services import require_redis


def test_in_memory_without_url(monkeypatch):
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    monkeypatch.delenv("SANIC_WORKERS", raising=False)
    assert isinstance(UrlLockStore(), InMemoryLockStore)


def test_several_workers_without_a_shared_lock_are_refused(monkeypatch):
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", "2")
    with pytest.raises(ValueError, match="LOCK_STORE_URL"):
        UrlLockStore()


def test_not_a_redis_url_is_refused(monkeypatch):
    monkeypatch.setenv("LOCK_STORE_URL", "memcached://127.0.0.1:11211")
    with pytest.raises(ValueError, match="redis://"):
        UrlLockStore()


def test_redis_lock_is_shared_between_two_store_objects(monkeypatch):
    """Two workers (two store objects) see the same lock: what one holds, the other sees held."""
    require_redis()
    monkeypatch.setenv("LOCK_STORE_URL", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("SANIC_WORKERS", "2")
    monkeypatch.setenv("LOCK_STORE_PREFIX", "testlockstore")
    a, b = UrlLockStore(), UrlLockStore()
    assert isinstance(a, RedisLockStore) and isinstance(b, RedisLockStore)
    conv = f"conv-{uuid.uuid4().hex}"

    async def go():
        assert b.get_lock(conv) is None
        async with a.lock(conv, wait_time_in_seconds=0.01):
            held = b.get_lock(conv)
            assert held is not None and held.tickets  # the ticket a issued is visible to b
        assert b.get_lock(conv) is None  # released for everybody

    asyncio.run(go())


def _stores(monkeypatch, n: int) -> list[AtomicRedisLockStore]:
    """``n`` store objects, each with its own Redis connections, as ``n`` Rasa processes have."""
    require_redis()
    monkeypatch.setenv("LOCK_STORE_URL", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("LOCK_STORE_PREFIX", "testlockstore")
    stores = [UrlLockStore() for _ in range(n)]
    assert all(isinstance(s, AtomicRedisLockStore) for s in stores)
    return stores  # type: ignore[return-value]


def test_tickets_taken_at_the_same_moment_by_several_processes_are_all_different(monkeypatch):
    """Rasa's RedisLockStore reads the queue and writes it back: two processes taking a ticket together can get
    the same number or lose one. Here issuing is one atomic script: 8 at once get 0…7, all kept in the queue."""
    stores = _stores(monkeypatch, 8)
    conv = f"conv-{uuid.uuid4().hex}"
    barrier = threading.Barrier(len(stores))
    numbers: list[int] = []

    def take(store: AtomicRedisLockStore) -> None:
        barrier.wait()
        numbers.append(store.issue_ticket(conv, 30))

    threads = [threading.Thread(target=take, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(numbers) == list(range(8))
    assert sorted(t.number for t in stores[0].get_lock(conv).tickets) == list(range(8))  # Rasa's reader agrees
    for n in numbers:
        stores[0].cleanup(conv, n)
    assert stores[0].get_lock(conv) is None  # the last release deletes the lock


def test_one_conversation_is_served_one_message_at_a_time_in_ticket_order(monkeypatch):
    """Three processes (threads, each its own store and event loop) send 5 messages each to one conversation:
    never two inside the lock at once, and each process's messages go in the order it sent them."""
    stores = _stores(monkeypatch, 3)
    conv = f"conv-{uuid.uuid4().hex}"
    inside = {"now": 0, "most": 0}
    served: list[tuple[int, int]] = []
    guard = threading.Lock()

    async def messages(i: int, store: AtomicRedisLockStore) -> None:
        for m in range(5):
            async with store.lock(conv, wait_time_in_seconds=0.005):
                with guard:
                    inside["now"] += 1
                    inside["most"] = max(inside["most"], inside["now"])
                    served.append((i, m))
                await asyncio.sleep(0.01)
                with guard:
                    inside["now"] -= 1

    threads = [threading.Thread(target=asyncio.run, args=(messages(i, s),)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert inside["most"] == 1
    assert len(served) == 15
    for i in range(3):
        assert [m for j, m in served if j == i] == list(range(5))
    assert stores[0].get_lock(conv) is None


def test_a_ticket_left_by_a_crashed_process_expires_and_the_next_message_goes_on(monkeypatch):
    (store,) = _stores(monkeypatch, 1)
    conv = f"conv-{uuid.uuid4().hex}"
    store.issue_ticket(conv, 0.3)  # taken and never released: the process died

    async def next_message() -> float:
        t = time.monotonic()
        async with store.lock(conv, wait_time_in_seconds=0.02):
            return time.monotonic() - t

    waited = asyncio.run(next_message())
    assert 0.1 < waited < 5
    assert store.get_lock(conv) is None


def test_a_ticket_that_expires_while_waiting_is_a_lock_error_not_a_wait_for_ever(monkeypatch):
    (store,) = _stores(monkeypatch, 1)
    conv = f"conv-{uuid.uuid4().hex}"
    held = store.issue_ticket(conv, 30)

    async def waiting() -> None:
        async with store.lock(conv, lock_lifetime=0.2, wait_time_in_seconds=0.02):
            raise AssertionError("the held ticket was skipped")

    with pytest.raises(LockError):
        asyncio.run(waiting())
    store.cleanup(conv, held)
    assert store.get_lock(conv) is None


def test_a_turn_that_outlived_its_ticket_does_not_release_the_next_holder(monkeypatch):
    """Numbers start again at 0 once the queue is empty: A's ticket 0 expires during a long turn, B is given 0;
    when A finishes, its release must leave B's ticket, so C still waits for B."""
    (store,) = _stores(monkeypatch, 1)
    conv = f"conv-{uuid.uuid4().hex}"

    async def go() -> None:
        async with store.lock(conv, lock_lifetime=0.2, wait_time_in_seconds=0.01):  # A
            await asyncio.sleep(0.3)  # A's ticket has expired
            b = store.issue_ticket(conv, 30)  # B takes the lock
            assert b == 0
        # A has released: B's ticket is still there and served
        held = store.get_lock(conv)
        assert held is not None and [t.number for t in held.tickets] == [0]
        assert store.issue_ticket(conv, 30) == 1 and store.get_lock(conv).is_locked(1)  # C waits for B
        store.cleanup(conv, 0)
        store.cleanup(conv, 1)

    asyncio.run(go())
    assert store.get_lock(conv) is None


def test_a_release_that_fails_does_not_hide_the_turn(monkeypatch):
    """Redis gone when the turn is over: the turn's result stands (the ticket expires by itself)."""
    (store,) = _stores(monkeypatch, 1)
    conv = f"conv-{uuid.uuid4().hex}"

    def broken(*args, **kwargs):
        raise ConnectionError("redis went away")

    async def go() -> str:
        async with store.lock(conv, lock_lifetime=1):
            monkeypatch.setattr(store, "_release", broken)
            return "answered"

    assert asyncio.run(go()) == "answered"
    monkeypatch.undo()
    store.red.delete(store.key_prefix + conv)
