"""The kept report's printable page and PDF (bot/channels/report_page.py), from report data made by the real engine.

The PDF is checked as a reader gets it: its text through poppler's ``pdftotext -layout`` (amounts, citations, the
institution, the date, the version hash, the disclaimer), its fonts through ``pdffonts`` (a Noto CJK font embedded),
its layout through WeasyPrint's boxes (nothing wider than the 180 mm between A4's 15 mm margins)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.channels import report_page
from bot.channels.report_page import MESSAGES, PAGE_CSP, render_html, render_pdf
from policy_kb.kb import PolicyKB
from policy_kb.profile import Profile
from policy_kb.report import report_data, stated_profile

TODAY = date(2026, 12, 1)
CREATED = dt.datetime(2026, 12, 1, 3, 4)  # naive UTC: 11:04 in Beijing
EXPIRES = CREATED + dt.timedelta(days=30)
SOURCE_HASH = "0123456789abcdef" * 4
RULES_HASH = "fedcba9876543210" * 4
VERSION = {
    "doc_number": "嘉府办发〔2022〕14号",
    "effective_on": "2022-06-01",
    "source_hash": SOURCE_HASH,
    "rules_hash": RULES_HASH,
}
HOSTILE = '<script>alert("x")</script>&<b>人才</b>'
PROFILE = {
    "name": "上海嘉人人力资源咨询有限公司",
    "category": "高端猎头",
    "entry_date": "2025-03",
    "annual_rent": 600_000,
    "rank_500": "global",
    "establishment": "总部",
    "talent_recommendations": 4,
    "training_base": True,
    "honour_level": "市级",
    "honour_year": 2026,
    "event_cost": 1_000_000,
}


@pytest.fixture(scope="module")
def kb() -> PolicyKB:
    return PolicyKB.from_source()


def make_data(kb: PolicyKB, profile: dict[str, Any], version: dict[str, Any] | None = VERSION, **kw: Any) -> dict:
    data = report_data(kb.assess(Profile.from_dict(profile, TODAY), TODAY), **kw)
    if version is not None:
        data["version"] = dict(version)
    return data


def kept(data: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(token="t" * 43, created_at=CREATED, expires_at=EXPIRES, data=data)


@pytest.fixture(scope="module")
def data(kb: PolicyKB) -> dict[str, Any]:
    return make_data(kb, PROFILE, undecided=["recognition_level"])


@pytest.fixture(scope="module")
def pdf(data: dict[str, Any]) -> bytes:
    return render_pdf(kept(data))


@pytest.fixture(scope="module")
def pdf_path(pdf: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.pdf"
    path.write_bytes(pdf)
    return path


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed: the PDF's text and fonts cannot be read back")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True, timeout=60).stdout


def flat(text: str) -> str:
    """Text without its line breaks and spaces (pdftotext -layout breaks long lines where the page wrapped them)."""
    return re.sub(r"\s+", "", text)


# ---- the PDF -----------------------------------------------------------------------------------------------------


def test_pdf_text_holds_amounts_citations_institution_date_version_and_disclaimer(pdf_path: Path) -> None:
    text = poppler("pdftotext", "-layout", str(pdf_path), "-")
    f = flat(text)
    assert MESSAGES["title"] in f
    assert "每年18万元（年租金60万元×30%），三年合计最多54万元" in f  # 《办法》三、2 on an annual rent of 60万
    assert "一次性补贴最高30万元（举办费100万元的30%" in f  # 《办法》三、7 on a 100万 event
    for cid in ("《办法》三、1", "《办法》三、2", "《办法》三、3", "《办法》二"):
        assert cid in f
    assert PROFILE["name"] in f
    assert "2026年12月1日" in f  # computed for
    assert "年租金60万元" in f and "入驻时间2025年3月" in f  # the profile, said back
    assert SOURCE_HASH[:12] in f and RULES_HASH[:12] in f
    assert SOURCE_HASH[:13] not in f  # short hashes
    assert "嘉府办发〔2022〕14号" in f
    assert flat(MESSAGES["disclaimer"]) in f


def test_pdf_is_a4_and_embeds_a_cjk_font(pdf: bytes, pdf_path: Path) -> None:
    assert pdf.startswith(b"%PDF-")
    info = poppler("pdfinfo", str(pdf_path))
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    fonts = poppler("pdffonts", str(pdf_path))
    cjk = [line for line in fonts.splitlines() if re.search(r"Noto.*CJK", line)]
    assert cjk, fonts
    # columns: name type encoding emb sub uni object ID; the font is embedded (and subsetted)
    assert any(re.search(r"\s(yes)\s+(yes)\s+(yes)\s+\d+\s+\d+\s*$", line) for line in cjk), fonts


def boxes_past_width(html: str) -> list[str]:
    """Boxes of the laid-out PDF that reach past the page's content area (A4 minus 15 mm each side = 180 mm)."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    too_wide = []
    for page in HTML(string=html).render().pages:
        pb = page._page_box
        left, right = pb.margin_left, pb.margin_left + pb.width
        assert abs(pb.width - 180 / 25.4 * 96) < 1  # 180 mm in CSS px
        stack = [c for c in pb.children if not isinstance(c, boxes.MarginBox)]
        while stack:
            b = stack.pop()
            if b.position_x < left - 0.5 or b.position_x + b.margin_width() > right + 0.5:
                too_wide.append(f"{type(b).__name__} {getattr(b, 'text', '')[:40]!r} {b.margin_width():.0f}px")
            stack.extend(getattr(b, "children", []))
    return too_wide


