"""The WeChat Official Account (微信公众号) channel: ``GET/POST /webhooks/wechat/webhook``.

Configured in ``credentials.yml`` under ``bot.channels.wechat.WeChatInput``; environment variables override it
(``WECHAT_TOKEN``, ``WECHAT_APP_ID``, ``WECHAT_APP_SECRET``, ``WECHAT_AES_KEY``, ``WECHAT_API_BASE``,
``WECHAT_REPLY_BUDGET``). Without a token the channel refuses every request (403): an empty token would make every
signature forgeable.

How a message travels:

1. The signature (and, in safe mode, ``msg_signature`` over ``<Encrypt>``) is checked, the body is capped
   (64 KB → 413) and parsed with defusedxml (DTDs/entities → 400); encrypted messages are decrypted and their AppID
   checked.
2. Retries (same MsgId) are recognised for ``dedup_ttl`` seconds: the bot sees each message once; a retry gets the
   same passive reply, or ``success`` while the first is still running or when the reply went through the
   customer-service API. Events never reach the bot and are answered the same way each time (the welcome, or
   ``success``), so their retries are not tracked. With ``LOCK_STORE_URL`` (or ``WECHAT_STATE_URL``) this
   state and the numbered options below live in Redis, so every Rasa process sees them (bot/channels/wechat_state.py).
3. Text goes to the bot with the OpenID as sender id; a bare "1" after a reply with buttons becomes that button's
   payload.
4. If the bot answers within ``reply_budget`` seconds, its first ≤2048-byte part is the passive reply (encrypted when
   the request was) and further parts follow through the customer-service API; otherwise ``success`` is returned at
   once and the whole reply goes through the customer-service API when the bot is done. Without AppID/AppSecret
   there is no customer-service API: replies are trimmed to one message, and a slow reply is announced as busy.
5. Any unexpected error is logged and answered with ``success``: WeChat never sees a 500 or a stack trace.

Time comes from one injectable ``Clock`` (``WeChatInput(config, clock=…)``, default ``SystemClock``): CreateTime
and the safe-mode TimeStamp, the reply budget and the follow-up delay, the in-process dedup/options expiry and the
access token's lifetime. Tests pass a fake clock and move time by hand.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Protocol, TypeVar

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.wechat_api import DEFAULT_API_BASE, CustomerServiceClient, WeChatApiError
from bot.channels.wechat_crypto import AppIdMismatch, WeChatCrypto, WeChatCryptoError, sha1_signature, signature_matches
from bot.channels.wechat_state import state_store
from bot.channels.wechat_text import MAX_TEXT_BYTES, Options, fit_parts, load_messages, render_turn
from bot.channels.wechat_xml import BadXml, IncomingMessage, encrypted_reply, parse_fields, text_reply
from bot.lock_store import lock_store_url

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
V = TypeVar("V")

ENV_OVERRIDES = {
    "state_url": "WECHAT_STATE_URL",
    "token": "WECHAT_TOKEN",
    "app_id": "WECHAT_APP_ID",
    "app_secret": "WECHAT_APP_SECRET",
    "aes_key": "WECHAT_AES_KEY",
    "api_base": "WECHAT_API_BASE",
    "reply_budget": "WECHAT_REPLY_BUDGET",
}
XML_TYPE = "application/xml; charset=utf-8"


@dataclass(frozen=True)
class WeChatConfig:
    token: str = ""
    app_id: str = ""
    app_secret: str = ""
    aes_key: str = ""  # EncodingAESKey (43 characters); when set, safe-mode (encrypted) messages are accepted
    api_base: str = DEFAULT_API_BASE
    reply_budget: float = 4.0  # seconds to wait for the bot before answering `success` (WeChat allows 5)
    max_body_bytes: int = 64 * 1024
    max_text_chars: int = 1000
    max_parts: int = 5  # messages per reply (the first passive, the rest through the customer-service API)
    dedup_ttl: float = 60.0  # WeChat retries three times within ~15 s
    state_url: str = ""  # redis://… shared by every Rasa process; default: LOCK_STORE_URL, else in-process
    options_ttl: float = 1800.0  # how long "回复 1" keeps meaning the last reply's first button
    followup_delay: float = 0.5  # lets the passive reply reach the user before the parts that follow it

    @classmethod
    def from_credentials(
        cls, credentials: Mapping[str, Any] | None, environ: Mapping[str, str] = os.environ
    ) -> WeChatConfig:
        """credentials.yml values, overridden by non-empty WECHAT_* environment variables."""
        values: dict[str, Any] = {k: v for k, v in (credentials or {}).items() if v not in (None, "")}
        values.update({key: environ[var] for key, var in ENV_OVERRIDES.items() if environ.get(var)})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown WeChat channel settings {unknown}; valid: {sorted(known)}")
        defaults = cls()
        converted: dict[str, Any] = {}
        for key, value in values.items():
            kind = type(getattr(defaults, key))
            try:
                converted[key] = kind(value)
            except (TypeError, ValueError):
                raise ValueError(f"WeChat channel setting {key} must be a {kind.__name__}, not {value!r}") from None
        return cls(**converted)


class Clock(Protocol):
    """Where the channel gets its time from."""

    def time(self) -> float: ...
    def monotonic(self) -> float: ...
    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Real time (the default ``Clock``)."""

    def time(self) -> float:
        """Seconds since the epoch: CreateTime of a passive reply, TimeStamp of the safe-mode envelope."""
        return time.time()

    def monotonic(self) -> float:
        """For durations: the in-process state's expiry, the access token's lifetime."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """The reply budget's timer and the delay before follow-up parts."""
        await asyncio.sleep(seconds)


