"""Citation resolver: every form people use, and clear answers for references that do not exist."""

import pytest

from policy_kb.citations import resolve, resolve_all


@pytest.mark.parametrize(
    "text, ref",
    [
        ("三、2", "三、2"),
        ("三.2", "三、2"),
        ("3.2", "三、2"),
        ("３．２", "三、2"),
        ("三、二", "三、2"),
        ("第三部分第2条", "三、2"),
        ("第三部分第二条", "三、2"),
        ("支持政策第2条", "三、2"),
        ("支持政策第七条", "三、7"),
        ("第七条", "三、7"),
        ("第7条", "三、7"),
        ("第９条", "三、9"),
        ("四（二）", "四（二）"),
        ("四(二)", "四（二）"),
        ("四(2)", "四（二）"),
        ("保障措施第二条", "四（二）"),
        ("其他事项第三条", "五（三）"),
        ("五（三）", "五（三）"),
        ("第五部分", "五"),
        ("第五部分说了什么", "五"),
        ("支持政策第7条原文", "三、7"),
        ("《办法》三、2", "三、2"),
        ("二、3", "二、3"),
        ("支持对象第1条", "二、1"),
        ("支持政策", "三"),
        ("序言", "序言"),
        ("四、2", "四（二）"),
        ("请给我看一下 三、5 的原文", "三、5"),
    ],
)
def test_resolves(text, ref):
    r = resolve(text)
    assert r.ok, r.message
    assert r.ref == ref
    assert r.citation == f"《办法》{ref}"


@pytest.mark.parametrize(
    "text, message",
    [
        ("支持政策第十条", "支持政策共9条"),
        ("第12条", "支持政策共9条"),
        ("三、10", "支持政策共9条"),
        ("保障措施第四条", "保障措施共3条"),
        ("第六部分", "共五个部分"),
        ("总体要求第1条", "没有分条"),
        ("你好", "没有识别出条款编号"),
        ("", "没有识别出条款编号"),
    ],
)
def test_clear_answer_for_bad_references(text, message):
    r = resolve(text)
    assert not r.ok
    assert r.clause is None
    assert message in r.message


def test_amounts_are_not_read_as_citations():
    assert not resolve("1.2亿").ok
    assert not resolve("30%").ok


def test_traditional_chinese():
    assert resolve("支持政策第九條").ref == "三、9"
    assert resolve("保障措施第二條").ref == "四（二）"


def test_canonical_refs_resolve_to_themselves():
    for ref in ("五", "序言", "三、2", "四（二）", "二、3"):
        assert resolve(ref).ref == ref


@pytest.mark.parametrize(
    "text, ref",
    [
        ("三·2", "三、2"),
        ("三-2", "三、2"),
        ("3-2", "三、2"),
        ("三．2", "三、2"),
        ("三・2", "三、2"),
        ("三－2", "三、2"),
        ("3·7", "三、7"),
        ("第三部分第一条", "三、1"),
        ("嘉府办发〔2022〕14号三、2", "三、2"),
        ("14号文第三部分第2条", "三、2"),
        ("《办法》第三部分第二条", "三、2"),
        ("嘉府办发〔2022〕14号第三部分第2条", "三、2"),
        ("14号文3-2", "三、2"),
        ("嘉府办发〔2022〕14号文件三·7的原文", "三、7"),
        ("14号文件第五部分", "五"),
        ("三·2给几年", "三、2"),
    ],
)
def test_dots_hyphens_and_the_document_number(text, ref):
    r = resolve(text)
    assert r.ok, r.message
    assert r.ref == ref


@pytest.mark.parametrize(
    "text", ["2022-1-1", "给3-5年", "1.5万", "021-59991234", "上海·嘉定人才港", "嘉府办发〔2022〕14号", "20-30万"]
)
def test_dates_ranges_phone_numbers_and_the_document_number_alone_are_not_citations(text):
    assert not resolve(text).ok
    assert resolve_all(text) == []


def test_resolve_all_finds_every_reference_in_order():
    found = resolve_all("三、2和三·5，还有支持政策第7条，第五部分")
    assert [(r.ref, r.matched) for r in found] == [
        ("三、2", "三、2"),
        ("三、5", "三·5"),
        ("三、7", "支持政策第7条"),
        ("五", "第五部分"),
    ]
    text = "请看14号文三·7"
    r = resolve_all(text)[0]
    assert text[r.start : r.start + len(r.matched)] == "三·7"


def test_resolve_all_reports_references_that_do_not_exist():
    found = resolve_all("三、2和三、12")
    assert [r.ref for r in found] == ["三、2", None]
    assert "支持政策共9条" in found[1].message
