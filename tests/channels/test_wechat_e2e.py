"""End to end: WeChat's server (simulated) → the real Rasa server with the trained model → the real action server.

The Rasa server loads bot/credentials.yml as in production; the WeChat settings come from the environment. The
customer-service API points at a closed local port: nothing leaves 127.0.0.1. The reply budget is generous (a
cold server on a busy CI machine can take a few seconds for its first turns); the passive path is what is checked.
"""

import pytest

from tests.channels.conftest import APP_ID, ENCODING_AES_KEY, TOKEN, WeChatSim, free_port
from tests.e2e.servers import Servers


@pytest.fixture(scope="module")
def rasa_wechat(tmp_path_factory):
    servers = Servers(
        tmp_path_factory.mktemp("wechat"),
        env={
            "WECHAT_TOKEN": TOKEN,
            "WECHAT_APP_ID": APP_ID,
            "WECHAT_AES_KEY": ENCODING_AES_KEY,
            "WECHAT_APP_SECRET": "",
            "WECHAT_API_BASE": f"http://127.0.0.1:{free_port()}",
            "WECHAT_REPLY_BUDGET": "20",
        },
    )
    servers.env["PUBLIC_BASE_URL"] = servers.url  # the report links the bot sends point at this server
    servers.start()
    yield servers
    servers.stop()


def test_rent_question_over_wechat_gets_a_passive_reply_with_the_citation(rasa_wechat):
    sim = WeChatSim(rasa_wechat.url)
    status, body = sim.post(sim.text_xml("oE2eUser1", "租金补贴怎么算"))
    assert status == 200, (body, rasa_wechat.log("rasa")[-3000:])
    reply = sim.reply(body)
    assert reply["ToUserName"] == "oE2eUser1" and reply["MsgType"] == "text"
    assert "《办法》三、2" in reply["Content"]
    assert "**" not in reply["Content"] and len(reply["Content"].encode()) <= 2048


def test_handshake_and_safe_mode_through_rasa(rasa_wechat):
    sim = WeChatSim(rasa_wechat.url)
    assert sim.request("GET", {**sim.query(), "echostr": "e2e-echo"}) == (200, "e2e-echo")
    assert sim.request("GET", {**sim.query(signature="0" * 40), "echostr": "e2e-echo"}) == (403, "")
    status, body = sim.post(sim.text_xml("oE2eUser2", "有哪些支持政策"), encrypted=True)
    assert status == 200
    content = sim.reply(body, encrypted=True)["Content"]
    assert "回复 2 " in content  # the overview's buttons as numbered options
    status, body = sim.post(sim.text_xml("oE2eUser2", "2"), encrypted=True)
    assert "《办法》三、2" in sim.reply(body, encrypted=True)["Content"]  # "2" → the second button's payload


def test_after_a_report_the_export_link_what_if_and_feedback_over_wechat(rasa_wechat):
    """The report's buttons are numbered options; 导出报告 sends the link as text, and it opens; a what-if and a
    没帮助 typed after an answer work as on the web page."""
    import re
    import urllib.request

    sim = WeChatSim(rasa_wechat.url)

    def say(text: str) -> str:
        status, body = sim.post(sim.text_xml("oE2eUser3", text))
        assert status == 200, body
        return sim.reply(body)["Content"]

    say("我们是做人力资源外包的，2025年3月入驻人才港，每年房租120万，帮我看看能享受哪些政策")
    report = say("直接看结果")
    assert "【政策自测】" in report
    reply = say("导出报告")
    assert reply.startswith("报告已生成")
    link = re.search(re.escape(rasa_wechat.url) + r"/webhooks/web/report/[A-Za-z0-9_-]{43}\.pdf", reply).group(0)
    with urllib.request.urlopen(link, timeout=60) as r:
        assert r.status == 200 and r.read(4) == b"%PDF"
    assert say("如果年租金是200万呢").startswith("假设年租金200万元（其余情况不变）")
    assert say("没帮助").startswith("抱歉没能帮到您，已记录")


def test_a_message_for_the_bureau_over_wechat(rasa_wechat):
    """转人工 → the ticket form, answered by typing (WeChat has no buttons) → the ticket number; the phone is
    said back masked."""
    import re

    sim = WeChatSim(rasa_wechat.url)

    def say(text: str) -> str:
        status, body = sim.post(sim.text_xml("oE2eUser4", text))
        assert status == 200, body
        return sim.reply(body)["Content"]

    assert "名称" in say("转人工")
    say("上海某某人力资源有限公司")
    say("李经理")
    assert "139****6421" in say("13912346421")
    done = say("见习带教费什么时候发放？")
    assert re.search(r"JD-\d{8}-\d{4}", done) and "13912346421" not in done
