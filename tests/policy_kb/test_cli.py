"""Staff CLI, run as people run it: python -m policy_kb … (a real process, a real SQLite file)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROFILE = {
    "name": "嘉人人力资源有限公司",
    "category": "人力资源外包",
    "in_talent_port": True,
    "entry_date": "2025-03-01",
    "establishment": "总部",
    "rank_500": "none",
    "annual_rent": 1200000,
    "talent_recommendations": 0,
    "training_base": False,
    "honour_level": "市级",
    "honour_year": 2026,
    "recognition_level": None,
    "event_cost": None,
}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    return {**os.environ, "POLICY_KB_URL": f"sqlite:///{d / 'kb.sqlite'}", "PYTHONPATH": str(ROOT)}


def run(env, *args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "policy_kb", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_build_twice(env):
    a, b = run(env, "build"), run(env, "build")
    assert a.returncode == 0 and "已构建" in a.stdout
    assert b.returncode == 0 and "已是最新" in b.stdout


@pytest.mark.parametrize(
    "ref, expect",
    [("三、2", "前三年度每年30%的租金补贴"), ("支持政策第七条", "举办费最高30%"), ("第五部分", "《办法》五（三）")],
)
def test_show(env, ref, expect):
    r = run(env, "show", ref)
    assert r.returncode == 0, r.stderr
    assert expect in r.stdout
    assert "《办法》" in r.stdout.splitlines()[0]


def test_show_missing_clause(env):
    r = run(env, "show", "支持政策第十条")
    assert r.returncode != 0
    assert "支持政策共9条" in r.stderr
    assert "Traceback" not in r.stderr


def test_search_every_line_cites(env):
    r = run(env, "search", "人才")
    assert r.returncode == 0
    lines = r.stdout.strip().splitlines()
    assert len(lines) >= 3 and all("《办法》" in ln for ln in lines)


def test_assess_report(env, tmp_path):
    p = tmp_path / "p.json"
    p.write_text(json.dumps(PROFILE, ensure_ascii=False), encoding="utf-8")
    r = run(env, "assess", str(p), "--today", "2026-11-25")
    assert r.returncode == 0, r.stderr
    assert "每年36万元" in r.stdout and "三年合计最多108万元" in r.stdout
    j = run(env, "assess", str(p), "--today", "2026-11-25", "--json")
    data = json.loads(j.stdout)
    rent = next(x for x in data["results"] if x["id"] == "三、2")
    assert rent["money"]["per_year"] == 360000 and rent["money"]["total"] == 1080000


@pytest.mark.parametrize(
    "stdin, expect",
    [
        ("{bad json", "JSON格式错误"),
        ('{"colour": "red"}', "可用字段：name、category"),
        ('{"annual_rent": -1}', "不能为负数"),
        ("[1, 2]", "JSON对象"),
    ],
)
def test_assess_bad_input(env, stdin, expect):
    r = run(env, "assess", "-", "--today", "2026-11-25", stdin=stdin)
    assert r.returncode != 0
    assert expect in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_today_and_missing_file(env):
    r = run(env, "assess", "-", "--today", "2026-13-01", stdin="{}")
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr
    r = run(env, "assess", "/no/such/file.json")
    assert r.returncode != 0 and "找不到画像文件" in r.stderr
