"""Who gets into the staff console (``staff.py``): the token and the signed session cookie.

- ``STAFF_TOKEN`` (environment) is the secret. Without it the console is off: every URL answers 404 with a
  Chinese message — off means not there, so nothing about it is exposed.
- A request is let in with ``Authorization: Bearer <token>`` (scripts, curl), or with the session cookie. The
  cookie is set by opening the page once with ``?token=<token>`` (the answer is a redirect to the same URL without
  the token, so it does not stay in the address bar) or by the sign-in form. Without credentials: 401 (with the
  sign-in page for the page, JSON for the API); with a wrong token: 403.
- The session cookie (``staff_session``, HttpOnly, SameSite=Lax, Path=/webhooks/staff, Secure over HTTPS) is
  stateless and signed: ``expiry.nonce.HMAC-SHA256(key, expiry.nonce)`` with a key derived from the token, valid
  8 hours. Every Rasa server with the same ``STAFF_TOKEN`` accepts it (no sticky sessions needed), and changing
  the token ends every session. Tokens and signatures are compared with ``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from sanic.request import Request
from sanic.response import HTTPResponse

COOKIE = "staff_session"
COOKIE_PATH = "/webhooks/staff"
SESSION_SECONDS = 8 * 3600


class Access:
    """The token check and the signed session cookie."""

    def __init__(self, token: str):
        self.token = token.encode("utf-8")
        self.key = hmac.new(self.token, b"jiading-staff-console-session", hashlib.sha256).digest()

    def token_ok(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate.encode("utf-8"), self.token)

    def _sign(self, payload: str) -> str:
        return hmac.new(self.key, payload.encode("ascii"), hashlib.sha256).hexdigest()

    def new_session(self, now: float | None = None) -> str:
        payload = f"{int((now or time.time()) + SESSION_SECONDS)}.{secrets.token_urlsafe(16)}"
        return f"{payload}.{self._sign(payload)}"

    def session_ok(self, value: str | None, now: float | None = None) -> bool:
        if not value or value.count(".") != 2:
            return False
        expiry, nonce, sig = value.split(".")
        try:
            payload = f"{expiry}.{nonce}"
            payload.encode("ascii")
        except UnicodeEncodeError:
            return False
        if not hmac.compare_digest(sig.encode("ascii", "replace"), self._sign(payload).encode("ascii")):
            return False
        return expiry.isdigit() and int(expiry) > (now or time.time())

    def check(self, request: Request) -> int:
        """200 (let in), 401 (no credentials, or an expired session) or 403 (a wrong token)."""
        auth = request.headers.get("authorization") or ""
        if auth:
            scheme, _, value = auth.partition(" ")
            if scheme.lower() == "bearer":
                return 200 if self.token_ok(value.strip()) else 403
        if self.session_ok(request.cookies.get(COOKIE)):
            return 200
        return 401

    def start_session(self, request: Request, resp: HTTPResponse) -> HTTPResponse:
        """``resp`` with a new session cookie (Secure when the request came over HTTPS, directly or via a proxy)."""
        resp.cookies[COOKIE] = self.new_session()
        c = resp.cookies[COOKIE]
        c["httponly"] = True
        c["samesite"] = "Lax"
        c["path"] = COOKIE_PATH
        c["max-age"] = SESSION_SECONDS
        if request.scheme == "https" or request.headers.get("x-forwarded-proto") == "https":
            c["secure"] = True
        return resp


def end_session(resp: HTTPResponse) -> HTTPResponse:
    """``resp`` with the session cookie cleared."""
    resp.cookies[COOKIE] = ""
    resp.cookies[COOKIE]["max-age"] = 0
    resp.cookies[COOKIE]["path"] = COOKIE_PATH
    resp.cookies[COOKIE]["httponly"] = True
    return resp
