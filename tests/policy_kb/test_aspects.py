"""Aspects: detecting what a question asks, and answering exactly that, first line first, with its citation."""

import json

import pytest

from policy_kb import aspects
from policy_kb.aspects import answer, detect_aspects, detect_topics, primary_aspects
from policy_kb.kb import PolicyKB
from policy_kb.text import to_simplified

AUTHORITY = "嘉定区人力资源和社会保障局"


@pytest.fixture(scope="module")
def kb():
    return PolicyKB.from_source()


# detection ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("租金补贴多少钱", ["amount"]),
        ("落户奖励最多给多少", ["cap", "amount"]),
        ("租金补贴怎么算", ["computation"]),
        ("租金补贴给几年", ["duration"]),
        ("人才推荐补贴给多少年", ["duration"]),  # 多少年 is one word, not 多少 + 年
        ("荣誉奖励是不是每年都有", ["frequency"]),
        ("荣誉奖励是一次性的吗", ["frequency"]),
        ("实训基地补贴需要满足什么条件", ["conditions"]),
        ("区级荣誉算不算", ["levels"]),
        ("算不算", []),  # alone, not an aspect
        ("这个算不算数", []),
        ("外资猎头公司能申请吗", ["organisations"]),
        ("落户奖励的档次谁定", ["tier"]),
        ("怎么申请，要什么材料", ["procedure"]),
        ("申报截止是什么时候", ["procedure"]),
        ("租金补贴和落户奖励能同时拿吗", ["combine"]),
        ("发我三、3原文", ["text"]),
        ("谁牵头负责", ["authority"]),
        ("租金補貼補幾年", ["duration"]),  # Traditional
        ("榮譽獎勵是不是每年都有", ["frequency"]),
        ("落戶獎勵最高多少", ["cap"]),
        ("你好", []),
    ],
)
def test_detect_aspects(text, expected):
    assert detect_aspects(text) == expected


def test_aspects_are_ordered_by_position_and_deduplicated():
    assert detect_aspects("给几年？每年多少钱？给几年？") == ["duration", "frequency", "amount"]
    assert detect_aspects("条件是什么，给多少") == ["conditions", "amount"]
    assert detect_aspects("给多少，条件是什么") == ["amount", "conditions"]


def test_one_aspect_covers_another_in_the_same_question():
    assert primary_aspects(detect_aspects("最多给多少")) == ["cap"]
    assert primary_aspects(detect_aspects("每年给多少")) == ["amount"]
    assert primary_aspects(detect_aspects("怎么算，多少钱")) == ["computation"]
    assert primary_aspects(["amount", "duration"]) == ["amount", "duration"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("租金补贴怎么算", ["三、2"]),
        ("房租能补吗", ["三、2"]),
        ("租房补贴", ["三、2"]),
        ("落户奖励多少", ["三、1"]),
        ("世界500强能拿多少", ["三、1"]),
        ("引才补贴给多少", ["三、3"]),
        ("猎聘成功有补贴吗", ["三、3"]),
        ("推荐人才", ["三、3"]),
        ("实训基地", ["三、4"]),
        ("见习带教费怎么给", ["三、4"]),
        ("荣誉奖励", ["三、5"]),
        ("获得嘉奖", ["三、5"]),
        ("专业资质认定奖励", ["三、6"]),
        ("创新示范项目", ["三、6"]),
        ("论坛补贴", ["三、7"]),
        ("办会有补贴吗", ["三、7"]),
        ("活动补贴", ["三、7"]),
        ("人才公寓", ["三、8"]),
        ("子女就学", ["三、8"]),
        ("落户名单", ["三、8"]),
        ("诚信", ["三、9"]),
        ("信用评价", ["三、9"]),
        ("支持对象有哪些", ["二"]),
        ("谁能申请", ["二"]),
        ("保障措施", ["四"]),
        ("组织领导", ["四（一）"]),
        ("产业规划", ["四（二）"]),
        ("宣传引导", ["四（三）"]),
        ("实施细则出了吗", ["五（一）"]),
        ("解释权归谁", ["五（二）"]),
        ("实施日期", ["五（三）"]),
        ("这个政策还有效吗", ["文件"]),
        ("14号文有效期", ["文件"]),
        ("租金补贴和落户奖励", ["三、2", "三、1"]),
        ("三·2给几年", ["三、2"]),
        ("支持政策第7条", ["三、7"]),
        ("嘉府办发〔2022〕14号三、2", ["三、2"]),
        ("三、1和三、5能同时拿吗", ["三、1", "三、5"]),
        ("谁能申请租金补贴", ["三、2"]),  # the specific measure, not also 二
        ("这个政策的租金补贴", ["三、2"]),  # not also 文件
        ("租金補貼", ["三、2"]),
        ("榮譽獎勵", ["三、5"]),
        ("今天天气", []),
    ],
)
def test_detect_topics(kb, text, expected):
    assert detect_topics(text, kb.document) == expected


