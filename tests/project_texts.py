"""Every text the project has for checking that a shortcut changes nothing: the NLU examples (training data and
the NLU test sets), the policy's lines, and edge cases."""

from __future__ import annotations

import re
from pathlib import Path

from policy_kb.text import SOURCE_PATH

ROOT = Path(__file__).resolve().parents[1]
EDGE_CASES = ["没有", "总部", "是", "不是", "今年", "前年入驻", "百分之", "〇", "٣٠%", "３０％", "千", "x" * 300, ""]
_EXAMPLE = re.compile(r"\s*- (.+)$")
_ANNOTATION = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")  # [text](entity) / [text]{"entity": …}


def nlu_examples() -> list[str]:
    texts = []
    for path in sorted([*(ROOT / "data" / "nlu").glob("*.yml"), *(ROOT / "tests" / "nlu").glob("*.yml")]):
        for line in path.read_text(encoding="utf-8").splitlines():
            m = _EXAMPLE.match(line)
            if m and not m.group(1).startswith(("intent:", "synonym:", "regex:", "lookup:")):
                texts.append(_ANNOTATION.sub(r"\1\2", m.group(1)))
    return texts


def project_texts() -> list[str]:
    return [*nlu_examples(), *SOURCE_PATH.read_text(encoding="utf-8").splitlines(), *EDGE_CASES]
