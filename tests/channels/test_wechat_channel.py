"""The channel over HTTP, as WeChat's server talks to it: a real Sanic server with the channel's blueprint, a fake
bot (fast, or slow on the fake clock) and a fake customer-service API, all on 127.0.0.1. Time is the harness's
FakeClock: it moves only when a test advances it."""

import http.client
import logging
import urllib.parse

import pytest

from bot.channels.wechat_text import load_messages, split_text, utf8_len
from tests.channels.conftest import ACCOUNT, FakeBot, Harness

TEXTS = load_messages()


def buttons_bot(text):
    if text.startswith("/") or text.isdigit():
        return [{"text": f"收到：{text}"}]
    return [
        {
            "text": "您好！可以问我：",
            "buttons": [
                {"title": "有哪些支持政策", "payload": "/ask_overview"},
                {"title": "我们能享受哪些政策", "payload": "/start_eligibility_check"},
                {"title": "谁可以申请", "payload": "/ask_support_objects"},
            ],
        }
    ]


# ------------------------------------------------------------------------------------------------ handshake


def test_handshake_echoes_echostr(wechat: Harness):
    sim = wechat.sim
    assert sim.request("GET", {**sim.query(), "echostr": "4693412831938520321"}) == (200, "4693412831938520321")


@pytest.mark.parametrize("change", [{"signature": "0" * 40}, {"timestamp": "1"}, {"nonce": "other"}])
def test_handshake_with_a_bad_signature_is_403_and_nothing_else(wechat: Harness, change):
    sim = wechat.sim
    assert sim.request("GET", {**sim.query(), "echostr": "hello", **change}) == (403, "")
    assert sim.request("GET", {"echostr": "hello"}) == (403, "")


def test_without_a_token_everything_is_refused(make_harness):
    h = make_harness(token="")
    h.sim.token = ""  # even a "correct" signature over an empty token
    assert h.sim.request("GET", {**h.sim.query(), "echostr": "x"}) == (403, "")
    assert h.sim.post(h.sim.text_xml("oUser", "你好"))[0] == 403
    assert h.bot.calls == []


# --------------------------------------------------------------------------------------------- text → bot


def test_text_goes_to_the_bot_and_comes_back_as_a_passive_reply(wechat: Harness):
    status, body = wechat.sim.post(wechat.sim.text_xml("oUserA", "租金补贴怎么算"))
    assert status == 200
    reply = wechat.sim.reply(body)
    assert reply["ToUserName"] == "oUserA" and reply["FromUserName"] == ACCOUNT
    assert reply["MsgType"] == "text" and reply["Content"] == "收到：租金补贴怎么算"
    assert reply["CreateTime"] == str(int(wechat.clock.time()))  # the channel's clock
    assert wechat.bot.calls == [("oUserA", "租金补贴怎么算", "wechat")]
    wechat.clock.advance(90)
    later = wechat.sim.reply(wechat.sim.post(wechat.sim.text_xml("oUserA", "还有吗"))[1])
    assert later["CreateTime"] == str(int(wechat.clock.time()))


def test_bad_signature_is_403_and_the_bot_never_sees_it(wechat: Harness):
    sim = wechat.sim
    for change in ({"signature": "f" * 40}, {"timestamp": "123"}):
        assert sim.post(sim.text_xml("oUser", "你好"), **change) == (403, "")
    assert wechat.bot.calls == []


def test_safe_mode_round_trip(wechat: Harness):
    status, body = wechat.sim.post(wechat.sim.text_xml("oUserB", "支持政策第7条原文"), encrypted=True)
    assert status == 200
    envelope = wechat.sim.reply(body)  # the outer fields, not decrypted
    assert envelope["TimeStamp"] == str(int(wechat.clock.time()))
    reply = wechat.sim.reply(body, encrypted=True)  # signature checked and decrypted by the simulator
    assert reply["ToUserName"] == "oUserB" and reply["Content"] == "收到：支持政策第7条原文"
    assert reply["CreateTime"] == str(int(wechat.clock.time()))
    assert wechat.bot.calls == [("oUserB", "支持政策第7条原文", "wechat")]


def test_plaintext_is_still_accepted_when_an_aes_key_is_set(wechat: Harness):
    assert wechat.channel.crypto is not None
    assert wechat.sim.reply(wechat.sim.post(wechat.sim.text_xml("oU", "你好"))[1])["Content"] == "收到：你好"