def test_trigger_and_topic_words_are_simplified_chinese():
    lex = aspects.lexicon()
    words = [w for spec in lex["aspects"].values() for w in (spec.get("triggers") or [])]
    words += [w for ws in lex["topics"].values() for w in ws]
    assert [w for w in words if to_simplified(w) != w] == []


def test_topic_refs_exist(kb):
    for ref in aspects.lexicon()["topics"]:
        assert ref == aspects.DOCUMENT or kb.clause(ref) is not None, ref


# answers: every measure × every aspect that applies ---------------------------------------------------------
TABLE = [
    # ref, aspect, question, substrings of the first line (the citation is checked for every row)
    ("三、1", "summary", None, ["50万—500万元", "经认定", "总部机构、分支机构或合资公司"]),
    ("三、1", "amount", None, ["50万—500万元", "相应档次", "经认定"]),
    ("三、1", "cap", None, ["最高500万元"]),
    ("三、1", "computation", None, ["没有规定", "计算方法"]),
    ("三、1", "duration", None, ["未规定", "分几年发放"]),
    ("三、1", "frequency", None, ["未规定", "一次性还是分年"]),
    ("三、1", "conditions", None, ["世界500强企业、中国500强企业", "总部机构、分支机构或合资公司", "经认定"]),
    ("三、1", "organisations", "外资能拿落户奖励吗", ["是", "境内外", "合资公司"]),
    ("三、1", "tier", None, ["未规定分档标准", "50万—500万元"]),
    ("三、2", "summary", None, ["前三年度每年30%"]),
    ("三、2", "amount", None, ["30%", "前三年度"]),
    ("三、2", "cap", None, ["没有规定", "金额上限", "30%"]),
    ("三、2", "computation", None, ["每年租金×30%", "前三年度"]),
    ("三、2", "duration", None, ["前三年度"]),
    ("三、2", "frequency", "是不是每年都有", ["是", "每年"]),
    ("三、2", "frequency", "是一次性给吗", ["不是一次性", "前三年度每年30%"]),
    ("三、2", "conditions", None, ["符合一定条件的新入驻人力资源服务机构"]),
    ("三、2", "tier", None, ["不是档次", "30%"]),
    ("三、3", "summary", None, ["1万—50万元", "3+1"]),
    ("三、3", "amount", None, ["1万—50万元", "相应档次"]),
    ("三、3", "cap", None, ["最高50万元"]),
    ("三、3", "computation", None, ["未规定是否按推荐人数累计"]),
    ("三、3", "duration", None, ["1万—50万元相应档次补贴", "未规定分几年发放"]),
    ("三、3", "frequency", None, ["未规定", "一次性还是分年"]),
    ("三、3", "conditions", None, ["高层次人才、高技能人才", "推荐成功"]),
    ("三、3", "tier", None, ["1万—50万元之间", "未规定分档标准"]),
    ("三、4", "summary", None, ["经评估符合要求的实训基地", "见习带教费"]),
    ("三、4", "amount", None, ["未规定", "具体金额", "规模和成效"]),
    ("三、4", "cap", None, ["未规定", "具体金额"]),
    ("三、4", "computation", None, ["按基地培养人才的规模和成效"]),
    ("三、4", "duration", None, ["未规定", "给几年"]),
    ("三、4", "frequency", None, ["未规定"]),
    ("三、4", "conditions", None, ["在嘉定区建立人才培养实训基地", "经评估符合要求"]),
    ("三、4", "tier", None, ["未规定", "档次"]),
    ("三、5", "summary", None, ["市级以上", "一次性20万—30万元"]),
    ("三、5", "amount", None, ["一次性20万—30万元", "相应档次"]),
    ("三、5", "cap", None, ["最高30万元", "不一定"]),
    ("三、5", "computation", None, ["没有规定"]),
    ("三、5", "duration", None, ["一次性", "不分年"]),
    ("三、5", "frequency", None, ["一次性", "当年度"]),
    ("三、5", "frequency", "每年都能拿吗", ["不是每年", "一次性"]),
    ("三、5", "conditions", None, ["市级以上相关行业主管部门颁发的荣誉或嘉奖", "当年度"]),
    ("三、5", "levels", None, ["市级以上", "区级不符合"]),
    ("三、5", "levels", "区级荣誉算不算", ["否", "区级", "市级以上"]),
    ("三、5", "levels", "区里的荣誉可以吗", ["否"]),
    ("三、5", "levels", "市级荣誉算不算", ["是", "市级以上"]),
    ("三、5", "levels", "国家级的呢", ["是"]),
    ("三、5", "levels", "区级和市级都算吗", ["区级不算", "市级、国家级算"]),
    ("三、5", "levels", "外省的省级荣誉呢", ["省级", "未作规定"]),
    ("三、5", "tier", None, ["20万—30万元之间", "未规定分档标准"]),
    ("三、6", "summary", None, ["专业资质或创新示范项目认定", "20万—30万元"]),
    ("三、6", "amount", None, ["一次性20万—30万元"]),
    ("三、6", "cap", None, ["最高30万元"]),
    ("三、6", "duration", None, ["一次性"]),
    ("三、6", "frequency", None, ["一次性"]),
    ("三、6", "conditions", None, ["市级以上相关行业主管部门的专业资质或创新示范项目认定的企业"]),
    ("三、6", "levels", "区级认定可以吗", ["否", "区级"]),
    ("三、6", "levels", "国家级认定算吗", ["是"]),
    ("三、6", "tier", None, ["20万—30万元之间"]),
    ("三、7", "summary", None, ["最高30%", "一次性补贴"]),
    ("三、7", "amount", None, ["最高30%", "一次性"]),
    ("三、7", "cap", None, ["最高为举办费的30%"]),
    ("三、7", "computation", None, ["举办费×比例", "最高30%"]),
    ("三、7", "duration", None, ["一次性"]),
    ("三、7", "frequency", None, ["一次性"]),
    ("三、7", "frequency", "每次活动都有吗", ["不是每年", "未规定"]),
    ("三、7", "conditions", None, ["论坛、节展等活动"]),
    ("三、7", "tier", None, ["视其规模和品牌影响力", "最高30%"]),
    ("三、8", "summary", None, ["人才公寓、医疗保障、子女就学"]),
    ("三、8", "amount", None, ["没有规定金额", "不是资金奖补"]),
    ("三、8", "conditions", None, ["优质人力资源服务机构"]),
    ("三、8", "levels", None, ["区级相关人才政策保障服务", "不是对荣誉或认定级别的要求"]),
    ("三、9", "summary", None, ["信用评价", "不是机构申请的奖补"]),
    ("三、9", "amount", None, ["不是机构申请的奖补", "没有规定金额"]),
    ("二", "summary", None, ["上海·嘉定人才港", "国内外人力资源服务机构"]),
    ("二", "conditions", None, ["具备一定条件的", "上海·嘉定人才港"]),
    ("二", "organisations", "外资机构能申请吗", ["是", "国内外人力资源服务机构"]),
    ("二", "organisations", "分公司可以申请吗", ["可以", "分支机构"]),
    ("三", "summary", None, ["共9条", "落户奖励（三、1）", "诚信体系建设（三、9）"]),
    ("三", "amount", None, ["没有规定", "奖补总额"]),
    ("三", "cap", None, ["请问是哪一项"]),
    ("四", "summary", None, ["加强组织领导、编制产业规划、加强宣传引导"]),
    ("四", "authority", None, ["嘉定区人才工作领导小组", "统筹协调", AUTHORITY + "牵头负责具体组织实施"]),
    ("四（一）", "authority", None, ["嘉定区人才工作领导小组", AUTHORITY + "牵头"]),
    ("四（二）", "summary", None, ["编制产业规划", "发展规划"]),
    ("四", "amount", None, ["不是机构申请的奖补"]),
    ("五", "summary", None, ["实施细则", "负责解释", "2022年1月1日"]),
    ("五（一）", "summary", None, ["实施细则由" + AUTHORITY + "另行制定"]),
    ("五（二）", "summary", None, ["本办法由" + AUTHORITY + "负责解释"]),
    ("五（三）", "summary", None, ["2022年1月1日起实施"]),
    ("五（三）", "duration", None, ["试行", "没有规定截止日期", "2022年1月1日"]),
    ("文件", "summary", None, ["嘉府办发〔2022〕14号", "上海市嘉定区人民政府办公室", "2022年1月1日"]),
    ("文件", "duration", "这个政策有效期多久", ["试行", "没有规定截止日期或有效期限"]),
    ("文件", "authority", None, ["负责解释", AUTHORITY]),
    ("文件", "conditions", None, ["具备一定条件的"]),
]


