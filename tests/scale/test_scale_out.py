"""Scale-out on standard parts: PostgreSQL tracker store and knowledge base, Redis lock store, two Rasa servers
(the second one with two Sanic worker processes, SANIC_WORKERS=2) and one action server. One conversation
alternates between the Rasa servers message by message."""

import uuid

import sqlalchemy as sa

from tests.e2e.servers import Servers
from tests.scale.dialogue import run_dialogue


def test_one_conversation_across_two_rasa_servers(tmp_path, pg_database, redis_url):
    env = {
        "TRACKER_STORE_URL": pg_database,
        "POLICY_KB_URL": pg_database,
        "LOCK_STORE_URL": redis_url,
        "LOCK_STORE_PREFIX": f"test{uuid.uuid4().hex[:6]}",
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = Servers(tmp_path / "a", env=env)
    b = Servers(
        tmp_path / "b",
        env={**env, "ACTION_ENDPOINT_URL": a.env["ACTION_ENDPOINT_URL"], "SANIC_WORKERS": "2"},
        start_actions=False,
    )
    try:
        a.start_action_server()
        b.start_rasa()  # first on the new database: its two workers create the tracker tables at the same moment
        a.start_rasa()
        me = f"scale-{uuid.uuid4().hex[:8]}"
        servers = [a, b]
        report = run_dialogue(lambda turn, text: servers[turn % 2].text(me, text), rent_wan=120)
        assert "每年36万元" in report and "三年合计最多108万元" in report
        # corrections on either server see the same profile
        assert "每年15万元" in b.text(me, "不对，年租金是50万")
        assert "每年18万元" in a.text(me, "不对，年租金是60万")
        assert b.workers_up(2), b.log("rasa")[-2000:]  # two workers (the second may still be loading the model)
        assert "Traceback" not in b.log("rasa"), b.log("rasa")[-4000:]  # neither died creating the tables
        engine = sa.create_engine(pg_database)
        with engine.connect() as c:
            events = c.execute(sa.text("select count(*) from events where sender_id = :s"), {"s": me}).scalar()
            clauses = c.execute(sa.text("select count(*) from kb_version_clauses")).scalar()
        engine.dispose()
        assert events > 20 and clauses == 24  # conversation and KB are in PostgreSQL
    finally:
        b.stop()
        a.stop()
