#!/usr/bin/env bash
# Hash of everything a trained model depends on; the model file is named after it, so training runs only when one
# of these changed. `scripts/model-hash.sh --list` prints the files instead of their hash.
#
# - config.yml, the domain (bot/domain), the training data (data/) and the pinned dependencies (requirements.lock);
# - the project's Python code `rasa train` runs: every custom component config.yml names (module.Class), each with
#   its parent packages (importing bot.nlu.x runs bot/__init__.py, which installs bot/speedups.py), and, transitively,
#   every project module any of them imports (policy_kb.understand, text, extract, jieba_setup, …). The list is read
#   from the import statements (all of them, also those inside functions), not written by hand;
# - policy_kb's package data (policy_kb/data: jieba dictionary, vocabulary, aspects, messages …; policy_kb/source:
#   the policy text), which the components and the JiebaTokenizer (dictionary_path) read.
# tests/bot/test_model_hash.py imports the components in a fresh process and fails if a project module or file they
# load is not in this list.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
py="${PYTHON:-.venv/bin/python}"
[ -x "$py" ] || py=python3

list_files() {
  find config.yml bot/domain data policy_kb/data policy_kb/source requirements.lock -type f \
       \( -name '*.yml' -o -name '*.yaml' -o -name '*.txt' -o -name '*.lock' \) -not -path '*/__pycache__/*'
  "$py" - <<'PY'
import ast
import re
from pathlib import Path

def module_file(name):
    """The file of a project module (bot.nlu, policy_kb.text), or None if it is not one of this repository's."""
    base = Path(*name.split("."))
    for f in (base.with_suffix(".py"), base / "__init__.py"):
        if f.is_file():
            return f
    return None

def with_parents(name):
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]

components = re.findall(r"^\s*-?\s*name:\s*['\"]?([A-Za-z_]\w*(?:\.\w+)+)", Path("config.yml").read_text(), re.M)
todo = [m for c in components for m in with_parents(c.rsplit(".", 1)[0])]
seen = {}
while todo:
    name = todo.pop()
    if name in seen or (f := module_file(name)) is None:
        continue
    seen[name] = f
    package = name if f.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"), str(f))):
        if isinstance(node, ast.Import):
            todo += [m for a in node.names for m in with_parents(a.name)]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            todo += with_parents(target) + [f"{target}.{a.name}" for a in node.names]  # a name may be a submodule
print("\n".join(str(f) for f in seen.values()))
PY
}

files="$(list_files | LC_ALL=C sort -u)"
if [ "${1:-}" = "--list" ]; then
  echo "$files"
  exit 0
fi
while read -r f; do echo "== $f"; cat "$f"; done <<<"$files" | sha256sum | cut -c1-16
