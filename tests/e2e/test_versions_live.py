"""Policy versions on the running bot (a real action server and Rasa server over REST, a real SQLite knowledge
base): staff load the FABRICATED revision (tests/fixtures/versions) with the CLI while the bot runs; the bot picks
it up without a restart and from then on answers the changed measures with the new clause and no amount, while a
question about an earlier year is still answered from that year's text."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from policy_kb.store import build, make_engine
from tests.e2e.servers import ROOT, Servers

REVISION = Path(__file__).resolve().parents[1] / "fixtures" / "versions" / "FABRICATED-revision-2027.txt"
NEW = "嘉府办发〔2026〕99号，2027年1月1日起施行"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    work = tmp_path_factory.mktemp("versions")
    url = f"sqlite:///{work / 'kb.sqlite'}"
    build(make_engine(url))
    env = {"POLICY_KB_URL": url, "POLICY_TODAY": "2027-06-01", "KB_RELOAD_SECONDS": "0"}
    s = Servers(work, env=env).start()
    yield s, {**os.environ, "PYTHONPATH": str(ROOT), **env}
    s.stop()


def _sender():
    return f"v-{uuid.uuid4().hex[:8]}"


def test_a_revision_loaded_while_the_bot_runs_is_served_without_an_amount_from_the_old_rule(live):
    bot, env = live
    before = bot.text(_sender(), "我们每年房租100万，能补贴多少？")
    assert "每年30万元" in before and "依据嘉府办发〔2022〕14号" in before
    r = subprocess.run(
        [sys.executable, "-m", "policy_kb", "load", str(REVISION), "--effective", "2027-01-01"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    after = bot.text(_sender(), "我们每年房租100万，能补贴多少？")
    assert "已按新版本" in after and NEW in after and "每年40%的租金补贴" in after
    assert "30万元" not in after and "40万元" not in after and "90万元" not in after
    # the measures the revision did not change are still answered with their figures, naming the new version
    honour = bot.text(_sender(), "荣誉奖励给多少钱")
    assert "20万—30万元" in honour and NEW in honour


def test_an_as_of_question_is_answered_from_the_text_of_that_year(live):
    bot, _ = live
    text = bot.text(_sender(), "2023年的时候租金补贴比例是多少")
    assert "30%" in text and "按2023年1月1日时施行的版本：嘉府办发〔2022〕14号" in text
