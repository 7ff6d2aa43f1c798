"""Rasa's lock store from one URL: ``LOCK_STORE_URL=redis://[:password@]host:6379/1`` → Redis (needed when more
than one Rasa server serves the same conversations); unset → in-memory (one Rasa process)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlparse

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore


def lock_store_url() -> str:
    """``LOCK_STORE_URL``, or "" (in-memory). The WeChat channel keeps its shared state in the same Redis."""
    return os.environ.get("LOCK_STORE_URL", "").strip()


def _sanic_workers() -> int:
    try:
        return int(os.environ.get("SANIC_WORKERS", "1"))
    except ValueError:
        return 1


class UrlLockStore:
    """Factory named in endpoints.yml; returns Rasa's own RedisLockStore or InMemoryLockStore."""

    def __new__(cls, endpoint_config: Any = None, **kwargs: Any) -> LockStore:  # type: ignore[misc]
        url = lock_store_url()
        if not url:
            # Rasa allows SANIC_WORKERS>1 for any lock store named in endpoints.yml, this one included; with an
            # in-memory lock each worker would lock only its own copy and two workers could interleave one
            # conversation's turns. Refuse instead.
            if _sanic_workers() > 1:
                raise ValueError(
                    "SANIC_WORKERS>1 需要共享的锁存储：请同时设置 LOCK_STORE_URL=redis://host:6379/1"
                    "（多个 Rasa 进程不能各用各的内存锁）"
                )
            return InMemoryLockStore()
        u = urlparse(url)
        if u.scheme not in ("redis", "rediss"):
            raise ValueError(f"LOCK_STORE_URL must be redis://…, got {u.scheme}://")
        return RedisLockStore(
            host=u.hostname or "localhost",
            port=u.port or 6379,
            db=int((u.path or "/1").strip("/") or 1),
            password=u.password,
            use_ssl=u.scheme == "rediss",
            key_prefix=os.environ.get("LOCK_STORE_PREFIX") or None,
        )
