"""A report to keep, end to end: a self-check over REST on the real servers, 导出报告, then the printable page and the
PDF fetched from the links the bot gave (the Rasa server's web channel, the records database the action server
wrote); what-if and feedback on the same conversation."""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest

from tests.scale.dialogue import finish_dialogue

LINK = re.compile(r"/webhooks/web/report/([A-Za-z0-9_-]{43})\.pdf")


def _get(url: str) -> tuple[int, Any, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="module")
def exported(bot):
    """One conversation: facts, the self-check to its report, then 导出报告 (its button's payload)."""
    sender = f"e2e-report-{uuid.uuid4().hex[:8]}"
    first = bot.text(sender, "我们是做人力资源外包的，2025年3月入驻人才港，每年房租120万，帮我看看能享受哪些政策")
    report = finish_dialogue(lambda _turn, msg: bot.text(sender, msg), first)
    replies = bot.say(sender, "/export_report")
    return sender, report, replies


def test_the_export_answers_with_both_links_and_a_link_entry(bot, exported):
    _, report, replies = exported
    assert "【政策自测】" in report
    text = "\n".join(r.get("text", "") for r in replies)
    assert text.startswith("报告已生成")
    token = LINK.search(text).group(1)
    custom = next(r["custom"] for r in replies if "custom" in r)
    assert custom["type"] == "report_link" and custom["pdf"] == f"/webhooks/web/report/{token}.pdf"


def test_the_printable_page_shows_the_report(bot, exported):
    _, _, replies = exported
    page = next(r["custom"]["html"] for r in replies if "custom" in r)
    status, headers, body = _get(bot.url + page)
    html = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert headers["Referrer-Policy"] == "no-referrer" and "no-store" in headers["Cache-Control"]
    assert "租金补贴" in html and "《办法》三、2" in html and "每年36万元" in html
    assert "嘉府办发〔2022〕14号" in html


def test_the_pdf_holds_the_amounts_and_citations(bot, exported, tmp_path):
    _, _, replies = exported
    pdf = next(r["custom"]["pdf"] for r in replies if "custom" in r)
    status, headers, body = _get(bot.url + pdf)
    assert status == 200 and headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    (tmp_path / "r.pdf").write_bytes(body)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True).stdout
    assert "每年36万元" in text and "《办法》三、2" in text and "实施细则" in text
    assert _get(bot.url + pdf)[2] == body  # made once, served again the same


@pytest.mark.parametrize("path", ["x" * 43, "x" * 43 + ".pdf", "short", "..%2F..%2Fetc%2Fpasswd"])
def test_an_unknown_or_malformed_token_is_a_chinese_404(bot, path):
    status, _, body = _get(f"{bot.url}/webhooks/web/report/{path}")
    assert status == 404 and "报告不存在或已过期" in body.decode("utf-8")


def test_a_what_if_after_the_report_changes_nothing_stored(bot, exported):
    sender, _, _ = exported
    text = bot.text(sender, "如果年租金是200万呢")
    assert text.startswith("假设年租金200万元（其余情况不变）")
    assert "每年60万元" in text and "资料没有改动（年租金120万元）" in text
    again = bot.text(sender, "/export_report")
    page = re.search(r"/webhooks/web/report/[A-Za-z0-9_-]{43}(?=\n)", again).group(0)
    assert "每年36万元" in _get(bot.url + page)[2].decode("utf-8")  # the profile kept its 120万


def test_unhelpful_right_after_an_answer_is_thanked_and_offers_the_bureau(bot):
    sender = f"e2e-fb-{uuid.uuid4().hex[:8]}"
    bot.text(sender, "落户奖励最多多少钱")
    replies = bot.say(sender, "没帮助")
    assert replies[0]["text"].startswith("抱歉没能帮到您，已记录")
    assert replies[0]["buttons"][0]["title"] == "联系工作人员"
