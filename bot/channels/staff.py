"""The staff console (工作人员后台), served by the running Rasa server: the channel and its routes.

    GET  /webhooks/staff/                    the console page (Chinese UI)
    GET  /webhooks/staff/static/<file>       its CSS and JS (hand-written, no CDN, no library)
    GET  /webhooks/staff/api/clauses         the clause tree: every clause's verbatim text and citation
    GET  /webhooks/staff/api/measures        each measure's rules (conditions, money, to-be-verified items) with
                                             where each quoted phrase sits in the clause text
    GET  /webhooks/staff/api/search?q=…      instant search (policy_kb's BM25 search; a citation like 三、6 resolves)
    GET  /webhooks/staff/api/insights?days=N conversation insights from the tracker store (bot/insights.py)
    GET  /webhooks/staff/export/unanswered.csv?days=N, /export/topics.csv?days=N   CSV, UTF-8 with BOM (Excel)
    GET  /webhooks/staff/api/tickets?status=open|answered   留言工单: messages for the bureau, newest first, with the
                                             contact details (records/tickets.py; the only place they are shown)
    POST /webhooks/staff/api/tickets/<number>/answered       mark one answered (see _post_refusal: CSRF)
    GET  /webhooks/staff/export/tickets.csv?status=…          the tickets as CSV, UTF-8 with BOM
    GET  /webhooks/staff/api/feedback        问题复核: the unhelpful answers, newest first, and the counts per topic
    GET  /webhooks/staff/api/review/labels   the labels staff gave questions, the intents and topics to choose from
    POST /webhooks/staff/api/review/labels   {text, intent, topic?, source?} → 201 with the label (CSRF as tickets)
    POST /webhooks/staff/api/review/labels/<id>/delete (or DELETE …/labels/<id>)   take a label back
    GET  /webhooks/staff/export/reviewed.yml the labels as Rasa NLU YAML, for data/nlu/reviewed.yml (staff_review.py)
    GET  /webhooks/staff/api/versions        政策版本: every document's versions, the stale rules of each 《办法》
                                             version, what needs attention (staff_versions.py)
    GET  /webhooks/staff/api/versions/diff?document=办法&from=YYYY-MM-DD&to=YYYY-MM-DD   the changed clauses
                                             between the versions taking effect on those days
    POST /webhooks/staff/login               sign in with the token from the sign-in form
    POST /webhooks/staff/logout              end the session

Everything above, static files included, needs ``STAFF_TOKEN`` and a token or session: ``staff_access.py`` (who
gets in, the session cookie). The data the API sends is built by ``staff_views.py``; the page's files are served
from memory by ``static_files.py``.

The channel receives no messages and holds no policy logic: clauses, rules and money come from ``policy_kb``,
the insights from ``bot.insights``. Database work runs in a thread so the bot's event loop is never blocked; a
knowledge base that cannot be read is a 503 with a Chinese message (``KBUnavailable``), never a 500.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot import insights
from bot.channels import staff_review, staff_versions, staff_views
from bot.channels.staff_access import COOKIE_PATH, Access, end_session
from bot.channels.staff_views import MESSAGES, clauses_view, json_bytes, login_html, measures_view, search_view
from bot.channels.static_files import StaticFiles
from records import tickets

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "staff_static"
FILES: dict[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "console.js": "application/javascript; charset=utf-8",
}
STATIC_NAMES = frozenset({"console.css", "console.js"})
LOGIN_TEMPLATE = "login.html"  # beside the files, but not one of them: never served under static/
EXPORTS = ("unanswered.csv", "topics.csv")

UNANSWERED_ON_PAGE = 200

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
LOGIN_CSP = PAGE_CSP.replace("style-src 'self'", "style-src 'unsafe-inline'")  # the sign-in page styles inline
COMMON_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

Handler = Callable[..., Awaitable[HTTPResponse]]


class StoreUnavailable(Exception):
    pass


class KBUnavailable(Exception):
    """The policy knowledge base could not be read (its database did not answer, or it is empty): answered 503 by
    ``_guard``. The argument is what the message says: the error's type, or policy_kb's own Chinese sentence."""


def _kb_failure(e: Exception) -> KBUnavailable:
    """Logged by the error's type only (SQLAlchemy's message can carry the database URL)."""
    logger.error("Staff console: reading the policy knowledge base failed (%s)", type(e).__name__)
    return KBUnavailable(str(e) if isinstance(e, LookupError) else type(e).__name__)


def _reload_seconds() -> float:
    return float(os.environ.get("KB_RELOAD_SECONDS", "30"))


def _days(request: Request) -> int | None:
    raw = (request.args.get("days") or "").strip()
    if not raw or raw in ("all", "0"):
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 3650:
        raise ValueError(raw)
    return int(raw)


def _redirect(to: str) -> HTTPResponse:
    return response.redirect(to, status=303, headers=dict(COMMON_HEADERS))


def _json_response(body: bytes) -> HTTPResponse:
    return response.raw(body, content_type="application/json; charset=utf-8", headers=COMMON_HEADERS)


async def _without_slash(request: Request) -> HTTPResponse:
    query = f"?{request.query_string}" if request.query_string else ""
    return response.redirect(request.path + "/" + query)


class StaffConsoleInput(InputChannel):
    """The staff console; credentials: none (the token is the environment's ``STAFF_TOKEN``)."""

    def __init__(self, token: str | None = None, directory: Path = STATIC_DIR, tracker_url: str | None = None) -> None:
        token = os.environ.get("STAFF_TOKEN", "") if token is None else token
        self.access = Access(token) if token else None
        if not token:
            logger.info("Staff console off: STAFF_TOKEN is not set.")
        elif len(token) < 16:
            logger.warning("STAFF_TOKEN is shorter than 16 characters; use a long random value.")
        # no-store (a staff page is not kept by the browser), so no ETag
        self.files = StaticFiles(directory, FILES, COMMON_HEADERS, etag=False)
        self.login_template = (directory / LOGIN_TEMPLATE).read_text(encoding="utf-8")
        self.tracker_url = tracker_url
        self._kb: Any = None
        self._kb_key: Any = None  # (day, store marker) the knowledge base was loaded for
        self._kb_checked = 0.0
        self._kb_day: Any = None
        self._views: dict[str, bytes] = {}
        self._kb_lock = asyncio.Lock()

    @classmethod
    def name(cls) -> str:
        return "staff"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("staff_console", __name__)
        get = ["GET", "HEAD"]
        bp.add_route(_without_slash, "", methods=get, strict_slashes=True, name="without_slash")
        bp.add_route(self._when_on(self._page), "/", methods=get, strict_slashes=True, name="page")
        bp.add_route(self._when_on(self._login), "/login", methods=["POST"], name="login")
        bp.add_route(self._when_on(self._logout), "/logout", methods=["POST"], name="logout")
        bp.add_route(self._guard(self._static, api=False), "/static/<name:str>", methods=get, name="static")
        bp.add_route(self._guard(self._clauses), "/api/clauses", methods=["GET"], name="clauses")
        bp.add_route(self._guard(self._measures), "/api/measures", methods=["GET"], name="measures")
        bp.add_route(self._guard(self._search), "/api/search", methods=["GET"], name="search")
        bp.add_route(self._guard(self._insight), "/api/insights", methods=["GET"], name="insight")
        bp.add_route(self._guard(self._export), "/export/<name:str>", methods=["GET"], name="export")
        self._ticket_routes(bp)
        self._review_routes(bp)
        bp.add_route(self._guard(self._versions), "/api/versions", methods=["GET"], name="versions")
        bp.add_route(self._guard(self._versions_diff), "/api/versions/diff", methods=["GET"], name="versions_diff")
        return bp

    # access ----------------------------------------------------------------------------------------------------
    def _when_on(self, handler: Handler, api: bool = False) -> Handler:
        """404 when the console is off (no ``STAFF_TOKEN``); else the handler."""

        async def when_on(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            if self.access is None:
                return self._error(404, "disabled", api)
            return await handler(request, *args, **kwargs)

        return when_on

    def _guard(self, handler: Handler, api: bool = True) -> Handler:
        """404 when the console is off; 401/403 without a valid token or session; else the handler (503 when it
        could not read the knowledge base)."""

        async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            refusal = self._refusal(request, api)
            if refusal is not None:
                return refusal
            try:
                return await handler(request, *args, **kwargs)
            except KBUnavailable as e:
                return self._error(503, "kb_error", api, detail=str(e))

        return self._when_on(guarded, api)

    def _refusal(self, request: Request, api: bool) -> HTTPResponse | None:
        """401/403 (the sign-in page for the page, JSON for the API), or None: the request is let in."""
        status = self.access.check(request)
        if status == 200:
            return None
        if not api:
            return self._login_page(status, wrong=status == 403)
        return self._error(status, "unauthorized" if status == 401 else "forbidden", api)

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
        body = login_html(self.login_template, f"{COOKIE_PATH}/login", wrong)
        headers = {**COMMON_HEADERS, "Content-Security-Policy": LOGIN_CSP}
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="staff"'
        return response.html(body, status=status, headers=headers)

    # the page, signing in and out ------------------------------------------------------------------------------
    async def _page(self, request: Request) -> HTTPResponse:
        if "token" in request.args:
            if not self.access.token_ok(request.args.get("token")):
                return self._login_page(403, wrong=True)
            # a redirect to the same page without the token: it should not stay in the address bar
            return self.access.start_session(request, _redirect(request.path))
        refusal = self._refusal(request, api=False)
        if refusal is not None:
            return refusal
        return self.files.response(request, "index.html", {"Content-Security-Policy": PAGE_CSP})

    async def _login(self, request: Request) -> HTTPResponse:
        token = (request.form.get("token") if request.form else None) or ""
        if not self.access.token_ok(token.strip()):
            return self._login_page(403, wrong=True)
        return self.access.start_session(request, _redirect(f"{COOKIE_PATH}/"))

    async def _logout(self, request: Request) -> HTTPResponse:
        return end_session(_redirect(f"{COOKIE_PATH}/"))

    async def _static(self, request: Request, name: str) -> HTTPResponse:
        if name not in STATIC_NAMES:
            return self._error(404, "not_found", api=False)
        return self.files.response(request, name)

    # the knowledge base ----------------------------------------------------------------------------------------
    async def _in_thread(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, partial(fn, *args, **kwargs))

    async def kb(self) -> Any:
        """The knowledge base as of today, loaded again when the day changes or a text version was added since
        (looked at every KB_RELOAD_SECONDS), so the clause and rule tabs show what the bot serves."""
        from policy_kb import clock

        async with self._kb_lock:
            now = time.monotonic()
            if self._kb is not None and now - self._kb_checked < _reload_seconds() and self._kb_day == clock.today():
                return self._kb
            try:
                today = clock.today()
                # the first load builds the store, so its marker is read after it
                key = None if self._kb is None else (today, await self._in_thread(staff_versions.store_marker))
                if key is None or key != self._kb_key:
                    from policy_kb.kb import PolicyKB

                    kb = await self._in_thread(PolicyKB.load, on=today)
                    await self._in_thread(kb.search, "租金")  # loads jieba's dictionary now, not on a keystroke
                    self._views = {"clauses": json_bytes(clauses_view(kb)), "measures": json_bytes(measures_view(kb))}
                    self._kb, self._kb_key = kb, (today, await self._in_thread(staff_versions.store_marker))
            except (SQLAlchemyError, LookupError) as e:
                if self._kb is None:
                    raise _kb_failure(e) from e
                logger.warning("Staff console: knowledge base reload failed (%s)", type(e).__name__)
            self._kb_checked, self._kb_day = now, clock.today()
            return self._kb

    async def _clauses(self, request: Request) -> HTTPResponse:
        await self.kb()
        return _json_response(self._views["clauses"])

    async def _measures(self, request: Request) -> HTTPResponse:
        await self.kb()
        return _json_response(self._views["measures"])

    async def _search(self, request: Request) -> HTTPResponse:
        kb = await self.kb()
        view = await self._in_thread(search_view, kb, request.args.get("q") or "")
        return response.json(view, headers=COMMON_HEADERS, ensure_ascii=False)

    # insights --------------------------------------------------------------------------------------------------
    async def _insights(self, days: int | None) -> Any:
        """The insights, or raises StoreUnavailable (the database did not answer)."""
        try:
            return await self._in_thread(insights.compute, self.tracker_url, days)
        except SQLAlchemyError as e:
            logger.exception("Staff console: reading the tracker store failed")
            raise StoreUnavailable(type(e).__name__) from e

    async def _insights_for(self, request: Request) -> tuple[Any, HTTPResponse | None]:
        """The insights for ?days=N, or the error response to send instead."""
        try:
            days = _days(request)
        except ValueError:
            return None, self._error(400, "bad_days", api=True)
        try:
            return await self._insights(days), None
        except StoreUnavailable as e:
            return None, self._error(503, "store_error", api=True, detail=str(e))

    async def _insight(self, request: Request) -> HTTPResponse:
        ins, error = await self._insights_for(request)
        if error is not None:
            return error
        limit_raw = request.args.get("limit") or ""
        limit = min(int(limit_raw), 5000) if limit_raw.isdigit() else UNANSWERED_ON_PAGE
        return response.json(ins.to_dict(limit=limit), headers=COMMON_HEADERS, ensure_ascii=False)

    async def _export(self, request: Request, name: str) -> HTTPResponse:
        if name not in EXPORTS:
            return self._error(404, "not_found", api=True)
        ins, error = await self._insights_for(request)
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

    # the records database (records/): tickets, feedback, review labels ------------------------------------------
    async def _records(self, what: str, error_key: str, fn: Callable, *args: Any) -> tuple[Any, HTTPResponse | None]:
        """(``fn(*args)`` run in a thread, None) or (None, the 503 to send). Logged by the error's type only:
        SQLAlchemy's message carries the statement's parameters (contact details, a user's question)."""
        try:
            return await self._in_thread(fn, *args), None
        except SQLAlchemyError as e:
            logger.error("Staff console: %s failed (%s)", what, type(e).__name__)
            return None, self._error(503, error_key, api=True, detail=type(e).__name__)

    def _json(self, data: Any, status: int = 200) -> HTTPResponse:
        return response.json(data, status=status, headers=COMMON_HEADERS, ensure_ascii=False)

    # 留言工单: messages for the bureau (records/tickets.py) ------------------------------------------------------
    def _ticket_routes(self, bp: Blueprint) -> None:
        bp.add_route(self._guard(self._tickets), "/api/tickets", methods=["GET"], name="tickets")
        bp.add_route(
            self._guard(self._ticket_answered),
            "/api/tickets/<number:str>/answered",
            methods=["POST"],
            name="ticket_answered",
        )
        # a static path: Sanic matches it before /export/<name>
        bp.add_route(self._guard(self._tickets_csv), "/export/tickets.csv", methods=["GET"], name="tickets_csv")

    async def _ticket_list(self, request: Request) -> tuple[Any, HTTPResponse | None]:
        """(the view of the tickets for ?status=, None) or (None, the error response to send)."""
        status = (request.args.get("status") or "").strip()
        if status not in ("", "all", *tickets.STATUSES):
            return None, self._error(400, "bad_ticket_status", api=True)
        return await self._records(
            "reading the tickets", "tickets_error", staff_views.tickets_view, status if status != "all" else ""
        )

    async def _tickets(self, request: Request) -> HTTPResponse:
        view, error = await self._ticket_list(request)
        return error if error is not None else self._json(view)

    async def _tickets_csv(self, request: Request) -> HTTPResponse:
        view, error = await self._ticket_list(request)
        if error is not None:
            return error
        stamp = datetime.now(insights.TZ).strftime("%Y%m%d")
        return response.raw(
            staff_views.tickets_csv(view),
            content_type="text/csv; charset=utf-8",
            headers={**COMMON_HEADERS, "Content-Disposition": f'attachment; filename="tickets-{stamp}.csv"'},
        )

    def _post_refusal(self, request: Request) -> HTTPResponse | None:
        """A state-changing POST with the session cookie must come from the console's own page: the cookie is
        SameSite=Lax (not sent on cross-site POSTs), and beyond that the request must carry the console's header
        ``X-Staff-Console: 1`` (a cross-origin page cannot add it without a CORS preflight, which this server does
        not grant) and, when the browser sends one, an Origin equal to this server's. A Bearer token (scripts)
        cannot be forged by a page, so it needs neither."""
        if (request.headers.get("authorization") or "").lower().startswith("bearer "):
            return None
        if request.headers.get("x-staff-console") != "1":
            return self._error(403, "csrf", api=True)
        origin = request.headers.get("origin")
        host = request.headers.get("x-forwarded-host") or request.headers.get("host") or ""
        if origin is not None and urlsplit(origin).netloc != host:
            return self._error(403, "csrf", api=True)
        return None

    async def _ticket_answered(self, request: Request, number: str) -> HTTPResponse:
        refusal = self._post_refusal(request)
        if refusal is not None:
            return refusal
        ticket, error = await self._records(
            "marking a ticket answered", "tickets_error", staff_views.mark_ticket_answered, number
        )
        if error is not None:
            return error
        if ticket is None:
            return self._error(404, "ticket_not_found", api=True)
        return self._json({"ticket": ticket})

    # 问题复核: unhelpful answers, and labels for the next training (bot/channels/staff_review.py) ----------------
    def _review_routes(self, bp: Blueprint) -> None:
        labels = "/api/review/labels"
        bp.add_route(self._guard(self._feedback), "/api/feedback", methods=["GET"], name="feedback")
        bp.add_route(self._guard(self._review_labels), labels, methods=["GET"], name="review_labels")
        bp.add_route(self._guard(self._review_label), labels, methods=["POST"], name="review_label")
        remove = self._guard(self._review_remove)
        bp.add_route(remove, labels + "/<label_id:str>/delete", methods=["POST"], name="review_remove")
        bp.add_route(remove, labels + "/<label_id:str>", methods=["DELETE"], name="review_delete")
        # a static path: Sanic matches it before /export/<name>
        bp.add_route(self._guard(self._reviewed_yml), "/export/reviewed.yml", methods=["GET"], name="reviewed_yml")

    async def _review_db(self, fn: Callable, *args: Any) -> tuple[Any, HTTPResponse | None]:
        return await self._records("the review records", "review_error", fn, *args)

    async def _feedback(self, request: Request) -> HTTPResponse:
        view, error = await self._review_db(staff_review.feedback_view, await self.kb())
        return error if error is not None else self._json(view)

    async def _review_labels(self, request: Request) -> HTTPResponse:
        view, error = await self._review_db(staff_review.labels_view, await self.kb())
        return error if error is not None else self._json(view)

    async def _review_label(self, request: Request) -> HTTPResponse:
        refusal = self._post_refusal(request)
        if refusal is not None:
            return refusal
        kb = await self.kb()
        try:
            label, error = await self._review_db(staff_review.add_label, kb, request.body)
        except staff_review.ReviewInputError as e:
            return self._error(400, f"review_{e}", api=True)
        return error if error is not None else self._json({"label": label}, status=201)

    async def _review_remove(self, request: Request, label_id: str) -> HTTPResponse:
        refusal = self._post_refusal(request)
        if refusal is not None:
            return refusal
        if not (label_id.isascii() and label_id.isdigit() and len(label_id) <= 12):
            return self._error(404, "label_not_found", api=True)
        removed, error = await self._review_db(staff_review.remove_label, int(label_id))
        if error is not None:
            return error
        return self._json({"removed": int(label_id)}) if removed else self._error(404, "label_not_found", api=True)

    async def _reviewed_yml(self, request: Request) -> HTTPResponse:
        body, error = await self._review_db(staff_review.export_yaml)
        if error is not None:
            return error
        return response.raw(
            body,
            content_type="text/yaml; charset=utf-8",
            headers={**COMMON_HEADERS, "Content-Disposition": 'attachment; filename="reviewed.yml"'},
        )

    # 政策版本: the versions of each document, stale rules, the diff (bot/channels/staff_versions.py) ---------------
    async def _library(self) -> Any:
        """Every document's versions and the rules, read from the store for each request (a version staff just
        added is listed at once); raises KBUnavailable."""
        try:
            async with self._kb_lock:  # kb() builds the store too: never two builds at once
                return await self._in_thread(staff_versions.load_library)
        except (SQLAlchemyError, LookupError) as e:
            raise _kb_failure(e) from e

    async def _versions(self, request: Request) -> HTTPResponse:
        from policy_kb import clock

        lib = await self._library()
        return self._json(await self._in_thread(staff_versions.versions_view, lib, clock.today()))

    async def _versions_diff(self, request: Request) -> HTTPResponse:
        lib = await self._library()
        args = request.args
        try:
            view = await self._in_thread(
                staff_versions.diff_view, lib, args.get("document"), args.get("from"), args.get("to")
            )
        except staff_versions.VersionsInputError as e:
            return self._error(400, e.key, api=True, **e.params)
        return self._json(view)
