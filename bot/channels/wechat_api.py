"""The customer-service message API (客服消息) for replies that missed WeChat's 5-second window.

``GET {api_base}/cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` → ``{"access_token", "expires_in"}``
(cached until shortly before it expires), then
``POST {api_base}/cgi-bin/message/custom/send?access_token=…`` with
``{"touser": OpenID, "msgtype": "text", "text": {"content": …}}`` → ``{"errcode": 0, "errmsg": "ok"}``.

Everything is asynchronous (aiohttp), so a slow WeChat API never blocks the event loop. Secrets (AppSecret, the
access token) are never logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
# invalid credential / invalid access_token / access_token expired: fetch a new token and try once more
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
EARLY_REFRESH = 300.0  # seconds before expiry at which a cached token is replaced


class WeChatApiError(RuntimeError):
    """WeChat answered with an error code, or not with JSON."""


def _errcode(data: dict[str, Any]) -> int:
    try:
        return int(data.get("errcode") or 0)
    except (TypeError, ValueError):
        return -1


class CustomerServiceClient:
    """Sends text messages to a user through the customer-service API, caching the access token."""

    def __init__(
        self,
        api_base: str,
        app_id: str,
        app_secret: str,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self.app_id = app_id
        self._secret = app_secret
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock: asyncio.Lock | None = None

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self._secret)

    async def send_texts(self, openid: str, texts: Iterable[str]) -> None:
        """Send the texts in order; raises WeChatApiError (network errors included) on the first failure."""
        async with aiohttp.ClientSession(timeout=self._timeout) as session:
            for text in texts:
                await self._send_text(session, openid, text)

    async def _send_text(self, session: aiohttp.ClientSession, openid: str, text: str) -> None:
        payload = {"touser": openid, "msgtype": "text", "text": {"content": text}}
        token = await self.access_token(session)
        data = await self._call(session, "POST", "/cgi-bin/message/custom/send", {"access_token": token}, payload)
        if _errcode(data) in TOKEN_ERRORS:  # revoked or expired early: one new token, one more try
            token = await self.access_token(session, stale=token)
            data = await self._call(session, "POST", "/cgi-bin/message/custom/send", {"access_token": token}, payload)
        if _errcode(data) != 0:
            raise WeChatApiError(f"custom/send: errcode {_errcode(data)} {data.get('errmsg', '')}")

    async def access_token(self, session: aiohttp.ClientSession, stale: str | None = None) -> str:
        """The cached token, or a new one when there is none, it is about to expire, or it is ``stale``."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._token and self._token != stale and self._clock() < self._expires_at:
                return self._token
            data = await self._call(
                session,
                "GET",
                "/cgi-bin/token",
                {"grant_type": "client_credential", "appid": self.app_id, "secret": self._secret},
            )
            token = data.get("access_token")
            if not isinstance(token, str) or not token:
                raise WeChatApiError(f"token: errcode {data.get('errcode')} {data.get('errmsg', '')}")
            try:
                expires_in = float(data.get("expires_in") or 7200)
            except (TypeError, ValueError):
                expires_in = 7200.0
            self._token = token
            self._expires_at = self._clock() + max(expires_in - EARLY_REFRESH, expires_in / 2)
            return token

    async def _call(
        self,
        session: aiohttp.ClientSession,
        method: str,
        path: str,
        params: dict[str, str],
        payload: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8"} if body is not None else None
        try:
            async with session.request(method, self.api_base + path, params=params, data=body, headers=headers) as resp:
                status, raw = resp.status, await resp.read()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            # the exception text may carry the URL, whose query holds the secret or the token: keep only its type
            raise WeChatApiError(f"{path}: {type(exc).__name__}") from None
        if status != 200:
            raise WeChatApiError(f"{path}: HTTP {status}")
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WeChatApiError(f"{path}: not JSON") from exc
        if not isinstance(data, dict):
            raise WeChatApiError(f"{path}: not a JSON object")
        return data
