"""False premises: a stated figure, level or condition the text contradicts is corrected; one it states, confirmed."""

import pytest

from policy_kb.kb import PolicyKB
from policy_kb.premises import RIGHT, UNCONFIRMED, WRONG, check_premises

AUTHORITY = "嘉定区人力资源和社会保障局"


@pytest.fixture(scope="module")
def kb():
    return PolicyKB.from_source()


def only(kb, text, ref=None):
    cs = check_premises(kb, text, ref)
    assert len(cs) == 1, [c.line for c in cs]
    return cs[0]


@pytest.mark.parametrize(
    "text, ref, verdict, starts, contains",
    [
        (
            "落户奖励固定100万吗",
            None,
            UNCONFIRMED,
            "不一定是100万元，不是固定金额",
            ["《办法》三、1", "50万—500万元", "经认定"],
        ),
        ("落户奖励1000万吧", None, WRONG, "不是1000万元", ["50万—500万元相应档次落户奖励"]),
        ("落户奖励是50万—500万元吗", None, RIGHT, "是的", ["50万—500万元", "区人社局确定"]),
        ("租金补贴是50%吧", None, WRONG, "不是50%", ["《办法》三、2", "30%"]),
        ("租金补贴是百分之五十吗", None, WRONG, "不是50%", ["30%"]),
        ("租金补贴是30%吗", None, RIGHT, "是的", ["前三年度每年30%"]),
        ("租金补贴给五年", None, WRONG, "不是五年", ["前三年度", "《办法》三、2"]),
        ("租金补贴给5年吗", None, WRONG, "不是5年", ["前三年度"]),
        ("租金补贴给前五年度吗", None, WRONG, "不是前五年度", ["前三年度"]),
        ("租金补贴给三年吗", None, RIGHT, "是的", ["前三年度"]),
        ("租金补贴是一次性的吗", None, WRONG, "不是一次性", ["每年30%"]),
        ("租金补贴固定20万吧", None, WRONG, "不是固定金额", ["每年30%"]),
        ("区级荣誉也能拿吧", None, WRONG, "不是：区级不符合", ["市级以上", "《办法》三、5"]),
        ("区里给的认定也算吧", "三、6", WRONG, "不是：区级不符合", ["市级以上", "《办法》三、6"]),
        ("市级荣誉可以吧", None, RIGHT, "是的：市级", ["市级以上"]),
        ("活动补贴给50%", None, WRONG, "不是50%", ["最高30%", "《办法》三、7"]),
        ("活动补贴能给30%吧", None, UNCONFIRMED, "不一定是30%", ["最高30%", "视其规模和品牌影响力"]),
        ("肯定能拿满30万吧", "三、5", UNCONFIRMED, "不一定能拿到最高的30万元", ["20万—30万元", "区人社局认定"]),
        ("荣誉奖励给25万吗", None, UNCONFIRMED, "不一定是25万元", ["20万—30万元"]),
        ("荣誉奖励分两年发吗", None, WRONG, "不是两年", ["一次性"]),
        ("荣誉奖励每年都有吧", None, WRONG, "不是每年", ["当年度给予一次性"]),
        ("人才推荐补贴给3年吗", None, UNCONFIRMED, "《办法》三、3 没有规定发放年限", ["不能确认3年"]),
        ("实训基地补贴10万吗", None, UNCONFIRMED, "《办法》三、4 没有规定具体金额", ["见习带教费"]),
        ("人才公寓给50万吗", None, WRONG, "《办法》三、8 没有规定资金奖补", ["不能确认50万元"]),
        ("外资机构不能申请吧", "三、2", WRONG, "不是", ["国内外人力资源服务机构", "《办法》二"]),
        ("分公司不能拿落户奖励吧", None, WRONG, "不是", ["分支机构或合资公司"]),
        ("只有总部才能拿落户奖励吧", None, WRONG, "不是只限总部", ["总部机构、分支机构或合资公司"]),
        ("落户奖励只有世界500强才行吧", None, WRONG, "不是只限世界500强", ["中国500强"]),
        ("落户奖励不用认定吧", None, WRONG, "不是", ["经认定给予50万—500万元相应档次落户奖励"]),
        ("实训基地不用评估吧", None, WRONG, "不是", ["经评估符合要求的实训基地"]),
        ("没入驻人才港也能拿租金补贴吧", None, WRONG, "不行", ["上海·嘉定人才港", "《办法》二"]),
        ("租金補貼是五年吧", None, WRONG, "不是五年", ["前三年度"]),  # Traditional
    ],
)
def test_premise(kb, text, ref, verdict, starts, contains):
    c = only(kb, text, ref)
    assert c.verdict == verdict
    assert c.line.startswith(starts), c.line
    assert c.citation in c.line
    for s in contains:
        assert s in c.line, f"{s!r} not in {c.line!r}"


def test_a_figure_inside_a_range_is_never_confirmed(kb):
    for text in ("肯定能拿满30万吧", "能拿20万吧", "荣誉奖励就是30万吧"):
        c = only(kb, text, "三、5")
        assert c.verdict == UNCONFIRMED and not c.line.startswith("是")
        assert "20万—30万元" in c.line
        assert AUTHORITY in " ".join(c.details) and "《办法》五（一）" in " ".join(c.details)


def test_the_institutions_own_figures_are_not_premises(kb):
    assert check_premises(kb, "我们每年房租100万，租金补贴能补多少", "三、2") == []
    assert check_premises(kb, "一年房租100万能补多少", "三、2") == []
    assert check_premises(kb, "举办费200万，活动补贴多少", "三、7") == []
    assert check_premises(kb, "年租金120万元", "三、2") == []


def test_no_premise_no_correction(kb):
    assert check_premises(kb, "租金补贴怎么算") == []
    assert check_premises(kb, "荣誉奖励有多少", "三、5") == []
    assert check_premises(kb, "外资机构能申请吗", "二") == []  # a question, not a claim
    assert check_premises(kb, "你好") == []


def test_several_premises_in_order(kb):
    cs = check_premises(kb, "租金补贴是50%，给五年吧")
    assert [c.stated for c in cs] == ["50%", "五年"]
    assert all(c.verdict == WRONG for c in cs)
    levels = check_premises(kb, "国家级和区级荣誉都能拿吗")
    assert [(c.stated, c.verdict) for c in levels] == [("国家级", RIGHT), ("区级", WRONG)]


def test_the_topic_comes_from_the_text_when_not_given(kb):
    assert only(kb, "落户奖励1000万吧").citation == "《办法》三、1"
    assert only(kb, "落户奖励1000万吧", "三、1").line == only(kb, "1000万吧", "三、1").line


def test_correction_serialises(kb):
    d = only(kb, "租金补贴是50%吧").to_dict()
    assert d == {
        "kind": "percent",
        "verdict": "wrong",
        "stated": "50%",
        "line": "不是50%：《办法》三、2 规定“给予前三年度每年30%的租金补贴”。",
        "citation": "《办法》三、2",
        "details": [],
    }
