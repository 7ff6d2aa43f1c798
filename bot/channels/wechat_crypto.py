"""WeChat Official Account (微信公众号) signatures and message encryption ("安全模式").

The published protocol (公众平台消息加解密说明):

- URL signature: ``sha1("".join(sorted([token, timestamp, nonce])))`` in hex.
- Message signature: ``sha1("".join(sorted([token, timestamp, nonce, encrypt])))``.
- Encryption: AES-256-CBC, key = ``base64decode(EncodingAESKey + "=")`` (32 bytes), IV = key[:16], PKCS#7 padding
  to a 32-byte block; the plaintext is ``random(16) + len(msg) as 4-byte big-endian + msg + AppID``; the ciphertext
  travels base64-encoded in ``<Encrypt>``.

AES comes from the ``cryptography`` package; nothing here is hand-written cryptography.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK_SIZE = 32  # WeChat pads to 32 bytes, not to the AES block size of 16
RANDOM_PREFIX = 16
LENGTH_FIELD = 4


class WeChatCryptoError(ValueError):
    """The encrypted message is malformed (bad base64, padding, length field or text encoding)."""


class AppIdMismatch(WeChatCryptoError):
    """The message decrypted fine but was encrypted for another AppID."""


def sha1_signature(*parts: str) -> str:
    """The signature WeChat computes: sha1 of the parts sorted and joined, in lowercase hex."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_matches(expected: str, given: str) -> bool:
    """Constant-time comparison of a computed signature with the one in the request."""
    return hmac.compare_digest(expected.encode("utf-8"), (given or "").lower().encode("utf-8"))


def aes_key_from_encoding_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key behind a 43-character EncodingAESKey."""
    if len(encoding_aes_key) != 43:
        raise ValueError("EncodingAESKey must be 43 characters long")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("EncodingAESKey is not valid base64") from exc
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


def pkcs7_pad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    amount = block_size - len(data) % block_size
    return data + bytes([amount]) * amount


def pkcs7_unpad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    if not data:
        raise WeChatCryptoError("empty plaintext")
    amount = data[-1]
    if not 1 <= amount <= block_size or data[-amount:] != bytes([amount]) * amount:
        raise WeChatCryptoError("bad padding")
    return data[:-amount]


class WeChatCrypto:
    """Encrypts replies and decrypts requests for one Official Account (token, EncodingAESKey, AppID)."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        self.token = token
        self.app_id = app_id
        self._key = aes_key_from_encoding_key(encoding_aes_key)

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def msg_signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        return sha1_signature(self.token, timestamp, nonce, encrypt)

    def decrypt(self, encrypt: str) -> str:
        """The XML inside ``<Encrypt>``; raises WeChatCryptoError or AppIdMismatch."""
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise WeChatCryptoError("Encrypt is not base64") from exc
        if not raw or len(raw) % 16:
            raise WeChatCryptoError("ciphertext length is not a multiple of the AES block")
        decryptor = self._cipher().decryptor()
        plain = pkcs7_unpad(decryptor.update(raw) + decryptor.finalize())
        msg, app_id = self._split(plain)
        if not hmac.compare_digest(app_id, self.app_id.encode("utf-8")):
            raise AppIdMismatch("message is for another AppID")
        try:
            return msg.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WeChatCryptoError("message is not UTF-8") from exc

    @staticmethod
    def _split(plain: bytes) -> tuple[bytes, bytes]:
        body = plain[RANDOM_PREFIX:]
        if len(body) < LENGTH_FIELD:
            raise WeChatCryptoError("plaintext too short")
        (length,) = struct.unpack(">I", body[:LENGTH_FIELD])
        if length > len(body) - LENGTH_FIELD:
            raise WeChatCryptoError("length field exceeds the plaintext")
        return body[LENGTH_FIELD : LENGTH_FIELD + length], body[LENGTH_FIELD + length :]

    def encrypt(self, xml: str) -> str:
        """Base64 ciphertext for ``<Encrypt>``."""
        msg = xml.encode("utf-8")
        plain = os.urandom(RANDOM_PREFIX) + struct.pack(">I", len(msg)) + msg + self.app_id.encode("utf-8")
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(pkcs7_pad(plain)) + encryptor.finalize()).decode("ascii")
