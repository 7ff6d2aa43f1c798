"""The website chat page (/webhooks/web/) in headless Chromium against the real bot: asking, quick replies, the
eligibility report, reload, 重新开始, escaping, errors, and the embed snippet on another origin."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.browser.conftest import PHONE, ChatPage

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

REST = "**/webhooks/rest/webhook"


def http_get(url: str, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def posted(request) -> dict:
    return json.loads(request.post_data or "{}")


# ---- served by the Rasa server itself (no browser needed) ----


def test_page_and_assets_are_served_by_the_bot(web_bot):
    base = f"{web_bot.url}/webhooks/web"
    status, headers, body = http_get(base + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode("utf-8")
    assert '<html lang="zh-CN">' in page and "嘉定人才港政策助手" in page and 'name="viewport"' in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "http://" not in page and "https://" not in page  # nothing from the internet
    for name, ctype in [
        ("static/chat.js", "application/javascript"),
        ("static/chat.css", "text/css"),
        ("static/icon.svg", "image/svg+xml"),
        ("embed.js", "application/javascript"),
    ]:
        status, headers, _ = http_get(f"{base}/{name}")
        assert status == 200 and headers["Content-Type"].startswith(ctype), name
        assert headers["X-Content-Type-Options"] == "nosniff"
    # unchanged files are revalidated, not downloaded again
    status, headers, _ = http_get(base + "/static/chat.js")
    assert http_get(base + "/static/chat.js", {"If-None-Match": headers["ETag"]})[0] == 304


def test_only_the_listed_files_exist(web_bot):
    base = f"{web_bot.url}/webhooks/web"
    for path in [
        "/static/index.html",
        "/static/embed.js",
        "/static/nope.js",
        "/static/..%2Fweb.py",
        "/static/%2e%2e/%2e%2e/credentials.yml",
        "/static/",
    ]:
        assert http_get(base + path)[0] == 404, path
    _status, _, body = http_get(base + "/static/nope.js")
    assert "页面不存在" in body.decode("utf-8")


def test_without_trailing_slash_redirects_to_the_page(web_bot):
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as e:
        opener.open(f"{web_bot.url}/webhooks/web", timeout=10)
    assert e.value.code in (301, 302) and e.value.headers["Location"].endswith("/webhooks/web/")


# ---- the page in Chromium, phone-sized ----


def test_ask_rent_subsidy_shows_30_percent(chat, screenshots):
    welcome = chat.bot.first.inner_text()
    assert "嘉定人才港政策助手" in welcome and "有哪些支持政策" in chat.quick_titles()  # the bot's own greeting
    text = chat.ask("租金补贴")
    first = next(ln for ln in text.split("政策助手说：")[-1].splitlines() if ln.strip())
    assert "30%" in first and "《办法》三、2" in first  # the answer first
    assert chat.user.last.inner_text().endswith("租金补贴")
    answer = chat.bot.last
    expect(answer.locator(".cite", has_text="《办法》三、2").first).to_be_visible()  # citations highlighted
    assert chat.quick_titles() == ["完整条件", "原文", "看看我们能否申请"]
    card = chat.click("完整条件")  # the rest, one tap away
    assert "《办法》三、2" in card and "区人社局" in card
    # phone layout: nothing wider than the screen, the input and send button on screen
    assert chat.page.evaluate("() => document.documentElement.scrollWidth") <= 390
    box = chat.page.locator("#send").bounding_box()
    assert box and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
    chat.page.screenshot(path=str(screenshots / "web-chat.png"))
    assert not chat.errors and not chat.dialogs


def test_typing_indicator_while_the_bot_answers(chat):
    held = []
    chat.page.route(REST, lambda route: held.append(route))
    chat.page.fill("#input", "租金补贴")
    chat.page.press("#input", "Enter")
    typing = chat.page.locator(".msg.typing")
    expect(typing).to_be_visible()
    expect(typing.locator(".dot")).to_have_count(3)
    expect(chat.page.locator("#send")).to_be_disabled()
    for _ in range(100):  # the request reaches the route
        if held:
            break
        chat.page.wait_for_timeout(50)
    assert held, "the question was not sent"
    held[0].continue_()
    expect(typing).to_have_count(0)
    expect(chat.bot.last).to_contain_text("30%")
    expect(chat.page.locator("#send")).to_be_enabled()


def test_quick_reply_sends_the_payload_and_shows_the_title(chat):
    text = chat.ask("有哪些支持政策")
    assert "支持政策共9项" in text
    titles = chat.quick_titles()
    assert len(titles) == 9 and "租金补贴" in titles
    answer = chat.bot.last
    assert answer.locator("ol li").count() == 9  # "1. …" lines as a numbered list
    with chat.page.expect_request(lambda r: r.method == "POST" and "/webhooks/rest/webhook" in r.url) as req:
        reply = chat.click("租金补贴")
    assert posted(req.value)["message"] == "/ask_rent_subsidy"
    assert chat.user.last.inner_text().endswith("租金补贴")
    assert "/ask_rent_subsidy" not in chat.page.locator("#messages").inner_text()
    assert "《办法》三、2" in reply and "30%" in reply
    # only the newest answer keeps its buttons
    assert chat.quick_titles() == ["完整条件", "原文", "看看我们能否申请"]


def test_conversation_survives_a_reload(chat):
    chat.ask("租金补贴")
    users, bots = chat.user.all_inner_texts(), chat.bot.all_inner_texts()
    sender = chat.stored()["sender"]
    assert sender.startswith("web-") and len(chat.stored()["log"]) == len(users) + len(bots)
    requests = []
    chat.page.on("request", lambda r: requests.append(r) if "/webhooks/rest/" in r.url else None)
    chat.page.reload()
    chat.wait_idle(min_bot=len(bots))
    assert chat.user.all_inner_texts() == users and chat.bot.all_inner_texts() == bots
    assert chat.stored()["sender"] == sender and not requests  # no new greeting, same sender
    assert chat.quick_titles() == ["完整条件", "原文", "看看我们能否申请"]
    # the conversation goes on with the same sender id
    with chat.page.expect_request(lambda r: r.method == "POST" and "/webhooks/rest/webhook" in r.url) as req:
        chat.click("看看我们能否申请")
    assert posted(req.value)["sender"] == sender


def test_script_typed_by_the_user_is_shown_as_text(chat):
    evil = "<script>alert(1)</script>"
    chat.ask(evil)
    assert chat.user.last.inner_text().endswith(evil)
    chat.ask('<img src=x onerror="window.__pwned=1">《办法》三、2')
    assert chat.user.last.inner_text().endswith('<img src=x onerror="window.__pwned=1">《办法》三、2')
    assert chat.page.locator("#messages script, #messages img").count() == 0
    assert chat.page.evaluate("() => window.__pwned") is None
    assert not chat.dialogs
    # and after a reload (the transcript comes back from localStorage) it is still text
    chat.page.reload()
    chat.wait_idle(min_bot=1)
    expect(chat.user.filter(has_text=evil)).to_have_count(1)
    assert chat.page.locator("#messages script, #messages img").count() == 0 and not chat.dialogs


def test_bot_text_and_button_titles_are_never_html(chat):
    reply = [
        {
            "recipient_id": "x",
            "text": '——<b>组</b>——\n🟡 <img src=x onerror="window.__pwned=1">（《办法》三、2）\n'
            '  金额：<script>window.__pwned=2</script>\n· <a href="javascript:alert(1)">链接</a>',
            "buttons": [{"title": "<i>按钮</i>", "payload": "/ask_overview"}],
        }
    ]
    chat.page.route(
        REST,
        lambda r: r.fulfill(status=200, content_type="application/json", body=json.dumps(reply, ensure_ascii=False)),
    )
    text = chat.ask("随便问问")
    assert "<b>组</b>" in text and "<img src=x" in text and "<script>" in text and "<a href=" in text
    assert chat.quick_titles() == ["<i>按钮</i>"]
    assert chat.page.locator("#messages img, #messages script, #messages a, #messages b, #messages i").count() == 0
    assert chat.page.evaluate("() => window.__pwned") is None and not chat.dialogs


def test_eligibility_report_is_rendered_as_lists_with_bold_titles(chat, screenshots):
    chat.click("我们能享受哪些政策")
    text = chat.ask("我们是猎头公司，2025年3月入驻人才港，年租金120万")
    answers = ["都不是", "总部", "没有", "没有举办过"]
    for _ in range(12):
        if "【政策自测】" in text:
            break
        titles = chat.quick_titles()
        pick = next((a for a in answers if a in titles), None)
        text = chat.click(pick) if pick else chat.ask("不清楚")
    assert "【政策自测】" in text and "每年36万元" in text
    report = chat.bot.filter(has_text="【政策自测】").last
    groups = report.locator(".group").all_inner_texts()
    assert "初步符合，待区人社局认定" in groups and "暂不符合" in groups
    rent = report.locator(".item", has=chat.page.locator(".item-title", has_text="租金补贴"))
    expect(rent.locator(".badge")).to_have_text("待认定")
    expect(rent.locator(".item-title .cite")).to_have_text("《办法》三、2")
    expect(rent.locator(".item-line", has_text="每年36万元")).to_be_visible()
    weight = rent.locator(".item-title").evaluate("e => getComputedStyle(e).fontWeight")
    assert int(weight) >= 600
    assert report.locator(".item").count() == 9
    assert report.locator("ul li").count() >= 2  # 下一步 as a list
    assert "重新开始" in chat.quick_titles()
    # the report is read from its top (under the question that triggered it)
    top = report.bounding_box()["y"]
    assert 0 <= top <= 300, top
    chat.page.screenshot(path=str(screenshots / "web-chat-report.png"))


def test_restart_resets_the_profile_and_starts_a_new_conversation(chat):
    chat.ask("租金补贴")
    old = chat.stored()["sender"]
    with chat.page.expect_request(lambda r: "/reset_profile" in (r.post_data or "")) as req:
        chat.page.get_by_role("button", name="重新开始", exact=True).first.click()
    assert posted(req.value) == {"sender": old, "message": "/reset_profile", "input_channel": "web"}
    assert req.value.response().status == 200
    chat.wait_idle(min_bot=1)
    expect(chat.user).to_have_count(0)
    expect(chat.bot).to_have_count(1)  # a fresh welcome
    state = chat.stored()
    assert state["sender"] != old and len(state["log"]) == 1
    chat.page.reload()
    chat.wait_idle(min_bot=1)
    expect(chat.bot).to_have_count(1)
    expect(chat.user).to_have_count(0)


def test_errors_show_a_chinese_message_and_can_be_retried(chat):
    page = chat.page
    page.route(REST, lambda r: r.fulfill(status=500, body="Internal Server Error"))
    page.fill("#input", "租金补贴")
    page.press("#input", "Enter")
    expect(chat.error.last).to_contain_text("政策助手暂时无法回答（错误代码 500）")
    page.unroute(REST)
    page.route(REST, lambda r: r.abort("connectionrefused"))  # server down
    page.fill("#input", "租金补贴")
    page.press("#input", "Enter")
    expect(chat.error.last).to_contain_text("无法连接到政策助手服务")
    page.unroute(REST)
    page.route(
        REST,
        lambda r: r.fulfill(
            status=400,
            content_type="application/json",
            body=json.dumps({"error": "请求格式错误：需要 JSON 对象"}, ensure_ascii=False),
        ),
    )
    page.fill("#input", "租金补贴")
    page.press("#input", "Enter")
    expect(chat.error.last).to_contain_text("请求格式错误")
    page.unroute(REST)
    # back up: 重试 sends the same question again, without a second user bubble
    users = chat.user.count()
    n = chat.bot.count()
    page.locator(".msg.error .quick").get_by_role("button", name="重试").click()
    chat.wait_idle(min_bot=n + 1)
    expect(chat.bot.last).to_contain_text("30%")
    assert chat.user.count() == users
    # errors are not part of the saved transcript
    assert all("错误" not in e["text"] for e in chat.stored()["log"])


def test_page_is_self_contained(phone, web_bot):
    page = phone.new_page()
    urls = []
    page.on("request", lambda r: urls.append(r.url))
    c = ChatPage(page, web_bot.url)
    c.open()
    c.ask("租金补贴")
    assert urls and all(u.startswith(web_bot.url + "/") for u in urls), urls
    assert not c.errors, c.errors  # no CSP violations, no script errors


def test_embed_snippet_opens_the_chat_on_another_site(browser, web_bot, host_site, screenshots):
    snippet = f'<script src="{web_bot.url}/webhooks/web/embed.js" data-label="政策咨询" async></script>'
    url = host_site(f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>某人力资源服务有限公司</title>
<style>body{{font-family:sans-serif}} button{{background:red !important; font-size:40px}}</style></head>
<body><h1>某人力资源服务有限公司</h1><p>欢迎访问我们的网站。</p>{snippet}</body></html>""")
    assert not url.startswith(web_bot.url)  # a different origin (port)
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        page = ctx.new_page()
        page.goto(url)
        launcher = page.locator("[data-jd-policy-chat]").get_by_role("button", name="打开嘉定人才港政策助手")
        expect(launcher).to_be_visible()
        expect(launcher).to_have_text("政策咨询")
        expect(page.locator("[data-jd-policy-chat] iframe")).to_have_count(0)  # nothing loads before a click
        launcher.click()
        iframe = page.locator("[data-jd-policy-chat] iframe")
        expect(iframe).to_be_visible()
        assert iframe.get_attribute("src") == f"{web_bot.url}/webhooks/web/?embed=1"
        frame = page.frame_locator("[data-jd-policy-chat] iframe")
        frame.locator(".msg.bot:not(.typing) .bubble").first.wait_for()
        frame.locator("#input").fill("租金补贴")
        frame.locator("#input").press("Enter")
        expect(frame.locator(".msg.bot .bubble", has_text="30%").first).to_be_visible()
        page.screenshot(path=str(screenshots / "web-embed.png"))
        # the page's own close button (embed mode) closes the panel; opening again keeps the conversation
        frame.get_by_role("button", name="关闭对话窗口").click()
        expect(iframe).to_be_hidden()
        launcher.click()
        expect(iframe).to_be_visible()
        expect(frame.locator(".msg.bot .bubble", has_text="30%").first).to_be_visible()
        assert page.evaluate("() => document.querySelectorAll('[data-jd-policy-chat]').length") == 1
    finally:
        ctx.close()


