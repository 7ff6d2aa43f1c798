"""The build step: SQLite file by default, PostgreSQL by URL; idempotent; a changed text replaces the old one."""

import pytest
import sqlalchemy as sa

from policy_kb.kb import PolicyKB
from policy_kb.models import Base, ClauseRow, DocumentRow, MeasureRow
from policy_kb.store import build, make_engine
from policy_kb.text import source_text
from tests.services import require_postgres


def _counts(engine):
    with engine.connect() as c:
        return tuple(
            c.execute(sa.select(sa.func.count()).select_from(t)).scalar()
            for t in (DocumentRow.__table__, ClauseRow.__table__, MeasureRow.__table__)
        )


@pytest.fixture
def sqlite_engine(tmp_path):
    return make_engine(f"sqlite:///{tmp_path / 'kb.sqlite'}")


@pytest.fixture
def pg_engine():
    url = require_postgres()
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


def test_build_loads_text_clauses_and_measures(engine):
    r = build(engine)
    assert r.changed and r.clauses == 24 and r.measures == 9
    assert _counts(engine) == (1, 24, 9)
    with engine.connect() as c:
        row = c.execute(sa.select(ClauseRow.text_norm, ClauseRow.citation).where(ClauseRow.ref == "三、2")).one()
    assert "前三年度每年30%的租金补贴" in row.text_norm
    assert row.citation == "《办法》三、2"


def test_rebuild_is_idempotent(engine):
    first = build(engine)
    again = build(engine)
    assert not again.changed
    assert again.document_id == first.document_id
    assert _counts(engine) == (1, 24, 9)


def test_changed_text_replaces_old_version(engine):
    build(engine)
    changed = source_text().replace(
        "本办法由嘉定区人力资源和社会保障局负责解释。", "本办法由嘉定区人力资源和社会保障局负责解释说明。"
    )
    r = build(engine, text=changed)
    assert r.changed and r.replaced == 1
    assert _counts(engine) == (1, 24, 9)
    with engine.connect() as c:
        assert "解释说明" in c.execute(sa.select(ClauseRow.text).where(ClauseRow.ref == "五（二）")).scalar()
    back = build(engine)
    assert back.changed and back.replaced == 1


def test_kb_reads_what_was_built(engine):
    build(engine)
    kb = PolicyKB.load(engine, auto_build=False)
    assert kb.document.doc_number == "嘉府办发〔2022〕14号"
    assert kb.resolve("支持政策第7条").ref == "三、7"
    assert kb.search("区块链")[0].ref == "三、6"
    assert kb.rules.measure("三、2").benefit["percent"] == 30


def test_empty_database_is_a_clear_error(sqlite_engine):
    Base.metadata.create_all(sqlite_engine)
    with pytest.raises(LookupError, match="知识库为空"):
        PolicyKB.load(sqlite_engine, auto_build=False)
