"""The insights on PostgreSQL: a Rasa server whose tracker store is a fresh PostgreSQL database (created for this
test, dropped after), a short real conversation through it, then the console's API and bot.insights read it."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from bot.insights import compute, hash_sender
from tests.e2e.servers import Servers
from tests.services import fresh_postgres_database
from tests.staff.conftest import TOKEN, api, start


@pytest.fixture
def pg_tracker_url():
    with fresh_postgres_database("staff_test") as url:
        yield url
        from bot import insights

        insights._engine(url).dispose()  # close the module's pool before the database is dropped
        insights._engine.cache_clear()


def test_insights_on_postgresql(staff_bot, pg_tracker_url, tmp_path):
    # a second Rasa server on PostgreSQL, using the package's action server (stateless)
    pg_bot = Servers(
        tmp_path,
        env={
            "STAFF_TOKEN": TOKEN,
            "TRACKER_STORE_URL": pg_tracker_url,
            "ACTION_ENDPOINT_URL": staff_bot.env["ACTION_ENDPOINT_URL"],
        },
        start_actions=False,
    )
    try:
        start(pg_bot)
        me = f"staff-pg-{uuid.uuid4().hex[:8]}"
        assert "《办法》三、2" in pg_bot.text(me, "租金补贴怎么算")
        assert "不在我的服务范围" in pg_bot.text(me, "明天上海会下雨吗")
        pg_bot.text(me, "帮我看看我们能享受哪些政策")
        assert "【政策自测】" in pg_bot.text(me, "我们还没入驻人才港")

        ins = api(f"{pg_bot.url}/webhooks/staff", "api/insights").json()
        assert ins["totals"] == {
            "conversations": 1,
            "messages": 4,
            "checks": 1,
            "checks_completed": 1,
            "reports": 1,
            "unanswered": 1,
        }
        assert [(u["text"], u["sender"]) for u in ins["unanswered"]] == [("明天上海会下雨吗", hash_sender(me))]
        topics = {t["label"]: t["count"] for t in ins["topics"]}
        assert topics["租金补贴"] == 1 and topics["资格自测"] == 1
        verdicts = {v["verdict"]: v["count"] for v in ins["verdicts"]}
        assert verdicts["not_eligible"] == 8 and verdicts["not_applicable"] == 1

        # the events really are in PostgreSQL, and the module reads them there directly too
        engine = sa.create_engine(pg_tracker_url)
        with engine.connect() as c:
            assert c.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": me}).scalar() > 10
        engine.dispose()
        direct = compute(pg_tracker_url).to_dict()
        assert direct["totals"] == ins["totals"] and direct["unanswered"] == ins["unanswered"]
        assert compute(pg_tracker_url, days=1).totals["messages"] == 4
        csv_body = api(f"{pg_bot.url}/webhooks/staff", "export/unanswered.csv").text
        assert "明天上海会下雨吗" in csv_body and me not in csv_body
    finally:
        pg_bot.stop()