def test_embed_takes_the_whole_screen_on_a_phone(browser, web_bot, host_site):
    url = host_site(
        f'<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width, initial-scale=1"></head><body><p>机构网站</p>'
        f'<script src="{web_bot.url}/webhooks/web/embed.js" data-open="true"></script></body></html>',
        name="phone.html",
    )
    ctx = browser.new_context(**PHONE)
    try:
        page = ctx.new_page()
        page.goto(url)
        iframe = page.locator("[data-jd-policy-chat] iframe")
        expect(iframe).to_be_visible()  # data-open="true"
        box = iframe.bounding_box()
        assert box["x"] == 0 and box["y"] == 0 and box["width"] == 390 and box["height"] == 844
        frame = page.frame_locator("[data-jd-policy-chat] iframe")
        frame.locator(".msg.bot:not(.typing) .bubble").first.wait_for()
        frame.get_by_role("button", name="关闭对话窗口").click()
        expect(iframe).to_be_hidden()
        expect(page.locator("[data-jd-policy-chat] button")).to_be_visible()
    finally:
        ctx.close()


def test_a_rent_without_a_period_is_asked_with_the_two_readings_as_buttons(chat):
    """ "房租7万能补多少" on the page: asked back, the two readings as quick replies; a tap on one is answered."""
    text = chat.ask("房租7万能补多少")
    assert "您说的房租7万元是每月还是每年？" in text
    assert chat.quick_titles() == ["每月7万元", "每年7万元"]
    answer = chat.click("每月7万元")
    assert "租金补贴每年25.2万元，前三年度合计最多75.6万元" in answer and "《办法》三、2" in answer
    assert not chat.errors and not chat.dialogs
