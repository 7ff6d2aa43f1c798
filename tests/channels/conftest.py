"""WeChat fixtures: a simulator of WeChat's server (signatures, safe-mode encryption, message XML — written from the
published protocol, independently of bot/channels), a fake customer-service API on 127.0.0.1, a fake bot, a fake
clock, and the channel's blueprint served by a real Sanic server in a background thread.

No test waits for real time to pass: the channel's clock is a FakeClock that stands still until a test advances
it, a slow bot is slow in that clock's time, and background work is awaited (``Harness.drain``), not slept on.
Timeouts below only bound a hang."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import json
import os
import queue
import secrets
import socket
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sanic import Sanic

from bot.channels.wechat import WeChatConfig, WeChatInput

HANG = 10.0  # seconds: the safety net for anything that should happen at once (a hang fails, it never waits)

TOKEN = "test-token-2024"
APP_ID = "wx0123456789abcdef"
APP_SECRET = "test-app-secret"
ENCODING_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as in the admin console
ACCOUNT = "gh_test_account"


# --------------------------------------------------------------------------------------------- WeChat's side


class WeChatSim:
    """What WeChat's server does: signs the URL, encrypts in safe mode, posts the XML, reads the reply."""

    def __init__(
        self,
        base_url: str,
        token: str = TOKEN,
        app_id: str = APP_ID,
        encoding_aes_key: str = ENCODING_AES_KEY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.url = base_url.rstrip("/") + "/webhooks/wechat/webhook"
        self.token, self.app_id = token, app_id
        self.clock = clock  # timestamps and CreateTime; the harness's fake clock, so both sides agree
        self.key = base64.b64decode(encoding_aes_key + "=")
        assert len(self.key) == 32

    # signatures ---------------------------------------------------------------------------------------------
    @staticmethod
    def sha1(*parts: str) -> str:
        return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()

    def query(self, encrypt: str | None = None, **overrides: str) -> dict[str, str]:
        timestamp, nonce = str(int(self.clock())), str(secrets.randbelow(10**9))
        q = {
            "signature": self.sha1(self.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
            "openid": "ignored-by-the-channel",
        }
        if encrypt is not None:
            q.update(encrypt_type="aes", msg_signature=self.sha1(self.token, timestamp, nonce, encrypt))
        q.update(overrides)
        return q

    # encryption (random16 + length + msg + AppID, PKCS#7 to 32 bytes, AES-256-CBC, IV = key[:16]) ------------
    def encrypt(self, xml: str, app_id: str | None = None) -> str:
        msg = xml.encode()
        plain = os.urandom(16) + struct.pack("!I", len(msg)) + msg + (app_id or self.app_id).encode()
        padder = padding.PKCS7(256).padder()
        padded = padder.update(plain) + padder.finalize()
        enc = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(enc.update(padded) + enc.finalize()).decode()

    def decrypt(self, encrypt: str) -> str:
        dec = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        padded = dec.update(base64.b64decode(encrypt)) + dec.finalize()
        unpadder = padding.PKCS7(256).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
        (length,) = struct.unpack("!I", plain[16:20])
        assert plain[20 + length :].decode() == self.app_id
        return plain[20 : 20 + length].decode()

    # messages -----------------------------------------------------------------------------------------------
    def text_xml(self, openid: str, content: str, msg_id: str | None = None) -> str:
        return (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{int(self.clock())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content>"
            f"<MsgId>{msg_id or secrets.randbelow(10**18)}</MsgId></xml>"
        )

    def event_xml(self, openid: str, event: str, create_time: int | None = None) -> str:
        return (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{create_time or int(self.clock())}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event></xml>"
        )

    def media_xml(self, openid: str, msg_type: str, extra: str = "") -> str:
        return (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
            f"</FromUserName><CreateTime>{int(self.clock())}</CreateTime><MsgType><![CDATA[{msg_type}]]>"
            f"</MsgType><MediaId><![CDATA[media123]]></MediaId>{extra}"
            f"<MsgId>{secrets.randbelow(10**18)}</MsgId></xml>"
        )

    # HTTP ---------------------------------------------------------------------------------------------------
    def request(
        self, method: str, query: dict[str, str], body: bytes | None = None, timeout: float = HANG
    ) -> tuple[int, str]:
        req = urllib.request.Request(
            self.url + "?" + urllib.parse.urlencode(query),
            data=body,
            method=method,
            headers={"Content-Type": "text/xml"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def post(self, xml: str, encrypted: bool = False, **overrides: str) -> tuple[int, str]:
        """Post a message the way WeChat does (plaintext, or safe mode with only ToUserName and Encrypt)."""
        if not encrypted:
            return self.request("POST", self.query(**overrides), xml.encode())
        encrypt = self.encrypt(xml)
        envelope = f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        return self.request("POST", self.query(encrypt=encrypt, **overrides), envelope.encode())

    def reply(self, body: str, encrypted: bool = False) -> dict[str, str]:
        """The passive reply's fields; in safe mode the envelope's signature is checked and the reply decrypted."""
        root = ET.fromstring(body)
        fields = {child.tag: child.text or "" for child in root}
        if encrypted:
            assert set(fields) == {"Encrypt", "MsgSignature", "TimeStamp", "Nonce"}, fields
            assert fields["MsgSignature"] == self.sha1(
                self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
            )
            root = ET.fromstring(self.decrypt(fields["Encrypt"]))
            fields = {child.tag: child.text or "" for child in root}
        return fields


# ------------------------------------------------------------------------------ fake customer-service API


@dataclass
class FakeWeChatApi:
    """/cgi-bin/token and /cgi-bin/message/custom/send on 127.0.0.1, recording what they receive."""

    tokens_issued: int = 0
    valid_token: str | None = None
    sent: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    requests: list[str] = field(default_factory=list)
    fail_sends: int = 0  # answer this many sends with errcode 45047 (out of limit)

    def revoke(self) -> None:
        self.valid_token = None

    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> dict[str, Any]:
        self.requests.append(f"{method} {path}")
        if method == "GET" and path == "/cgi-bin/token":
            if (
                query.get("grant_type") != "client_credential"
                or query.get("appid") != APP_ID
                or query.get("secret") != APP_SECRET
            ):
                return {"errcode": 40013, "errmsg": "invalid appid"}
            self.tokens_issued += 1
            self.valid_token = f"ACCESS_TOKEN_{self.tokens_issued}"
            return {"access_token": self.valid_token, "expires_in": 7200}
        if method == "POST" and path == "/cgi-bin/message/custom/send":
            if not self.valid_token or query.get("access_token") != self.valid_token:
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
            if self.fail_sends:
                self.fail_sends -= 1
                return {"errcode": 45047, "errmsg": "out of response count limit"}
            self.sent.put(json.loads(body.decode("utf-8")))
            return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 404, "errmsg": "not found"}

    def wait_sent(self, count: int) -> list[dict[str, Any]]:
        """The next ``count`` messages sent, in order (each expected at once: the timeout only bounds a hang)."""
        return [self.sent.get(timeout=HANG) for _ in range(count)]


def _serve_api(api: FakeWeChatApi) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            data = json.dumps(api.handle(self.command, url.path, dict(urllib.parse.parse_qsl(url.query)), body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json; encoding=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data.encode())

        do_GET = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


@pytest.fixture
def wechat_api() -> Iterator[tuple[FakeWeChatApi, str]]:
    api = FakeWeChatApi()
    server = _serve_api(api)
    yield api, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# ------------------------------------------------------------------------------------------ fake clock


class FakeClock:
    """The channel's clock (bot.channels.wechat.Clock) under the test's control: time stands still until
    ``advance``; a ``sleep`` ends when the clock passes its deadline. The channel's event loop runs in the server's
    thread and the test advances from its own, so sleepers are woken with ``call_soon_threadsafe``."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self._changed = threading.Condition()
        self._sleepers: list[tuple[float, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        wake: asyncio.Future[None] = loop.create_future()
        entry = (self.now + seconds, loop, wake)
        with self._changed:
            self._sleepers.append(entry)
            self._changed.notify_all()
        if seconds <= 0:
            _wake(wake)
        try:
            await wake
        finally:
            with self._changed:
                if entry in self._sleepers:
                    self._sleepers.remove(entry)

    def sleeping(self) -> list[float]:
        """How long each pending sleep has still to go (a cancelled one no longer counts)."""
        with self._changed:
            return sorted(due - self.now for due, _, wake in self._sleepers if not wake.done())

    def wait_for_sleepers(self, count: int) -> list[float]:
        """Block until ``count`` sleeps are pending (e.g. the reply budget and a slow bot); their remaining times."""
        with self._changed:
            ok = self._changed.wait_for(lambda: len(self.sleeping()) >= count, timeout=HANG)
        assert ok, f"expected {count} pending sleeps, have {self.sleeping()}"
        return self.sleeping()

    def advance(self, seconds: float) -> None:
        with self._changed:
            self.now += seconds
            due = [entry for entry in self._sleepers if entry[0] <= self.now]
            for entry in due:
                self._sleepers.remove(entry)
        for _, loop, wake in due:
            loop.call_soon_threadsafe(_wake, wake)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# ------------------------------------------------------------------------------------ fake bot and server

Reply = list[dict[str, Any]]


@dataclass
class FakeBot:
    """Stands in for Rasa's on_new_message: records each message, answers through the output channel the way
    Rasa does (send_response), optionally after ``delay`` seconds of the harness's fake clock."""

    answer: Callable[[str], Reply] = lambda text: [{"text": f"收到：{text}"}]
    delay: float = 0.0
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    clock: FakeClock | None = None  # set by make_harness
    _called: threading.Condition = field(default_factory=threading.Condition)

    async def __call__(self, message: Any) -> None:
        with self._called:
            self.calls.append((message.sender_id, message.text, message.input_channel))
            self._called.notify_all()
        if self.delay:
            assert self.clock is not None, "a slow FakeBot sleeps on the harness's clock"
            await self.clock.sleep(self.delay)
        for reply in self.answer(message.text):
            await message.output_channel.send_response(message.sender_id, reply)

    def wait_called(self, count: int) -> None:
        """Block until the bot has received ``count`` messages."""
        with self._called:
            assert self._called.wait_for(lambda: len(self.calls) >= count, timeout=HANG), self.calls


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChannelServer:
    """The channel's blueprint in a real Sanic server on 127.0.0.1, its event loop in a background thread."""

    def __init__(self, channel: WeChatInput, bot: FakeBot) -> None:
        self.channel, self.bot = channel, bot
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self._server: Any = None
        self.error: BaseException | None = None
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self._thread.start()
        assert started.wait(20), "Sanic test server did not start"
        if self.error:
            raise RuntimeError("Sanic test server did not start") from self.error

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._start())
        except BaseException as exc:  # reported by __init__
            self.error = exc
            started.set()
            return
        started.set()
        self.loop.run_forever()

    async def _start(self) -> None:
        Sanic.test_mode = True  # several apps in one process (Sanic 21.12 rewrites its methods per app otherwise)
        app = Sanic(f"wechat_test_{uuid.uuid4().hex[:8]}")
        app.blueprint(self.channel.blueprint(self.bot), url_prefix="/webhooks/wechat")
        self._server = await app.create_server(
            host="127.0.0.1", port=self.port, return_asyncio_server=True, access_log=False
        )
        await self._server.startup()

    def run(self, coro: Any) -> Any:
        """Run a coroutine on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(HANG)

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            await self._server.wait_closed()
            # whatever a test left sleeping on the fake clock is cancelled, not destroyed pending
            rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        self.run(close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(HANG)


def channel_config(api_base: str, **overrides: Any) -> WeChatConfig:
    base = WeChatConfig(
        token=TOKEN,
        app_id=APP_ID,
        app_secret=APP_SECRET,
        aes_key=ENCODING_AES_KEY,
        api_base=api_base,
        reply_budget=4.0,  # the default; on the fake clock it only runs out when a test advances past it
        followup_delay=0.0,
    )
    return replace(base, **overrides)


@dataclass
class Harness:
    sim: WeChatSim
    bot: FakeBot
    api: FakeWeChatApi
    channel: WeChatInput
    clock: FakeClock
    server: ChannelServer
    _pool: concurrent.futures.ThreadPoolExecutor

    def post_soon(self, xml: str, encrypted: bool = False) -> concurrent.futures.Future[tuple[int, str]]:
        """Post in a thread and return at once: for requests that wait on the (fake) clock."""
        return self._pool.submit(self.sim.post, xml, encrypted)

    def drain(self) -> None:
        """Wait until the channel's background work (slow replies, follow-up parts) is done."""
        self.server.run(self.channel.join_background())


@pytest.fixture
def make_harness(wechat_api, clock) -> Iterator[Callable[..., Harness]]:
    """Start a channel server with config overrides (``make_harness(reply_budget=1.0)``); every harness of a test
    shares the test's FakeClock (and a bot passed to several shares its calls)."""
    api, api_base = wechat_api
    servers: list[ChannelServer] = []
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=4)

    def make(bot: FakeBot | None = None, **overrides: Any) -> Harness:
        bot = bot or FakeBot()
        bot.clock = clock
        channel = WeChatInput(channel_config(**{"api_base": api_base, **overrides}), clock=clock)
        server = ChannelServer(channel, bot)
        servers.append(server)
        return Harness(WeChatSim(server.url, clock=clock.time), bot, api, channel, clock, server, pool)

    yield make
    pool.shutdown(wait=False, cancel_futures=True)
    for server in servers:
        server.stop()


@pytest.fixture
def wechat(make_harness) -> Harness:
    return make_harness()