def test_safe_mode_refusals(wechat: Harness, make_harness):
    sim = wechat.sim
    xml = sim.text_xml("oUser", "你好")
    encrypt = sim.encrypt(xml)
    envelope = f"<xml><ToUserName>{ACCOUNT}</ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    # msg_signature missing or not over this ciphertext
    assert sim.request("POST", {**sim.query(encrypt=encrypt), "msg_signature": "0" * 40}, envelope)[0] == 403
    assert sim.request("POST", {**sim.query(), "encrypt_type": "aes"}, envelope)[0] == 403
    # correctly signed, but for another AppID
    other = sim.encrypt(xml, app_id="wx_other")
    other_env = envelope.replace(encrypt.encode(), other.encode())
    assert sim.request("POST", sim.query(encrypt=other), other_env)[0] == 403
    # correctly signed garbage
    garbage = "QUJDREVGR0hJSktMTU5PUA=="
    assert (
        sim.request("POST", sim.query(encrypt=garbage), f"<xml><Encrypt>{garbage}</Encrypt></xml>".encode())[0] == 400
    )
    # encrypted while the channel has no EncodingAESKey
    plain_only = make_harness(aes_key="")
    assert plain_only.sim.post(xml, encrypted=True)[0] == 400
    assert wechat.bot.calls == [] and plain_only.bot.calls == []


# ------------------------------------------------------------------------------------------------ bad input

XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>gh</ToUserName><FromUserName>oUser</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + "]><xml><ToUserName>gh</ToUserName><FromUserName>oUser</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>2</MsgId></xml>"
)


@pytest.mark.parametrize(
    "body",
    [
        XXE,
        LAUGHS,
        "<xml><Content>unclosed</xml>",
        "not xml at all",
        "<html><FromUserName>o</FromUserName><MsgType>text</MsgType></html>",
        "<xml><Content>no sender</Content></xml>",
        "   ",
    ],
)
def test_hostile_or_malformed_xml_is_400(wechat: Harness, body):
    status, text = wechat.sim.request("POST", wechat.sim.query(), body.encode())
    assert status == 400 and text == ""
    assert wechat.bot.calls == []


def test_xxe_inside_the_encrypted_payload_is_400_too(wechat: Harness):
    status, _ = wechat.sim.post(XXE, encrypted=True)
    assert status == 400 and wechat.bot.calls == []


def test_oversized_body_is_413(wechat: Harness):
    sim = wechat.sim
    big = sim.text_xml("oUser", "长" * 30000)  # ~90 KB
    assert sim.request("POST", sim.query(), big.encode()) == (413, "")


