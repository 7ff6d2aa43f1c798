"""The staff console's 政策版本 tab in headless Chromium: the console's channel served alone (a real Sanic app) on a
real SQLite knowledge base holding the packaged 《办法》, the fabricated 2027 revision and two versions of the
fabricated 实施细则, today pinned on a day the revision is in force. Staff see the stale rules (on the tab before they
open it, then per version), the versions with their periods, and the diff with 30% deleted and 40% inserted; policy
text is put on the page as text, never run as HTML."""

from __future__ import annotations

from datetime import date

import pytest

from policy_kb.store import load_version, make_engine
from tests.staff.conftest import RULES_OF_IMPLEMENTATION, TOKEN, ConsoleAlone, kb_with_the_revision

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

TODAY = "2027-03-01"
EVIL = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture(scope="module")
def console(tmp_path_factory) -> str:
    directory = tmp_path_factory.mktemp("versions-tab")
    url = f"sqlite:///{directory / 'policy_kb.sqlite'}"
    kb_with_the_revision(url)
    # a second 实施细则 whose 第三条 carries markup: it must show as the characters it is
    text = RULES_OF_IMPLEMENTATION.read_text(encoding="utf-8").replace("营业执照复印件。", f"营业执照复印件{EVIL}。")
    assert EVIL in text
    engine = make_engine(url)
    try:
        load_version(engine, text, date(2027, 6, 1), "实施细则")
    finally:
        engine.dispose()
    alone = ConsoleAlone(directory)
    try:
        yield alone.start(
            POLICY_KB_URL=url, POLICY_TODAY=TODAY, RECORDS_URL=f"sqlite:///{directory / 'records.sqlite'}"
        )
    finally:
        alone.stop()


def test_the_versions_tab_shows_the_stale_rules_and_the_diff(browser, console, screenshots):
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
    ctx.set_default_timeout(30_000)
    page, errors, dialogs = ctx.new_page(), [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{console}/?token={TOKEN}")
        page.wait_for_selector("html[data-ready='1']")
        # before the tab is opened: the number of rules stale in the version in force, on the tab itself
        expect(page.locator("#tab-btn-versions #versions-stale-count")).to_have_text("2")
        page.click("#tab-btn-versions")
        assert page.evaluate("location.hash") == "#versions"

        attention = page.locator("#versions-attention .attention")
        expect(attention).to_have_count(1)
        expect(attention).to_have_class("attention current")
        expect(attention).to_contain_text(
            "今天施行的《办法》版本（嘉府办发〔2026〕99号，2027年1月1日起施行）有2条规则过时"
        )
        expect(page.locator("#versions-today")).to_have_text(f"今天：{TODAY}")

        law = page.locator("#versions-documents section[data-document='办法']")
        expect(law.locator(".doc-heading")).to_have_text("《办法》（2个版本）")
        rows = law.locator("tbody tr")
        expect(rows).to_have_count(2)
        old, new = rows.nth(0), rows.nth(1)
        expect(old.locator("td").nth(0)).to_contain_text("嘉府办发〔2022〕14号")
        expect(old.locator("td.period")).to_have_text("2022-01-01 至 2026-12-31")
        expect(old.locator("td").nth(2)).to_have_text("随程序发布")
        expect(old.locator(".tag")).to_have_text("已失效")
        expect(old.locator("td.check")).to_have_text("规则与原文一致")
        expect(new.locator("td").nth(0)).to_contain_text("嘉府办发〔2026〕99号")
        expect(new.locator("td.period")).to_have_text("2027-01-01 起（未定终止日期）")
        expect(new.locator("td").nth(2)).to_have_text("工作人员加入")
        expect(new.locator(".tag.state-current")).to_have_text("今天施行")
        expect(new.locator("td.check.stale")).to_have_text(
            "2条规则过时：《办法》三、2 租金补贴、《办法》三、7 论坛节展活动补贴"
        )

        stale = law.locator(".stale-block.stale[data-version='办法@2027-01-01']")
        expect(stale.locator(".stale-summary")).to_have_text(
            "2条规则过时：《办法》三、2 租金补贴、《办法》三、7 论坛节展活动补贴"
        )
        assert stale.locator(".stale-rules > li").evaluate_all("lis => lis.map(li => li.dataset.ref)") == [
            "三、2",
            "三、7",
        ]
        expect(stale.locator("li[data-ref='三、2'] .problems")).to_contain_text("给予前三年度每年30%的租金补贴")
        ok = law.locator(".stale-block.ok[data-version='办法@2022-01-01']")
        expect(ok.locator(".stale-summary")).to_have_text("规则与原文一致")
        # the 实施细则: listed with its two versions, not checked against the rules
        rules_doc = page.locator("#versions-documents section[data-document='实施细则']")
        expect(rules_doc.locator("tbody tr")).to_have_count(2)
        expect(rules_doc.locator(".stale-block")).to_have_count(0)

        # the diff opens on the two latest versions of the 《办法》
        expect(page.locator("#diff-document")).to_have_value("办法")
        expect(page.locator("#diff-from")).to_have_value("2022-01-01")
        expect(page.locator("#diff-to")).to_have_value("2027-01-01")
        changes = page.locator("#diff article.change")
        expect(changes).to_have_count(4)
        refs = changes.evaluate_all("xs => xs.map(x => x.dataset.ref)")
        assert refs == ["三、2", "三、7", "三、9", "五（三）"]
        rent = page.locator("#diff article[data-ref='三、2']")
        expect(rent.locator("h3")).to_contain_text("《办法》三、2")
        expect(rent.locator("h3")).to_contain_text("租金补贴")
        expect(rent.locator("del")).to_have_text("30%")
        expect(rent.locator("ins")).to_have_text("40%")
        marked = rent.locator(".marked").evaluate(
            "p => [...p.childNodes].map(n => [n.nodeName, n.textContent]).slice(1, 3)"
        )
        assert marked == [["DEL", "30%"], ["INS", "40%"]]
        expect(rent.locator(".marked")).to_contain_text("给予前三年度每年30%40%的租金补贴")
        expect(page.locator("#diff-summary")).to_contain_text("4个条款有变化（修改4条）")
        page.screenshot(path=str(screenshots / "staff-console-versions.png"), full_page=True)

        # the two versions of the 实施细则: the markup in its text is shown as text
        page.select_option("#diff-document", "实施细则")
        expect(page.locator("#diff-from")).to_have_value("2026-12-01")
        expect(page.locator("#diff-to")).to_have_value("2027-06-01")
        article = page.locator("#diff article[data-ref='第三条']")
        expect(article.locator("ins")).to_have_text(EVIL)
        expect(page.locator("#diff article.change")).to_have_count(1)
        assert page.locator("#tab-versions img, #tab-versions script").count() == 0
        assert page.evaluate("window.__pwned") is None
        # back to the 《办法》, the other way round: 40% deleted, 30% inserted
        page.select_option("#diff-document", "办法")
        page.select_option("#diff-from", "2027-01-01")
        page.select_option("#diff-to", "2022-01-01")
        expect(rent.locator("del")).to_have_text("40%")
        expect(rent.locator("ins")).to_have_text("30%")
        assert not errors and not dialogs, (errors, dialogs)
    finally:
        ctx.close()
