"""scripts/model-hash.sh names the model after what training depends on: it must cover every project module and data
file the custom components of config.yml load, or a change to one of them would keep a stale model."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "model-hash.sh"

# What `rasa train` does with config.yml's custom components, in a fresh interpreter: import each one by its dotted
# name (as Rasa's registry does, which runs the parent packages' __init__ too), create it and run it over a few
# messages in training and in inference (lazily loaded tables: lexicon, vocabulary, messages, the policy text).
# Prints every project file that ended up in sys.modules or was opened.
PROBE = textwrap.dedent(
    """
    import json, os, sys

    ROOT = os.getcwd()
    opened = set()

    def audit(event, args):
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            opened.add(os.path.abspath(os.fsdecode(args[0])))

    sys.addaudithook(audit)

    import yaml
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from rasa.shared.utils.common import class_from_module_path

    with open("config.yml", encoding="utf-8") as f:
        config = yaml.safe_load(f)
    texts = [
        "我们是猎頭公司，2025年3月入驻人才港，年租金120万，每月房租7万",
        "支持政策第7条给几年？原文贴一下",
        "不对，是去年五月入驻的，不属于500强，办论坛花了200萬最多补多少",
    ]
    for entry in config["pipeline"] + config.get("policies", []):
        if "." not in entry["name"]:
            continue  # one of Rasa's own components
        component = class_from_module_path(entry["name"])
        instance = component.create({k: v for k, v in entry.items() if k != "name"}, None, None, None)
        if hasattr(instance, "process_training_data"):
            instance.process_training_data(TrainingData([Message.build(t) for t in texts]))
        if hasattr(instance, "process"):
            instance.process([Message.build(t) for t in texts])

    files = {getattr(m, "__file__", None) for m in list(sys.modules.values())} | opened
    project = set()
    for f in files:
        if not f or not os.path.isfile(f):
            continue
        rel = os.path.relpath(os.path.realpath(f), ROOT)
        # *.egg-info: the editable install's metadata (from pyproject.toml), read by importlib.metadata's scans
        if not rel.startswith(("..", ".venv")) and "__pycache__" not in rel and ".egg-info" not in rel:
            project.add(rel)
    print(json.dumps(sorted(project)))
    """
)


def hashed_files(root: Path = ROOT, env: dict[str, str] | None = None) -> set[str]:
    out = subprocess.run(
        [str(root / "scripts" / "model-hash.sh"), "--list"], capture_output=True, text=True, check=True, env=env
    )
    return set(out.stdout.split())


def model_hash(root: Path = ROOT, env: dict[str, str] | None = None) -> str:
    out = subprocess.run([str(root / "scripts" / "model-hash.sh")], capture_output=True, text=True, check=True, env=env)
    return out.stdout.strip()


@pytest.fixture(scope="module")
def loaded() -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=600, env=dict(os.environ)
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_every_project_file_the_components_load_is_hashed(loaded):
    missing = sorted(set(loaded) - hashed_files())
    assert not missing, f"scripts/model-hash.sh does not hash {missing}, which training loads"
    # the probe did load the components and what they read (else the check above proves nothing)
    assert {
        "bot/__init__.py",
        "bot/speedups.py",
        "bot/nlu/policy_entities.py",
        "bot/nlu/traditional.py",
        "policy_kb/understand/__init__.py",
        "policy_kb/jieba_setup.py",
        "policy_kb/data/jieba/policy_terms.txt",
        "policy_kb/data/vocabulary.yaml",
    } <= set(loaded)


def test_files_named_in_config_yml_are_hashed():
    """Paths in component settings (JiebaTokenizer's dictionary_path reads every file of its folder)."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    named: set[str] = set()
    for entry in config["pipeline"] + config.get("policies", []):
        for value in entry.values():
            path = ROOT / str(value)
            if isinstance(value, str) and "/" in value and path.exists():
                files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
                named |= {str(p.relative_to(ROOT)) for p in files}
    assert named, "config.yml names no file any more: update this test"
    assert named <= hashed_files()


def test_training_inputs_are_hashed():
    files = hashed_files()
    assert {"config.yml", "requirements.lock"} <= files
    for folder in ("bot/domain", "data"):
        assert {str(p.relative_to(ROOT)) for p in (ROOT / folder).rglob("*.yml")} <= files


def test_modules_are_found_from_the_imports(tmp_path):
    """On a copy of what it hashes: same hash (it reads nothing else); a change to a hashed module changes the hash;
    a module newly imported (even inside a function) by a hashed one is hashed from then on."""
    files = hashed_files()
    for f in files | {"scripts/model-hash.sh"}:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, tmp_path / f)
    env = {**os.environ, "PYTHON": sys.executable}
    before = model_hash(tmp_path, env)
    assert before == model_hash()
    assert hashed_files(tmp_path, env) == files

    money = tmp_path / "policy_kb" / "understand" / "money.py"
    money.write_text(money.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    changed = model_hash(tmp_path, env)
    assert changed != before

    (tmp_path / "policy_kb" / "newly_used.py").write_text("X = 1\n", encoding="utf-8")
    money.write_text(
        money.read_text(encoding="utf-8") + "\ndef _later():\n    from ..newly_used import X\n\n    return X\n",
        encoding="utf-8",
    )
    assert hashed_files(tmp_path, env) == files | {"policy_kb/newly_used.py"}
    assert model_hash(tmp_path, env) != changed
