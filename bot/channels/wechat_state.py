"""Short-lived WeChat channel state: which messages were already received (WeChat retries) and what "1" means
after a reply with buttons. In one process a dictionary is enough; with several Rasa processes (SANIC_WORKERS, or
servers behind a balancer) a retry or the "1" can reach another process, so the state lives in Redis — the one
that ``LOCK_STORE_URL`` already names for Rasa's lock store (or ``WECHAT_STATE_URL``).

Values are small JSON objects; every entry expires ``ttl`` seconds after it was written.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

V = TypeVar("V")
Json = dict[str, Any]


class TTLCache(Generic[V]):
    """A small in-process dictionary whose entries expire ``ttl`` seconds after they were set."""

    def __init__(self, ttl: float, max_items: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.max_items, self._clock = ttl, max_items, clock
        self._items: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def _purge(self) -> None:
        now = self._clock()
        while self._items and (next(iter(self._items.values()))[0] <= now or len(self._items) > self.max_items):
            self._items.popitem(last=False)

    def get(self, key: str) -> V | None:
        self._purge()
        item = self._items.get(key)
        return item[1] if item else None

    def set(self, key: str, value: V) -> None:
        self._items.pop(key, None)
        self._items[key] = (self._clock() + self.ttl, value)
        self._purge()

    def add(self, key: str, value: V) -> bool:
        """Set ``key`` only if it is absent (or expired); True if this call set it."""
        if self.get(key) is not None:
            return False
        self.set(key, value)
        return True

    def pop(self, key: str) -> None:
        self._items.pop(key, None)


class RedisTTLStore:
    """The same operations on Redis, shared by every process: ``SET … PX`` (and ``NX`` for ``add``), JSON values."""

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


StateStore = TTLCache[Json] | RedisTTLStore


def state_store(url: str, name: str, ttl: float) -> StateStore:
    """Redis when ``url`` is a redis:// or rediss:// URL, else an in-process cache."""
    if url.startswith(("redis://", "rediss://")):
        return RedisTTLStore(url, name, ttl)
    if url:
        raise ValueError(f"WeChat channel state must be in Redis (redis://…), got {url.split('://')[0]}://")
    return TTLCache(ttl)
