"""The console's API against the real bot: the conversations of conftest.run_conversations went through the Rasa
server into its SQL tracker store; the insights, the clause data and the exports are read back over HTTP."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime, timedelta, timezone

from policy_kb.engine import benefit
from policy_kb.kb import PolicyKB
from policy_kb.profile import Profile
from tests.staff.conftest import NOT_UNDERSTOOD, api

CHINA = timezone(timedelta(hours=8))


def sha(sender: str) -> str:
    return hashlib.sha256(sender.encode("utf-8")).hexdigest()[:12]


# ---- insights from the real conversations ----


def test_unanswered_questions_newest_first_with_their_text(console, conversations):
    ins = api(console, "api/insights").json()
    texts = [u["text"] for u in ins["unanswered"]]
    assert "明天上海会下雨吗" in texts and NOT_UNDERSTOOD in texts
    # the gibberish was asked after the weather: it comes first
    assert texts.index(NOT_UNDERSTOOD) < texts.index("明天上海会下雨吗")
    weather = next(u for u in ins["unanswered"] if u["text"] == "明天上海会下雨吗")
    gibberish = next(u for u in ins["unanswered"] if u["text"] == NOT_UNDERSTOOD)
    assert weather["intent"] == "out_of_scope" and weather["kind_label"] == "超出服务范围"
    assert gibberish["intent"] == "nlu_fallback" and gibberish["kind"] == "not_understood"
    times = [u["time"] for u in ins["unanswered"]]
    assert times == sorted(times, reverse=True)
    # nothing the bot answered is on the list
    assert not {"租金补贴怎么算", "支持政策第6条原文", "不是500强", "没有"} & set(texts)


def test_sender_ids_are_hashed_never_raw(console, conversations):
    r = api(console, "api/insights")
    asker = conversations.senders["asker"]
    for u in r.json()["unanswered"]:
        assert len(u["sender"]) == 12 and set(u["sender"]) <= set("0123456789abcdef")
    assert {u["sender"] for u in r.json()["unanswered"]} == {sha(asker)}
    for sender in conversations.senders.values():
        assert sender not in r.text
        assert sender not in api(console, "export/unanswered.csv").text


def test_topic_counts_include_the_rent_subsidy(console, conversations):
    topics = {t["label"]: t for t in api(console, "api/insights").json()["topics"]}
    assert topics["租金补贴"]["count"] == 1 and topics["租金补贴"]["citation"] == "《办法》三、2"
    # "支持政策第6条原文" is a clause lookup that names 三、6: it counts for that measure
    assert topics["专业资质与创新示范奖励"]["count"] == 1
    assert topics["资格自测"]["count"] == 2
    counts = [t["count"] for t in topics.values()]
    assert counts == sorted(counts, reverse=True)


def test_eligibility_checks_and_verdicts(console, conversations):
    ins = api(console, "api/insights").json()
    assert ins["totals"]["checks"] == 2 and ins["totals"]["checks_completed"] == 2 and ins["totals"]["reports"] == 2
    verdicts = {v["verdict"]: v["count"] for v in ins["verdicts"]}
    # the hunter in the port: 三、2 and 三、8 pending, the rest not eligible, 三、9 not applicable;
    # the outsider: 8 not eligible, 三、9 not applicable — exactly what the two reports' summary lines say
    assert "初步符合，待区人社局认定2项" in conversations.reports["checker"]
    assert "不符合条件8项" in conversations.reports["outsider"]
    assert verdicts["pending"] == 2 and verdicts["not_applicable"] == 2
    assert verdicts["not_eligible"] == 6 + 8 and verdicts["eligible"] == 0
    measures = {m["id"]: m for m in ins["measures"]}
    assert measures["三、2"]["verdicts"]["pending"] == 1 and measures["三、2"]["verdicts"]["not_eligible"] == 1
    assert measures["三、2"]["questions"] == 1 and measures["三、2"]["title"] == "租金补贴"
    assert measures["三、9"]["verdicts"]["not_applicable"] == 2


def test_conversations_and_messages_per_day(console, conversations):
    ins = api(console, "api/insights", days=7).json()
    assert len(ins["per_day"]) == 7 and ins["since"] is not None
    today = datetime.now(CHINA).date().isoformat()
    day = next(d for d in ins["per_day"] if d["date"] == today)
    assert day["messages"] == len(conversations.messages) == ins["totals"]["messages"]
    assert day["conversations"] == len(conversations.senders) == ins["totals"]["conversations"]
    assert day["checks"] == 2 and day["unanswered"] == 2
    assert ins["timezone"].startswith("Asia/Shanghai")
    assert api(console, "api/insights", days="abc").status == 400
    assert api(console, "api/insights", days=0).json()["since"] is None  # 0 / empty: everything


def test_csv_exports_open_in_excel(console, conversations):
    r = api(console, "export/unanswered.csv")
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv")
    assert "attachment" in r.header("Content-Disposition") and ".csv" in r.header("Content-Disposition")
    assert r.body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert rows[0] == ["时间", "会话（哈希）", "类型", "意图", "置信度", "渠道", "问题原文"]
    assert [row[-1] for row in rows[1:]][:2] == [NOT_UNDERSTOOD, "明天上海会下雨吗"]
    t = api(console, "export/topics.csv")
    trows = list(csv.reader(io.StringIO(t.body.decode("utf-8-sig"))))
    assert t.body.startswith(b"\xef\xbb\xbf") and trows[0] == ["主题", "条款", "次数"]
    assert ["租金补贴", "《办法》三、2", "1"] in trows
    assert api(console, "export/nope.csv").status == 404


# ---- the law: clauses, rules beside them, search ----


def test_clause_tree_with_verbatim_text_and_citations(console):
    data = api(console, "api/clauses").json()
    kb = PolicyKB.load()
    assert len(data["clauses"]) == len(kb.document.clauses) == 24
    by_ref = {c["ref"]: c for c in data["clauses"]}
    assert by_ref["三、6"]["text"] == kb.clause("三、6").text and "区块链" in by_ref["三、6"]["text"]
    assert by_ref["三、6"]["citation"] == "《办法》三、6" and by_ref["三、6"]["title"] == "专业资质与创新示范奖励"
    assert by_ref["四（二）"]["kind"] == "item" and by_ref["四（二）"]["part"] == "四"
    assert data["document"]["doc_number"] == "嘉府办发〔2022〕14号"


def test_every_rule_quote_is_found_in_its_clause(console):
    """The rules panel marks where each condition's quote sits in the printed text: all of them must be there."""
    data = api(console, "api/measures").json()
    clauses = {c["ref"]: c["text"] for c in api(console, "api/clauses").json()["clauses"]}
    kb = PolicyKB.load()
    assert [m["id"] for m in data["measures"]] == [f"三、{i}" for i in range(1, 10)]
    for m in data["measures"]:
        assert m["money"] == benefit(kb.rules.measure(m["id"]), Profile()).text
        assert m["benefit_found"], m["id"]
        for c in m["conditions"] + data["support"]:
            assert c["found"], (m["id"], c["id"])
            start, end = c["span"]
            printed = clauses[c["ref"]][start:end]
            assert printed.replace(" ", "") == c["quote"].replace(" ", ""), (printed, c["quote"])
    rent = next(m for m in data["measures"] if m["id"] == "三、2")
    assert rent["money"].startswith("每年租金的30%")
    assert any(c["kind"] == "authority" and "符合一定条件" in c["to_verify"] for c in rent["conditions"])
    assert any(c["kind"] == "profile" and c["rule"] for c in rent["conditions"])


def test_search_finds_blockchain_in_3_6(console):
    r = api(console, "api/search", q="区块链").json()
    assert r["hits"][0]["ref"] == "三、6" and r["hits"][0]["citation"] == "《办法》三、6"
    assert "区块链" in r["hits"][0]["snippet"]
    assert api(console, "api/search", q="三、6").json()["resolved"]["ref"] == "三、6"
    assert api(console, "api/search", q="支持政策第7条").json()["resolved"]["ref"] == "三、7"
    assert "没有第十条" in api(console, "api/search", q="支持政策第十条").json()["note"]
    empty = api(console, "api/search", q="  ").json()
    assert empty["hits"] == [] and "请输入" in empty["message"]
    assert "没有找到" in api(console, "api/search", q="火星移民").json()["message"]
