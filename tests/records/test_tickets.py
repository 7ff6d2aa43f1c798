"""Tickets (records/tickets.py) on SQLite and on this machine's PostgreSQL: numbers per China day, unique under
concurrency, retention with an injected clock, drafts, and the phone / e-mail reader."""

from __future__ import annotations

import datetime as dt
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from records import db, tickets
from records.tickets import mask, parse_contact

NOW = dt.datetime(2026, 12, 1, 1, 30)  # naive UTC: 09:30 in Shanghai on 1 December
# ``url``: tests/records/conftest.py (SQLite, and PostgreSQL in a schema of its own)


def new(url, now=NOW, **kw):
    fields = {"institution": "上海某人力资源公司", "contact_person": "张先生", "phone": "13812345678"}
    fields.update(question="租金补贴什么时候开始申报？", now=now, url=url)
    fields.update(kw)
    return tickets.create(**fields)


# ---- storage ----


def test_a_ticket_comes_back_as_stored(url):
    t = new(url, email="zhang@example.com")
    assert t.number == "JD-20261201-0001" and t.status == "open" and t.answered_at is None
    (back,) = tickets.list_tickets(now=NOW, url=url)
    assert back == t
    assert (
        back.institution == "上海某人力资源公司" and back.phone == "13812345678" and back.email == "zhang@example.com"
    )
    d = back.to_dict()
    assert d["created_at"] == "2026-12-01T09:30:00+08:00" and d["question"] == "租金补贴什么时候开始申报？"


def test_numbers_count_per_china_day(url):
    assert new(url).number == "JD-20261201-0001"
    assert new(url, now=NOW + dt.timedelta(hours=1)).number == "JD-20261201-0002"
    # 16:30 UTC on 1 December is 00:30 on 2 December in Shanghai: a new day, a new sequence
    late = dt.datetime(2026, 12, 1, 16, 30)
    assert new(url, now=late).number == "JD-20261202-0001"
    assert new(url, now=late + dt.timedelta(minutes=1)).number == "JD-20261202-0002"
    # the day before, in Shanghai, was 30 November until 16:00 UTC
    assert new(url, now=dt.datetime(2026, 11, 30, 15, 59)).number == "JD-20261130-0001"


def test_numbers_are_unique_and_gapless_under_concurrency(url):
    """24 threads creating 5 tickets each, all at once: 120 different numbers, 0001 to 0120."""
    start = threading.Barrier(24)

    def worker(i):
        start.wait()
        return [new(url, question=f"问题{i}-{k}").number for k in range(5)]

    with ThreadPoolExecutor(24) as pool:
        numbers = [n for batch in pool.map(worker, range(24)) for n in batch]
    assert len(numbers) == len(set(numbers)) == 120
    assert sorted(numbers) == [f"JD-20261201-{k:04d}" for k in range(1, 121)]
    assert len(tickets.list_tickets(now=NOW, url=url)) == 120


def test_a_number_is_never_given_twice_even_if_the_counter_is_lost(url):
    """The unique constraint on the number is the last guard: a counter row reset by hand (or lost) cannot make a
    second JD-…-0001; the insert fails instead of storing a duplicate."""
    new(url)
    with db.engine(url).begin() as c:
        c.execute(sa.text("DELETE FROM ticket_counters"))
    with pytest.raises(sa.exc.IntegrityError):
        new(url)
    assert [t.number for t in tickets.list_tickets(now=NOW, url=url)] == ["JD-20261201-0001"]


def test_list_is_newest_first_and_filters_by_status(url):
    a = new(url)
    b = new(url, now=NOW + dt.timedelta(minutes=5))
    c = new(url, now=NOW + dt.timedelta(minutes=9))
    assert [t.number for t in tickets.list_tickets(now=NOW, url=url)] == [c.number, b.number, a.number]
    answered = tickets.mark_answered(b.number, now=NOW + dt.timedelta(hours=2), url=url)
    assert answered.status == "answered" and answered.answered_at == NOW + dt.timedelta(hours=2)
    assert [t.number for t in tickets.list_tickets("open", now=NOW, url=url)] == [c.number, a.number]
    assert [t.number for t in tickets.list_tickets("answered", now=NOW, url=url)] == [b.number]
    with pytest.raises(ValueError):
        tickets.list_tickets("closed", url=url)


