"""Bot turns → WeChat text: markdown stripped, buttons as numbered options, ≤ 2048 bytes per message."""

import pytest

from bot.channels.wechat import WeChatConfig, WeChatInput
from bot.channels.wechat_state import MemoryTTLStore
from bot.channels.wechat_text import (
    MAX_TEXT_BYTES,
    fit_parts,
    load_messages,
    render_turn,
    split_text,
    strip_markdown,
    utf8_len,
)
from bot.channels.wechat_xml import cdata, text_reply

TEXTS = load_messages()


def test_markdown_is_stripped():
    text = "## 标题\n**重点**：见`三、2`与__原文__\n- 第一项\n* 第二项\n> 引用\n[详情](https://example.org/a)\n---"
    assert (
        strip_markdown(text) == "标题\n重点：见三、2与原文\n· 第一项\n· 第二项\n引用\n详情（https://example.org/a）\n"
    )
    assert strip_markdown("年租金×30%*3") == "年租金×30%*3"  # a lone star is not markdown
    assert strip_markdown("a\x00b\x1fc\n\td") == "abc\n\td"  # XML cannot carry control characters


def test_a_link_is_kept_as_it_is():
    """A report token is URL-safe base64 and may hold "__"; with two links in one reply the pair once read as
    emphasis and the links lost their underscores (CI: the WeChat report link did not open)."""
    token = "ab__cdEFghijklmnopqrstuvwxyz0123456789-_XYZ"
    text = f"网页版：http://localhost:5005/webhooks/web/report/{token}\nPDF：http://localhost:5005/webhooks/web/report/{token}.pdf"
    assert strip_markdown(text) == text
    assert strip_markdown("**见 https://a.example/x__y**，__重点__") == "见 https://a.example/x__y，重点"
    assert strip_markdown(f"[报告](https://a.example/{token})") == f"报告（https://a.example/{token}）"


def test_buttons_become_numbered_options():
    turn = render_turn(
        [
            {"text": "您好！可以问我："},
            {
                "text": "请选择",
                "buttons": [
                    {"title": "有哪些支持政策", "payload": "/ask_overview"},
                    {"title": "**谁**可以申请", "payload": "/ask_support_objects"},
                ],
            },
        ],
        TEXTS,
    )
    assert turn.text == "您好！可以问我：\n\n请选择\n\n回复 1 有哪些支持政策\n回复 2 谁可以申请"
    assert turn.options.resolve("2") == "/ask_support_objects"
    assert turn.options.resolve(" １ ") == "/ask_overview"  # full-width digits, spaces
    assert turn.options.resolve("谁可以申请") == "/ask_support_objects"
    assert turn.options.resolve("3") is None and turn.options.resolve("12") is None
    assert turn.options.resolve("租金补贴") is None


def test_a_question_asking_for_a_number_keeps_numbers_as_answers():
    turn = render_turn(
        [
            {
                "text": "推荐成功了几名？",
                "buttons": [{"title": "没有", "payload": "/deny"}, {"title": "不清楚", "payload": "不清楚"}],
            }
        ],
        TEXTS,
    )
    assert "回复 1" not in turn.text and "没有／不清楚" in turn.text
    assert turn.options.resolve("1") is None and turn.options.resolve("没有") == "/deny"


def test_images_and_empty_turns():
    assert render_turn([{"image": "https://example.org/a.png"}], TEXTS).text == "https://example.org/a.png"
    turn = render_turn([], TEXTS)
    assert turn.text == "" and not turn.options


def test_short_text_is_one_part():
    assert split_text("  租金补贴每年按租金的一定比例给予。 ") == ["租金补贴每年按租金的一定比例给予。"]


def test_long_text_is_split_at_line_boundaries():
    lines = [f"第{i}行：" + "政策内容说明" * 10 for i in range(60)]  # ~12 KB
    parts = split_text("\n".join(lines))
    assert len(parts) > 1
    assert all(utf8_len(p) <= MAX_TEXT_BYTES for p in parts)
    assert "\n".join(parts).split("\n") == lines  # nothing lost, every cut between two lines


def test_a_long_line_is_split_at_clause_boundaries():
    sentence = "符合条件的机构可以申请补贴，" * 200 + "具体以实施细则为准。"
    parts = split_text(sentence)
    assert all(utf8_len(p) <= MAX_TEXT_BYTES for p in parts)
    assert all(p.endswith("，") for p in parts[:-1]) and "".join(parts) == sentence


def test_text_without_any_boundary_is_cut_between_characters():
    parts = split_text("字" * 1500)
    assert [utf8_len(p) for p in parts] == [2046, 2046, 408] and "".join(parts) == "字" * 1500


