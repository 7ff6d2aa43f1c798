"""问题复核 (issue #15 parts 4 and 6) in the staff console, against the real bot of this package: the unhelpful
answers recorded into the server's records database (records.feedback.record, as the action server does), the
unanswered questions of the real conversations (conftest), labels stored and taken back over the API, each refusal
a Chinese 400, the CSRF check on cookie POSTs, and the export read by ``rasa data validate`` in a copy of the
project. Then the tab in headless Chromium; and the same API on PostgreSQL and with a records database that does
not answer (503), on the console's channel served alone."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import urllib.parse
import uuid
from pathlib import Path

import pytest
import yaml

from records import db, feedback, review
from tests.e2e.servers import ROOT, free_port
from tests.rasa.test_rasa_cli import rasa
from tests.services import fresh_postgres_database
from tests.staff.conftest import TOKEN, cookie_value, http

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under CI) with the reason
    expect = None

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def records_url(staff_bot) -> str:
    return staff_bot.env["RECORDS_URL"]


@pytest.fixture(autouse=True)
def no_labels(request):
    """Every test on the package's bot starts and ends with no label (only this module labels anything there)."""
    if "staff_bot" not in request.fixturenames:  # the console served alone has a database of its own
        yield
        return
    staff_bot = request.getfixturevalue("staff_bot")

    def clear():
        url = staff_bot.env["RECORDS_URL"]
        for x in review.labels(url=url):
            review.remove(x.id, url=url)

    clear()
    yield
    clear()


def call(console: str, path: str, token: str | None = TOKEN, **kw):
    return http(f"{console}/{path}", token=token, **kw)


def post_label(console: str, payload, token: str | None = TOKEN, **kw):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {**JSON, **kw.pop("headers", {})}
    return call(console, "api/review/labels", token=token, method="POST", data=body, headers=headers, **kw)


def session_cookie(base: str) -> str:
    r = http(f"{base}/webhooks/staff/?token={urllib.parse.quote(TOKEN)}")
    value = cookie_value(next(c for c in r.cookies() if c.startswith("staff_session=")), "staff_session")
    return f"staff_session={value}"


# ---- who may ----


@pytest.mark.parametrize("path", ["api/feedback", "api/review/labels", "export/reviewed.yml"])
def test_reading_needs_the_token(console, path):
    r = call(console, path, token=None)
    assert r.status == 401 and "需要访问令牌" in r.json()["error"], (path, r.status)
    assert r.header("WWW-Authenticate").startswith("Bearer")
    r = call(console, path, token="wrong-" + TOKEN)
    assert r.status == 403 and "不正确" in r.json()["error"], (path, r.status)
    assert call(console, path).status == 200


def test_writing_needs_the_token(console, records_url):
    payload = {"text": "房租能报销吗", "intent": "ask_rent_subsidy", "source": "unanswered"}
    assert post_label(console, payload, token=None).status == 401
    assert post_label(console, payload, token="wrong-" + TOKEN).status == 403
    x = review.label("你好呀老师", "greet", {"greet"}, url=records_url)
    for method, path in (("POST", f"api/review/labels/{x.id}/delete"), ("DELETE", f"api/review/labels/{x.id}")):
        assert call(console, path, token=None, method=method).status == 401
        assert call(console, path, token="wrong", method=method).status == 403
    assert [y.text for y in review.labels(url=records_url)] == ["你好呀老师"]  # nothing stored, nothing removed


def test_a_cookie_post_needs_the_consoles_header_and_origin(staff_bot, console, records_url):
    cookie = session_cookie(staff_bot.url)
    payload = {"text": "落户奖励现在还有吗", "intent": "ask_settlement_reward", "source": "unanswered"}
    # a cross-site form or fetch: the session cookie alone is not enough
    r = post_label(console, payload, token=None, cookie=cookie)
    assert r.status == 403 and "请从工作人员后台页面操作" in r.json()["error"]
    foreign = {"X-Staff-Console": "1", "Origin": "https://evil.example"}
    assert post_label(console, payload, token=None, cookie=cookie, headers=foreign).status == 403
    assert review.labels(url=records_url) == []
    own = {"X-Staff-Console": "1", "Origin": staff_bot.url}
    r = post_label(console, payload, token=None, cookie=cookie, headers=own)
    assert r.status == 201 and r.json()["label"]["intent"] == "ask_settlement_reward"
    delete = f"api/review/labels/{r.json()['label']['id']}/delete"
    assert call(console, delete, token=None, cookie=cookie, method="POST").status == 403
    assert len(review.labels(url=records_url)) == 1
    assert call(console, delete, token=None, cookie=cookie, method="POST", headers=own).status == 200
    assert review.labels(url=records_url) == []


