"""Short-lived WeChat channel state: which messages were already received (WeChat retries) and what "1" means
after a reply with buttons. In one process an in-memory cache is enough; with several Rasa processes
(SANIC_WORKERS, or servers behind a balancer) a retry or the "1" can reach another process, so the state lives in
Redis — the one that ``LOCK_STORE_URL`` already names for Rasa's lock store (or ``WECHAT_STATE_URL``).

Values are small JSON objects; every entry expires ``ttl`` seconds after it was (last) written. Both stores offer
the same four operations: ``get``, ``set``, ``add`` (set only if absent: the claim on a message) and ``pop``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from cachetools import TTLCache

V = TypeVar("V")
Json = dict[str, Any]

MAX_ITEMS = 10_000  # in-process entries; beyond it the least recently used go first


class MemoryTTLStore(Generic[V]):
    """The state in this process: a ``cachetools.TTLCache`` (expiry, size bound, injectable ``clock``).

    cachetools gives everything but the store interface: ``add`` (set if absent) and a ``pop`` that ignores a
    missing key are the two thin methods below, so the channel treats this and ``RedisTTLStore`` alike.
    """

    def __init__(self, ttl: float, max_items: int = MAX_ITEMS, clock: Callable[[], float] = time.monotonic) -> None:
        self._cache: TTLCache[str, V, float] = TTLCache(maxsize=max_items, ttl=ttl, timer=clock)

    @property
    def ttl(self) -> float:
        return float(self._cache.ttl)

    @property
    def max_items(self) -> int:
        return int(self._cache.maxsize)

    def get(self, key: str) -> V | None:
        return self._cache.get(key)

    def set(self, key: str, value: V) -> None:
        self._cache[key] = value  # a new write restarts the entry's ttl

    def add(self, key: str, value: V) -> bool:
        """Set ``key`` only if it is absent (or expired); True if this call set it. No await between the check
        and the write, so on one event loop it is atomic."""
        if key in self._cache:
            return False
        self._cache[key] = value
        return True

    def pop(self, key: str) -> None:
        self._cache.pop(key, None)


class RedisTTLStore:
    """The same operations on Redis, shared by every process: ``SET … PX`` (and ``NX`` for ``add``), JSON values.
    Expiry runs on Redis's clock, not the channel's."""

    def __init__(self, url: str, name: str, ttl: float, client: Any = None) -> None:
        import redis

        self.ttl_ms = max(1, int(ttl * 1000))
        self.prefix = f"wechat:{name}:"
        self.client = client or redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def get(self, key: str) -> Json | None:
        raw = self.client.get(self.prefix + key)
        return json.loads(raw) if raw else None

    def set(self, key: str, value: Json) -> None:
        self.client.set(self.prefix + key, json.dumps(value, ensure_ascii=False), px=self.ttl_ms)

    def add(self, key: str, value: Json) -> bool:
        return bool(self.client.set(self.prefix + key, json.dumps(value, ensure_ascii=False), px=self.ttl_ms, nx=True))

    def pop(self, key: str) -> None:
        self.client.delete(self.prefix + key)


StateStore = MemoryTTLStore[Json] | RedisTTLStore


def state_store(url: str, name: str, ttl: float, clock: Callable[[], float] = time.monotonic) -> StateStore:
    """Redis when ``url`` is a redis:// or rediss:// URL, else an in-process cache timed by ``clock``."""
    if url.startswith(("redis://", "rediss://")):
        return RedisTTLStore(url, name, ttl)
    if url:
        raise ValueError(f"WeChat channel state must be in Redis (redis://…), got {url.split('://')[0]}://")
    return MemoryTTLStore(ttl, clock=clock)
