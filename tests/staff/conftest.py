"""Staff console tests: the real action server and Rasa server (with STAFF_TOKEN set and their own SQLite tracker
store), filled by real conversations over REST before any test runs; the console's API read over HTTP."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from tests.e2e.servers import CHROMIUM, CHROMIUM_ARGS, ROOT, Servers, free_port
from tests.scale.dialogue import finish_dialogue

TOKEN = "staff-test-" + secrets.token_hex(12)
SCREENSHOTS = ROOT / "var" / "screenshots"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # report 30x as they are
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def cookies(self) -> list[str]:
        return [v for k, v in self._raw if k.lower() == "set-cookie"]

    _raw: list[tuple[str, str]] = field(default_factory=list)


def http(
    url: str,
    token: str | None = None,
    cookie: str | None = None,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    if cookie is not None:
        h["Cookie"] = cookie
    req = urllib.request.Request(url, data=data, headers=h, method=method)
    try:
        r = _OPENER.open(req, timeout=60)
    except urllib.error.HTTPError as e:
        r = e
    with r:
        raw = list(r.headers.items())
        return Reply(r.status if hasattr(r, "status") else r.code, {k.lower(): v for k, v in raw}, r.read(), raw)


@dataclass
class Conversations:
    """What was said to the bot before the tests: senders, the messages, in order."""

    senders: dict[str, str] = field(default_factory=dict)  # role → sender id
    messages: list[tuple[str, str]] = field(default_factory=list)  # (sender, text)
    reports: dict[str, str] = field(default_factory=dict)  # role → report text


# A message the bot does not understand. Which nonsense DIET sends below the fallback threshold varies between
# trained models ("asdkjh qwe zzxc" went to search_policy after the model was made smaller); "？？？" fell back
# with both models probed (bench/PROFILE.md), and a user typing it means "I don't follow".
NOT_UNDERSTOOD = "？？？"


def run_conversations(bot: Servers) -> Conversations:
    conv = Conversations()

    def sender(role: str) -> str:
        conv.senders[role] = f"staff-{role}-{uuid.uuid4().hex[:8]}"
        return conv.senders[role]

    def say(who: str, text: str) -> str:
        conv.messages.append((who, text))
        return bot.text(who, text)

    asker = sender("asker")
    assert "《办法》三、2" in say(asker, "租金补贴怎么算")
    assert "不在我的服务范围" in say(asker, "明天上海会下雨吗")
    assert "没有理解" in say(asker, NOT_UNDERSTOOD)  # → nlu_fallback, asked after the weather
    assert "区块链" in say(asker, "支持政策第6条原文")

    checker = sender("checker")  # the whole self-check: a hunter in the talent port (e2e dialogue)
    say(checker, "帮我看看我们能享受哪些政策")
    say(checker, "我们是猎头公司，2025年3月入驻人才港，年租金120万")
    text = finish_dialogue(lambda _turn, message: say(checker, message), say(checker, "不是500强"))
    conv.reports["checker"] = text

    outsider = sender("outsider")  # not in the talent port: a report at once, nothing applies
    say(outsider, "帮我看看我们能享受哪些政策")
    text = say(outsider, "我们还没入驻人才港")
    assert "【政策自测】" in text, text
    conv.reports["outsider"] = text
    return conv


def start(servers: Servers) -> Servers:
    return servers.start()


@pytest.fixture(scope="package")
def staff_bot(tmp_path_factory) -> Iterator[Servers]:
    """The real action server + Rasa server with the staff console on, for the tests of this package only."""
    s = start(Servers(tmp_path_factory.mktemp("staffbot"), env={"STAFF_TOKEN": TOKEN}))
    try:
        s.conversations = run_conversations(s)
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="package")
def conversations(staff_bot) -> Conversations:
    return staff_bot.conversations


@pytest.fixture
def console(staff_bot) -> str:
    return f"{staff_bot.url}/webhooks/staff"


def api(console: str, path: str, **params) -> Reply:
    q = ("?" + urllib.parse.urlencode(params)) if params else ""
    return http(f"{console}/{path}{q}", token=TOKEN)


# ---- the console's channel served alone: a real Sanic app with the staff blueprint, no Rasa model ----

ALONE = """
import sys
from sanic import Sanic
from bot.channels.staff import StaffConsoleInput
app = Sanic("staff_console_alone")
# mounted as Rasa mounts a channel: its blueprint under /webhooks/<name>
app.blueprint(StaffConsoleInput.from_credentials(None).blueprint(None), url_prefix="/webhooks/staff")
app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False, workers=1)
"""


class ConsoleAlone:
    """Starts the staff channel alone, each time with the environment given (RECORDS_URL, POLICY_KB_URL,
    POLICY_TODAY …) on top of this one's and STAFF_TOKEN; ``start`` returns the console's base URL, ``logs`` the
    servers' logs (in ``directory``); ``stop`` ends every server it started."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self, **env: str) -> str:
        port = free_port()
        full = {**os.environ, "PYTHONPATH": str(ROOT), "STAFF_TOKEN": TOKEN, **env}
        self.logs.append(self.directory / f"alone-{port}.log")
        log = open(self.logs[-1], "wb")  # noqa: SIM115 - the child writes to it until the end
        self.procs.append(
            subprocess.Popen(
                [sys.executable, "-c", ALONE, str(port)],
                cwd=ROOT,
                env=full,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        base = f"http://127.0.0.1:{port}/webhooks/staff"
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                http(base + "/api/clauses", token=TOKEN)
                return base
            except OSError:
                assert self.procs[-1].poll() is None, self.logs[-1].read_text()
                time.sleep(0.3)
        raise AssertionError("the console did not start")

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
            p.wait(timeout=30)
        self.procs.clear()


@pytest.fixture
def console_alone(tmp_path) -> Iterator[ConsoleAlone]:
    alone = ConsoleAlone(tmp_path)
    yield alone
    alone.stop()


# ---- a knowledge base with text versions (issue #16): the fabricated revision and 实施细则 ----

VERSION_FIXTURES = ROOT / "tests" / "fixtures" / "versions"
REVISION = VERSION_FIXTURES / "FABRICATED-revision-2027.txt"  # 三、2 30% → 40%, 三、7 and 三、9 reworded
RULES_OF_IMPLEMENTATION = VERSION_FIXTURES / "FABRICATED-rules-of-implementation.txt"


def kb_with_the_revision(url: str) -> None:
    """The store as staff would have it: built, then the revision (in force from 2027-01-01) and the 实施细则 (from
    2026-12-01) loaded, as ``python -m policy_kb load`` does."""
    from policy_kb.store import build, load_version, make_engine

    engine = make_engine(url)
    try:
        build(engine)
        load_version(engine, REVISION.read_text(encoding="utf-8"), date(2027, 1, 1))
        load_version(engine, RULES_OF_IMPLEMENTATION.read_text(encoding="utf-8"), date(2026, 12, 1), "实施细则")
    finally:
        engine.dispose()


# ---- the browser (skip with the reason where missing, fail under CI) ----


def missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " (CI=true: the browser tests must run; install chromium, fonts-noto-cjk, playwright)")
    pytest.skip(reason)


class BrowserThread:
    """Headless Chromium driven by Playwright's sync API in a thread of its own. Other test packages may hold a
    Playwright session in the main thread for the whole run (its event loop then runs there, and a second sync
    Playwright in that thread refuses to start); in this thread there is none. Every call on the browser goes
    through ``run``, in that thread."""

    def __init__(self):
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="staff-browser")
        self.pool.submit(self._start).result()

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

    def run(self, scenario, *args):
        """Run ``scenario(context, *args)`` with a fresh desktop browser context; its result or its exception."""

        def call():
            ctx = self.browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
            ctx.set_default_timeout(30_000)
            try:
                return scenario(ctx, *args)
            finally:
                ctx.close()

        return self.pool.submit(call).result()

    def close(self) -> None:
        def stop():
            self.browser.close()
            self.playwright.stop()

        self.pool.submit(stop).result()
        self.pool.shutdown()


@pytest.fixture(scope="package")
def browser() -> Iterator[BrowserThread]:
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} not found (apt-get install -y chromium fonts-noto-cjk)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing("the playwright Python package is not installed (.venv/bin/pip install playwright)")
    b = BrowserThread()
    yield b
    b.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def cookie_value(set_cookie: str, name: str) -> str:
    """The value of a Set-Cookie header for ``name``."""
    first = set_cookie.split(";", 1)[0]
    k, _, v = first.partition("=")
    assert k.strip() == name, set_cookie
    return v.strip()
