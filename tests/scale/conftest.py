import uuid

import pytest
import sqlalchemy as sa

from tests.services import require_postgres, require_redis


@pytest.fixture
def pg_database():
    """A fresh PostgreSQL database for one test (tracker store + knowledge base), dropped afterwards."""
    base = require_postgres()
    name = f"scale_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as c:
        c.execute(sa.text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def redis_url():
    require_redis()
    return "redis://127.0.0.1:6379/1"