class Reject(Exception):
    """Answer the request with this status and an empty body."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class WeChatInput(InputChannel):
    """Rasa input channel for a WeChat Official Account (plaintext, compatible and safe mode)."""

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeChatInput:
        return cls(WeChatConfig.from_credentials(credentials))

    def __init__(
        self, config: WeChatConfig | None = None, texts: Mapping[str, Any] | None = None, clock: Clock | None = None
    ) -> None:
        self.config = config or WeChatConfig()
        self.texts = texts or load_messages()
        self.clock: Clock = clock or SystemClock()
        self.crypto = (
            WeChatCrypto(self.config.token, self.config.aes_key, self.config.app_id) if self.config.aes_key else None
        )
        self.api = CustomerServiceClient(
            self.config.api_base, self.config.app_id, self.config.app_secret, clock=self.clock.monotonic
        )
        state_url = self.config.state_url or lock_store_url()
        # message key → {"passive": reply or None}; OpenID → the last reply's Options as a dict
        self.deliveries = state_store(state_url, "delivery", self.config.dedup_ttl, self.clock.monotonic)
        self.options = state_store(state_url, "options", self.config.options_ttl, self.clock.monotonic)
        self._background: set[asyncio.Future[Any]] = set()
        if not self.config.token:
            logger.info("WeChat channel disabled: no token (WECHAT_TOKEN), /webhooks/wechat/webhook answers 403")
        if self.crypto and not self.config.app_id:
            logger.warning("WeChat channel: WECHAT_AES_KEY without WECHAT_APP_ID; encrypted messages will be refused")

    # ----------------------------------------------------------------------------------------------- HTTP layer

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        bp = Blueprint("wechat_webhook")

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self._verify(request)

        @bp.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                return await self._receive(request, on_new_message)
            except Reject as rejected:
                logger.info("WeChat request refused (%s): %s", rejected.status, rejected)
                return response.text("", status=rejected.status)
            except Exception:  # never a 500 or a stack trace for WeChat
                logger.exception("WeChat message handling failed")
                return response.text("success")

        return bp

    def _verify(self, request: Request) -> HTTPResponse:
        """The server-address check: echo ``echostr`` when the signature is right, else 403 and nothing else."""
        if not self._url_signature_ok(request):
            return response.text("", status=403)
        return response.text(request.args.get("echostr", ""))

    def _url_signature_ok(self, request: Request) -> bool:
        args = request.args
        if not self.config.token:
            return False
        expected = sha1_signature(self.config.token, args.get("timestamp", ""), args.get("nonce", ""))
        return signature_matches(expected, args.get("signature", ""))

    async def _read_body(self, request: Request) -> bytes:
        limit = self.config.max_body_bytes
        if request.stream is not None:
            request.stream.request_max_size = limit  # Sanic stops reading (PayloadTooLarge) beyond the cap
        try:
            declared = int(request.headers.get("content-length", "0"))
        except ValueError:
            raise Reject(400, "bad Content-Length") from None
        if declared > limit:
            raise Reject(413, "body over the size limit")
        try:
            await request.receive_body()
        except PayloadTooLarge:
            raise Reject(413, "body over the size limit") from None
        body = request.body or b""
        if len(body) > limit:
            raise Reject(413, "body over the size limit")
        return body

    async def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if not self._url_signature_ok(request):
            raise Reject(403, "bad signature")
        encrypted = request.args.get("encrypt_type", "raw").lower() == "aes"
        message = self._message(await self._read_body(request), request, encrypted)
        reply = await self.handle(message, on_new_message)
        if reply is None:
            return response.text("success")
        xml = text_reply(message.from_user, message.to_user, reply, int(self.clock.time()))
        return response.text(self._seal(xml) if encrypted else xml, content_type=XML_TYPE)

    def _message(self, body: bytes, request: Request, encrypted: bool) -> IncomingMessage:
        """The message: parsed, and in safe mode signature-checked, decrypted and parsed again."""
        if not body.strip():
            raise Reject(400, "empty body")
        try:
            values = parse_fields(body)
            if encrypted:
                values = parse_fields(self._decrypt(values, request).encode("utf-8"))
            return IncomingMessage.from_fields(values)
        except BadXml as exc:
            raise Reject(400, f"bad XML: {exc}") from None

    def _decrypt(self, outer: Mapping[str, str], request: Request) -> str:
        if self.crypto is None:
            raise Reject(400, "encrypted message but no EncodingAESKey (WECHAT_AES_KEY) configured")
        encrypt = outer.get("Encrypt", "")
        expected = self.crypto.msg_signature(request.args.get("timestamp", ""), request.args.get("nonce", ""), encrypt)
        if not encrypt or not signature_matches(expected, request.args.get("msg_signature", "")):
            raise Reject(403, "bad msg_signature")
        try:
            return self.crypto.decrypt(encrypt)
        except AppIdMismatch:
            raise Reject(403, "message for another AppID") from None
        except WeChatCryptoError as exc:
            raise Reject(400, f"cannot decrypt: {exc}") from None

    def _seal(self, xml: str) -> str:
        """The safe-mode envelope: encrypted reply, its signature, a fresh timestamp and nonce."""
        assert self.crypto is not None
        encrypt = self.crypto.encrypt(xml)
        timestamp, nonce = str(int(self.clock.time())), str(secrets.randbelow(10**10))
        return encrypted_reply(encrypt, self.crypto.msg_signature(timestamp, nonce, encrypt), timestamp, nonce)

    # -------------------------------------------------------------------------------------------- message layer

    async def handle(self, message: IncomingMessage, on_new_message: OnNewMessage) -> str | None:
        """The passive reply text for a message, or None for ``success``."""
        if message.msg_type == "event":
            return self.texts["welcome"] if message.event == "subscribe" else None
        text = self._text_of(message)
        if text is None:
            return self.texts["text_only"]
        if not text:
            return self.texts["empty_message"]
        if len(text) > self.config.max_text_chars:
            return self.texts["too_long"].format(limit=self.config.max_text_chars)
        # Claim the message before any await; a retry (seen by this process or another one) finds it claimed
        if not self.deliveries.add(message.dedup_key, {"passive": None}):
            return (self.deliveries.get(message.dedup_key) or {}).get("passive")
        return await self._converse(message, text, on_new_message)

    @staticmethod
    def _text_of(message: IncomingMessage) -> str | None:
        """What the user wrote (a voice message counts when WeChat recognised its speech); None for media."""
        if message.msg_type == "text":
            return message.content.strip()
        if message.msg_type == "voice" and message.recognition.strip():
            return message.recognition.strip()
        return None

    async def _converse(self, message: IncomingMessage, text: str, on_new_message: OnNewMessage) -> str | None:
        key = message.dedup_key  # claimed by handle()
        openid = message.from_user
        remembered = self.options.get(openid)
        payload = Options(**remembered).resolve(text) if remembered else None
        task = self._spawn(self._ask_bot(on_new_message, openid, payload or text))
        budget = asyncio.ensure_future(self.clock.sleep(self.config.reply_budget))
        try:
            await asyncio.wait((task, budget), return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:  # WeChat hung up: the bot keeps going, the reply goes out later
            self._too_slow(task, openid, key)
            raise
        finally:
            budget.cancel()
        if not task.done():
            return self._too_slow(task, openid, key)
        parts = task.result()
        self.deliveries.set(key, {"passive": parts[0]})
        if len(parts) > 1:
            self._spawn(self._send_later(openid, parts[1:], self.config.followup_delay))
        return parts[0]

    def _too_slow(self, task: asyncio.Future[list[str]], openid: str, key: str) -> str | None:
        if not self.api.configured:
            logger.warning(
                "WeChat: the bot took over %.1f s and no customer-service API (WECHAT_APP_ID/"
                "WECHAT_APP_SECRET) is configured; the reply is dropped",
                self.config.reply_budget,
            )
            self.deliveries.set(key, {"passive": self.texts["busy"]})
            return self.texts["busy"]

        async def deliver() -> None:
            await self._send_later(openid, await task)

        self._spawn(deliver())
        return None

    async def _ask_bot(self, on_new_message: OnNewMessage, openid: str, text: str) -> list[str]:
        """The bot's reply to ``text`` as WeChat messages; remembers its buttons as this user's options."""
        collector = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(text, collector, openid, input_channel=self.name()))
        except Exception:
            logger.exception("WeChat: the bot failed on a message")
        turn = render_turn(collector.messages, self.texts)
        if turn.options:
            self.options.set(openid, asdict(turn.options))
        else:
            self.options.pop(openid)  # a bare number now answers the new question, not an old menu
        if not turn.text:
            return [self.texts["unavailable"]]
        max_parts = self.config.max_parts if self.api.configured else 1
        return fit_parts(turn.text, max_parts, self.texts["truncated"], MAX_TEXT_BYTES)

    async def _send_later(self, openid: str, parts: list[str], delay: float = 0.0) -> None:
        """Deliver through the customer-service API; failures are logged, never raised."""
        if delay:
            await self.clock.sleep(delay)
        try:
            await self.api.send_texts(openid, parts)
        except WeChatApiError as exc:
            logger.warning("WeChat customer-service message failed: %s", exc)

    async def join_background(self) -> None:
        """Wait until the background work (slow replies, follow-up parts) is done, including work it starts."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def _spawn(self, coro: Awaitable[V]) -> asyncio.Future[V]:
        """A task that is kept referenced until it is done, and whose failure is logged."""
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Future[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("WeChat background delivery failed", exc_info=task.exception())