# ---- 没帮助的回答 ----


def test_unhelpful_answers_newest_first_in_beijing_time_with_counts_per_topic(console, records_url):
    tag = uuid.uuid4().hex[:6]
    before = {t["topic"]: t for t in call(console, "api/feedback").json()["topics"]}
    long_answer = "《办法》三、2 租金补贴：" + "按年租金的30%补贴，前三年度。" * 12
    at = dt.datetime(2026, 11, 30, 18, 5, 0)  # naive UTC: 2026-12-01 02:05 in Beijing
    rent = {"topic": "三、2", "intent": "ask_rent_subsidy", "channel": "rest", "url": records_url}
    older = feedback.record(False, f"房租补多少{tag}", long_answer, now=at, **rent)
    feedback.record(True, f"租金补贴怎么算{tag}", "《办法》三、2 ……", **rent)
    newer = feedback.record(False, f"随便问问{tag}", "抱歉，没有理解。", "", "nlu_fallback", "wechat", url=records_url)

    body = call(console, "api/feedback").json()
    mine = [f for f in body["unhelpful"] if f["question"].endswith(tag)]
    assert [f["id"] for f in mine] == [newer, older]  # newest first; the helpful one is not listed
    old = mine[1]
    assert old["time"] == "2026-12-01T02:05:00+08:00"
    assert (old["topic"], old["topic_label"]) == ("三、2", "《办法》三、2 租金补贴")
    assert old["channel_label"] == "REST / 网页"
    assert old["answer"] == long_answer and old["intent"] == "ask_rent_subsidy"  # whole: the page shortens it
    assert (mine[0]["topic_label"], mine[0]["channel_label"]) == ("未关联条款", "微信公众号")

    after = {t["topic"]: t for t in body["topics"]}
    zero = {"unhelpful": 0, "helpful": 0}
    assert after["三、2"]["unhelpful"] - before.get("三、2", zero)["unhelpful"] == 1
    assert after["三、2"]["helpful"] - before.get("三、2", zero)["helpful"] == 1
    assert after[""]["unhelpful"] - before.get("", zero)["unhelpful"] == 1
    assert [t["unhelpful"] for t in body["topics"]] == sorted((t["unhelpful"] for t in body["topics"]), reverse=True)
    assert body["total_unhelpful"] == sum(t["unhelpful"] for t in body["topics"])


# ---- labels ----


