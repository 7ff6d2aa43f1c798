"""The customer-service API client against the fake WeChat API on 127.0.0.1."""

import asyncio

import pytest

from bot.channels.wechat_api import CustomerServiceClient, WeChatApiError
from tests.channels.conftest import APP_ID, APP_SECRET


def test_token_is_cached_until_shortly_before_it_expires(wechat_api):
    api, base = wechat_api
    now = [1000.0]
    client = CustomerServiceClient(base + "/", APP_ID, APP_SECRET, clock=lambda: now[0])

    async def scenario():
        await client.send_texts("oUser", ["一", "二"])
        now[0] += 7200 - 301  # still inside the cached lifetime (expires_in minus the early-refresh margin)
        await client.send_texts("oUser", ["三"])
        assert api.tokens_issued == 1
        now[0] += 2
        await client.send_texts("oUser", ["四"])
        assert api.tokens_issued == 2

    asyncio.run(scenario())
    assert [m["text"]["content"] for m in api.wait_sent(4)] == ["一", "二", "三", "四"]


def test_wrong_secret_and_errors_raise_without_leaking_secrets(wechat_api):
    api, base = wechat_api
    with pytest.raises(WeChatApiError, match="40013") as err:
        asyncio.run(CustomerServiceClient(base, APP_ID, "wrong-secret").send_texts("oUser", ["x"]))
    assert "wrong-secret" not in str(err.value)
    api.fail_sends = 1
    with pytest.raises(WeChatApiError, match="45047"):
        asyncio.run(CustomerServiceClient(base, APP_ID, APP_SECRET).send_texts("oUser", ["x"]))
    with pytest.raises(WeChatApiError) as err:
        asyncio.run(CustomerServiceClient("http://127.0.0.1:9", APP_ID, APP_SECRET).send_texts("oUser", ["x"]))
    assert APP_SECRET not in str(err.value)


def test_not_configured_without_appid_or_secret():
    assert not CustomerServiceClient("", "", "").configured
    assert not CustomerServiceClient("", APP_ID, "").configured
    assert CustomerServiceClient("", APP_ID, APP_SECRET).configured
    assert CustomerServiceClient("", APP_ID, APP_SECRET).api_base == "https://api.weixin.qq.com"