def test_oversized_chunked_body_is_413(wechat: Harness):
    """No Content-Length: the cap applies while reading."""
    sim = wechat.sim
    url = urllib.parse.urlsplit(sim.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    chunks = (b"<xml>" + b"x" * 8192 for _ in range(12))
    try:
        conn.request(
            "POST",
            url.path + "?" + urllib.parse.urlencode(sim.query()),
            body=chunks,
            encode_chunked=True,
            headers={"Content-Type": "text/xml"},
        )
        assert conn.getresponse().status == 413
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may close the connection before the client has sent everything: also a refusal
    assert wechat.bot.calls == []


def test_empty_and_too_long_texts_get_a_chinese_answer_without_the_bot(wechat: Harness):
    sim = wechat.sim
    assert sim.reply(sim.post(sim.text_xml("oU", "   "))[1])["Content"] == TEXTS["empty_message"]
    long_reply = sim.reply(sim.post(sim.text_xml("oU", "问" * 1001))[1])["Content"]
    assert long_reply == TEXTS["too_long"].format(limit=1000)
    assert wechat.bot.calls == []


def test_a_failing_bot_gets_a_polite_answer_not_a_500(make_harness):
    def explode(text):
        raise RuntimeError("boom")

    h = make_harness(FakeBot(answer=explode))
    status, body = h.sim.post(h.sim.text_xml("oU", "你好"))
    assert status == 200 and h.sim.reply(body)["Content"] == TEXTS["unavailable"]
    silent = make_harness(FakeBot(answer=lambda text: []))
    assert silent.sim.reply(silent.sim.post(silent.sim.text_xml("oU", "你好"))[1])["Content"] == TEXTS["unavailable"]


def test_reply_text_cannot_break_the_xml(make_harness):
    h = make_harness(FakeBot(answer=lambda text: [{"text": "a]]><x>&b</x>"}]))
    assert h.sim.reply(h.sim.post(h.sim.text_xml("oU", "hi"))[1])["Content"] == "a]]><x>&b</x>"
    assert (
        h.sim.reply(h.sim.post(h.sim.text_xml("oU", "hi"), encrypted=True)[1], encrypted=True)["Content"]
        == "a]]><x>&b</x>"
    )


def test_markdown_never_reaches_wechat(make_harness):
    h = make_harness(FakeBot(answer=lambda text: [{"text": "**【租金补贴】**见`三、2`"}]))
    assert h.sim.reply(h.sim.post(h.sim.text_xml("oU", "hi"))[1])["Content"] == "【租金补贴】见三、2"


# -------------------------------------------------------------------------------------- events and media


def test_subscribe_gets_the_welcome(wechat: Harness):
    status, body = wechat.sim.post(wechat.sim.event_xml("oNew", "subscribe"))
    reply = wechat.sim.reply(body)
    assert status == 200 and reply["ToUserName"] == "oNew" and reply["Content"] == TEXTS["welcome"]
    assert "《嘉定区促进人力资源服务业集聚支持办法（试行）》" in reply["Content"]
    enc = wechat.sim.reply(
        wechat.sim.post(wechat.sim.event_xml("oNew2", "subscribe"), encrypted=True)[1], encrypted=True
    )
    assert enc["Content"] == TEXTS["welcome"]
    assert wechat.bot.calls == []


@pytest.mark.parametrize("event", ["unsubscribe", "CLICK", "VIEW", "LOCATION", "SCAN", "TEMPLATESENDJOBFINISH"])
def test_other_events_are_acknowledged_with_success(wechat: Harness, event):
    assert wechat.sim.post(wechat.sim.event_xml("oU", event)) == (200, "success")
    assert wechat.bot.calls == []


@pytest.mark.parametrize(
    "msg_type,extra",
    [
        ("image", "<PicUrl><![CDATA[http://example.org/a.jpg]]></PicUrl>"),
        ("voice", "<Format><![CDATA[amr]]></Format>"),
        ("video", ""),
        ("shortvideo", ""),
        ("location", "<Location_X>31.3</Location_X><Location_Y>121.2</Location_Y><Label><![CDATA[嘉定]]></Label>"),
        ("link", "<Title><![CDATA[t]]></Title><Url><![CDATA[http://example.org]]></Url>"),
        ("file", ""),
        ("miniprogrampage", ""),
    ],
)
def test_non_text_messages_get_please_send_text(wechat: Harness, msg_type, extra):
    status, body = wechat.sim.post(wechat.sim.media_xml("oU", msg_type, extra))
    assert status == 200 and "请发送文字" in wechat.sim.reply(body)["Content"]
    assert wechat.bot.calls == []


def test_voice_with_speech_recognition_counts_as_text(wechat: Harness):
    xml = wechat.sim.media_xml(
        "oV", "voice", "<Format>amr</Format><Recognition><![CDATA[租金补贴怎么算]]></Recognition>"
    )
    assert wechat.sim.reply(wechat.sim.post(xml)[1])["Content"] == "收到：租金补贴怎么算"
    assert wechat.bot.calls == [("oV", "租金补贴怎么算", "wechat")]


# ------------------------------------------------------------------------------------------------- retries


def test_the_same_msgid_three_times_reaches_the_bot_once(wechat: Harness):
    xml = wechat.sim.text_xml("oUser", "租金补贴怎么算", msg_id="6054768590064713728")
    replies = [wechat.sim.reply(wechat.sim.post(xml)[1])["Content"] for _ in range(3)]
    assert replies == ["收到：租金补贴怎么算"] * 3
    assert len(wechat.bot.calls) == 1
    # the same retries in safe mode (new nonce, new ciphertext, same MsgId) are still one message
    replies = [wechat.sim.reply(wechat.sim.post(xml, encrypted=True)[1], encrypted=True)["Content"] for _ in range(3)]
    assert replies == ["收到：租金补贴怎么算"] * 3 and len(wechat.bot.calls) == 1
    # another MsgId is another message
    wechat.sim.post(wechat.sim.text_xml("oUser", "租金补贴怎么算", msg_id="6054768590064713729"))
    assert len(wechat.bot.calls) == 2


def test_a_retry_while_the_first_is_running_gets_success(make_harness):
    h = make_harness(FakeBot(delay=3.0), reply_budget=4.0)
    xml = h.sim.text_xml("oUser", "慢问题", msg_id="777")
    first = h.post_soon(xml)
    assert h.clock.wait_for_sleepers(2) == [3.0, 4.0]  # the bot is busy, the reply budget is running
    assert h.sim.post(xml) == (200, "success")  # the retry: the bot is still busy with the first
    assert h.sim.post(xml) == (200, "success")
    assert not first.done() and len(h.bot.calls) == 1
    h.clock.advance(3.0)  # the bot answers within the budget
    status, body = first.result(timeout=10)
    assert status == 200 and h.sim.reply(body)["Content"] == "收到：慢问题"  # the first still answers passively
    assert h.sim.reply(h.sim.post(xml)[1])["Content"] == "收到：慢问题"  # and a late retry gets the same reply
    assert len(h.bot.calls) == 1
    assert h.api.sent.empty()  # nothing went through the customer-service API


def test_dedup_forgets_after_its_ttl(make_harness):
    h = make_harness(dedup_ttl=60.0)
    xml = h.sim.text_xml("oUser", "你好", msg_id="888")
    h.sim.post(xml)
    h.sim.post(xml)
    assert len(h.bot.calls) == 1
    h.clock.advance(59.5)  # WeChat's retries come within ~15 s: still recognised
    assert h.sim.reply(h.sim.post(xml)[1])["Content"] == "收到：你好" and len(h.bot.calls) == 1
    h.clock.advance(0.5)  # ttl seconds after the reply was stored: forgotten, the same MsgId is new again
    h.sim.post(xml)
    assert len(h.bot.calls) == 2


def test_repeated_subscribe_events_each_get_the_welcome_without_the_bot(wechat: Harness):
    """Events are not deduplicated (handle() answers them before the claim): a retried subscribe gets the same
    welcome again, which is all WeChat needs."""
    xml = wechat.sim.event_xml("oU", "subscribe", create_time=1700000000)
    assert [wechat.sim.reply(wechat.sim.post(xml)[1])["Content"] for _ in range(3)] == [TEXTS["welcome"]] * 3
    assert wechat.bot.calls == []


# ------------------------------------------------------------------------------------------- the 5-second rule


def answer_late(h: Harness, xml: str) -> tuple[int, str]:
    """Post to a bot slower than the reply budget and let the budget run out: the channel's answer."""
    already = len(h.clock.sleeping())  # another harness's bot may be asleep on the same clock
    pending = h.post_soon(xml)
    h.clock.wait_for_sleepers(already + 2)  # this bot at work, its reply budget running
    h.clock.advance(h.channel.config.reply_budget)
    return pending.result(timeout=10)


def test_slow_bot_gets_success_then_a_customer_service_message(make_harness):
    h = make_harness(FakeBot(delay=6.0), reply_budget=4.0)
    xml = h.sim.text_xml("oSlow", "帮我看看我们能享受哪些政策", msg_id="999")
    pending = h.post_soon(xml)
    assert h.clock.wait_for_sleepers(2) == [4.0, 6.0]  # the reply budget and the bot, both running
    h.clock.advance(3.5)
    assert h.clock.sleeping() == [0.5, 2.5] and not pending.done()  # within the budget: no answer yet
    h.clock.advance(0.5)  # the budget runs out; the bot has 2 s to go
    assert pending.result(timeout=10) == (200, "success")  # answered at the budget, not when the bot finished
    assert h.clock.sleeping() == [2.0] and h.api.requests == []  # the bot is still at it
    assert h.sim.post(xml) == (200, "success")  # WeChat's retry while the bot is still working
    h.clock.advance(2.0)  # the bot answers: through the customer-service API
    [sent] = h.api.wait_sent(1)
    assert sent == {"touser": "oSlow", "msgtype": "text", "text": {"content": "收到：帮我看看我们能享受哪些政策"}}
    assert h.api.requests == ["GET /cgi-bin/token", "POST /cgi-bin/message/custom/send"]
    assert h.sim.post(xml) == (200, "success")  # a late retry: the reply went out already, not twice
    h.drain()
    assert h.api.sent.empty() and len(h.bot.calls) == 1


def test_access_token_is_cached_and_refreshed_when_revoked(make_harness):
    h = make_harness(FakeBot(delay=5.0), reply_budget=4.0)

    def slow_exchange(text):
        assert answer_late(h, h.sim.text_xml("oA", text)) == (200, "success")
        h.clock.advance(1.0)  # the bot answers

    slow_exchange("一")
    h.api.wait_sent(1)
    slow_exchange("二")
    h.api.wait_sent(1)
    assert h.api.tokens_issued == 1  # cached
    h.api.revoke()  # e.g. fetched elsewhere: WeChat answers 40001
    slow_exchange("三")
    [sent] = h.api.wait_sent(1)
    assert sent["text"]["content"] == "收到：三" and h.api.tokens_issued == 2


def test_customer_service_failures_are_logged_and_nothing_breaks(make_harness, caplog):
    caplog.set_level(logging.WARNING, logger="bot.channels.wechat")
    h = make_harness(FakeBot(delay=5.0))
    h.api.fail_sends = 1
    assert answer_late(h, h.sim.text_xml("oF", "一")) == (200, "success")
    h.clock.advance(1.0)  # the bot answers; WeChat refuses the message (45047)
    h.drain()
    unreachable = make_harness(FakeBot(delay=5.0), api_base="http://127.0.0.1:9")
    assert answer_late(unreachable, unreachable.sim.text_xml("oF", "二")) == (200, "success")
    unreachable.clock.advance(1.0)  # the bot answers; the API cannot be reached
    unreachable.drain()
    messages = [r.getMessage() for r in caplog.records if "customer-service" in r.getMessage()]
    assert any("45047" in m for m in messages) and len(messages) == 2
    assert all("ACCESS_TOKEN" not in m and "secret" not in m for m in messages)
    # the channel keeps working
    fast = make_harness()
    assert fast.sim.reply(fast.sim.post(fast.sim.text_xml("oF", "四"))[1])["Content"] == "收到：四"


def test_slow_bot_without_customer_service_api_says_busy(make_harness):
    h = make_harness(FakeBot(delay=5.0), app_secret="")
    xml = h.sim.text_xml("oB", "你好")
    status, body = answer_late(h, xml)
    assert status == 200 and h.sim.reply(body)["Content"] == TEXTS["busy"]
    assert h.sim.reply(h.sim.post(xml)[1])["Content"] == TEXTS["busy"]  # a retry: the same answer
    h.clock.advance(1.0)  # the bot finishes; its reply has nowhere to go
    h.drain()
    assert h.api.requests == [] and len(h.bot.calls) == 1


# ------------------------------------------------------------------------------------------ numbered options


def test_buttons_are_numbered_and_a_number_picks_the_payload(make_harness):
    h = make_harness(FakeBot(answer=buttons_bot))
    content = h.sim.reply(h.sim.post(h.sim.text_xml("oOpt", "你好"))[1])["Content"]
    assert "回复 1 有哪些支持政策\n回复 2 我们能享受哪些政策\n回复 3 谁可以申请" in content
    assert h.sim.reply(h.sim.post(h.sim.text_xml("oOpt", "2"))[1])["Content"] == "收到：/start_eligibility_check"
    # that reply had no buttons: a number is now just a number
    h.sim.post(h.sim.text_xml("oOpt", "3"))
    assert h.bot.calls[-1][1] == "3"
    # full-width digits, and options are per user
    h.sim.post(h.sim.text_xml("oOpt", "你好"))
    h.sim.post(h.sim.text_xml("oOther", "１"))
    assert h.bot.calls[-1] == ("oOther", "１", "wechat")
    h.sim.post(h.sim.text_xml("oOpt", "３"))
    assert h.bot.calls[-1] == ("oOpt", "/ask_support_objects", "wechat")


def test_an_out_of_range_number_is_plain_text(make_harness):
    h = make_harness(FakeBot(answer=buttons_bot))
    h.sim.post(h.sim.text_xml("oOpt", "你好"))
    h.sim.post(h.sim.text_xml("oOpt", "7"))
    assert h.bot.calls[-1][1] == "7"


def test_options_expire(make_harness):
    h = make_harness(FakeBot(answer=buttons_bot), options_ttl=1800.0)
    h.sim.post(h.sim.text_xml("oOpt", "你好"))
    h.clock.advance(1799)
    h.sim.post(h.sim.text_xml("oOpt", "1"))
    assert h.bot.calls[-1][1] == "/ask_overview"  # still the menu's first button
    h.sim.post(h.sim.text_xml("oOpt", "你好"))  # a new menu
    h.clock.advance(1800)
    h.sim.post(h.sim.text_xml("oOpt", "1"))
    assert h.bot.calls[-1][1] == "1"  # expired: a bare number


def test_a_count_question_keeps_bare_numbers_as_answers(make_harness):
    def count_bot(text):
        return [
            {
                "text": "推荐成功了几名？",
                "buttons": [{"title": "没有", "payload": "/deny"}, {"title": "不清楚", "payload": "不清楚"}],
            }
        ]

    h = make_harness(FakeBot(answer=count_bot))
    content = h.sim.reply(h.sim.post(h.sim.text_xml("oC", "开始"))[1])["Content"]
    assert "回复 1" not in content and "没有／不清楚" in content
    h.sim.post(h.sim.text_xml("oC", "2"))
    assert h.bot.calls[-1][1] == "2"
    h.sim.post(h.sim.text_xml("oC", "没有"))
    assert h.bot.calls[-1][1] == "/deny"


# --------------------------------------------------------------------------------------------- long replies


def long_answer(text):
    return [{"text": "\n".join(f"第{i}条：" + "符合条件的人力资源服务机构可按规定申请支持" * 4 for i in range(30))}]


def test_long_reply_first_part_passive_rest_through_customer_service(make_harness):
    h = make_harness(FakeBot(answer=long_answer))
    full = long_answer("")[0]["text"]
    status, body = h.sim.post(h.sim.text_xml("oLong", "全部条款"))
    first = h.sim.reply(body)["Content"]
    assert status == 200 and utf8_len(first) <= 2048 and full.startswith(first + "\n")
    assert 3 <= len(split_text(full)) <= 5  # ~7 KB: within the 5 messages a reply may take
    sent = h.api.wait_sent(len(split_text(full)) - 1)
    assert all(m["touser"] == "oLong" and m["msgtype"] == "text" for m in sent)
    rest = [m["text"]["content"] for m in sent]
    assert all(utf8_len(p) <= 2048 for p in rest)
    assert "\n".join([first, *rest]) == full  # in order, nothing lost, cut between lines
    h.drain()
    assert h.api.sent.empty() and len(h.bot.calls) == 1


def test_follow_up_parts_wait_for_the_followup_delay(make_harness):
    h = make_harness(FakeBot(answer=long_answer), followup_delay=0.5)
    full = long_answer("")[0]["text"]
    first = h.sim.reply(h.sim.post(h.sim.text_xml("oLong", "全部条款"))[1])["Content"]
    assert full.startswith(first + "\n")
    assert h.clock.wait_for_sleepers(1) == [0.5] and h.api.requests == []  # the passive reply goes first
    h.clock.advance(0.5)
    h.drain()
    assert h.api.sent.qsize() == len(split_text(full)) - 1


def test_long_reply_in_safe_mode_is_encrypted_and_within_the_limit(make_harness):
    h = make_harness(FakeBot(answer=long_answer))
    content = h.sim.reply(h.sim.post(h.sim.text_xml("oLong", "全部条款"), encrypted=True)[1], encrypted=True)["Content"]
    assert utf8_len(content) <= 2048 and content.startswith("第0条：")


def test_long_reply_without_customer_service_api_is_trimmed_with_a_note(make_harness):
    h = make_harness(FakeBot(answer=long_answer), app_id="", app_secret="", aes_key="")
    content = h.sim.reply(h.sim.post(h.sim.text_xml("oLong", "全部条款"))[1])["Content"]
    assert utf8_len(content) <= 2048 and content.endswith(TEXTS["truncated"].strip())
    assert h.api.requests == []