def test_fit_parts_trims_what_does_not_fit_with_a_note():
    text = "\n".join(f"第{i}段。" + "内容" * 300 for i in range(10))
    parts = fit_parts(text, 2, TEXTS["truncated"])
    assert len(parts) == 2 and parts[-1].endswith(TEXTS["truncated"])
    assert all(utf8_len(p) <= MAX_TEXT_BYTES for p in parts)
    assert fit_parts("短", 1, TEXTS["truncated"]) == ["短"]


def test_cdata_survives_its_terminator():
    import xml.etree.ElementTree as ET

    xml = text_reply("oUser", "gh_x", "a]]>b<c>&", 1)
    assert ET.fromstring(xml).find("Content").text == "a]]>b<c>&"
    assert cdata("x") == "<![CDATA[x]]>"


def test_welcome_says_what_the_assistant_does_without_policy_figures():
    welcome = TEXTS["welcome"]
    assert "《嘉定区促进人力资源服务业集聚支持办法（试行）》" in welcome
    assert all(word in welcome for word in ("政策问答", "条款", "自测"))
    for key in ("welcome", "text_only", "empty_message", "busy", "unavailable", "truncated"):
        assert "万元" not in TEXTS[key] and "%" not in TEXTS[key]
    assert "请发送文字" in TEXTS["text_only"]


def test_ttl_cache_expires_entries():
    now = [100.0]
    cache = MemoryTTLStore(ttl=60, max_items=3, clock=lambda: now[0])
    assert (cache.ttl, cache.max_items) == (60, 3)
    cache.set("a", 1)
    now[0] += 59
    assert cache.get("a") == 1
    now[0] += 1
    assert cache.get("a") is None  # ttl seconds after the write
    for key in "bcde":
        cache.set(key, key)
    assert cache.get("b") is None and cache.get("e") == "e"  # the oldest goes first when full
    assert MemoryTTLStore(ttl=60).max_items == 10_000


def test_ttl_cache_add_claims_once_and_pop_forgets():
    now = [0.0]
    cache = MemoryTTLStore(ttl=60, clock=lambda: now[0])
    assert cache.add("m", {"passive": None}) is True
    assert cache.add("m", {"passive": "x"}) is False  # a retry finds it claimed
    now[0] += 30
    cache.set("m", {"passive": "答复"})  # a write restarts the ttl
    now[0] += 59
    assert cache.get("m") == {"passive": "答复"}
    now[0] += 1
    assert cache.add("m", {"passive": None}) is True  # expired: claimable again
    cache.pop("m")
    cache.pop("never-set")  # no KeyError
    assert cache.get("m") is None


def test_config_from_credentials_and_environment():
    creds = {"token": "from-file", "app_id": "", "reply_budget": 3, "api_base": None}
    env = {
        "WECHAT_TOKEN": "from-env",
        "WECHAT_APP_ID": "wxenv",
        "WECHAT_AES_KEY": "",
        "WECHAT_REPLY_BUDGET": "1.5",
        "WECHAT_API_BASE": "http://127.0.0.1:9",
    }
    config = WeChatConfig.from_credentials(creds, env)
    assert (config.token, config.app_id, config.aes_key, config.reply_budget, config.api_base) == (
        "from-env",
        "wxenv",
        "",
        1.5,
        "http://127.0.0.1:9",
    )
    assert WeChatConfig.from_credentials(None, {}).api_base == "https://api.weixin.qq.com"
    with pytest.raises(ValueError, match="unknown"):
        WeChatConfig.from_credentials({"tokn": "x"}, {})
    with pytest.raises(ValueError, match="reply_budget"):
        WeChatConfig.from_credentials({}, {"WECHAT_REPLY_BUDGET": "soon"})
    with pytest.raises(ValueError):
        WeChatInput(WeChatConfig(token="t", aes_key="too-short"))


def test_credentials_yml_block_loads_without_secrets(monkeypatch):
    from pathlib import Path

    import yaml

    for var in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET", "WECHAT_AES_KEY", "WECHAT_API_BASE"):
        monkeypatch.delenv(var, raising=False)
    creds = yaml.safe_load((Path(__file__).parents[2] / "bot" / "credentials.yml").read_text(encoding="utf-8"))
    block = creds["bot.channels.wechat.WeChatInput"]
    assert not any(block.get(k) for k in ("token", "app_id", "app_secret", "aes_key"))  # no committed secrets
    channel = WeChatInput.from_credentials(block)
    assert channel.name() == "wechat" and channel.config.token == ""
