"""Rasa's lock store from one URL: ``LOCK_STORE_URL=redis://[:password@]host:6379/1`` → Redis (needed when more
than one Rasa server serves the same conversations); unset → in-memory (one Rasa process)."""
from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlparse

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore


class UrlLockStore:
    """Factory named in endpoints.yml; returns Rasa's own RedisLockStore or InMemoryLockStore."""

    def __new__(cls, endpoint_config: Any = None, **kwargs: Any) -> LockStore:  # type: ignore[misc]
        url = os.environ.get("LOCK_STORE_URL", "").strip()
        if not url:
            return InMemoryLockStore()
        u = urlparse(url)
        if u.scheme not in ("redis", "rediss"):
            raise ValueError(f"LOCK_STORE_URL must be redis://…, got {u.scheme}://")
        return RedisLockStore(host=u.hostname or "localhost", port=u.port or 6379,
                              db=int((u.path or "/1").strip("/") or 1), password=u.password,
                              use_ssl=u.scheme == "rediss", key_prefix=os.environ.get("LOCK_STORE_PREFIX") or None)
