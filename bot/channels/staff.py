"""The staff console (工作人员后台), served by the running Rasa server.

    GET  /webhooks/staff/                    the console page (Chinese UI)
    GET  /webhooks/staff/static/<file>       its CSS and JS (hand-written, no CDN, no library)
    GET  /webhooks/staff/api/clauses         the clause tree: every clause's verbatim text and citation
    GET  /webhooks/staff/api/measures        each measure's rules (conditions, money, to-be-verified items) with
                                             where each quoted phrase sits in the clause text
    GET  /webhooks/staff/api/search?q=…      instant search (policy_kb's BM25 search; a citation like 三、6 resolves)
    GET  /webhooks/staff/api/insights?days=N conversation insights from the tracker store (bot/insights.py)
    GET  /webhooks/staff/export/unanswered.csv?days=N, /export/topics.csv?days=N   CSV, UTF-8 with BOM (Excel)
    POST /webhooks/staff/login               sign in with the token from the sign-in form
    POST /webhooks/staff/logout              end the session

Access (everything above, static files included):

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

The channel receives no messages and holds no policy logic: clauses, rules and money come from ``policy_kb``,
the insights from ``bot.insights``. Database work runs in a thread so the bot's event loop is never blocked.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

import yaml
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot import insights

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "staff_static"
MESSAGES: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "staff_messages.yml").read_text(encoding="utf-8"))
FILES: dict[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "console.js": "application/javascript; charset=utf-8",
}
STATIC_NAMES = frozenset({"console.css", "console.js"})

COOKIE = "staff_session"
COOKIE_PATH = "/webhooks/staff"
SESSION_SECONDS = 8 * 3600
MAX_QUERY = 100
UNANSWERED_ON_PAGE = 200

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
COMMON_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class StoreUnavailable(Exception):
    pass


# access --------------------------------------------------------------------------------------------------------


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


# the knowledge base as the console shows it ---------------------------------------------------------------------

_SAME = {("(", "（"), (")", "）")}


def norm_index(raw: str) -> tuple[str, list[int]] | None:
    """The normalised text (policy_kb.text.normalise) and, for each of its characters, the index of the character
    in the printed text it comes from; None if they cannot be aligned."""
    from policy_kb.text import normalise

    norm = normalise(raw)
    idx, i = [], 0
    for ch in norm:
        while i < len(raw) and not (raw[i] == ch or (raw[i], ch) in _SAME):
            if not raw[i].isspace():
                return None
            i += 1
        if i >= len(raw):
            return None
        idx.append(i)
        i += 1
    return norm, idx


def quote_span(raw: str, quote: str) -> tuple[int, int] | None:
    """Where a rule's quote (normalised text) sits in the printed clause text: [start, end), or None."""
    from policy_kb.text import normalise

    aligned = norm_index(raw)
    if not aligned or not quote:
        return None
    norm, idx = aligned
    at = norm.find(normalise(quote))
    if at < 0:
        return None
    end = at + len(normalise(quote))
    return idx[at], idx[end - 1] + 1


def clauses_view(kb: Any) -> dict[str, Any]:
    d = kb.document
    return {
        "document": {
            "title": d.title,
            "short_title": d.short_title,
            "doc_number": d.doc_number,
            "issuer": d.issuer,
            "notice_title": d.notice_title,
            "issued_on": d.issued_on.isoformat(),
            "printed_on": d.printed_on.isoformat(),
            "effective_on": d.effective_on.isoformat(),
            "interpreter": d.interpreter,
            "implementer": d.implementer,
            "basis": [{"title": t, "number": n} for t, n in d.basis],
        },
        "clauses": [
            {
                "ref": c.ref,
                "kind": c.kind,
                "part": c.part,
                "item": c.item,
                "heading": c.heading,
                "title": kb.title(c.ref),
                "citation": c.citation,
                "text": c.text,
            }
            for c in d.clauses
        ],
    }


