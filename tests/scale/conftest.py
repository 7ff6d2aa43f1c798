import pytest

from tests.services import fresh_postgres_database, require_redis


@pytest.fixture
def pg_database():
    """A fresh PostgreSQL database for one test (tracker store + knowledge base), dropped afterwards."""
    with fresh_postgres_database("scale") as url:
        yield url


@pytest.fixture
def redis_url():
    require_redis()
    return "redis://127.0.0.1:6379/1"
