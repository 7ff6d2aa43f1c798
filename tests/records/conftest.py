"""The records database on SQLite and on this machine's PostgreSQL (a schema of its own per test, dropped after)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from records import db

PG = "postgresql://postgres@127.0.0.1:5432/test"


def _pg_url():
    """A schema of its own on the shared `test` database, dropped afterwards."""
    schema = "records_" + uuid.uuid4().hex[:10]
    try:
        eng = sa.create_engine(PG, future=True)
        with eng.begin() as c:
            c.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError as exc:  # pragma: no cover - PostgreSQL runs on every machine of this project
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    return f"{PG}?options=-csearch_path%3D{schema}", eng, schema


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """A records database URL, once SQLite and once PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'records.sqlite'}"
        return
    u, eng, schema = _pg_url()
    yield u
    db._engines.pop(u).dispose()
    with eng.begin() as c:
        c.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
