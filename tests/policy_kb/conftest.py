"""Knowledge-base stores for the store and versions tests: a SQLite file per test, and the PostgreSQL `test`
database with the knowledge-base tables dropped before and after."""

import pytest

from policy_kb.models import Base
from policy_kb.store import make_engine
from tests.services import require_postgres


@pytest.fixture
def sqlite_engine(tmp_path):
    return make_engine(f"sqlite:///{tmp_path / 'kb.sqlite'}")


@pytest.fixture
def pg_engine():
    engine = make_engine(require_postgres())
    Base.metadata.drop_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()
