"""WeChat's XML: parse what its server posts (with defusedxml) and build passive replies.

Incoming messages are a flat ``<xml>`` element whose children carry the fields (``ToUserName``, ``FromUserName``,
``CreateTime``, ``MsgType``, ``Content``, ``MsgId``, ``Event``, ``Encrypt`` …). WeChat never sends a DTD, so any
DOCTYPE is refused outright (no external entities, no entity expansion: XXE and "billion laughs" fail early).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class BadXml(ValueError):
    """The body is not a WeChat XML message (malformed, has a DTD or entities, or the wrong root)."""


def parse_fields(body: bytes) -> dict[str, str]:
    """The text of each direct child of the ``<xml>`` root, by tag; nested elements are ignored."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ET.ParseError, ValueError) as exc:
        raise BadXml(str(exc) or type(exc).__name__) from exc
    if root.tag != "xml":
        raise BadXml(f"unexpected root element <{root.tag}>")
    return {child.tag: (child.text or "") for child in root if isinstance(child.tag, str) and len(child) == 0}


@dataclass(frozen=True)
class IncomingMessage:
    """The fields of a (decrypted) message or event that the channel uses."""

    to_user: str  # the Official Account's original id (gh_…)
    from_user: str  # the user's OpenID
    create_time: str
    msg_type: str
    content: str = ""
    msg_id: str = ""
    event: str = ""
    recognition: str = ""  # speech recognition result of a voice message, when the account has it enabled

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> IncomingMessage:
        if not fields.get("FromUserName") or not fields.get("MsgType"):
            raise BadXml("FromUserName and MsgType are required")
        return cls(
            to_user=fields.get("ToUserName", ""),
            from_user=fields["FromUserName"],
            create_time=fields.get("CreateTime", ""),
            msg_type=fields["MsgType"].strip().lower(),
            content=fields.get("Content", ""),
            msg_id=fields.get("MsgId", "").strip(),
            event=fields.get("Event", "").strip().lower(),
            recognition=fields.get("Recognition", ""),
        )

    @property
    def dedup_key(self) -> str:
        """What identifies WeChat's retries: MsgId for messages, FromUserName + CreateTime for events."""
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"evt:{self.from_user}:{self.create_time}:{self.msg_type}:{self.event}"


def cdata(text: str) -> str:
    """A CDATA section that survives any text, including ``]]>``."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, create_time: int) -> str:
    """The passive reply to a message: a text message from the account (``from_user``) to the user."""
    return (
        "<xml>"
        f"<ToUserName>{cdata(to_user)}</ToUserName>"
        f"<FromUserName>{cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{cdata(content)}</Content>"
        "</xml>"
    )


def encrypted_reply(encrypt: str, msg_signature: str, timestamp: str, nonce: str) -> str:
    """The safe-mode envelope around an encrypted reply."""
    return (
        "<xml>"
        f"<Encrypt>{cdata(encrypt)}</Encrypt>"
        f"<MsgSignature>{cdata(msg_signature)}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp>"
        f"<Nonce>{cdata(nonce)}</Nonce>"
        "</xml>"
    )
