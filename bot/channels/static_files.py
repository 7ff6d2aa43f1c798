"""Files a channel serves from memory: the web chat page (``web.py``) and the staff console (``staff.py``).

Every file is read once at start-up and answered from memory with the channel's headers (Cache-Control, nosniff,
and the page's Content-Security-Policy passed per response). Only the names given exist, so no path from the
request reaches the file system. With ``etag`` each file gets a strong ETag (a hash of its bytes) and a request
whose If-None-Match is that ETag gets a 304.

Not Sanic's own ``app.static``/``bp.static``: in 21.12 it opens the request's path on disk for every request, sends
Last-Modified but no ETag, cannot add headers (CSP, nosniff, Cache-Control), and cannot sit behind the console's
token check.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse


def etag_of(body: bytes) -> str:
    """A strong ETag for a file's bytes: the quoted start of its SHA-256."""
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


class StaticFiles:
    """The files ``types`` names (name → content type) from ``directory``, with ``headers`` on every response."""

    def __init__(self, directory: Path, types: Mapping[str, str], headers: Mapping[str, str], etag: bool = True):
        self.types = dict(types)
        self.headers = dict(headers)
        self.bodies = {name: (directory / name).read_bytes() for name in self.types}
        # no ETag for files the browser is told not to store (Cache-Control: no-store): nothing to revalidate
        self.etags = {name: etag_of(body) for name, body in self.bodies.items()} if etag else {}

    def __contains__(self, name: object) -> bool:
        return name in self.bodies

    def response(self, request: Request, name: str, extra: Mapping[str, str] | None = None) -> HTTPResponse:
        """The file ``name`` (one of the names given; check with ``in`` first) with the headers and ``extra``."""
        headers = {**self.headers, **(extra or {})}
        etag = self.etags.get(name)
        if etag is not None:
            headers = {"ETag": etag, **headers}
            if request.headers.get("if-none-match") == etag:
                return response.empty(status=304, headers=headers)
        return response.raw(self.bodies[name], content_type=self.types[name], headers=headers)
