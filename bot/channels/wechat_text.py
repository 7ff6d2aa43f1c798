"""Bot replies → WeChat text, and a user's numbered answer → the button's payload.

WeChat shows plain text only: markdown is stripped, buttons become numbered options ("回复 1 有哪些支持政策"), and a
text message may hold at most 2048 bytes (UTF-8), so long replies are split at a line or clause boundary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_TEXT_BYTES = 2048
MESSAGES_FILE = Path(__file__).with_name("wechat_messages.yml")

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CLAUSE_END = re.compile(r"(?<=[。；！？;!?，,、：:])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINK = re.compile(r"!?\[([^\]\n]+)\]\((\S+?)\)")
# a URL is kept as it is: a report token may hold "__" (URL-safe base64), which the emphasis pattern would eat
_URL = re.compile(r"https?://[^\s*`~<>\"'\u0080-\U0010ffff]+")
_URL_MARK = re.compile("\ue000(\\d+)\ue001")
_MARKDOWN = [
    (re.compile(r"\*\*(.+?)\*\*", re.S), r"\1"),
    (re.compile(r"__(.+?)__", re.S), r"\1"),
    (re.compile(r"~~(.+?)~~", re.S), r"\1"),
    (re.compile(r"`([^`\n]+)`"), r"\1"),
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M), ""),
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.M), ""),
    (re.compile(r"^([ \t]*)[-*+][ \t]+", re.M), r"\1· "),
    (re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.M), ""),
]


def load_messages(path: Path = MESSAGES_FILE) -> dict[str, Any]:
    """Every Chinese text the channel says itself (wechat_messages.yml)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def strip_markdown(text: str) -> str:
    """Plain text for WeChat: bold/italic markers, code ticks, headings, quotes and rules removed, links inlined,
    list bullets turned into "· ", control characters that XML cannot carry dropped."""
    text = _LINK.sub(r"\1（\2）", text)
    urls: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        urls.append(match.group(0))
        return f"\ue000{len(urls) - 1}\ue001"

    text = _URL.sub(set_aside, text)
    for pattern, replacement in _MARKDOWN:
        text = pattern.sub(replacement, text)
    text = _URL_MARK.sub(lambda m: urls[int(m.group(1))], text)
    return _CONTROL.sub("", text)


@dataclass
class Options:
    """What a short answer means after a reply with buttons: "1" → the first button's payload, or its title."""

    by_number: dict[str, str] = field(default_factory=dict)
    by_title: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_number or self.by_title)

    def resolve(self, text: str) -> str | None:
        """The payload the user picked, or None when the text is not one of the options."""
        answer = text.strip().translate(_FULLWIDTH_DIGITS).rstrip("。.")
        return self.by_number.get(answer) or self.by_title.get(answer)


@dataclass
class RenderedTurn:
    text: str
    options: Options


def _buttons(message: Mapping[str, Any]) -> list[dict[str, str]]:
    found = []
    for button in message.get("buttons") or []:
        if isinstance(button, Mapping) and button.get("title") and button.get("payload") is not None:
            found.append({"title": strip_markdown(str(button["title"])).strip(), "payload": str(button["payload"])})
    return found


def _asks_for_count(text: str, markers: Iterable[str]) -> bool:
    return any(marker in text for marker in markers)


def render_turn(messages: Iterable[Mapping[str, Any]], texts: Mapping[str, Any]) -> RenderedTurn:
    """One WeChat text for everything the bot said in a turn (Rasa's collector splits texts at blank lines; they
    are joined back), with its buttons listed as options.

    Buttons are numbered ("回复 1 …") unless the question they belong to asks for a number ("推荐成功了几名？"), where
    a bare "1" must stay an answer: then the titles are listed and only a reply equal to a title maps to a payload.
    """
    parts: list[str] = []
    buttons: list[dict[str, str]] = []
    numbered = True
    for message in messages:
        text = strip_markdown(str(message.get("text") or "")).strip()
        if text:
            parts.append(text)
        for key in ("image", "attachment"):
            if isinstance(message.get(key), str) and message[key].strip():
                parts.append(message[key].strip())
        own = _buttons(message)
        if own and _asks_for_count(text, texts.get("count_question_markers") or []):
            numbered = False
        buttons.extend(own)
    options = Options(by_title={b["title"]: b["payload"] for b in buttons})
    if buttons and numbered:
        options.by_number = {str(i): b["payload"] for i, b in enumerate(buttons, 1)}
        parts.append(
            "\n".join(texts["option_line"].format(number=i, title=b["title"]) for i, b in enumerate(buttons, 1))
        )
    elif buttons:
        parts.append(
            texts["plain_options"].format(titles=texts["plain_options_separator"].join(b["title"] for b in buttons))
        )
    return RenderedTurn(text="\n\n".join(parts), options=options)


_SPLITTERS = (lambda t: t.splitlines(keepends=True), _CLAUSE_END.split, list)


def _pieces(text: str, limit: int) -> list[str]:
    """Pieces no longer than ``limit`` bytes: whole lines, else clauses, else characters."""
    if utf8_len(text) <= limit:
        return [text]
    units = [text]
    for splitter in _SPLITTERS:
        units = [u for u in splitter(text) if u]
        if len(units) > 1:
            break
    else:
        return units  # a single character: cannot be cut
    return [piece for unit in units for piece in _pieces(unit, limit)]


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """``text`` as consecutive parts of at most ``limit`` UTF-8 bytes, cut at line, else clause, else character
    boundaries; whitespace at the cuts is dropped."""
    parts: list[str] = []
    current = ""
    for piece in _pieces(text.strip(), limit):
        if current and utf8_len(current + piece) > limit:
            parts.append(current)
            current = ""
        current += piece
    parts.append(current)
    parts = [p.strip() for p in parts]
    return [p for p in parts if p]


def fit_parts(text: str, max_parts: int, truncated_note: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """At most ``max_parts`` messages of at most ``limit`` bytes; what does not fit is cut at a boundary and
    ``truncated_note`` says so."""
    parts = split_text(text, limit)
    if len(parts) <= max_parts:
        return parts
    kept = parts[:max_parts]
    kept[-1] = split_text(kept[-1], limit - utf8_len(truncated_note))[0] + truncated_note
    return kept
