"""Rasa's own checks on the trained model: data validation, conversation tests, and the held-out NLU test set."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.servers import ROOT, current_model

RASA = str(ROOT / ".venv" / "bin" / "rasa")
ENV = {
    **os.environ,
    "PYTHONPATH": str(ROOT),
    "POLICY_TODAY": "2026-11-25",
    "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
}
INTENT_ACCURACY_TARGET = 0.97


def rasa(*args, timeout=900):
    return subprocess.run([RASA, *args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)


def test_data_validates():
    r = rasa("data", "validate", "--domain", "bot/domain", "--data", "data", "--config", "config.yml")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


def test_conversation_tests_pass(tmp_path):
    out = tmp_path / "core"
    r = rasa(
        "test",
        "core",
        "--model",
        str(current_model()),
        "--stories",
        "tests/conversations",
        "--fail-on-prediction-errors",
        "--out",
        str(out),
        "--endpoints",
        "bot/endpoints.yml",
    )
    failed = out / "failed_test_stories.yml"
    detail = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:] + detail[-3000:]


@pytest.fixture(scope="module")
def nlu_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("nlu")
    r = rasa("test", "nlu", "--model", str(current_model()), "--nlu", "tests/nlu/test_nlu.yml", "--out", str(out))
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return out


def test_held_out_intent_accuracy(nlu_report):
    report = json.loads((nlu_report / "intent_report.json").read_text(encoding="utf-8"))
    acc = report["accuracy"]
    errors = json.loads((nlu_report / "intent_errors.json").read_text(encoding="utf-8"))
    shown = [(e["text"], e["intent"], e["intent_prediction"]["name"]) for e in errors][:20]
    Path(ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / "nlu_accuracy.txt").write_text(f"{acc:.4f}\n", encoding="utf-8")
    assert acc >= INTENT_ACCURACY_TARGET, f"intent accuracy {acc:.3f} < {INTENT_ACCURACY_TARGET}: {shown}"


def test_entity_extraction_f1(nlu_report):
    f = nlu_report / "PolicyEntityExtractor_report.json"
    report = json.loads(f.read_text(encoding="utf-8"))
    f1 = report["weighted avg"]["f1-score"]
    (ROOT / "var" / "nlu_entity_f1.txt").write_text(f"{f1:.4f}\n", encoding="utf-8")
    assert f1 >= 0.85, {k: v for k, v in report.items() if isinstance(v, dict) and v.get("f1-score", 1) < 0.9}


HELD_OUT_ASPECTS_TARGET = 0.90  # measured 0.935 when the set was first run; written apart from the training data


def test_held_out_aspect_and_follow_up_intent_accuracy(tmp_path):
    """tests/nlu/heldout_aspects.yml: questions about an aspect of a measure and follow-ups naming no measure."""
    r = rasa(
        "test", "nlu", "--model", str(current_model()), "--nlu", "tests/nlu/heldout_aspects.yml", "--out", str(tmp_path)
    )
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    report = json.loads((tmp_path / "intent_report.json").read_text(encoding="utf-8"))
    acc = report["accuracy"]
    (ROOT / "var" / "nlu_heldout_aspects_accuracy.txt").write_text(f"{acc:.4f}\n", encoding="utf-8")
    errors = json.loads((tmp_path / "intent_errors.json").read_text(encoding="utf-8"))
    shown = [(e["text"], e["intent"], e["intent_prediction"]["name"]) for e in errors][:20]
    assert acc >= HELD_OUT_ASPECTS_TARGET, f"intent accuracy {acc:.3f} < {HELD_OUT_ASPECTS_TARGET}: {shown}"