def test_nothing_is_wider_than_the_page_even_long_urls_and_numbers(kb: PolicyKB) -> None:
    long_name = "上海" + "https://example.com/" + "a" * 120 + "/人才" + "9" * 90 + "有限公司"
    data = make_data(kb, {**PROFILE, "name": long_name, "category": "人力资源" + "Z" * 100})
    html = render_html(kept(data), pdf_href=None)
    assert boxes_past_width(html) == []


def test_pdf_fetches_nothing() -> None:
    with pytest.raises(ValueError):
        report_page._refuse("file:///etc/passwd")


# ---- the HTML page -----------------------------------------------------------------------------------------------


def test_hostile_institution_name_and_profile_values_are_shown_as_text(kb: PolicyKB) -> None:
    data = make_data(kb, {**PROFILE, "name": HOSTILE, "establishment": "<img src=x onerror=alert(1)>"})
    html = render_html(kept(data), pdf_href=None)
    assert "<script" not in html.lower() and "<img" not in html.lower() and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&lt;b&gt;人才&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_every_measure_appears_with_badge_title_and_citation(data: dict[str, Any]) -> None:
    html = render_html(kept(data), pdf_href=None)
    for m in data["measures"]:
        block = re.search(
            r'<article class="measure verdict-(\w+)" data-measure="' + m["id"] + r'">(.*?)</article>', html, re.S
        )
        assert block, m["id"]
        assert block.group(1) == m["verdict"]
        assert m["badge"] in block.group(2) and m["title"] in block.group(2) and m["citation"] in block.group(2)
    assert len(re.findall(r"<article ", html)) == len(data["measures"]) == 9


def test_a_measure_no_group_lists_is_still_shown(data: dict[str, Any]) -> None:
    d = {**data, "groups": data["groups"][:1]}
    html = render_html(kept(d), pdf_href=None)
    assert all(f'data-measure="{m["id"]}"' in html for m in data["measures"])


def test_page_is_self_contained_no_script_no_external_url(data: dict[str, Any]) -> None:
    html = render_html(kept(data), pdf_href="/webhooks/report/abc.pdf")
    low = html.lower()
    assert "http://" not in low and "https://" not in low
    assert "<script" not in low and "<link" not in low and "@import" not in low and "url(" not in low
    assert "<iframe" not in low and "<img" not in low and " on" + "load=" not in low
    assert "@font-face" not in low  # system fonts only