def _rule_text(cond: Any) -> str:
    """A profile condition's test in words ("年租金（元）：大于0"), for checking it against the quote."""
    from policy_kb.rules import messages, vocabulary

    tmpl = MESSAGES["rule_tests"].get(cond.test or "", "")
    if not tmpl:
        return ""
    fact = messages()["fact_labels"].get(cond.fact or "", cond.fact or "")
    params = dict(cond.params)
    if "values" in params:
        labels = vocabulary().get(cond.fact or "", {})
        params["values"] = "、".join(
            str(labels[v]["label"])
            if isinstance(labels, dict) and isinstance(labels.get(v), dict) and "label" in labels[v]
            else str(v)
            for v in params["values"]
        )
    try:
        return tmpl.format(fact=fact, **params)
    except (KeyError, IndexError):
        return f"{fact}：{cond.test} {params}"


def _condition_view(cond: Any, ref: str, clause_text: str) -> dict[str, Any]:
    span = quote_span(clause_text, cond.quote)
    return {
        "id": cond.id,
        "kind": cond.kind,
        "ref": ref,
        "citation": f"《办法》{ref}",
        "quote": cond.quote,
        "rule": _rule_text(cond) if cond.kind == "profile" else "",
        "to_verify": cond.texts.get("pending", "") if cond.kind == "authority" else "",
        "found": span is not None,
        "span": list(span) if span else None,
    }


def measures_view(kb: Any) -> dict[str, Any]:
    from policy_kb.engine import benefit
    from policy_kb.profile import Profile

    rules = kb.rules
    support_text = kb.clause(rules.support_ref).text
    support = [_condition_view(c, rules.support_ref, support_text) for c in rules.support_conditions]
    measures = []
    for m in rules.measures:
        text = kb.clause(m.id).text
        quote = m.benefit.get("quote", "")
        span = quote_span(text, quote)
        measures.append(
            {
                "id": m.id,
                "key": m.key,
                "title": m.title,
                "summary": m.summary,
                "citation": m.citation,
                "money": benefit(m, Profile()).text,
                "benefit_kind": m.benefit.get("kind"),
                "benefit_quote": quote,
                "benefit_found": span is not None,
                "benefit_span": list(span) if span else None,
                "applies_to_profile": m.applies_to_profile,
                "not_applicable": m.not_applicable,
                "conditions": [_condition_view(c, m.id, text) for c in m.conditions],
            }
        )
    return {"support_ref": rules.support_ref, "support": support, "measures": measures}


def search_view(kb: Any, query: str) -> dict[str, Any]:
    query = query.strip()[:MAX_QUERY]
    if not query:
        return {"query": query, "resolved": None, "hits": [], "message": MESSAGES["errors"]["empty_query"]}
    res = kb.resolve(query)
    resolved = None
    if res.ok and res.matched and len(res.matched) >= len(re.sub(r"\s+", "", query)) - 2:
        c = res.clause
        resolved = {"ref": c.ref, "citation": c.citation, "title": kb.title(c.ref), "snippet": c.text[:80]}
    hits = [
        {"ref": h.ref, "citation": h.citation, "title": h.title, "snippet": h.snippet, "score": h.score}
        for h in kb.search(query, limit=8)
    ]
    from policy_kb.rules import messages

    message = "" if hits or resolved else messages()["search"]["no_results"].format(query=query)
    # a reference that reads as one but does not exist ("支持政策第十条"): say so above the keyword hits
    note = res.message if not res.ok and res.matched else ""
    return {"query": query, "resolved": resolved, "hits": hits, "message": message, "note": note}


# the channel ---------------------------------------------------------------------------------------------------


def _days(request: Request) -> int | None:
    raw = (request.args.get("days") or "").strip()
    if not raw or raw in ("all", "0"):
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 3650:
        raise ValueError(raw)
    return int(raw)


