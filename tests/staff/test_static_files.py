"""bot.channels.static_files, as the web chat page and the staff console use it (no server needed): the headers
each sends, the ETag and 304 of the web page, no ETag on the staff console's no-store files, only the listed
names; and the staff sign-in page rendered from its template."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.channels import staff, web
from bot.channels.staff_views import MESSAGES, login_html
from bot.channels.static_files import StaticFiles, etag_of


def request(**headers: str) -> SimpleNamespace:
    return SimpleNamespace(headers={k.lower(): v for k, v in headers.items()})


@pytest.fixture(scope="module")
def web_files() -> StaticFiles:
    return web.WebChatInput().files


def test_web_file_with_etag_then_304(web_files):
    r = web_files.response(request(), "chat.js")
    assert r.status == 200 and r.content_type == "application/javascript; charset=utf-8"
    body = (web.STATIC_DIR / "chat.js").read_bytes()
    assert r.body == body
    assert r.headers["ETag"] == etag_of(body)
    assert r.headers["Cache-Control"] == "no-cache" and r.headers["X-Content-Type-Options"] == "nosniff"
    again = web_files.response(request(**{"If-None-Match": etag_of(body)}), "chat.js")
    assert again.status == 304 and not again.body and again.headers["ETag"] == etag_of(body)
    assert web_files.response(request(**{"If-None-Match": '"other"'}), "chat.js").status == 200


def test_web_page_keeps_its_extra_headers_on_304(web_files):
    extra = {"Content-Security-Policy": web.PAGE_CSP, "Referrer-Policy": "no-referrer"}
    r = web_files.response(request(), "index.html", extra)
    assert r.headers["Content-Security-Policy"] == web.PAGE_CSP and r.headers["Referrer-Policy"] == "no-referrer"
    again = web_files.response(request(**{"If-None-Match": r.headers["ETag"]}), "index.html", extra)
    assert again.status == 304 and again.headers["Content-Security-Policy"] == web.PAGE_CSP


def test_only_the_listed_names_exist(web_files):
    assert "chat.js" in web_files and "../web.py" not in web_files and "" not in web_files
    assert set(web_files.bodies) == set(web.FILES)


def test_staff_files_are_no_store_without_etag():
    files = staff.StaffConsoleInput(token="t" * 20).files
    r = files.response(request(), "console.js")
    assert r.status == 200 and "ETag" not in r.headers
    assert {k: r.headers[k] for k in staff.COMMON_HEADERS} == staff.COMMON_HEADERS
    assert files.response(request(**{"If-None-Match": '"x"'}), "console.js").status == 200
    assert staff.LOGIN_TEMPLATE not in files  # the sign-in template is never served under static/


@pytest.mark.parametrize("wrong", [False, True])
def test_sign_in_page_from_its_template(wrong):
    template = (staff.STATIC_DIR / staff.LOGIN_TEMPLATE).read_text(encoding="utf-8")
    html = login_html(template, "/webhooks/staff/login", wrong)
    t = MESSAGES["login"]
    assert f"<title>{t['title']}</title>" in html and t["heading"] in html
    assert (t["wrong"] if wrong else t["prompt"]) in html
    assert 'action="/webhooks/staff/login"' in html and 'type="password" name="token"' in html
    assert "$" not in html  # every placeholder filled
    assert "&lt;b&gt;" in login_html("${title}${heading}${message}${label}${button}${action}", "<b>")  # escaped
