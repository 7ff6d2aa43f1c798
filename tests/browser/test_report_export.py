"""A report to keep, in a real browser (Debian's Chromium): the self-check on the web page, the 导出报告 button, the
two links; the PDF downloaded by clicking its link and read back (pdftotext: the payload's amounts and citations,
the PDF's first page rendered to PNG), the printable page printed on A4; 有帮助 / 没帮助 under the latest answer."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import pytest

from tests.browser.test_report_card import recording, report_of, self_check

A4_WIDTH_PX = 794  # 210 mm at 96 px per inch


def _pdftotext(path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: make browser-deps")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_export_download_the_pdf_and_print_the_page(chat, screenshots, tmp_path):
    replies = recording(chat.page)
    self_check(chat)
    _, payload = report_of(next(r for r in replies if any("custom" in e for e in r)))
    assert "导出报告" in chat.quick_titles()
    chat.click("导出报告")
    links = chat.page.locator(".bubble .report-link")
    assert links.all_inner_texts() == ["打开可打印的报告", "下载 PDF"]
    shown = chat.page.locator(".bubble").last.inner_text()
    assert "报告已生成，可打印或下载，链接有效至" in shown and "http" not in shown  # the links are the buttons

    with chat.page.expect_download() as info:
        links.nth(1).click()
    pdf = tmp_path / "report.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = " ".join(_pdftotext(pdf).split())
    for m in payload["measures"]:
        assert m["citation"] in text
        money = next((line["text"] for line in m["lines"] if line["kind"] == "money"), None)
        if money:  # "金额：每年36万元（年租金120万元×30%），三年合计最多108万元": the figures as computed
            assert money.split("：", 1)[1].split("（")[0] in text, (m["id"], money)
    assert "每年36万元" in text and payload["computed_for"][:4] in text

    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(screenshots / "report-pdf")], check=True
    )
    assert any(screenshots.glob("report-pdf*.png"))

    # the printable page: opened from its link, printed by Chromium on A4 with nothing wider than the paper
    with chat.page.context.expect_page() as new:
        links.nth(0).click()
    page = new.value
    page.wait_for_load_state()
    assert "租金补贴" in page.inner_text("body") and "《办法》三、2" in page.inner_text("body")
    page.set_viewport_size({"width": A4_WIDTH_PX, "height": 1123})
    page.emulate_media(media="print")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= A4_WIDTH_PX
    widest = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('body *')].map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= A4_WIDTH_PX
    printed = tmp_path / "printed.pdf"
    printed.write_bytes(page.pdf(format="A4", print_background=True))
    assert "每年36万元" in " ".join(_pdftotext(printed).split())
    page.screenshot(path=str(screenshots / "report-page-print.png"), full_page=True)
    assert not chat.errors


def test_unhelpful_under_an_answer_is_stored_with_the_question(chat, web_bot):
    chat.ask("落户奖励最多能拿多少")
    row = chat.page.locator(".quick.feedback")
    assert row.count() == 1 and row.get_by_role("button").all_inner_texts() == ["有帮助", "没帮助"]
    n = chat.bot.count()
    row.get_by_role("button", name="没帮助").click()
    reply = chat._replies_after(n)
    assert "抱歉没能帮到您" in reply
    assert chat.page.locator(".quick.feedback").count() == 0  # not under the thanks
    db = sqlite3.connect(web_bot.workdir / "records.sqlite")
    (question, answer, helpful) = db.execute("select question, answer, helpful from answer_feedback").fetchone()
    assert question == "落户奖励最多能拿多少" and "《办法》三、1" in answer and not helpful