@pytest.mark.parametrize("ref, aspect, question, expect", TABLE, ids=[f"{r}-{a}-{q or ''}" for r, a, q, _ in TABLE])
def test_first_line(kb, ref, aspect, question, expect):
    a = answer(kb, ref, aspect, text=question)
    assert a.ref == ref and a.aspect == aspect
    assert a.citation in a.first_line
    for s in expect:
        assert s in a.first_line, f"{s!r} not in {a.first_line!r}"


def test_the_issue_example(kb):
    a = answer(kb, "三、3", "duration")
    assert (
        a.first_line
        == "人才推荐补贴按推荐成功的人才给予1万—50万元相应档次补贴，《办法》未规定分几年发放（《办法》三、3）。"
    )


def test_the_level_answer_follows_the_question(kb):
    assert answer(kb, "三、5", "levels", text="区级荣誉算不算").first_line.startswith("否")
    assert answer(kb, "三、5", "levels", text="市级荣誉算不算").first_line.startswith("是")
    assert answer(kb, "三、5", "levels", text="國家級榮譽算嗎").first_line.startswith("是")  # Traditional
    assert answer(kb, "三、5", "levels").first_line.startswith("须为市级以上")


# the text is silent: say so and defer --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "ref, aspect, must",
    [
        ("三、3", "duration", "未规定分几年发放"),
        ("三、1", "frequency", "未规定"),
        ("三、1", "duration", "未规定"),
        ("三、4", "amount", "未规定"),
        ("三、2", "procedure", "没有规定申报材料、申报时间和申报程序"),
        ("文件", "procedure", "没有规定申报材料"),
        ("三、2", "combine", "没有规定"),
        ("三、2", "levels", "没有规定"),
        ("三、3", "organisations", "未就外资、合资或分支机构另作规定"),
    ],
)
def test_silent_answers_say_so_and_defer(kb, ref, aspect, must):
    a = answer(kb, ref, aspect)
    assert a.silent
    assert must in a.first_line
    assert AUTHORITY in a.text and "《办法》五（一）" in a.text


