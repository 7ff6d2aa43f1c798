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
