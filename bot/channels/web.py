"""The website chat page, served by the running Rasa server (no separate web server to start).

    GET /webhooks/web/               the chat page (Chinese UI, phone-friendly)
    GET /webhooks/web/static/<file>  its CSS and JS (hand-written, no CDN, no framework)
    GET /webhooks/web/embed.js       one <script> tag for institutions' own sites: a floating button that opens
                                     the page in an iframe
    GET /webhooks/web/report/<token>      a kept report (导出报告), printable HTML (``report_page.py``)
    GET /webhooks/web/report/<token>.pdf  the same report as PDF (made here, server-side, with WeasyPrint)

The page talks to the bot over the REST channel on the same origin (POST /webhooks/rest/webhook), so the input
checks of ``SafeRestInput`` apply and no socket.io client has to be shipped. This channel only serves files and kept
reports: it receives no messages itself and holds no policy logic (a kept report is the data the action server
stored in ``records``; it is drawn, not recomputed).

Every file is read once at start-up from ``web_static/`` and served from memory with an ETag
(``static_files.StaticFiles``); only the names in ``FILES`` exist (no path from the request reaches the file system).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from html import escape as html_escape
from pathlib import Path
from typing import Any

import yaml
from cachetools import LRUCache
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.static_files import StaticFiles
from records import reports

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "web_static"
MESSAGES: dict[str, str] = yaml.safe_load((Path(__file__).parent / "web_messages.yml").read_text(encoding="utf-8"))

# name → content type; the only files this channel serves
FILES: dict[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
    "chat.js": "application/javascript; charset=utf-8",
    "embed.js": "application/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
}

# served under /static/; the page and embed.js have their own URLs
STATIC_NAMES = frozenset({"chat.css", "chat.js", "icon.svg"})

# The page runs only its own files; it may be framed by any site (that is what embed.js is for).
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *"
)

# on every file; revalidated with its ETag
HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}

# A kept report: its token is in the URL, so no referrer leaves the page, nothing caches it on the way, no search
# engine lists it; the page has inline styles only and runs nothing.
REPORT_HEADERS = {
    # the report page itself allows exactly its inlined stylesheet (report_page.PAGE_CSP, by hash)
    "Content-Security-Policy": "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
}
PDF_SUFFIX = ".pdf"
PDF_NAME = "jiading-policy-report-{:%Y%m%d}.pdf"


def _message_page(key: str) -> str:
    """A short page in Chinese for a report that cannot be shown (the text from web_messages.yml)."""
    text = html_escape(MESSAGES[key])
    return f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{text}</title><p>{text}</p></html>'


class WebChatInput(InputChannel):
    """Serves the chat page; credentials (all optional): ``{}``. Messages go through the REST channel."""

    def __init__(self, directory: Path = STATIC_DIR) -> None:
        self.files = StaticFiles(directory, FILES, HEADERS)
        self.pdfs: LRUCache[str, bytes] = LRUCache(maxsize=16)  # token → PDF: made once, a kept report never changes

    @classmethod
    def name(cls) -> str:
        return "web"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls()

    def _serve(self, request: Request, name: str, extra: dict[str, str] | None = None) -> HTTPResponse:
        if name not in self.files:
            return response.text(MESSAGES["not_found"], status=404)
        return self.files.response(request, name, extra)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("web_chat_page", __name__)

        @bp.route("/", methods=["GET", "HEAD"], strict_slashes=True)
        async def page(request: Request) -> HTTPResponse:
            return self._serve(
                request, "index.html", {"Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "no-referrer"}
            )

        @bp.route("", methods=["GET", "HEAD"], strict_slashes=True)
        async def page_without_slash(request: Request) -> HTTPResponse:
            # the page's relative URLs (static/…, ../rest/webhook) need the trailing slash
            query = f"?{request.query_string}" if request.query_string else ""
            return response.redirect(request.path + "/" + query)

        @bp.route("/static/<name:str>", methods=["GET", "HEAD"])
        async def static(request: Request, name: str) -> HTTPResponse:
            return self._serve(request, name if name in STATIC_NAMES else "")

        @bp.route("/embed.js", methods=["GET", "HEAD"])
        async def embed(request: Request) -> HTTPResponse:
            # loaded by other sites' pages: a plain script, no credentials, cacheable by the browser
            return self._serve(request, "embed.js", {"Access-Control-Allow-Origin": "*"})

        @bp.route("/report/<name:str>", methods=["GET", "HEAD"])
        async def report(request: Request, name: str) -> HTTPResponse:
            return await self._report(name)

        return bp

    async def _report(self, name: str) -> HTTPResponse:
        from bot.channels import report_page  # WeasyPrint is loaded when the first report is asked for

        pdf = name.endswith(PDF_SUFFIX)
        token = name[: -len(PDF_SUFFIX)] if pdf else name
        try:
            kept = await asyncio.to_thread(reports.fetch, token)
            if kept is None:
                return response.html(_message_page("report_gone"), status=404, headers=REPORT_HEADERS)
            if not pdf:
                html = report_page.render_html(kept, pdf_href=token + PDF_SUFFIX)
                return response.html(
                    html, headers=dict(REPORT_HEADERS, **{"Content-Security-Policy": report_page.PAGE_CSP})
                )
            body = self.pdfs.get(token)
            if body is None:
                body = self.pdfs[token] = await asyncio.to_thread(report_page.render_pdf, kept)
        except Exception:  # a database or PDF failure: a Chinese page, never a trace
            logger.exception("kept report %s… could not be served", token[:6])
            return response.html(_message_page("report_failed"), status=503, headers=REPORT_HEADERS)
        disposition = f'inline; filename="{PDF_NAME.format(kept.created_at)}"'
        headers = dict(REPORT_HEADERS, **{"Content-Disposition": disposition})
        return response.raw(body, content_type="application/pdf", headers=headers)