def test_combine_names_the_measures_asked_about(kb):
    a = answer(kb, "三、2", "combine", text="租金补贴和落户奖励能同时拿吗")
    assert "租金补贴（《办法》三、2）与落户奖励（《办法》三、1）" in a.first_line
    assert "没有规定" in a.first_line and "《办法》五（一）" in a.first_line
    assert "租金补贴（《办法》三、2）与其他支持政策" in answer(kb, "三、2", "combine").first_line
    assert "多项支持政策" in answer(kb, "文件", "combine").first_line


def test_text_aspect_is_verbatim(kb):
    a = answer(kb, "三、2", "text")
    assert kb.clause("三、2").text_norm in a.first_line
    part = answer(kb, "五", "text")
    assert [
        kb.clause(r).text_norm in d for r, d in zip(("五（一）", "五（二）", "五（三）"), part.details, strict=True)
    ] == [True] * 3
    assert "共9条" in answer(kb, "三", "text").first_line
    assert "共5个部分" in answer(kb, "文件", "text").first_line


def test_amounts_come_from_the_rules(kb):
    """Change the rules' range and the answer follows: nothing is typed twice."""
    import dataclasses

    rules = kb.rules
    m = rules.measure("三、3")
    changed = dataclasses.replace(m, benefit={**m.benefit, "min": 20000, "max": 600000})
    fake = PolicyKB(
        kb.document, dataclasses.replace(rules, measures=[changed if x.id == "三、3" else x for x in rules.measures])
    )
    assert "2万—60万元" in answer(fake, "三、3", "amount").first_line