class StaffConsoleInput(InputChannel):
    """The staff console; credentials: none (the token is the environment's ``STAFF_TOKEN``)."""

    def __init__(self, token: str | None = None, directory: Path = STATIC_DIR, tracker_url: str | None = None) -> None:
        token = os.environ.get("STAFF_TOKEN", "") if token is None else token
        self.access = Access(token) if token else None
        if not token:
            logger.info("Staff console off: STAFF_TOKEN is not set.")
        elif len(token) < 16:
            logger.warning("STAFF_TOKEN is shorter than 16 characters; use a long random value.")
        self.files = {n: (directory / n).read_bytes() for n in FILES}
        self.tracker_url = tracker_url
        self._kb: Any = None
        self._views: dict[str, bytes] = {}
        self._kb_lock = asyncio.Lock()

    @classmethod
    def name(cls) -> str:
        return "staff"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    # helpers ---------------------------------------------------------------------------------------------------
    async def _in_thread(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, partial(fn, *args, **kwargs))

    async def kb(self) -> Any:
        async with self._kb_lock:
            if self._kb is None:
                from policy_kb.kb import PolicyKB

                kb = await self._in_thread(PolicyKB.load)
                await self._in_thread(kb.search, "租金")  # loads jieba's dictionary now, not on a keystroke
                self._views = {"clauses": _json_bytes(clauses_view(kb)), "measures": _json_bytes(measures_view(kb))}
                self._kb = kb
            return self._kb

    @staticmethod
    def _error(status: int, key: str, api: bool, **kw: Any) -> HTTPResponse:
        text = MESSAGES["errors"][key].format(**kw)
        headers = dict(COMMON_HEADERS)
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="staff"'
        if api:
            return response.json({"error": text}, status=status, headers=headers, ensure_ascii=False)
        return response.text(text, status=status, headers=headers)

    def _login_page(self, status: int, wrong: bool = False) -> HTTPResponse:
        t = MESSAGES["login"]
        msg = t["wrong"] if wrong else t["prompt"]
        body = (
            f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(t['title'])}</title></head><body>"
            f'<main style="max-width:28rem;margin:4rem auto;font-family:sans-serif">'
            f'<h1 style="font-size:1.25rem">{escape(t["heading"])}</h1><p role="alert">{escape(msg)}</p>'
            f'<form method="post" action="{COOKIE_PATH}/login"><label>{escape(t["label"])} '
            f'<input type="password" name="token" autocomplete="current-password" required autofocus></label> '
            f'<button type="submit">{escape(t["button"])}</button></form></main></body></html>'
        )
        headers = {
            **COMMON_HEADERS,
            "Content-Security-Policy": PAGE_CSP.replace("style-src 'self'", "style-src 'unsafe-inline'"),
        }
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="staff"'
        return response.html(body, status=status, headers=headers)

    def _with_session(self, request: Request, resp: HTTPResponse) -> HTTPResponse:
        resp.cookies[COOKIE] = self.access.new_session()
        c = resp.cookies[COOKIE]
        c["httponly"] = True
        c["samesite"] = "Lax"
        c["path"] = COOKIE_PATH
        c["max-age"] = SESSION_SECONDS
        if request.scheme == "https" or request.headers.get("x-forwarded-proto") == "https":
            c["secure"] = True
        return resp

    def _guard(self, handler: Callable[..., Awaitable[HTTPResponse]], api: bool = True) -> Callable:
        """404 when the console is off; 401/403 without a valid token or session; else the handler."""

        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            if self.access is None:
                return self._error(404, "disabled", api)
            status = self.access.check(request)
            if status != 200:
                if not api:
                    return self._login_page(status, wrong=status == 403)
                return self._error(status, "unauthorized" if status == 401 else "forbidden", api)
            return await handler(request, *args, **kwargs)

        guarded.__name__ = handler.__name__
        return guarded

    def _file(self, name: str, extra: dict[str, str] | None = None) -> HTTPResponse:
        return response.raw(self.files[name], content_type=FILES[name], headers={**COMMON_HEADERS, **(extra or {})})

    async def _insights(self, days: int | None) -> Any:
        """The insights, or raises StoreUnavailable (the database did not answer)."""
        try:
            return await self._in_thread(insights.compute, self.tracker_url, days)
        except SQLAlchemyError as e:
            logger.exception("Staff console: reading the tracker store failed")
            raise StoreUnavailable(type(e).__name__) from e

    # routes ----------------------------------------------------------------------------------------------------
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("staff_console", __name__)

        @bp.route("", methods=["GET", "HEAD"], strict_slashes=True)
        async def without_slash(request: Request) -> HTTPResponse:
            query = f"?{request.query_string}" if request.query_string else ""
            return response.redirect(request.path + "/" + query)

        @bp.route("/", methods=["GET", "HEAD"], strict_slashes=True)
        async def page(request: Request) -> HTTPResponse:
            if self.access is None:
                return self._error(404, "disabled", api=False)
            if "token" in request.args:
                if not self.access.token_ok(request.args.get("token")):
                    return self._login_page(403, wrong=True)
                # a redirect to the same page without the token: it should not stay in the address bar
                return self._with_session(
                    request, response.redirect(request.path, status=303, headers=dict(COMMON_HEADERS))
                )
            return await self._guard(self._page, api=False)(request)

        @bp.route("/login", methods=["POST"])
        async def login(request: Request) -> HTTPResponse:
            if self.access is None:
                return self._error(404, "disabled", api=False)
            token = (request.form.get("token") if request.form else None) or ""
            if not self.access.token_ok(token.strip()):
                return self._login_page(403, wrong=True)
            return self._with_session(
                request, response.redirect(f"{COOKIE_PATH}/", status=303, headers=dict(COMMON_HEADERS))
            )

        @bp.route("/logout", methods=["POST"])
        async def logout(request: Request) -> HTTPResponse:
            if self.access is None:
                return self._error(404, "disabled", api=False)
            resp = response.redirect(f"{COOKIE_PATH}/", status=303, headers=dict(COMMON_HEADERS))
            resp.cookies[COOKIE] = ""
            resp.cookies[COOKIE]["max-age"] = 0
            resp.cookies[COOKIE]["path"] = COOKIE_PATH
            resp.cookies[COOKIE]["httponly"] = True
            return resp

        async def static(request: Request, name: str) -> HTTPResponse:
            if name not in STATIC_NAMES:
                return self._error(404, "not_found", api=False)
            return self._file(name)

        async def clauses(request: Request) -> HTTPResponse:
            await self.kb()
            return _json_response(self._views["clauses"])

        async def measures(request: Request) -> HTTPResponse:
            await self.kb()
            return _json_response(self._views["measures"])

        async def search(request: Request) -> HTTPResponse:
            kb = await self.kb()
            view = await self._in_thread(search_view, kb, request.args.get("q") or "")
            return response.json(view, headers=COMMON_HEADERS, ensure_ascii=False)

        async def insights_for(request: Request):
            """The insights for ?days=N, or the error response to send instead."""
            try:
                days = _days(request)
            except ValueError:
                return None, self._error(400, "bad_days", api=True)
            try:
                return await self._insights(days), None
            except StoreUnavailable as e:
                return None, self._error(503, "store_error", api=True, detail=str(e))

        async def insight(request: Request) -> HTTPResponse:
            ins, error = await insights_for(request)
            if error is not None:
                return error
            limit_raw = request.args.get("limit") or ""
            limit = min(int(limit_raw), 5000) if limit_raw.isdigit() else UNANSWERED_ON_PAGE
            return response.json(ins.to_dict(limit=limit), headers=COMMON_HEADERS, ensure_ascii=False)

        async def export(request: Request, name: str) -> HTTPResponse:
            if name not in ("unanswered.csv", "topics.csv"):
                return self._error(404, "not_found", api=True)
            ins, error = await insights_for(request)
            if error is not None:
                return error
            body = insights.unanswered_csv(ins) if name == "unanswered.csv" else insights.topics_csv(ins)
            stamp = datetime.now(insights.TZ).strftime("%Y%m%d")
            filename = f"{name[:-4]}-{stamp}.csv"
            return response.raw(
                body,
                content_type="text/csv; charset=utf-8",
                headers={**COMMON_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'},
            )

        bp.add_route(self._guard(static, api=False), "/static/<name:str>", methods=["GET", "HEAD"])
        bp.add_route(self._guard(clauses), "/api/clauses", methods=["GET"])
        bp.add_route(self._guard(measures), "/api/measures", methods=["GET"])
        bp.add_route(self._guard(search), "/api/search", methods=["GET"])
        bp.add_route(self._guard(insight), "/api/insights", methods=["GET"])
        bp.add_route(self._guard(export), "/export/<name:str>", methods=["GET"])
        return bp

    async def _page(self, request: Request) -> HTTPResponse:
        return self._file("index.html", {"Content-Security-Policy": PAGE_CSP})


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _json_response(body: bytes) -> HTTPResponse:
    return response.raw(body, content_type="application/json; charset=utf-8", headers=COMMON_HEADERS)
