"""Ranked search over clauses with the policy dictionary."""

import pytest

from policy_kb.kb import PolicyKB
from policy_kb.search import tokens


@pytest.fixture(scope="module")
def kb():
    return PolicyKB.from_source()


@pytest.mark.parametrize(
    "query, ref",
    [
        ("区块链", "三、6"),
        ("见习带教费", "三、4"),
        ("租金", "三、2"),
        ("人才公寓", "三、8"),
        ("猎头", "二、1"),
        ("诚信", "三、9"),
        ("负责解释", "五（二）"),
        ("论坛", "三、7"),
        ("高技能人才", "三、3"),
        ("500强", "三、1"),
        ("实施细则", "五（一）"),
        ("创新示范项目", "三、6"),
        ("组织领导", "四（一）"),
        ("应届毕业生落户", "三、8"),
    ],
)
def test_top_hit(kb, query, ref):
    hits = kb.search(query)
    assert hits, query
    assert hits[0].ref == ref
    assert hits[0].citation == f"《办法》{ref}"
    assert hits[0].title
    assert hits[0].snippet


def test_results_are_ranked(kb):
    hits = kb.search("人才", limit=10)
    assert len(hits) > 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_snippet_shows_the_term(kb):
    assert "区块链" in kb.search("区块链")[0].snippet


def test_no_results_and_empty_query(kb):
    assert kb.search("天气预报") == []
    assert kb.search("   ") == []
    assert kb.search("？？？") == []


def test_policy_terms_are_one_token():
    assert "见习带教费" in tokens("给予见习带教费等补贴")
    assert "人才港" in tokens("入驻人才港")


def test_traditional_chinese_query(kb):
    assert kb.search("見習帶教費")[0].ref == "三、4"
