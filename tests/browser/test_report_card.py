"""The eligibility report card on the web page: drawn from the assessment data the bot sends beside the report's text
(a custom entry {"type": "assessment_report", "schema": 1, …}), never from the text. The expectations are read from
the payload the REST API returned for the same conversation, not written here."""

from __future__ import annotations

import copy
import json
from collections import Counter

import pytest

from tests.browser.conftest import ChatPage

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

REST = "**/webhooks/rest/webhook"
CLASS = {"eligible": "ok", "pending": "pending", "not_eligible": "no", "need_info": "info", "not_applicable": "na"}
ICONS = "✅🟡❌❔➖"
EVIL = '<img src=x onerror="window.__pwned=1">'
PROFILE = "我们是猎头公司，2025年3月入驻人才港，年租金120万"
ANSWERS = ["都不是", "总部", "没有", "没有举办过"]  # the first that is a quick reply; else "不清楚"


def is_report(entry) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("custom"), dict)
        and (entry["custom"].get("type") == "assessment_report")
    )


def report_of(replies: list[dict]) -> tuple[dict, dict]:
    """(the text entry, the payload) of the report in one REST reply."""
    i = next(i for i, e in enumerate(replies) if is_report(e))
    assert i > 0 and "text" in replies[i - 1], replies
    return replies[i - 1], replies[i]["custom"]


def expected_items(payload: dict) -> list[list[str]]:
    """[measure id, CSS class, badge, title] of every measure the card shows, in order (by group)."""
    by_id = {m["id"]: m for m in payload["measures"]}
    return [
        [mid, "item-" + CLASS[by_id[mid]["verdict"]], by_id[mid]["badge"], by_id[mid]["title"]]
        for g in payload["groups"]
        for mid in g["measures"]
    ]


def shown_items(card) -> list[list[str]]:
    return card.locator(".item").evaluate_all(
        """items => items.map(i => [
            i.getAttribute('data-measure'),
            [...i.classList].find(c => c.startsWith('item-')),
            i.querySelector('.badge').textContent,
            i.querySelector('.item-title').childNodes[1].textContent])"""
    )


def self_check(chat: ChatPage, answers=ANSWERS) -> str:
    """Complete the self-check as a person would (quick replies, else "不清楚"); the text of the last answer."""
    chat.click("我们能享受哪些政策")
    text = chat.ask(PROFILE)
    for _ in range(12):
        if chat.page.locator(".bubble .report").count():
            return text
        titles = chat.quick_titles()
        pick = next((a for a in answers if a in titles), None)
        text = chat.click(pick) if pick else chat.ask("不清楚")
    raise AssertionError("no report after 12 answers")


def recording(page, alter=None) -> list[list[dict]]:
    """Pass every REST reply through (optionally changed by alter(replies)), keeping what the server returned."""
    replies: list[list[dict]] = []

    def handle(route):
        resp = route.fetch()
        body = resp.json()
        replies.append(copy.deepcopy(body))
        if alter:
            body = alter(body)
        route.fulfill(response=resp, body=json.dumps(body, ensure_ascii=False))

    page.route(REST, handle)
    return replies


@pytest.fixture(scope="module")
def report_reply(web_bot) -> list[dict]:
    """A real REST reply holding a report (the self-check done over the REST API, not the page)."""
    sender = "web-0123456789abcdef"
    web_bot.say(sender, "/greet")
    replies = web_bot.say(sender, "/start_eligibility_check")
    replies = web_bot.say(sender, PROFILE)
    for _ in range(12):
        if any(is_report(e) for e in replies):
            return replies
        titles = {b["title"]: b["payload"] for e in replies for b in e.get("buttons", [])}
        pick = next((a for a in ANSWERS if a in titles), None)
        replies = web_bot.say(sender, titles[pick] if pick else "不清楚")
    raise AssertionError("no report over REST after 12 answers")


def serve(page, replies: list[dict]) -> None:
    page.unroute(REST)
    page.route(
        REST,
        lambda r: r.fulfill(status=200, content_type="application/json", body=json.dumps(replies, ensure_ascii=False)),
    )


