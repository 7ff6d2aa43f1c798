"""Real services for tests: PostgreSQL and Redis on this machine. Skip with a reason where they are missing,
but under CI (CI=true) a missing service is a failure, never a skip."""
from __future__ import annotations

import os
import socket

import pytest

PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    msg = f"{name} is not reachable at {host}:{port}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg + " (CI=true: a missing service is a failure)")
    pytest.skip(msg)


def require_postgres() -> str:
    require("PostgreSQL", "127.0.0.1", 5432)
    return PG_URL


def require_redis() -> None:
    require("Redis", REDIS_HOST, REDIS_PORT)
