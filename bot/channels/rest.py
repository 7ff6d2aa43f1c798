"""Rasa's REST channel with input checks: malformed JSON → 400 with a Chinese message, an empty message or one
over the length cap → a clear Chinese reply, never a 500. Same URL and contract: /webhooks/rest/webhook."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from bot.gc_settle import settle_after_start
from policy_kb.understand import clean

MESSAGES: dict[str, str] = yaml.safe_load((Path(__file__).parent / "messages.yml").read_text(encoding="utf-8"))
MAX_CHARS = 1000


def check_payload(body: bytes, max_chars: int = MAX_CHARS) -> Any | None:
    """None when the request may go to the bot; otherwise the response to send instead."""
    try:
        data = json.loads(body.decode("utf-8")) if body else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("message", None), str)
        or not isinstance(data.get("sender", ""), (str, int))
    ):
        return response.json({"error": MESSAGES["bad_request"]}, status=400)
    sender = str(data.get("sender", "default"))
    text = clean(data["message"])
    if not text:
        return response.json([{"recipient_id": sender, "text": MESSAGES["empty_message"]}])
    if len(text) > max_chars:
        return response.json([{"recipient_id": sender, "text": MESSAGES["too_long"].format(limit=max_chars)}])
    return None


def never_silent(on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Callable[[UserMessage], Awaitable[None]]:
    """Wraps the bot: a turn that produced no reply at all (the action server is down, a timeout, an internal
    error that Rasa only logged) answers "服务暂时不可用，请稍后再试" instead of silence."""

    async def handle(message: UserMessage) -> None:
        out = message.output_channel
        before = len(getattr(out, "messages", []))
        try:
            await on_new_message(message)
        finally:
            if hasattr(out, "messages") and len(out.messages) == before:
                await out.send_text_message(message.sender_id, MESSAGES["unavailable"])

    return handle


class SafeRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def _extract_message(self, req: Request) -> str | None:
        """The message as the bot may read it: lone surrogates, control and zero-width characters removed."""
        return clean(req.json.get("message", None) or "")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        bp = super().blueprint(never_silent(on_new_message))

        @bp.middleware("request")
        async def guard(request: Request) -> Any | None:
            if request.method == "POST" and request.path.rstrip("/").endswith("/webhook"):
                return check_payload(request.body or b"")
            return None

        bp.after_server_start(settle_after_start)  # the model is loaded by then (bot/gc_settle.py)
        return bp
