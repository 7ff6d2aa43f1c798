"""bot.lock_store: Redis when LOCK_STORE_URL is set, in-memory otherwise, and never in-memory with several workers."""

import asyncio
import uuid

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

from bot.lock_store import UrlLockStore
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
