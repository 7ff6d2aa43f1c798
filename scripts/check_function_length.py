"""make lint: no function of the project's code longer than MAX_LINES unless its docstring says why.

A long function passes when its docstring contains "Long:" followed by the reason (e.g. "Long: one table of
routes, each three lines; split, it would read worse"). Tests are not checked (a test reads top to bottom).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_LINES = 60
ROOTS = ("policy_kb", "actions", "bot", "scripts", "bench")


def long_functions(root: Path) -> list[str]:
    found = []
    for folder in ROOTS:
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            for node in ast.walk(tree):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                doc = ast.get_docstring(node) or ""
                if length > MAX_LINES and "Long:" not in doc:
                    found.append(f"{path.relative_to(root)}:{node.lineno}: {node.name} is {length} lines")
    return found


def main() -> int:
    found = long_functions(Path(__file__).resolve().parent.parent)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} function(s) over {MAX_LINES} lines without a 'Long:' reason in the docstring")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
