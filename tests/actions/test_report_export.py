"""导出报告 (actions/report_export.py) on tracker fixtures, with a real SQLite records database: the report of the
profile in the slots is kept under a new token and the links say where; nothing is kept without a profile or in the
middle of the self-check."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import sqlalchemy as sa

from actions.eligibility import ActionEligibilityReport
from actions.report_export import ActionExportReport
from records import db, reports
from tests.actions.helpers import render, run, tracker

os.environ["POLICY_TODAY"] = "2026-11-25"


@pytest.fixture
def records_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'records.sqlite'}"
    monkeypatch.setenv("RECORDS_URL", url)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://zc.example.gov.cn/")
    return url


def _after(fixture, text="导出报告"):
    """The fixture's profile, the self-check over (no active form)."""
    t = tracker(fixture, text, intent="export_report")
    t.active_loop = {}
    return t


def _kept(url):
    with db.session(url) as s:
        return list(s.execute(sa.select(reports.KeptReport)).scalars())


def test_the_report_shown_is_the_report_kept(records_url):
    t = _after("full_profile")
    msgs, events = run(ActionExportReport(), t)
    assert events == []
    (row,) = _kept(records_url)
    shown, _ = run(ActionEligibilityReport(), t)
    expected = {k: v for k, v in shown[0]["custom"].items()}
    assert {k: v for k, v in row.data.items() if k != "version"} == expected
    assert row.data["version"]["doc_number"] == "嘉府办发〔2022〕14号"
    assert len(row.data["version"]["rules_hash"]) == 64 and len(row.data["version"]["source_hash"]) == 64
    text = render(msgs)
    assert text.startswith("报告已生成")
    assert f"https://zc.example.gov.cn/webhooks/web/report/{row.token}\n" in text
    assert f"https://zc.example.gov.cn/webhooks/web/report/{row.token}.pdf" in text
    china_date = (row.expires_at + dt.timedelta(hours=8)).date().isoformat()  # the date in Beijing
    assert f"30天内有效（至{china_date}）" in text
    assert msgs[0]["custom"] == {
        "type": "report_link",
        "html": f"/webhooks/web/report/{row.token}",
        "pdf": f"/webhooks/web/report/{row.token}.pdf",
        "expires_on": china_date,
    }


def test_each_export_keeps_a_new_report(records_url):
    t = _after("full_profile")
    run(ActionExportReport(), t)
    run(ActionExportReport(), t)
    rows = _kept(records_url)
    assert len({r.token for r in rows}) == 2


def test_without_a_profile_there_is_nothing_to_export(records_url):
    msgs, _ = run(ActionExportReport(), _after("empty", "下载报告"))
    assert render(msgs).startswith("还没有可导出的报告")
    assert _kept(records_url) == []


def test_in_the_middle_of_the_check_the_rest_is_skipped_and_nothing_kept_yet(records_url):
    t = tracker("form_asking_rent", "先出个报告吧", intent="export_report")
    t.active_loop = {"name": "eligibility_form"}
    msgs, events = run(ActionExportReport(), t)
    assert render(msgs).startswith("好的，其余问题先跳过")
    (skip,) = [e for e in events if e.get("name") == "skipped_facts"]
    assert "annual_rent" in skip["value"]  # the question being asked, and every other one still to ask
    assert _kept(records_url) == []  # the report comes when the form ends; 导出报告 is under it


def test_a_database_that_cannot_be_reached_gets_an_apology_not_a_crash(monkeypatch):
    monkeypatch.setenv("RECORDS_URL", "postgresql://postgres@127.0.0.1:5432/no_such_database_here")
    msgs, events = run(ActionExportReport(), _after("full_profile"))
    assert render(msgs).startswith("抱歉，报告暂时无法保存") and events == []
