"""Every text the project has for checking that a shortcut changes nothing: the NLU examples (training data and
the NLU test sets), the policy's lines, and edge cases."""

from __future__ import annotations

from pathlib import Path

from policy_kb.text import SOURCE_PATH

ROOT = Path(__file__).resolve().parents[1]
EDGE_CASES = ["没有", "总部", "是", "不是", "今年", "前年入驻", "百分之", "〇", "٣٠%", "３０％", "千", "x" * 300, ""]


def nlu_examples() -> list[str]:
    """The texts of the NLU training data and the NLU test sets, as Rasa's reader reads them (annotations
    removed)."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [m.get("text") for d in ("data/nlu", "tests/nlu") for m in load_data(str(ROOT / d)).training_examples]


def project_texts() -> list[str]:
    return [*nlu_examples(), *SOURCE_PATH.read_text(encoding="utf-8").splitlines(), *EDGE_CASES]