def test_marking_answered_twice_keeps_the_first_time_and_unknown_numbers_are_none(url):
    t = new(url)
    first = tickets.mark_answered(t.number, now=NOW + dt.timedelta(hours=1), url=url)
    again = tickets.mark_answered(t.number, now=NOW + dt.timedelta(hours=5), url=url)
    assert again.answered_at == first.answered_at
    assert tickets.mark_answered("JD-20261201-9999", url=url) is None
    assert tickets.mark_answered("'; DROP TABLE tickets; --", url=url) is None
    assert tickets.mark_answered("", url=url) is None


def test_a_ticket_needs_a_person_a_way_to_reply_and_a_question(url):
    with pytest.raises(ValueError):
        new(url, phone=None)
    with pytest.raises(ValueError):
        new(url, contact_person="")
    with pytest.raises(ValueError):
        new(url, question="")
    assert tickets.list_tickets(now=NOW, url=url) == []
    assert new(url, phone=None, email="a@example.com").number == "JD-20261201-0001"  # the failures used no number


# ---- retention ----


def test_tickets_are_deleted_after_the_retention_period(url, monkeypatch):
    monkeypatch.delenv("TICKET_RETENTION_DAYS", raising=False)
    old = new(url)
    young = new(url, now=NOW + dt.timedelta(days=10))
    day_179 = NOW + dt.timedelta(days=179, hours=23)
    assert {t.number for t in tickets.list_tickets(now=day_179, url=url)} == {old.number, young.number}
    day_180 = NOW + dt.timedelta(days=180)
    assert [t.number for t in tickets.list_tickets(now=day_180, url=url)] == [young.number]
    # gone from the table, not just hidden: the contact details are deleted
    with db.engine(url).connect() as c:
        assert c.execute(sa.text("SELECT phone FROM tickets")).scalars().all() == ["13812345678"]
        assert c.execute(sa.text("SELECT count(*) FROM tickets")).scalar() == 1


def test_create_purges_too_and_the_period_comes_from_the_environment(url, monkeypatch):
    monkeypatch.setenv("TICKET_RETENTION_DAYS", "7")
    new(url)
    later = NOW + dt.timedelta(days=7, minutes=1)
    fresh = new(url, now=later)  # creating a ticket removes the expired one: no cron needed
    with db.engine(url).connect() as c:
        assert c.execute(sa.text("SELECT number FROM tickets")).scalars().all() == [fresh.number]
    assert tickets.purge_expired(now=later + dt.timedelta(days=7), url=url) == 1
    monkeypatch.setenv("TICKET_RETENTION_DAYS", "soon")  # not a number of days: the default, 180
    assert tickets.retention_days() == 180


# ---- drafts: the contact details before the ticket exists ----


def test_a_draft_becomes_the_ticket_and_is_deleted_with_the_same_commit(url):
    draft = tickets.new_draft_id()
    tickets.save_draft(draft, contact_person="李经理", now=NOW, url=url)
    tickets.save_draft(draft, phone="021-61234567", email="li@example.com", now=NOW, url=url)
    assert tickets.load_draft(draft, now=NOW, url=url) == tickets.Draft(
        draft, "李经理", "021-61234567", "li@example.com"
    )
    t = tickets.create(institution=None, question="见习带教费怎么申请？", draft_id=draft, now=NOW, url=url)
    assert (t.contact_person, t.phone, t.email, t.institution) == ("李经理", "021-61234567", "li@example.com", None)
    assert tickets.load_draft(draft, now=NOW, url=url) is None
    # the same draft cannot make a second ticket
    assert tickets.create(institution=None, question="再问一次", draft_id=draft, now=NOW, url=url) is None


def test_abandoned_and_discarded_drafts_are_gone(url):
    kept, dropped, abandoned = (tickets.new_draft_id() for _ in range(3))
    for d in (kept, dropped, abandoned):
        tickets.save_draft(d, contact_person="王女士", phone="13912345678", now=NOW, url=url)
    tickets.discard_draft(dropped, url=url)
    assert tickets.load_draft(dropped, now=NOW, url=url) is None
    tomorrow = NOW + dt.timedelta(hours=tickets.DRAFT_HOURS)
    assert tickets.load_draft(abandoned, now=tomorrow, url=url) is None  # expired: not used
    tickets.purge_expired(now=tomorrow, url=url)
    with db.engine(url).connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM ticket_drafts")).scalar() == 0
    assert tickets.create(institution=None, question="问题是什么", draft_id=kept, now=tomorrow, url=url) is None