# ---- the real conversation ----


@pytest.mark.parametrize("answers", [ANSWERS, []], ids=["answered", "unsure"])
def test_report_card_badges_match_the_payload(chat, screenshots, answers):
    """Answered: pending, not eligible, not applicable; "不清楚" to every question: need info and the undecided note."""
    replies = recording(chat.page)
    self_check(chat, answers)
    report = [r for r in replies if any(is_report(e) for e in r)]
    assert len(report) == 1, "one REST reply carries the report"
    text_entry, payload = report_of(report[0])
    assert payload["schema"] == 1

    card = chat.page.locator(".msg.bot .bubble .report")
    expect(card).to_have_count(1)
    expected = expected_items(payload)
    assert shown_items(card) == expected
    # count and class per verdict, as the payload says (and as its own counts say)
    classes = Counter(c for _, c, _, _ in shown_items(card))
    assert classes == Counter("item-" + CLASS[m["verdict"]] for m in payload["measures"])
    assert classes == Counter({"item-" + CLASS[v]: n for v, n in payload["counts"].items() if n})
    assert card.locator(".badge").count() == len(payload["measures"])
    # the rest of the card: summary first, group headers, citations, marks, next steps
    assert card.locator("p").first.inner_text() == payload["summary"]
    assert card.locator(".group").all_inner_texts() == [g["head"].strip("— ") for g in payload["groups"]]
    first = payload["measures"][[m["id"] for m in payload["measures"]].index(expected[0][0])]
    item = card.locator(f'.item[data-measure="{first["id"]}"]')
    expect(item.locator(".item-title .cite")).to_have_text(first["citation"])
    assert item.locator(".item-line").count() == len(first["lines"])
    marks = card.locator(".mark").count()
    assert marks == sum(
        line["kind"] in ("met", "failed", "unknown")
        for lines in [payload["support"]["lines"], *[m["lines"] for m in payload["measures"]]]
        for line in lines
    )
    assert card.locator("ul li").all_inner_texts() == payload["next_steps"]["items"]
    if payload["undecided_text"]:
        assert card.locator("p").last.inner_text() == payload["undecided_text"]
    else:
        assert card.locator("p").last.inner_text() == payload["next_steps"]["head"]
    # the card replaces the report's text: not shown twice, and its icons are nowhere
    page_text = chat.page.locator("#messages").inner_text()
    assert page_text.count(payload["summary"]) == 1
    assert not any(icon in page_text for icon in ICONS)
    assert text_entry["text"].startswith(payload["summary"])  # (that text entry was the report's)
    # its buttons stay
    assert chat.quick_titles() == [b["title"] for b in text_entry["buttons"]]
    assert not chat.errors and not chat.dialogs

    name = "web-chat-report-card" + ("" if answers else "-unsure")
    chat.page.screenshot(path=str(screenshots / f"{name}.png"))  # as the page scrolled to it
    # the whole card: the page unclipped (the reload below restores it)
    chat.page.evaluate(
        """() => { document.body.style.overflow = "visible"; document.querySelector(".app").style.height = "auto";
                   document.querySelector(".messages").style.overflow = "visible"; }"""
    )
    card.screenshot(path=str(screenshots / f"{name}-full.png"))

    # a reload draws the card again, from the transcript in localStorage (no request to the bot)
    requests = []
    chat.page.on("request", lambda r: requests.append(r) if "/webhooks/rest/" in r.url else None)
    chat.page.reload()
    chat.wait_idle(min_bot=1)
    card = chat.page.locator(".msg.bot .bubble .report")
    expect(card).to_have_count(1)
    assert shown_items(card) == expected and not requests
    assert chat.page.locator("#messages").inner_text().count(payload["summary"]) == 1
    assert chat.quick_titles() == [b["title"] for b in text_entry["buttons"]]
    # what is kept is small: the report's entry without its text nor the unused payload fields
    stored = chat.stored()["log"]
    kept = next(e for e in stored if e.get("report"))
    assert kept["text"] == "" and "profile" not in kept["report"] and "reasons" not in kept["report"]["measures"][0]
    size = len(json.dumps(kept, ensure_ascii=False))
    assert size < len(json.dumps(payload, ensure_ascii=False)) / 2
    assert size * 200 < 2_500_000, size  # MAX_SAVED reports stay well under the ~5 M characters of the quota
    assert not chat.errors


