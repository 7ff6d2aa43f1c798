"""Parser: every clause present, page breaks rejoined, metadata right, verbatim text kept."""

import datetime as dt

import pytest

from policy_kb.text import SOURCE_PATH, load_document, normalise, parse, source_text

SHARED = SOURCE_PATH.parents[2].parent / "shared" / "policy" / "jiading-hr-services-2022.txt"

EXPECTED_REFS = (
    ["序言", "一", "二", "二、1", "二、2", "二、3", "三"]
    + [f"三、{i}" for i in range(1, 10)]
    + ["四", "四（一）", "四（二）", "四（三）", "五", "五（一）", "五（二）", "五（三）"]
)


def test_packaged_text_is_the_published_text_verbatim():
    if not SHARED.exists():
        pytest.skip(f"shared policy text not beside the checkout ({SHARED})")
    assert SOURCE_PATH.read_bytes() == SHARED.read_bytes()


def test_every_clause_present_in_document_order():
    doc = load_document()
    assert [c.ref for c in doc.clauses] == EXPECTED_REFS


def test_part_titles():
    doc = load_document()
    assert [(p.ref, p.heading) for p in doc.parts()] == [
        ("一", "总体要求"),
        ("二", "支持对象"),
        ("三", "支持政策"),
        ("四", "保障措施"),
        ("五", "其他事项"),
    ]


def test_metadata():
    doc = load_document()
    assert doc.title == "嘉定区促进人力资源服务业集聚支持办法（试行）"
    assert doc.doc_number == "嘉府办发〔2022〕14号"
    assert doc.issuer == "上海市嘉定区人民政府办公室"
    assert doc.issued_on == dt.date(2022, 6, 8)
    assert doc.printed_on == dt.date(2022, 6, 9)
    assert doc.effective_on == dt.date(2022, 1, 1)
    assert doc.interpreter == "嘉定区人力资源和社会保障局"
    assert doc.implementer == "嘉定区人力资源和社会保障局"
    assert doc.basis == [
        ("《关于推进新时代人力资源服务业高质量发展的意见》", "人社部发〔2021〕89号"),
        ("《关于促进本市人力资源服务业高质量发展的实施意见》", "沪人社力〔2022〕19号"),
    ]


def test_page_breaks_rejoined():
    doc = load_document()
    assert doc.page_break_joins == ["三、3", "三、8"]
    assert "对于推荐成功的给予 1 万—50 万元相应档次补贴。" in doc.clause("三、3").text
    assert "人才引进直接落户机构名单，享受嘉定新城人才政策。" in doc.clause("三、8").text
    assert "\n" not in doc.clause("三、3").text


def test_verbatim_and_normalised_forms():
    c = load_document().clause("三、1")
    assert "入选世界 500 强企业、中国 500 强企业" in c.text  # as printed
    assert c.text in source_text().replace("\n\n", "") or c.text in source_text()
    assert "入选世界500强企业、中国500强企业" in c.text_norm
    assert "50万—500万元" in c.text_norm
    assert normalise("前三年度每年 30% 的租金") == "前三年度每年30%的租金"
    assert normalise("五、(一) 本办法") == "五、（一）本办法"


def test_every_item_text_occurs_in_source_modulo_page_breaks():
    text = source_text()
    flat = text.replace("\n\n", "")
    for c in load_document().clauses:
        if c.kind == "item" and c.ref not in ("三、3", "三、8"):
            assert c.text in text, c.ref
        elif c.kind == "item":
            assert c.text in flat, c.ref


def test_citations_are_canonical():
    doc = load_document()
    assert doc.clause("三、2").citation == "《办法》三、2"
    assert doc.clause("四（二）").citation == "《办法》四（二）"
    assert doc.clause("四（一）").heading == "加强组织领导"


def test_content_hash_changes_with_text():
    a = parse(source_text())
    b = parse(source_text().replace("30%", "40%"))
    assert a.source_hash != b.source_hash
    assert "40%" in b.clause("三、2").text


def test_broken_text_is_rejected_clearly():
    with pytest.raises((ValueError, StopIteration)):
        parse("这不是政策文本")


@pytest.mark.parametrize("drop", ["印发", "〔2022〕", "嘉定区促进人力资源服务业集聚支持办法"])
def test_a_text_missing_a_required_line_is_a_value_error(drop):
    """A revised or mistyped file without a line the parser needs (the printing date, the document number, the
    title) is refused with ValueError — not StopIteration leaking out of a generator."""
    text = "\n".join(line for line in source_text().splitlines() if drop not in line)
    with pytest.raises(ValueError, match="required line is missing"):
        parse(text)
