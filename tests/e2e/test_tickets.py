"""A message for the bureau, end to end: the real action server and Rasa server over REST (the trained model, SQLite
tracker store and records database of their own), then the staff console's ticket API and CSV over HTTP; and where
the phone number ends up (the ticket, not the slots, the bot's replies, the logs or the insights)."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import sqlite3
import urllib.parse
import uuid

import pytest

from tests.e2e.servers import Servers
from tests.staff.conftest import cookie_value, http

TOKEN = "tickets-test-" + secrets.token_hex(12)
PHONE = "13957086421"  # not the 13812345678 the bot uses as an example
NUMBER_RE = re.compile(r"JD-\d{8}-\d{4}")


@pytest.fixture(scope="module")
def ticket_bot(tmp_path_factory):
    work = tmp_path_factory.mktemp("tickets")
    env = {"STAFF_TOKEN": TOKEN, "RECORDS_URL": f"sqlite:///{work / 'records.sqlite'}", "BUREAU_CONTACT": ""}
    s = Servers(work, env=env).start()
    try:
        s.transcripts = {}
        s.transcripts["full"] = full_dialogue(s)
        s.transcripts["quit"] = quit_dialogue(s)
        yield s
    finally:
        s.stop()


def say(bot, who, text, log):
    replies = bot.say(who, text)
    out = "\n".join(r.get("text", "") for r in replies)
    log.append((text, out, [b["title"] for r in replies for b in r.get("buttons", [])]))
    return out


def full_dialogue(bot) -> list:
    who, log = f"ticket-{uuid.uuid4().hex[:8]}", []
    say(bot, who, "租金补贴什么时候开始申报？", log)
    out = say(bot, who, "转人工", log)
    assert "没有区人社局的电话或办公地址" in out and "机构的名称" in out, out
    assert "请问怎么称呼您" in say(bot, who, "上海某某人力资源有限公司", log)
    assert "工作人员怎么联系您" in say(bot, who, "张先生", log)
    out = say(bot, who, "139 5708 642", log)  # one digit short
    assert "手机号应为11位" in out and "工作人员怎么联系您" in out, out
    out = say(bot, who, "139 5708 6421", log)
    assert "已记录联系方式：139****6421" in out and "就是刚才的问题" in out and "租金补贴什么时候开始申报" in out, out
    out = say(bot, who, "就是刚才的问题", log)
    assert "联系方式：139****6421" in out and "问题：租金补贴什么时候开始申报？" in out, out
    assert NUMBER_RE.search(out) and "已提交留言，编号 JD-" in out, out
    bot.sender_full = who
    bot.number = NUMBER_RE.search(out).group(0)
    return log


def quit_dialogue(bot) -> list:
    who, log = f"ticket-quit-{uuid.uuid4().hex[:8]}", []
    say(bot, who, "我要留言", log)
    assert "请问怎么称呼您" in say(bot, who, "跳过", log)
    assert "工作人员怎么联系您" in say(bot, who, "李女士", log)
    out = say(bot, who, "算了", log)
    assert "留言已取消" in out and "没有保存" in out, out
    assert "《办法》三、2" in say(bot, who, "租金补贴怎么算", log)  # the bot goes on as before
    bot.sender_quit = who
    return log


def api(bot, path, token=TOKEN, status=None, **kw):
    q = "?" + urllib.parse.urlencode({"status": status}) if status is not None else ""
    return http(f"{bot.url}/webhooks/staff/{path}{q}", token=token, **kw)


# ---- the dialogue ----


def test_the_full_form_ends_with_a_ticket_number(ticket_bot):
    (t,) = api(ticket_bot, "api/tickets").json()["tickets"]
    assert t["number"] == ticket_bot.number and t["status"] == "open"
    assert (t["institution"], t["contact_person"], t["phone"], t["email"]) == (
        "上海某某人力资源有限公司",
        "张先生",
        PHONE,
        None,
    )
    assert t["question"] == "租金补贴什么时候开始申报？"


def test_quitting_stores_nothing(ticket_bot):
    body = api(ticket_bot, "api/tickets").json()
    assert [t["contact_person"] for t in body["tickets"]] == ["张先生"]  # 李女士 quit: no ticket, no draft
    db = sqlite3.connect(ticket_bot.workdir / "records.sqlite")
    assert db.execute("SELECT count(*) FROM ticket_drafts").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM tickets").fetchone() == (1,)


def test_a_message_in_the_middle_of_the_self_check(ticket_bot):
    who, log = f"ticket-check-{uuid.uuid4().hex[:8]}", []
    say(ticket_bot, who, "帮我看看我们能享受哪些政策", log)
    out = say(ticket_bot, who, "我要留言", log)
    assert "工作人员留言" in out and "机构的名称" in out, out
    assert "留言已取消" in say(ticket_bot, who, "不留了", log)
    assert "已入驻" in say(ticket_bot, who, "帮我看看我们能享受哪些政策", log)


# ---- the staff API ----


def test_tickets_api_needs_the_token(ticket_bot):
    assert api(ticket_bot, "api/tickets", token=None).status == 401
    assert api(ticket_bot, "api/tickets", token="wrong-" + TOKEN).status == 403
    assert "需要访问令牌" in api(ticket_bot, "api/tickets", token=None).json()["error"]
    assert api(ticket_bot, "export/tickets.csv", token=None).status == 401
    assert api(ticket_bot, "api/tickets/JD-20261201-0001/answered", token=None, method="POST").status == 401


def test_tickets_csv_has_a_bom_and_the_contact(ticket_bot):
    r = api(ticket_bot, "export/tickets.csv")
    assert r.status == 200 and r.header("content-type").startswith("text/csv")
    assert r.body.startswith(b"\xef\xbb\xbf") and "attachment" in r.header("content-disposition")
    rows = list(csv.reader(io.StringIO(r.body.decode("utf-8-sig"))))
    assert rows[0] == ["编号", "提交时间", "状态", "答复时间", "机构", "联系人", "电话", "邮箱", "问题"]
    assert rows[1][0] == ticket_bot.number and rows[1][2] == "待处理" and rows[1][6] == PHONE
    assert api(ticket_bot, "api/tickets", status="closed").status == 400


def test_marking_answered_needs_the_consoles_header_with_a_cookie(ticket_bot):
    r = http(f"{ticket_bot.url}/webhooks/staff/?token={urllib.parse.quote(TOKEN)}")
    cookie = "staff_session=" + cookie_value(
        next(c for c in r.cookies() if c.startswith("staff_session=")), "staff_session"
    )
    path = f"api/tickets/{ticket_bot.number}/answered"
    # a cross-site form or fetch: the cookie alone is not enough
    assert api(ticket_bot, path, token=None, cookie=cookie, method="POST").status == 403
    foreign = {"X-Staff-Console": "1", "Origin": "https://evil.example"}
    assert api(ticket_bot, path, token=None, cookie=cookie, method="POST", headers=foreign).status == 403
    assert api(ticket_bot, "api/tickets").json()["tickets"][0]["status"] == "open"
    own = {"X-Staff-Console": "1", "Origin": ticket_bot.url}
    r = api(ticket_bot, path, token=None, cookie=cookie, method="POST", headers=own)
    assert r.status == 200 and r.json()["ticket"]["status"] == "answered"
    body = api(ticket_bot, "api/tickets", status="answered").json()
    assert [t["number"] for t in body["tickets"]] == [ticket_bot.number] and body["counts"] == {
        "open": 0,
        "answered": 1,
    }
    assert api(ticket_bot, "api/tickets", status="open").json()["tickets"] == []
    assert api(ticket_bot, "api/tickets/JD-20261201-9999/answered", method="POST").status == 404  # Bearer: no header


# ---- where the phone number is, and is not ----


def test_the_phone_is_not_in_any_slot_or_bot_reply_of_the_tracker_store(ticket_bot):
    db = sqlite3.connect(ticket_bot.workdir / "tracker.sqlite")
    rows = db.execute("SELECT type_name, data FROM events WHERE sender_id = ?", (ticket_bot.sender_full,)).fetchall()
    slots = [json.loads(d) for t, d in rows if t == "slot"]
    assert any(s["name"] == "ticket_contact" and s["value"] == "phone" for s in slots)
    for t, d in rows:
        if t != "user":  # what the user typed is stored by Rasa as typed (see the report on #15)
            assert PHONE not in d and "5708 6421" not in d and "张先生" not in (d if t == "slot" else ""), (t, d)
    # every ticket slot is empty again once the ticket is stored
    last = {s["name"]: s["value"] for s in slots}
    assert all(last[k] is None for k in last if k.startswith("ticket_"))


def test_the_phone_is_not_in_the_logs(ticket_bot):
    for name in ("rasa", "actions"):
        log = ticket_bot.log(name)
        assert log, name
        assert PHONE not in log and "5708 6421" not in log and "5708 642" not in log, name


def test_form_answers_are_not_unanswered_questions_in_the_insights(ticket_bot):
    ins = api(ticket_bot, "api/insights").json()
    texts = {u["text"] for u in ins["unanswered"]}
    typed = {
        "上海某某人力资源有限公司",
        "张先生",
        "139 5708 642",
        "139 5708 6421",
        "就是刚才的问题",
        "跳过",
        "李女士",
        "算了",
    }
    assert typed <= {m for log in ticket_bot.transcripts.values() for m, _, _ in log}
    assert not texts & typed, texts & typed
    assert PHONE not in json.dumps(ins, ensure_ascii=False)


# ---- the console page in headless Chromium ----


from tests.staff.conftest import browser  # noqa: E402, F401 - the staff console's headless Chromium, reused


def test_the_console_lists_a_new_ticket_and_marks_it_answered(ticket_bot, browser):  # noqa: F811
    who, log = f"ticket-page-{uuid.uuid4().hex[:8]}", []
    for text in ("我要留言", "跳过", "王经理", "wang@example.com", "见习带教费多久能到账？"):
        out = say(ticket_bot, who, text, log)
    number = NUMBER_RE.search(out).group(0)
    assert "机构：未提供" in out and "w***@example.com" in out
    errors = browser.run(console_marks_answered, ticket_bot.url, number)
    assert errors == []
    (t,) = api(ticket_bot, "api/tickets", status="answered").json()["tickets"][:1]
    assert t["number"] == number and t["answered_at"]


def console_marks_answered(ctx, base, number):
    from playwright.sync_api import expect

    page, errors = ctx.new_page(), []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/webhooks/staff/?token={urllib.parse.quote(TOKEN)}")
    page.wait_for_selector("html[data-ready='1']")
    expect(page.locator("#tickets-open-count")).to_have_text("1")  # on the tab, before it is opened
    page.click("#tab-btn-tickets")
    row = page.locator(f"#tickets tr[data-number='{number}']")
    expect(row).to_contain_text("wang@example.com")
    expect(row).to_contain_text("（未提供）")
    expect(row).to_contain_text("见习带教费多久能到账？")
    row.locator("button").click()  # 标记已答复: a POST with the session cookie and the console's header
    expect(row).to_have_count(0)  # the filter shows open tickets: it left the list
    expect(page.locator("#tickets-open-count")).to_be_hidden()  # no open ticket left
    page.select_option("#ticket-status", "answered")
    expect(page.locator(f"#tickets tr[data-number='{number}']")).to_contain_text("答复于")
    expect(page.locator("#csv-tickets")).to_have_attribute("href", "export/tickets.csv?status=answered")
    return errors
