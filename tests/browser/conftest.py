"""Browser tests: the web chat page in a real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright,
against the real action server and Rasa server. Without Chromium or Playwright they skip with the reason, except
under CI=true, where that is a failure."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.servers import CHROMIUM, CHROMIUM_ARGS, ROOT, Servers, free_port

SCREENSHOTS = ROOT / "var" / "screenshots"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


def missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " (CI=true: the browser tests must run; install chromium, fonts-noto-cjk, playwright)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def web_bot(tmp_path_factory) -> Iterator[Servers]:
    """The real action server + Rasa server (REST, socket.io and the web page channel), stopped after the module so
    it never runs beside the e2e tests' servers."""
    s = Servers(tmp_path_factory.mktemp("webbot")).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API keeps an event loop running in this thread while it is open, which would
    # break asyncio.run() in tests collected after this module.
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} not found (apt-get install -y chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright Python package is not installed (.venv/bin/pip install playwright)")
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)  # the bot's answers, not only the DOM, are awaited
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(**PHONE)
    ctx.set_default_timeout(30_000)
    yield ctx
    ctx.close()


@pytest.fixture
def chat(phone, web_bot) -> ChatPage:
    page = phone.new_page()
    c = ChatPage(page, web_bot.url)
    c.open()
    return c


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


class ChatPage:
    """The page as a person uses it: type and send, click a quick reply, read the bubbles."""

    def __init__(self, page, base: str):
        self.page, self.base = page, base
        self.url = f"{base}/webhooks/web/"
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    @property
    def bot(self):
        return self.page.locator(".msg.bot:not(.typing):not(.error) .bubble")

    @property
    def user(self):
        return self.page.locator(".msg.user .bubble")

    @property
    def error(self):
        return self.page.locator(".msg.error .bubble")

    def open(self) -> None:
        self.page.goto(self.url)
        self.wait_idle(min_bot=1)  # the welcome

    def wait_idle(self, min_bot: int = 0) -> None:
        if min_bot:
            self.bot.nth(min_bot - 1).wait_for()
        self.page.locator(".msg.typing").wait_for(state="detached")

    def ask(self, text: str) -> str:
        """Type a question, press Enter, return the text of the bot's new bubbles."""
        n = self.bot.count()
        self.page.fill("#input", text)
        self.page.press("#input", "Enter")
        return self._replies_after(n)

    def click(self, title: str) -> str:
        """Click a quick reply by its title, return the text of the bot's new bubbles."""
        n = self.bot.count()
        self.page.locator(".quick").get_by_role("button", name=title, exact=True).first.click()
        return self._replies_after(n)

    def _replies_after(self, n: int) -> str:
        self.wait_idle(min_bot=n + 1)
        return "\n".join(self.bot.nth(i).inner_text() for i in range(n, self.bot.count()))

    def quick_titles(self) -> list[str]:
        """The latest reply's quick replies (not the 有帮助 / 没帮助 row under it)."""
        return [t.strip() for t in self.page.locator(".quick:not(.feedback) .quick-btn").all_inner_texts()]

    def stored(self) -> dict:
        return self.page.evaluate("() => JSON.parse(localStorage.getItem('jd-policy-chat/v1'))")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def host_site(tmp_path) -> Iterator[callable]:
    """Another origin (its own port) serving an institution's page; returns a function writing the page's HTML."""
    port = free_port()
    handler = lambda *a, **kw: _QuietHandler(*a, directory=str(tmp_path), **kw)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def page(html: str, name: str = "index.html") -> str:
        (tmp_path / name).write_text(html, encoding="utf-8")
        return f"http://127.0.0.1:{port}/{name}"

    yield page
    server.shutdown()
    server.server_close()
