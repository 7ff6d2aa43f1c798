"""The build step: SQLite file by default, PostgreSQL by URL; idempotent; a changed packaged text replaces that
version only; versions staff added survive every build."""

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from policy_kb.kb import PolicyKB
from policy_kb.models import ClauseRow, DocumentRow, RuleSetRow, VersionRow
from policy_kb.store import build, create_tables, load_version
from policy_kb.text import source_text

REVISION = Path(__file__).resolve().parents[1] / "fixtures" / "versions" / "FABRICATED-revision-2027.txt"


def _counts(engine):
    with engine.connect() as c:
        return tuple(
            c.execute(sa.select(sa.func.count()).select_from(t)).scalar()
            for t in (DocumentRow.__table__, VersionRow.__table__, ClauseRow.__table__, RuleSetRow.__table__)
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


def test_build_loads_text_clauses_and_rules(engine):
    r = build(engine)
    assert r.changed and r.clauses == 24 and r.measures == 9
    assert _counts(engine) == (1, 1, 24, 1)
    with engine.connect() as c:
        row = c.execute(sa.select(ClauseRow.text_norm, ClauseRow.citation).where(ClauseRow.ref == "三、2")).one()
        start = c.execute(sa.select(VersionRow.effective_from, VersionRow.origin)).one()
    assert "前三年度每年30%的租金补贴" in row.text_norm
    assert row.citation == "《办法》三、2"
    assert start == (dt.date(2022, 1, 1), "packaged")  # in force from the date 五（三） states


def test_rebuild_is_idempotent(engine):
    first = build(engine)
    again = build(engine)
    assert not again.changed
    assert again.document_id == first.document_id
    assert _counts(engine) == (1, 1, 24, 1)


def test_changed_packaged_text_replaces_that_version_only(engine):
    build(engine)
    load_version(engine, REVISION.read_text(encoding="utf-8"), dt.date(2027, 1, 1))
    changed = source_text().replace(
        "本办法由嘉定区人力资源和社会保障局负责解释。", "本办法由嘉定区人力资源和社会保障局负责解释说明。"
    )
    r = build(engine, text=changed)
    assert r.changed and r.replaced == 1
    assert _counts(engine) == (1, 2, 48, 1)  # the staff-loaded version is kept
    with engine.connect() as c:
        texts = c.execute(sa.select(ClauseRow.text).where(ClauseRow.ref == "五（二）")).scalars().all()
    assert sum("解释说明" in t for t in texts) == 1
    back = build(engine)
    assert back.changed and back.replaced == 1
    assert _counts(engine) == (1, 2, 48, 1)


def test_build_drops_the_tables_of_the_single_version_schema(sqlite_engine):
    with sqlite_engine.begin() as c:
        c.execute(sa.text("CREATE TABLE kb_documents (id INTEGER PRIMARY KEY, source_hash TEXT)"))
        c.execute(sa.text("CREATE TABLE kb_clauses (id INTEGER PRIMARY KEY, document_id INTEGER)"))
    build(sqlite_engine)
    names = set(sa.inspect(sqlite_engine).get_table_names())
    assert not names & {"kb_documents", "kb_clauses", "kb_measures"}
    assert _counts(sqlite_engine) == (1, 1, 24, 1)


def test_kb_reads_what_was_built(engine):
    build(engine)
    kb = PolicyKB.load(engine, auto_build=False)
    assert kb.document.doc_number == "嘉府办发〔2022〕14号"
    assert kb.resolve("支持政策第7条").ref == "三、7"
    assert kb.search("区块链")[0].ref == "三、6"
    assert kb.rules.measure("三、2").benefit["percent"] == 30
    assert kb.version.label == "嘉府办发〔2022〕14号，2022年1月1日起施行"


def test_empty_database_is_a_clear_error(sqlite_engine):
    create_tables(sqlite_engine)
    with pytest.raises(LookupError, match="知识库为空"):
        PolicyKB.load(sqlite_engine, auto_build=False)


def test_a_packaged_text_of_a_new_day_is_added_beside_the_old_one(engine):
    """The package ships the revision (its 五（三） says 2027-01-01): the 2022 version stays."""
    build(engine)
    r = build(engine, text=REVISION.read_text(encoding="utf-8"))
    assert r.changed and r.replaced == 0
    lib = PolicyKB.load(engine, auto_build=False, on=dt.date(2023, 6, 1))
    assert lib.in_force and lib.document.doc_number == "嘉府办发〔2022〕14号"
    assert _counts(engine) == (1, 2, 48, 1)


def test_a_build_never_replaces_a_text_staff_loaded_for_the_same_day(engine):
    build(engine)
    staff_text = REVISION.read_text(encoding="utf-8")
    load_version(engine, staff_text, dt.date(2027, 1, 1))
    packaged = staff_text.replace("营造良好制度环境", "完善良好制度环境")  # another text stating 2027-01-01
    r = build(engine, text=packaged)
    assert r.kept_loaded and not r.replaced
    kb = PolicyKB.load(engine, auto_build=False, on=dt.date(2027, 6, 1))
    assert "营造良好制度环境" in kb.clause("三、9").text_norm