def test_stylesheet_is_inlined_and_allowed_by_its_hash(data: dict[str, Any]) -> None:
    html = render_html(kept(data), pdf_href=None)
    css = re.search(r"<style>(.*?)</style>", html, re.S)
    assert css and "@page" in css.group(1) and "size: A4" in css.group(1) and "margin: 15mm" in css.group(1)
    assert '"Noto Sans CJK SC", "Noto Sans SC"' in css.group(1) and "sans-serif" in css.group(1)
    digest = base64.b64encode(hashlib.sha256(css.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in PAGE_CSP and "default-src 'none'" in PAGE_CSP


def test_pdf_link_only_when_given(data: dict[str, Any]) -> None:
    with_link = render_html(kept(data), pdf_href='/r/x.pdf?a=1&b="2"')
    assert 'href="/r/x.pdf?a=1&amp;b=&#34;2&#34;"' in with_link and MESSAGES["pdf_link"] in with_link
    assert MESSAGES["pdf_link"] not in render_html(kept(data), pdf_href=None)


def test_header_dates_version_and_disclaimer(data: dict[str, Any]) -> None:
    html = render_html(kept(data), pdf_href=None)
    for label in MESSAGES["meta"].values():
        assert label in html
    assert "2026年12月1日 11:04（北京时间）" in html  # created, naive UTC shown in Beijing time
    assert "2026年12月31日 11:04（北京时间）" in html  # expires
    assert f"文本 {SOURCE_HASH[:12]}" in html and f"规则 {RULES_HASH[:12]}" in html
    assert MESSAGES["disclaimer"] in html
    assert "t" * 43 not in html  # the token is the key to the report: not printed on it


def test_version_absent_does_not_fail(kb: PolicyKB) -> None:
    html = render_html(kept(make_data(kb, PROFILE, version=None)), pdf_href=None)
    assert f'<dd class="version">{MESSAGES["version_absent"]}</dd>' in html


def test_profile_is_said_back_as_the_bot_says_facts(data: dict[str, Any]) -> None:
    items = stated_profile(data["profile"], TODAY)
    assert "年租金60万元" in items and "入驻时间2025年3月" in items and "500强情况：世界500强" in items
    assert "已入驻人才港：是" in items and "已建立实训基地：是" in items and "活动举办费100万元" in items
    assert not any(PROFILE["name"] in i for i in items)  # the name has its own line


def test_profile_the_registry_cannot_read_is_shown_as_stored() -> None:
    items = stated_profile({"name": "某公司", "annual_rent": "很多", "category": "猎头"}, TODAY)
    assert items == ["年租金：很多", "所属领域：猎头"]


def test_what_the_bureau_must_verify_is_listed_once_with_citations(data: dict[str, Any]) -> None:
    html = render_html(kept(data), pdf_href=None)
    verify = re.search(r'<section class="verify">(.*?)</section>', html, re.S)
    assert verify
    items = re.findall(r"<li>(.*?)</li>", verify.group(1), re.S)
    assert len(items) == len(set(items)) >= 3
    assert any("（《办法》二）" in i for i in items) and any("（《办法》三、2）" in i for i in items)
    # not the explanation of 三、9 (not applicable): nothing there to verify
    na = next(m for m in data["measures"] if m["verdict"] == "not_applicable")
    assert na["reasons"][0]["text"] not in verify.group(1)


def test_not_a_support_object_report_renders_without_a_verify_list(kb: PolicyKB) -> None:
    data = make_data(kb, {"name": "某公司", "in_talent_port": False, "category": "高端猎头"})
    assert all(m["verdict"] in ("not_eligible", "not_applicable") for m in data["measures"])
    html = render_html(kept(data), pdf_href=None)
    assert '<section class="verify">' not in html
    assert data["support"]["lines"][0]["text"].split("：", 1)[-1] in html


def test_empty_profile_and_undecided_facts(kb: PolicyKB) -> None:
    data = make_data(kb, {}, undecided=["event_cost"])
    html = render_html(kept(data), pdf_href=None)
    assert MESSAGES["profile_empty"] in html
    assert f"<dt>{MESSAGES['meta']['institution']}</dt>" not in html  # no name given: no name line
    assert data["undecided_text"] in html
    for f in data["missing_facts"]:
        assert f"<li>{f['label']}</li>" in html


def test_unknown_line_kinds_render_as_text(data: dict[str, Any]) -> None:
    d = {**data, "measures": [dict(m) for m in data["measures"]]}
    d["measures"][1] = {**d["measures"][1], "lines": [{"kind": "year", "text": "第1年度：18万元"}, {"kind": "<x>"}]}
    html = render_html(kept(d), pdf_href=None)
    assert '<p class="line line-year"><strong class="label">第1年度：</strong>18万元</p>' in html
    assert 'class="line line-x"' in html


def test_malformed_data_still_renders() -> None:
    html = render_html(kept({}), pdf_href=None)
    assert MESSAGES["title"] in html and MESSAGES["disclaimer"] in html