# buttons and payloads -------------------------------------------------------------------------------------------
def test_buttons_and_payloads(kb):
    a = answer(kb, "三、3", "duration")
    assert [b["title"] for b in a.buttons] == ["完整条件", "原文", "看看我们能否申请"]
    assert a.buttons[0]["payload"] == '/ask_followup{"aspect":"conditions","topic":"三、3"}'
    assert a.buttons[1]["payload"] == '/ask_followup{"aspect":"text","topic":"三、3"}'
    assert a.buttons[2]["payload"] == '/start_eligibility_check{"topic":"三、3"}'
    intent, _, body = a.buttons[0]["payload"][1:].partition("{")
    assert intent == "ask_followup" and json.loads("{" + body) == {"aspect": "conditions", "topic": "三、3"}


def test_buttons_fit_the_clause_and_the_aspect(kb):
    titles = lambda ref, aspect: [b["title"] for b in answer(kb, ref, aspect).buttons]  # noqa: E731
    assert "完整条件" not in titles("三、3", "conditions")
    assert "原文" not in titles("三、3", "text")
    assert titles("三、9", "summary") == ["原文"]  # not a benefit to apply for
    assert titles("四", "summary") == ["原文"]
    assert titles("文件", "summary") == ["看看我们能否申请"]
    assert answer(kb, "文件", "summary").buttons[0]["payload"] == "/start_eligibility_check"


# what applies where, and bad input -----------------------------------------------------------------------------
def test_which_aspects_each_ref_answers_specifically():
    assert "levels" in aspects.applicable("三、5") and "levels" in aspects.applicable("三、6")
    assert "levels" not in aspects.applicable("三、2")
    assert "organisations" in aspects.applicable("二") and "organisations" in aspects.applicable("三、1")
    assert "organisations" not in aspects.applicable("三、2")  # answered from 二
    for ref in [f"三、{i}" for i in range(1, 8)]:
        assert {"summary", "amount", "conditions"} <= set(aspects.applicable(ref)), ref
    assert "authority" in aspects.applicable("四（一）") and "authority" in aspects.applicable("四")


def test_unknown_ref_or_aspect_is_an_error(kb):
    with pytest.raises(KeyError):
        answer(kb, "三、10", "amount")
    with pytest.raises(KeyError):
        answer(kb, "三、2", "colour")


def test_answer_serialises(kb):
    d = answer(kb, "三、2", "duration").to_dict()
    assert d["ref"] == "三、2" and d["aspect"] == "duration" and d["citation"] == "《办法》三、2"
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d