def test_draft_ids_are_random():
    ids = {tickets.new_draft_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(re.fullmatch(r"[A-Za-z0-9_-]{24}", i) for i in ids)


def test_every_records_table_is_created_whichever_module_makes_the_engine(tmp_path):
    """A process that keeps a report first (only records.reports imported) gets the ticket, feedback and label
    tables with that engine too: records.db imports every model before it creates the tables."""
    import subprocess
    import sys

    u = f"sqlite:///{tmp_path / 'r.sqlite'}"
    code = (
        "import sys, sqlalchemy as sa; from records import db, reports; "
        "print(sorted(sa.inspect(db.engine(sys.argv[1])).get_table_names()))"
    )
    out = subprocess.run([sys.executable, "-c", code, u], capture_output=True, text=True, check=True).stdout
    for table in ("kept_reports", "tickets", "ticket_counters", "ticket_drafts", "answer_feedback", "review_labels"):
        assert table in out, out
    assert new(u).number == "JD-20261201-0001"


# ---- reading a phone number or an e-mail address (pure) ----


@pytest.mark.parametrize(
    "text, phone",
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),  # full-width digits
        ("１３８－１２３４－５６７８", "13812345678"),
        ("我的手机是13812345678，谢谢", "13812345678"),
        ("19912345678", "19912345678"),
        ("021-61234567", "021-61234567"),
        ("021 6123 4567", "021-61234567"),
        ("（021）61234567", "021-61234567"),
        ("02161234567", "021-61234567"),
        ("010-12345678", "010-12345678"),
        ("0571-88888888", "0571-88888888"),
        ("057188888888", "0571-88888888"),
        ("0571—8888888", "0571-8888888"),  # 7 digits, an em dash
        ("021-61234567-8001", "021-61234567-8001"),
        ("021-61234567转8001", "021-61234567-8001"),
        ("021-61234567 分机 8001", "021-61234567-8001"),
        ("+86 21 6123 4567", "021-61234567"),
    ],
)
def test_phone_numbers_are_read_and_normalised(text, phone):
    r = parse_contact(text)
    assert r.ok and r.phone == phone and r.email is None and r.kind == "phone"


@pytest.mark.parametrize(
    "text, email",
    [
        ("zhang@example.com", "zhang@example.com"),
        ("Zhang.San+hr@Example.COM.cn", "Zhang.San+hr@example.com.cn"),
        ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "zhang@example.com"),
        ("邮箱：hr-01@qq.com。", "hr-01@qq.com"),
        ("hr@qq。com", "hr@qq.com"),
        ("13812345678@163.com", "13812345678@163.com"),  # an address, not a phone number
    ],
)
def test_email_addresses_are_read(text, email):
    r = parse_contact(text)
    assert r.ok and r.email == email and r.phone is None and r.kind == "email"


def test_a_phone_and_an_email_together():
    r = parse_contact("手机13812345678，邮箱hr@example.com")
    assert r.ok and (r.phone, r.email, r.kind) == ("13812345678", "hr@example.com", "phone+email")


@pytest.mark.parametrize(
    "text, problem",
    [
        ("1381234567", "mobile_length"),
        ("138123456789", "mobile_length"),
        ("12012345678", "mobile_prefix"),
        ("61234567", "landline_area"),
        ("021-1234", "landline_length"),
        ("021-123456789", "landline_length"),
        ("hr@", "email"),
        ("hr@example", "email"),
        ("@example.com", "email"),
        ("13812345678 13912345678", "several"),
        ("13812345678、021-61234567", "several"),
        ("a@example.com b@example.com", "several"),
        ("不告诉你", "none"),
        ("3楼2号", "none"),
        ("", "none"),
        ("310101199001011234", "number_length"),  # an ID card number is not a phone number
    ],
)
def test_what_cannot_be_used_says_why(text, problem):
    r = parse_contact(text)
    assert not r.ok and r.problem == problem and r.phone is None and r.email is None


def test_the_rest_is_what_was_typed_around_the_contact():
    assert parse_contact("张先生 13812345678").rest == "张先生"
    assert parse_contact("李经理 li@example.com").rest == "李经理"


@pytest.mark.parametrize(
    "phone, email, shown",
    [
        ("13812345678", None, "138****5678"),
        ("021-61234567", None, "021-****4567"),
        ("0571-8888888", None, "0571-***8888"),
        ("021-61234567-8001", None, "021-****4567-8001"),
        (None, "zhang@example.com", "z***@example.com"),
        ("13812345678", "zhang@example.com", "138****5678 / z***@example.com"),
    ],
)
def test_masking(phone, email, shown):
    assert mask(phone, email) == shown
    assert "1234" not in shown


@pytest.mark.parametrize("name, shown", [("张先生", "张**"), ("李", "李*"), ("欧阳娜娜", "欧***"), ("", "")])
def test_the_contact_person_is_said_back_starred(name, shown):
    assert tickets.mask_name(name) == shown
