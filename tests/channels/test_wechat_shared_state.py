"""Several Rasa processes behind one WeChat account: a retry or a bare "1" can reach another process than the
first message did. With Redis (LOCK_STORE_URL or WECHAT_STATE_URL) every process sees the same state. Two channel
servers with their own event loops stand for two workers; one fake bot counts what reaches Rasa, one fake clock
times both."""

import uuid

import pytest

from bot.channels.wechat import WeChatConfig, WeChatInput
from bot.channels.wechat_state import MemoryTTLStore, RedisTTLStore, state_store
from tests.channels.conftest import FakeBot
from tests.channels.test_wechat_channel import buttons_bot
from tests.services import require_redis

REDIS = "redis://127.0.0.1:6379/1"


@pytest.fixture
def two_workers(make_harness):
    require_redis()

    def make(bot=None, **overrides):
        bot = bot or FakeBot()
        return make_harness(bot, state_url=REDIS, **overrides), make_harness(bot, state_url=REDIS, **overrides)

    return make


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def msg_id() -> str:
    return str(uuid.uuid4().int % 10**18)


def test_a_retry_at_another_worker_gets_the_same_reply_and_is_not_a_second_message(two_workers):
    a, b = two_workers()
    xml = a.sim.text_xml(unique("oUser"), "租金补贴怎么算", msg_id=msg_id())
    assert a.sim.reply(a.sim.post(xml)[1])["Content"] == "收到：租金补贴怎么算"
    assert b.sim.reply(b.sim.post(xml)[1])["Content"] == "收到：租金补贴怎么算"
    assert len(a.bot.calls) == 1


def test_a_retry_at_another_worker_while_the_first_runs_gets_success(two_workers):
    a, b = two_workers(FakeBot(delay=3.0), reply_budget=4.0)
    xml = a.sim.text_xml(unique("oUser"), "慢问题", msg_id=msg_id())
    first = a.post_soon(xml)
    assert a.clock.wait_for_sleepers(2) == [3.0, 4.0]  # worker a: the bot busy, the reply budget running
    assert b.sim.post(xml) == (200, "success")
    assert not first.done() and len(a.bot.calls) == 1
    a.clock.advance(3.0)  # the bot answers within the budget
    assert a.sim.reply(first.result(timeout=10)[1])["Content"] == "收到：慢问题"
    assert b.sim.reply(b.sim.post(xml)[1])["Content"] == "收到：慢问题"  # a late retry, anywhere, gets the reply
    assert len(a.bot.calls) == 1


def test_a_number_picks_the_button_of_a_reply_another_worker_sent(two_workers):
    a, b = two_workers(FakeBot(answer=buttons_bot))
    user = unique("oOpt")
    a.sim.post(a.sim.text_xml(user, "你好"))
    b.sim.post(b.sim.text_xml(user, "1"))
    assert a.bot.calls[-1][1] == "/ask_overview"
    a.sim.post(a.sim.text_xml(user, "你好"))  # a new menu; its button's title works on the other worker too
    b.sim.post(b.sim.text_xml(user, "谁可以申请"))
    assert a.bot.calls[-1][1] == "/ask_support_objects"


def test_lock_store_url_is_the_default_and_without_it_the_state_is_in_process(monkeypatch):
    require_redis()
    monkeypatch.setenv("LOCK_STORE_URL", REDIS)
    assert isinstance(WeChatInput(WeChatConfig(token="t")).deliveries, RedisTTLStore)
    monkeypatch.delenv("LOCK_STORE_URL")
    channel = WeChatInput(WeChatConfig(token="t"))
    assert isinstance(channel.deliveries, MemoryTTLStore) and isinstance(channel.options, MemoryTTLStore)


def test_redis_entries_expire_and_add_claims_once():
    """Expiry is Redis's own (its clock, not the channel's): checked as the TTL Redis holds for each write."""
    require_redis()
    store = state_store(REDIS, unique("t"), ttl=60)
    assert isinstance(store, RedisTTLStore)
    key = unique("k")
    assert store.add(key, {"passive": None}) is True
    assert 0 < store.client.pttl(store.prefix + key) <= 60_000  # the claim expires too
    assert store.add(key, {"passive": "x"}) is False  # the second claimant loses
    store.client.pexpire(store.prefix + key, 5_000)
    store.set(key, {"passive": "答复"})
    assert store.get(key) == {"passive": "答复"}
    assert 5_000 < store.client.pttl(store.prefix + key) <= 60_000  # a write restarts the ttl
    store.client.delete(store.prefix + key)  # what expiry does: gone, and the key can be claimed again
    assert store.get(key) is None and store.add(key, {"passive": None}) is True
    store.pop(key)
    assert store.get(key) is None


def test_state_elsewhere_than_redis_is_refused():
    with pytest.raises(ValueError, match="redis://"):
        state_store("memcached://127.0.0.1:11211", "delivery", 60)