def test_badges_come_from_the_data_not_the_text(chat):
    """The report's text changed on its way (every icon made ✅): the badges are still the payload's."""

    def strip_icons(replies):
        for e in replies:
            if isinstance(e.get("text"), str) and any(is_report(x) for x in replies):
                for icon in ICONS:
                    e["text"] = e["text"].replace(icon, "✅")  # every measure "eligible" by its text
        return replies

    replies = recording(chat.page, alter=strip_icons)
    self_check(chat)
    _, payload = report_of(next(r for r in replies if any(is_report(e) for e in r)))
    card = chat.page.locator(".bubble .report")
    assert shown_items(card) == expected_items(payload)
    assert {c for _, c, _, _ in shown_items(card)} != {"item-ok"}
    assert "✅" not in chat.page.locator("#messages").inner_text()


# ---- replies made up from a real one ----


def test_only_the_text_when_the_report_data_is_missing_or_unknown(chat, report_reply):
    """Without a report payload the page shows the report's text as text: no badge is made up from it."""
    text_entry, payload = report_of(report_reply)
    plain = [e for e in report_reply if not is_report(e)]
    other = dict(payload, schema=2)
    broken_group = copy.deepcopy(payload)
    broken_group["groups"][0]["measures"].append("九、9")
    bad_verdict = copy.deepcopy(payload)
    bad_verdict["measures"][0]["verdict"] = "maybe"
    cases = [
        plain,
        [*plain, {"recipient_id": "x", "custom": {"type": "something_else", "data": [1, 2]}}],
        [*plain, {"recipient_id": "x", "custom": other}],
        [*plain, {"recipient_id": "x", "custom": broken_group}],
        [*plain, {"recipient_id": "x", "custom": bad_verdict}],
        [*plain, {"recipient_id": "x", "custom": dict(payload, measures="三、1")}],
        [*plain, {"recipient_id": "x", "custom": dict(payload, summary=None)}],
        [*plain, {"recipient_id": "x", "custom": "assessment_report"}],
        [*plain, {"recipient_id": "x", "custom": [payload]}],
        [*plain, {"recipient_id": "x", "custom": None}],
    ]
    for i, replies in enumerate(cases):
        serve(chat.page, replies)
        chat.ask(f"第{i}次")
        answer = chat.bot.last
        expect(answer).to_contain_text(payload["summary"])
        expect(answer).to_contain_text("🟡")  # the text as it came
        assert answer.locator(".report, .item, .badge").count() == 0, i
        assert chat.quick_titles() == [b["title"] for b in text_entry["buttons"]], i
    assert chat.page.locator(".bubble .report").count() == 0
    assert not chat.errors, chat.errors


def test_the_card_takes_the_place_of_the_entry_just_before_it(chat, report_reply):
    text_entry, payload = report_of(report_reply)
    custom = {"recipient_id": "x", "custom": payload}
    cards = chat.page.locator(".bubble .report")
    serve(chat.page, [{"recipient_id": "x", "text": "您好"}, text_entry, custom])
    chat.ask("报告")
    expect(cards).to_have_count(1)
    assert chat.bot.nth(chat.bot.count() - 2).inner_text().endswith("您好")  # only the entry just before goes
    assert shown_items(cards.last) == expected_items(payload)
    serve(chat.page, [custom])
    chat.ask("报告")
    expect(cards).to_have_count(2)  # no entry before it: a bubble of its own
    assert chat.bot.last.locator(".report").count() == 1
    serve(chat.page, [text_entry, custom, custom])
    chat.ask("报告")
    expect(cards).to_have_count(4)  # a second report does not replace the first
    assert chat.page.locator("#messages").inner_text().count(payload["summary"]) == 4
    assert chat.quick_titles() == [b["title"] for b in text_entry["buttons"]]
    assert not chat.errors


