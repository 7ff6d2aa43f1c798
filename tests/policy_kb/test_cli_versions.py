"""The version commands of the staff CLI, run as staff run them (a real process, a real SQLite file): load,
versions, check, show --as-of, assess --today. The revision loaded is the FABRICATED test text
(tests/fixtures/versions/FABRICATED-revision-2027.txt)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "versions"
REVISION = FIXTURES / "FABRICATED-revision-2027.txt"
PROFILE = {"in_talent_port": True, "category": "高端猎头", "entry_date": "2026-03-01", "annual_rent": 1200000}


def run(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "policy_kb", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "POLICY_KB_URL": f"sqlite:///{tmp_path / 'kb.sqlite'}", "PYTHONPATH": str(ROOT)}


@pytest.fixture
def loaded(env):
    r = run(env, "load", str(REVISION), "--effective", "2027-01-01")
    assert r.returncode == 0, r.stderr
    assert "已加入 办法 的新版本：嘉府办发〔2026〕99号，2027-01-01 起施行" in r.stdout
    assert "过时规则 《办法》三、2" in r.stdout and "过时规则 《办法》三、7" in r.stdout  # said when loaded
    return env


def test_a_fresh_store_checks_clean(env):
    r = run(env, "check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "嘉府办发〔2022〕14号，2022年1月1日起施行：规则与原文一致" in r.stdout


def test_versions_lists_both_with_their_periods(loaded):
    out = run(loaded, "versions").stdout
    assert "嘉府办发〔2022〕14号：2022-01-01 起施行，至 2026-12-31；随程序发布" in out
    assert "嘉府办发〔2026〕99号：2027-01-01 起施行，至今有效；工作人员加入" in out


def test_check_exits_1_listing_exactly_the_stale_rules(loaded):
    r = run(loaded, "check")
    assert r.returncode == 1
    stale = [ln for ln in r.stdout.splitlines() if ln.startswith("过时规则")]
    assert stale == [
        "过时规则 《办法》三、2（对照 嘉府办发〔2026〕99号，2027年1月1日起施行）：",
        "过时规则 《办法》三、7（对照 嘉府办发〔2026〕99号，2027年1月1日起施行）：",
    ]


def test_show_uses_the_version_in_force_on_the_day(loaded):
    before = run(loaded, "show", "三、2", "--as-of", "2026-12-31").stdout
    after = run(loaded, "show", "三、2", "--as-of", "2027-01-01").stdout
    assert "每年30%" in before and "依据嘉府办发〔2022〕14号" in before
    assert "每年40%" in after and "依据嘉府办发〔2026〕99号" in after


def test_assess_on_a_day_under_the_revision_gives_no_amount_from_the_old_rule(loaded, tmp_path):
    p = tmp_path / "p.json"
    p.write_text(json.dumps(PROFILE, ensure_ascii=False), encoding="utf-8")
    old = run(loaded, "assess", str(p), "--today", "2026-06-01", "--only", "三、2").stdout
    new = run(loaded, "assess", str(p), "--today", "2027-06-01", "--only", "三、2").stdout
    assert "每年36万元" in old
    assert "36万" not in new and "计算规则更新中" in new and "每年40%" in new  # the new clause, verbatim
    data = json.loads(run(loaded, "assess", str(p), "--today", "2027-06-01", "--json").stdout)
    assert data["version"]["doc_number"] == "嘉府办发〔2026〕99号"
    assert {r["id"]: r["verdict"] for r in data["results"]}["三、2"] == "updating"


def test_a_supplementary_document_is_loaded_and_shown(env):
    r = run(
        env,
        "load",
        str(FIXTURES / "FABRICATED-rules-of-implementation.txt"),
        "--effective",
        "2026-01-01",
        "--document",
        "实施细则",
    )
    assert r.returncode == 0, r.stderr
    shown = run(env, "show", "第3条", "--document", "实施细则", "--as-of", "2026-06-01")
    assert shown.returncode == 0 and "《实施细则》第三条" in shown.stdout and "租赁合同" in shown.stdout


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["load", "nosuch.txt", "--effective", "2027-01-01"], 1, "找不到文本文件"),
        (["load", str(REVISION), "--effective", "2027-02-30"], 2, "--effective 应为 YYYY-MM-DD 格式"),
        (["load", str(REVISION)], 2, "参数错误"),
        (["show", "三、2", "--as-of", "昨天"], 2, "--as-of 应为 YYYY-MM-DD 格式"),
    ],
)
def test_bad_input_is_a_clear_message(env, args, code, message):
    r = run(env, *args)
    assert r.returncode == code and message in r.stderr and "Traceback" not in r.stderr


def test_a_text_that_is_not_the_notice_adds_nothing(env, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("这不是通知\n", encoding="utf-8")
    r = run(env, "load", str(bad), "--effective", "2028-01-01")
    assert r.returncode == 1 and "未加入任何版本" in r.stderr and "Traceback" not in r.stderr
    assert "2028" not in run(env, "versions").stdout


def test_another_text_for_the_same_day_is_refused(loaded, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text(REVISION.read_text(encoding="utf-8").replace("40%", "45%"), encoding="utf-8")
    r = run(loaded, "load", str(other), "--effective", "2027-01-01")
    assert r.returncode == 1 and "未加入" in r.stderr


def test_show_of_a_document_not_held_is_refused(env):
    r = run(env, "show", "第三条", "--document", "实施细则")
    assert r.returncode == 1 and "当天没有施行中的“实施细则”" in r.stderr and "三、3" not in r.stdout


def test_an_effective_date_other_than_the_text_states_is_refused_unless_forced(env):
    r = run(env, "load", str(REVISION), "--effective", "2025-01-01")
    assert r.returncode == 1 and "文本自述 2027-01-01 起施行" in r.stderr
    assert "2025-01-01" not in run(env, "versions").stdout
    forced = run(env, "load", str(REVISION), "--effective", "2027-02-01", "--force")
    assert forced.returncode == 0 and "2027-02-01 起施行" in forced.stdout


def test_output_piped_into_head_ends_without_a_traceback(env):
    """`python -m policy_kb load … | head -1` printed a BrokenPipeError traceback."""
    r = subprocess.run(
        f"{sys.executable} -m policy_kb load {REVISION} --effective 2027-01-01 | head -1",
        shell=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "已加入" in r.stdout and "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr
