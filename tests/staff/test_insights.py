"""bot/insights.py on events written by Rasa's own SQLTrackerStore (no servers): the cases a short real
conversation does not reach — a fallback the form took as an answer, a correction that re-runs the report, the
time window, an empty store — and the report parser against the report renderer for many profiles."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import pytest

from bot import insights
from bot.insights import compute, hash_sender, parse_report, topics_csv, unanswered_csv
from policy_kb.kb import PolicyKB
from policy_kb.profile import Profile
from policy_kb.report import render_assessment, render_report, report_data

TODAY = date(2026, 11, 25)
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"  # a WeChat OpenID: must never be shown


@pytest.fixture(scope="module")
def kb():
    return PolicyKB.load()


def report(kb, **profile) -> str:
    return render_assessment(kb.assess(Profile.from_dict(profile, TODAY), TODAY))


class Conversation:
    """Rasa events for one sender, timestamps one second apart from ``start``."""

    def __init__(self, sender: str, start: float, channel: str = "rest"):
        self.sender, self.t, self.channel, self.events = sender, start, channel, []

    def _ts(self) -> float:
        self.t += 1
        return self.t

    def user(self, text: str, intent: str, confidence: float = 0.9, entities=None) -> Conversation:
        from rasa.shared.core.events import UserUttered

        parse = {"intent": {"name": intent, "confidence": confidence}, "entities": entities or [], "text": text}
        self.events.append(
            UserUttered(
                text,
                intent=parse["intent"],
                entities=entities or [],
                parse_data=parse,
                input_channel=self.channel,
                timestamp=self._ts(),
            )
        )
        return self

    def action(self, name: str) -> Conversation:
        from rasa.shared.core.events import ActionExecuted

        self.events.append(ActionExecuted(name, timestamp=self._ts()))
        return self

    def bot(self, utter: str, text: str = "…", data: dict | None = None, **kwargs) -> Conversation:
        from rasa.shared.core.events import BotUttered

        self.events.append(
            BotUttered(text, data=data, metadata={"utter_action": utter, **kwargs}, timestamp=self._ts())
        )
        return self


def save(path, conversations: list[Conversation]) -> str:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(dialect="sqlite", db=str(path))

    async def write() -> None:
        for c in conversations:
            await store.save(DialogueStateTracker.from_events(c.sender, c.events))

    # in a thread of its own: Playwright's sync API may already run an event loop in this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, write()).result()
    store.engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def store(tmp_path_factory, kb):
    now = time.time()
    # the first report as stored before reports carried their data (text only), the corrected one as today
    first = report(kb, in_talent_port=True, category="高端猎头", entry_date="2025-03-01", annual_rent=1200000)
    corrected_data = report_data(kb.assess(Profile.from_dict({"in_talent_port": False}, TODAY), TODAY))
    corrected = render_report(corrected_data)
    wechat = (
        Conversation(OPENID, now - 600, channel="wechat")
        .user("帮我看看我们能享受哪些政策", "start_eligibility_check")
        .action("action_start_check")
        .action("eligibility_form")
        .bot("utter_ask_in_talent_port")
        .user("嗯那个是的吧", "nlu_fallback", 0.4)
        .action("eligibility_form")
        .bot("utter_ask_category")  # taken
        .user("啊啊啊啊", "nlu_fallback", 0.3)
        .action("eligibility_form")
        .bot("utter_not_understood_in_form")
        .user("猎头，2025年3月入驻，年租金120万", "inform")
        .action("eligibility_form")
        .action("action_eligibility_report")
        .bot("utter_eligibility_report", first, report=first)
        .user("不对，我们还没入驻", "inform")
        .action("action_start_check")
        .action("eligibility_form")
        .action("action_eligibility_report")
        .bot("utter_eligibility_report", corrected, data={"custom": corrected_data}, report=corrected)
    )
    old = (
        Conversation("old-visitor", now - 10 * 86400)
        .user("明天会下雨吗", "out_of_scope", 1.0)
        .action("utter_out_of_scope")
        .bot("utter_out_of_scope")
        .user("租金补贴怎么算", "ask_rent_subsidy")
        .action("action_answer_measure")
        .bot("utter_measure")
    )
    searcher = (
        Conversation("searcher", now - 300)
        .user("搜索 火星", "search_policy")
        .action("action_search_policy")
        .bot("utter_search_none")
        .user("=1+2 是什么", "nlu_fallback", 0.2)
        .action("action_fallback_search")
        .bot("utter_fallback_results")
        .user("支持政策第2条原文", "lookup_clause", entities=[{"entity": "citation", "value": "三、2"}])
        .action("action_lookup_clause")
        .bot("utter_clause")
        .user("第五部分", "lookup_clause", entities=[{"entity": "citation", "value": "五"}])
        .action("action_lookup_clause")
        .bot("utter_clause")
    )
    return save(tmp_path_factory.mktemp("insights") / "tracker.sqlite", [wechat, old, searcher])


def test_unanswered_list(store):
    ins = compute(store)
    got = [(u["text"], u["kind"]) for u in ins.unanswered]
    assert got == [
        ("=1+2 是什么", "fallback_search"),
        ("搜索 火星", "no_results"),
        ("啊啊啊啊", "not_understood"),
        ("明天会下雨吗", "out_of_scope"),
    ]  # newest first
    assert "嗯那个是的吧" not in [t for t, _ in got]  # the form took it as an answer
    wechat = next(u for u in ins.unanswered if u["text"] == "啊啊啊啊")
    assert wechat["sender"] == hash_sender(OPENID) and wechat["channel"] == "wechat"
    assert OPENID not in repr(ins.to_dict()) and OPENID.encode() not in unanswered_csv(ins)


def test_a_correction_is_the_same_check_and_its_last_report_counts(store):
    ins = compute(store)
    assert ins.totals["checks"] == 1 and ins.totals["reports"] == 2 and ins.totals["checks_completed"] == 1
    verdicts = {v["verdict"]: v["count"] for v in ins.verdicts}
    assert verdicts == {
        "eligible": 0,
        "pending": 0,
        "need_info": 0,
        "not_eligible": 8,
        "not_applicable": 1,
        "updating": 0,
    }


def test_topics_count_clause_lookups_for_their_measure(store):
    topics = {t["topic"]: t["count"] for t in compute(store).topics}
    assert topics["三、2"] == 2  # the rent question and the lookup of 三、2
    assert topics["lookup_clause"] == 1 and topics["search_policy"] == 1 and topics["start_eligibility_check"] == 1
    assert "nlu_fallback" not in topics and "inform" not in topics


def test_time_window(store):
    week = compute(store, days=7)
    assert week.totals["conversations"] == 2 and week.totals["messages"] == 9
    assert "明天会下雨吗" not in [u["text"] for u in week.unanswered]
    assert len(week.per_day) == 7 and week.per_day[-1]["date"] == datetime.now(insights.TZ).date().isoformat()
    everything = compute(store)
    assert everything.totals["conversations"] == 3 and everything.totals["messages"] == 11
    assert everything.per_day[0]["date"] < week.per_day[0]["date"]  # from the first day with messages
    assert sum(d["messages"] for d in everything.per_day) == 11  # the gap days are zero


def test_channels(store):
    assert {c["channel"]: c["count"] for c in compute(store).channels} == {"wechat": 5, "rest": 6}


def test_csv_cells_cannot_become_formulas(store):
    rows = list(csv.reader(io.StringIO(unanswered_csv(compute(store)).decode("utf-8-sig"))))
    assert rows[1][-1] == "'=1+2 是什么"
    assert topics_csv(compute(store)).startswith("\ufeff主题".encode("utf-8"))


def test_missing_store_is_empty_and_not_created(tmp_path):
    path = tmp_path / "never.sqlite"
    ins = compute(f"sqlite:///{path}")
    assert ins.totals["messages"] == 0 and ins.unanswered == [] and ins.per_day == []
    assert not path.exists()


PROFILES = [
    {},
    {"in_talent_port": False},
    {"in_talent_port": True, "category": "高端猎头", "entry_date": "2025-03-01", "annual_rent": 1200000},
    {
        "name": "某某：公司，符合条件9项",
        "in_talent_port": True,
        "category": "人力资源外包",
        "rank_500": "global",
        "establishment": "总部",
        "honour_level": "市级",
        "honour_year": 2026,
        "event_cost": 2000000,
    },
    {"in_talent_port": True, "category": "招聘", "training_base": True, "talent_recommendations": 3},
    {"in_talent_port": True, "category": "卖水果"},
]


def test_verdicts_come_from_the_report_data_and_old_text_reports_still_count(tmp_path, kb):
    """A report event with data is counted from its data, even when its text says something else; a report
    stored before the data existed (text only) is counted from its text."""
    t0 = time.time() - 100
    eligible = {"in_talent_port": True, "category": "高端猎头", "entry_date": "2025-03-01", "annual_rent": 1200000}
    a_new = kb.assess(Profile.from_dict(eligible, TODAY), TODAY)
    a_old = kb.assess(Profile.from_dict({"in_talent_port": False}, TODAY), TODAY)
    misleading = render_assessment(a_old)  # the text of another report: must not be read when data is there
    new = (
        Conversation("new", t0)
        .user("帮我看看", "start_eligibility_check")
        .action("action_start_check")
        .action("action_eligibility_report")
        .bot("utter_eligibility_report", misleading, data={"custom": report_data(a_new)}, report=misleading)
    )
    old = (
        Conversation("old", t0 + 10)
        .user("帮我看看", "start_eligibility_check")
        .action("action_start_check")
        .action("action_eligibility_report")
        .bot("utter_eligibility_report", misleading, report=misleading)
    )
    ins = compute(save(tmp_path / "t.sqlite", [new, old]))
    assert ins.totals["reports"] == 2 and ins.totals["checks_completed"] == 2
    expected = {v: a_new.counts()[v] + a_old.counts()[v] for v in a_new.counts()}
    assert {v["verdict"]: v["count"] for v in ins.verdicts} == expected
    assert a_new.counts() != a_old.counts()  # else the test could not tell data from text
    for m in ins.measures:
        want = Counter([a_new.result(m["id"]).verdict, a_old.result(m["id"]).verdict])
        assert {k: n for k, n in m["verdicts"].items() if n} == dict(want)


def test_a_custom_message_that_is_not_a_report_is_not_counted():
    from bot.insights import report_of

    assert report_of({"data": {"custom": {"type": "something_else"}}, "text": "【政策自测】…"}) is None
    assert report_of({"data": {"custom": {"type": "assessment_report", "counts": "x"}}}) is None


@pytest.mark.parametrize("profile", PROFILES)
def test_report_parser_reads_what_the_renderer_wrote(kb, profile):
    a = kb.assess(Profile.from_dict(profile, TODAY), TODAY)
    parsed = parse_report(render_assessment(a))
    assert parsed.counts == a.counts()
    assert parsed.measures == {r.id: r.verdict for r in a.results}


def test_report_parser_focus_and_non_reports(kb):
    a = kb.assess(Profile.from_dict({"in_talent_port": True}, TODAY), TODAY, only=["三、2"])
    parsed = parse_report(render_assessment(a))
    assert list(parsed.measures) == ["三、2"] and sum(parsed.counts.values()) == 1
    assert parse_report("租金补贴怎么算") is None and parse_report("") is None


def test_hash_sender():
    assert hash_sender(OPENID) == __import__("hashlib").sha256(OPENID.encode()).hexdigest()[:12]
    assert len(hash_sender("x")) == 12 and hash_sender("x") != hash_sender("y")
