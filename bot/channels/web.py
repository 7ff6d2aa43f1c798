"""The website chat page, served by the running Rasa server (no separate web server to start).

    GET /webhooks/web/               the chat page (Chinese UI, phone-friendly)
    GET /webhooks/web/static/<file>  its CSS and JS (hand-written, no CDN, no framework)
    GET /webhooks/web/embed.js       one <script> tag for institutions' own sites: a floating button that opens
                                     the page in an iframe

The page talks to the bot over the REST channel on the same origin (POST /webhooks/rest/webhook), so the input
checks of ``SafeRestInput`` apply and no socket.io client has to be shipped. This channel only serves files: it
receives no messages itself, converts no formats and holds no policy logic.

Every file is read once at start-up from ``web_static/`` and served from memory with an ETag
(``static_files.StaticFiles``); only the names in ``FILES`` exist (no path from the request reaches the file system).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.static_files import StaticFiles

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


class WebChatInput(InputChannel):
    """Serves the chat page; credentials (all optional): ``{}``. Messages go through the REST channel."""

    def __init__(self, directory: Path = STATIC_DIR) -> None:
        self.files = StaticFiles(directory, FILES, HEADERS)

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

        return bp
