"""Signatures and safe-mode encryption against the test-side implementation of the published protocol."""

import base64
import hashlib

import pytest

from bot.channels.wechat_crypto import (
    AppIdMismatch,
    WeChatCrypto,
    WeChatCryptoError,
    aes_key_from_encoding_key,
    sha1_signature,
    signature_matches,
)
from tests.channels.conftest import APP_ID, ENCODING_AES_KEY, TOKEN, WeChatSim


@pytest.fixture
def sim() -> WeChatSim:
    return WeChatSim("http://127.0.0.1:1")


@pytest.fixture
def crypto() -> WeChatCrypto:
    return WeChatCrypto(TOKEN, ENCODING_AES_KEY, APP_ID)


def test_signature_is_sha1_of_the_sorted_parts():
    expected = hashlib.sha1("".join(sorted(["tok", "1700000000", "nonce42"])).encode()).hexdigest()
    assert sha1_signature("tok", "1700000000", "nonce42") == expected
    assert sha1_signature("1700000000", "nonce42", "tok") == expected
    assert signature_matches(expected, expected.upper())
    assert not signature_matches(expected, "") and not signature_matches(expected, expected[:-1] + "0")


def test_key_is_the_base64_of_the_encoding_key():
    assert aes_key_from_encoding_key(ENCODING_AES_KEY) == base64.b64decode(ENCODING_AES_KEY + "=")
    for bad in ("short", ENCODING_AES_KEY + "A", "!" * 43):
        with pytest.raises(ValueError):
            aes_key_from_encoding_key(bad)


def test_wechat_encrypts_and_the_channel_decrypts(sim, crypto):
    xml = "<xml><Content><![CDATA[租金补贴怎么算]]></Content></xml>"
    assert crypto.decrypt(sim.encrypt(xml)) == xml


def test_the_channel_encrypts_and_wechat_decrypts(sim, crypto):
    xml = "<xml><Content><![CDATA[" + "长" * 700 + "]]></Content></xml>"  # several blocks, multibyte
    for text in (xml, "", "x" * 12):  # 12 + 16 + 4 + AppID: padding of exactly one full block somewhere
        encrypt = crypto.encrypt(text)
        assert sim.decrypt(encrypt) == text
        assert crypto.encrypt(text) != encrypt  # a fresh random prefix every time


def test_msg_signature_covers_the_ciphertext(crypto, sim):
    encrypt = sim.encrypt("<xml/>")
    assert crypto.msg_signature("1", "2", encrypt) == sim.sha1(TOKEN, "1", "2", encrypt)


def test_another_appid_is_refused(sim, crypto):
    with pytest.raises(AppIdMismatch):
        crypto.decrypt(sim.encrypt("<xml/>", app_id="wx_someone_else"))


@pytest.mark.parametrize(
    "encrypt", ["not base64!", "", base64.b64encode(b"0123456789").decode(), base64.b64encode(b"\0" * 32).decode()]
)
def test_garbage_is_a_crypto_error(crypto, encrypt):
    with pytest.raises(WeChatCryptoError):
        crypto.decrypt(encrypt)


def test_a_wrong_key_does_not_decrypt(sim):
    other = WeChatCrypto(TOKEN, "B" * 43, APP_ID)
    with pytest.raises(WeChatCryptoError):  # bad padding, a bad length field or another AppID
        other.decrypt(sim.encrypt("<xml><Content>hi</Content></xml>"))