def test_markup_in_the_report_data_is_shown_as_text(chat, report_reply):
    text_entry, payload = report_of(report_reply)
    evil = copy.deepcopy(payload)
    evil["summary"] = "【政策自测】" + EVIL + "：初步符合"
    evil["support"]["lines"][0]["text"] = "支持对象：✓ " + EVIL
    evil["groups"][0]["head"] = "—— " + EVIL + " ——"
    m = next(x for x in evil["measures"] if x["id"] == evil["groups"][0]["measures"][0])
    m.update(title=EVIL + "<script>window.__pwned=2</script>", badge="<b>待认定</b>", citation="《办法》<i>三</i>")
    m["lines"][0]["text"] = "金额：" + EVIL
    m["lines"].append({"kind": "failed", "text": '✗ <a href="javascript:alert(1)">链接</a>'})
    evil["next_steps"]["items"][0] = EVIL
    evil["undecided_text"] = EVIL
    serve(chat.page, [text_entry, {"recipient_id": "x", "custom": evil}])
    chat.ask("报告")
    card = chat.page.locator(".bubble .report")
    expect(card).to_have_count(1)
    text = card.inner_text()
    assert text.count(EVIL) == 7 and "<script>window.__pwned=2</script>" in text and "<b>待认定</b>" in text
    assert '<a href="javascript:alert(1)">链接</a>' in text and "《办法》<i>三</i>" in text
    tags = "#messages img, #messages script, #messages a, #messages b, #messages i"
    assert chat.page.locator(tags).count() == 0
    assert chat.page.evaluate("() => window.__pwned") is None and not chat.dialogs
    chat.page.reload()  # and from the stored transcript
    chat.wait_idle(min_bot=1)
    expect(chat.page.locator(".bubble .report")).to_have_count(1)
    assert chat.page.locator(".bubble .report").inner_text().count(EVIL) == 7
    assert chat.page.locator(tags).count() == 0
    assert chat.page.evaluate("() => window.__pwned") is None and not chat.dialogs and not chat.errors


def test_a_tampered_stored_report_is_dropped_not_drawn(chat, report_reply):
    """localStorage is the page's own, but a stored report that is not one (another type, a bad verdict) is left out."""
    _, payload = report_of(report_reply)
    serve(chat.page, report_reply)
    chat.ask("报告")
    state = chat.stored()
    entry = next(e for e in state["log"] if e.get("report"))
    entry["report"]["measures"][0]["verdict"] = "<img>"
    chat.page.evaluate("s => localStorage.setItem('jd-policy-chat/v1', JSON.stringify(s))", state)
    chat.page.reload()
    chat.wait_idle(min_bot=1)
    assert chat.page.locator(".bubble .report, .badge").count() == 0
    assert payload["summary"] not in chat.page.locator("#messages").inner_text()
    assert not chat.errors


def test_every_verdict_has_its_badge_class(chat, report_reply):
    """A real conversation never reaches "eligible" (the support object is always to be verified by the district):
    the same payload with its verdicts spread over all five shows each one's class."""
    text_entry, payload = report_of(report_reply)
    spread = copy.deepcopy(payload)
    verdicts = list(CLASS)
    for i, m in enumerate(spread["measures"]):
        m["verdict"] = verdicts[i % len(verdicts)]
    spread["groups"] = [
        {
            "verdict": v,
            "label": v,
            "head": f"—— {v} ——",
            "measures": [m["id"] for m in spread["measures"] if m["verdict"] == v],
        }
        for v in verdicts
    ]
    serve(chat.page, [text_entry, {"recipient_id": "x", "custom": spread}])
    chat.ask("报告")
    card = chat.page.locator(".bubble .report")
    assert shown_items(card) == expected_items(spread)
    assert {c for _, c, _, _ in shown_items(card)} == {"item-" + c for c in CLASS.values()}
    assert card.locator(".group").all_inner_texts() == verdicts
    assert not chat.errors