def test_the_choices_are_the_domains_intents_and_the_clauses(console):
    view = call(console, "api/review/labels").json()
    intents = {i["intent"]: i["label"] for i in view["intents"]}
    domain = set()
    for path in (ROOT / "bot" / "domain").glob("*.yml"):
        domain |= set((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or [])
    # not offered: the classifier's "unsure", and the feedback intents (a phrase list, no NLU examples)
    assert set(intents) == domain - {"nlu_fallback", "feedback_helpful", "feedback_unhelpful"}
    assert intents["ask_rent_subsidy"] == "ask_rent_subsidy（租金补贴 三、2）"
    assert intents["out_of_scope"] == "out_of_scope（超出服务范围）" and intents["greet"] == "greet（问候）"
    assert [i["intent"] for i in view["intents"]][:2] == ["ask_settlement_reward", "ask_rent_subsidy"]
    topics = {t["ref"]: t["label"] for t in view["topics"]}
    assert topics["三、2"] == "《办法》三、2 租金补贴" and topics["二"] == "《办法》二 支持对象"
    assert {"三、1", "三、9", "五（一）"} <= set(topics) and "序言" not in topics


def test_an_unanswered_question_labelled_relabelled_and_taken_back(console, conversations):
    texts = [u["text"] for u in call(console, "api/insights").json()["unanswered"]]
    assert "明天上海会下雨吗" in texts  # the question the insights list as unanswered
    r = post_label(console, {"text": " 明天上海会下雨吗 ", "intent": "out_of_scope", "source": "unanswered"})
    assert r.status == 201, r.text
    label = r.json()["label"]
    assert (label["text"], label["intent"], label["topic"], label["source"]) == (
        "明天上海会下雨吗",
        "out_of_scope",
        "",
        "unanswered",
    )
    assert label["intent_label"] == "out_of_scope（超出服务范围）" and label["source_label"] == "未能解答"
    assert label["time"].endswith("+08:00")
    rent = {"text": "房租能报销不", "intent": "ask_rent_subsidy", "topic": "三、2", "source": "unhelpful"}
    r = post_label(console, rent)
    assert r.status == 201 and r.json()["label"]["topic_label"] == "《办法》三、2 租金补贴"
    # the same text again replaces its label
    r = post_label(console, {"text": "明天上海会下雨吗", "intent": "greet", "source": "unanswered"})
    assert r.status == 201
    listed = call(console, "api/review/labels").json()["labels"]
    got = [(x["text"], x["intent"]) for x in listed]
    assert got == [("明天上海会下雨吗", "greet"), ("房租能报销不", "ask_rent_subsidy")]

    first, second = listed[0]["id"], listed[1]["id"]
    r = call(console, f"api/review/labels/{first}/delete", method="POST")
    assert r.status == 200 and r.json() == {"removed": first}
    r = call(console, f"api/review/labels/{first}/delete", method="POST")
    assert r.status == 404 and "没有这条标注" in r.json()["error"]
    assert call(console, f"api/review/labels/{second}", method="DELETE").status == 200
    assert call(console, "api/review/labels").json()["labels"] == []
    for bad in ("abc", "1.5", "-1", "１２", "9" * 40):
        r = call(console, f"api/review/labels/{urllib.parse.quote(bad)}/delete", method="POST")
        assert r.status == 404 and "没有这条标注" in r.json()["error"], bad


GOOD = {"text": "房租能报销不", "intent": "ask_rent_subsidy", "source": "unanswered"}


@pytest.mark.parametrize(
    "body, says",
    [
        ('{"text": "房租", "intent": '.encode(), "应为 JSON 对象"),  # malformed JSON
        (b"\xff\xfe", "应为 JSON 对象"),  # not UTF-8
        ('["房租", "ask_rent_subsidy"]'.encode(), "应为 JSON 对象"),  # JSON, not an object
        ({**GOOD, "intent": ["ask_rent_subsidy"]}, "应为 JSON 对象"),  # a field that is not a string
        (json.dumps({**GOOD, "text": "问" * 20000}).encode(), "请求内容过大"),
        ({**GOOD, "text": "   "}, "问题原文不能为空"),
        ({**GOOD, "text": "问" * 501}, "不超过 500 字"),
        ({k: v for k, v in GOOD.items() if k != "intent"}, "请选择意图"),
        ({**GOOD, "intent": "ask_lottery"}, "请选择意图"),
        ({**GOOD, "intent": "nlu_fallback"}, "nlu_fallback 与两个反馈意图除外"),
        ({**GOOD, "intent": "feedback_unhelpful"}, "两个反馈意图除外"),
        ({**GOOD, "intent": "Ask Rent"}, "请选择意图"),
        ({**GOOD, "topic": "三、2; drop table"}, "条款应为"),
        ({**GOOD, "topic": "三、12"}, "条款应为"),  # well-formed, but the text has no such clause
        ({**GOOD, "source": "wechat"}, "来源应为"),
    ],
    ids=lambda v: (
        v[:40].decode(errors="replace") if isinstance(v, bytes) else (str(v)[:40] if isinstance(v, dict) else None)
    ),
)
def test_each_refusal_is_a_400_in_chinese(console, records_url, body, says):
    r = post_label(console, body)
    assert r.status == 400, (r.status, r.text)
    assert says in r.json()["error"], r.json()
    assert r.header("Content-Type").startswith("application/json")
    assert review.labels(url=records_url) == []


# ---- the export, read by Rasa ----


def export(console: str) -> str:
    r = call(console, "export/reviewed.yml")
    assert r.status == 200
    assert r.header("Content-Type") == "text/yaml; charset=utf-8"
    assert r.header("Content-Disposition") == 'attachment; filename="reviewed.yml"'
    return r.text


def project_copy(tmp_path: Path) -> Path:
    """The project's training data, domain and config, as `make train` reads them."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copytree(ROOT / "bot" / "domain", tmp_path / "bot" / "domain")
    shutil.copy(ROOT / "config.yml", tmp_path / "config.yml")
    return tmp_path


def validate(project: Path):
    return rasa(
        "data",
        "validate",
        "--domain",
        str(project / "bot" / "domain"),
        "--data",
        str(project / "data"),
        "--config",
        str(project / "config.yml"),
        timeout=300,
    )


def test_the_export_is_training_data_rasa_validates(console, tmp_path):
    labels = [
        {"text": "房租能报销不", "intent": "ask_rent_subsidy", "topic": "三、2", "source": "unhelpful"},
        {"text": "老师您好呀", "intent": "greet", "source": "unanswered"},
        {"text": "补贴[外包](category)公司吗", "intent": "ask_rent_subsidy", "source": "unanswered"},
        {"text": "明天上海会下雨吗", "intent": "out_of_scope", "source": "unanswered"},
    ]
    for payload in labels:
        assert post_label(console, payload).status == 201
    text = export(console)
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    assert text.startswith("# Reviewed by staff in the console") and f"exported {today}" in text
    data = yaml.safe_load(text)
    by = {b["intent"]: [e["text"] for e in b["examples"]] for b in data["nlu"]}
    assert by == {
        "ask_rent_subsidy": ["房租能报销不", "补贴［外包］(category)公司吗"],
        "greet": ["老师您好呀"],
        "out_of_scope": ["明天上海会下雨吗"],
    }

    project = project_copy(tmp_path)
    (project / "data" / "nlu" / "reviewed.yml").write_text(text, encoding="utf-8")
    r = validate(project)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    assert "reviewed.yml" not in out, out[-4000:]  # no warning about the file (Rasa names the file it warns on)
    for t in ("房租能报销不", "老师您好呀", "明天上海会下雨吗"):
        assert t not in out, t  # not labelled with another intent elsewhere in the training data

    # the check has teeth: the same copy with a broken reviewed.yml fails
    (project / "data" / "nlu" / "reviewed.yml").write_text(text.replace("examples:", "exemples:", 1), encoding="utf-8")
    assert validate(project).returncode != 0


# ---- the tab in headless Chromium ----


def test_the_review_tab_labels_an_unhelpful_answer_and_exports_it(browser, staff_bot, records_url, screenshots):
    question = f"人才公寓怎么申请，要排队多久？{uuid.uuid4().hex[:4]}"
    answer = "《办法》三、8 人才落户与人才服务：" + "为机构的人才提供落户、住房等服务，具体以区人社局为准。" * 4
    feedback.record(False, question, answer, "三、8", "ask_talent_services", "rest", url=records_url)
    out = browser.run(review_tab, staff_bot.url, question, answer, screenshots)
    errors, exported, filename = out
    assert errors == []
    assert filename == "reviewed.yml"
    by = {b["intent"]: b["examples"] for b in yaml.safe_load(exported)["nlu"]}
    assert by["ask_talent_services"] == [{"text": question, "metadata": {"source": "unhelpful", "topic": "三、8"}}]
    (x,) = review.labels(url=records_url)
    assert (x.text, x.intent, x.topic, x.source) == (question, "ask_talent_services", "三、8", "unhelpful")


def review_tab(ctx, base, question, answer, screenshots):
    page, errors = ctx.new_page(), []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/webhooks/staff/?token={urllib.parse.quote(TOKEN)}")
    page.wait_for_selector("html[data-ready='1']")
    page.click("#tab-btn-review")
    row = page.locator("#unhelpful tbody tr", has_text=question)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("《办法》三、8 人才落户与人才服务")
    expect(row).to_contain_text("REST / 网页")
    clip = row.locator("details.clip")
    expect(clip.locator(".short")).to_have_text(answer[:60] + "…")
    expect(clip.locator(".full")).to_be_hidden()
    clip.locator("summary").click()  # the whole answer, one click away
    expect(clip.locator(".full")).to_have_text(answer)
    expect(page.locator("#feedback-topics tr[data-topic='三、8']")).to_contain_text("人才落户与人才服务")
    # the unanswered questions of the insights, each with its own 标注
    weather = page.locator("#review-unanswered tbody tr", has_text="明天上海会下雨吗").first
    expect(weather.locator(".label-button")).to_have_text("标注")

    row.locator(".label-button").click()
    form = page.locator("#unhelpful tr.label-row form")
    form.locator(".label-intent").select_option("ask_talent_services")
    form.locator(".label-topic").select_option("三、8")
    page.screenshot(path=str(screenshots / "staff-console-review-form.png"), full_page=True)
    form.locator("button[type=submit]").click()
    label = page.locator("#labels tbody tr", has_text=question)
    expect(label).to_contain_text("ask_talent_services（人才落户与人才服务 三、8）")
    expect(label).to_contain_text("《办法》三、8 人才落户与人才服务")
    expect(label).to_contain_text("没帮助")
    row = page.locator("#unhelpful tbody tr", has_text=question)
    expect(row.locator(".tag.labelled")).to_have_text("已标注 ask_talent_services")
    expect(row.locator(".label-button")).to_have_text("修改")
    # a refusal is shown beside the form, in Chinese: the intent not chosen
    weather.locator(".label-button").click()
    page.locator("#review-unanswered tr.label-row button[type=submit]").click()
    expect(page.locator("#review-unanswered tr.label-row .form-error")).to_contain_text("请选择意图")
    expect(page.locator("#notice")).to_be_hidden()  # beside the form only, not in the banner above
    page.screenshot(path=str(screenshots / "staff-console-review.png"), full_page=True)

    with page.expect_download() as d:
        page.click("#export-reviewed")
    exported = Path(d.value.path()).read_text(encoding="utf-8")
    return errors_but_the_refusal(errors), exported, d.value.suggested_filename


def errors_but_the_refusal(errors: list[str]) -> list[str]:
    """The browser logs the refused POST (400) as a failed resource load: that one was meant."""
    return [e for e in errors if "400" not in e]


# ---- the console's channel served alone: PostgreSQL, and a records database that does not answer ----


def test_on_postgresql(console_alone):
    with fresh_postgres_database("review_test") as url:
        try:
            asked = ("见习带教费多久到账", "《办法》三、3 ……", "三、3", "ask_talent_recommendation", "rest")
            feedback.record(False, *asked, url=url)
            base = console_alone.start(RECORDS_URL=url)
            (f,) = call(base, "api/feedback").json()["unhelpful"]
            assert (f["question"], f["topic_label"]) == ("见习带教费多久到账", "《办法》三、3 人才推荐补贴")
            payload = {"text": f["question"], "intent": "ask_talent_recommendation", "topic": "三、3"}
            assert post_label(base, {**payload, "source": "unhelpful"}).status == 201
            (x,) = call(base, "api/review/labels").json()["labels"]
            assert x["intent"] == "ask_talent_recommendation" and x["source"] == "unhelpful"
            assert "- text: 见习带教费多久到账" in export(base)
            assert call(base, f"api/review/labels/{x['id']}", method="DELETE").status == 200
            assert review.labels(url=url) == []
        finally:
            db._engines.pop(url).dispose()  # close the test's pool before the database is dropped


def test_a_records_database_that_does_not_answer_is_a_503_in_chinese(console_alone):
    secret = "pw-" + uuid.uuid4().hex[:8]
    base = console_alone.start(RECORDS_URL=f"postgresql://nobody:{secret}@127.0.0.1:{free_port()}/records")
    for r in (
        call(base, "api/feedback"),
        call(base, "api/review/labels"),
        call(base, "export/reviewed.yml"),
        post_label(base, GOOD),
        call(base, "api/review/labels/1/delete", method="POST"),
    ):
        assert r.status == 503, (r.status, r.text)
        error = r.json()["error"]
        assert error == "读取或保存问题复核数据失败：OperationalError", error
        assert secret not in r.text
    log = console_alone.logs[-1].read_text(encoding="utf-8", errors="replace")
    assert "the review records failed (OperationalError)" in log, log[-2000:]
    assert secret not in log and "Connection refused" not in log and "Traceback" not in log, log[-2000:]
