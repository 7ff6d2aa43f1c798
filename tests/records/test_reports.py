"""Kept reports (records/reports.py) on SQLite and on the PostgreSQL server of this machine: a token that cannot be
guessed or derived, the data back as stored, expiry after REPORT_TTL_DAYS, expired ones removed."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from records import db, reports

DATA = {"type": "assessment_report", "institution": "上海某人力资源公司", "measures": [{"id": "三、2"}]}
NOW = dt.datetime(2026, 12, 1, 9, 30)


def test_the_data_comes_back_under_its_token(url):
    kept = reports.keep(DATA, now=NOW, url=url)
    back = reports.fetch(kept.token, now=NOW + dt.timedelta(days=1), url=url)
    assert back is not None and back.data == DATA
    assert back.created_at == NOW and back.expires_at == NOW + dt.timedelta(days=30)


def test_tokens_are_random_and_long_enough(url):
    tokens = {reports.keep(DATA, now=NOW, url=url).token for _ in range(20)}
    assert len(tokens) == 20  # the same report kept twice gets two tokens: nothing is derived from the data
    assert all(reports.TOKEN_RE.match(t) for t in tokens)
    assert all(len(t) * 6 >= 128 for t in tokens)  # base64url: 6 bits a character, 43 characters = 256 bits
    assert not any(word in t for t in tokens for word in ("上海", "2026", "report"))


def test_a_report_expires_after_its_ttl(url, monkeypatch):
    monkeypatch.setenv("REPORT_TTL_DAYS", "7")
    kept = reports.keep(DATA, now=NOW, url=url)
    assert reports.fetch(kept.token, now=NOW + dt.timedelta(days=7, seconds=-1), url=url) is not None
    assert reports.fetch(kept.token, now=NOW + dt.timedelta(days=7), url=url) is None


def test_expired_reports_are_deleted_when_the_next_is_kept(url):
    old = reports.keep(DATA, now=NOW, url=url)
    reports.keep(DATA, now=NOW + dt.timedelta(days=31), url=url)
    with db.session(url) as s:
        tokens = set(s.execute(sa.select(reports.KeptReport.token)).scalars())
    assert old.token not in tokens and len(tokens) == 1


@pytest.mark.parametrize("token", ["", "abc", "../../etc/passwd", "x" * 42, "x" * 44, "a" * 42 + "!", "' OR 1=1 --"])
def test_a_malformed_token_is_not_looked_up(url, token):
    reports.keep(DATA, now=NOW, url=url)
    assert reports.fetch(token, now=NOW, url=url) is None


@pytest.mark.parametrize("raw, days", [("", 30), ("14", 14), ("0", 30), ("-3", 30), ("abc", 30), (" 90 ", 90)])
def test_the_ttl_comes_from_the_environment(monkeypatch, raw, days):
    monkeypatch.setenv("REPORT_TTL_DAYS", raw)
    assert reports.ttl_days() == days
