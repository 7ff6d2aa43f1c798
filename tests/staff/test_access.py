"""Who gets into the staff console: the token (Bearer or ?token= once, then a signed session cookie), 401 without
it, 403 with a wrong one, and no console at all without STAFF_TOKEN."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.parse

import pytest

from bot.channels.staff_access import COOKIE, SESSION_SECONDS, Access
from tests.e2e.servers import ROOT, free_port
from tests.staff.conftest import TOKEN, cookie_value, http

PROTECTED = [
    "/",
    "/static/console.js",
    "/static/console.css",
    "/api/clauses",
    "/api/measures",
    "/api/search?q=%E7%A7%9F%E9%87%91",
    "/api/insights",
    "/export/unanswered.csv",
    "/export/topics.csv",
    "/api/versions",
    "/api/versions/diff?from=2022-01-01&to=2027-01-01",
]


@pytest.mark.parametrize("path", PROTECTED)
def test_without_the_token_401(console, path):
    r = http(console + path)
    assert r.status == 401, (path, r.status)
    assert r.header("WWW-Authenticate").startswith("Bearer")
    assert "访问令牌" in r.text or "令牌" in r.text  # Chinese, says what is needed


@pytest.mark.parametrize("path", PROTECTED)
def test_wrong_token_403(console, path):
    assert http(console + path, token="not-the-token").status == 403, path


def test_bearer_token_lets_in(console):
    r = http(console + "/api/clauses", token=TOKEN)
    assert r.status == 200 and r.header("Content-Type").startswith("application/json")
    assert r.header("Cache-Control") == "no-store"
    page = http(console + "/", token=TOKEN)
    assert page.status == 200 and '<html lang="zh-CN">' in page.text and "工作人员后台" in page.text
    csp = page.header("Content-Security-Policy")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "http://" not in page.text and "https://" not in page.text  # nothing from a CDN


def test_api_401_is_json_in_chinese(console):
    r = http(console + "/api/insights")
    assert r.status == 401 and "需要访问令牌" in r.json()["error"]
    r = http(console + "/api/insights", token="wrong")
    assert r.status == 403 and "不正确" in r.json()["error"]


def test_page_without_token_is_a_sign_in_page(console):
    r = http(console + "/")
    assert r.status == 401 and "text/html" in r.header("Content-Type")
    assert 'type="password"' in r.text and "/webhooks/staff/login" in r.text


def test_query_token_once_then_session_cookie(console):
    r = http(console + "/?" + urllib.parse.urlencode({"token": TOKEN}))
    assert r.status == 303
    assert r.header("Location") == "/webhooks/staff/"  # the token does not stay in the address bar
    set_cookie = next(c for c in r.cookies() if c.startswith(COOKIE + "="))
    flags = set_cookie.lower()
    assert "httponly" in flags and "samesite=lax" in flags and "path=/webhooks/staff" in flags
    assert f"max-age={SESSION_SECONDS}" in flags
    session = cookie_value(set_cookie, COOKIE)
    assert TOKEN not in session  # a signed session, not the token
    cookie = f"{COOKIE}={session}"
    assert http(console + "/", cookie=cookie).status == 200
    assert http(console + "/static/console.js", cookie=cookie).status == 200
    assert http(console + "/api/insights", cookie=cookie).status == 200
    # a tampered or made-up cookie is no session
    expiry, nonce, sig = session.split(".")
    for bad in (f"{int(expiry) + 3600}.{nonce}.{sig}", f"{expiry}.{nonce}.{'0' * 64}", "x", ""):
        assert http(console + "/api/insights", cookie=f"{COOKIE}={bad}").status == 401, bad


def test_wrong_query_token_403(console):
    r = http(console + "/?token=wrong")
    assert r.status == 403 and "不正确" in r.text
    assert not r.cookies()


def test_sign_in_form_and_sign_out(console):
    form = urllib.parse.urlencode({"token": TOKEN}).encode()
    ct = {"Content-Type": "application/x-www-form-urlencoded"}
    r = http(console + "/login", method="POST", data=form, headers=ct)
    assert r.status == 303 and r.header("Location") == "/webhooks/staff/"
    cookie = f"{COOKIE}={cookie_value(r.cookies()[0], COOKIE)}"
    assert http(console + "/api/clauses", cookie=cookie).status == 200
    bad = http(console + "/login", method="POST", data=b"token=nope", headers=ct)
    assert bad.status == 403 and not bad.cookies()
    out = http(console + "/logout", method="POST", cookie=cookie)
    assert out.status == 303 and "max-age=0" in out.cookies()[0].lower()


def test_session_cookie_is_signed_and_expires():
    a = Access("a-long-random-staff-token")
    now = time.time()
    s = a.new_session(now)
    assert a.session_ok(s, now) and a.session_ok(s, now + SESSION_SECONDS - 5)
    assert not a.session_ok(s, now + SESSION_SECONDS + 5)  # expired
    assert not Access("another-token-entirely").session_ok(s, now)  # a new token ends every session
    assert not a.session_ok(s.replace(".", "", 1), now) and not a.session_ok(None) and not a.session_ok("é.é.é")
    assert (
        a.token_ok("a-long-random-staff-token")
        and not a.token_ok("a-long-random-staff-toke")
        and not a.token_ok(None)
        and not a.token_ok("ä")
    )


OFF_SERVER = """
import sys
from sanic import Sanic
from bot.channels.staff import StaffConsoleInput
app = Sanic("staff_console_off")
# mounted exactly as Rasa mounts a channel: its blueprint under /webhooks/<name>
app.blueprint(StaffConsoleInput.from_credentials(None).blueprint(None), url_prefix="/webhooks/staff")
app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False, workers=1)
"""


def test_console_is_off_without_staff_token(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "STAFF_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    log = open(tmp_path / "off.log", "wb")  # noqa: SIM115 - the child process writes to it until stop()
    proc = subprocess.Popen(
        [sys.executable, "-c", OFF_SERVER, str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/webhooks/staff"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                r = http(base + "/")
                break
            except OSError:
                assert proc.poll() is None, (tmp_path / "off.log").read_text()
                time.sleep(0.3)
        for path in ["/", "/?token=anything", "/api/insights", "/export/topics.csv", "/static/console.js"]:
            r = http(base + path, token="anything")
            assert r.status == 404, (path, r.status)
            assert "未启用" in r.text and "STAFF_TOKEN" in r.text
        assert http(base + "/login", method="POST", data=b"token=").status == 404
    finally:
        proc.terminate()
        proc.wait(timeout=30)
